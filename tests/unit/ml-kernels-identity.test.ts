// Identity (tf.clone) on wasm shares its input's data (src/ml/kernels/identity.ts): no copy, the
// memory freed with the last reference, and training gives the very bits it gave with the
// package's copying kernel.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '../../src/ml/backend';
import { registerWasmTrainingKernels, restoreOriginalWasmKernel } from '../../src/ml/kernels/index';
import { adam } from '../../src/ml/train/fused-adam';
import { values } from './kernel-fixtures';

beforeAll(async () => {
  await initBackend({ prefer: 'wasm' });
});
afterAll(() => registerWasmTrainingKernels());

describe('wasm Identity', () => {
  it('a clone shares the data: no new buffer, and the values outlive the original', () => {
    const x = tf.tensor(values([4, 5], 1), [4, 5]);
    const before = tf.memory();
    const y = tf.clone(x);
    expect(tf.memory().numTensors).toBe(before.numTensors + 1);
    expect(tf.memory().numDataBuffers).toBe(before.numDataBuffers);
    expect(y.shape).toEqual([4, 5]);
    const want = Array.from(x.dataSync());
    x.dispose();
    expect(Array.from(y.dataSync())).toEqual(want);
    y.dispose();
    expect(tf.memory().numDataBuffers).toBe(before.numDataBuffers - 1);
    const s = tf.tensor(['a', 'b']);
    const sc = tf.clone(s);
    expect(sc.arraySync()).toEqual(['a', 'b']);
    tf.dispose([s, sc]);
  });

  it('training steps of a conv net give the same bits as with the copying kernel', async () => {
    const run = async (): Promise<Float32Array[]> => {
      const variable = (shape: number[], seed: number) => {
        const init = tf.tidy(() => tf.tensor(values(shape, seed), shape).mul(0.3));
        const v = tf.variable(init);
        init.dispose();
        return v;
      };
      const kernel = variable([3, 3, 3, 8], 3) as tf.Variable<tf.Rank.R4>;
      const dense = variable([8, 4], 4) as tf.Variable<tf.Rank.R2>;
      const x = tf.tensor4d(values([6, 10, 10, 3], 5), [6, 10, 10, 3]);
      const y = tf.tidy(() => tf.oneHot(tf.tensor1d([0, 1, 2, 3, 0, 1], 'int32'), 4).toFloat());
      const opt = adam(1e-2);
      for (let step = 0; step < 4; step++) {
        const loss = opt.minimize(() => {
          const h = tf.relu(tf.conv2d(x, kernel, 1, 'same'));
          const m = tf.moments(h, [0, 1, 2]);
          const pooled = tf.mean(tf.div(tf.sub(h, m.mean), tf.sqrt(tf.add(m.variance, 1e-3))), [1, 2]);
          return tf.losses.softmaxCrossEntropy(y, tf.matMul(pooled, dense)) as tf.Scalar;
        }, true);
        loss?.dispose();
      }
      const out = [kernel.dataSync() as Float32Array, dense.dataSync() as Float32Array];
      tf.dispose([kernel, dense, x, y]);
      opt.dispose();
      return out;
    };
    const before = tf.memory().numTensors;
    registerWasmTrainingKernels();
    const shared = await run();
    restoreOriginalWasmKernel('Identity');
    const copied = await run();
    registerWasmTrainingKernels();
    expect(tf.memory().numTensors).toBe(before);
    expect(shared.map((a) => Array.from(a))).toEqual(copied.map((a) => Array.from(a)));
    // and the weights moved: the comparison is not between two untrained nets
    expect(Array.from(shared[1]).some((v, i) => Math.abs(v - values([8, 4], 4)[i] * 0.3) > 1e-3)).toBe(true);
  });
});
