// The training time estimate (src/shared/train-estimate.ts): the measured wasm throughputs per
// backbone and mode, the range it states, the backend it applies to, the labelled frames per epoch
// from project.info's counts.
import { describe, expect, it } from 'vitest';
import { TRAIN_BACKBONES } from '../../src/shared/train-config';
import {
  SLOW_FACTOR,
  WASM_HEADS_IMAGES_PER_S,
  WASM_THROUGHPUT,
  epochFrames,
  estimateText,
  estimateTraining,
  formatDuration,
  formatRange,
  formatRate,
  isPretrained,
} from '../../src/shared/train-estimate';

describe('estimateTraining', () => {
  it('only face is pretrained; every backbone has a figure', () => {
    expect(TRAIN_BACKBONES.filter(isPretrained)).toEqual(['face']);
    for (const b of TRAIN_BACKBONES) expect(WASM_THROUGHPUT[b].train).toBeGreaterThan(0);
    expect(WASM_THROUGHPUT.resnet50.measured).toBe(false);
  });

  it('fine-tuned: epochs × (training images at the train rate + val frames at the inference rate), a range up to twice that', () => {
    const e = estimateTraining({ backbone: 'resnet18', freezeBackbone: false, epochs: 8, frames: 5_000, valFrames: 1_150 });
    const s = 8 * (5_000 / 2.5 + 1_150 / 11.5);
    expect(e.seconds).toEqual([s, s * SLOW_FACTOR]);
    expect([e.mode, e.pretrained, e.imagesPerSecond, e.basis]).toEqual(['fine-tuned', false, 2.5, 'wasm']);
  });

  it('frozen: one feature pass over training and val frames, then heads-only epochs', () => {
    const e = estimateTraining({ backbone: 'face', freezeBackbone: true, epochs: 8, frames: 2_000, valFrames: 220 });
    expect(e.seconds[0]).toBeCloseTo(2_220 / 222 + (8 * 2_000) / WASM_HEADS_IMAGES_PER_S, 6);
    expect([e.mode, e.pretrained]).toEqual(['frozen', true]);
  });

  it('caps the epoch at max steps × batch, multiplies by the runs (students), scales to the backend', () => {
    const capped = estimateTraining({ backbone: 'small', freezeBackbone: false, epochs: 2, frames: 10_000, batch: 8, maxStepsPerEpoch: 5, runs: 3 });
    expect(capped.frames).toBe(40);
    expect(capped.seconds[0]).toBeCloseTo((3 * 2 * 40) / 224, 9);
    const cpu = estimateTraining({ backbone: 'small', freezeBackbone: false, epochs: 1, frames: 224, backend: 'cpu' });
    expect([cpu.basis, cpu.seconds[0]]).toEqual(['cpu', 90]);
    expect(estimateTraining({ backbone: 'small', freezeBackbone: false, epochs: 1, frames: 1, backend: 'tfjs-node-gpu' }).basis).toBe('faster');
  });
});

describe('the estimate as text', () => {
  it('rounds to what an estimate can say', () => {
    expect([2.5, 11.5, 27, 149, 222, 1_624, 0.74].map(formatRate)).toEqual(['2.5', '12', '27', '150', '220', '1,600', '0.7']);
    expect([20, 300, 1_320, 3_500, 3 * 3600 + 41 * 60, 20 * 3600, 5 * 86_400].map(formatDuration)).toEqual([
      'under a minute',
      '5 min',
      '20 min',
      '1 h',
      '3 h 40 min',
      '20 h',
      '5 days',
    ]);
    expect(formatRange([600, 1_200])).toBe('about 10 min – 20 min');
    expect(formatRange([10, 20])).toBe('under a minute');
    expect(formatRange([1_500, 1_600])).toBe('about 25 min');
    expect(formatRange([50, 100])).toBe('at most about 2 min');
  });

  it('names the random weights, the backend, the run and the pretrained alternative', () => {
    const line = estimateText({ backbone: 'resnet18', freezeBackbone: false, epochs: 8, frames: 5_000 }, { faceChoice: '--backbone face' });
    // 8 × 5,000 / 2.5 = 16,000 s ≈ 4 h 30 min; face 8 × 5,000 / 27 ≈ 25 min.
    expect(line).toBe(
      'resnet18 from random weights: about 2.5 images/s on the wasm CPU backend → about 4 h 30 min – 8 h 50 min for 8 epochs of 5,000 frames; ' +
        'the pretrained face backbone (--backbone face) trains at about 27 images/s → about 25 min – 50 min',
    );
    expect(estimateText({ backbone: 'resnet50', freezeBackbone: true, epochs: 1, frames: 100, backend: 'tfjs-node' })).toMatch(
      /^resnet50 from random weights, frozen: about 3\.4 images\/s \(features once, then the heads on cached features\) measured on wasm; tfjs-node is faster, so at most this → .*; the pretrained face backbone, frozen, trains at/,
    );
    expect(estimateText({ backbone: 'resnet50', freezeBackbone: false, epochs: 1, frames: 100 })).toContain('about 0.7 images/s (derived, not measured) on the wasm CPU backend');
    expect(estimateText({ backbone: 'face', freezeBackbone: false, epochs: 1, frames: 100, backend: 'wasm' })).toMatch(/^face pretrained: about 27 images\/s on this machine’s wasm backend → [^;]+$/);
  });
});

describe('epochFrames', () => {
  const d = (name: string, splits: Record<string, number>, labels: { au: number; expr: number; va: number }) => ({
    name,
    frames: Object.values(splits).reduce((a, b) => a + b, 0),
    splits,
    labels,
  });
  it('counts each task’s labels at the train share of the frames, over the chosen datasets (none = all)', () => {
    const ds = [d('a', { train: 800, val: 200 }, { au: 500, expr: 500, va: 0 }), d('b', { train: 50, test: 50 }, { au: 0, expr: 0, va: 100 }), d('empty', {}, { au: 0, expr: 0, va: 0 })];
    expect(epochFrames(ds)).toEqual({ train: 850, val: 200 });
    expect(epochFrames(ds, ['b'])).toEqual({ train: 50, val: 0 });
  });
});
