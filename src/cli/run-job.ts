// Runs a job in a worker process from the command line: progress bar on a terminal, plain progress
// lines otherwise, logs to stderr, Ctrl+C cancels the job (its last checkpoint stays usable). The
// job belongs to this process (its lease, src/node/jobs/leases.ts): an app or `serve` that opens
// the project meanwhile shows it running, and shows it interrupted once this process is gone.
// A project database another process keeps locked is one readable line (AppError 'busy').
import cliProgress from 'cli-progress';
import { Backend } from '../node/app/backend';
import { rethrowBusy } from '../node/store/busy';
import { startResume, type ResumableKind } from '../node/training/runs';
import type { JobSummary } from '../shared/contract';
import { parseJobResult, type AnyJobKind, type JobParamsInput, type JobResult } from '../shared/jobs-contract';
import { AppError } from '../shared/result';
import { progressLines, type ProgressStream, type ThrottleOptions } from './progress';

export interface RunJobOptions {
  /** Print nothing but errors (for --json output on stdout). */
  quiet?: boolean;
  /** Where progress and log lines go (process.stderr; a fake stream and clock in tests). */
  stream?: ProgressStream;
  throttle?: ThrottleOptions;
}

/** What to run: a new job, or the continuation of an earlier run by its job id (`accept` vets the kind and params). */
export type JobRequest =
  | { kind: AnyJobKind; params: Record<string, unknown> }
  | { resume: number; accept?: (kind: ResumableKind, params: Record<string, unknown>) => void };

/** A finished job known to be of kind K (its result reads as JobResult<K> through requireDone). */
export type KindJob<K extends AnyJobKind> = JobSummary & { kind: K };

/** Runs job `kind` with params typed by the jobs map (src/shared/jobs-contract.ts); invalid params are refused before a worker starts. */
export async function runJob<K extends AnyJobKind>(projectDir: string, kind: K, params: JobParamsInput<K>, opts: RunJobOptions = {}): Promise<KindJob<K>> {
  const job = await runRequest(projectDir, { kind, params }, opts);
  return { ...job, kind };
}

/** Runs job `kind` and returns its result, typed by the jobs map; a job that did not finish throws (requireDone). */
export async function runJobResult<K extends AnyJobKind>(projectDir: string, kind: K, params: JobParamsInput<K>, opts: RunJobOptions = {}): Promise<JobResult<K>> {
  return requireDone(await runJob(projectDir, kind, params, opts));
}

/**
 * Resumes training run `jobId` from its checkpoint (the CLI's --resume JOB_ID), in this process.
 * `kinds` are the runs this verb resumes: another kind is refused before anything starts, so the
 * resumed job is one of them.
 */
export async function resumeRun<K extends ResumableKind>(
  projectDir: string,
  jobId: number,
  kinds: readonly K[],
  accept?: (kind: ResumableKind, params: Record<string, unknown>) => void,
  opts: RunJobOptions = {},
): Promise<KindJob<K>> {
  let started: K | null = null;
  const job = await runRequest(
    projectDir,
    {
      resume: jobId,
      accept: (kind, params) => {
        accept?.(kind, params); // the caller's refusal first: it says which verb resumes the job
        const k = kinds.find((x) => x === kind);
        if (k === undefined) throw new AppError('invalid-input', `job #${jobId} is a ${kind} job, not ${kinds.join(' or ')}`);
        started = k;
      },
    },
    opts,
  );
  if (started === null) throw new AppError('internal', `job #${jobId} was not resumed`);
  return { ...job, kind: started };
}

export async function runRequest(projectDir: string, req: JobRequest, opts: RunJobOptions = {}): Promise<JobSummary> {
  const backend = new Backend({ transport: 'inprocess' });
  try {
    backend.openProject(projectDir, false);
    return await follow(backend, req, opts);
  } catch (e) {
    rethrowBusy(e);
  } finally {
    await backend.close();
  }
}

async function follow(backend: Backend, req: JobRequest, opts: RunJobOptions): Promise<JobSummary> {
  const kind = 'kind' in req ? req.kind : 'resume';
  const stream = opts.stream ?? process.stderr;
  const tty = !!stream.isTTY && !opts.quiet;
  const bar = tty
    ? new cliProgress.SingleBar(
        { format: '{stage} [{bar}] {percentage}% | {value}/{total} | ETA {eta_formatted} | {info}', stream: process.stderr, hideCursor: true, etaBuffer: 50 },
        cliProgress.Presets.shades_classic,
      )
    : null;
  // Not a terminal (a log file, CI): throttled lines (./progress.ts), not one per batch.
  const lines = !tty && !opts.quiet ? progressLines(stream, kind, opts.throttle) : null;
  let started = false;
  let lastStage: string | null = null;
  backend.subscribe((m) => {
    if (m.event === 'job.progress') {
      const p = m.payload as { done: number; total: number; stage: string | null; rate: number | null; metrics: Record<string, number> | null };
      const info = p.metrics
        ? Object.entries(p.metrics)
            .filter(([k]) => ['loss', 'au', 'expr', 'v', 'a'].includes(k))
            .map(([k, v]) => `${k} ${v.toFixed(3)}`)
            .join(' ')
        : p.rate
          ? `${p.rate.toFixed(1)}/s`
          : '';
      if (bar) {
        if (!started || p.stage !== lastStage) {
          if (started) bar.stop();
          bar.start(p.total, p.done, { stage: p.stage ?? kind, info });
          started = true;
          lastStage = p.stage;
        } else {
          bar.setTotal(p.total);
          bar.update(p.done, { stage: p.stage ?? kind, info });
        }
      } else {
        lines?.update(p.done, p.total, p.stage, info);
      }
    } else if (m.event === 'job.log' && !opts.quiet) {
      const l = m.payload as { level: string; line: string };
      if (bar && started) {
        bar.stop();
        started = false;
      }
      stream.write(`${l.level === 'info' ? '' : `${l.level}: `}${l.line}\n`);
    }
  });
  const r =
    'kind' in req
      ? backend.jobs.start(req.kind, req.params)
      : startResume(
          backend.requireProject().db,
          (k, p) => {
            req.accept?.(k, p);
            return backend.jobs.start(k, p);
          },
          req.resume,
        );
  if (!('kind' in req) && !opts.quiet) stream.write(`resuming job #${req.resume} as job #${r}\n`);
  const onInt = () => {
    process.stderr.write('\ncancelling… (the last checkpoint is kept)\n');
    backend.jobs.cancel(r);
  };
  process.once('SIGINT', onInt);
  try {
    await backend.jobs.waitIdle();
  } finally {
    process.off('SIGINT', onInt);
    if (bar && started) bar.stop();
  }
  return backend.jobs.get(r)!;
}

/** The result of a finished job, typed by its kind's result schema; throws a readable error for a job that did not finish. */
export function requireDone<K extends AnyJobKind>(job: KindJob<K>): JobResult<K> {
  if (job.status === 'done') return parseJobResult(job.kind, job.result);
  if (job.status === 'cancelled') throw new AppError('cancelled', `${job.kind} (job #${job.id}) was cancelled${isTrainingKind(job.kind) ? `; resume it with --resume ${job.id}` : ''}`);
  throw new AppError('job-failed', `${job.kind} (job #${job.id}) failed: ${job.error ?? 'unknown error'}`);
}

const isTrainingKind = (k: string) => k.startsWith('train.');
