// The adjudication methods of the contract over the open project (src/shared/adjudication-contract.ts).
// A decision waits for the write lock like every label edit (writeRetrying) and announces what it
// changed with `labels.changed`, so open review screens (and the review's cached columns) refresh.
import type { adjudicationMethods } from '../../shared/adjudication-contract';
import type { Handlers } from '../../shared/dispatch';
import { AppError } from '../../shared/result';
import type { Backend } from '../app/backend';
import { defaultAnnotator } from '../labels/annotations';
import { writeRetrying } from '../store/busy';
import type { Project } from '../store/project';
import { actionSummary, undoState } from '../review/undo';
import type { EventPayload } from '../../shared/contract';
import { AdjudicationCache } from './cache';
import { decide } from './decide';
import { adjudicationFrame, adjudicationQueue } from './queue';

export type AdjudicationHandlers = Pick<Handlers, keyof typeof adjudicationMethods>;

function requireMedia(p: Project, mediaId: number): void {
  const ready = p.db.prepare(`SELECT 1 FROM media m JOIN datasets d ON d.id = m.dataset_id WHERE m.id = ? AND d.state = 'ready'`).get(mediaId);
  if (!ready) throw new AppError('not-found', `No media item with id ${mediaId}`);
}

export function adjudicationHandlers(backend: Backend): AdjudicationHandlers {
  const caches = new WeakMap<Project, AdjudicationCache>();
  const cache = (p: Project): AdjudicationCache => {
    let c = caches.get(p);
    if (!c) caches.set(p, (c = new AdjudicationCache(p.db)));
    return c;
  };
  backend.subscribe((msg) => {
    const p = backend.currentProject;
    if (!p) return;
    // every writer of labels in this backend announces the range (edits, undo/redo, decisions, traces)
    if (msg.event === 'labels.changed') {
      const c = msg.payload as EventPayload<'labels.changed'>;
      caches.get(p)?.refresh(c.mediaId, c.from, c.to);
    }
    // a job (an import of annotator files) may have written annotations
    if (msg.event === 'job.state' && (msg.payload as EventPayload<'job.state'>).job.status === 'done') caches.get(p)?.drop();
  });
  return {
    'adjudication.queue': (input) => {
      const p = backend.requireProject();
      return adjudicationQueue(p.db, input, cache(p).source);
    },
    'adjudication.frame': ({ mediaId, frame, thresholds }) => {
      const p = backend.requireProject();
      requireMedia(p, mediaId);
      return { mediaId, frame, ...adjudicationFrame(p.db, mediaId, frame, thresholds) };
    },
    'adjudication.decide': async (input) => {
      const p = backend.requireProject();
      requireMedia(p, input.mediaId);
      const author = input.author ?? defaultAnnotator();
      const t0 = performance.now();
      const id = await writeRetrying(p.db, () => decide(p.db, { ...input, author }));
      const ms = performance.now() - t0;
      const action = id === null ? null : actionSummary(p.db, id);
      if (action) backend.emit('labels.changed', { mediaId: input.mediaId, from: action.from, to: action.to, tasks: [input.task] });
      return { action, ...undoState(p.db, input.mediaId, author), ms };
    },
  };
}
