// Issue 18 item 7: the training loop keeps the best validation epoch (sum of the task scores at AU
// threshold 0.5), not the last; resume keeps it; AU thresholds follow config.auThresholds.
//
// The CNN trains for real (small backbone on rendered faces); its validation predictions are
// replaced by scripted records, so which epoch is best is known in advance: epoch 2 of 4 (later
// epochs are worse). The saved model's weights must be byte-identical to the checkpoint written
// after epoch 2.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEngineFixture } from './engine-fixture';
import { tempDir } from './helpers';
import { initBackend, tf } from '../../src/ml/backend';
import { downsampleFactors, loadSamples } from '../../src/node/labels/samples';
import { trainModel } from '../../src/ml/train/trainer';
import { cnnTrainer, type TrainInput } from '../../src/ml/train/cnn';
import { resolveTrainConfig } from '../../src/ml/train/config';
import { tuneThresholds } from '../../src/ml/train/evaluate';
import type { TrainHooks } from '../../src/ml/train/arch';
import { CropSource } from '../../src/node/training/engine/crop-source';
import { openCropCache } from '../../src/node/store/crop-cache';
import { Project } from '../../src/node/store/project';
import { disposeNet, readModelMeta } from '../../src/ml/models';
import { NUM_AUS, SOFT_LABEL_WIDTH } from '../../src/shared/labels';
import type { SampleSet } from '../../src/shared/samples';

const tmp = tempDir('aw-best-epoch-');
let dir: string;
const small = { backbone: 'small' as const, inputSize: 32, batch: 8, lr: 1e-3, maxStepsPerEpoch: 2, epochs: 4 };

beforeAll(async () => {
  process.env.AW_HOME = path.join(tmp.dir, 'home');
  dir = path.join(tmp.dir, 'p');
  (await buildEngineFixture(dir, { videos: 3, frames: 12 })).close();
  await initBackend();
});
afterAll(() => tmp.cleanup());

/**
 * Scripted validation records of an epoch. AU k of a frame labelled 1: probability 0.9 for the
 * first `hits` of every 4 positives of that AU (in row order), `low` for the others; labelled 0 or
 * unlabelled: 0.1. EXPR and VA logits 0 (constant predictions: their scores do not change between
 * epochs), so the AU score at 0.5 (recall hits/4) orders the epochs: 2 is the best, 3 the worst,
 * 4 worse than 2. Thresholds tuned on epoch 2 are 0.4 where an AU has positives and negatives
 * (F1 1 on (0.1, 0.4]), on epoch 4 0.3.
 */
const SCRIPT: Record<number, { hits: number; low: number }> = { 1: { hits: 2, low: 0.2 }, 2: { hits: 3, low: 0.4 }, 3: { hits: 0, low: 0.1 }, 4: { hits: 2, low: 0.3 } };
const logit = (p: number) => Math.log(p / (1 - p));

function scripted(val: SampleSet, epoch: number): Float32Array {
  const { hits, low } = SCRIPT[epoch];
  const out = new Float32Array(val.n * SOFT_LABEL_WIDTH);
  const seen = new Array<number>(NUM_AUS).fill(0);
  for (let i = 0; i < val.n; i++) {
    for (let k = 0; k < NUM_AUS; k++) {
      let p = 0.1;
      if (val.au[i * NUM_AUS + k] === 1) p = seen[k]++ % 4 < hits ? 0.9 : low;
      out[i * SOFT_LABEL_WIDTH + k] = logit(p);
    }
  }
  return out;
}

const sha = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

/** A training run of the CNN whose validation predictions follow SCRIPT; `stopAt`: cancel when that epoch starts. */
async function run(modelDir: string, opts: { stopAt?: number; auThresholds?: 'half' | 'tuned'; epochNow?: number } = {}) {
  const p = Project.open(dir);
  const cache = openCropCache(p.dir);
  let epochNow = opts.epochNow ?? 0;
  const hashes: Record<number, string> = {};
  const logs: string[] = [];
  try {
    const crops = new CropSource(p, cache);
    const train = loadSamples(p.db, { splits: ['train'] });
    const val = loadSamples(p.db, { splits: ['val'] });
    const config = resolveTrainConfig({ ...small, auThresholds: opts.auThresholds ?? 'tuned' }, 'teacher') as TrainInput['config'];
    const arch: typeof cnnTrainer = {
      ...cnnTrainer,
      async prepare(net, inp, hooks) {
        const r = await cnnTrainer.prepare(net, inp, hooks);
        return {
          ...r,
          predictVal: async (onBatch) => {
            await r.predictVal(onBatch); // the real pass (cancellation points, tensors), then the script
            return scripted(inp.val, epochNow);
          },
        };
      },
    };
    const hooks: TrainHooks = {
      progress: (_d, _t, _s, m) => {
        if (m?.epoch) epochNow = m.epoch;
      },
      log: (l) => logs.push(l),
      checkpoint: async () => {
        if (opts.stopAt !== undefined && epochNow >= opts.stopAt) throw new Error('cancelled');
      },
      epochDone: (e) => (hashes[e] = sha(path.join(modelDir, 'checkpoint', 'weights.bin'))),
    };
    const before = tf.memory().numTensors;
    try {
      const r = await trainModel(arch, { downsample: downsampleFactors(p.db), crops, config, role: 'teacher', train, val, modelDir }, hooks);
      disposeNet(r.net);
      return { r, hashes, logs, val, leaked: tf.memory().numTensors - before };
    } catch (e) {
      return { error: (e as Error).message, hashes, logs, val, leaked: tf.memory().numTensors - before };
    }
  } finally {
    cache.close();
    p.close();
  }
}

describe('the training loop keeps the best validation epoch', () => {
  it('saves the weights of the best epoch (2 of 4), not the last, and tunes thresholds on its predictions', async () => {
    const modelDir = path.join(tmp.dir, 'fresh');
    const { r, hashes, logs, val, error } = await run(modelDir);
    expect(error).toBeUndefined();
    expect(Object.keys(hashes)).toEqual(['1', '2', '3', '4']);
    // Training moved the weights every epoch, so "the best epoch's weights" is a real check.
    expect(new Set(Object.values(hashes)).size).toBe(4);
    expect(sha(path.join(modelDir, 'weights.bin'))).toBe(hashes[2]);
    expect(r!.keptEpoch).toBe(2);
    const meta = await readModelMeta(modelDir);
    expect(meta.keptEpoch).toBe(2);
    expect((meta.history as { best: boolean }[]).map((h) => h.best)).toEqual([true, true, false, false]);
    expect(logs).toContainEqual(expect.stringMatching(/^keeping epoch 2 of 4: the best validation score/));
    // 'tuned': thresholds tuned on the kept epoch's validation records, recorded as tuned on val.
    const rows = Array.from({ length: val.n }, (_, i) => i);
    const onBest = tuneThresholds(val, rows, scripted(val, 2));
    expect(onBest).toContain(0.4);
    expect(onBest).not.toEqual(tuneThresholds(val, rows, scripted(val, 4)));
    expect(r!.thresholds).toEqual(onBest);
    expect(meta.auThresholds).toEqual(onBest);
    expect([r!.thresholdsTunedOn, meta.auThresholdsTunedOn]).toEqual(['val', 'val']);
    // The reported validation block is the kept epoch's at threshold 0.5, not at the tuned thresholds.
    expect(r!.val!.au!.threshold).toEqual(new Array(8).fill(0.5));
    // Only the best epoch's folder is left beside the checkpoint.
    expect(fs.readdirSync(path.join(modelDir, 'checkpoint')).filter((n) => n.startsWith('best-'))).toEqual(['best-epoch-2']);
  }, 120_000);

  it('a run stopped after epoch 3 and resumed keeps epoch 2 (from the checkpoint beside it); no tensors leak', async () => {
    const modelDir = path.join(tmp.dir, 'resumed');
    const first = await run(modelDir, { stopAt: 4, auThresholds: 'half' });
    expect(first.error).toBe('cancelled');
    expect(Object.keys(first.hashes)).toEqual(['1', '2', '3']);
    const ck = JSON.parse(fs.readFileSync(path.join(modelDir, 'checkpoint', 'checkpoint.json'), 'utf8')) as { trainer: { epochsDone: number; best: { epoch: number } } };
    expect([ck.trainer.epochsDone, ck.trainer.best.epoch]).toEqual([3, 2]);

    const second = await run(modelDir, { auThresholds: 'half' });
    expect(second.error).toBeUndefined();
    expect(second.r!.resumedFrom).toBe(3);
    expect(Object.keys(second.hashes)).toEqual(['4']);
    expect(second.hashes[4]).not.toBe(first.hashes[2]);
    expect(sha(path.join(modelDir, 'weights.bin'))).toBe(first.hashes[2]);
    expect(second.r!.keptEpoch).toBe(2);
    // 'half' (the default): nothing tuned.
    expect(second.r!.thresholds).toEqual(new Array(8).fill(0.5));
    expect(second.r!.thresholdsTunedOn).toBeNull();
    expect((await readModelMeta(modelDir)).auThresholdsTunedOn).toBeNull();
    // Loading the best epoch back and disposing the last one leaks nothing.
    expect(second.leaked).toBe(0);
  }, 120_000);

  it('a checkpoint from before the loop kept the best epoch resumes with its own weights as the best so far', async () => {
    const modelDir = path.join(tmp.dir, 'legacy');
    const first = await run(modelDir, { stopAt: 4, auThresholds: 'half' });
    expect(first.error).toBe('cancelled');
    // Make it an old checkpoint: no `best` in the trainer state, no best-epoch folder.
    const file = path.join(modelDir, 'checkpoint', 'checkpoint.json');
    const ck = JSON.parse(fs.readFileSync(file, 'utf8')) as { trainer: Record<string, unknown> };
    delete ck.trainer.best;
    fs.writeFileSync(file, JSON.stringify(ck));
    fs.rmSync(path.join(modelDir, 'checkpoint', 'best-epoch-2'), { recursive: true });
    // The resumed weights (epoch 3, the worst of the script) are evaluated as the best so far; epoch 4 beats them.
    const second = await run(modelDir, { auThresholds: 'half', epochNow: 3 });
    expect(second.error).toBeUndefined();
    expect(second.r!.keptEpoch).toBe(4);
    expect(sha(path.join(modelDir, 'weights.bin'))).toBe(second.hashes[4]);
    expect(fs.readdirSync(path.join(modelDir, 'checkpoint')).filter((n) => n.startsWith('best-'))).toEqual(['best-epoch-4']);
  }, 120_000);
});
