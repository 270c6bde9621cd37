// The frozen backbone's feature pass (src/ml/train/backbone-features.ts) in this thread against
// worker threads (src/ml/threads), in one process, alternating, so the ratio holds on a shared
// machine: frames/s of each and threads/one. Synthetic crops (speed does not depend on content);
// the thread start-up (tfjs and the net in each thread) is inside the threaded figure.
//
//   npm run bench -- feature-pass [--frames 512] [--threads N (default: AW_THREADS or the cores)] [--rounds 2]
//                                 [--backbone face|small] [--json]
import os from 'node:os';
import { describeBackend, initBackend } from '../src/ml/backend';
import { buildModel, disposeNet } from '../src/ml/models';
import { ensureBackboneFeatures, memoryFeatureStore } from '../src/ml/train/backbone-features';
import type { CropReader } from '../src/ml/train/images';
import { defaultThreadCount } from '../src/base/threads';
import { emitResult } from './lib/result';
import { useSourceThreads } from '../src/worker/dev-threads';

useSourceThreads();

const arg = (name: string, def: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : def;
};
const frames = Number(arg('frames', '512'));
const threads = Number(arg('threads', String(defaultThreadCount())));
const rounds = Number(arg('rounds', '2'));
const backbone = arg('backbone', 'face') === 'small' ? 'small' : 'face';

const info = await initBackend();
const net = await buildModel({ backbone, freezeBackbone: true, seed: 1 });
const crops: CropReader = {
  has: () => true,
  async batch(ids, size) {
    const out = new Float32Array(ids.length * size * size * 3);
    for (let i = 0; i < out.length; i++) out[i] = ((i * 2654435761) >>> 24) / 255;
    return out;
  },
};
const ids = Array.from({ length: frames }, (_, i) => i + 1);
console.log(`${describeBackend(info).split(';')[0]}; ${backbone} backbone, ${frames} frames, batch 64; 1 thread vs ${threads}; load ${os.loadavg()[0].toFixed(1)}`);
const rates: Record<'one' | 'threads', number[]> = { one: [], threads: [] };
for (let r = 0; r < rounds; r++) {
  for (const k of ['one', 'threads'] as const) {
    const t0 = performance.now();
    const pass = await ensureBackboneFeatures(memoryFeatureStore(), { net: async () => net, dim: net.featureDim }, crops, ids, { batch: 64, threads: k === 'one' ? 1 : threads, threadsFrom: 0 });
    const rate = frames / ((performance.now() - t0) / 1000);
    rates[k].push(rate);
    console.log(`  round ${r + 1}, ${pass.threads} thread${pass.threads === 1 ? '' : 's'}: ${rate.toFixed(1)} frames/s${pass.threadsNote ? ` (${pass.threadsNote})` : ''}`);
  }
}
const best = (xs: number[]) => Math.max(...xs);
const ratio = best(rates.threads) / best(rates.one);
console.log(`best: 1 thread ${best(rates.one).toFixed(1)} frames/s, ${threads} threads ${best(rates.threads).toFixed(1)} frames/s: ${ratio.toFixed(2)}× (load ${os.loadavg()[0].toFixed(1)})`);
disposeNet(net);
emitResult({ backbone, frames, threads, one: best(rates.one), threaded: best(rates.threads), ratio, load: os.loadavg()[0] });
