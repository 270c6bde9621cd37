// Runs a job in a worker process from the command line: progress bar on a terminal, plain progress
// lines otherwise, logs to stderr, Ctrl+C cancels the job (its last checkpoint stays usable).
import cliProgress from 'cli-progress';
import { Backend } from '../node/backend';
import type { JobKind, JobSummary } from '../shared/contract';

export interface RunJobOptions {
  /** Print nothing but errors (for --json output on stdout). */
  quiet?: boolean;
}

export async function runJob(projectDir: string, kind: JobKind, params: Record<string, unknown>, opts: RunJobOptions = {}): Promise<JobSummary> {
  const backend = new Backend({ transport: 'inprocess' });
  backend.openProject(projectDir, false);
  const tty = !!process.stderr.isTTY && !opts.quiet;
  const bar = tty
    ? new cliProgress.SingleBar(
        { format: '{stage} [{bar}] {percentage}% | {value}/{total} | ETA {eta_formatted} | {info}', stream: process.stderr, hideCursor: true, etaBuffer: 50 },
        cliProgress.Presets.shades_classic,
      )
    : null;
  let started = false;
  let lastLine = 0;
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
      } else if (!opts.quiet && (Date.now() - lastLine > 2000 || p.done === p.total || p.stage !== lastStage)) {
        lastLine = Date.now();
        lastStage = p.stage;
        process.stderr.write(`${p.stage ?? kind}: ${p.done}/${p.total} ${info}\n`);
      }
    } else if (m.event === 'job.log' && !opts.quiet) {
      const l = m.payload as { level: string; line: string };
      if (bar && started) {
        bar.stop();
        started = false;
      }
      process.stderr.write(`${l.level === 'info' ? '' : `${l.level}: `}${l.line}\n`);
    }
  });
  const r = backend.jobs.start(kind, params);
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
  const job = backend.jobs.get(r)!;
  await backend.close();
  return job;
}

/** Throws a readable error for a job that did not finish. */
export function requireDone(job: JobSummary): unknown {
  if (job.status === 'done') return job.result;
  if (job.status === 'cancelled') throw new Error(`${job.kind} was cancelled`);
  throw new Error(`${job.kind} failed: ${job.error ?? 'unknown error'}`);
}
