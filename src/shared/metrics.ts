// The ABAW 2020 evaluation metrics (Kollias et al. 2020, as used by Deng, Chen, Shi) and the
// helpers around them: confusion matrices, F1, CCC, per-AU threshold tuning, ensemble means.
// Pure TypeScript: the worker, the CLI and the renderer compute the same numbers.
//
// Conventions (why):
// - Missing labels are skipped, never counted as negatives. An AU label is present only where it
//   is exactly 0 or 1 (−1, NaN, null, undefined = unlabelled); an expression label only where it
//   is an integer class id 0..6; a valence/arousal label only where it is a finite number.
// - F1 follows scikit-learn's `f1_score` (default zero_division, which scores 0): a binary F1 with
//   no true positives, no false positives and no false negatives — nothing to find and nothing
//   claimed — is 0, and so is the F1 of a class that is predicted but never true, or true but
//   never predicted. Checked against scikit-learn 1.9 (tests/unit/metrics.test.ts).
// - Expression macro F1 is scikit-learn's `f1_score(average='macro')`, which the challenge's
//   evaluation (and the reference code's EXPR_metric) calls: the mean over the classes present in
//   the labelled frames' truth OR their predictions. A class absent from both is left out (it was
//   averaged in as 0 before issue 18, which gave 0.394 instead of 0.435 on the demo); a class only
//   predicted counts with F1 0. `perClass` lists the present classes only.
// - AU F1 is the unweighted mean of each AU's binary F1 (positive class) over the AUs that have at
//   least one labelled frame: all 8 on fully labelled AU data, as the ABAW evaluation and the
//   reference code's averaged_f1_score (a mean over every AU column) do — an AU labelled but with no
//   positive in truth nor prediction counts with F1 0 (scikit-learn's binary F1). Only an AU nobody
//   labelled is left out (partial labels: there is no column for it to score). Accuracy pools every
//   labelled AU decision.
// - An AU is predicted active when its probability is >= its threshold.
// - CCC uses population (biased) moments, the same definition as the training loss.

import { AU_NAMES, EXPRESSIONS, NUM_AUS, NUM_EXPR } from './labels';

/** Label-ish input: numbers, with null/undefined/NaN/−1 allowed for "missing". */
export type MaybeNumber = number | null | undefined;

export const isAuLabel = (v: MaybeNumber): v is 0 | 1 => v === 0 || v === 1;
export const isClassLabel = (v: MaybeNumber, numClasses: number): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < numClasses;
export const isValue = (v: MaybeNumber): v is number => typeof v === 'number' && Number.isFinite(v);

// ---------------------------------------------------------------------------------------------
// F1, accuracy, confusion

/** F1 = 2TP / (2TP + FP + FN), 0 when the denominator is 0 (sklearn zero_division=0). */
export function f1FromCounts(tp: number, fp: number, fn: number): number {
  const d = 2 * tp + fp + fn;
  return d === 0 ? 0 : (2 * tp) / d;
}

export interface BinaryCounts {
  tp: number;
  fp: number;
  fn: number;
  tn: number;
}

/** Counts over the pairs whose truth is labelled (0/1); `pred` is 0/1 (or boolean). */
export function binaryCounts(truth: ArrayLike<MaybeNumber>, pred: ArrayLike<number | boolean>): BinaryCounts {
  const c = { tp: 0, fp: 0, fn: 0, tn: 0 };
  for (let i = 0; i < truth.length; i++) {
    const t = truth[i];
    if (!isAuLabel(t)) continue;
    addDecision(c, t, Boolean(pred[i]));
  }
  return c;
}

function addDecision(c: BinaryCounts, truth: 0 | 1, predicted: boolean): void {
  if (truth === 1) {
    if (predicted) c.tp++;
    else c.fn++;
  } else if (predicted) c.fp++;
  else c.tn++;
}

/** Confusion matrix, rows = true class, columns = predicted class; missing truths are skipped. */
export function confusionMatrix(truth: ArrayLike<MaybeNumber>, pred: ArrayLike<number>, numClasses: number): number[][] {
  const m = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  for (let i = 0; i < truth.length; i++) {
    const t = truth[i];
    if (!isClassLabel(t, numClasses)) continue;
    const p = pred[i];
    if (!isClassLabel(p, numClasses)) throw new Error(`prediction ${p} at ${i} is not a class id < ${numClasses}`);
    m[t][p]++;
  }
  return m;
}

/** F1 of each class from a confusion matrix (rows true, columns predicted). */
export function perClassF1(confusion: readonly (readonly number[])[]): number[] {
  const k = confusion.length;
  return confusion.map((rowK, c) => {
    const tp = rowK[c];
    let fp = 0;
    let fn = 0;
    for (let j = 0; j < k; j++) {
      if (j === c) continue;
      fn += rowK[j];
      fp += confusion[j][c];
    }
    return f1FromCounts(tp, fp, fn);
  });
}

/**
 * Classes present in a confusion matrix: with at least one true frame (row) or one prediction
 * (column) — scikit-learn's label set for `f1_score` without `labels` (unique of y_true ∪ y_pred).
 */
export function presentClasses(confusion: readonly (readonly number[])[]): boolean[] {
  return confusion.map((row, c) => row.some((v) => v > 0) || confusion.some((r) => r[c] > 0));
}

/**
 * Unweighted (macro) mean of per-class F1 over the classes present in truth or predictions
 * (scikit-learn's `f1_score(average='macro')`); 0 when no class is present.
 */
export function macroF1(confusion: readonly (readonly number[])[]): number {
  const f = perClassF1(confusion);
  const present = presentClasses(confusion);
  let sum = 0;
  let n = 0;
  f.forEach((v, c) => {
    if (!present[c]) return;
    sum += v;
    n++;
  });
  return n === 0 ? 0 : sum / n;
}

/** Trace / total; 0 for an empty matrix. */
export function accuracyFromConfusion(confusion: readonly (readonly number[])[]): number {
  let total = 0;
  let correct = 0;
  confusion.forEach((r, i) =>
    r.forEach((v, j) => {
      total += v;
      if (i === j) correct += v;
    }),
  );
  return total === 0 ? 0 : correct / total;
}

/** Fraction of labelled positions where pred equals truth (missing truths skipped); 0 if none. */
export function accuracy(truth: ArrayLike<MaybeNumber>, pred: ArrayLike<number>): number {
  let n = 0;
  let ok = 0;
  for (let i = 0; i < truth.length; i++) {
    const t = truth[i];
    if (!isValue(t) || t < 0) continue;
    n++;
    if (pred[i] === t) ok++;
  }
  return n === 0 ? 0 : ok / n;
}

export function argmax(row: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i] > row[best]) best = i;
  return best;
}

// ---------------------------------------------------------------------------------------------
// CCC

/** The two sides of Lin's CCC: `num` = 2·cov, `den` = var_p + var_t + (μ_p − μ_t)², population moments. */
export interface CccTerms {
  /** Pairs that entered. */
  n: number;
  num: number;
  den: number;
}

/**
 * Lin's (1989) CCC terms over the pairs whose truth is a finite number; null when there is no such
 * pair. The one home of the formula: `ccc` below and the agreement module (agreement.ts) use it.
 */
export function cccTerms(pred: ArrayLike<number>, truth: ArrayLike<MaybeNumber>): CccTerms | null {
  let n = 0;
  let sp = 0;
  let st = 0;
  for (let i = 0; i < truth.length; i++) {
    const t = truth[i];
    if (!isValue(t)) continue;
    n++;
    sp += pred[i];
    st += t;
  }
  if (n === 0) return null;
  const mp = sp / n;
  const mt = st / n;
  let vp = 0;
  let vt = 0;
  let cov = 0;
  for (let i = 0; i < truth.length; i++) {
    const t = truth[i];
    if (!isValue(t)) continue;
    const dp = pred[i] - mp;
    const dt = t - mt;
    vp += dp * dp;
    vt += dt * dt;
    cov += dp * dt;
  }
  return { n, num: (2 * cov) / n, den: vp / n + vt / n + (mp - mt) ** 2 };
}

/**
 * Concordance correlation coefficient 2·cov / (var_p + var_t + (μ_p − μ_t)²), population moments,
 * over the pairs whose truth is a finite number. NaN when there is no such pair; 0 when the
 * denominator is 0 (both sides constant and equal: no agreement in variation to measure).
 */
export function ccc(pred: ArrayLike<number>, truth: ArrayLike<MaybeNumber>): number {
  const t = cccTerms(pred, truth);
  if (t === null) return NaN;
  return t.den === 0 ? 0 : t.num / t.den;
}

// ---------------------------------------------------------------------------------------------
// AU and EXPR metrics

export interface AuMetrics {
  /** Unweighted mean F1 over the AUs that have labels (all 8 on fully labelled AU data). */
  f1: number;
  /** Accuracy over all labelled AU decisions. */
  acc: number;
  /** 0.5·F1 + 0.5·Acc. */
  score: number;
  threshold: number[];
  /** F1 per AU name (AUs without any labelled frame are absent). */
  perAU: Record<string, number>;
}

/** Whether AU thresholds were tuned (some away from 0.5); 0.5 everywhere, or none, is the paper's fixed threshold. */
export const thresholdsAreTuned = (t: readonly number[] | null | undefined): t is readonly number[] => !!t && t.some((x) => x !== 0.5);

function thresholdsOf(t: number | readonly number[] | undefined): number[] {
  if (t === undefined) return new Array(NUM_AUS).fill(0.5);
  if (typeof t === 'number') return new Array(NUM_AUS).fill(t);
  if (t.length !== NUM_AUS) throw new Error(`need ${NUM_AUS} AU thresholds, got ${t.length}`);
  return [...t];
}

/**
 * ABAW AU metric. `probs[i][k]` is the probability of AU k on frame i; `labels[i][k]` is 0/1 or
 * missing. Returns null when no AU decision is labelled.
 */
export function auMetrics(
  probs: readonly ArrayLike<number>[],
  labels: readonly ArrayLike<MaybeNumber>[],
  thresholds?: number | readonly number[],
): AuMetrics | null {
  if (probs.length !== labels.length) throw new Error(`AU probs (${probs.length}) and labels (${labels.length}) differ in length`);
  const th = thresholdsOf(thresholds);
  const perAU: Record<string, number> = {};
  let f1Sum = 0;
  let f1N = 0;
  let decisions = 0;
  let correct = 0;
  for (let k = 0; k < NUM_AUS; k++) {
    const c: BinaryCounts = { tp: 0, fp: 0, fn: 0, tn: 0 };
    for (let i = 0; i < probs.length; i++) {
      const t = labels[i][k];
      if (!isAuLabel(t)) continue;
      addDecision(c, t, probs[i][k] >= th[k]);
    }
    const n = c.tp + c.fp + c.fn + c.tn;
    if (n === 0) continue;
    const f = f1FromCounts(c.tp, c.fp, c.fn);
    perAU[AU_NAMES[k]] = f;
    f1Sum += f;
    f1N++;
    decisions += n;
    correct += c.tp + c.tn;
  }
  if (decisions === 0) return null;
  const f1 = f1Sum / f1N;
  const acc = correct / decisions;
  return { f1, acc, score: 0.5 * f1 + 0.5 * acc, threshold: th, perAU };
}

export interface ExprMetrics {
  /** Macro F1 over the classes present in truth or predictions (scikit-learn's average='macro'). */
  f1: number;
  acc: number;
  /** 0.67·F1 + 0.33·Acc. */
  score: number;
  /** Rows = true class, columns = predicted, Aff-Wild2 class order. */
  confusion: number[][];
  /** F1 per expression name, for the classes present in truth or predictions (the others are absent). */
  perClass: Record<string, number>;
}

/**
 * ABAW EXPR metric. `probs[i]` is a 7-vector of scores (argmax is the prediction) or a class id;
 * `labels[i]` a class id or missing. Returns null when no frame is labelled.
 */
export function exprMetrics(probs: readonly (ArrayLike<number> | number)[], labels: ArrayLike<MaybeNumber>): ExprMetrics | null {
  if (probs.length !== labels.length) throw new Error(`EXPR probs (${probs.length}) and labels (${labels.length}) differ in length`);
  const pred = probs.map((p) => (typeof p === 'number' ? p : argmax(p)));
  const confusion = confusionMatrix(labels, pred, NUM_EXPR);
  const total = confusion.reduce((s, r) => s + r.reduce((a, b) => a + b, 0), 0);
  if (total === 0) return null;
  const perClassList = perClassF1(confusion);
  const f1 = macroF1(confusion);
  const acc = accuracyFromConfusion(confusion);
  const present = presentClasses(confusion);
  const perClass: Record<string, number> = {};
  EXPRESSIONS.forEach((name, i) => {
    if (present[i]) perClass[name] = perClassList[i];
  });
  return { f1, acc, score: 0.67 * f1 + 0.33 * acc, confusion, perClass };
}

// ---------------------------------------------------------------------------------------------
// Threshold tuning

/** The default tuning grid: 0.05, 0.10, …, 0.95. */
export const THRESHOLD_GRID: readonly number[] = Array.from({ length: 19 }, (_, i) => Math.round((i + 1) * 5) / 100);

/**
 * One decision threshold per AU, chosen on validation data to maximise that AU's F1 over its
 * labelled frames (the AU metric is dominated by F1, and a threshold of 0.5 is far from optimal on
 * imbalanced AUs: reference users reported 0.415 at 0.5 vs 0.626 tuned). Ties go to the grid value
 * nearest 0.5, then the lower one. An AU without labelled frames keeps 0.5. Tuning on the test
 * split would overstate the score: tune on validation, store with the model, report both.
 */
export function tuneAuThresholds(
  probs: readonly ArrayLike<number>[],
  labels: readonly ArrayLike<MaybeNumber>[],
  grid: readonly number[] = THRESHOLD_GRID,
): number[] {
  const out: number[] = [];
  for (let k = 0; k < NUM_AUS; k++) {
    const tp = new Array<number>(grid.length).fill(0);
    const fp = new Array<number>(grid.length).fill(0);
    let positives = 0;
    let n = 0;
    for (let i = 0; i < probs.length; i++) {
      const t = labels[i][k];
      if (!isAuLabel(t)) continue;
      n++;
      if (t === 1) positives++;
      const p = probs[i][k];
      for (let g = 0; g < grid.length; g++) {
        if (p < grid[g]) continue;
        if (t === 1) tp[g]++;
        else fp[g]++;
      }
    }
    if (n === 0) {
      out.push(0.5);
      continue;
    }
    let best = -1;
    let bestF = -1;
    for (let g = 0; g < grid.length; g++) {
      const f = f1FromCounts(tp[g], fp[g], positives - tp[g]);
      const better =
        f > bestF ||
        (f === bestF && (Math.abs(grid[g] - 0.5) < Math.abs(grid[best] - 0.5) ||
          (Math.abs(grid[g] - 0.5) === Math.abs(grid[best] - 0.5) && grid[g] < grid[best])));
      if (better) {
        best = g;
        bestF = f;
      }
    }
    out.push(grid[best]);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// From logits to probabilities, and ensembles (mean of probabilities over models)

// sigmoid / softmax / the VA expectation are the soft-label codec's (softlabels.ts), re-exported here.
export { sigmoid, softmax, vaFromBinLogits } from './softlabels';

/** Element-wise mean of per-model matrices `[model][frame][k]` (e.g. AU sigmoids, EXPR softmaxes). */
export function meanProbabilities(perModel: readonly (readonly ArrayLike<number>[])[]): number[][] {
  if (perModel.length === 0) throw new Error('no models to average');
  const [first] = perModel;
  for (const m of perModel) {
    if (m.length !== first.length || m.some((r, i) => r.length !== first[i].length)) {
      throw new Error('ensemble members disagree in shape');
    }
  }
  return first.map((r, i) => Array.from(r, (_, k) => perModel.reduce((s, m) => s + m[i][k], 0) / perModel.length));
}

/** Element-wise mean of per-model vectors `[model][frame]` (e.g. valence expectations). */
export function meanValues(perModel: readonly ArrayLike<number>[]): number[] {
  return meanProbabilities(perModel.map((v) => Array.from(v, (x) => [x]))).map((r) => r[0]);
}

// ---------------------------------------------------------------------------------------------
// The evaluation JSON block (stored with runs and models, printed by the CLI, shown in the UI)

export interface EvaluationBlock {
  au: AuMetrics | null;
  expr: ExprMetrics | null;
  valence: { ccc: number } | null;
  arousal: { ccc: number } | null;
  /** Frames evaluated per task: with >= 1 labelled AU, with an expression, with valence or arousal. */
  n: { au: number; expr: number; va: number };
}

export interface EvaluationInput {
  /** Per-frame AU probabilities and 0/1/missing labels; thresholds default to 0.5. */
  au?: { probs: readonly ArrayLike<number>[]; labels: readonly ArrayLike<MaybeNumber>[]; thresholds?: number | readonly number[] };
  /** Per-frame expression scores (or class ids) and class/missing labels. */
  expr?: { probs: readonly (ArrayLike<number> | number)[]; labels: ArrayLike<MaybeNumber> };
  /** Per-frame continuous predictions and labels (missing = null/NaN), valence and arousal independently. */
  va?: {
    valence: ArrayLike<number>;
    arousal: ArrayLike<number>;
    labelValence: ArrayLike<MaybeNumber>;
    labelArousal: ArrayLike<MaybeNumber>;
  };
}

/** Every metric the project reports, as one JSON-safe object (no NaN: absent tasks are null). */
export function evaluationBlock(input: EvaluationInput): EvaluationBlock {
  const au = input.au ? auMetrics(input.au.probs, input.au.labels, input.au.thresholds) : null;
  const expr = input.expr ? exprMetrics(input.expr.probs, input.expr.labels) : null;
  let nAu = 0;
  for (const row of input.au?.labels ?? []) if (Array.from(row).some(isAuLabel)) nAu++;
  let nExpr = 0;
  const el = input.expr?.labels;
  if (el) for (let i = 0; i < el.length; i++) if (isClassLabel(el[i], NUM_EXPR)) nExpr++;
  let nVa = 0;
  let valence: { ccc: number } | null = null;
  let arousal: { ccc: number } | null = null;
  const va = input.va;
  if (va) {
    for (let i = 0; i < va.labelValence.length; i++) if (isValue(va.labelValence[i]) || isValue(va.labelArousal[i])) nVa++;
    const cv = ccc(va.valence, va.labelValence);
    const ca = ccc(va.arousal, va.labelArousal);
    valence = Number.isNaN(cv) ? null : { ccc: cv };
    arousal = Number.isNaN(ca) ? null : { ccc: ca };
  }
  return { au, expr, valence, arousal, n: { au: nAu, expr: nExpr, va: nVa } };
}
