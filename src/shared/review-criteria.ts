// When is a frame worth an annotator's look? One definition, used by the backend's work queues and
// counts and by the renderer's timeline and overlay (which highlight the frames the queue jumps to).
// Pure functions over model probabilities and 8-AU label vectors (1 / 0 / -1 unlabelled).
//
// The rule, per task, as a score in [0, 1] compared with a limit the user may change
// (ReviewCriteria; DEFAULT_CRITERIA are the defaults):
//  - disagreement strength (0 = the model's decision agrees with the label):
//      AU    how far the model's probability is past the AU's (tuned) decision threshold, towards
//            the opposite of the label, as a share of the way from the threshold to 0 or 1;
//            the frame's strength is that of its most contradicted labelled AU;
//      EXPR  probability of the model's expression minus that of the labelled expression;
//      VA    the larger of |Δvalence| and |Δarousal| between model and label, halved (a share of
//            the −1…1 scale);
//  - uncertainty:
//      AU    closeness of a probability to the AU's threshold: 1 − its distance as a share of the way
//            from the threshold to 0 or 1 (1 = exactly at the threshold); the frame's is the highest;
//      EXPR  normalised entropy H / ln 7 of the expression distribution;
//      VA    the larger standard deviation of the valence / arousal bin distributions (value units).
// A frame is work for a task when its score is above zero and at or above the limit, and its label
// for that task is not a human decision: a corrected, accepted or kept label has been reviewed, so
// the queues count down as an annotator works through them (the "unlabelled" queue is separate).
import { z } from 'zod';
import { NUM_AUS, NUM_EXPR, VA_BIN_CENTRES } from './labels';

export const CRITERIA_TASKS = ['au', 'expr', 'va'] as const;
export type CriteriaTask = (typeof CRITERIA_TASKS)[number];

const limit = z.number().min(0).max(1);
const perTask = z.strictObject({ au: limit, expr: limit, va: limit });
/** The limits in force: a frame is "disagrees" / "uncertain" work for a task at or above its limit. */
export const ReviewCriteria = z.strictObject({ disagree: perTask, uncertain: perTask });
export type ReviewCriteria = z.infer<typeof ReviewCriteria>;

/**
 * Defaults: disagreement is strong disagreement — an AU half-way past its threshold to the opposite
 * certainty (threshold 50%: p ≥ 75% against an "absent" label; threshold 5%: p ≥ 52.5%), an
 * expression the model prefers by 50 points, valence or arousal 0.5 apart; uncertainty is an AU
 * within a tenth of the way from its threshold, an expression distribution of normalised entropy
 * ≥ 0.85, a valence or arousal spread (SD) ≥ 0.5 (a uniform distribution over −1…1 has 0.58).
 */
export const DEFAULT_CRITERIA: ReviewCriteria = {
  disagree: { au: 0.5, expr: 0.5, va: 0.25 },
  uncertain: { au: 0.9, expr: 0.85, va: 0.5 },
};

export const DEFAULT_THRESHOLD = 0.5;

export function thresholdsOrDefault(t: readonly number[] | null | undefined): number[] {
  return Array.from({ length: NUM_AUS }, (_, k) => (t && Number.isFinite(t[k]) ? t[k] : DEFAULT_THRESHOLD));
}

/** Normalised entropy in [0, 1] of a probability vector (of `len` values from `off`: the backend's columns are read in place). */
export function normalisedEntropy(p: ArrayLike<number>, off = 0, len = p.length - off): number {
  let h = 0;
  for (let i = off; i < off + len; i++) if (p[i] > 0) h -= p[i] * Math.log(p[i]);
  return len > 1 ? h / Math.log(len) : 0;
}

/** Standard deviation of a VA bin distribution over the bin centres. */
export function binSd(p: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < p.length; i++) m += p[i] * VA_BIN_CENTRES[i];
  let v = 0;
  for (let i = 0; i < p.length; i++) v += p[i] * (VA_BIN_CENTRES[i] - m) ** 2;
  return Math.sqrt(v);
}

export function argmax(p: ArrayLike<number>, off = 0, len = p.length - off): number {
  let best = 0;
  for (let i = 1; i < len; i++) if (p[off + i] > p[off + best]) best = i;
  return best;
}

const EPS = 1e-6;

// ---------- scores ----------
// Vectors may be read at an offset (po: probabilities, lo: labels), so the backend scores its
// per-frame columns in place without a view per frame.

/** How strongly probability p (threshold thr) contradicts label l (1/0): 0 when the decision agrees. */
export function auAgainst(p: number, thr: number, l: number): number {
  if (l === 1) return p >= thr ? 0 : (thr - p) / Math.max(thr, EPS);
  return p < thr ? 0 : (p - thr) / Math.max(1 - thr, EPS);
}

/** The strength of the most contradicted labelled AU (0: none labelled or all agree). */
export function auStrength(prob: ArrayLike<number>, thr: readonly number[], label: ArrayLike<number>, po = 0, lo = 0): number {
  let s = 0;
  for (let k = 0; k < NUM_AUS; k++) if (label[lo + k] >= 0) s = Math.max(s, auAgainst(prob[po + k], thr[k], label[lo + k]));
  return s;
}

/** Probability of the model's expression minus that of the labelled one (0: unlabelled or the same class). */
export function exprStrength(prob: ArrayLike<number>, label: number, po = 0): number {
  if (label < 0) return 0;
  return prob[po + argmax(prob, po, NUM_EXPR)] - prob[po + label];
}

/** The larger of |Δvalence|, |Δarousal| between model and label, halved (NaN label: 0). */
export function vaStrength(mv: number, ma: number, v: number, a: number): number {
  if (Number.isNaN(v) || Number.isNaN(a)) return 0;
  return Math.max(Math.abs(mv - v), Math.abs(ma - a)) / 2;
}

/** Closeness of probability p to threshold thr, 1 at the threshold, 0 at certainty. */
export function auCloseness(p: number, thr: number): number {
  return 1 - Math.abs(p - thr) / Math.max(p >= thr ? 1 - thr : thr, EPS);
}

export function auUncertainty(prob: ArrayLike<number>, thr: readonly number[], po = 0): number {
  let u = 0;
  for (let k = 0; k < NUM_AUS; k++) u = Math.max(u, auCloseness(prob[po + k], thr[k]));
  return u;
}

export function exprUncertainty(prob: ArrayLike<number>, po = 0): number {
  return normalisedEntropy(prob, po, NUM_EXPR);
}

/** The larger spread (SD in value units) of the valence and arousal bin distributions. */
export function vaUncertainty(vSd: number, aSd: number): number {
  return Math.max(vSd, aSd);
}

/** Whether a score is work under a limit: above zero and at or above the limit. */
export function flagged(score: number, limit: number): boolean {
  return score > 0 && score >= limit - 1e-9;
}

// ---------- the overlay's per-AU view and booleans (default limits unless given) ----------

/** Which of the 8 AUs contradict their label strongly enough to count (labelled AUs only). */
export function auDisagreements(prob: ArrayLike<number>, thr: readonly number[], label: ArrayLike<number>, c: ReviewCriteria = DEFAULT_CRITERIA): boolean[] {
  return Array.from({ length: NUM_AUS }, (_, k) => label[k] >= 0 && flagged(auAgainst(prob[k], thr[k], label[k]), c.disagree.au));
}

export function auDisagrees(prob: ArrayLike<number>, thr: readonly number[], label: ArrayLike<number>, c: ReviewCriteria = DEFAULT_CRITERIA): boolean {
  return flagged(auStrength(prob, thr, label), c.disagree.au);
}

export function auUncertain(prob: ArrayLike<number>, thr: readonly number[], c: ReviewCriteria = DEFAULT_CRITERIA): boolean {
  return flagged(auUncertainty(prob, thr), c.uncertain.au);
}

export function exprDisagrees(prob: ArrayLike<number>, label: number, c: ReviewCriteria = DEFAULT_CRITERIA): boolean {
  return flagged(exprStrength(prob, label), c.disagree.expr);
}

export function exprUncertain(prob: ArrayLike<number>, c: ReviewCriteria = DEFAULT_CRITERIA): boolean {
  return flagged(exprUncertainty(prob), c.uncertain.expr);
}

export function vaUncertain(vBins: ArrayLike<number>, aBins: ArrayLike<number>, c: ReviewCriteria = DEFAULT_CRITERIA): boolean {
  return flagged(vaUncertainty(binSd(vBins), binSd(aBins)), c.uncertain.va);
}

export function vaDisagrees(mv: number, ma: number, v: number, a: number, c: ReviewCriteria = DEFAULT_CRITERIA): boolean {
  return flagged(vaStrength(mv, ma, v, a), c.disagree.va);
}

// ---------- what the limits mean, in the task's own numbers ----------

const pct = (x: number) => `${(x * 100).toFixed(x < 0.1 ? 1 : 0)}%`;

/** For AU threshold thr: the probabilities at which a label 0 / label 1 counts as contradicted under `limit`. */
export function auDisagreeBounds(thr: number, limit: number): { absentAbove: number; presentBelow: number } {
  return { absentAbove: thr + limit * (1 - thr), presentBelow: thr * (1 - limit) };
}

/** The band of probabilities counted as uncertain around AU threshold thr under `limit`. */
export function auUncertainBand(thr: number, limit: number): [number, number] {
  return [thr * limit, thr + (1 - limit) * (1 - thr)];
}

/** Per task, what a limit means in words, with the numbers in force; `perAu` says it for each AU under the model's thresholds. */
export function explainCriteria(
  kind: 'disagree' | 'uncertain',
  c: ReviewCriteria,
  thr: readonly number[],
  auNames: readonly string[],
): Record<CriteriaTask, string> & { perAu: string[] } {
  if (kind === 'disagree') {
    return {
      au: `An AU's probability is at least ${pct(c.disagree.au)} of the way past its threshold towards the opposite of the label:`,
      perAu: auNames.map((n, k) => {
        const b = auDisagreeBounds(thr[k], c.disagree.au);
        return `${n} (threshold ${pct(thr[k])}): absent but p ≥ ${pct(b.absentAbove)}, present but p ≤ ${pct(b.presentBelow)}`;
      }),
      expr: `The model's expression is at least ${Math.round(c.disagree.expr * 100)} points more probable than the labelled one.`,
      va: `Valence or arousal is at least ${(c.disagree.va * 2).toFixed(2)} away from the label (on the −1…1 scale).`,
    };
  }
  return {
    au: `An AU's probability is within ${pct(1 - c.uncertain.au)} of the way from its threshold to 0 or 1:`,
    perAu: auNames.map((n, k) => {
      const [lo, hi] = auUncertainBand(thr[k], c.uncertain.au);
      return `${n} ${pct(lo)}–${pct(hi)}`;
    }),
    expr: `The expression distribution's normalised entropy is at least ${c.uncertain.expr.toFixed(2)} (1 = all seven equally likely).`,
    va: `The valence or arousal distribution has a spread (SD) of at least ${c.uncertain.va.toFixed(2)}.`,
  };
}
