// The ensemble's AU thresholds are tuned on its members' validation predictions pooled (issue 17):
// N × the cases of tuning on the averaged records, the same rule (tuneThresholds) over them.
import { describe, expect, it } from 'vitest';
import { tunePooledThresholds, tuneThresholds } from '../../src/ml/train/evaluate';
import { ensembleRecords } from '../../src/shared/softlabels';
import { NUM_AUS, SOFT_LABEL_WIDTH } from '../../src/shared/labels';
import { unlabelledSamples } from '../../src/shared/samples';

const logit = (p: number) => Math.log(p / (1 - p));

/** Records whose AU 0 probability per row is `p` (other outputs 0). */
function records(p: number[]): Float32Array {
  const r = new Float32Array(p.length * SOFT_LABEL_WIDTH);
  p.forEach((v, i) => (r[i * SOFT_LABEL_WIDTH] = logit(v)));
  return r;
}

/** `n` rows, AU 0 labelled as `labels` (cycled), the other AUs unlabelled. */
function samples(labels: number[], n = labels.length) {
  const s = unlabelledSamples(n);
  for (let i = 0; i < n; i++) s.au[i * NUM_AUS] = labels[i % labels.length];
  return s;
}

describe('tunePooledThresholds', () => {
  const labels = [1, 1, 1, 0, 0, 0];
  const a = [0.9, 0.8, 0.35, 0.3, 0.1, 0.05];
  const b = [0.6, 0.45, 0.45, 0.4, 0.2, 0.1];

  it('equals tuning on a set holding every member’s predictions as rows of their own', () => {
    const pooled = tunePooledThresholds(samples(labels), [0, 1, 2, 3, 4, 5], [records(a), records(b)]);
    const twice = samples(labels, 12);
    const independent = tuneThresholds(twice, Array.from({ length: 12 }, (_, i) => i), records([...a, ...b]));
    expect(pooled).toEqual(independent);
    expect(pooled.slice(1)).toEqual(new Array(NUM_AUS - 1).fill(0.5)); // AUs without labels stay at 0.5
  });

  it('is not the threshold tuned on the averaged records', () => {
    const s = samples(labels);
    const rows = [0, 1, 2, 3, 4, 5];
    const onMean = tuneThresholds(s, rows, ensembleRecords([records(a), records(b)]));
    const pooled = tunePooledThresholds(s, rows, [records(a), records(b)]);
    expect(pooled[0]).not.toBe(onMean[0]);
  });

  it('refuses an empty ensemble', () => {
    expect(() => tunePooledThresholds(samples(labels), [0], [])).toThrow(/no members/);
  });
});
