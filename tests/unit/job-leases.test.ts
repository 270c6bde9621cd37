// Jobs owned by a live process (migration 5, src/node/jobs/leases.ts), with real processes and a
// real SQLite file: another process opening the project leaves a live owner's job alone and refuses
// to resume it; a SIGKILLed owner's job reads as interrupted and its model stops 'training'; a
// SIGKILLed worker fails its run and its model; a cancel crosses processes; a second connection's
// write transaction does not break a supervisor's start, and reaches a CLI user as one line.
import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { Backend } from '../../src/node/app/backend';
import { createModel, getModel } from '../../src/node/store/models';
import { nodeLauncher } from '../../src/node/jobs/node-launcher';
import type { FromWorker, WorkerLauncher } from '../../src/node/jobs/protocol';
import { inProcessClient } from '../../src/node/app/inprocess';
import { Project } from '../../src/node/store/project';
import { runJob } from '../../src/cli/run-job';
import { unwrap } from '../../src/shared/result';
import { tempDir } from './helpers';
import { fakeLauncher } from './training-helpers';
import { pidAlive } from '../../src/base/processes';

const tmp = tempDir('aw-leases-');
afterAll(() => tmp.cleanup());
process.env.AW_HOME = path.join(tmp.dir, 'home');

const OWNER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'job-leases-owner.ts');

function until(pred: () => boolean, ms = 20_000, what = 'condition'): Promise<void> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const tick = () => (pred() ? resolve() : Date.now() - t0 > ms ? reject(new Error(`timeout waiting for ${what}`)) : setTimeout(tick, 20));
    tick();
  });
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));


function newProject(name: string): string {
  const dir = path.join(tmp.dir, name);
  Project.create(dir).close();
  return dir;
}

/** Starts the owner process on `dir`; resolves once its training job runs, with its ids. */
function startOwner(dir: string): Promise<{ child: ChildProcess; jobId: number; modelId: number; workerPid: number; lines: string[] }> {
  const child = spawn(process.execPath, ['--import', 'tsx', OWNER, dir, '200', '1000'], { stdio: ['ignore', 'pipe', 'pipe'], cwd: path.resolve(OWNER, '../../..') });
  const lines: string[] = [];
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => {
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        lines.push(line);
        if (line.startsWith('{')) resolve({ child, lines, ...(JSON.parse(line) as { jobId: number; modelId: number; workerPid: number }) });
      }
    });
    child.on('exit', (code, signal) => reject(new Error(`owner exited (${code ?? signal}) before its job ran: ${err}`)));
  });
}

function killed(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

/** A backend of a second process's kind (serve, the app) on an existing project; workers are fakes. */
function openSecond(dir: string) {
  const fake = fakeLauncher();
  const backend = new Backend({ transport: 'inprocess', launcher: fake.launcher });
  const project = backend.openProject(dir, false);
  const client = inProcessClient(backend);
  return { backend, db: project.db, client, workers: fake.workers };
}

const rowOf = (db: Database.Database, id: number) => db.prepare('SELECT status, error, lease_until FROM runs WHERE id = ?').get(id) as { status: string; error: string | null; lease_until: number | null };

describe('a job owned by another live process', () => {
  it('stays running for a second process that opens the project, refuses resume there, and is interrupted (with its model) once its owner is SIGKILLed', async () => {
    const dir = newProject('live-owner');
    const owner = await startOwner(dir);
    const second = openSecond(dir);
    try {
      // The owner reports its model through the meta path: the run trains it.
      await until(() => getModel(second.db, owner.modelId)?.status === 'training' && (second.db.prepare('SELECT model_id FROM runs WHERE id = ?').pluck().get(owner.jobId) as number | null) === owner.modelId, 10_000, 'the run to name its model');
      // Opening the project wrote nothing over the live owner's job, and shows it running.
      expect(rowOf(second.db, owner.jobId).status).toBe('running');
      expect(second.backend.jobs.get(owner.jobId)!.status).toBe('running');
      // Past several of its lease lengths (1 s), the owner keeps renewing: still running.
      const lease0 = rowOf(second.db, owner.jobId).lease_until!;
      await sleep(2500);
      expect(rowOf(second.db, owner.jobId).lease_until!).toBeGreaterThan(lease0 + 1000);
      expect(second.backend.jobs.list().find((j) => j.id === owner.jobId)!.status).toBe('running');
      expect(getModel(second.db, owner.modelId)!.status).toBe('training');
      // Resuming it here is refused, naming the process that runs it; nothing was started.
      const r = await second.client.call('runs.resume', { jobId: owner.jobId });
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.error.code).toBe('conflict');
        expect(r.error.message).toContain(`process ${owner.child.pid}`);
      }
      expect(second.workers).toHaveLength(0);

      // SIGKILL of the owner (the CLI killed): its worker stops by itself (no orphan keeps training),
      // the job reads as interrupted, and the second process's sweep writes that down with the model.
      await killed(owner.child);
      await until(() => second.backend.jobs.get(owner.jobId)!.status === 'interrupted', 5000, 'the job to read as interrupted');
      expect(second.backend.jobs.get(owner.jobId)!.error).toMatch(new RegExp(`process ${owner.child.pid} stopped while this job was running`));
      await until(() => rowOf(second.db, owner.jobId).status === 'interrupted', 10_000, 'the sweep to mark the row');
      expect(getModel(second.db, owner.modelId)!.status).toBe('failed');
      await until(() => !pidAlive(owner.workerPid), 10_000, 'the orphaned worker to exit');

      // Now it resumes, by its job id, in this process: the model is the run's, the job is named.
      const { jobId } = unwrap(await second.client.call('runs.resume', { jobId: owner.jobId }));
      await sleep(10);
      expect(second.workers[0].start).toMatchObject({ jobId, kind: 'train.teacher', params: { resume: owner.modelId, resumeOf: owner.jobId } });
      second.workers[0].say({ type: 'meta', jobId, modelId: owner.modelId });
      expect(getModel(second.db, owner.modelId)!.status).toBe('training');
    } finally {
      await killed(owner.child);
      await second.backend.close();
    }
  }, 60_000);

  it('cancels across processes: the owner honours the request at its next heartbeat', async () => {
    const dir = newProject('cross-cancel');
    const owner = await startOwner(dir);
    const second = openSecond(dir);
    try {
      expect(unwrap(await second.client.call('jobs.cancel', { jobId: owner.jobId }))).toEqual({ cancelled: true });
      await until(() => rowOf(second.db, owner.jobId).status === 'cancelled', 10_000, 'the owner to cancel');
      await until(() => getModel(second.db, owner.modelId)?.status === 'failed', 5000, 'the model to stop training');
      await until(() => owner.lines.includes('idle'), 10_000, 'the owner to go idle');
    } finally {
      await killed(owner.child);
      await second.backend.close();
    }
  }, 60_000);

  it('reads the lease of an owner on another host: running until it expires, then interrupted with its model', async () => {
    const dir = newProject('remote-owner');
    const b = openSecond(dir);
    try {
      const model = createModel(b.db, { kind: 'teacher', config: {} }).id;
      const job = Number(
        b.db
          .prepare(
            `INSERT INTO runs(kind, params, status, model_id, created_at, started_at, owner_token, owner_pid, owner_host, lease_until)
             VALUES ('train.teacher', '{}', 'running', ?, 'now', 'now', 'tok', 4242, 'elsewhere.example', ?)`,
          )
          .run(model, Date.now() + 2000).lastInsertRowid,
      );
      expect(b.backend.jobs.get(job)!.status).toBe('running');
      const r = await b.client.call('runs.resume', { jobId: job });
      expect(!r.ok && r.error.code === 'conflict' && r.error.message.includes('process 4242 on elsewhere.example')).toBe(true);
      await sleep(2100);
      expect(b.backend.jobs.get(job)!.status).toBe('interrupted');
      // The heartbeat's sweep (every 2 s) writes it down.
      await until(() => rowOf(b.db, job).status === 'interrupted', 5000, 'the sweep');
      expect(getModel(b.db, model)!.status).toBe('failed');
    } finally {
      await b.backend.close();
    }
  });

  it('takes a pid reused by another process for a gone owner (process start stamp)', async () => {
    if (process.platform !== 'linux') return;
    const dir = newProject('reused-pid');
    const b = openSecond(dir);
    try {
      // The parent of this test process is alive, but started at another time than the recorded owner.
      const job = Number(
        b.db
          .prepare(
            `INSERT INTO runs(kind, params, status, created_at, owner_token, owner_pid, owner_host, owner_start, lease_until)
             VALUES ('test.sleep', '{}', 'running', 'now', 'tok', ?, ?, '1', ?)`,
          )
          .run(process.ppid, os.hostname(), Date.now() + 60_000).lastInsertRowid,
      );
      expect(b.backend.jobs.get(job)!.status).toBe('interrupted');
    } finally {
      await b.backend.close();
    }
  });
});

/** A launcher whose real worker runs test.sleep in place of the job it is given, and reports `modelId` as the run's model. */
function standInLauncher(modelId: () => number): { launcher: WorkerLauncher; pids: number[] } {
  const real = nodeLauncher();
  const pids: number[] = [];
  const launcher: WorkerLauncher = () => {
    const h = real();
    pids.push(h.pid!);
    return {
      ...h,
      send: (m) => h.send(m.type === 'start' ? { ...m, kind: 'test.sleep', params: { steps: 100_000, ms: 20 } } : m),
      onMessage: (l) =>
        h.onMessage((m: FromWorker) => {
          l(m);
          if (m.type === 'progress' && m.done === 1) l({ type: 'meta', jobId: m.jobId, modelId: modelId() });
        }),
    };
  };
  return { launcher, pids };
}

describe('a worker SIGKILLed under a live supervisor', () => {
  it('fails the run with the signal, and leaves none of its models training', async () => {
    let model = 0;
    const { launcher, pids } = standInLauncher(() => model);
    const backend = new Backend({ transport: 'inprocess', launcher });
    const project = backend.openProject(path.join(tmp.dir, 'worker-kill'), true);
    const db = project.db;
    try {
      // A students run: the model it reports and the rest of its group stop together.
      const teacher = createModel(db, { kind: 'teacher', config: {} }).id;
      const group = [0, 1].map((k) => createModel(db, { kind: 'student', parentId: teacher, config: { group: 7, index: k } }).id);
      const other = createModel(db, { kind: 'student', parentId: teacher, config: { group: 8, index: 0 } }).id;
      model = group[0];
      const jobId = backend.jobs.start('train.students', { teacher, count: 2 });
      await until(() => (db.prepare('SELECT model_id FROM runs WHERE id = ?').pluck().get(jobId) as number | null) === group[0], 10_000, 'the run to name its model');
      process.kill(pids[0], 'SIGKILL');
      await backend.jobs.waitIdle();
      const job = backend.jobs.get(jobId)!;
      expect(job.status).toBe('failed');
      expect(job.error).toMatch(/worker process crashed \(signal SIGKILL\)/);
      expect(group.map((id) => getModel(db, id)!.status)).toEqual(['failed', 'failed']);
      expect(getModel(db, other)!.status).toBe('training');
      expect(getModel(db, teacher)!.status).toBe('training');
    } finally {
      await backend.close();
    }
  }, 30_000);
});

describe('a busy database', () => {
  it("opens a project and starts its supervisor while another connection holds a write transaction; the sweep lands after it", async () => {
    const dir = newProject('busy');
    const p = Project.open(dir);
    // A job that was running when its (pre-lease) process died: the supervisor has something to write.
    const stale = Number(p.db.prepare(`INSERT INTO runs(kind, status, created_at) VALUES ('test.sleep', 'running', 'now')`).run().lastInsertRowid);
    p.close();
    const locker = new Database(path.join(dir, 'project.sqlite'));
    locker.exec(`BEGIN IMMEDIATE; INSERT INTO meta(key, value) VALUES ('lock', 'held')`);
    const released = sleep(1000).then(() => locker.exec('COMMIT'));
    const t0 = Date.now();
    const backend = new Backend({ transport: 'inprocess' });
    try {
      backend.openProject(dir, false);
      expect(Date.now() - t0).toBeLessThan(1000);
      // Shown as interrupted at once; written down once the other writer is done.
      expect(backend.jobs.get(stale)!.status).toBe('interrupted');
      await released;
      const db = backend.currentProject!.db;
      await until(() => rowOf(db, stale).status === 'interrupted', 5000, 'the deferred sweep');
      expect(rowOf(db, stale).error).toMatch(/stopped while this job was running/);
    } finally {
      await released;
      locker.close();
      await backend.close();
    }
  });

  it('tells a CLI user in one line when the database stays locked past the busy timeout', async () => {
    const dir = newProject('busy-cli');
    const locker = new Database(path.join(dir, 'project.sqlite'));
    locker.exec(`BEGIN IMMEDIATE; INSERT INTO meta(key, value) VALUES ('lock', 'held')`);
    try {
      const err = await runJob(dir, 'probe', {}).then(
        () => null,
        (e: unknown) => e as { code?: string; message: string },
      );
      expect(err?.code).toBe('busy');
      expect(err?.message).toMatch(/database is busy \(another process is writing to it.*\); try again/);
      expect(err?.message).not.toContain('\n');
    } finally {
      locker.exec('ROLLBACK');
      locker.close();
    }
  }, 20_000);
});
