// Finding work: which frames need an annotator (the model is uncertain, it disagrees with the label
// in force, or the task is unlabelled), in frame order or strongest first, the next/previous such
// frame, and how many are left. Pure functions over the columns (src/node/review/columns.ts); the
// scores and limits are the shared criteria's (src/shared/review-criteria.ts), as in the overlay.
import { NUM_AUS, NUM_EXPR } from '../../shared/labels';
import type { WorkCounts, WorkKind, WorkOrder, WorkTask } from '../../shared/review-contract';
import {
  argmax,
  auStrength,
  auUncertainty,
  exprStrength,
  exprUncertainty,
  flagged,
  vaStrength,
  vaUncertainty,
  type ReviewCriteria,
} from '../../shared/review-criteria';
import { FACE_CODE, HUMAN_BIT, type LabelColumns, type ModelColumns } from './columns';

type OneTask = Exclude<WorkTask, 'any'>;
const ONE_TASKS: OneTask[] = ['au', 'expr', 'va'];
const NO_FACE = [FACE_CODE.none, FACE_CODE.unusable];

/** Frames marked as having no (usable) face need no labels and are never work. */
export function skipFrame(lc: LabelColumns, i: number): boolean {
  return !lc.present[i] || NO_FACE.includes(lc.face[i]);
}

export function unlabelled(lc: LabelColumns, i: number, task: OneTask): boolean {
  if (task === 'expr') return lc.expr[i] < 0;
  if (task === 'va') return Number.isNaN(lc.v[i]);
  for (let k = 0; k < NUM_AUS; k++) if (lc.au[i * NUM_AUS + k] >= 0) return false;
  return true;
}

/** The task's label in force is a human decision (corrected, accepted, kept or cleared): reviewed. */
export function reviewed(lc: LabelColumns, i: number, task: OneTask): boolean {
  return (lc.human[i] & HUMAN_BIT[task]) !== 0;
}

/** The model's uncertainty about frame i for a task (criteria's scale; 0 without model output). */
export function uncertainty(mc: ModelColumns, thr: readonly number[], i: number, task: OneTask): number {
  if (!mc.has[i]) return 0;
  if (task === 'au') return auUncertainty(mc.au, thr, i * NUM_AUS);
  if (task === 'expr') return exprUncertainty(mc.expr, i * NUM_EXPR);
  return vaUncertainty(mc.vSd[i], mc.aSd[i]);
}

/** How strongly the model contradicts frame i's label in force for a task (0: agrees, unlabelled or no output). */
export function strength(lc: LabelColumns, mc: ModelColumns, thr: readonly number[], i: number, task: OneTask): number {
  if (!mc.has[i]) return 0;
  if (task === 'au') return auStrength(mc.au, thr, lc.au, i * NUM_AUS, i * NUM_AUS);
  if (task === 'expr') return exprStrength(mc.expr, lc.expr[i], i * NUM_EXPR);
  return vaStrength(mc.v[i], mc.a[i], lc.v[i], lc.a[i]);
}

export function modelExprClass(mc: ModelColumns, i: number): number {
  return argmax(mc.expr, i * NUM_EXPR, NUM_EXPR);
}

/**
 * Frame i's score in the queue of this kind for one task: the disagreement strength or uncertainty,
 * 0 for an unlabelled task; -1 when it is not work (under the limit, reviewed by a human, no model
 * output, no usable face).
 */
export function taskScore(kind: WorkKind, task: OneTask, lc: LabelColumns, mc: ModelColumns | null, thr: readonly number[], c: ReviewCriteria, i: number): number {
  if (kind === 'unlabelled') return unlabelled(lc, i, task) ? 0 : -1;
  if (mc === null || reviewed(lc, i, task)) return -1;
  const s = kind === 'uncertain' ? uncertainty(mc, thr, i, task) : strength(lc, mc, thr, i, task);
  return flagged(s, c[kind][task]) ? s : -1;
}

/** Frame i's score in a queue ('any' = its highest over the tasks it is work for), -1 when not work. */
export function workScore(kind: WorkKind, task: WorkTask, lc: LabelColumns, mc: ModelColumns | null, thr: readonly number[], c: ReviewCriteria, i: number): number {
  if (skipFrame(lc, i)) return -1;
  if (task !== 'any') return taskScore(kind, task, lc, mc, thr, c, i);
  let best = -1;
  for (const t of ONE_TASKS) best = Math.max(best, taskScore(kind, t, lc, mc, thr, c, i));
  return best;
}

export function isWork(kind: WorkKind, task: WorkTask, lc: LabelColumns, mc: ModelColumns | null, thr: readonly number[], c: ReviewCriteria, i: number): boolean {
  return workScore(kind, task, lc, mc, thr, c, i) >= 0;
}

export interface NextWork {
  frame: number | null;
  /** Work frames in the queue in all. */
  remaining: number;
  /** The frame's score (strength or uncertainty; 0 in the unlabelled queue), null when no frame. */
  score: number | null;
  /** 1-based position of the frame in the queue's order, null when no frame. */
  rank: number | null;
}

/**
 * The work frame after (next) or before (previous) a position in the queue's order. In frame order
 * the position is frame `from`. Strongest first orders by score, then frame; the position is
 * (fromScore, from) — where the walk stood, though that frame may have left the queue since — and
 * without fromScore the start of the queue (next: the strongest frame; previous: none).
 */
export function nextWork(
  kind: WorkKind,
  task: WorkTask,
  lc: LabelColumns,
  mc: ModelColumns | null,
  thr: readonly number[],
  c: ReviewCriteria,
  pos: { from: number; direction: 'next' | 'previous'; order: WorkOrder; fromScore?: number },
): NextWork {
  const scores = new Float64Array(lc.n);
  let remaining = 0;
  for (let i = 0; i < lc.n; i++) {
    scores[i] = workScore(kind, task, lc, mc, thr, c, i);
    if (scores[i] >= 0) remaining++;
  }
  // the position as a key (ks, kf); in frame order every score counts as equal; (Infinity, -1) = the start
  const byStrength = pos.order === 'strength';
  const s = (i: number) => (byStrength ? scores[i] : 0);
  let ks = 0;
  let kf = pos.from;
  if (byStrength) {
    if (pos.fromScore !== undefined) ks = pos.fromScore;
    else [ks, kf] = [Infinity, -1];
  }
  /** Whether key (sa, fa) comes before key (sb, fb) in the order. */
  const before = (sa: number, fa: number, sb: number, fb: number) => sa > sb || (sa === sb && fa < fb);
  let frame: number | null = null;
  for (let i = 0; i < lc.n; i++) {
    if (scores[i] < 0) continue;
    if (pos.direction === 'next') {
      if (before(ks, kf, s(i), i) && (frame === null || before(s(i), i, s(frame), frame))) frame = i;
    } else if (before(s(i), i, ks, kf) && (frame === null || before(s(frame), frame, s(i), i))) frame = i;
  }
  if (frame === null) return { frame, remaining, score: null, rank: null };
  let rank = 1;
  for (let i = 0; i < lc.n; i++) if (scores[i] >= 0 && before(s(i), i, s(frame), frame)) rank++;
  return { frame, remaining, score: scores[frame], rank };
}

/** Frames left per kind and task (one pass over the media). */
export function workCounts(lc: LabelColumns, mc: ModelColumns | null, thr: readonly number[], c: ReviewCriteria): WorkCounts {
  const zero = () => ({ au: 0, expr: 0, va: 0, any: 0 });
  const out: WorkCounts = { uncertain: zero(), disagree: zero(), unlabelled: zero() };
  const kinds = ['uncertain', 'disagree', 'unlabelled'] as const;
  for (let i = 0; i < lc.n; i++) {
    if (skipFrame(lc, i)) continue;
    for (const k of kinds) {
      let hit = false;
      for (const t of ONE_TASKS) {
        if (taskScore(k, t, lc, mc, thr, c, i) < 0) continue;
        out[k][t]++;
        hit = true;
      }
      if (hit) out[k].any++;
    }
  }
  return out;
}
