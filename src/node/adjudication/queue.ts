// The adjudication queue: every annotated (frame, task) of a media item, a dataset or the project
// judged by the one rule (src/shared/adjudication.ts: a tie under the project's policy, or a
// disagreement beyond the task's threshold), in order — media items by dataset and id, frames by
// index — with counts, and one frame's annotators side by side for the adjudicator's panel.
// Reads only: `annotations` (every annotator's own layer) and, for context, the imported label.
import { adjudicationSources, verdict, type AdjudicationThresholds, type Verdict } from '../../shared/adjudication';
import type { AdjudicationCounts, AdjudicationTask, FrameTaskView, QueueItem, TaskValue } from '../../shared/adjudication-contract';
import { resolve, type Annotation, type AnnotatorPolicy, type ResolvedValues } from '../../shared/annotators';
import { TASKS, type Task } from '../../shared/labels';
import { AppError } from '../../shared/result';
import type { Db } from '../store/database';
import { auRecord } from '../labels/layers';
import { annotationOf, projectPolicy, type RawAnnotation } from '../labels/annotations';

export interface QueueScope {
  mediaId?: number;
  datasetId?: number;
}

interface MediaRow {
  id: number;
  name: string;
  dataset_id: number;
}

/** One frame's verdicts, per task that has any annotation. */
export interface FrameVerdicts {
  frame: number;
  verdicts: Map<Task, Verdict>;
}

/** Media items in scope (ready datasets only), in queue order. */
function mediaInScope(db: Db, scope: QueueScope): MediaRow[] {
  const where = scope.mediaId !== undefined ? 'AND m.id = ?' : scope.datasetId !== undefined ? 'AND m.dataset_id = ?' : '';
  const args = scope.mediaId ?? scope.datasetId;
  const rows = db
    .prepare(`SELECT m.id, m.name, m.dataset_id FROM media m JOIN datasets d ON d.id = m.dataset_id WHERE d.state = 'ready' ${where} ORDER BY m.dataset_id, m.id`)
    .all(...(args === undefined ? [] : [args])) as MediaRow[];
  if (!rows.length && scope.mediaId !== undefined) throw new AppError('not-found', `No media item with id ${scope.mediaId}`);
  if (scope.datasetId !== undefined && !db.prepare(`SELECT 1 FROM datasets WHERE id = ? AND state = 'ready'`).get(scope.datasetId))
    throw new AppError('not-found', `No dataset with id ${scope.datasetId}`);
  return rows;
}

const SELECT_ANNOTATIONS = `
  SELECT f.idx, a.frame_id, a.task, a.annotator, a.role, a.au_mask, a.au_bits, a.expr, a.valence, a.arousal, a.provenance, a.model_id, a.updated_at
  FROM frames f JOIN annotations a ON a.frame_id = f.id`;

/** Every annotation of a media item's frames [from, to] (default: all), grouped by frame index (ascending) and task. */
export function annotationsOf(db: Db, mediaId: number, from = 0, to = Number.MAX_SAFE_INTEGER): Map<number, Map<Task, Annotation[]>> {
  const rows = db
    .prepare(`${SELECT_ANNOTATIONS} WHERE f.media_id = ? AND f.idx BETWEEN ? AND ? ORDER BY f.idx`)
    .safeIntegers(true)
    .all(mediaId, from, to) as (RawAnnotation & { idx: bigint })[];
  const out = new Map<number, Map<Task, Annotation[]>>();
  for (const r of rows) {
    const idx = Number(r.idx);
    let f = out.get(idx);
    if (!f) out.set(idx, (f = new Map()));
    const list = f.get(r.task) ?? [];
    list.push(annotationOf(r));
    f.set(r.task, list);
  }
  return out;
}

/** The verdicts of one frame's tasks. */
export function frameVerdicts(tasks: ReadonlyMap<Task, Annotation[]>, policy: AnnotatorPolicy, thr: AdjudicationThresholds): Map<Task, Verdict> {
  const out = new Map<Task, Verdict>();
  for (const [task, rows] of tasks) out.set(task, verdict(task, rows, policy, thr));
  return out;
}

/** Where the queue gets a media item's verdicts, in frame order: computed afresh, or kept (cache.ts). */
export type VerdictSource = (mediaId: number, policy: AnnotatorPolicy, thr: AdjudicationThresholds) => readonly FrameVerdicts[];

export const freshVerdicts =
  (db: Db): VerdictSource =>
  (mediaId, policy, thr) =>
    [...annotationsOf(db, mediaId)].map(([frame, tasks]) => ({ frame, verdicts: frameVerdicts(tasks, policy, thr) }));

/** The queued tasks of a frame under the task filter, in TASKS order. */
function openTasks(fv: FrameVerdicts, task: AdjudicationTask): QueueItem['tasks'] {
  const out: QueueItem['tasks'] = [];
  for (const t of TASKS) {
    if (task !== 'any' && t !== task) continue;
    const v = fv.verdicts.get(t);
    if (v?.status !== 'open') continue;
    out.push({ task: t, reason: v.tie ? 'tie' : 'disagree', score: v.score, aus: v.aus });
  }
  return out;
}

export interface QueueRequest extends QueueScope {
  task: AdjudicationTask;
  thresholds: AdjudicationThresholds;
  from?: { mediaId: number; frame: number };
  direction: 'next' | 'previous';
  limit: number;
}

export interface QueueAnswer {
  policy: string;
  thresholds: AdjudicationThresholds;
  counts: AdjudicationCounts;
  media: { mediaId: number; name: string; datasetId: number; open: number; adjudicated: number }[];
  items: QueueItem[];
}

const zero = () => ({ au: 0, expr: 0, va: 0, any: 0 });

/** The queue of a scope: counts, per-media figures, and a page of items from a position. */
export function adjudicationQueue(db: Db, req: QueueRequest, source: VerdictSource = freshVerdicts(db)): QueueAnswer {
  const policy = projectPolicy(db);
  const counts: AdjudicationCounts = { open: zero(), ties: zero(), adjudicated: zero() };
  const media: QueueAnswer['media'] = [];
  const all: QueueItem[] = [];
  // position of the `from` key among the items: items of media before from's, or of its media at lower frames, come first
  const mediaOrder = new Map<number, number>();
  const list = mediaInScope(db, req);
  list.forEach((m, k) => mediaOrder.set(m.id, k));
  for (const m of list) {
    const fvs = source(m.id, policy, req.thresholds);
    if (!fvs.length) continue;
    let open = 0;
    let adjudicated = 0;
    for (const fv of fvs) {
      let anyOpen = false;
      let anyTie = false;
      let anyAdj = false;
      for (const [t, v] of fv.verdicts) {
        if (v.status === 'open') {
          counts.open[t]++;
          anyOpen = true;
          if (v.tie) {
            counts.ties[t]++;
            anyTie = true;
          }
        } else if (v.status === 'adjudicated') {
          counts.adjudicated[t]++;
          anyAdj = true;
        }
      }
      if (anyOpen) counts.open.any++;
      if (anyTie) counts.ties.any++;
      if (anyAdj) {
        counts.adjudicated.any++;
        adjudicated++;
      }
      const tasks = openTasks(fv, req.task);
      if (!tasks.length) continue;
      open++;
      all.push({ mediaId: m.id, frame: fv.frame, rank: all.length + 1, tasks });
    }
    media.push({ mediaId: m.id, name: m.name, datasetId: m.dataset_id, open, adjudicated });
  }
  return { policy, thresholds: req.thresholds, counts, media, items: page(all, mediaOrder, req) };
}

/** The items strictly after (next) or before (previous) `from`, nearest first, at most `limit`. */
function page(all: QueueItem[], mediaOrder: Map<number, number>, req: QueueRequest): QueueItem[] {
  const from = req.from;
  if (from && !mediaOrder.has(from.mediaId)) throw new AppError('not-found', `Media item ${from.mediaId} is not in the queue's scope`);
  const key = (i: QueueItem): [number, number] => [mediaOrder.get(i.mediaId)!, i.frame];
  const cmp = (a: [number, number], b: [number, number]) => a[0] - b[0] || a[1] - b[1];
  const fk: [number, number] | null = from ? [mediaOrder.get(from.mediaId)!, from.frame] : null;
  if (req.direction === 'next') return all.filter((i) => fk === null || cmp(key(i), fk) > 0).slice(0, req.limit);
  const before = all.filter((i) => fk === null || cmp(key(i), fk) < 0);
  return before.slice(Math.max(0, before.length - req.limit)).reverse();
}

/** A stored label as the panel shows it. */
function taskValue(task: Task, v: ResolvedValues): TaskValue {
  return {
    au: task === 'au' && v.auMask !== null ? auRecord(v.auMask, v.auBits ?? 0n) : null,
    expr: task === 'expr' ? v.expr : null,
    valence: task === 'va' ? v.valence : null,
    arousal: task === 'va' ? v.arousal : null,
  };
}

function importedOf(db: Db, mediaId: number, frame: number): Map<Task, ResolvedValues> {
  const rows = db
    .prepare(
      `SELECT l.task, l.au_mask AS auMask, l.au_bits AS auBits, l.expr, l.valence, l.arousal
       FROM frames f JOIN labels l ON l.frame_id = f.id WHERE f.media_id = ? AND f.idx = ? AND l.layer = 'imported'`,
    )
    .safeIntegers(true)
    .all(mediaId, frame) as (Omit<ResolvedValues, 'expr'> & { task: Task; expr: bigint | null })[];
  return new Map(rows.map((r) => [r.task, { ...r, expr: r.expr === null ? null : Number(r.expr) }]));
}

const ROLE_ORDER = { annotator: 0, adjudicator: 1 };

/** One frame for the adjudicator: per task with annotations, every row, the resolution, the verdict. */
export function adjudicationFrame(db: Db, mediaId: number, frame: number, thr: AdjudicationThresholds): { policy: string; tasks: FrameTaskView[] } {
  if (!db.prepare('SELECT 1 FROM frames WHERE media_id = ? AND idx = ?').get(mediaId, frame)) throw new AppError('not-found', `Media ${mediaId} has no frame ${frame}`);
  const policy = projectPolicy(db);
  const tasks = annotationsOf(db, mediaId, frame, frame).get(frame) ?? new Map<Task, Annotation[]>();
  const imported = importedOf(db, mediaId, frame);
  const out: FrameTaskView[] = [];
  for (const task of TASKS) {
    const rows = tasks.get(task);
    if (!rows) continue;
    rows.sort((a, b) => ROLE_ORDER[a.role] - ROLE_ORDER[b.role] || a.annotator.localeCompare(b.annotator));
    const r = resolve(task, rows, policy);
    const adj = rows.filter((a) => a.role === 'adjudicator').sort((a, b) => (a.updatedAt < b.updatedAt ? 1 : -1))[0];
    const imp = imported.get(task);
    out.push({
      task,
      annotations: rows.map((a) => ({ annotator: a.annotator, role: a.role, value: taskValue(task, a), provenance: a.provenance, updatedAt: a.updatedAt })),
      resolved: {
        outcome: r.outcome,
        mergedFrom: r.outcome === 'label' ? r.mergedFrom : null,
        author: r.outcome === 'label' ? r.author : null,
        value: r.outcome === 'label' ? taskValue(task, r.values) : null,
      },
      imported: imp ? taskValue(task, imp) : null,
      verdict: verdict(task, rows, policy, thr),
      adjudication: adj ? { by: adj.annotator, at: adj.updatedAt, from: adjudicationSources(task, adj, rows) } : null,
    });
  }
  return { policy, tasks: out };
}
