// The review methods of the contract over the open project. Edits, undo and redo announce what they
// changed with `labels.changed`, so every open review screen (another window, another browser tab)
// refreshes the same frames. They wait for the write lock while another process writes (an import's
// chunk, a job's batch) and answer AppError 'busy' only after BUSY_RETRY_MS; nothing is half-written.
import type { EventPayload } from '../../shared/contract';
import type { Handlers } from '../../shared/dispatch';
import type { Task } from '../../shared/labels';
import type { reviewMethods } from '../../shared/review-contract';
import type { traceMethods } from '../../shared/trace-contract';
import { DEFAULT_CRITERIA, thresholdsOrDefault } from '../../shared/review-criteria';
import { AppError } from '../../shared/result';
import type { Backend } from '../app/backend';
import { defaultAnnotator } from '../labels/annotations';
import { writeRetrying } from '../store/busy';
import { getModel } from '../store/models';
import { mediaFileFor } from '../app/media-files';
import type { Project } from '../store/project';
import { ReviewCache } from './cache';
import { loadLabelColumns, loadModelColumns, mediaFrameCount } from './columns';
import { applyEdit } from './edits';
import { defaultModelFor, mediaDetail } from './media';
import { overview } from './overview';
import { frameHistory, listActions, redo, undo, undoState } from './undo';
import { reviewWindow } from './window';
import { nextWork, workCounts } from './work';
import { workSummary } from './summary';
import { annotatorVa, applyTrace, derivedSamples, smoothTrace, traceName } from './trace';

export type ReviewHandlers = Pick<Handlers, keyof typeof reviewMethods | keyof typeof traceMethods>;


/** The playable file (or the first image) of a media item, checked the way the media URL serves it. */
function missingFile(p: Project, d: { id: number; kind: string; frameCount: number }): string | null {
  if (d.frameCount === 0) return 'This media item has no frames.';
  try {
    const first = p.db.prepare('SELECT MIN(idx) FROM frames WHERE media_id = ? AND path IS NOT NULL').pluck().get(d.id) as number | null;
    if (d.kind !== 'video' && first === null) return 'No frame of this media item has an image.';
    mediaFileFor(p, d.kind === 'video' ? String(d.id) : `${d.id}/frames/${first}`);
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

export function reviewHandlers(backend: Backend): ReviewHandlers {
  const caches = new WeakMap<Project, ReviewCache>();
  const cache = (p: Project): ReviewCache => {
    let c = caches.get(p);
    if (!c) caches.set(p, (c = new ReviewCache(p.db)));
    return c;
  };
  backend.subscribe((msg) => {
    const p = backend.currentProject;
    // Soft labels are written by worker jobs; any finished job may have replaced them.
    if (p && msg.event === 'job.state' && (msg.payload as EventPayload<'job.state'>).job.status === 'done') caches.get(p)?.dropModels();
    // Every writer of labels announces what it changed (the edits here, adjudication, …): the cached columns follow.
    if (p && msg.event === 'labels.changed') {
      const c = msg.payload as EventPayload<'labels.changed'>;
      caches.get(p)?.refreshLabels(c.mediaId, c.from, c.to);
    }
  });

  // A media item of a dataset still being imported (state 'staging') does not exist yet.
  const requireMedia = (p: Project, mediaId: number) => {
    const ready = p.db.prepare(`SELECT 1 FROM media m JOIN datasets d ON d.id = m.dataset_id WHERE m.id = ? AND d.state = 'ready'`).get(mediaId);
    if (!ready) throw new AppError('not-found', `No media item with id ${mediaId}`);
  };
  /** The model asked for (null: none), or the default one for this media item when not said. */
  const pickModel = (p: Project, mediaId: number, modelId: number | null | undefined): number | null => {
    if (modelId === null) return null;
    if (modelId !== undefined) {
      if (!getModel(p.db, modelId)) throw new AppError('not-found', `No model with id ${modelId}`);
      return modelId;
    }
    return defaultModelFor(p.db, mediaId);
  };
  const thresholds = (p: Project, modelId: number | null) => thresholdsOrDefault(modelId === null ? null : getModel(p.db, modelId)?.thresholds);
  // the cached columns are refreshed by the labels.changed subscription above
  const changed = (_p: Project, mediaId: number, from: number, to: number, tasks: Task[]) => backend.emit('labels.changed', { mediaId, from, to, tasks });

  return {
    'media.get': ({ mediaId }) => {
      const p = backend.requireProject();
      requireMedia(p, mediaId);
      const d = mediaDetail(p.db, mediaId);
      cache(p).dropMedia(mediaId);
      return { ...d, missing: missingFile(p, d) };
    },
    'review.window': ({ mediaId, from, to, modelId }) => {
      const p = backend.requireProject();
      requireMedia(p, mediaId);
      return reviewWindow(p.db, mediaId, from, to, pickModel(p, mediaId, modelId));
    },
    'review.overview': ({ mediaId, modelId, buckets, from, to, counts, criteria }) => {
      const p = backend.requireProject();
      requireMedia(p, mediaId);
      const model = pickModel(p, mediaId, modelId);
      const c = cache(p);
      const lc = c.labelColumns(mediaId);
      const mc = model === null ? null : c.modelColumns(mediaId, model);
      const thr = thresholds(p, model);
      const crit = criteria ?? DEFAULT_CRITERIA;
      const o = overview(lc, mc, thr, crit, from ?? 0, to ?? Math.max(0, lc.n - 1), buckets, model);
      return { ...o, counts: counts ? workCounts(lc, mc, thr, crit) : null };
    },
    'review.next': ({ mediaId, kind, task, from, direction, modelId, order, fromScore, criteria }) => {
      const p = backend.requireProject();
      requireMedia(p, mediaId);
      const model = kind === 'unlabelled' ? null : pickModel(p, mediaId, modelId);
      const c = cache(p);
      const lc = c.labelColumns(mediaId);
      const mc = model === null ? null : c.modelColumns(mediaId, model);
      return nextWork(kind, task, lc, mc, thresholds(p, model), criteria ?? DEFAULT_CRITERIA, { from, direction, order, fromScore });
    },
    // Read straight from the database, not through the cache: a pass over every media item would
    // push the media items being reviewed out of it.
    'review.workSummary': ({ datasetId, modelId, criteria }) => {
      const p = backend.requireProject();
      if (modelId !== undefined && modelId !== null && !getModel(p.db, modelId)) throw new AppError('not-found', `No model with id ${modelId}`);
      return workSummary(
        p.db,
        criteria ?? DEFAULT_CRITERIA,
        datasetId ?? null,
        {
          labels: (mediaId) => loadLabelColumns(p.db, mediaId),
          model: (mediaId, id) => loadModelColumns(p.db, mediaId, id, mediaFrameCount(p.db, mediaId)),
          thresholds: (id) => thresholds(p, id),
        },
        modelId,
      );
    },
    // Writes retry while another process holds the lock (writeRetrying); `ms` includes that wait.
    'labels.edit': async (input) => {
      const p = backend.requireProject();
      const t0 = performance.now();
      const author = input.author ?? defaultAnnotator();
      const out = await writeRetrying(p.db, () => applyEdit(p.db, { ...input, author }, () => defaultModelFor(p.db, input.mediaId)));
      const ms = performance.now() - t0;
      if (out.action) changed(p, input.mediaId, out.action.from, out.action.to, out.tasks);
      return { action: out.action, ...undoState(p.db, input.mediaId, author), ms };
    },
    // Undo / redo are the annotator's own (issue 15): another annotator's actions are never touched.
    'labels.undo': async ({ mediaId, author }) => {
      const p = backend.requireProject();
      requireMedia(p, mediaId);
      const who = author ?? defaultAnnotator();
      const t0 = performance.now();
      const out = await writeRetrying(p.db, () => undo(p.db, mediaId, who));
      const ms = performance.now() - t0;
      if (out.action) changed(p, mediaId, out.action.from, out.action.to, out.tasks);
      return { action: out.action, ...undoState(p.db, mediaId, who), ms };
    },
    'labels.redo': async ({ mediaId, author }) => {
      const p = backend.requireProject();
      requireMedia(p, mediaId);
      const who = author ?? defaultAnnotator();
      const t0 = performance.now();
      const out = await writeRetrying(p.db, () => redo(p.db, mediaId, who));
      const ms = performance.now() - t0;
      if (out.action) changed(p, mediaId, out.action.from, out.action.to, out.tasks);
      return { action: out.action, ...undoState(p.db, mediaId, who), ms };
    },
    // A trace pass (src/node/review/trace.ts): one action over [first sample, last sample].
    'labels.trace': async ({ mediaId, author, axes, speed, at, samples }) => {
      const p = backend.requireProject();
      const t0 = performance.now();
      const name = traceName(axes, speed, samples[0].frame, samples[samples.length - 1].frame);
      const who = author ?? defaultAnnotator();
      const out = await writeRetrying(p.db, () => applyTrace(p.db, { mediaId, author: who, axes, samples, name, at, gaps: 'replace' }));
      const ms = performance.now() - t0;
      if (out.action) changed(p, mediaId, out.action.from, out.action.to, ['va']);
      return { action: out.action, ...undoState(p.db, mediaId, who), ms, written: out.written, cleared: out.cleared, skipped: out.skipped };
    },
    'review.annotatorVa': ({ mediaId, from, to, buckets }) => annotatorVa(backend.requireProject().db, mediaId, from, to, buckets),
    'trace.smooth': async ({ mediaId, annotator, from, to, smoothing }) => {
      const p = backend.requireProject();
      const out = await writeRetrying(p.db, () => smoothTrace(p.db, mediaId, annotator, from, to, smoothing));
      // the derived lane is not a label: no labels.changed, the timeline re-reads it itself
      return out;
    },
    'trace.applySmoothed': async ({ mediaId, author, method, from, to }) => {
      const p = backend.requireProject();
      const who = author ?? defaultAnnotator();
      const t0 = performance.now();
      const { samples, params } = derivedSamples(p.db, mediaId, who, method, from, to);
      if (!samples.length) throw new AppError('not-found', `No smoothed trace of ${who} in frames ${from}–${to}: smooth it first`);
      const name = `Apply smoothed trace (${method} ${params}, frames ${samples[0].frame}–${samples[samples.length - 1].frame})`;
      const out = await writeRetrying(p.db, () => applyTrace(p.db, { mediaId, author: who, axes: 'both', samples, name, gaps: 'keep' }));
      const ms = performance.now() - t0;
      if (out.action) changed(p, mediaId, out.action.from, out.action.to, ['va']);
      return { action: out.action, ...undoState(p.db, mediaId, who), ms, written: out.written, cleared: out.cleared, skipped: out.skipped };
    },
    'labels.history': ({ mediaId, frame, limit, author }) => {
      const p = backend.requireProject();
      requireMedia(p, mediaId);
      return {
        actions: listActions(p.db, mediaId, limit),
        frame: frame === undefined ? [] : frameHistory(p.db, mediaId, frame, limit),
        ...undoState(p.db, mediaId, author ?? defaultAnnotator()),
      };
    },
  };
}
