// Features computed beside other work (src/ml/train/backbone-features.ts backgroundBackboneFeatures):
// a learning thread computes the missing rows while this thread is busy, the same rows one thread
// computes, and stops between batches when asked, keeping what it stored. Through the engine: a
// frozen teacher with 2 threads computes the test frames' features while its heads train, and the
// soft labels then compute only what it did not get to (counted, not timed).
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/ml/backend';
import { backboneKey, buildModel, disposeNet, type MultitaskNet } from '../../src/ml/models';
import { backgroundBackboneFeatures, ensureBackboneFeatures, memoryFeatureStore } from '../../src/ml/train/backbone-features';
import { idPatternCrops } from './counting-crops';
import { buildEngineFixture } from './engine-fixture';
import { tempDir } from './helpers';
import { generateSoftLabels, trainTeacher } from '../../src/node/training/engine/pipeline';
import type { EngineHooks } from '../../src/node/training/engine/context';
import { Project } from '../../src/node/store/project';

let net: MultitaskNet;
const saved = process.env.AW_THREADS;
beforeAll(async () => {
  await initBackend({ prefer: 'wasm' });
  net = await buildModel({ backbone: 'small', inputSize: 32, freezeBackbone: true, seed: 4 });
});
afterEach(() => {
  if (saved === undefined) delete process.env.AW_THREADS;
  else process.env.AW_THREADS = saved;
});
afterAll(() => disposeNet(net));

const crops = idPatternCrops();

describe('a background feature pass', () => {
  it('stores in a learning thread the rows one thread computes', async () => {
    const ids = Array.from({ length: 30 }, (_, i) => 500 + i);
    const bg = memoryFeatureStore();
    // 30 frames in batches of 8: 4 batches, so 4 of the 6 threads offered.
    const r = await backgroundBackboneFeatures(bg, { net: async () => net, dim: net.featureDim }, crops, ids, { batch: 8, threads: 6, stop: () => false });
    expect(r).toEqual({ stored: 30, missing: 30, threads: 4 });
    const one = memoryFeatureStore();
    const pass = await ensureBackboneFeatures(one, { net: async () => net, dim: net.featureDim }, crops, ids, { batch: 8 });
    const a = new Float32Array(30 * net.featureDim);
    const b = new Float32Array(30 * net.featureDim);
    one.read(pass.key, ids, a);
    bg.read(pass.key, ids, b);
    expect(b).toEqual(a);
    // Nothing missing: nothing to do.
    expect(await backgroundBackboneFeatures(bg, { net: async () => net, dim: net.featureDim }, crops, ids, { batch: 8, threads: 1, stop: () => false })).toEqual({ stored: 0, missing: 0 });
  }, 60_000);

  it('stops between batches when asked, keeping what it stored', async () => {
    const ids = Array.from({ length: 40 }, (_, i) => 700 + i);
    const store = memoryFeatureStore();
    const r = await backgroundBackboneFeatures(store, { net: async () => net, dim: net.featureDim }, crops, ids, { batch: 8, threads: 1, stop: () => true });
    expect([r.note, r.threads]).toEqual(['stopped when the run ended', 1]);
    expect(r.stored).toBe(8); // the first batch, then the stop
    expect(store.missing(backboneKey(net), ids)).toHaveLength(40 - r.stored);
  }, 60_000);
});

describe('a frozen teacher with two threads', () => {
  const tmp = tempDir('aw-background-features-');
  const dir = path.join(tmp.dir, 'proj');
  afterAll(() => tmp.cleanup());

  it('computes the test frames beside its heads, and soft labels compute only the rest', async () => {
    (await buildEngineFixture(dir, { videos: 3, frames: 12 })).close();
    const p = Project.open(dir);
    const test = p.db.prepare(`UPDATE frames SET split = 'test' WHERE media_id = 1 AND idx >= 4`).run().changes;
    p.close();
    expect(test).toBe(8);
    process.env.AW_THREADS = '2';
    const logs: string[] = [];
    const hooks: EngineHooks = { progress() {}, log: (l) => void logs.push(l), checkpoint: async () => {} };
    const t = await trainTeacher(dir, { backbone: 'face', freezeBackbone: true, epochs: 2, batch: 8, augment: false }, hooks);
    const line = logs.find((l) => /frames outside train and validation/.test(l));
    const m = /backbone features of (\d+) of (\d+) frames outside train and validation/.exec(line ?? '');
    expect(m?.[2]).toBe('8');
    const stored = Number(m?.[1]);
    logs.length = 0;
    await generateSoftLabels(dir, { model: t.modelId }, hooks);
    const sl = logs.map((l) => /backbone features: (\d+) frames, (\d+) computed, (\d+) read/.exec(l)).find(Boolean);
    expect(Number(sl?.[1])).toBe(36);
    expect(Number(sl?.[2])).toBe(8 - stored);
  }, 180_000);
});
