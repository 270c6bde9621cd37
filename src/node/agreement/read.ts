// The agreement reader: per task, every frame some annotator labelled (role 'annotator' rows of
// `annotations`), with each annotator's label, the imported ground truth (labels layer 'imported')
// and optionally a model's decisions. Bulk SQL over the scope (one dataset, one media item, or the
// whole project's ready datasets), ordered by dataset, media item and frame, so the scopes of the
// report are runs of consecutive frames. Adjudicators' rows are the final word, not a rating: they
// do not enter the agreement figures.
import { MODEL_AU_MASK } from '../labels/layers';
import { TASKS, type AuLabel, type Task } from '../../shared/labels';
import type { VaPair } from '../../shared/agreement';
import type { Db } from '../store/database';
import { modelDecisions } from '../review/edits';

/** One task's label of one frame, in the form `taskAgreement` takes. */
export type TaskValue = AuLabel | number | VaPair;

export interface AnnotatedFrame {
  frameId: number;
  idx: number;
  mediaId: number;
  datasetId: number;
  /** Annotator name → that annotator's label (absent: none; a clearing is absent too: "no label" is no rating). */
  raters: Map<string, TaskValue>;
  groundTruth: TaskValue | null;
  model: TaskValue | null;
}

export interface Scope {
  datasetId?: number;
  mediaId?: number;
}

interface ValueRow {
  frame_id: number | bigint;
  au_mask: bigint | null;
  au_bits: bigint | null;
  expr: number | bigint | null;
  valence: number | null;
  arousal: number | null;
}

/** A stored row's value for `task`, or null when it holds none (AU: no AU labelled; VA: a side missing is kept as missing). */
export function taskValue(task: Task, r: Omit<ValueRow, 'frame_id'>): TaskValue | null {
  if (task === 'au') return r.au_mask === null || r.au_mask === 0n ? null : { mask: r.au_mask, bits: r.au_bits ?? 0n };
  if (task === 'expr') return r.expr === null ? null : Number(r.expr);
  return r.valence === null && r.arousal === null ? null : { valence: r.valence, arousal: r.arousal };
}

function scopeSql(scope: Scope): { sql: string; args: number[] } {
  const parts: string[] = [];
  const args: number[] = [];
  if (scope.datasetId !== undefined) {
    parts.push('m.dataset_id = ?');
    args.push(scope.datasetId);
  }
  if (scope.mediaId !== undefined) {
    parts.push('m.id = ?');
    args.push(scope.mediaId);
  }
  return { sql: parts.map((p) => ` AND ${p}`).join(''), args };
}

/** The frames of `task` in the scope that some annotator labelled, in dataset, media, frame order. */
export function readTask(db: Db, task: Task, scope: Scope, modelId: number | null): AnnotatedFrame[] {
  const s = scopeSql(scope);
  const from = `FROM annotations a JOIN frames f ON f.id = a.frame_id JOIN media m ON m.id = f.media_id JOIN datasets d ON d.id = m.dataset_id
    WHERE a.task = ? AND a.role = 'annotator' AND d.state = 'ready'${s.sql}`;
  // Raw rows, and 64-bit integers only where they are needed (AU bit sets exceed 2^53): a media
  // item of 50,000 frames and three annotators is 150,000 rows per task.
  const big = task === 'au';
  const rows = db
    .prepare(`SELECT a.frame_id, f.idx, m.id, m.dataset_id, a.annotator, a.au_mask, a.au_bits, a.expr, a.valence, a.arousal ${from}`)
    .raw(true)
    .safeIntegers(big)
    .all(task, ...s.args) as [number | bigint, number | bigint, number | bigint, number | bigint, string, bigint | null, bigint | null, number | bigint | null, number | null, number | null][];
  const frames: AnnotatedFrame[] = [];
  const byId = new Map<number, AnnotatedFrame>();
  for (const [fid, idx, mediaId, datasetId, annotator, auMask, auBits, expr, valence, arousal] of rows) {
    const frameId = Number(fid);
    let f = byId.get(frameId);
    if (!f) {
      f = { frameId, idx: Number(idx), mediaId: Number(mediaId), datasetId: Number(datasetId), raters: new Map(), groundTruth: null, model: null };
      byId.set(frameId, f);
      frames.push(f);
    }
    const v = taskValue(task, { au_mask: auMask, au_bits: auBits, expr, valence, arousal });
    if (v !== null) f.raters.set(annotator, v);
  }
  // The report's order: by dataset, media item and frame (the scan's order is the table's).
  frames.sort((x, y) => x.datasetId - y.datasetId || x.mediaId - y.mediaId || x.idx - y.idx);
  // A frame whose every row is a clearing has no rating: it is not one of the frames measured.
  const rated = frames.filter((f) => f.raters.size > 0);
  if (rated.length === 0) return rated;
  const gt = db
    .prepare(
      `SELECT l.frame_id, l.au_mask, l.au_bits, l.expr, l.valence, l.arousal FROM labels l
       WHERE l.task = ? AND l.layer = 'imported' AND l.frame_id IN (SELECT DISTINCT a.frame_id ${from})`,
    )
    .safeIntegers(big)
    .all(task, task, ...s.args) as ValueRow[];
  for (const r of gt) {
    const f = byId.get(Number(r.frame_id));
    if (f) f.groundTruth = taskValue(task, r);
  }
  if (modelId !== null) {
    for (const [fid, d] of modelDecisions(db, modelId, rated.map((f) => ({ id: f.frameId })))) {
      const f = byId.get(fid);
      if (!f) continue;
      f.model = task === 'au' ? { mask: MODEL_AU_MASK, bits: d.bits } : task === 'expr' ? d.expr : { valence: d.v, arousal: d.a };
    }
  }
  return rated;
}

/** Every task's annotated frames in the scope. */
export function readScope(db: Db, scope: Scope, modelId: number | null): Record<Task, AnnotatedFrame[]> {
  return Object.fromEntries(TASKS.map((t) => [t, readTask(db, t, scope, modelId)])) as Record<Task, AnnotatedFrame[]>;
}
