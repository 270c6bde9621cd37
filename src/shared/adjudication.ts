// Adjudication (issue 15): which (frame, task) needs an adjudicator's word. Pure: the backend's
// queue (src/node/adjudication) applies it to every annotated frame, the review screen's panel shows
// its verdict. It decides nothing itself: the tie comes from THE resolution rule
// (`resolve`, src/shared/annotators.ts) and the disagreement from `frameDisagreement`
// (src/shared/agreement.ts); this file only names the per-task thresholds and combines the two.
//
// A (frame, task) is open (queued) when at least two annotators labelled it, no adjudicator has
// decided it, and either
//  - its resolution under the project's policy is a tie (consensus: no majority), or
//  - the annotators' values disagree by more than the task's threshold:
//      AU:   for some AU, the share of annotator pairs that differ (frameDisagreement, nominal) is
//            above `au` (default 0: any AU on which two raters differ);
//      EXPR: the share of pairs with different classes is above `expr` (default 0: classes differ);
//      VA:   the range (max − min, frameDisagreement, interval) of valence or of arousal is above
//            `va` (default 0.2, a tenth of the scale).
// An annotator's clearing (all values null) is no value here: a clearing against a value is queued
// only where it makes the vote a tie (resolve's rule), never as a disagreement of values.
import { frameDisagreement } from './agreement';
import { isClearing, resolve, type Annotation, type AnnotatorPolicy, type ResolvedValues } from './annotators';
import { auBit, MAX_AU_NUMBER, type Task } from './labels';

export interface AdjudicationThresholds {
  /** AU: share of annotator pairs differing on one AU, above which the frame is queued; [0, 1). */
  au: number;
  /** Expression: share of annotator pairs with different classes; [0, 1). */
  expr: number;
  /** Valence / arousal: the spread (max − min) of either, on the [−1, 1] scale; [0, 2). */
  va: number;
}

export const DEFAULT_ADJUDICATION_THRESHOLDS: AdjudicationThresholds = { au: 0, expr: 0, va: 0.2 };

/** The range each threshold may take: [min, max) — at the max nothing could ever be queued. */
export const ADJUDICATION_THRESHOLD_RANGE: Record<Task, readonly [number, number]> = { au: [0, 1], expr: [0, 1], va: [0, 2] };

export type VerdictStatus =
  /** Queued: a tie or a disagreement beyond the threshold, not adjudicated yet. */
  | 'open'
  /** An adjudicator decided it (whatever the annotators say). */
  | 'adjudicated'
  /** Fewer than two annotators, or they agree within the threshold. */
  | 'agree';

export interface Verdict {
  status: VerdictStatus;
  /** The annotators' layers resolve to a tie under the policy (without the adjudication). */
  tie: boolean;
  /** Their values differ beyond the task's threshold. */
  disagree: boolean;
  /** The largest disagreement found: a share of pairs (AU, EXPR) or a spread (VA); 0 with fewer than two values. */
  score: number;
  /** AU: the AU numbers whose disagreement is beyond the threshold, ascending. */
  aus: number[];
  /** VA: the spread of valence and of arousal (null with fewer than two values). */
  valenceSpread: number | null;
  arousalSpread: number | null;
  /** Annotators (role 'annotator') with a row, clearings included. */
  annotators: number;
}

/** One item's disagreement among the given ratings (frameDisagreement over a single item). */
function oneItem(values: readonly (number | null)[], level: 'nominal' | 'interval'): number | null {
  return frameDisagreement(
    values.map((v) => [v]),
    level,
  )[0];
}

/** The verdict of one (frame, task) from its annotation rows (every role) under the project's policy. */
export function verdict(task: Task, rows: readonly Annotation[], policy: AnnotatorPolicy, thresholds: AdjudicationThresholds): Verdict {
  const raters = rows.filter((r) => r.role === 'annotator');
  const adjudicated = rows.some((r) => r.role === 'adjudicator');
  const valued = raters.filter((r) => !isClearing(task, r));
  const out: Verdict = { status: 'agree', tie: false, disagree: false, score: 0, aus: [], valenceSpread: null, arousalSpread: null, annotators: raters.length };
  if (raters.length >= 2) out.tie = resolve(task, raters, policy).outcome === 'tie';
  if (task === 'au') {
    let union = 0n;
    for (const r of valued) union |= r.auMask ?? 0n;
    for (let n = 1; n <= MAX_AU_NUMBER; n++) {
      const b = auBit(n);
      if ((union & b) === 0n) continue;
      const d = oneItem(
        valued.map((r) => ((r.auMask! & b) === 0n ? null : ((r.auBits ?? 0n) & b) === 0n ? 0 : 1)),
        'nominal',
      );
      if (d === null) continue;
      out.score = Math.max(out.score, d);
      if (d > thresholds.au) out.aus.push(n);
    }
    out.disagree = out.aus.length > 0;
  } else if (task === 'expr') {
    const d = oneItem(
      valued.map((r) => r.expr),
      'nominal',
    );
    out.score = d ?? 0;
    out.disagree = d !== null && d > thresholds.expr;
  } else {
    out.valenceSpread = oneItem(
      valued.map((r) => r.valence),
      'interval',
    );
    out.arousalSpread = oneItem(
      valued.map((r) => r.arousal),
      'interval',
    );
    out.score = Math.max(out.valenceSpread ?? 0, out.arousalSpread ?? 0);
    out.disagree = (out.valenceSpread ?? 0) > thresholds.va || (out.arousalSpread ?? 0) > thresholds.va;
  }
  if (adjudicated) out.status = 'adjudicated';
  else if (raters.length >= 2 && (out.tie || out.disagree)) out.status = 'open';
  return out;
}

/** Whether two label values of a task are the same label (clearings equal clearings). */
export function sameValues(task: Task, a: ResolvedValues, b: ResolvedValues): boolean {
  if (task === 'au') return (a.auMask ?? 0n) === (b.auMask ?? 0n) && ((a.auBits ?? 0n) & (a.auMask ?? 0n)) === ((b.auBits ?? 0n) & (b.auMask ?? 0n));
  if (task === 'expr') return a.expr === b.expr;
  return a.valence === b.valence && a.arousal === b.arousal;
}

/**
 * The provenance of an adjudicated label: the annotators whose current label it equals ("from Y"),
 * in name order; empty when the adjudicator set a value of their own.
 */
export function adjudicationSources(task: Task, adjudicated: Annotation, rows: readonly Annotation[]): string[] {
  const norm = (a: Annotation): ResolvedValues =>
    isClearing(task, a) ? { auMask: null, auBits: null, expr: null, valence: null, arousal: null } : a;
  return rows
    .filter((r) => r.role === 'annotator' && sameValues(task, norm(r), norm(adjudicated)))
    .map((r) => r.annotator)
    .sort();
}
