// The job supervisor: long work runs in a separate process, one process per job, one job at a time
// (training saturates the CPU). Jobs are rows of the `runs` table, so finished, failed and cancelled
// jobs survive a restart, and jobs that were running when the app died are marked 'interrupted'.
// Cancel is a message the worker checks between work units; if the worker has not exited
// `cancelGraceMs` later it is killed. A worker that exits without reporting is a crash, reported
// with its exit code, signal and last stderr lines.
import type { Db } from '../db/database';
import type { EventName, EventPayload, JobSummary } from '../../shared/contract';
import type { FromWorker, WorkerHandle, WorkerLauncher } from './protocol';

export type Emit = <E extends EventName>(event: E, payload: EventPayload<E>) => void;

interface RunRow {
  id: number;
  kind: string;
  params: string;
  status: JobSummary['status'];
  backend: string | null;
  progress: number;
  stage: string | null;
  error: string | null;
  result: string | null;
  started_at: string | null;
  finished_at: string | null;
}

function toSummary(r: RunRow): JobSummary {
  return {
    id: r.id,
    kind: r.kind,
    status: r.status,
    params: JSON.parse(r.params) as Record<string, unknown>,
    progress: r.progress,
    stage: r.stage,
    error: r.error,
    result: r.result === null ? null : (JSON.parse(r.result) as unknown),
    backend: r.backend,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
  };
}

interface Running {
  jobId: number;
  kind: string;
  worker: WorkerHandle;
  settled: boolean;
  cancelRequested: boolean;
  exited: Promise<void>;
  lastProgressWrite: number;
  rateWindow: { t: number; done: number } | null;
}

export interface SupervisorOptions {
  cancelGraceMs?: number;
}

export class JobSupervisor {
  private running: Running | null = null;
  private queue: number[] = [];
  private readonly cancelGraceMs: number;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly db: Db,
    private readonly projectDir: string,
    private readonly launch: WorkerLauncher,
    private readonly emit: Emit,
    opts: SupervisorOptions = {},
  ) {
    this.cancelGraceMs = opts.cancelGraceMs ?? 5000;
    // Whatever was running or queued when the last process died is interrupted, not silently lost.
    db.prepare(
      `UPDATE runs SET status = 'interrupted', finished_at = ?, error = COALESCE(error, 'the application stopped while this job was running')
       WHERE status IN ('running', 'queued')`,
    ).run(new Date().toISOString());
  }

  get(jobId: number): JobSummary | null {
    const row = this.db.prepare('SELECT * FROM runs WHERE id = ?').get(jobId) as RunRow | undefined;
    return row ? toSummary(row) : null;
  }

  list(): JobSummary[] {
    return (this.db.prepare('SELECT * FROM runs ORDER BY id DESC LIMIT 500').all() as RunRow[]).map(toSummary);
  }

  start(kind: string, params: Record<string, unknown>): number {
    const now = new Date().toISOString();
    const info = this.db
      .prepare(`INSERT INTO runs(kind, params, status, created_at) VALUES (?, ?, 'queued', ?)`)
      .run(kind, JSON.stringify(params), now);
    const jobId = Number(info.lastInsertRowid);
    this.queue.push(jobId);
    this.emitState(jobId);
    this.pump();
    return jobId;
  }

  cancel(jobId: number): boolean {
    const qi = this.queue.indexOf(jobId);
    if (qi >= 0) {
      this.queue.splice(qi, 1);
      this.finish(jobId, 'cancelled', null, null);
      return true;
    }
    const r = this.running;
    if (!r || r.jobId !== jobId || r.settled) return false;
    r.cancelRequested = true;
    r.worker.send({ type: 'cancel', jobId });
    const timer = setTimeout(() => {
      if (!r.settled) {
        this.log(jobId, 'warn', `worker did not stop within ${this.cancelGraceMs} ms of cancel; killed`);
        r.worker.kill();
      }
    }, this.cancelGraceMs);
    void r.exited.then(() => clearTimeout(timer));
    return true;
  }

  /** Resolves when no job is running or queued. */
  waitIdle(): Promise<void> {
    if (!this.running && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Waits for the running worker to exit, up to `ms`, then kills it (app shutdown). */
  async shutdown(ms = 3000): Promise<void> {
    this.queue = [];
    const r = this.running;
    if (!r) return;
    r.worker.send({ type: 'cancel', jobId: r.jobId });
    const timeout = new Promise<'timeout'>((res) => setTimeout(() => res('timeout'), ms).unref());
    if ((await Promise.race([r.exited.then(() => 'exited' as const), timeout])) === 'timeout') {
      r.worker.kill();
      await r.exited;
    }
  }

  private pump(): void {
    if (this.running) return;
    const jobId = this.queue.shift();
    if (jobId === undefined) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      waiters.forEach((w) => w());
      return;
    }
    const row = this.db.prepare('SELECT * FROM runs WHERE id = ?').get(jobId) as RunRow;
    let worker: WorkerHandle;
    try {
      worker = this.launch();
    } catch (e) {
      this.finish(jobId, 'failed', `could not start the worker process: ${(e as Error).message}`, null);
      this.pump();
      return;
    }
    let onExit!: () => void;
    const exited = new Promise<void>((res) => (onExit = res));
    const r: Running = {
      jobId,
      kind: row.kind,
      worker,
      settled: false,
      cancelRequested: false,
      exited,
      lastProgressWrite: 0,
      rateWindow: null,
    };
    this.running = r;
    this.db.prepare(`UPDATE runs SET status = 'running', started_at = ? WHERE id = ?`).run(new Date().toISOString(), jobId);
    this.emitState(jobId);
    worker.onMessage((m) => this.onMessage(r, m));
    worker.onExit((code, signal) => {
      if (!r.settled) {
        const why = signal ? `signal ${signal}` : `exit code ${code}`;
        const tail = worker.stderrTail().trim().split('\n').slice(-5).join('\n');
        if (r.cancelRequested) this.finish(jobId, 'cancelled', null, null);
        else this.finish(jobId, 'failed', `worker process crashed (${why})${tail ? `: ${tail}` : ''}`, null);
        r.settled = true;
      }
      onExit();
      this.running = null;
      this.pump();
    });
    worker.send({ type: 'start', jobId, kind: row.kind, params: JSON.parse(row.params), projectDir: this.projectDir });
  }

  private onMessage(r: Running, m: FromWorker): void {
    if (m.type === 'ready' || r.settled) return;
    const jobId = r.jobId;
    switch (m.type) {
      case 'progress': {
        const now = Date.now();
        const frac = m.total > 0 ? Math.min(1, m.done / m.total) : 0;
        let rate: number | null = null;
        if (r.rateWindow && now > r.rateWindow.t && m.done >= r.rateWindow.done) {
          rate = ((m.done - r.rateWindow.done) * 1000) / (now - r.rateWindow.t);
        }
        if (!r.rateWindow || now - r.rateWindow.t > 2000 || m.done < r.rateWindow.done) r.rateWindow = { t: now, done: m.done };
        const eta = rate && rate > 0 ? (m.total - m.done) / rate : null;
        // The database row is updated at most twice a second; events go out every time.
        if (now - r.lastProgressWrite > 500 || frac === 1) {
          this.db.prepare('UPDATE runs SET progress = ?, stage = ? WHERE id = ?').run(frac, m.stage, jobId);
          r.lastProgressWrite = now;
        }
        this.emit('job.progress', {
          jobId,
          kind: r.kind,
          done: m.done,
          total: m.total,
          stage: m.stage,
          rate,
          etaSeconds: eta,
          metrics: m.metrics ?? null,
        });
        break;
      }
      case 'log':
        this.log(jobId, m.level, m.line);
        break;
      case 'meta':
        if (m.backend) this.db.prepare('UPDATE runs SET backend = ? WHERE id = ?').run(m.backend, jobId);
        if (m.modelId) this.db.prepare('UPDATE runs SET model_id = ? WHERE id = ?').run(m.modelId, jobId);
        this.emitState(jobId);
        break;
      case 'done':
        r.settled = true;
        this.finish(jobId, 'done', null, m.result);
        break;
      case 'cancelled':
        r.settled = true;
        this.finish(jobId, 'cancelled', null, m.result ?? null);
        break;
      case 'error':
        r.settled = true;
        this.finish(jobId, 'failed', m.message, null);
        break;
    }
  }

  private log(jobId: number, level: 'info' | 'warn' | 'error', line: string): void {
    this.emit('job.log', { jobId, level, line });
  }

  private finish(jobId: number, status: JobSummary['status'], error: string | null, result: unknown): void {
    this.db
      .prepare('UPDATE runs SET status = ?, error = ?, result = ?, finished_at = ?, progress = CASE WHEN ? = \'done\' THEN 1 ELSE progress END WHERE id = ?')
      .run(status, error, result === null || result === undefined ? null : JSON.stringify(result), new Date().toISOString(), status, jobId);
    this.emitState(jobId);
  }

  private emitState(jobId: number): void {
    const job = this.get(jobId);
    if (job) this.emit('job.state', { job });
  }
}
