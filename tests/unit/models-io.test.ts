import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '../../src/ml/backend';
import {
  buildModel,
  disposeNet,
  extractFeatures,
  forward,
  loadCheckpoint,
  loadModel,
  readModelMeta,
  saveCheckpoint,
  saveModel,
  trainableVariables,
  type MultitaskNet,
} from '../../src/ml/models';
import { tempDir } from './helpers';

beforeAll(async () => {
  await initBackend({ prefer: 'wasm' });
});

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});
function dir(): string {
  const t = tempDir('aw-models-');
  cleanups.push(t.cleanup);
  return t.dir;
}

const SIZE = 32;

function batch(seed: number, size = SIZE): tf.Tensor4D {
  return tf.randomUniform([4, size, size, 3], 0, 1, 'float32', seed) as tf.Tensor4D;
}

/** All four outputs concatenated, as plain numbers. */
function predict(net: MultitaskNet, x: tf.Tensor): number[] {
  return tf.tidy(() => {
    const o = forward(net.model, x);
    return Array.from(tf.concat([o.au, o.expr, o.v, o.a], 1).dataSync());
  });
}

function trainStep(net: MultitaskNet, opt: tf.Optimizer, x: tf.Tensor, model = net.model): void {
  const vars = trainableVariables(model);
  tf.tidy(() => {
    const target = tf.oneHot(tf.tensor1d([2, 0, 5, 4], 'int32'), 7);
    opt.minimize(() => {
      const o = forward(model, x, { training: true });
      return tf.add(tf.losses.softmaxCrossEntropy(target, o.expr), tf.mean(tf.square(tf.sub(o.v, 0.5)))) as tf.Scalar;
    }, false, vars);
  });
}

describe('saveModel / loadModel', () => {
  it('round-trips a trained small net: identical predictions, config, meta and frozen state', async () => {
    const d = dir();
    const net = await buildModel({ backbone: 'small', inputSize: SIZE, seed: 11 });
    const x = batch(1);
    const opt = tf.train.adam(1e-2);
    trainStep(net, opt, x); // moves weights and batch-norm moving statistics away from their init
    const thresholds = [0.3, 0.4, 0.5, 0.6, 0.45, 0.5, 0.55, 0.35];
    await saveModel(net, d, { auThresholds: thresholds, trainedOn: 'unit test' });
    expect(fs.readdirSync(d).sort()).toEqual(['model.json', 'weights.bin']); // no temporary files left

    const json = JSON.parse(fs.readFileSync(path.join(d, 'model.json'), 'utf8'));
    expect(json.format).toBe('affect-workbench-model');
    expect(json.version).toBe(1);
    expect(json.weightsManifest[0].paths).toEqual(['weights.bin']);
    expect(json.weightsBytes).toBe(fs.statSync(path.join(d, 'weights.bin')).size);

    const { net: loaded, meta } = await loadModel(d);
    expect(meta.config).toEqual({ backbone: 'small', inputSize: SIZE, freezeBackbone: false, seed: 11, featureMaps: 1 });
    expect(meta.auThresholds).toEqual(thresholds);
    expect(meta.trainedOn).toBe('unit test');
    expect(meta.featureDim).toBe(128);
    expect((await readModelMeta(d)).auThresholds).toEqual(thresholds);
    const x2 = batch(2);
    expect(predict(loaded, x2)).toEqual(predict(net, x2));
    // The loaded views work and share weights with the loaded model.
    const f = extractFeatures(loaded, x2);
    const viaHeads = tf.tidy(() => Array.from(forward(loaded.heads, f).expr.dataSync()));
    const direct = tf.tidy(() => Array.from(forward(loaded.model, x2).expr.dataSync()));
    viaHeads.forEach((v, i) => expect(v).toBeCloseTo(direct[i], 5));
    tf.dispose([x, x2, f]);
    opt.dispose();
    disposeNet(net);
    disposeNet(loaded);
  });

  it('round-trips the face net with a frozen backbone pooling two feature maps', async () => {
    const d = dir();
    const net = await buildModel({ backbone: 'face', seed: 2, freezeBackbone: true, featureMaps: 2 });
    await saveModel(net, d);
    const { net: loaded } = await loadModel(d);
    expect(loaded.config.freezeBackbone).toBe(true);
    expect([loaded.config.featureMaps, loaded.featureDim]).toEqual([2, 384]);
    expect(loaded.model.trainableWeights.map((w) => w.originalName)).toEqual(net.model.trainableWeights.map((w) => w.originalName));
    const x = batch(3, 112);
    expect(predict(loaded, x)).toEqual(predict(net, x));
    x.dispose();
    disposeNet(net);
    disposeNet(loaded);
  });

  it('refuses other versions and formats, and corrupt or mismatched weights', async () => {
    const d = dir();
    const net = await buildModel({ backbone: 'small', inputSize: SIZE, seed: 1 });
    await saveModel(net, d);
    disposeNet(net);
    const file = path.join(d, 'model.json');
    const original = fs.readFileSync(file, 'utf8');
    const edit = (f: (j: Record<string, unknown>) => void) => {
      const j = JSON.parse(original);
      f(j);
      fs.writeFileSync(file, JSON.stringify(j));
    };
    edit((j) => (j.version = 2));
    await expect(loadModel(d)).rejects.toThrow(/version 2 is not supported \(this build reads version 1\).*newer/);
    await expect(readModelMeta(d)).rejects.toThrow(/version 2 is not supported/);
    edit((j) => (j.format = 'something-else'));
    await expect(loadModel(d)).rejects.toThrow(/not an affect-workbench-model file/);
    fs.writeFileSync(file, original);
    const weights = path.join(d, 'weights.bin');
    const bytes = fs.readFileSync(weights);
    bytes[100] ^= 0xff;
    fs.writeFileSync(weights, bytes);
    await expect(loadModel(d)).rejects.toThrow(/weights.bin: checksum mismatch/);
    fs.writeFileSync(weights, bytes.subarray(0, 1000));
    await expect(loadModel(d)).rejects.toThrow(/weights.bin: 1000 bytes, expected/);
  });

  it('saves and loads without leaking tensors', async () => {
    const d = dir();
    const start = tf.memory().numTensors;
    const net = await buildModel({ backbone: 'small', inputSize: SIZE, seed: 5 });
    await saveModel(net, d);
    const { net: loaded } = await loadModel(d);
    disposeNet(net);
    disposeNet(loaded);
    expect(tf.memory().numTensors).toBe(start);
  });
});

describe('saveCheckpoint / loadCheckpoint', () => {
  it('resumes exactly: same weights, Adam moments and step count, trainer state', async () => {
    const d = dir();
    const net = await buildModel({ backbone: 'small', inputSize: SIZE, seed: 21 });
    const opt = tf.train.adam(3e-3);
    const x = batch(7);
    trainStep(net, opt, x);
    trainStep(net, opt, x);
    const trainerState = { epoch: 1, step: 2, rng: [123456789, 42], lr: 3e-3 };
    await saveCheckpoint(d, { net, optimizer: opt, trainerState, meta: { auThresholds: [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.4] } });
    expect(fs.readdirSync(d).sort()).toEqual(['checkpoint.json', 'model.json', 'optimizer.bin', 'weights.bin']);

    const resumed = await loadCheckpoint<typeof trainerState>(d);
    expect(resumed.trainerState).toEqual(trainerState);
    expect(resumed.meta.auThresholds?.[7]).toBe(0.4);
    expect(resumed.optimizer.getClassName()).toBe('Adam');
    expect(resumed.optimizer.getConfig()).toEqual(opt.getConfig());
    expect(resumed.optimizer.iterations).toBe(2);
    // Optimizer slots equal, in the same order, under this process's variable names.
    const a = await opt.getWeights();
    const b = await resumed.optimizer.getWeights();
    expect(b.length).toBe(a.length);
    expect(b.length).toBe(1 + 2 * trainableVariables(net.model).length);
    for (let i = 1; i < a.length; i++) {
      expect(Array.from(b[i].tensor.dataSync())).toEqual(Array.from(a[i].tensor.dataSync()));
    }
    tf.dispose([a[0].tensor, b[0].tensor]);

    // One more step on each: the resumed run must land exactly where the original does.
    trainStep(net, opt, x);
    trainStep(resumed.net, resumed.optimizer, x);
    const probe = batch(8);
    const p1 = predict(net, probe);
    const p2 = predict(resumed.net, probe);
    const diff = Math.max(...p1.map((v, i) => Math.abs(v - p2[i])));
    expect(diff).toBe(0);
    // …whereas resuming with a fresh optimizer (moments lost) does not.
    const { net: plain } = await loadModel(d);
    const fresh = tf.train.adam(3e-3);
    trainStep(plain, fresh, x);
    const p3 = predict(plain, probe);
    expect(Math.max(...p1.map((v, i) => Math.abs(v - p3[i])))).toBeGreaterThan(1e-4);

    tf.dispose([x, probe]);
    [opt, resumed.optimizer, fresh].forEach((o) => o.dispose());
    [net, resumed.net, plain].forEach(disposeNet);
  });

  it('checkpoints the heads-only training of a frozen backbone', async () => {
    const d = dir();
    const net = await buildModel({ backbone: 'small', inputSize: SIZE, seed: 4, freezeBackbone: true });
    const feats = extractFeatures(net, batch(9));
    const opt = tf.train.adam(1e-2);
    trainStep(net, opt, feats, net.heads);
    await saveCheckpoint(d, { net, optimizer: opt, trainerState: { step: 1 } });
    const r = await loadCheckpoint(d);
    trainStep(net, opt, feats, net.heads);
    trainStep(r.net, r.optimizer, feats, r.net.heads);
    const p = (n: MultitaskNet) => tf.tidy(() => Array.from(forward(n.heads, feats).au.dataSync()));
    expect(p(r.net)).toEqual(p(net));
    feats.dispose();
    [opt, r.optimizer].forEach((o) => o.dispose());
    [net, r.net].forEach(disposeNet);
  });

  it('refuses an unknown checkpoint version and a corrupt optimizer file', async () => {
    const d = dir();
    const net = await buildModel({ backbone: 'small', inputSize: SIZE, seed: 1 });
    const opt = tf.train.adam(1e-3);
    trainStep(net, opt, batch(1));
    await saveCheckpoint(d, { net, optimizer: opt, trainerState: null });
    opt.dispose();
    disposeNet(net);
    const file = path.join(d, 'checkpoint.json');
    const original = fs.readFileSync(file, 'utf8');
    fs.writeFileSync(file, JSON.stringify({ ...JSON.parse(original), version: 7 }));
    await expect(loadCheckpoint(d)).rejects.toThrow(/affect-workbench-checkpoint version 7 is not supported/);
    fs.writeFileSync(file, original);
    const ob = path.join(d, 'optimizer.bin');
    const bytes = fs.readFileSync(ob);
    bytes[0] ^= 1;
    fs.writeFileSync(ob, bytes);
    await expect(loadCheckpoint(d)).rejects.toThrow(/optimizer.bin: checksum mismatch/);
  });
});
