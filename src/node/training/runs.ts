// Runs (jobs) beyond their summary row: the per-epoch metrics the trainer records (run_epochs), the
// log a job wrote (run_logs, filled from job.log events so it outlives the window and the app),
// and resuming an interrupted, cancelled or failed training run from its checkpoint.
import type { Db } from '../db/database';
import { getModel } from '../db/models';
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
    let seq = this.next.get(jobId);
    if (seq === undefined) seq = ((this.db.prepare('SELECT MAX(seq) FROM run_logs WHERE run_id = ?').pluck().get(jobId) as number | null) ?? -1) + 1;
    this.db.prepare('INSERT INTO run_logs(run_id, seq, level, line, at) VALUES (?, ?, ?, ?, ?)').run(jobId, seq, level, line, at);
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

/**
 * The kind and params of the job that continues run `jobId` from its checkpoint, for the CNN and
 * the CNN-RNN alike (their schemas take the same resume field: src/shared/train-config.ts and
 * rnn-config.ts): a teacher resumes its model (params.resume = model id), students resume the
 * newest unfinished set of the teacher (params.resume = true). Refuses what cannot be resumed, with
 * the reason.
 */
export function resumeJob(db: Db, jobId: number): { kind: ResumableKind; params: Record<string, unknown> } {
  const run = requireRun(db, jobId);
  if (!RESUMABLE.has(run.status)) throw new AppError('conflict', `Job #${jobId} is ${run.status}; only interrupted, cancelled or failed training runs resume.`);
  const params = JSON.parse(run.params) as Record<string, unknown>;
  if (isTeacherRun(run.kind)) {
    const modelId = run.model_id ?? (typeof params.resume === 'number' ? params.resume : null);
    const m = modelId === null ? null : getModel(db, modelId);
    if (!m) throw new AppError('conflict', `Job #${jobId} stopped before its model was created (or the model was deleted): start a new run.`);
    if (m.status === 'ready') throw new AppError('conflict', `${m.name} has finished training; there is nothing to resume.`);
    return { kind: run.kind, params: { ...params, resume: m.id } };
  }
  if (isStudentRun(run.kind)) {
    if (run.model_id === null) throw new AppError('conflict', `Job #${jobId} stopped before its first student was created: start a new run.`);
    return { kind: run.kind, params: { ...params, resume: true } };
  }
  throw new AppError('invalid-input', `Job #${jobId} is a ${run.kind} job; only training runs resume from a checkpoint.`);
}
