import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '../../src/ml/backend';
import {
  backboneLayers,
  buildModel,
  disposeNet,
  extractFeatures,
  forward,
  InputNormalization,
  resolveConfig,
  trainableVariables,
  TrainableBatchNorm,
  type MultitaskNet,
} from '../../src/ml/models';

beforeAll(async () => {
  await initBackend({ prefer: 'wasm' });
});

function shapes(o: Record<string, tf.Tensor>): Record<string, number[]> {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, v.shape]));
}

function weightValues(model: tf.LayersModel, filter: (name: string) => boolean = () => true): Map<string, Float32Array> {
  return new Map(model.weights.filter((w) => filter(w.originalName)).map((w) => [w.originalName, w.read().dataSync() as Float32Array]));
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** One Adam step on a small multitask loss through `forward(training)`. */
function trainStep(net: MultitaskNet, opt: tf.Optimizer, x: tf.Tensor): void {
  const vars = trainableVariables(net.model);
  tf.tidy(() => {
    const target = tf.oneHot(tf.tensor1d([0, 3, 6, 1], 'int32'), 7);
    opt.minimize(() => {
      const o = forward(net.model, x, { training: true });
      const sq = (t: tf.Tensor) => tf.mean(tf.square(t));
      return tf.addN([tf.losses.softmaxCrossEntropy(target, o.expr), sq(o.au), sq(o.v), sq(o.a)]) as tf.Scalar;
    }, false, vars);
  });
}

describe('buildModel', () => {
  it.each([
    ['small', 32, 128],
    ['resnet18', 32, 512],
    ['resnet50', 32, 2048],
    ['face', 112, 256],
  ] as const)('%s at %i px → au/expr/v/a logits; features of width %i', async (backbone, size, featureDim) => {
    const net = await buildModel({ backbone, inputSize: size, seed: 1 });
    expect(net.featureDim).toBe(featureDim);
    expect(net.model.outputNames).toEqual(['au', 'expr', 'v', 'a']);
    const x = tf.randomUniform([2, size, size, 3], 0, 1, 'float32', 5);
    const o = forward(net.model, x);
    expect(shapes(o as unknown as Record<string, tf.Tensor>)).toEqual({ au: [2, 8], expr: [2, 7], v: [2, 20], a: [2, 20] });
    // The views share the model's layers: heads(backbone(x)) is model(x).
    const f = extractFeatures(net, x);
    expect(f.shape).toEqual([2, featureDim]);
    const h = forward(net.heads, f);
    expect(maxAbsDiff(h.expr.dataSync(), o.expr.dataSync())).toBeLessThan(1e-5);
    expect(maxAbsDiff(h.a.dataSync(), o.a.dataSync())).toBeLessThan(1e-5);
    tf.dispose([x, f, ...Object.values(o), ...Object.values(h)]);
    disposeNet(net);
  });

  it.each([
    ['small', 32, 2, 64 + 128, ['s3b1_out', 's4b1_out']],
    ['face', 112, 2, 128 + 256, ['face_dense2_out', 'face_dense3_out']],
    ['face', 112, 3, 64 + 128 + 256, ['face_dense1_out', 'face_dense2_out', 'face_dense3_out']],
  ] as const)('%s, featureMaps %i: the features are the pooled last stage maps, concatenated in order', async (backbone, size, featureMaps, dim, mapLayers) => {
    const net = await buildModel({ backbone, inputSize: size, seed: 2, featureMaps }, { facePretrained: false });
    expect(net.featureDim).toBe(dim);
    const maps = tf.model({ inputs: net.model.inputs, outputs: mapLayers.map((n) => net.model.getLayer(n).output as tf.SymbolicTensor) });
    const x = tf.randomUniform([2, size, size, 3], 0, 1, 'float32', 9);
    const f = extractFeatures(net, x);
    const outs = maps.predict(x) as tf.Tensor4D[];
    const expected = tf.concat(outs.map((m) => m.mean([1, 2])), 1);
    expect(maxAbsDiff(f.dataSync(), expected.dataSync())).toBeLessThan(1e-4);
    tf.dispose([x, f, expected, ...outs]);
    disposeNet(net);
  });

  it('validates its config', () => {
    expect(resolveConfig({ backbone: 'small' })).toEqual({ backbone: 'small', inputSize: 112, freezeBackbone: false, seed: 0, featureMaps: 1 });
    expect(() => resolveConfig({ backbone: 'face', featureMaps: 5 })).toThrow(/featureMaps must be an integer from 1 to 4/);
    expect(() => resolveConfig({ backbone: 'vgg' as 'small' })).toThrow(/unknown backbone 'vgg'/);
    expect(() => resolveConfig({ backbone: 'face', inputSize: 96 })).toThrow(/112×112/);
    expect(() => resolveConfig({ backbone: 'small', seed: -1 })).toThrow(/seed/);
  });

  it('initialises deterministically from the seed, each layer differently', async () => {
    const a = await buildModel({ backbone: 'small', inputSize: 32, seed: 7 });
    const b = await buildModel({ backbone: 'small', inputSize: 32, seed: 7 });
    const c = await buildModel({ backbone: 'small', inputSize: 32, seed: 8 });
    const wa = weightValues(a.model);
    const wb = weightValues(b.model);
    const wc = weightValues(c.model);
    expect([...wa.keys()]).toEqual([...wb.keys()]);
    for (const [k, v] of wa) expect(maxAbsDiff(v, wb.get(k)!), k).toBe(0);
    const kernel = 's2b1_conv2/kernel';
    expect(maxAbsDiff(wa.get(kernel)!, wc.get(kernel)!)).toBeGreaterThan(0.01);
    // Two layers of the same shape in one model do not share their initial values.
    expect(wa.get('head_au_fc1/kernel')!.length).toBe(wa.get('head_expr_fc1/kernel')!.length);
    expect(maxAbsDiff(wa.get('head_au_fc1/kernel')!, wa.get('head_expr_fc1/kernel')!)).toBeGreaterThan(0.01);
    // He-normal: conv kernel std ≈ sqrt(2 / fan_in) (truncated normal: × ~0.88).
    const k = wa.get(kernel)!;
    const std = Math.sqrt(k.reduce((s, v) => s + v * v, 0) / k.length);
    const [kh, kw, cin] = a.model.getLayer('s2b1_conv2').getWeights()[0].shape;
    const fanIn = kh * kw * cin;
    expect(std / Math.sqrt(2 / fanIn)).toBeGreaterThan(0.8);
    expect(std / Math.sqrt(2 / fanIn)).toBeLessThan(1.0);
    [a, b, c].forEach(disposeNet);
  });

  it('freezeBackbone: a training step changes the heads only (moving statistics included)', async () => {
    const net = await buildModel({ backbone: 'small', inputSize: 32, seed: 3, freezeBackbone: true });
    const isHead = (n: string) => n.startsWith('head_') || /^(au|expr|v|a)\//.test(n);
    expect(trainableVariables(net.model).length).toBe(net.heads.trainableWeights.length);
    expect(net.model.trainableWeights.every((w) => isHead(w.originalName))).toBe(true);
    expect(backboneLayers(net).every((l) => !l.trainable)).toBe(true);
    const before = weightValues(net.model);
    const x = tf.randomUniform([4, 32, 32, 3], 0, 1, 'float32', 9);
    const opt = tf.train.adam(1e-2);
    trainStep(net, opt, x);
    const after = weightValues(net.model);
    for (const [k, v] of before) {
      const d = maxAbsDiff(v, after.get(k)!);
      if (isHead(k)) {
        if (!k.endsWith('/beta') || !k.includes('_bn2')) expect(d, k).toBeGreaterThan(0);
      } else {
        expect(d, k).toBe(0);
      }
    }
    opt.dispose();
    x.dispose();
    disposeNet(net);
  });

  it('unfrozen: training steps change backbone weights and batch-norm moving statistics', async () => {
    const net = await buildModel({ backbone: 'small', inputSize: 32, seed: 3 });
    const backbone = (n: string) => !n.startsWith('head_');
    const before = weightValues(net.model, backbone);
    const x = tf.randomUniform([4, 32, 32, 3], 0, 1, 'float32', 9);
    const opt = tf.train.adam(1e-2);
    trainStep(net, opt, x);
    const after1 = weightValues(net.model, backbone);
    for (const name of ['stem_conv/kernel', 's4b1_proj/kernel', 's4b1_bn2/gamma', 'stem_bn/moving_mean', 'stem_bn/gamma']) {
      expect(maxAbsDiff(before.get(name)!, after1.get(name)!), name).toBeGreaterThan(0);
    }
    // Residual branches start as the identity (last gamma = 0), so their convs get no gradient
    // on the first step; once that gamma moved, they do.
    expect(Array.from(before.get('s4b1_bn2/gamma')!).every((g) => g === 0)).toBe(true);
    expect(maxAbsDiff(before.get('s4b1_conv1/kernel')!, after1.get('s4b1_conv1/kernel')!)).toBe(0);
    trainStep(net, opt, x);
    const after2 = weightValues(net.model, backbone);
    expect(maxAbsDiff(after1.get('s4b1_conv1/kernel')!, after2.get('s4b1_conv1/kernel')!)).toBeGreaterThan(0);
    opt.dispose();
    x.dispose();
    disposeNet(net);
  });

  it('builds, trains, predicts and disposes without leaking tensors', async () => {
    const start = tf.memory().numTensors;
    const net = await buildModel({ backbone: 'small', inputSize: 32, seed: 4 });
    const x = tf.randomUniform([4, 32, 32, 3]);
    const opt = tf.train.adam(1e-3);
    const afterBuild = tf.memory().numTensors;
    trainStep(net, opt, x);
    trainStep(net, opt, x);
    const adamSlots = 2 * trainableVariables(net.model).length; // m and v per variable
    expect(tf.memory().numTensors).toBe(afterBuild + adamSlots);
    const o = tf.tidy(() => forward(net.model, x));
    tf.dispose(Object.values(o));
    tf.tidy(() => {
      extractFeatures(net, x);
    });
    expect(tf.memory().numTensors).toBe(afterBuild + adamSlots);
    opt.dispose();
    x.dispose();
    disposeNet(net);
    expect(tf.memory().numTensors).toBe(start);
  });
});

describe('custom layers', () => {
  it('InputNormalization computes (x − mean) / std per channel', () => {
    const layer = new InputNormalization({ mean: [0.5, 0.25, 0], std: [0.5, 2, 1] });
    const y = layer.apply(tf.tensor4d([1, 1, 1, 0, 0.25, 0.5], [1, 1, 2, 3])) as tf.Tensor;
    expect(Array.from(y.dataSync())).toEqual([1, 0.375, 1, -1, 0, 0.5]);
  });

  it('TrainableBatchNorm: batch statistics and moving averages in training mode, moving statistics otherwise', () => {
    const bn = new TrainableBatchNorm({ name: 'bn_test', momentum: 0.9, epsilon: 0 });
    // Two channels over a batch of 4: channel 0 = 1,2,3,4 (mean 2.5, var 1.25), channel 1 = 0,0,2,2 (mean 1, var 1).
    const x = tf.tensor2d([1, 0, 2, 0, 3, 2, 4, 2], [4, 2]);
    const inference = (bn.apply(x) as tf.Tensor).dataSync(); // moving mean 0, var 1: identity
    expect(Array.from(inference)).toEqual([1, 0, 2, 0, 3, 2, 4, 2]);
    bn.trainingMode = true;
    const y = (bn.apply(x) as tf.Tensor).arraySync() as number[][];
    bn.trainingMode = false;
    const s = Math.sqrt(1.25);
    expect(y.map((r) => r[0])).toEqual([-1.5 / s, -0.5 / s, 0.5 / s, 1.5 / s].map((v) => expect.closeTo(v, 5)));
    expect(y.map((r) => r[1])).toEqual([-1, -1, 1, 1].map((v) => expect.closeTo(v, 5)));
    const [, , movingMean, movingVar] = bn.getWeights().map((w) => Array.from(w.dataSync()));
    expect(movingMean).toEqual([expect.closeTo(0.25, 6), expect.closeTo(0.1, 6)]);
    // Unbiased batch variance (n/(n−1)) in the moving average: 0.9·1 + 0.1·(4/3)·var.
    expect(movingVar).toEqual([expect.closeTo(0.9 + (0.1 * 4 * 1.25) / 3, 6), expect.closeTo(0.9 + (0.1 * 4) / 3, 6)]);
    // A frozen layer ignores the training flag.
    bn.trainable = false;
    bn.trainingMode = true;
    expect(Array.from((bn.apply(x) as tf.Tensor).dataSync())).toEqual(
      Array.from(tf.batchNorm(x, tf.tensor1d([0.25, 0.1]), tf.tensor1d(movingVar), undefined, undefined, 0).dataSync()),
    );
  });
});
