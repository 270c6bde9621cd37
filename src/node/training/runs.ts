// Runs (jobs) beyond their summary row: the per-epoch metrics the trainer records (run_epochs), the
// log a job wrote (run_logs, filled from job.log events so it outlives the window and the app),
// and resuming an interrupted, cancelled or failed training run from its checkpoint, by its job id,
// never while a live process still runs it.
import type { Db } from '../store/database';
import { rethrowBusy } from '../store/busy';
import { getModel } from '../store/models';
import { describeOwner, ownerState, sweepDeadJobs, type LeaseRow } from '../jobs/leases';
import { AppError } from '../../shared/result';
import type { EpochRow, LogLine } from '../../shared/training-contract';

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

function numbers(o: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  if (typeof o === 'object' && o !== null) for (const [k, v] of Object.entries(o)) if (num(v) !== null) out[k] = v as number;
  return out;
}

/** One run_epochs row, whatever the trainer put in it, as the dashboard's typed epoch row. */
export function epochRow(epoch: number, at: string, metrics: Record<string, unknown>): EpochRow {
  const v = metrics.val as Record<string, unknown> | null | undefined;
  return {
    epoch,
    modelId: num(metrics.modelId),
    at,
    lr: num(metrics.lr),
    seconds: num(metrics.seconds),
    samplesPerSecond: num(metrics.samplesPerSecond),
    windowsPerSecond: num(metrics.windowsPerSecond),
    train: numbers(metrics.train),
    val: v && typeof v === 'object' ? { au: num(v.au), expr: num(v.expr), valence: num(v.valence), arousal: num(v.arousal) } : null,
  };
}

function requireRun(db: Db, jobId: number): { id: number; kind: string; status: string; params: string; model_id: number | null } {
  const r = db.prepare('SELECT id, kind, status, params, model_id FROM runs WHERE id = ?').get(jobId) as
    | { id: number; kind: string; status: string; params: string; model_id: number | null }
    | undefined;
  if (!r) throw new AppError('not-found', `No job with id ${jobId}`);
  return r;
}

export function runEpochs(db: Db, jobId: number): { jobId: number; modelId: number | null; epochs: EpochRow[] } {
  const run = requireRun(db, jobId);
  const rows = db.prepare('SELECT epoch, metrics, at FROM run_epochs WHERE run_id = ? ORDER BY epoch').all(jobId) as { epoch: number; metrics: string; at: string }[];
  return { jobId, modelId: run.model_id, epochs: rows.map((r) => epochRow(r.epoch, r.at, JSON.parse(r.metrics) as Record<string, unknown>)) };
}

/** Lines kept per run: the newest ones (a long run's first lines matter less than its end). */
export const MAX_LOG_LINES = 5000;

/** Appends job.log lines to run_logs, numbering them per run and keeping the newest MAX_LOG_LINES. */
export class RunLogWriter {
  private readonly next = new Map<number, number>();
  constructor(private readonly db: Db) {}

  append(jobId: number, level: LogLine['level'], line: string, at = new Date().toISOString()): void {
    const nextFree = () => ((this.db.prepare('SELECT MAX(seq) FROM run_logs WHERE run_id = ?').pluck().get(jobId) as number | null) ?? -1) + 1;
    let seq = this.next.get(jobId) ?? nextFree();
    const put = this.db.prepare('INSERT INTO run_logs(run_id, seq, level, line, at) VALUES (?, ?, ?, ?, ?)');
    try {
      put.run(jobId, seq, level, line, at);
    } catch (e) {
      // Another writer (another process with the project open) took this number: continue after it.
      if ((e as { code?: string }).code !== 'SQLITE_CONSTRAINT_PRIMARYKEY') throw e;
      seq = nextFree();
      put.run(jobId, seq, level, line, at);
    }
    if (seq >= MAX_LOG_LINES) this.db.prepare('DELETE FROM run_logs WHERE run_id = ? AND seq <= ?').run(jobId, seq - MAX_LOG_LINES);
    this.next.set(jobId, seq + 1);
  }
}

export function runLog(db: Db, jobId: number, after: number, limit: number): LogLine[] {
  requireRun(db, jobId);
  return db.prepare('SELECT seq, level, line, at FROM run_logs WHERE run_id = ? AND seq > ? ORDER BY seq LIMIT ?').all(jobId, after, limit) as LogLine[];
}

const RESUMABLE = new Set(['interrupted', 'cancelled', 'failed']);

/** The training job kinds that resume from a checkpoint: teachers by model, students by set. */
export const TEACHER_RUNS = ['train.teacher', 'train.rnn-teacher'] as const;
export const STUDENT_RUNS = ['train.students', 'train.rnn-students'] as const;
export type ResumableKind = (typeof TEACHER_RUNS)[number] | (typeof STUDENT_RUNS)[number];

const isTeacherRun = (k: string): k is (typeof TEACHER_RUNS)[number] => (TEACHER_RUNS as readonly string[]).includes(k);
const isStudentRun = (k: string): k is (typeof STUDENT_RUNS)[number] => (STUDENT_RUNS as readonly string[]).includes(k);

interface LeasedRun extends LeaseRow {
  id: number;
  kind: string;
  status: string;
  params: string;
  model_id: number | null;
}

const LEASED_RUN = 'SELECT id, kind, status, params, model_id, owner_token, owner_pid, owner_host, owner_start, lease_until FROM runs';

/** A queued or running job's live owner, or null (finished, or its owner is gone: it reads as interrupted). */
function liveOwner(r: LeasedRun): LeasedRun | null {
  return (r.status === 'queued' || r.status === 'running') && ownerState(r).alive ? r : null;
}

function ownedElsewhere(r: LeasedRun, what: string): AppError {
  return new AppError(
    'conflict',
    `${what} is ${r.status} in ${describeOwner(r)}: it cannot be resumed while that process runs it (cancel it, or wait for it to end).`,
  );
}

/** The live job (other than `except`) that already trains teacher model `modelId`, or students of teacher `teacher`. */
function liveTrainer(db: Db, except: number, match: { modelId?: number; teacher?: unknown }): LeasedRun | null {
  const rows = db.prepare(`${LEASED_RUN} WHERE status IN ('queued', 'running') AND id != ?`).all(except) as LeasedRun[];
  for (const r of rows) {
    if (!liveOwner(r)) continue;
    const p = JSON.parse(r.params) as Record<string, unknown>;
    if (match.modelId !== undefined && isTeacherRun(r.kind) && (r.model_id === match.modelId || p.resume === match.modelId)) return r;
    if (match.teacher !== undefined && isStudentRun(r.kind) && p.teacher === match.teacher) return r;
  }
  return null;
}

/**
 * The kind and params of the job that continues run `jobId` from its checkpoint, for the CNN and
 * the CNN-RNN alike. `jobId` is what every surface calls a resume by: `runs.resume`, the CLI's
 * `--resume JOB_ID`, the dashboard's button. The worker's params are internal (src/shared/
 * train-config.ts): a teacher continues its model (params.resume = model id), students the newest
 * unfinished set of the teacher (params.resume = true); params.resumeOf records the job resumed.
 * Refuses, with the reason, what cannot be resumed: a job a live process still runs (naming it), a
 * finished model, a run that never made a model, a model another live job already trains.
 */
export function resumeJob(db: Db, jobId: number): { kind: ResumableKind; params: Record<string, unknown> } {
  const run = db.prepare(`${LEASED_RUN} WHERE id = ?`).get(jobId) as LeasedRun | undefined;
  if (!run) throw new AppError('not-found', `No job with id ${jobId}`);
  if (liveOwner(run)) throw ownedElsewhere(run, `Job #${jobId}`);
  // A queued or running job whose owner is gone is interrupted (a sweep writes it down).
  const status = run.status === 'queued' || run.status === 'running' ? 'interrupted' : run.status;
  if (!isTeacherRun(run.kind) && !isStudentRun(run.kind)) {
    throw new AppError('invalid-input', `Job #${jobId} is a ${run.kind} job; only training runs resume from a checkpoint.`);
  }
  if (!RESUMABLE.has(status)) throw new AppError('conflict', `Job #${jobId} is ${status}; only interrupted, cancelled or failed training runs resume.`);
  const params = JSON.parse(run.params) as Record<string, unknown>;
  if (isTeacherRun(run.kind)) {
    const modelId = run.model_id ?? (typeof params.resume === 'number' ? params.resume : null);
    const m = modelId === null ? null : getModel(db, modelId);
    if (!m) throw new AppError('conflict', `Job #${jobId} stopped before its model was created (or the model was deleted): start a new run.`);
    if (m.status === 'ready') throw new AppError('conflict', `${m.name} has finished training; there is nothing to resume.`);
    const other = liveTrainer(db, jobId, { modelId: m.id });
    if (other) throw ownedElsewhere(other, `${m.name} is already being trained: job #${other.id}`);
    return { kind: run.kind, params: { ...params, resume: m.id, resumeOf: jobId } };
  }
  if (run.model_id === null) throw new AppError('conflict', `Job #${jobId} stopped before its first student was created: start a new run.`);
  const other = liveTrainer(db, jobId, { teacher: params.teacher });
  if (other) throw ownedElsewhere(other, `Students of ${String(params.teacher)} are already being trained: job #${other.id}`);
  return { kind: run.kind, params: { ...params, resume: true, resumeOf: jobId } };
}

/**
 * Starts the job that resumes `jobId` (resumeJob) through `start`, in one immediate transaction, so
 * two processes resuming the same run cannot both start it; a gone owner's run is written down as
 * interrupted first. `kinds` restricts what may be resumed (the CLI's `train teacher` resumes
 * teachers only). Returns the new job's id.
 */
export function startResume(
  db: Db,
  start: (kind: ResumableKind, params: Record<string, unknown>) => number,
  jobId: number,
  kinds?: readonly string[],
): number {
  try {
    return db
      .transaction(() => {
        sweepDeadJobs(db, Date.now(), [jobId]);
        const { kind, params } = resumeJob(db, jobId);
        if (kinds && !kinds.includes(kind)) {
          throw new AppError('invalid-input', `Job #${jobId} is a ${kind} job, not ${kinds.join(' or ')}.`);
        }
        return start(kind, params);
      })
      .immediate();
  } catch (e) {
    rethrowBusy(e, `could not resume job #${jobId}: the project database is busy`);
  }
}
