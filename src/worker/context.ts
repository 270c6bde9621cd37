// What a job sees: progress, logs, cancellation checked between work units. A worker whose parent
// (the supervisor's process) is gone stops at its next checkpoint as if cancelled: nobody owns its
// job any more, and a resume elsewhere must not find it still training the same model.
import type { FromWorker } from '../node/jobs/protocol';
import type { AnyJobKind, JobParams, JobResult } from '../shared/jobs-contract';

export class CancelledError extends Error {
  constructor() {
    super('cancelled');
    this.name = 'CancelledError';
  }
}

export class JobContext {
  private cancelled = false;
  private readonly send: (m: FromWorker) => void;
  constructor(
    readonly jobId: number,
    readonly projectDir: string | null,
    send: (m: FromWorker) => void,
  ) {
    // A message to a closed channel would throw ('error' event) in the middle of the job's work,
    // e.g. while it writes a checkpoint; the job stops cleanly at its next checkpoint() instead.
    this.send = (m) => {
      if (!parentGone()) send(m);
    };
  }

  requestCancel(): void {
    this.cancelled = true;
  }
  get isCancelled(): boolean {
    return this.cancelled || parentGone();
  }
  /** Throws CancelledError if cancel was requested; call between batches. Yields to the event loop so the cancel message can arrive. */
  async checkpoint(): Promise<void> {
    await new Promise((r) => setImmediate(r));
    if (this.isCancelled) throw new CancelledError();
  }
  progress(done: number, total: number, stage: string | null = null, metrics: Record<string, number> | null = null): void {
    this.send({ type: 'progress', jobId: this.jobId, done, total, stage, metrics });
  }
  log(line: string, level: 'info' | 'warn' | 'error' = 'info'): void {
    this.send({ type: 'log', jobId: this.jobId, level, line });
  }
  meta(m: { backend?: string; modelId?: number }): void {
    this.send({ type: 'meta', jobId: this.jobId, ...m });
  }
}

/** A worker started with fork() whose IPC channel closed: its parent died (or let it go). */
function parentGone(): boolean {
  return typeof process.send === 'function' && !process.connected;
}

/** A job of kind K: its params validated by the kind's schema (src/shared/jobs-contract.ts), its result of the kind's type. */
export type JobFn<K extends AnyJobKind> = (params: JobParams<K>, ctx: JobContext) => Promise<JobResult<K>>;
