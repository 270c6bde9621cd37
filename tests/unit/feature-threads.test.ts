// The feature pass in worker threads (src/ml/threads, src/ml/train/backbone-features.ts): two
// threads store exactly the rows one thread stores (bit for bit: same kernels on the same batches),
// in the same order, and say so in the pass's record and log line.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/ml/backend';
import { buildModel, disposeNet, type MultitaskNet } from '../../src/ml/models';
import { describeFeaturePass, ensureBackboneFeatures, memoryFeatureStore, type FeatureStore } from '../../src/ml/train/backbone-features';
import { idPatternCrops } from './counting-crops';
import { defaultThreadCount } from '../../src/base/threads';

let net: MultitaskNet;
beforeAll(async () => {
  await initBackend({ prefer: 'wasm' });
  net = await buildModel({ backbone: 'small', inputSize: 32, freezeBackbone: true, seed: 4 });
});
afterAll(() => disposeNet(net));

const crops = idPatternCrops();

/** A memory store that records the order rows were put in. */
function recordingStore(): FeatureStore & { order: number[] } {
  const inner = memoryFeatureStore();
  const order: number[] = [];
  return { ...inner, order, put: (key, ids, data) => (order.push(...ids), inner.put(key, ids, data)) };
}

describe('the feature pass in worker threads', () => {
  it('stores the rows one thread stores, in the same order', async () => {
    const ids = Array.from({ length: 37 }, (_, i) => 100 + ((i * 17) % 37)); // 37 frames, shuffled ids: 5 batches of 8
    const one = recordingStore();
    const two = recordingStore();
    const a = await ensureBackboneFeatures(one, { net: async () => net, dim: net.featureDim }, crops, ids, { batch: 8 });
    const b = await ensureBackboneFeatures(two, { net: async () => net, dim: net.featureDim }, crops, ids, { batch: 8, threads: 2, threadsFrom: 0 });
    expect([a.threads, b.threads, b.threadsNote]).toEqual([1, 2, undefined]);
    expect([b.computed, b.key]).toEqual([37, a.key]);
    expect(two.order).toEqual(one.order);
    const ra = new Float32Array(ids.length * net.featureDim);
    const rb = new Float32Array(ids.length * net.featureDim);
    one.read(a.key, ids, ra);
    two.read(b.key, ids, rb);
    expect(rb).toEqual(ra);
    expect(ra.some((v) => v !== 0)).toBe(true);
    expect(describeFeaturePass(b)).toMatch(/37 computed, 0 read from the feature cache; computed in 2 threads$/);
  }, 60_000);

  it('computes the mirrored view in threads as one thread does', async () => {
    const ids = Array.from({ length: 20 }, (_, i) => 300 + i);
    const one = memoryFeatureStore();
    const two = memoryFeatureStore();
    const a = await ensureBackboneFeatures(one, { net: async () => net, dim: net.featureDim }, crops, ids, { batch: 8, view: 'flip' });
    const b = await ensureBackboneFeatures(two, { net: async () => net, dim: net.featureDim }, crops, ids, { batch: 8, view: 'flip', threads: 2, threadsFrom: 0 });
    const plain = await ensureBackboneFeatures(one, { net: async () => net, dim: net.featureDim }, crops, ids, { batch: 8 });
    expect([b.threads, b.key, b.view]).toEqual([2, a.key, 'flip']);
    const ra = new Float32Array(ids.length * net.featureDim);
    const rb = new Float32Array(ids.length * net.featureDim);
    const rp = new Float32Array(ids.length * net.featureDim);
    one.read(a.key, ids, ra);
    two.read(b.key, ids, rb);
    one.read(plain.key, ids, rp);
    expect(rb).toEqual(ra);
    expect(rp).not.toEqual(ra); // the threads mirrored the crops
    expect(describeFeaturePass(b)).toMatch(/^backbone features \(flip view\): 20 frames, 20 computed, .*computed in 2 threads$/);
  }, 60_000);

  it('takes its default thread count from AW_THREADS, else the cores', () => {
    expect(defaultThreadCount({ AW_THREADS: '3' })).toBe(3);
    expect(defaultThreadCount({})).toBeGreaterThanOrEqual(1);
    expect(() => defaultThreadCount({ AW_THREADS: 'many' })).toThrow(/AW_THREADS must be a positive integer/);
  });
});
