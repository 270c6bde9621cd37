import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Backend } from '../../src/node/app/backend';
import type { EventMessage } from '../../src/shared/contract';
import { jobResultOf } from '../../src/shared/jobs-contract';
import { AppError } from '../../src/shared/result';
import { tempDir } from './helpers';

const tmp = tempDir('aw-sup-');
afterAll(() => tmp.cleanup());
process.env.AW_HOME = path.join(tmp.dir, 'home');

function setup(name: string, cancelGraceMs = 1500) {
  const backend = new Backend({ transport: 'inprocess', cancelGraceMs });
  backend.openProject(path.join(tmp.dir, name), true);
  const events: EventMessage[] = [];
  backend.subscribe((m) => events.push(m));
  return { backend, events };
}

function until(pred: () => boolean, ms = 20_000): Promise<void> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const tick = () => (pred() ? resolve() : Date.now() - t0 > ms ? reject(new Error('timeout')) : setTimeout(tick, 10));
    tick();
  });
}

describe('worker process supervisor (real child processes)', () => {
  it('runs a job in a separate process, streams progress, records the result', async () => {
    const { backend, events } = setup('ok');
    const jobId = backend.jobs.start('test.sleep', { steps: 5, ms: 10 });
    await backend.jobs.waitIdle();
    const job = backend.jobs.get(jobId)!;
    expect(job.status).toBe('done');
    expect(job.result).toEqual({ steps: 5 });
    // The result read back as its kind's type (validated by the kind's result schema), and only as that kind's.
    expect(jobResultOf('test.sleep', job)?.steps).toBe(5);
    expect(jobResultOf('probe', job)).toBeNull();
    expect(job.progress).toBe(1);
    const progress = events.filter((e) => e.event === 'job.progress').map((e) => (e.payload as { done: number }).done);
    expect(progress).toEqual([1, 2, 3, 4, 5]);
    const states = events.filter((e) => e.event === 'job.state').map((e) => (e.payload as { job: { status: string } }).job.status);
    expect(states).toEqual(['queued', 'running', 'done']);
    await backend.close();
  });

  it('runs the TensorFlow.js backend probe as a real job: wasm selected, conv forward and backward, no leaks', async () => {
    const { backend } = setup('probe');
    const jobId = backend.jobs.start('probe', {});
    await backend.jobs.waitIdle();
    const job = backend.jobs.get(jobId)!;
    expect(job.status, job.error ?? '').toBe('done');
    expect(job.backend).toBe('wasm');
    const r = job.result as { ok: boolean; numTensorsLeaked: number; backend: { name: string; tried: { name: string; error?: string }[] } };
    expect(r.ok).toBe(true);
    expect(r.numTensorsLeaked).toBe(0);
    // tfjs-node-gpu and tfjs-node were tried first and said why they could not run here.
    expect(r.backend.tried.map((t) => t.name)).toEqual(['tfjs-node-gpu', 'tfjs-node', 'wasm']);
    expect(r.backend.tried[0].error).toBeTruthy();
    await backend.close();
  });

  it('cancels a running job through a message checked between work units', async () => {
    const { backend, events } = setup('cancel');
    const jobId = backend.jobs.start('test.sleep', { steps: 1000, ms: 10 });
    await until(() => events.some((e) => e.event === 'job.progress'));
    expect(backend.jobs.cancel(jobId)).toBe(true);
    await backend.jobs.waitIdle();
    const job = backend.jobs.get(jobId)!;
    expect(job.status).toBe('cancelled');
    expect(job.progress).toBeLessThan(1);
    await backend.close();
  });

  it('cancels a queued job without starting it', async () => {
    const { backend } = setup('queue');
    const first = backend.jobs.start('test.sleep', { steps: 20, ms: 10 });
    const second = backend.jobs.start('test.sleep', { steps: 5, ms: 10 });
    expect(backend.jobs.get(second)!.status).toBe('queued');
    backend.jobs.cancel(second);
    await backend.jobs.waitIdle();
    expect(backend.jobs.get(first)!.status).toBe('done');
    expect(backend.jobs.get(second)!.status).toBe('cancelled');
    expect(backend.jobs.get(second)!.startedAt).toBeNull();
    await backend.close();
  });

  it('reports a crashed worker with its exit code and last stderr lines', async () => {
    const { backend } = setup('crash');
    const jobId = backend.jobs.start('test.crash', {});
    await backend.jobs.waitIdle();
    const job = backend.jobs.get(jobId)!;
    expect(job.status).toBe('failed');
    expect(job.error).toMatch(/worker process crashed \(exit code 3\)/);
    expect(job.error).toMatch(/simulated fatal error/);
    await backend.close();
  });

  it('kills a worker that ignores cancel after the grace period', async () => {
    const { backend, events } = setup('stubborn', 300);
    const jobId = backend.jobs.start('test.ignore-cancel', {});
    await until(() => backend.jobs.get(jobId)!.status === 'running');
    await new Promise((r) => setTimeout(r, 300)); // let the worker load the job
    const t0 = Date.now();
    backend.jobs.cancel(jobId);
    await backend.jobs.waitIdle();
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(backend.jobs.get(jobId)!.status).toBe('cancelled');
    expect(events.some((e) => e.event === 'job.log' && /killed/.test((e.payload as { line: string }).line))).toBe(true);
    await backend.close();
  });

  it('refuses an unknown kind or invalid params before any worker starts, naming the field', async () => {
    const { backend, events } = setup('refused');
    const refusal = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return e instanceof AppError ? { code: e.code, message: e.message } : { code: 'not an AppError', message: String(e) };
      }
      return null;
    };
    // @ts-expect-error not a kind of the jobs map
    expect(refusal(() => backend.jobs.start('no-such-job', {}))).toEqual({ code: 'invalid-input', message: 'Unknown job kind "no-such-job"' });
    // @ts-expect-error soft labels need the model
    expect(refusal(() => backend.jobs.start('soft-labels', {}))).toMatchObject({ code: 'invalid-input', message: expect.stringMatching(/^Invalid params for soft-labels: model: /) });
    expect(refusal(() => backend.jobs.start('train.teacher', { epochs: 0, backbone: 'small' }))).toMatchObject({ message: expect.stringMatching(/epochs: .*1/) });
    expect(refusal(() => backend.jobs.start('test.sleep', { steps: -1 }))).toMatchObject({ message: expect.stringContaining('steps') });
    expect(refusal(() => backend.jobs.start('faces', { mediaIds: [] }))).toMatchObject({ message: expect.stringContaining('mediaIds') });
    // Nothing was queued, recorded or announced.
    expect(backend.jobs.list()).toEqual([]);
    expect(events).toEqual([]);
    await backend.close();
  });

  it('marks jobs interrupted by a restart', async () => {
    const { backend } = setup('restart');
    const p = backend.currentProject!;
    // Simulate a job that was running when the app died.
    p.db.prepare(`INSERT INTO runs(kind, status, created_at) VALUES ('test.sleep', 'running', ?)`).run(new Date().toISOString());
    const dir = p.dir;
    await backend.close();
    const again = new Backend({ transport: 'inprocess' });
    again.openProject(dir, false);
    const jobs = again.jobs.list();
    expect(jobs[0].status).toBe('interrupted');
    expect(jobs[0].error).toMatch(/stopped while this job was running/);
    await again.close();
  });

  it('leaves a job of another live backend on the same project alone (two windows), and interrupts it once that backend is gone', async () => {
    const { backend: first } = setup('two-windows');
    const jobId = first.jobs.start('test.sleep', { steps: 1000, ms: 10 });
    await until(() => first.jobs.get(jobId)!.status === 'running');
    const second = new Backend({ transport: 'inprocess' });
    second.openProject(first.currentProject!.dir, false);
    expect(second.jobs.get(jobId)!.status).toBe('running');
    expect(first.currentProject!.db.prepare('SELECT status FROM runs WHERE id = ?').pluck().get(jobId)).toBe('running');
    // The first window closes the project without waiting for its worker (its last write is lost).
    first.currentProject!.db.close();
    await first.close();
    expect(second.jobs.get(jobId)!.status).toBe('interrupted');
    expect(second.jobs.get(jobId)!.error).toMatch(/the project was closed in process \d+ while this job was running/);
    await second.close();
  });
});
