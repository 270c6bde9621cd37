// What the jobs panel shows beyond the job rows: the live loss curve of each training job (from
// job.progress events, in memory: it is a view of this session), and the per-epoch metrics and the
// log of the selected job, both read from the project (runs.epochs, runs.log) so they are complete
// after a reload or an application restart. Refetches are driven by events, never by polling.
import { useSyncExternalStore } from 'react';
import type { EventPayload } from '../../../shared/contract';
import type { EpochRow, LogLine } from '../../../shared/training-contract';
import { call, on } from '../api';
import { getState, reportError } from '../store';
import { appendLoss, LOSS_KEYS, type LossSeries } from './series';

export { LOSS_KEYS, type LossKey, type LossSeries } from './series';

export interface JobLive {
  loss: LossSeries;
  epochs: EpochRow[];
  modelId: number | null;
  log: LogLine[];
  /** The stage of the last training progress ("epoch 2/8", "student 1/5, epoch 1/3"); a change means an epoch row was written. */
  lastStage: string | null;
}

const live = new Map<number, JobLive>();
let version = 0;
const subs = new Set<() => void>();
const changed = () => {
  version++;
  subs.forEach((s) => s());
};

function entry(jobId: number): JobLive {
  let e = live.get(jobId);
  if (!e) {
    e = { loss: { x: [], y: { loss: [], au: [], expr: [], v: [], a: [] } }, epochs: [], modelId: null, log: [], lastStage: null };
    live.set(jobId, e);
  }
  return e;
}

/** Jobs whose epochs and log are kept current (the selected one). */
const watched = new Set<number>();
const pendingLog = new Map<number, ReturnType<typeof setTimeout>>();

async function fetchEpochs(jobId: number): Promise<void> {
  try {
    const r = await call('runs.epochs', { jobId });
    const e = entry(jobId);
    live.set(jobId, { ...e, epochs: r.epochs, modelId: r.modelId });
    changed();
  } catch (err) {
    reportError(err);
  }
}

async function fetchLog(jobId: number): Promise<void> {
  pendingLog.delete(jobId);
  const e = entry(jobId);
  const after = e.log.length ? e.log[e.log.length - 1].seq : -1;
  try {
    const r = await call('runs.log', { jobId, after, limit: 5000 });
    if (!r.lines.length) return;
    const cur = entry(jobId);
    const seen = cur.log.length ? cur.log[cur.log.length - 1].seq : -1;
    const fresh = r.lines.filter((l) => l.seq > seen);
    live.set(jobId, { ...cur, log: [...cur.log, ...fresh].slice(-5000) });
    changed();
  } catch (err) {
    reportError(err);
  }
}

/** Log lines arrive in bursts: one fetch per burst. */
function scheduleLog(jobId: number): void {
  if (pendingLog.has(jobId)) return;
  pendingLog.set(jobId, setTimeout(() => void fetchLog(jobId), 150));
}

function onProgress(p: EventPayload<'job.progress'>): void {
  if (!p.metrics || !LOSS_KEYS.some((k) => k in p.metrics!)) return;
  const e = entry(p.jobId);
  const epochChanged = e.lastStage !== null && p.stage !== e.lastStage;
  live.set(p.jobId, { ...e, loss: appendLoss(e.loss, p.done, p.metrics), lastStage: p.stage });
  changed();
  if (epochChanged && watched.has(p.jobId)) void fetchEpochs(p.jobId);
}

let tracking = false;

/** Subscribes to the job events once per renderer session. */
export function trackJobs(): void {
  if (tracking) return;
  tracking = true;
  on('job.progress', onProgress);
  on('job.log', ({ jobId }) => {
    if (watched.has(jobId)) scheduleLog(jobId);
  });
  on('job.state', ({ job }) => {
    if (watched.has(job.id) && job.status !== 'queued') {
      void fetchEpochs(job.id);
      scheduleLog(job.id);
    }
  });
  // Job ids are per project: another project's jobs must not show this one's curves. The same
  // project announcing a change (a model renamed or deleted) keeps them.
  let dir: string | null | undefined;
  on('project.changed', ({ project }) => {
    const next = project?.dir ?? null;
    // Before the first event, the project the app booted with (this listener runs before the store's).
    const prev = dir === undefined ? (getState().project?.dir ?? null) : dir;
    if (next === prev) return;
    dir = next;
    live.clear();
    changed();
  });
}

/** Starts keeping a job's epochs and log current (and loads them); returns the stop function. */
export function watchJob(jobId: number): () => void {
  watched.add(jobId);
  void fetchEpochs(jobId);
  void fetchLog(jobId);
  return () => watched.delete(jobId);
}

const EMPTY: JobLive = { loss: { x: [], y: { loss: [], au: [], expr: [], v: [], a: [] } }, epochs: [], modelId: null, log: [], lastStage: null };

export function useJobLive(jobId: number | null): JobLive {
  useSyncExternalStore(
    (fn) => {
      subs.add(fn);
      return () => subs.delete(fn);
    },
    () => version,
  );
  return (jobId !== null && live.get(jobId)) || EMPTY;
}
