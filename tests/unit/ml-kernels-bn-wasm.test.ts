// Training-mode batch norm: the wasm kernels (AwBatchNormTrain/Grad) against the tf-ops path on
// the cpu backend, and the channel-sum reducer (synchronised batch norm over shards of a batch)
// on both paths.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { batchNormTraining, initBackend, tf } from '../../src/ml/backend';
import { movingAverage, setChannelSumReducer, type ChannelSumStage } from '../../src/ml/kernels/batch-norm';
import {
  addChannelSums,
  addGradientSums,
  addSquaredDeviations,
  BATCH_NORM_TRAIN,
  BATCH_NORM_TRAIN_GRAD,
  channelAffine,
  gradientAffine,
  MOVING_AVERAGE,
} from '../../src/ml/kernels/batch-norm-wasm';
import { nativeKernelsStatus, setNativeKernelsEnabled } from '../../src/ml/kernels/native';
import { values, relError } from './kernel-fixtures';

const EPS = 1e-3;

interface BnRun {
  y: Float32Array;
  mean: Float32Array;
  variance: Float32Array;
  dx: Float32Array;
  dGamma: Float32Array;
  dBeta: Float32Array;
}

/** batchNormTraining of x (offset 3 so the mean matters) and the gradients of sum(y·r). */
function run(x: Float32Array, r: Float32Array, shape: number[]): BnRun {
  const c = shape[shape.length - 1];
  return tf.tidy(() => {
    const xt = tf.tensor(x, shape);
    const rt = tf.tensor(r, shape);
    const gamma = tf.tensor1d(values(c, 2, 1));
    const beta = tf.tensor1d(values(c, 3));
    let stats: Float32Array[] = [];
    const f = (xi: tf.Tensor, g: tf.Tensor, b: tf.Tensor): tf.Scalar => {
      const { y, mean, variance } = batchNormTraining(xi, g as tf.Tensor1D, b as tf.Tensor1D, EPS);
      stats = [y, mean, variance].map((t) => t.dataSync() as Float32Array);
      return tf.sum(tf.mul(y, rt));
    };
    const [dx, dGamma, dBeta] = tf.grads(f)([xt, gamma, beta]).map((t) => t.dataSync() as Float32Array);
    return { y: stats[0], mean: stats[1], variance: stats[2], dx, dGamma, dBeta };
  });
}

const SHAPES = [
  [4, 5, 6, 16],
  [3, 7, 5, 8],
  [2, 3, 4, 5],
  [16, 12],
  [6, 3],
];

beforeAll(async () => {
  await initBackend();
});

afterEach(() => setChannelSumReducer(null));

describe('wasm batch-norm kernels', () => {
  it('run on wasm for training-mode batch norm', async () => {
    await tf.setBackend('wasm');
    const shape = [2, 3, 3, 8];
    const n = 2 * 3 * 3 * 8;
    const info = await tf.profile(() => {
      run(values(n, 1, 3), values(n, 4), shape);
    });
    const names = info.kernels.map((k) => k.name);
    expect(names).toContain(BATCH_NORM_TRAIN);
    expect(names).toContain(BATCH_NORM_TRAIN_GRAD);
  });

  for (const shape of SHAPES) {
    it(`match the tf-ops path on cpu for ${shape.join('x')}`, async () => {
      const n = shape.reduce((a, b) => a * b, 1);
      const x = values(n, 1, 3);
      const r = values(n, 4);
      await tf.setBackend('cpu');
      const ref = run(x, r, shape);
      await tf.setBackend('wasm');
      const before = tf.memory().numTensors;
      const ours = run(x, r, shape);
      expect(tf.memory().numTensors).toBe(before);
      for (const key of Object.keys(ref) as (keyof BnRun)[]) {
        expect(relError(ours[key], ref[key]), key).toBeLessThan(1e-5);
      }
    });
  }
});

/** Float64 per-channel sums of the rows of `x` (and `w`·x when given). */
function channelSums(x: Float32Array, c: number, f: (v: number, k: number, i: number) => number): Float64Array {
  const s = new Float64Array(c);
  for (let i = 0; i < x.length; i++) s[i % c] += f(x[i], i % c, i);
  return s;
}

describe('channel-sum reducer (synchronised batch norm)', () => {
  for (const backend of ['wasm', 'cpu']) {
    for (const shape of [
      [8, 3, 4, 16],
      [6, 2, 3, 5],
    ]) {
      it(`${backend}: two halves with the other half's partial sums equal the whole batch (${shape.join('x')})`, async () => {
        await tf.setBackend(backend);
        const c = shape[shape.length - 1];
        const n = shape.reduce((a, b) => a * b, 1);
        const x = values(n, 1, 3);
        const r = values(n, 4);
        const whole = run(x, r, shape);
        const half = n / 2;
        const halfShape = [shape[0] / 2, ...shape.slice(1)];
        const part = (lo: number): { own: BnRun; stages: ChannelSumStage[] } => {
          const other = lo === 0 ? half : 0;
          const ox = x.subarray(other, other + half);
          const or = r.subarray(other, other + half);
          const stages: ChannelSumStage[] = [];
          let mean = new Float64Array(c);
          setChannelSumReducer((partial, stage) => {
            stages.push(stage);
            const out = Float64Array.from(partial);
            if (stage === 'mean') {
              const s = channelSums(ox, c, (v) => v);
              for (let k = 0; k < c; k++) out[k] += s[k];
              out[c] += half / c;
              mean = out.slice(0, c).map((v) => v / out[c]);
            } else if (stage === 'variance') {
              const s = channelSums(ox, c, (v, k) => (v - mean[k]) ** 2);
              for (let k = 0; k < c; k++) out[k] += s[k];
            } else {
              // dy = r for the loss sum(y·r).
              const sDy = channelSums(or, c, (v) => v);
              const sDot = channelSums(or, c, (v, k, i) => v * (ox[i] - mean[k]));
              for (let k = 0; k < c; k++) {
                out[k] += sDy[k];
                out[c + k] += sDot[k];
              }
              out[2 * c] += half / c;
            }
            return out;
          });
          try {
            return { own: run(x.slice(lo, lo + half), r.slice(lo, lo + half), halfShape), stages };
          } finally {
            setChannelSumReducer(null);
          }
        };
        const a = part(0);
        const b = part(half);
        expect(a.stages).toEqual(['mean', 'variance', 'gradient']);
        const both = (k: 'y' | 'dx'): Float32Array => Float32Array.from([...a.own[k], ...b.own[k]]);
        expect(relError(both('y'), whole.y)).toBeLessThan(1e-5);
        expect(relError(both('dx'), whole.dx)).toBeLessThan(1e-5);
        expect(relError(a.own.mean, whole.mean)).toBeLessThan(1e-5);
        expect(relError(a.own.variance, whole.variance)).toBeLessThan(1e-5);
        const sum = (p: Float32Array, q: Float32Array): Float32Array => p.map((v, i) => v + q[i]);
        expect(relError(sum(a.own.dGamma, b.own.dGamma), whole.dGamma)).toBeLessThan(1e-5);
        expect(relError(sum(a.own.dBeta, b.own.dBeta), whole.dBeta)).toBeLessThan(1e-5);
      });
    }
  }

  it('rejects a reducer that changes the length', async () => {
    await tf.setBackend('wasm');
    setChannelSumReducer((partial) => partial.slice(1));
    expect(() => run(values(24, 1), values(24, 2), [3, 8])).toThrow(/reducer returned/);
  });
});

describe('movingAverage', () => {
  for (const batchScale of [1, 4 / 3]) {
    it(`wasm kernel matches the tf ops on cpu (batchScale ${batchScale.toFixed(3)})`, async () => {
      const run = (): Float32Array =>
        tf.tidy(() => movingAverage(tf.tensor1d(values(37, 1, 1)), tf.tensor1d(values(37, 2, 2)), 0.9, batchScale).dataSync() as Float32Array);
      await tf.setBackend('cpu');
      const ref = run();
      await tf.setBackend('wasm');
      const before = tf.memory().numTensors;
      const info = await tf.profile(() => {
        run();
      });
      expect(info.kernels.map((k) => k.name)).toEqual([MOVING_AVERAGE]);
      expect(relError(run(), ref)).toBeLessThan(1e-6);
      expect(tf.memory().numTensors).toBe(before);
    });
  }
});

describe('the native batch-norm passes (src/native) are the JS passes, bit for bit', () => {
  afterEach(() => setNativeKernelsEnabled(true));
  it('sums, squared deviations, normalisation, gradient sums and the gradient affine, for C % 4 = 0 and not', () => {
    expect(nativeKernelsStatus().active, 'the native kernels are built by npm run build').toBe(true);
    for (const c of [16, 6]) {
      const rows = 37;
      const x = values(rows * c, 11, 3);
      const dy = values(rows * c, 12);
      const perC = (seed: number) => Float64Array.from(values(c, seed, 0.5));
      const [mean, scale, shift, k, a, b] = [1, 2, 3, 4, 5, 6].map(perC);
      const run = () => {
        const s1 = new Float64Array(c);
        addChannelSums(x, c, s1);
        const s2 = new Float64Array(c);
        addSquaredDeviations(x, c, mean, s2);
        const y = new Float32Array(rows * c);
        channelAffine(x, c, mean, scale, shift, y);
        const s3 = new Float64Array(2 * c);
        addGradientSums(dy, x, c, mean, s3);
        const dx = new Float32Array(rows * c);
        gradientAffine(dy, x, c, mean, k, a, b, dx);
        return [s1, s2, y, s3, dx];
      };
      const native = run();
      setNativeKernelsEnabled(false);
      const js = run();
      setNativeKernelsEnabled(true);
      native.forEach((v, i) => expect(Array.from(v), `pass ${i}, C ${c}`).toEqual(Array.from(js[i])));
    }
    expect(() => addChannelSums(new Float32Array(10), 4, new Float64Array(4))).toThrow(/lengths do not match c/);
  });
});
