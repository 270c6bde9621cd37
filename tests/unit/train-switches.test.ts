// The learning engine's switches of issue 17: partial fine-tuning (trainBlocks) with a lower
// backbone learning rate (backboneLrScale, a per-variable scale in the fused Adam), head dropout,
// bagging of students, and their config rules (one source of truth for "frozen", stored configs
// without the fields resolve to the behaviour of before).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '../../src/ml/backend';
import {
  backboneBlockOf,
  buildModel,
  disposeNet,
  forward,
  loadModel,
  saveModel,
  setTrainedBlocks,
  trainableBackboneVariableNames,
  trainableVariables,
  type MultitaskNet,
} from '../../src/ml/models';
import { isHeadLayerName } from '../../src/ml/models/heads';
import { bootstrapPools, type TaskPools } from '../../src/ml/samplers';
import { FusedAdam } from '../../src/ml/train/fused-adam';
import { resolveStoredTrainConfig, resolveTrainConfig } from '../../src/ml/train/config';
import { parseLambda, parseTemperature, studentModelSettings, TrainConfig, trainConfigIssues } from '../../src/shared/train-config';
import { tempDir } from './helpers';

beforeAll(async () => {
  await initBackend({ prefer: 'wasm' });
});

const nets: MultitaskNet[] = [];
afterAll(() => nets.forEach(disposeNet));
async function net(backbone: 'face' | 'small', seed = 1, headDropout = 0): Promise<MultitaskNet> {
  const n = await buildModel({ backbone, inputSize: backbone === 'face' ? 112 : 32, seed }, { facePretrained: false, headDropout });
  nets.push(n);
  return n;
}

/** Every weight of the model (trainable or not: moving statistics too) by its layer-stable name. */
function snapshot(n: MultitaskNet): Map<string, Float32Array> {
  return new Map(n.model.weights.map((w) => [w.originalName, (w.read().dataSync() as Float32Array).slice()]));
}

const images = (size: number) => tf.randomUniform([4, size, size, 3], 0, 1, 'float32', 11);

/** `steps` Adam steps of a small multitask loss through a training forward pass. */
function train(n: MultitaskNet, opt: tf.Optimizer, x: tf.Tensor, steps: number): void {
  const vars = trainableVariables(n.model);
  for (let k = 0; k < steps; k++) {
    tf.tidy(() => {
      opt.minimize(
        () => {
          const o = forward(n.model, x, { training: true });
          const sq = (t: tf.Tensor) => tf.mean(tf.square(tf.sub(t, 1)));
          return tf.addN([sq(o.au), sq(o.expr), sq(o.v), sq(o.a)]) as tf.Scalar;
        },
        false,
        vars,
      );
    });
  }
}

describe('partial fine-tuning (trainBlocks)', () => {
  it('names the blocks: face_dense0..3 and the stages s1..s4; the stem and input layers belong to none', () => {
    expect(['face_dense0_conv0', 'face_dense3_sum4', 's1b1_conv1', 's4b2_proj_bn', 'stem_conv', 'input_norm', 'features'].map(backboneBlockOf)).toEqual([0, 3, 0, 3, null, null, null]);
  });

  for (const backbone of ['face', 'small'] as const) {
    it(`${backbone}: after a few steps with trainBlocks 1, exactly the last block's and the heads' weights changed; every other weight is bit-identical`, async () => {
      const n = await net(backbone);
      setTrainedBlocks(n, 1);
      const trainedLayer = (layer: string) => isHeadLayerName(layer) || backboneBlockOf(layer) === 3;
      // The optimizer's list is the last block's and the heads' trainable variables only.
      const layerOf = new Map(n.model.layers.flatMap((l) => l.weights.map((w) => [(w.read() as tf.Variable).name, l.name] as const)));
      const vars = trainableVariables(n.model);
      expect(vars.length).toBeGreaterThan(0);
      for (const v of vars) expect(trainedLayer(layerOf.get(v.name)!)).toBe(true);
      expect(vars.some((v) => backboneBlockOf(layerOf.get(v.name)!) === 3)).toBe(true);

      const before = snapshot(n);
      const x = images(n.config.inputSize);
      const opt = new FusedAdam(1e-3);
      train(n, opt, x, 3);
      const after = snapshot(n);
      const layerOfWeight = new Map(n.model.layers.flatMap((l) => l.weights.map((w) => [w.originalName, l.name] as const)));
      let changed = 0;
      for (const [name, v] of before) {
        const layer = layerOfWeight.get(name)!;
        const moved = !v.every((x, i) => Object.is(x, after.get(name)![i]));
        // Trainable weights of trained layers move; the heads' moving statistics too (training-mode batch norms).
        if (trainedLayer(layer)) {
          if (!name.includes('moving_')) expect(moved, name).toBe(true);
          changed += moved ? 1 : 0;
        } else expect(moved, `${name} (not trained) changed`).toBe(false);
      }
      expect(changed).toBeGreaterThan(0);
      x.dispose();
      opt.dispose();
    });
  }

  it('trainBlocks all trains the whole backbone; 0 freezes it (as freezeBackbone)', async () => {
    const n = await net('small', 2);
    const all = trainableVariables(n.model).length;
    setTrainedBlocks(n, 2);
    const two = trainableVariables(n.model).length;
    setTrainedBlocks(n, 0);
    expect(n.config.freezeBackbone).toBe(true);
    expect(trainableBackboneVariableNames(n)).toEqual([]);
    setTrainedBlocks(n, 'all');
    expect(n.config.freezeBackbone).toBe(false);
    expect(trainableVariables(n.model).length).toBe(all);
    expect(two).toBeGreaterThan(trainableVariables(n.heads).length);
    expect(two).toBeLessThan(all);
  });

  it("with backboneLrScale s, the backbone's first Adam step is the step of a run at lr·s, the heads' the step at lr (bit for bit)", async () => {
    const [scaled, slow, fast] = [await net('face', 5), await net('face', 5), await net('face', 5)];
    const x = images(112);
    const lr = 1e-3;
    const s = 0.1;
    const a = new FusedAdam(lr);
    a.lrScales = new Map(trainableBackboneVariableNames(scaled).map((name) => [name, s]));
    const b = new FusedAdam(lr * s);
    const c = new FusedAdam(lr);
    train(scaled, a, x, 1);
    train(slow, b, x, 1);
    train(fast, c, x, 1);
    const [got, atSlow, atFast, start] = [snapshot(scaled), snapshot(slow), snapshot(fast), snapshot(await net('face', 5))];
    const layerOf = new Map(scaled.model.layers.flatMap((l) => l.weights.map((w) => [w.originalName, l.name] as const)));
    let ratio = 0;
    let counted = 0;
    for (const [name, v] of got) {
      const head = isHeadLayerName(layerOf.get(name)!);
      expect(v, name).toEqual(head ? atFast.get(name) : atSlow.get(name));
      if (!head) {
        // And the scaled step is about s × the unscaled one (Adam's first step is ≈ lr·sign(g)).
        const f = atFast.get(name)!;
        const z = start.get(name)!;
        for (let i = 0; i < v.length; i += 97) {
          if (f[i] !== z[i]) {
            ratio += (v[i] - z[i]) / (f[i] - z[i]);
            counted++;
          }
        }
      }
    }
    expect(counted).toBeGreaterThan(10);
    expect(ratio / counted).toBeCloseTo(s, 1);
    x.dispose();
    [a, b, c].forEach((o) => o.dispose());
  });
});

describe('head dropout', () => {
  it('leaves inference unchanged and deterministic; a training pass with dropout differs from one without, reproducibly from the seed', async () => {
    const plain = await net('small', 3, 0);
    const drop = await net('small', 3, 0.5);
    const x = images(32);
    const run = (n: MultitaskNet, training: boolean) => tf.tidy(() => Object.values(forward(n.model, x, { training })).map((t) => Array.from(t.dataSync())));
    expect(run(drop, false)).toEqual(run(plain, false));
    expect(run(drop, false)).toEqual(run(drop, false));
    // The heads view (cached features) carries the same dropout layers.
    expect(drop.heads.layers.some((l) => l.name === 'head_au_dropout')).toBe(true);
    expect(plain.model.layers.some((l) => l.name.endsWith('_dropout'))).toBe(false);
    const trainedPlain = run(plain, true);
    const trainedDrop = run(drop, true);
    expect(trainedDrop).not.toEqual(trainedPlain);
    const again = await net('small', 3, 0.5);
    expect(run(again, true)).toEqual(trainedDrop);
    x.dispose();
  });

  it('survives saving and loading (the rate is in the model file)', async () => {
    const drop = await net('small', 4, 0.3);
    const { dir, cleanup } = tempDir();
    try {
      await saveModel(drop, dir, { auThresholds: new Array(8).fill(0.5) });
      const { net: loaded } = await loadModel(dir);
      nets.push(loaded);
      expect(loaded.heads.layers.filter((l) => l.name.endsWith('_dropout')).map((l) => l.getConfig().rate)).toEqual([0.3, 0.3, 0.3]);
    } finally {
      cleanup();
    }
  });
});

describe('bagging', () => {
  const pools: TaskPools = {
    au: { samples: [10, 11, 12, 13, 14, 15, 16, 17], labels: [10, 11, 12, 13, 14, 15, 16, 17].map((i) => [i % 2, -1, 1, 0, 0, 1, -1, 0]) },
    expr: { samples: Array.from({ length: 40 }, (_, i) => 100 + i), classes: Array.from({ length: 40 }, (_, i) => i % 7) },
    va: { samples: [200, 201, 202, 203, 204], valence: [0.1, 0.2, 0.3, 0.4, 0.5], arousal: [-0.1, -0.2, -0.3, -0.4, -0.5] },
  };
  const multiset = (xs: readonly number[]) => [...xs].sort((a, b) => a - b).join(',');

  it('draws a bootstrap resample of each pool: the size kept, labels travelling with their frames, the multiset a function of the seed', () => {
    const a = bootstrapPools(pools, 1);
    const b = bootstrapPools(pools, 2);
    expect(bootstrapPools(pools, 1)).toEqual(a);
    for (const task of ['au', 'expr', 'va'] as const) {
      expect(a[task]!.samples).toHaveLength(pools[task]!.samples.length);
      for (const id of a[task]!.samples) expect(pools[task]!.samples).toContain(id);
    }
    expect(multiset(a.expr!.samples)).not.toEqual(multiset(b.expr!.samples));
    expect(multiset(a.expr!.samples)).not.toEqual(multiset(pools.expr!.samples)); // with replacement: some frames twice, some not at all
    a.expr!.samples.forEach((id, k) => expect(a.expr!.classes[k]).toBe((id - 100) % 7));
    a.au!.samples.forEach((id, k) => expect(a.au!.labels[k]).toEqual(pools.au!.labels[id - 10]));
    a.va!.samples.forEach((id, k) => expect([a.va!.valence[k], a.va!.arousal[k]]).toEqual([(id - 199) / 10, -(id - 199) / 10].map((v) => Math.round(v * 10) / 10)));
    expect(bootstrapPools({ expr: pools.expr }, 1)).toEqual({ expr: a.expr });
  });
});

describe('the config: defaults are the behaviour of before; one switch for frozen', () => {
  it('a stored config without the new fields resolves to a whole trained backbone at one lr, no dropout, no bagging, one λ and T', () => {
    const c = resolveStoredTrainConfig({ backbone: 'face', inputSize: 112 }, 'student');
    expect([c.trainBlocks, c.backboneLrScale, c.headDropout, c.bagging, c.lambda, c.temperature, c.freezeBackbone]).toEqual([undefined, 1, 0, false, 0.6, 1.5, false]);
  });

  it('trainBlocks 0 is freezeBackbone; a frozen backbone with blocks to train, or a scaled lr, is refused', () => {
    expect(resolveTrainConfig({ trainBlocks: 0 }, 'teacher')).toMatchObject({ freezeBackbone: true, trainBlocks: undefined });
    expect(resolveTrainConfig({ trainBlocks: 2, backboneLrScale: 0.1 }, 'teacher')).toMatchObject({ freezeBackbone: false, trainBlocks: 2, backboneLrScale: 0.1 });
    const issues = (p: object) => trainConfigIssues(TrainConfig.parse(p)).map((i) => i.path);
    expect(issues({ freezeBackbone: true, trainBlocks: 1 })).toEqual(['trainBlocks']);
    expect(issues({ freezeBackbone: true, trainBlocks: 'all' })).toEqual(['trainBlocks']);
    expect(issues({ freezeBackbone: true, trainBlocks: 0 })).toEqual([]);
    expect(issues({ freezeBackbone: true, backboneLrScale: 0.1 })).toEqual(['backboneLrScale']);
    expect(issues({ backbone: 'small', inputSize: 32, trainBlocks: 0 })).toEqual(['freezeBackbone']);
    expect(() => resolveTrainConfig({ freezeBackbone: true, trainBlocks: 3 }, 'teacher')).toThrow(/a frozen backbone trains no blocks/);
    expect(TrainConfig.safeParse({ trainBlocks: 5 }).success).toBe(false);
  });

  it("students take their teacher's trained blocks with its backbone, unless they choose blocks or freezing", () => {
    const teacher = { backbone: 'face', inputSize: 112, freezeBackbone: false, trainBlocks: 1 };
    expect(studentModelSettings(teacher, {})).toEqual({ backbone: 'face', inputSize: 112, freezeBackbone: false, featureMaps: 1, trainBlocks: 1 });
    expect(studentModelSettings(teacher, { freezeBackbone: true })).toEqual({ backbone: 'face', inputSize: 112, freezeBackbone: true, featureMaps: 1 });
    expect(studentModelSettings(teacher, { backbone: 'small' })).toEqual({ backbone: 'small', inputSize: 112, freezeBackbone: false, featureMaps: 1 });
    expect(studentModelSettings({ ...teacher, freezeBackbone: true, trainBlocks: undefined }, { trainBlocks: 2 })).toEqual({ backbone: 'face', inputSize: 112, freezeBackbone: false, featureMaps: 1, trainBlocks: 2 });
  });

  it('λ and T as typed: one number, or per task (T has no AU value); every task needed; the schema ranges apply', () => {
    expect(parseLambda('0.6')).toBe(0.6);
    expect(parseLambda('au=0.8, expr=0.6,va=0.5')).toEqual({ au: 0.8, expr: 0.6, va: 0.5 });
    expect(parseTemperature('expr=1.5,va=2')).toEqual({ expr: 1.5, va: 2 });
    expect(() => parseLambda('au=0.8,expr=0.6')).toThrow(/missing va/);
    expect(() => parseLambda('au=1.5,expr=0.6,va=0.5')).toThrow(/λ/);
    expect(() => parseTemperature('au=1,expr=1.5,va=2')).toThrow(/TASK one of expr, va/);
    expect(() => parseLambda('x')).toThrow(/not a number/);
  });
});
