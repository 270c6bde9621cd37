// The mirrored face as a second view (issue 17): flip augmentation keeps the labels (the AU mirror
// rule: none of the 8 AUs swaps), flip TTA averages exactly the two views' records, the mirrored
// view's backbone features are computed once and read back, a frozen run without augmentation or
// TTA computes none, and a stored config without `tta` reads as 'none'.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tf, initBackend } from '../../src/ml/backend';
import { backboneKey, buildModel, disposeNet, readModelMeta, type MultitaskNet } from '../../src/ml/models';
import { predictSamples } from '../../src/ml/train/cnn';
import { mirrorRecord, targetsOf } from '../../src/ml/train/batch';
import { ensureBackboneFeatures, featureViewKey, memoryFeatureStore } from '../../src/ml/train/backbone-features';
import { mirrorCrops, type CropReader } from '../../src/ml/train/images';
import { resolveStoredTrainConfig } from '../../src/ml/train/config';
import { AU_MIRROR_PAIRS, MODEL_AUS, NUM_AUS, NUM_EXPR, SOFT_LABEL_WIDTH, VA_BINS, flipAuIndex, mirrorAus } from '../../src/shared/labels';
import { unlabelledSamples, type SampleSet } from '../../src/shared/samples';
import { TeacherParams } from '../../src/shared/train-config';
import { buildEngineFixture } from './engine-fixture';
import { tempDir } from './helpers';
import { featureCounts } from '../../bench/lib/stages';
import { generateSoftLabels, trainStudents, trainTeacher } from '../../src/node/training/engine/pipeline';
import type { EngineHooks } from '../../src/node/training/engine/context';
import { FeatureCache } from '../../src/node/store/feature-cache';
import { countingCrops } from './counting-crops';

const SIZE = 32;

/** A face per frame id that is not symmetric: brightness ramps left to right, differently per frame. */
function asymmetricCrops(mirrored = false): CropReader & { rendered: number } {
  // The mirrored reader is written out by hand (column size − 1 − x), not with mirrorCrops.
  return countingCrops((id, x, y, c, size) => (((mirrored ? size - 1 - x : x) * (c + 1) + id * 7 + y) % size) / size);
}

function samples(ids: number[]): SampleSet {
  const s = unlabelledSamples(ids.length);
  ids.forEach((id, i) => (s.frameId[i] = id));
  return s;
}

/** The mean of two records' probabilities, written out here: AU sigmoid, EXPR / valence / arousal softmax. */
function meanProbabilities(a: Float32Array, b: Float32Array, row: number): number[] {
  const sig = (x: number) => 1 / (1 + Math.exp(-x));
  const softmax = (r: Float32Array, off: number, w: number) => {
    const m = Math.max(...r.subarray(off, off + w));
    const e = Array.from(r.subarray(off, off + w), (x) => Math.exp(x - m));
    const z = e.reduce((p, q) => p + q, 0);
    return e.map((x) => x / z);
  };
  const probs = (r: Float32Array) => {
    const o = row * SOFT_LABEL_WIDTH;
    const rec = r.subarray(o, o + SOFT_LABEL_WIDTH);
    return [...Array.from(rec.subarray(0, NUM_AUS), sig), ...softmax(rec, NUM_AUS, NUM_EXPR), ...softmax(rec, NUM_AUS + NUM_EXPR, VA_BINS), ...softmax(rec, NUM_AUS + NUM_EXPR + VA_BINS, VA_BINS)];
  };
  const pa = probs(a);
  const pb = probs(b);
  return pa.map((p, k) => (p + pb[k]) / 2);
}

function probabilitiesOf(r: Float32Array, row: number): number[] {
  // A record's AU logit → sigmoid; the other parts are log-probabilities after averaging, so softmax reads them back.
  return meanProbabilities(r, r, row);
}

describe('a flip keeps the labels', () => {
  it('the 8 AUs are bilateral: no pair swaps, a mirrored face has the same AU vector and expression', async () => {
    expect(AU_MIRROR_PAIRS).toEqual([]);
    expect(MODEL_AUS.map((_, k) => flipAuIndex(k))).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    const au = [1, 0, -1, 1, 1, 0, -1, 0];
    expect(mirrorAus(au)).toEqual(au);

    await initBackend();
    const s = unlabelledSamples(3);
    s.au.set([1, 0, -1, 1, 1, 0, -1, 0, 0, 1, 1, 0, 0, 0, 1, 1], 0);
    s.expr.set([-1, -1, 4]);
    const rows = [0, 1, 2];
    const tasks = ['au', 'au', 'expr'] as const;
    const plain = targetsOf(s, rows, [...tasks]);
    const flipped = targetsOf(s, rows, [...tasks], [true, true, true]);
    try {
      for (const k of Object.keys(plain) as (keyof typeof plain)[]) expect(Array.from(await flipped[k].data()), k).toEqual(Array.from(await plain[k].data()));
      expect(Array.from(await flipped.exprTarget.data())).toEqual([0, 0, 4]);
    } finally {
      tf.dispose([...Object.values(plain), ...Object.values(flipped)]);
    }
    // A teacher's record under a flip: the same AU logits, the rest untouched.
    const rec = Float32Array.from({ length: SOFT_LABEL_WIDTH }, (_, i) => i * 0.1 - 2);
    expect(Array.from(mirrorRecord(rec))).toEqual(Array.from(rec));
  });

  it('mirroring reverses x and nothing else; twice is the identity', () => {
    const n = 2;
    const size = 5;
    const data = Float32Array.from({ length: n * size * size * 3 }, (_, i) => i);
    const m = mirrorCrops(Float32Array.from(data), size, [false, true]);
    for (let y = 0; y < size; y++)
      for (let x = 0; x < size; x++)
        for (let c = 0; c < 3; c++) {
          expect(m[((0 * size + y) * size + x) * 3 + c]).toBe(data[((0 * size + y) * size + x) * 3 + c]);
          expect(m[((1 * size + y) * size + x) * 3 + c]).toBe(data[((1 * size + y) * size + (size - 1 - x)) * 3 + c]);
        }
    expect(Array.from(mirrorCrops(mirrorCrops(Float32Array.from(data), size), size))).toEqual(Array.from(data));
  });
});

describe('flip TTA averages exactly the two views', () => {
  const nets: MultitaskNet[] = [];
  afterAll(() => nets.forEach(disposeNet));

  for (const frozen of [false, true]) {
    it(`${frozen ? 'frozen (cached features of both views)' : 'fine-tuned (the mirrored batch run again)'}: the record is the mean of the two single-view records`, async () => {
      await initBackend();
      const net = await buildModel({ backbone: 'small', inputSize: SIZE, freezeBackbone: frozen, seed: 5 });
      nets.push(net);
      const s = samples([3, 8, 11]);
      const store = frozen ? memoryFeatureStore() : undefined;
      const plain = await predictSamples(net, asymmetricCrops(), s, { features: store, tta: 'none' });
      // The mirrored view alone, computed independently: a reader that draws the mirrored faces itself.
      const mirrored = await predictSamples(net, asymmetricCrops(true), s, { features: frozen ? memoryFeatureStore() : undefined, tta: 'none' });
      const both = await predictSamples(net, asymmetricCrops(), s, { features: store, tta: 'flip' });
      expect(Array.from(mirrored)).not.toEqual(Array.from(plain)); // the views differ, so the mean is not either of them
      for (let row = 0; row < s.n; row++) {
        const want = meanProbabilities(plain, mirrored, row);
        const got = probabilitiesOf(both, row);
        got.forEach((p, k) => expect(p).toBeCloseTo(want[k], 5));
      }
    }, 60_000);
  }

  it('the mirrored view of a frozen backbone is computed once, then read', async () => {
    await initBackend();
    const net = await buildModel({ backbone: 'small', inputSize: SIZE, freezeBackbone: true, seed: 6 });
    nets.push(net);
    const store = memoryFeatureStore();
    const crops = asymmetricCrops();
    const lines: string[] = [];
    const s = samples([1, 2, 3, 4]);
    await predictSamples(net, crops, s, { features: store, tta: 'flip', log: (l) => void lines.push(l) });
    expect(crops.rendered).toBe(8); // each frame once per view
    await predictSamples(net, crops, s, { features: store, tta: 'flip', log: (l) => void lines.push(l) });
    expect(crops.rendered).toBe(8);
    expect(lines).toEqual([
      'backbone features: 4 frames, 4 computed, 0 read from the feature cache; computed in 1 thread',
      'backbone features (flip view): 4 frames, 4 computed, 0 read from the feature cache; computed in 1 thread',
      'backbone features: 4 frames, 0 computed, 4 read from the feature cache',
      'backbone features (flip view): 4 frames, 0 computed, 4 read from the feature cache',
    ]);
    const pass = await ensureBackboneFeatures(store, { net: async () => net, dim: net.featureDim }, crops, [1, 2, 3, 4, 5], { view: 'flip' });
    expect([pass.view, pass.computed, pass.reused]).toEqual(['flip', 1, 4]);
    expect(pass.key).toBe(featureViewKey(backboneKey(net), 'flip'));
    expect(pass.key).toMatch(/^backbone:[0-9a-f]{64}:flip$/);
    // The benches count each view's lines apart (bench/lib/stages.ts).
    expect([featureCounts(lines), featureCounts(lines, 'flip')]).toEqual([
      { computed: 4, read: 4 },
      { computed: 4, read: 4 },
    ]);
  }, 60_000);
});

describe('the mirrored view through the engine (frozen face backbone)', () => {
  const tmp = tempDir('aw-flip-view-');
  const dir = path.join(tmp.dir, 'proj');
  let logs: string[] = [];
  const hooks: EngineHooks = { progress() {}, log: (l) => void logs.push(l), checkpoint: async () => {} };
  const RUN = { backbone: 'face' as const, freezeBackbone: true, epochs: 1, maxStepsPerEpoch: 2, batch: 8 };
  const FRAMES = 3 * 8;
  const TRAIN = 2 * 8; // the fixture's third video is the validation split
  /** [computed, read] of the logged passes of `view` since the last call. */
  const passes = (view: 'plain' | 'flip') =>
    logs.flatMap((l) => {
      const m = (view === 'plain' ? /backbone features: \d+ frames, (\d+) computed, (\d+) read/ : /backbone features \(flip view\): \d+ frames, (\d+) computed, (\d+) read/).exec(l);
      return m ? [[Number(m[1]), Number(m[2])]] : [];
    });
  const keys = () => {
    const c = FeatureCache.open(dir);
    try {
      return c.db.prepare('SELECT key, COUNT(*) AS n FROM features GROUP BY key ORDER BY key').all() as { key: string; n: number }[];
    } finally {
      c.close();
    }
  };

  beforeAll(async () => {
    (await buildEngineFixture(dir, { videos: 3, frames: 8 })).close();
  });
  afterAll(() => tmp.cleanup());

  it('frozen without flip TTA: no mirrored rows, augment or not; with it: computed once per frame, read by the next model', async () => {
    const t = await trainTeacher(dir, { ...RUN, augment: false, tta: 'none' }, hooks);
    expect(passes('plain')).toEqual([[FRAMES, 0]]);
    expect(passes('flip')).toEqual([]);
    // Augmenting a frozen run costs no second feature pass unless the model averages the views (tta 'flip').
    logs = [];
    const augmented = await trainTeacher(dir, { ...RUN, augment: true, tta: 'none' }, hooks);
    expect(passes('flip')).toEqual([]);
    expect(passes('plain')).toEqual([[0, FRAMES]]);
    const fc = FeatureCache.open(dir);
    fc.deleteModel(augmented.modelId); // its ownership only: the teacher still owns the plain rows
    fc.close();
    const key = (await readModelMeta(path.join(dir, 'models', String(t.modelId)))).backboneKey!;
    expect(keys()).toEqual([{ key, n: FRAMES }]);

    await generateSoftLabels(dir, { model: t.modelId }, hooks);
    expect(passes('flip')).toEqual([]);
    logs = [];
    const st = await trainStudents(dir, { teacher: t.modelId, count: 1, epochs: 1, maxStepsPerEpoch: 2, batch: 8, augment: true, tta: 'flip' }, hooks);
    // The student trains on both views of its train frames and validates on both views of the others: every frame's mirrored row, once.
    expect(passes('flip')[0]).toEqual([FRAMES, 0]);
    expect(passes('flip').slice(1).every(([computed]) => computed === 0)).toBe(true);
    expect(passes('plain').every(([computed]) => computed === 0)).toBe(true);
    expect(keys()).toEqual([
      { key, n: FRAMES },
      { key: `${key}:flip`, n: FRAMES },
    ]);

    // The student's soft labels average both views: the mirrored rows are read, none computed (its
    // validation frames' records are the kept epoch's, already stored: the train frames are predicted).
    logs = [];
    const sid = st.students[0].modelId;
    await generateSoftLabels(dir, { model: sid }, hooks);
    expect(passes('flip')).toEqual([[0, TRAIN]]);

    // Both views are owned by the student: deleting the last model that uses them drops both.
    const c = FeatureCache.open(dir);
    try {
      expect(c.keysOf(sid)).toEqual([key, `${key}:flip`]);
      for (const id of [t.modelId, sid]) c.deleteModel(id);
      expect(c.db.prepare('SELECT COUNT(*) FROM features').pluck().get()).toBe(0);
    } finally {
      c.close();
    }
  }, 180_000);
});

describe('the tta option', () => {
  it('a stored config without tta reads as none; the schema takes none and flip only', () => {
    expect(resolveStoredTrainConfig({ backbone: 'face', freezeBackbone: true }, 'teacher').tta).toBe('none');
    expect(resolveStoredTrainConfig({ backbone: 'face', tta: 'flip' }, 'student').tta).toBe('flip');
    expect(TeacherParams.parse({}).tta).toBe('none');
    expect(TeacherParams.safeParse({ tta: 'mirror' }).success).toBe(false);
  });
});
