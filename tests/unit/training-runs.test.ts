// runs.epochs / runs.log / runs.resume over the contract. The worker is a fake that plays the
// messages a training job sends, so these check the backend's side exactly.
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Backend } from '../../src/node/app/backend';
import { createModel, setModelStatus } from '../../src/node/store/models';
import { MAX_LOG_LINES, RunLogWriter, epochRow } from '../../src/node/training/runs';
import { inProcessClient } from '../../src/node/app/inprocess';
import { unwrap } from '../../src/shared/result';
import { tempDir } from './helpers';
import { fakeBackend } from './training-helpers';

const tmp = tempDir('aw-train-runs-');
afterAll(() => tmp.cleanup());
process.env.AW_HOME = path.join(tmp.dir, 'home');

const tick = () => new Promise((r) => setImmediate(r));

describe('runs.epochs', () => {
  it('returns the trainer-recorded epochs as typed rows, in epoch order, with the run model', async () => {
    const t = fakeBackend(tmp.dir, 'epochs');
    const jobId = (await t.call('jobs.start', { kind: 'train.teacher', params: { epochs: 2 } })).jobId;
    await tick();
    t.workers[0].say({ type: 'meta', jobId, modelId: createModel(t.db, { kind: 'teacher', config: {} }).id });
    const put = t.db.prepare('INSERT INTO run_epochs(run_id, epoch, metrics, at) VALUES (?, ?, ?, ?)');
    const m = (epoch: number, loss: number, val: unknown) =>
      JSON.stringify({ epoch, lr: 1e-4, steps: 3, seconds: 1.5, samplesPerSecond: 64, windowsPerSecond: null, train: { loss, au: loss / 8, bad: 'x' }, val, modelId: 1 });
    put.run(jobId, 2, m(2, 4, null), 't2');
    put.run(jobId, 1, m(1, 8, { au: 0.25, expr: null, valence: 0.1, arousal: -0.2 }), 't1');
    const r = await t.call('runs.epochs', { jobId });
    expect(r.modelId).toBe(1);
    expect(r.epochs).toEqual([
      { epoch: 1, modelId: 1, at: 't1', lr: 1e-4, seconds: 1.5, samplesPerSecond: 64, windowsPerSecond: null, train: { loss: 8, au: 1 }, val: { au: 0.25, expr: null, valence: 0.1, arousal: -0.2 } },
      { epoch: 2, modelId: 1, at: 't2', lr: 1e-4, seconds: 1.5, samplesPerSecond: 64, windowsPerSecond: null, train: { loss: 4, au: 0.5 }, val: null },
    ]);
    expect((await t.fail('runs.epochs', { jobId: 99 })).code).toBe('not-found');
    await t.backend.close();
  });

  it('reads metrics it does not know as nulls instead of failing', () => {
    expect(epochRow(3, 'now', { lr: 'fast', val: 'none' })).toEqual({
      epoch: 3,
      modelId: null,
      at: 'now',
      lr: null,
      seconds: null,
      samplesPerSecond: null,
      windowsPerSecond: null,
      train: {},
      val: null,
    });
  });
});

describe('runs.log', () => {
  it('keeps every job.log line of a run in the project, readable after a restart, paged by seq', async () => {
    const t = fakeBackend(tmp.dir, 'logs');
    const jobId = (await t.call('jobs.start', { kind: 'train.teacher', params: {} })).jobId;
    await tick();
    t.workers[0].say({ type: 'log', jobId, level: 'info', line: 'compute backend: wasm' });
    t.workers[0].say({ type: 'log', jobId, level: 'warn', line: 'no validation split' });
    t.workers[0].say({ type: 'error', jobId, message: 'boom' });
    t.workers[0].exit(1);
    const dir = t.project.dir;
    await t.backend.close();

    // A new backend on the same project (an application restart) reads the same lines.
    const b2 = new Backend({ transport: 'inprocess' });
    b2.openProject(dir, false);
    const c = inProcessClient(b2);
    const all = unwrap(await c.call('runs.log', { jobId })).lines;
    expect(all.map((l) => [l.seq, l.level, l.line])).toEqual([
      [0, 'info', 'compute backend: wasm'],
      [1, 'warn', 'no validation split'],
    ]);
    expect(unwrap(await c.call('runs.log', { jobId, after: 0 })).lines.map((l) => l.line)).toEqual(['no validation split']);
    expect(unwrap(await c.call('jobs.list', {}))[0].error).toBe('boom');
    await b2.close();
  });

  it(`keeps the newest ${MAX_LOG_LINES} lines of a long run`, () => {
    const t = fakeBackend(tmp.dir, 'long-log');
    const jobId = Number(t.db.prepare(`INSERT INTO runs(kind, params, status, created_at) VALUES ('x', '{}', 'done', 'now')`).run().lastInsertRowid);
    const w = new RunLogWriter(t.db);
    const n = MAX_LOG_LINES + 7;
    t.db.transaction(() => {
      for (let i = 0; i < n; i++) w.append(jobId, 'info', `line ${i}`);
    })();
    const rows = t.db.prepare('SELECT seq, line FROM run_logs WHERE run_id = ? ORDER BY seq').all(jobId) as { seq: number; line: string }[];
    expect(rows.length).toBe(MAX_LOG_LINES);
    expect(rows[0]).toEqual({ seq: 7, line: 'line 7' });
    expect(rows.at(-1)).toEqual({ seq: n - 1, line: `line ${n - 1}` });
    // A second writer (after a restart) continues the numbering.
    new RunLogWriter(t.db).append(jobId, 'error', 'after restart');
    expect(t.db.prepare('SELECT MAX(seq) FROM run_logs WHERE run_id = ?').pluck().get(jobId)).toBe(n);
    return t.backend.close();
  });
});

describe('runs.resume', () => {
  it('resumes an interrupted teacher by job id: params.resume = its model, resumeOf = the job, the other params kept', async () => {
    const t = fakeBackend(tmp.dir, 'resume-teacher');
    const model = createModel(t.db, { kind: 'teacher', config: {} }).id;
    const params = { backbone: 'small', epochs: 2, inputSize: 32 };
    const old = Number(
      t.db
        .prepare(`INSERT INTO runs(kind, params, status, model_id, created_at) VALUES ('train.teacher', ?, 'interrupted', ?, 'now')`)
        .run(JSON.stringify(params), model).lastInsertRowid,
    );
    const { jobId } = await t.call('runs.resume', { jobId: old });
    expect(jobId).toBeGreaterThan(old);
    await tick();
    expect(t.workers[0].start).toMatchObject({ kind: 'train.teacher', params: { ...params, resume: model, resumeOf: old } });
    expect((await t.call('jobs.list', {})).find((j) => j.id === jobId)?.params).toEqual({ ...params, resume: model, resumeOf: old });
    // The model is being trained by the new job: resuming the old run again is refused, naming it.
    expect(await t.fail('runs.resume', { jobId: old })).toMatchObject({ code: 'conflict', message: expect.stringContaining(`job #${jobId}`) });

    // A finished model, a run that is not stopped, and a non-training job do not resume.
    t.workers[0].say({ type: 'done', jobId, result: {} });
    t.workers[0].exit(0);
    setModelStatus(t.db, model, 'ready');
    expect((await t.fail('runs.resume', { jobId: old })).message).toContain('finished training');
    expect((await t.fail('runs.resume', { jobId })).message).toContain('is done');
    const probe = Number(t.db.prepare(`INSERT INTO runs(kind, params, status, created_at) VALUES ('probe', '{}', 'failed', 'now')`).run().lastInsertRowid);
    expect((await t.fail('runs.resume', { jobId: probe })).code).toBe('invalid-input');
    await t.backend.close();
  });

  it('resumes a cancelled students run with params.resume = true; refuses one that never made a student', async () => {
    const t = fakeBackend(tmp.dir, 'resume-students');
    const ins = t.db.prepare(`INSERT INTO runs(kind, params, status, model_id, created_at) VALUES ('train.students', ?, 'cancelled', ?, 'now')`);
    const student = createModel(t.db, { kind: 'student', config: {} }).id;
    const old = Number(ins.run(JSON.stringify({ teacher: 1, count: 2 }), student).lastInsertRowid);
    const never = Number(ins.run(JSON.stringify({ teacher: 1, count: 2 }), null).lastInsertRowid);
    await t.call('runs.resume', { jobId: old });
    await tick();
    expect(t.workers[0].start?.params).toEqual({ teacher: 1, count: 2, resume: true, resumeOf: old });
    expect((await t.fail('runs.resume', { jobId: never })).code).toBe('conflict');
    await t.backend.close();
  });
});
