// A fine-tuned model's inference in learning threads (src/ml/train/cnn.ts predictSamples, issue 14
// "parallel inference for soft labels"): the records of 2 threads are the one thread's bit for bit
// (same kernels on the same batches), with and without flip TTA, and the run says it used them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/ml/backend';
import { buildModel, disposeNet, type MultitaskNet } from '../../src/ml/models';
import { predictSamples } from '../../src/ml/train/cnn';
import { unlabelledSamples } from '../../src/shared/samples';
import { SOFT_LABEL_WIDTH } from '../../src/shared/labels';
import { idPatternCrops } from './counting-crops';

let net: MultitaskNet;
beforeAll(async () => {
  await initBackend({ prefer: 'wasm' });
  net = await buildModel({ backbone: 'small', inputSize: 32, freezeBackbone: false, seed: 5 }, { facePretrained: false });
});
afterAll(() => disposeNet(net));

/** 37 frames with shuffled ids: 5 batches of 8, the last short. */
function frames() {
  const s = unlabelledSamples(37);
  for (let i = 0; i < s.n; i++) s.frameId[i] = 100 + ((i * 17) % 37);
  return s;
}

describe("a fine-tuned model's inference in learning threads", () => {
  for (const tta of ['none', 'flip'] as const) {
    it(`gives the one thread's records bit for bit (tta ${tta})`, async () => {
      const s = frames();
      const crops = idPatternCrops();
      const logs: string[] = [];
      let progress = 0;
      const one = await predictSamples(net, crops, s, { batch: 8, tta });
      const two = await predictSamples(net, crops, s, { batch: 8, tta, threads: 2, threadsFrom: 0, log: (l) => logs.push(l), onBatch: async (done) => void (progress = done) });
      expect(logs).toContain('predicting 37 frames in 2 learning threads');
      expect(one.length).toBe(37 * SOFT_LABEL_WIDTH);
      expect(Buffer.from(two.buffer).equals(Buffer.from(one.buffer))).toBe(true);
      expect(progress).toBe(37);
      // The records are the frames' own, not one batch repeated: rows differ.
      expect(one.subarray(0, SOFT_LABEL_WIDTH)).not.toEqual(one.subarray(SOFT_LABEL_WIDTH, 2 * SOFT_LABEL_WIDTH));
    }, 60_000);
  }

  it('stays in this thread below threadsFrom (1,024 frames by default)', async () => {
    const logs: string[] = [];
    await predictSamples(net, idPatternCrops(), frames(), { batch: 8, threads: 2, log: (l) => logs.push(l) });
    expect(logs.some((l) => l.includes('learning threads'))).toBe(false);
  });
});
