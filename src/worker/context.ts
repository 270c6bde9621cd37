// What a job sees: progress, logs, cancellation checked between work units.
import type { FromWorker } from '../node/jobs/protocol';

export class CancelledError extends Error {
  constructor() {
    super('cancelled');
    this.name = 'CancelledError';
  }
}

export class JobContext {
  private cancelled = false;
  constructor(
    readonly jobId: number,
    readonly projectDir: string | null,
    private readonly send: (m: FromWorker) => void,
  ) {}

  requestCancel(): void {
    this.cancelled = true;
  }
  get isCancelled(): boolean {
    return this.cancelled;
  }
  /** Throws CancelledError if cancel was requested; call between batches. Yields to the event loop so the cancel message can arrive. */
  async checkpoint(): Promise<void> {
    await new Promise((r) => setImmediate(r));
    if (this.cancelled) throw new CancelledError();
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

export type JobFn = (params: Record<string, unknown>, ctx: JobContext) => Promise<unknown>;
