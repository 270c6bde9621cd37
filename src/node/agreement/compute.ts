// The agreement report of a project (issue 15): the annotators' labels read per task
// (read.ts), cut into scopes — the whole project (or the dataset / media item asked for), each of
// its datasets, each of its media items — and measured with src/shared/agreement.ts's
// `taskAgreement` (annotator × annotator matrix with the ground truth and the model as reference
// columns, panel figures) and `frameDisagreement` (the media item's strip). Nothing is computed
// here that agreement.ts computes; this file only chooses frames and lines them up.
import type { AgreementReport, AgreementRequest, AgreementScope, DisagreementStrip } from '../../shared/agreement-contract';
import { frameDisagreement, labelledAus, taskAgreement, type RaterLabels, type TaskAgreement, type TaskLabels, type VaPair } from '../../shared/agreement';
import { auState, TASKS, type AuLabel, type Task } from '../../shared/labels';
import { AppError } from '../../shared/result';
import type { Db } from '../store/database';
import { getModel } from '../store/models';
import { readScope, type AnnotatedFrame, type TaskValue } from './read';

export const GROUND_TRUTH = 'ground truth';

export interface AgreementOptions {
  datasetId?: number;
  mediaId?: number;
  modelId?: number;
  breakdown?: boolean;
  buckets?: number;
}

/** The reference column name of a model. */
export function modelColumnName(id: number, name: string): string {
  return `model #${id} ${name}`;
}

function annotatorsOf(frames: readonly AnnotatedFrame[]): string[] {
  const s = new Set<string>();
  for (const f of frames) for (const n of f.raters.keys()) s.add(n);
  return [...s].sort();
}

/** One task's labels of `frames` lined up for taskAgreement: a series per annotator, then the references. */
function lineUp(task: Task, frames: readonly AnnotatedFrame[], names: readonly string[], refs: { groundTruth: string; model: string | null }): TaskLabels {
  const raters: RaterLabels<TaskValue>[] = names.map((name) => ({ name, labels: frames.map((f) => f.raters.get(name) ?? null) }));
  const references: RaterLabels<TaskValue>[] = [{ name: refs.groundTruth, labels: frames.map((f) => f.groundTruth) }];
  if (refs.model !== null) references.push({ name: refs.model, labels: frames.map((f) => f.model) });
  // Each task's values are of that task's type (read.ts taskValue); the union is narrowed per task here.
  // AU: the AUs the annotators labelled (an AU only the ground truth or the model has is no agreement among annotators).
  if (task === 'au') {
    const au = raters as RaterLabels<AuLabel>[];
    return { task, raters: au, references: references as RaterLabels<AuLabel>[], aus: labelledAus(au) };
  }
  if (task === 'expr') return { task, raters: raters as RaterLabels<number>[], references: references as RaterLabels<number>[] };
  return { task, raters: raters as RaterLabels<VaPair>[], references: references as RaterLabels<VaPair>[] };
}

type ByTask = Record<Task, AnnotatedFrame[]>;

function scopeOf(
  kind: AgreementScope['kind'],
  id: number | null,
  name: string,
  datasetId: number | null,
  byTask: ByTask,
  refs: { groundTruth: string; model: string | null },
): AgreementScope {
  const annotators = { au: annotatorsOf(byTask.au), expr: annotatorsOf(byTask.expr), va: annotatorsOf(byTask.va) };
  const agree = (t: Task): TaskAgreement => taskAgreement(lineUp(t, byTask[t], annotators[t], refs));
  const au = agree('au');
  const expr = agree('expr');
  const va = agree('va');
  if (au.task !== 'au' || expr.task !== 'expr' || va.task !== 'va') throw new Error('taskAgreement answered another task');
  return {
    kind,
    id,
    name,
    datasetId,
    frames: { au: byTask.au.length, expr: byTask.expr.length, va: byTask.va.length },
    annotators,
    au,
    expr,
    va,
  };
}

function filterBy(byTask: ByTask, keep: (f: AnnotatedFrame) => boolean): ByTask {
  return { au: byTask.au.filter(keep), expr: byTask.expr.filter(keep), va: byTask.va.filter(keep) };
}

/** Per frame in [0, 1]: how strongly the annotators disagree on `task` (null: fewer than two labels). */
function disagreementOf(task: Task, frames: readonly AnnotatedFrame[]): (number | null)[] {
  const names = annotatorsOf(frames);
  const series = (pick: (v: TaskValue) => number | null) => names.map((n) => frames.map((f) => {
    const v = f.raters.get(n);
    return v === undefined ? null : pick(v);
  }));
  const strongest = (per: (number | null)[][], scale: number) =>
    frames.map((_, i) => per.reduce<number | null>((m, d) => (d[i] === null ? m : Math.max(m ?? 0, d[i]! * scale)), null));
  if (task === 'expr') return frameDisagreement(series((v) => v as number), 'nominal');
  if (task === 'va') {
    const side = (k: keyof VaPair) => frameDisagreement(series((v) => (v as VaPair)[k] ?? null), 'interval');
    return strongest([side('valence'), side('arousal')], 0.5);
  }
  const lined = lineUp('au', frames, names, { groundTruth: GROUND_TRUTH, model: null });
  const aus = lined.task === 'au' ? (lined.aus ?? []) : [];
  return strongest(aus.map((au) => frameDisagreement(series((v) => auState(v as AuLabel, au)), 'nominal')), 1);
}

function strip(db: Db, mediaId: number, byTask: ByTask, buckets: number): DisagreementStrip {
  const frameCount = Number(db.prepare('SELECT frame_count FROM media WHERE id = ?').pluck().get(mediaId) ?? 0);
  const k = Math.max(1, Math.min(buckets, frameCount));
  const out: DisagreementStrip = { mediaId, frameCount, buckets: k, au: [], auAt: [], expr: [], exprAt: [], va: [], vaAt: [] };
  for (const t of TASKS) {
    const vals: (number | null)[] = new Array<number | null>(k).fill(null);
    const at: (number | null)[] = new Array<number | null>(k).fill(null);
    const frames = byTask[t];
    disagreementOf(t, frames).forEach((d, i) => {
      if (d === null) return;
      const b = Math.min(k - 1, Math.floor((frames[i].idx * k) / Math.max(1, frameCount)));
      if (vals[b] === null || d > vals[b]!) {
        vals[b] = d;
        at[b] = frames[i].idx;
      }
    });
    if (t === 'au') Object.assign(out, { au: vals, auAt: at });
    else if (t === 'expr') Object.assign(out, { expr: vals, exprAt: at });
    else Object.assign(out, { va: vals, vaAt: at });
  }
  return out;
}

/** The agreement report of a scope; the first scope is the one asked for. */
export function computeAgreement(db: Db, req: AgreementOptions | AgreementRequest = {}): AgreementReport {
  const breakdown = req.breakdown ?? true;
  let datasetId = req.datasetId;
  const dataset = (id: number) =>
    db.prepare(`SELECT id, name FROM datasets WHERE id = ? AND state = 'ready'`).get(id) as { id: number; name: string } | undefined;
  if (datasetId !== undefined && !dataset(datasetId)) throw new AppError('not-found', `No dataset with id ${datasetId}`);
  let media: { id: number; name: string; dataset_id: number } | undefined;
  if (req.mediaId !== undefined) {
    media = db
      .prepare(`SELECT m.id, m.name, m.dataset_id FROM media m JOIN datasets d ON d.id = m.dataset_id WHERE m.id = ? AND d.state = 'ready'`)
      .get(req.mediaId) as typeof media;
    if (!media) throw new AppError('not-found', `No media item with id ${req.mediaId}`);
    if (datasetId !== undefined && media.dataset_id !== datasetId) throw new AppError('invalid-input', `Media item ${req.mediaId} is not in dataset ${datasetId}`);
    datasetId = media.dataset_id;
  }
  let modelName: string | null = null;
  if (req.modelId !== undefined) {
    const m = getModel(db, req.modelId);
    if (!m) throw new AppError('not-found', `No model with id ${req.modelId}`);
    modelName = modelColumnName(m.id, m.name);
  }
  const refs = { groundTruth: GROUND_TRUTH, model: modelName };
  const all = readScope(db, { datasetId, mediaId: req.mediaId }, req.modelId ?? null);
  const scopes: AgreementScope[] = [];
  if (media) {
    scopes.push(scopeOf('media', media.id, media.name, media.dataset_id, all, refs));
  } else {
    scopes.push(datasetId !== undefined ? scopeOf('dataset', datasetId, dataset(datasetId)!.name, null, all, refs) : scopeOf('overall', null, 'overall', null, all, refs));
    if (breakdown) {
      const ds = datasetId !== undefined ? [] : (db.prepare(`SELECT id, name FROM datasets WHERE state = 'ready' ORDER BY id`).all() as { id: number; name: string }[]);
      for (const d of ds) {
        const part = filterBy(all, (f) => f.datasetId === d.id);
        if (TASKS.some((t) => part[t].length > 0)) scopes.push(scopeOf('dataset', d.id, d.name, null, part, refs));
      }
      const ms = db
        .prepare(
          `SELECT m.id, m.name, m.dataset_id FROM media m JOIN datasets d ON d.id = m.dataset_id WHERE d.state = 'ready'${datasetId !== undefined ? ' AND m.dataset_id = ?' : ''} ORDER BY m.dataset_id, m.id`,
        )
        .all(...(datasetId !== undefined ? [datasetId] : [])) as { id: number; name: string; dataset_id: number }[];
      for (const m of ms) {
        const part = filterBy(all, (f) => f.mediaId === m.id);
        if (TASKS.some((t) => part[t].length > 0)) scopes.push(scopeOf('media', m.id, m.name, m.dataset_id, part, refs));
      }
    }
  }
  const annotators = [...new Set(TASKS.flatMap((t) => annotatorsOf(all[t])))].sort();
  return {
    annotators,
    references: refs,
    modelId: req.modelId ?? null,
    scopes,
    strip: media ? strip(db, media.id, all, req.buckets ?? 600) : null,
  };
}

/** A dataset's id by its name (the CLI's --dataset). */
export function datasetIdByName(db: Db, name: string): number {
  const r = db.prepare(`SELECT id FROM datasets WHERE name = ? AND state = 'ready'`).pluck().get(name) as number | undefined;
  if (r === undefined) {
    const names = db.prepare(`SELECT name FROM datasets WHERE state = 'ready' ORDER BY id`).pluck().all() as string[];
    throw new AppError('not-found', `No dataset named "${name}"${names.length ? ` (the project has: ${names.join(', ')})` : ' (the project has none)'}`);
  }
  return r;
}
