// The threaded SIMD wasm build under Node (own module factory, worker file on disk, thread cap
// lifted, workers unref()ed). Its own file: a process holds one wasm backend.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { initBackend, tf } from '../../src/ml/backend';
import { values } from './kernel-fixtures';

async function gradsOn(backend: string): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const x = tf.tensor4d(values(4 * 15 * 15 * 8, 1), [4, 15, 15, 8]);
    const w = tf.tensor4d(values(3 * 3 * 8 * 16, 2), [3, 3, 8, 16]);
    const f = (a: tf.Tensor, b: tf.Tensor): tf.Scalar => {
      const y = tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same');
      return tf.sum(tf.mul(y, tf.tensor(values(y.size, 3), y.shape)));
    };
    return tf.grads(f)([x, w]).map((t) => t.dataSync() as Float32Array);
  });
}

describe('threaded wasm', () => {
  it('runs 2 XNNPACK threads and computes the same gradients as cpu', async () => {
    const info = await initBackend({ threads: 2 });
    expect(info.name).toBe('wasm');
    expect(info.threadsError).toBeUndefined();
    expect(info.threads).toBe(2);
    const before = tf.memory().numTensors;
    const wasm = await gradsOn('wasm');
    const cpu = await gradsOn('cpu');
    for (let i = 0; i < 2; i++) {
      let diff = 0;
      let scale = 0;
      cpu[i].forEach((v, j) => {
        diff = Math.max(diff, Math.abs(v - wasm[i][j]));
        scale = Math.max(scale, Math.abs(v));
      });
      expect(diff / scale).toBeLessThan(1e-4);
    }
    expect(tf.memory().numTensors).toBe(before);
    await tf.setBackend('wasm');
  });

  it('lets a process exit on its own once its work is done (workers unref()ed)', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'aw-threads-'));
    try {
      const script = path.join(dir, 'child.mts'); // .mts: ESM, for top-level await
      const backendUrl = pathToFileURL(path.resolve('src/ml/backend.ts')).href;
      writeFileSync(
        script,
        `import { initBackend, tf } from ${JSON.stringify(backendUrl)};\n` +
          `const info = await initBackend({ threads: 2 });\n` +
          `const y = tf.conv2d(tf.ones([2, 16, 16, 4]), tf.ones([3, 3, 4, 4]), 1, 'same');\n` +
          `console.log('threads', info.threads, 'sum', (await y.sum().data())[0]);\n`,
      );
      const r = spawnSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8', timeout: 30_000 });
      expect(r.signal).toBeNull(); // not killed by the timeout: it exited by itself
      expect(r.status).toBe(0);
      // Interior outputs see 36 ones (3·3·4), edges fewer; just check the run completed.
      expect(r.stdout).toMatch(/^threads 2 sum \d+/m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
