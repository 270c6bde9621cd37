// BatchMatMul with transposed operands on wasm (our explicit-transpose wrapper) against cpu.
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '../../src/ml/backend';
import { values } from './kernel-fixtures';

async function on(backend: string, f: () => tf.Tensor): Promise<Float32Array> {
  await tf.setBackend(backend);
  const t = tf.tidy(f);
  const d = (await t.data()) as Float32Array;
  t.dispose();
  return d;
}

beforeAll(async () => {
  await initBackend({ prefer: 'wasm' });
});

describe('wasm BatchMatMul with transposed operands', () => {
  const cases: [number[], number[], boolean, boolean][] = [
    [[37, 19], [37, 23], true, false],
    [[19, 37], [23, 37], false, true],
    [[37, 19], [23, 37], true, true],
    [[3, 17, 9], [3, 17, 5], true, false],
    [[3, 9, 17], [3, 5, 17], false, true],
    [[2, 8, 8], [2, 8, 8], false, false],
  ];
  for (const [sa, sb, ta, tb] of cases) {
    it(`matches cpu for a${JSON.stringify(sa)}${ta ? 'ᵀ' : ''} · b${JSON.stringify(sb)}${tb ? 'ᵀ' : ''}`, async () => {
      const make = () => tf.matMul(tf.tensor(values(sa, 1), sa) as tf.Tensor, tf.tensor(values(sb, 2), sb) as tf.Tensor, ta, tb);
      const before = tf.memory().numTensors;
      const w = await on('wasm', make);
      const c = await on('cpu', make);
      await tf.setBackend('wasm');
      let diff = 0;
      for (let i = 0; i < c.length; i++) diff = Math.max(diff, Math.abs(w[i] - c[i]));
      expect(w.length).toBe(c.length);
      expect(diff).toBeLessThan(1e-5);
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it('gives the same gradients as cpu through a dense layer (matMul gradient uses both transposes)', async () => {
    const grads = async (backend: string) => {
      await tf.setBackend(backend);
      const x = tf.tensor2d(values([16, 12], 3), [16, 12]);
      const w = tf.tensor2d(values([12, 7], 4), [12, 7]);
      const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(tf.matMul(a, b))))([x, w]);
      const out = await Promise.all(g.map((t) => t.data() as Promise<Float32Array>));
      tf.dispose([x, w, ...g]);
      return out;
    };
    const w = await grads('wasm');
    const c = await grads('cpu');
    await tf.setBackend('wasm');
    for (let k = 0; k < 2; k++) for (let i = 0; i < c[k].length; i++) expect(Math.abs(w[k][i] - c[k][i])).toBeLessThan(1e-4);
  });
});
