// The learning engine end to end on generated data (real rendered faces, partial labels):
// teacher → soft labels → 2 students → ensemble → evaluate, through the worker jobs the app and
// the CLI use; tensor leaks per step; a teacher killed with SIGKILL resumes from its checkpoint.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Backend } from '../../src/node/app/backend';
import { listModels } from '../../src/node/store/models';
import { buildEngineFixture, epochRows } from './engine-fixture';
import { tempDir } from './helpers';
import { initBackend, tf } from '../../src/ml/backend';
import { downsampleFactors, loadSamples } from '../../src/node/labels/samples';
import { trainModel } from '../../src/ml/train/trainer';
import { cnnTrainer, type TrainInput } from '../../src/ml/train/cnn';
import { resolveTrainConfig } from '../../src/ml/train/config';
import { CropSource } from '../../src/node/training/engine/crop-source';
import { openCropCache } from '../../src/node/store/crop-cache';
import { Project } from '../../src/node/store/project';
import { disposeNet } from '../../src/ml/models';
import type { JobSummary } from '../../src/shared/contract';

const tmp = tempDir('aw-engine-');
let dir: string;
const small = { backbone: 'small' as const, inputSize: 32, batch: 16, lr: 1e-3, maxStepsPerEpoch: 4 };

beforeAll(async () => {
  process.env.AW_HOME = path.join(tmp.dir, 'home');
  dir = path.join(tmp.dir, 'p');
  (await buildEngineFixture(dir, { videos: 6, frames: 24 })).close();
});
afterAll(() => tmp.cleanup());

async function job(kind: Parameters<Backend['jobs']['start']>[0], params: Record<string, unknown>): Promise<JobSummary> {
  const b = new Backend({ transport: 'inprocess' });
  b.openProject(dir, false);
  const id = b.jobs.start(kind, params);
  await b.jobs.waitIdle();
  const j = b.jobs.get(id)!;
  await b.close();
  return j;
}

describe('teacher → soft labels → students → ensemble → evaluate (worker jobs)', () => {
  it('runs the whole of Algorithm 1 and reports the ABAW metrics per model', async () => {
    const t = await job('train.teacher', { ...small, epochs: 2 });
    expect(t.status, t.error ?? '').toBe('done');
    expect(t.backend).toBe('wasm');
    const teacherId = (t.result as { modelId: number }).modelId;

    const sl = await job('soft-labels', { model: teacherId });
    expect(sl.status, sl.error ?? '').toBe('done');
    expect((sl.result as { frames: number }).frames).toBe(6 * 24);

    const st = await job('train.students', { ...small, teacher: teacherId, count: 2, epochs: 2 });
    expect(st.status, st.error ?? '').toBe('done');
    const r = st.result as { students: { modelId: number }[]; ensembleId: number };
    expect(r.students).toHaveLength(2);

    const p = Project.open(dir);
    const models = listModels(p.db);
    const curves = epochRows(p, st.id);
    p.close();
    // Every student's curve is kept: 2 students × 2 epochs, numbered one after the other.
    const [s0, s1] = r.students.map((s) => s.modelId);
    expect(curves).toEqual([
      { epoch: 1, modelId: s0, studentEpoch: 1 },
      { epoch: 2, modelId: s0, studentEpoch: 2 },
      { epoch: 3, modelId: s1, studentEpoch: 1 },
      { epoch: 4, modelId: s1, studentEpoch: 2 },
    ]);
    expect(models.map((m) => [m.kind, m.status])).toEqual([
      ['teacher', 'ready'],
      ['student', 'ready'],
      ['student', 'ready'],
      ['ensemble', 'ready'],
    ]);
    expect(models[1].parentId).toBe(teacherId);
    expect(models[3].members).toEqual(r.students.map((s) => s.modelId));
    expect(models[1].thresholds).toHaveLength(8);
    // students differ (different seeds)
    expect(models[1].config.seed).not.toBe(models[2].config.seed);

    const ev = await job('evaluate', { model: 'ensemble', split: 'val' });
    expect(ev.status, ev.error ?? '').toBe('done');
    const e = ev.result as Record<string, unknown> & { n: { au: number; expr: number; va: number }; au: { threshold: number[]; perAU: object }; expr: { confusion: number[][] } };
    expect(Object.keys(e)).toEqual(expect.arrayContaining(['model', 'dataset', 'split', 'n', 'au', 'expr', 'valence', 'arousal']));
    expect(e.n).toEqual({ au: 48, expr: 48, va: 48 });
    expect(e.au.threshold).toHaveLength(8);
    expect(e.expr.confusion).toHaveLength(7);
    expect(e.expr.confusion.flat().reduce((a, b) => a + b, 0)).toBe(48);
  });

  it('refuses students before the teacher has soft labels, naming the fix', async () => {
    const t = await job('train.teacher', { ...small, epochs: 1 });
    const st = await job('train.students', { ...small, teacher: (t.result as { modelId: number }).modelId, count: 1, epochs: 1 });
    expect(st.status).toBe('failed');
    expect(st.error).toMatch(/run "soft-labels --model \d+" first/);
  });
});

describe('training leaks no tensors', () => {
  it('leaves tf.memory().numTensors where it was, except the returned model', async () => {
    await initBackend();
    const p = Project.open(dir);
    const cache = openCropCache(p.dir);
    try {
      const crops = new CropSource(p, cache);
      const trainSet = loadSamples(p.db, { splits: ['train'] });
      const val = loadSamples(p.db, { splits: ['val'] });
      const config = resolveTrainConfig({ ...small, epochs: 1 }, 'teacher') as TrainInput['config'];
      const before = tf.memory().numTensors;
      const r = await trainModel(
        cnnTrainer,
        { downsample: downsampleFactors(p.db), crops, config, role: 'teacher', train: trainSet, val, modelDir: path.join(tmp.dir, 'leak-model') },
        { progress: () => {}, log: () => {}, checkpoint: async () => {}, epochDone: () => {} },
      );
      const withModel = tf.memory().numTensors;
      disposeNet(r.net);
      expect(tf.memory().numTensors).toBe(before);
      expect(withModel).toBeGreaterThan(before);
    } finally {
      cache.close();
      p.close();
    }
  });
});

describe('a killed run resumes from its last checkpoint', () => {
  it('SIGKILL after epoch 1, then --resume trains only the remaining epochs', async () => {
    const b = new Backend({ transport: 'inprocess' });
    b.openProject(dir, false);
    const logs: string[] = [];
    b.subscribe((m) => {
      if (m.event === 'job.log') logs.push((m.payload as { line: string }).line);
    });
    const id = b.jobs.start('train.teacher', { ...small, epochs: 3 });
    // Kill the worker the moment the first epoch's checkpoint exists.
    let modelId = 0;
    await new Promise<void>((resolve, reject) => {
      const t0 = Date.now();
      const tick = () => {
        const j = b.jobs.get(id)!;
        if (j.status !== 'running' && j.status !== 'queued') return reject(new Error(`job ended early: ${j.status} ${j.error}`));
        const p = Project.open(dir);
        const row = p.db.prepare('SELECT model_id FROM runs WHERE id = ?').pluck().get(id) as number | null;
        p.close();
        if (row && fs.existsSync(path.join(dir, 'models', String(row), 'checkpoint', 'checkpoint.json'))) {
          modelId = row;
          const pid = (b.jobs as unknown as { running: { worker: { pid: number } } }).running.worker.pid;
          process.kill(pid, 'SIGKILL');
          return resolve();
        }
        if (Date.now() - t0 > 60_000) return reject(new Error('no checkpoint within 60 s'));
        setTimeout(tick, 20);
      };
      tick();
    });
    await b.jobs.waitIdle();
    expect(b.jobs.get(id)!.status).toBe('failed');
    expect(b.jobs.get(id)!.error).toMatch(/SIGKILL/);
    const resumed = b.jobs.start('train.teacher', { resume: modelId });
    await b.jobs.waitIdle();
    const j = b.jobs.get(resumed)!;
    expect(j.status, j.error ?? '').toBe('done');
    expect(logs.some((l) => /resuming from the checkpoint after epoch [12]/.test(l))).toBe(true);
    expect((j.result as { resumedFrom: number; modelId: number }).modelId).toBe(modelId);
    expect((j.result as { resumedFrom: number }).resumedFrom).toBeGreaterThanOrEqual(1);
    await b.close();
  });
});
