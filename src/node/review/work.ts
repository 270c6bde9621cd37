// Finding work: which frames need an annotator (the model is uncertain, it disagrees with the label
// in force, or the task is unlabelled), the next/previous such frame, and how many are left. Pure
// functions over the columns (src/node/review/columns.ts) with the criteria shared with the overlay.
import { NUM_AUS, NUM_EXPR } from '../../shared/labels';
import type { WorkCounts, WorkKind, WorkTask } from '../../shared/review-contract';
import { AU_UNCERTAIN_MARGIN, EXPR_UNCERTAIN_ENTROPY, VA_DISAGREE, VA_UNCERTAIN_SD } from '../../shared/review-criteria';
import { FACE_CODE, type LabelColumns, type ModelColumns } from './columns';

type OneTask = Exclude<WorkTask, 'any'>;
const ONE_TASKS: OneTask[] = ['au', 'expr', 'va'];
const NO_FACE = [FACE_CODE.none, FACE_CODE.unusable];
const LN7 = Math.log(NUM_EXPR);

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

export function uncertain(mc: ModelColumns, thr: readonly number[], i: number, task: OneTask): boolean {
  if (!mc.has[i]) return false;
  if (task === 'au') {
    for (let k = 0; k < NUM_AUS; k++) if (Math.abs(mc.au[i * NUM_AUS + k] - thr[k]) < AU_UNCERTAIN_MARGIN) return true;
    return false;
  }
  if (task === 'expr') {
    let h = 0;
    for (let j = 0; j < NUM_EXPR; j++) {
      const p = mc.expr[i * NUM_EXPR + j];
      if (p > 0) h -= p * Math.log(p);
    }
    return h / LN7 >= EXPR_UNCERTAIN_ENTROPY;
  }
  return mc.vSd[i] >= VA_UNCERTAIN_SD || mc.aSd[i] >= VA_UNCERTAIN_SD;
}

export function modelExprClass(mc: ModelColumns, i: number): number {
  let best = 0;
  for (let j = 1; j < NUM_EXPR; j++) if (mc.expr[i * NUM_EXPR + j] > mc.expr[i * NUM_EXPR + best]) best = j;
  return best;
}

export function disagrees(lc: LabelColumns, mc: ModelColumns, thr: readonly number[], i: number, task: OneTask): boolean {
  if (!mc.has[i]) return false;
  if (task === 'au') {
    for (let k = 0; k < NUM_AUS; k++) {
      const l = lc.au[i * NUM_AUS + k];
      if (l >= 0 && (mc.au[i * NUM_AUS + k] >= thr[k] ? 1 : 0) !== l) return true;
    }
    return false;
  }
  if (task === 'expr') return lc.expr[i] >= 0 && modelExprClass(mc, i) !== lc.expr[i];
  if (Number.isNaN(lc.v[i])) return false;
  return Math.abs(mc.v[i] - lc.v[i]) > VA_DISAGREE || Math.abs(mc.a[i] - lc.a[i]) > VA_DISAGREE;
}

/** Whether frame i is work of this kind for this task ('any' = for at least one task). */
export function isWork(kind: WorkKind, task: WorkTask, lc: LabelColumns, mc: ModelColumns | null, thr: readonly number[], i: number): boolean {
  if (skipFrame(lc, i)) return false;
  const tasks = task === 'any' ? ONE_TASKS : [task];
  for (const t of tasks) {
    if (kind === 'unlabelled' ? unlabelled(lc, i, t) : mc !== null && (kind === 'uncertain' ? uncertain(mc, thr, i, t) : disagrees(lc, mc, thr, i, t)))
      return true;
  }
  return false;
}

/** The nearest work frame strictly after (next) or before (previous) `from`, and how many there are in all. */
export function nextWork(
  kind: WorkKind,
  task: WorkTask,
  lc: LabelColumns,
  mc: ModelColumns | null,
  thr: readonly number[],
  from: number,
  direction: 'next' | 'previous',
): { frame: number | null; remaining: number } {
  let frame: number | null = null;
  let remaining = 0;
  for (let i = 0; i < lc.n; i++) {
    if (!isWork(kind, task, lc, mc, thr, i)) continue;
    remaining++;
    if (direction === 'next' ? i > from && frame === null : i < from) frame = i;
  }
  return { frame, remaining };
}

/** Frames left per kind and task (one pass over the media). */
export function workCounts(lc: LabelColumns, mc: ModelColumns | null, thr: readonly number[]): WorkCounts {
  const zero = () => ({ au: 0, expr: 0, va: 0, any: 0 });
  const out: WorkCounts = { uncertain: zero(), disagree: zero(), unlabelled: zero() };
  for (let i = 0; i < lc.n; i++) {
    if (skipFrame(lc, i)) continue;
    const hit = { uncertain: false, disagree: false, unlabelled: false };
    for (const t of ONE_TASKS) {
      if (unlabelled(lc, i, t)) {
        out.unlabelled[t]++;
        hit.unlabelled = true;
      }
      if (mc && uncertain(mc, thr, i, t)) {
        out.uncertain[t]++;
        hit.uncertain = true;
      }
      if (mc && disagrees(lc, mc, thr, i, t)) {
        out.disagree[t]++;
        hit.disagree = true;
      }
    }
    if (hit.unlabelled) out.unlabelled.any++;
    if (hit.uncertain) out.uncertain.any++;
    if (hit.disagree) out.disagree.any++;
  }
  return out;
}
