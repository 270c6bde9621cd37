// Batch norm: the Tile-free FusedBatchNorm gradient and batchNormTraining, against batch norm
// written out in elementary ops (autodiff through sub/div/sqrt/mean), on cpu and wasm.
import { beforeAll, describe, expect, it } from 'vitest';
import { batchNormTraining, initBackend, tf } from '../../src/ml/backend';
import { fusedBatchNormGradConfig } from '../../src/ml/kernels/batch-norm';
import { values, relError } from './kernel-fixtures';

const EPS = 1e-3;
type Variant = 'explicit' | 'tf.batchNorm' | 'batchNormTraining';

/**
 * Gradients of sum(BN(x)·r) w.r.t. x, gamma, beta with batch statistics, for activations of
 * `shape` (channels last). Values are offset from zero so the mean matters.
 */
function bnGrads(variant: Variant, shape: number[]): Float32Array[] {
  const c = shape[shape.length - 1];
  const n = shape.reduce((a, b) => a * b, 1);
  const axes = shape.slice(0, -1).map((_, i) => i);
  return tf.tidy(() => {
    const x = tf.tensor(values(n, 1, 0.7), shape);
    const gamma = tf.tensor1d(values(c, 2, 1));
    const beta = tf.tensor1d(values(c, 3));
    const r = tf.tensor(values(n, 4), shape);
    const f = (xi: tf.Tensor, g: tf.Tensor, b: tf.Tensor): tf.Scalar => {
      let y: tf.Tensor;
      if (variant === 'batchNormTraining') {
        y = batchNormTraining(xi, g as tf.Tensor1D, b as tf.Tensor1D, EPS).y;
      } else {
        const { mean, variance } = tf.moments(xi, axes);
        y =
          variant === 'tf.batchNorm'
            ? tf.batchNorm(xi, mean, variance, b, g, EPS)
            : tf.add(tf.mul(tf.div(tf.sub(xi, mean), tf.sqrt(tf.add(variance, EPS))), g), b);
      }
      return tf.sum(tf.mul(y, r));
    };
    return tf.grads(f)([x, gamma, beta]).map((t) => t.dataSync() as Float32Array);
  });
}

beforeAll(async () => {
  await initBackend();
});

describe('batch-norm gradient', () => {
  it('is installed as the FusedBatchNorm gradient', () => {
    expect(tf.getGradient('FusedBatchNorm')).toBe(fusedBatchNormGradConfig);
  });

  for (const backend of ['cpu', 'wasm']) {
    for (const shape of [
      [4, 5, 6, 3],
      [3, 7, 5, 8],
      [16, 10],
    ]) {
      it(`${backend}: tf.batchNorm and batchNormTraining match explicit ops for ${shape.join('x')}`, async () => {
        await tf.setBackend(backend);
        const before = tf.memory().numTensors;
        const ref = bnGrads('explicit', shape);
        const fused = bnGrads('tf.batchNorm', shape);
        const ours = bnGrads('batchNormTraining', shape);
        for (let i = 0; i < 3; i++) {
          expect(relError(fused[i], ref[i])).toBeLessThan(1e-4);
          expect(relError(ours[i], ref[i])).toBeLessThan(1e-4);
        }
        expect(tf.memory().numTensors).toBe(before);
      });
    }
  }

  // (tfjs-core cannot differentiate tf.batchNorm without `scale`: it saves the absent input.)
  it('handles statistics shaped like x ([1, 1, 1, C]) as inputs that receive gradients', async () => {
    await tf.setBackend('wasm');
    const shape = [2, 3, 4, 5];
    const n = 2 * 3 * 4 * 5;
    const grads = (fused: boolean): Float32Array[] =>
      tf.tidy(() => {
        const x = tf.tensor(values(n, 5, 0.3), shape);
        const mean = tf.tensor(values(5, 6), [1, 1, 1, 5]);
        const variance = tf.tensor(values(5, 7, 1), [1, 1, 1, 5]);
        const scale = tf.tensor(values(5, 10, 1), [1, 1, 1, 5]);
        const offset = tf.tensor(values(5, 11), [1, 1, 1, 5]);
        const r = tf.tensor(values(n, 8), shape);
        const f = (xi: tf.Tensor, m: tf.Tensor, v: tf.Tensor, g: tf.Tensor, b: tf.Tensor): tf.Scalar => {
          const y = fused
            ? tf.batchNorm(xi, m, v, b, g, EPS)
            : tf.add(tf.mul(tf.div(tf.sub(xi, m), tf.sqrt(tf.add(v, EPS))), g), b);
          return tf.sum(tf.mul(y, r));
        };
        return tf.grads(f)([x, mean, variance, scale, offset]).map((t) => t.dataSync() as Float32Array);
      });
    const ref = grads(false);
    const fused = grads(true);
    for (let i = 0; i < 5; i++) expect(relError(fused[i], ref[i])).toBeLessThan(1e-4);
  });
});

describe('batchNormTraining', () => {
  it('normalises with the batch statistics and returns them (biased variance)', async () => {
    await tf.setBackend('wasm');
    const before = tf.memory().numTensors;
    // Channel 0: 1, 2, 3, 4 (mean 2.5, var 1.25); channel 1: 10, 10, 10, 14 (mean 11, var 3).
    const x = tf.tensor2d([1, 10, 2, 10, 3, 10, 4, 14], [4, 2]);
    const gamma = tf.tensor1d([2, 1]);
    const beta = tf.tensor1d([0.5, -1]);
    const { y, mean, variance } = batchNormTraining(x, gamma, beta, 0);
    expect(Array.from(await mean.data())).toEqual([2.5, 11]);
    expect(Array.from(await variance.data())).toEqual([1.25, 3]);
    const expected = [1, 2, 3, 4].flatMap((v, i) => [
      (2 * (v - 2.5)) / Math.sqrt(1.25) + 0.5,
      ([10, 10, 10, 14][i] - 11) / Math.sqrt(3) - 1,
    ]);
    const got = await y.data();
    expected.forEach((e, i) => expect(got[i]).toBeCloseTo(e, 5));
    tf.dispose([x, gamma, beta, y, mean, variance]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('leaks nothing inside tf.tidy and tf.variableGrads', async () => {
    await tf.setBackend('wasm');
    const before = tf.memory().numTensors;
    const gamma = tf.tidy(() => tf.variable(tf.ones([3])));
    const beta = tf.tidy(() => tf.variable(tf.zeros([3])));
    const x = tf.tensor4d(values(2 * 4 * 4 * 3, 9), [2, 4, 4, 3]);
    tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => {
        const { y } = batchNormTraining(x, gamma as tf.Tensor1D, beta as tf.Tensor1D);
        return tf.sum(tf.square(y));
      });
      expect(Number.isFinite(value.dataSync()[0])).toBe(true);
      expect(grads[gamma.name].shape).toEqual([3]);
    });
    tf.dispose([gamma, beta, x]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
