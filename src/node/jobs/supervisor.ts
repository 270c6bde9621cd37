// The job supervisor: long work runs in a separate process, one process per job, one job at a time
// (training saturates the CPU). Jobs are rows of the `runs` table, so finished, failed and cancelled
// jobs survive a restart. Each supervisor owns the jobs it starts: their rows carry its owner token,
// pid and host and a lease it renews every `heartbeatMs` (src/node/jobs/leases.ts). Several
// processes may have the project open (the app, `serve`, a CLI verb): a job is 'interrupted' only
// when its owner is gone, which every reader decides from the row, and the periodic sweep writes
// down (with the models the run was training) without ever touching a live owner's rows.
// Cancel is a message the worker checks between work units; if the worker has not exited
// `cancelGraceMs` later it is killed. Cancelling another process's job sets `cancel_requested`, which
// its owner's heartbeat honours. A worker that exits without reporting is a crash, reported with
// its exit code, signal and last stderr lines; the models of a run that ends other than 'done' are
// no longer 'training'.
import type { Db } from '../store/database';
import { isBusyError, rethrowBusy, withBusyTimeout } from '../store/busy';
import { resumeModelStatus, stopRunModels } from '../store/models';
import type { EventName, EventPayload, JobSummary } from '../../shared/contract';
import { describeParamIssues, isAnyJobKind, jobParamsIssues, type AnyJobKind, type JobParamsInput } from '../../shared/jobs-contract';
import { AppError } from '../../shared/result';
import { HEARTBEAT_MS, LEASE_MS, newOwner, ownerState, releaseOwner, sweepDeadJobs, type LeaseRow, type Owner } from './leases';
import type { FromWorker, WorkerHandle, WorkerLauncher } from './protocol';

export type Emit = <E extends EventName>(event: E, payload: EventPayload<E>) => void;

interface RunRow extends LeaseRow {
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
  /** Another process took the job over (it judged this owner gone): its row is no longer ours to write. */
  lost: boolean;
  exited: Promise<void>;
  lastProgressWrite: number;
  rateWindow: { t: number; done: number } | null;
}

export interface SupervisorOptions {
  cancelGraceMs?: number;
  /** How often the leases of this supervisor's jobs are renewed (and gone owners' jobs swept). */
  heartbeatMs?: number;
  /** How long a lease lasts past its last renewal. */
  leaseMs?: number;
}

/** Best-effort writes (heartbeat, progress, sweep) wait this long for a lock, then try again later. */
const QUICK_BUSY_MS = 100;

export class JobSupervisor {
  /** This supervisor as the owner of its jobs. */
  readonly owner: Owner;
  private running: Running | null = null;
  private queue: number[] = [];
  private readonly cancelGraceMs: number;
  private readonly heartbeatMs: number;
  private readonly leaseMs: number;
  private idleWaiters: (() => void)[] = [];
  /** Writes that found the database busy, replayed in order on the next heartbeats. */
  private pending: (() => void)[] = [];
  private timer: NodeJS.Timeout | null = null;
  private idleRetry: NodeJS.Timeout | null = null;
  /** Other owners' active jobs as last seen (status and progress), to tell this process's listeners. */
  private foreign = new Map<number, string>();

  constructor(
    private readonly db: Db,
    private readonly projectDir: string,
    private readonly launch: WorkerLauncher,
    private readonly emit: Emit,
    opts: SupervisorOptions = {},
  ) {
    this.cancelGraceMs = opts.cancelGraceMs ?? 5000;
    this.heartbeatMs = opts.heartbeatMs ?? HEARTBEAT_MS;
    this.leaseMs = opts.leaseMs ?? LEASE_MS;
    this.owner = newOwner();
    // Jobs whose owner is gone are interrupted, not silently lost; those of a live owner (the CLI
    // training while `serve` opens the project) are left alone. The write is small and only happens
    // when there is something to mark; if another process holds the database it waits for the next
    // heartbeat (list/get already show such jobs as interrupted).
    this.sweep();
    this.timer = setInterval(() => this.heartbeat(), this.heartbeatMs);
    this.timer.unref();
  }

  get(jobId: number): JobSummary | null {
    const row = this.db.prepare('SELECT * FROM runs WHERE id = ?').get(jobId) as RunRow | undefined;
    return row ? this.view(row) : null;
  }

  list(): JobSummary[] {
    return (this.db.prepare('SELECT * FROM runs ORDER BY id DESC LIMIT 500').all() as RunRow[]).map((r) => this.view(r));
  }

  /**
   * Queues job `kind`. Its params are validated by the kind's schema (src/shared/jobs-contract.ts)
   * first: an unknown kind or invalid params are refused ('invalid-input', naming each field) and
   * no job row or worker is made. The params are stored as given; the worker parses them again.
   */
  start<K extends AnyJobKind>(kind: K, params: JobParamsInput<K>): number {
    // Callers typed by the map cannot get here with another kind; untyped callers (tests, scripts) can.
    if (!isAnyJobKind(kind)) throw new AppError('invalid-input', `Unknown job kind "${String(kind)}"`);
    const issues = jobParamsIssues(kind, params);
    if (issues.length) throw new AppError('invalid-input', `Invalid params for ${kind}: ${describeParamIssues(issues)}`, issues);
    const now = Date.now();
    const o = this.owner;
    let jobId: number;
    try {
      const info = this.db
        .prepare(
          `INSERT INTO runs(kind, params, status, created_at, owner_token, owner_pid, owner_host, owner_start, lease_until)
           VALUES (?, ?, 'queued', ?, ?, ?, ?, ?, ?)`,
        )
        .run(kind, JSON.stringify(params), new Date(now).toISOString(), o.token, o.pid, o.host, o.start, now + this.leaseMs);
      jobId = Number(info.lastInsertRowid);
    } catch (e) {
      rethrowBusy(e, `could not start ${kind}: the project database is busy`);
    }
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
      this.pump();
      return true;
    }
    const r = this.running;
    if (r && r.jobId === jobId) {
      if (r.settled) return false;
      this.stopWorker(r);
      return true;
    }
    // Another process's job: ask its owner (its heartbeat honours the request).
    const row = this.db.prepare('SELECT * FROM runs WHERE id = ?').get(jobId) as RunRow | undefined;
    if (!row || (row.status !== 'queued' && row.status !== 'running') || row.owner_token === this.owner.token) return false;
    if (!ownerState(row).alive) return false;
    try {
      this.db.prepare(`UPDATE runs SET cancel_requested = 1 WHERE id = ? AND status IN ('queued', 'running')`).run(jobId);
    } catch (e) {
      rethrowBusy(e, `could not cancel job #${jobId}: the project database is busy`);
    }
    // (No job.log line here: the owner keeps the run's log; it notes the request when it honours it.)
    return true;
  }

  /** Resolves when no job of this supervisor is running or queued (and its last writes have landed). */
  waitIdle(): Promise<void> {
    if (!this.running && this.queue.length === 0 && this.pending.length === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.idleWaiters.push(resolve);
      if (!this.running && this.queue.length === 0) this.notifyIdle();
    });
  }

  /** Waits for the running worker to exit, up to `ms`, then kills it (app shutdown); then stops the heartbeat. */
  async shutdown(ms = 3000): Promise<void> {
    const queued = this.queue;
    this.queue = [];
    for (const id of queued) this.finish(id, 'interrupted', 'the application closed before this job started', null);
    const r = this.running;
    if (r) {
      r.worker.send({ type: 'cancel', jobId: r.jobId });
      const timeout = new Promise<'timeout'>((res) => setTimeout(() => res('timeout'), ms).unref());
      if ((await Promise.race([r.exited.then(() => 'exited' as const), timeout])) === 'timeout') {
        r.worker.kill();
        await r.exited;
      }
    }
    this.flushPending(true);
    this.dispose();
  }

  /** Stops the heartbeat; this supervisor's jobs count as gone from now on. */
  dispose(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.idleRetry) clearTimeout(this.idleRetry);
    this.timer = null;
    this.idleRetry = null;
    releaseOwner(this.owner.token);
  }

  /** A row as this process shows it: an active job of a gone owner reads as interrupted. */
  private view(row: RunRow): JobSummary {
    if ((row.status === 'running' || row.status === 'queued') && row.owner_token !== this.owner.token) {
      const s = ownerState(row);
      if (!s.alive) return toSummary({ ...row, status: 'interrupted', error: row.error ?? s.why, finished_at: row.finished_at });
    }
    return toSummary(row);
  }

  private pump(): void {
    if (this.running) return;
    const jobId = this.queue.shift();
    if (jobId === undefined) {
      this.notifyIdle();
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
      lost: false,
      exited,
      lastProgressWrite: 0,
      rateWindow: null,
    };
    this.running = r;
    const now = Date.now();
    this.persist(() =>
      this.db
        .prepare(`UPDATE runs SET status = 'running', started_at = ?, worker_pid = ?, lease_until = ? WHERE id = ?`)
        .run(new Date(now).toISOString(), worker.pid ?? null, now + this.leaseMs, jobId),
    );
    this.emitState(jobId);
    worker.onMessage((m) => this.onMessage(r, m));
    worker.onExit((code, signal) => {
      if (!r.settled) {
        const why = signal ? `signal ${signal}` : `exit code ${code}`;
        const tail = worker.stderrTail().trim().split('\n').slice(-5).join('\n');
        r.settled = true;
        if (r.lost) this.log(jobId, 'warn', `worker stopped (${why}) after another process took this job over`);
        else if (r.cancelRequested) this.finish(jobId, 'cancelled', null, null);
        else this.finish(jobId, 'failed', `worker process crashed (${why})${tail ? `: ${tail}` : ''}`, null);
      }
      onExit();
      this.running = null;
      this.pump();
    });
    worker.send({ type: 'start', jobId, kind: row.kind, params: JSON.parse(row.params), projectDir: this.projectDir });
  }

  private stopWorker(r: Running): void {
    r.cancelRequested = true;
    r.worker.send({ type: 'cancel', jobId: r.jobId });
    const timer = setTimeout(() => {
      if (!r.settled) {
        this.log(r.jobId, 'warn', `worker did not stop within ${this.cancelGraceMs} ms of cancel; killed`);
        r.worker.kill();
      }
    }, this.cancelGraceMs);
    void r.exited.then(() => clearTimeout(timer));
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
        // The database row is updated at most twice a second (best effort: a busy database skips
        // a write); events go out every time.
        if ((now - r.lastProgressWrite > 500 || frac === 1) && !r.lost) {
          this.quietly(() => this.db.prepare('UPDATE runs SET progress = ?, stage = ? WHERE id = ?').run(frac, m.stage, jobId));
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
        if (r.lost) break;
        if (m.backend) this.persist(() => this.db.prepare('UPDATE runs SET backend = ? WHERE id = ?').run(m.backend, jobId));
        if (m.modelId) {
          const modelId = m.modelId;
          this.persist(() =>
            this.db.transaction(() => {
              this.db.prepare('UPDATE runs SET model_id = ? WHERE id = ?').run(modelId, jobId);
              // A resumed run trains its model again: no longer 'failed'.
              if (r.kind.startsWith('train.')) resumeModelStatus(this.db, modelId);
            })(),
          );
        }
        this.emitState(jobId);
        break;
      case 'done':
        r.settled = true;
        if (!r.lost) this.finish(jobId, 'done', null, m.result);
        break;
      case 'cancelled':
        r.settled = true;
        if (!r.lost) this.finish(jobId, 'cancelled', null, m.result ?? null);
        break;
      case 'error':
        r.settled = true;
        if (!r.lost) this.finish(jobId, 'failed', m.message, null);
        break;
    }
  }

  private log(jobId: number, level: 'info' | 'warn' | 'error', line: string): void {
    this.emit('job.log', { jobId, level, line });
  }

  /** The job's final state; a run that ends other than 'done' leaves none of its models 'training'. */
  private finish(jobId: number, status: JobSummary['status'], error: string | null, result: unknown): void {
    const at = new Date().toISOString();
    const resultJson = result === null || result === undefined ? null : JSON.stringify(result);
    this.persist(() =>
      this.db.transaction(() => {
        this.db
          .prepare(
            `UPDATE runs SET status = ?, error = ?, result = ?, finished_at = ?, lease_until = NULL,
               progress = CASE WHEN ? = 'done' THEN 1 ELSE progress END WHERE id = ?`,
          )
          .run(status, error, resultJson, at, status, jobId);
        if (status !== 'done') stopRunModels(this.db, jobId);
      })(),
    );
    this.emitState(jobId);
  }

  /**
   * A write that must land: done now, or, when another process holds the database past the busy
   * timeout, replayed in order on the next heartbeats (waitIdle waits for it). Writes after the
   * project was closed are dropped.
   */
  private persist(write: () => void): void {
    if (this.pending.length === 0) {
      try {
        if (this.db.open) write();
        return;
      } catch (e) {
        if (!isBusyError(e) || !this.db.open) throw e;
      }
    }
    this.pending.push(write);
  }

  /** Replays pending writes; false while the database is still busy. */
  private flushPending(wait = false): boolean {
    while (this.pending.length) {
      if (!this.db.open) {
        this.pending = [];
        return true;
      }
      try {
        if (wait) this.pending[0]();
        else withBusyTimeout(this.db, QUICK_BUSY_MS, this.pending[0]);
        this.pending.shift();
      } catch (e) {
        if (isBusyError(e) && !wait) return false;
        this.pending.shift();
        if (!isBusyError(e)) throw e;
      }
    }
    return true;
  }

  /** Resolves the idle waiters once nothing runs, nothing is queued and every write has landed. */
  private notifyIdle(): void {
    if (this.running || this.queue.length) return;
    if (!this.flushPending()) {
      if (!this.idleRetry) {
        this.idleRetry = setTimeout(() => {
          this.idleRetry = null;
          this.notifyIdle();
        }, Math.min(250, this.heartbeatMs));
      }
      return;
    }
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    waiters.forEach((w) => w());
  }

  /** A best-effort write: skipped when the database is busy (or closed). */
  private quietly(write: () => void): boolean {
    if (!this.db.open) return false;
    try {
      withBusyTimeout(this.db, QUICK_BUSY_MS, write);
      return true;
    } catch (e) {
      if (isBusyError(e)) return false;
      throw e;
    }
  }

  /** Renews this supervisor's leases, honours cancel requests, notices a lost job, sweeps gone owners' jobs. */
  private heartbeat(): void {
    if (!this.db.open) {
      this.dispose();
      return;
    }
    try {
      this.flushPending();
      const mine = this.active();
      this.quietly(() =>
        this.db
          .prepare(`UPDATE runs SET lease_until = ? WHERE owner_token = ? AND status IN ('queued', 'running')`)
          .run(Date.now() + this.leaseMs, this.owner.token),
      );
      const rows = this.db
        .prepare(`SELECT id, status, owner_token, cancel_requested FROM runs WHERE id IN (SELECT value FROM json_each(?))`)
        .all(JSON.stringify(mine)) as { id: number; status: string; owner_token: string | null; cancel_requested: number }[];
      for (const row of rows) {
        const r = this.running;
        const active = row.status === 'queued' || row.status === 'running';
        if (r && r.jobId === row.id && !r.settled && !r.lost && (!active || row.owner_token !== this.owner.token)) {
          // Another process judged this owner gone and took the job over: stop, so the model is not trained twice.
          r.lost = true;
          this.log(row.id, 'warn', `another process marked this job ${row.status}; stopping the worker (the last checkpoint is kept)`);
          this.stopWorker(r);
        } else if (row.cancel_requested && active && !(r && r.jobId === row.id && r.cancelRequested)) {
          this.log(row.id, 'info', 'cancel requested from another process');
          this.cancel(row.id);
        }
      }
      this.sweep();
      this.watchForeign();
    } catch (e) {
      // A heartbeat never throws out of its timer; a closed project stops it.
      if (!this.db.open) this.dispose();
      else if (!isBusyError(e) && this.running) this.log(this.running.jobId, 'warn', `job heartbeat: ${(e as Error).message}`);
    }
  }

  /** Ids of this supervisor's queued and running jobs. */
  private active(): number[] {
    return [...(this.running && !this.running.settled ? [this.running.jobId] : []), ...this.queue];
  }

  /** Writes down the jobs of gone owners as interrupted (and their models); retried on the next heartbeat when busy. */
  private sweep(): void {
    let marked: number[] = [];
    try {
      marked = withBusyTimeout(this.db, QUICK_BUSY_MS, () => sweepDeadJobs(this.db));
    } catch (e) {
      if (!isBusyError(e)) throw e;
    }
    for (const id of marked) {
      this.foreign.delete(id);
      this.emitState(id);
    }
  }

  /** Tells this process's listeners about other processes' jobs as they progress and end. */
  private watchForeign(): void {
    const rows = this.db
      .prepare(
        `SELECT id, status, progress FROM runs WHERE (status IN ('queued', 'running') AND owner_token IS NOT ?) OR id IN (SELECT value FROM json_each(?))`,
      )
      .all(this.owner.token, JSON.stringify([...this.foreign.keys()])) as { id: number; status: string; progress: number }[];
    for (const row of rows) {
      const seen = `${row.status}:${row.progress}`;
      if (this.foreign.get(row.id) === seen) continue;
      if (row.status === 'queued' || row.status === 'running') this.foreign.set(row.id, seen);
      else this.foreign.delete(row.id);
      this.emitState(row.id);
    }
  }

  private emitState(jobId: number): void {
    if (!this.db.open) return; // the project was closed under a finishing worker
    const job = this.get(jobId);
    if (job) this.emit('job.state', { job });
  }
}
