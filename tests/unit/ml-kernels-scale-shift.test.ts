// The per-channel x·scale + shift op (input normalisation): the wasm kernel against the two
// broadcast ops it replaces on the cpu backend, values and gradients.
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, scaleShiftChannels, tf } from '../../src/ml/backend';
import { InputNormalization } from '../../src/ml/models';
import { SCALE_SHIFT_CHANNELS } from '../../src/ml/kernels/scale-shift';
import { values, relError } from './kernel-fixtures';

/** y and the gradients of sum(y·r) w.r.t. x, scale, shift. */
function run(shape: number[], ops: boolean): Float32Array[] {
  const c = shape[shape.length - 1];
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tidy(() => {
    const x = tf.tensor(values(n, 1, 0.5), shape);
    const r = tf.tensor(values(n, 2), shape);
    const scale = tf.tensor1d(values(c, 3, 2));
    const shift = tf.tensor1d(values(c, 4));
    const f = (xi: tf.Tensor, s: tf.Tensor, t: tf.Tensor): tf.Tensor =>
      ops ? tf.add(tf.mul(xi, s), t) : scaleShiftChannels(xi, s as tf.Tensor1D, t as tf.Tensor1D);
    const y = f(x, scale, shift).dataSync() as Float32Array;
    const grads = tf.grads((xi: tf.Tensor, s: tf.Tensor, t: tf.Tensor) => tf.sum(tf.mul(f(xi, s, t), r)))([x, scale, shift]);
    return [y, ...grads.map((g) => g.dataSync() as Float32Array)];
  });
}

beforeAll(async () => {
  await initBackend();
});

describe('scaleShiftChannels', () => {
  for (const shape of [
    [2, 5, 6, 3],
    [4, 6, 5],
    [3, 8],
  ]) {
    it(`wasm kernel matches mul + add on cpu for ${shape.join('x')}`, async () => {
      await tf.setBackend('cpu');
      const ref = run(shape, true);
      await tf.setBackend('wasm');
      const before = tf.memory().numTensors;
      const info = await tf.profile(() => {
        run(shape, false);
      });
      expect(info.kernels.map((k) => k.name)).toContain(SCALE_SHIFT_CHANNELS);
      const ours = run(shape, false);
      expect(tf.memory().numTensors).toBe(before);
      ours.forEach((v, i) => expect(relError(v, ref[i])).toBeLessThan(1e-6));
    });
  }

  it('InputNormalization computes (x − mean)/std per channel', async () => {
    await tf.setBackend('wasm');
    const mean = [0.5, 0.4, 0.3];
    const std = [0.2, 0.25, 0.3];
    const layer = new InputNormalization({ mean, std });
    const x = tf.tensor4d(values(2 * 3 * 4 * 3, 7, 0.5), [2, 3, 4, 3]);
    const y = layer.apply(x) as tf.Tensor;
    const xv = x.dataSync();
    const expected = Array.from(xv, (v, i) => (v - mean[i % 3]) / std[i % 3]);
    expect(relError(y.dataSync(), expected)).toBeLessThan(1e-6);
    tf.dispose([x, y]);
  });
});
