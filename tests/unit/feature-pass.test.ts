// One feature pass per frozen backbone (issue 14): the pretrained face backbone's features are
// computed once, by the teacher's training, and read back — never computed again — by its soft
// labels, its students, their ensemble, evaluation and the CNN-RNN. Counted, not timed: the runs'
// own counters (computed / read from the cache) and the rows in cache/features.sqlite. Then the
// rules underneath: the key follows the weights, changed crops drop their rows.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEngineFixture } from './engine-fixture';
import { countingCrops } from './counting-crops';
import { tempDir } from './helpers';
import { evaluateModel, generateSoftLabels, trainStudents, trainTeacher } from '../../src/node/training/engine/pipeline';
import { trainRnnTeacher } from '../../src/node/training/engine/rnn-pipeline';
import type { EngineHooks } from '../../src/node/training/engine/context';
import { FeatureCache } from '../../src/node/store/feature-cache';
import { forgetFrames } from '../../src/node/store/frame-caches';
import { Project } from '../../src/node/store/project';
import { initBackend } from '../../src/ml/backend';
import { backboneKey, buildModel, disposeNet, loadModel, readModelMeta, saveModel } from '../../src/ml/models';
import { ensureBackboneFeatures, memoryFeatureStore } from '../../src/ml/train/backbone-features';

const tmp = tempDir('aw-feature-pass-');
const dir = path.join(tmp.dir, 'proj');
let logs: string[] = [];
const hooks: EngineHooks = { progress() {}, log: (l) => void logs.push(l), checkpoint: async () => {} };
// The plain view only (augment off: no mirrored view); the mirrored view is tests/unit/flip-view.test.ts's.
const FROZEN_FACE = { backbone: 'face' as const, freezeBackbone: true, epochs: 1, maxStepsPerEpoch: 2, batch: 8, augment: false };
const FRAMES = 3 * 12;

beforeAll(async () => {
  (await buildEngineFixture(dir, { videos: 3, frames: 12 })).close();
});
afterAll(() => tmp.cleanup());

/** The feature-pass lines logged since the last call, as [computed, read] pairs. */
function passes(): [number, number][] {
  const out = logs.flatMap((l) => {
    const m = /backbone features: (\d+) frames, (\d+) computed, (\d+) read from the feature cache/.exec(l);
    return m ? [[Number(m[2]), Number(m[3])] as [number, number]] : [];
  });
  logs = [];
  return out;
}

function cacheRows(): { keys: string[]; rows: number } {
  const c = FeatureCache.open(dir);
  try {
    return {
      keys: c.db.prepare('SELECT key FROM sources ORDER BY key').pluck().all() as string[],
      rows: c.db.prepare(`SELECT COUNT(*) FROM features WHERE key LIKE 'backbone:%'`).pluck().get() as number,
    };
  } finally {
    c.close();
  }
}

describe('one feature pass per frozen backbone, through Algorithm 1', () => {
  let teacherId = 0;

  it('the teacher computes the features of its frames once', async () => {
    const t = await trainTeacher(dir, FROZEN_FACE, hooks);
    teacherId = t.modelId;
    expect(passes()).toEqual([[FRAMES, 0]]);
    const meta = await readModelMeta(path.join(dir, 'models', String(teacherId)));
    expect(meta.backboneKey).toMatch(/^backbone:[0-9a-f]{64}$/);
    expect(cacheRows()).toEqual({ keys: [meta.backboneKey], rows: FRAMES });
  }, 120_000);

  it('soft labels, two students, their ensemble and evaluation compute none', async () => {
    await generateSoftLabels(dir, { model: teacherId }, hooks);
    expect(passes()).toEqual([[0, FRAMES]]);

    const st = await trainStudents(dir, { teacher: teacherId, count: 2, epochs: 1, maxStepsPerEpoch: 2, batch: 8, augment: false }, hooks);
    // Each student reads its train and validation frames; the ensemble's validation records read them again.
    const seen = passes();
    expect(seen.length).toBeGreaterThanOrEqual(2);
    expect(seen.every(([computed, read]) => computed === 0 && read > 0)).toBe(true);

    await evaluateModel(dir, { model: st.ensembleId, split: 'val' }, hooks);
    expect(passes().every(([computed]) => computed === 0)).toBe(true);

    // Teacher and students share one key: one set of rows.
    const keys = await Promise.all([teacherId, ...st.students.map((s) => s.modelId)].map(async (id) => (await readModelMeta(path.join(dir, 'models', String(id)))).backboneKey));
    expect(new Set(keys).size).toBe(1);
    expect(cacheRows().rows).toBe(FRAMES);
  }, 180_000);

  it('the CNN-RNN takes the teacher’s head embeddings from the cached features', async () => {
    await trainRnnTeacher(dir, { featuresFrom: teacherId, epochs: 1, lr: 3e-3, batch: 4 }, hooks);
    expect(passes()).toEqual([[0, FRAMES]]);
    expect(cacheRows().rows).toBe(FRAMES);
  }, 120_000);

  it('a frame whose crop changes is computed again, and only that frame', async () => {
    const p = Project.open(dir);
    const one = p.db.prepare('SELECT id FROM frames ORDER BY id LIMIT 1').pluck().get() as number;
    p.close();
    forgetFrames(dir, [one], { keepCrops: true });
    expect(cacheRows().rows).toBe(FRAMES - 1);
    // A fresh students run reads FRAMES − 1 rows and computes the forgotten one.
    await trainStudents(dir, { teacher: teacherId, count: 1, epochs: 1, maxStepsPerEpoch: 1, batch: 8, augment: false }, hooks);
    const seen = passes();
    expect(seen[0]).toEqual([1, FRAMES - 1]);
    expect(cacheRows().rows).toBe(FRAMES);
  }, 180_000);
});

describe('the backbone key and the pass underneath', () => {

  it('computes each frame once per key; a net with other weights has another key', async () => {
    await initBackend();
    const a = await buildModel({ backbone: 'small', inputSize: 32, freezeBackbone: true, seed: 1 });
    const b = await buildModel({ backbone: 'small', inputSize: 32, freezeBackbone: true, seed: 2 });
    const same = await buildModel({ backbone: 'small', inputSize: 32, freezeBackbone: true, seed: 1 });
    try {
      expect(backboneKey(a)).toBe(backboneKey(same));
      expect(backboneKey(a)).not.toBe(backboneKey(b));
      const store = memoryFeatureStore();
      const crops = countingCrops((id) => (id % 7) / 7);
      const first = await ensureBackboneFeatures(store, { net: async () => a, dim: a.featureDim }, crops, [1, 2, 3, 2]);
      expect([first.computed, first.reused, crops.rendered]).toEqual([3, 0, 3]);
      const again = await ensureBackboneFeatures(store, { net: async () => same, dim: same.featureDim }, crops, [1, 2, 3, 4]);
      expect([again.computed, again.reused, crops.rendered]).toEqual([1, 3, 4]);
      const other = await ensureBackboneFeatures(store, { net: async () => b, dim: b.featureDim }, crops, [1]);
      expect([other.computed, crops.rendered]).toEqual([1, 5]);
      // A key named without the net: the net is not even asked for when every row is there.
      let asked = 0;
      const named = await ensureBackboneFeatures(store, { net: async () => (asked++, a), key: first.key, dim: a.featureDim }, crops, [1, 2]);
      expect([named.computed, asked]).toEqual([0, 0]);
    } finally {
      for (const n of [a, b, same]) disposeNet(n);
    }
  });

  it('a saved and loaded model keeps its key (the one in its meta)', async () => {
    const t = tempDir('aw-feature-key-');
    try {
      const net = await buildModel({ backbone: 'small', inputSize: 32, freezeBackbone: true, seed: 3 });
      const meta = await saveModel(net, t.dir);
      const { net: back } = await loadModel(t.dir);
      expect(meta.backboneKey).toBe(backboneKey(net));
      expect(backboneKey(back)).toBe(meta.backboneKey);
      disposeNet(net);
      disposeNet(back);
    } finally {
      t.cleanup();
    }
  });
});
