// Windows over sequences and the merge of overlapping window predictions (pure functions).
import { describe, expect, it } from 'vitest';
import { mergeWindowRecords, sequencesOf, windowSpans, windowsOf, WindowMerger } from '../../src/ml/rnn/windows';
import { unlabelledSamples, type SampleSet } from '../../src/shared/samples';
import { NUM_AUS, NUM_EXPR, SOFT_LABEL_WIDTH, VA_BINS } from '../../src/shared/labels';

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const softmax = (z: number[]) => {
  const m = Math.max(...z);
  const e = z.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
};

function sampleSet(media: number[], idx: number[]): SampleSet {
  const n = media.length;
  return {
    ...unlabelledSamples(n),
    frameId: Int32Array.from({ length: n }, (_, i) => 100 + i),
    mediaId: Int32Array.from(media),
    idx: Int32Array.from(idx),
  };
}

describe('windowSpans', () => {
  it('starts every stride and stops at the first window that reaches the end', () => {
    expect(windowSpans(40, 32, 16)).toEqual([
      { start: 0, length: 32 },
      { start: 16, length: 24 },
    ]);
    expect(windowSpans(32, 32, 16)).toEqual([{ start: 0, length: 32 }]);
    expect(windowSpans(48, 32, 16)).toEqual([
      { start: 0, length: 32 },
      { start: 16, length: 32 },
    ]);
    expect(windowSpans(49, 32, 16)).toEqual([
      { start: 0, length: 32 },
      { start: 16, length: 32 },
      { start: 32, length: 17 },
    ]);
    expect(windowSpans(40, 32, 32)).toEqual([
      { start: 0, length: 32 },
      { start: 32, length: 8 },
    ]);
    expect(windowSpans(10, 32, 16)).toEqual([{ start: 0, length: 10 }]);
    expect(windowSpans(0, 32, 16)).toEqual([]);
  });

  it('refuses a stride longer than the window (frames would be skipped)', () => {
    expect(() => windowSpans(10, 4, 5)).toThrow(/stride/);
  });

  it('covers every frame of every length', () => {
    for (const [w, st] of [
      [32, 16],
      [32, 32],
      [5, 3],
      [4, 1],
    ]) {
      for (let n = 1; n < 80; n++) {
        const seen = new Array(n).fill(0);
        for (const s of windowSpans(n, w, st)) for (let t = 0; t < s.length; t++) seen[s.start + t]++;
        expect(seen.every((c) => c >= 1)).toBe(true);
      }
    }
  });
});

describe('sequencesOf', () => {
  it('groups rows per media in frame order; frames of non-sequence media stand alone', () => {
    // rows: media 7 (idx 2, 0, 1), media 3 (idx 5, 4), media 9 = images (idx 1, 0)
    const s = sampleSet([7, 3, 7, 9, 3, 7, 9], [2, 5, 0, 1, 4, 1, 0]);
    const seqs = sequencesOf(s, (m) => m !== 9);
    expect(seqs.map((q) => [q.mediaId, Array.from(q.rows)])).toEqual([
      [3, [4, 1]],
      [7, [2, 5, 0]],
      [9, [6]],
      [9, [3]],
    ]);
    // A subset of rows.
    expect(sequencesOf(s, (m) => m !== 9, [0, 2, 4]).map((q) => Array.from(q.rows))).toEqual([[4], [2, 0]]);
  });

  it('windows every sequence', () => {
    const s = sampleSet([1, 1, 1, 1, 1, 2, 2], [0, 1, 2, 3, 4, 0, 1]);
    const w = windowsOf(sequencesOf(s, () => true), 3, 2);
    expect(w.map((x) => Array.from(x.rows))).toEqual([[0, 1, 2], [2, 3, 4], [5, 6]]);
  });
});

/** A record with the given AU logits (all 8 equal), EXPR logits and V/A logits. */
function record(au: number, expr: number[], v: number[]): Float32Array {
  const r = new Float32Array(SOFT_LABEL_WIDTH);
  r.fill(au, 0, NUM_AUS);
  r.set(expr, NUM_AUS);
  r.set(v, NUM_AUS + NUM_EXPR);
  r.set(v, NUM_AUS + NUM_EXPR + VA_BINS);
  return r;
}

describe('mergeWindowRecords', () => {
  it('averages the probabilities of overlapping windows, per frame (hand-made example)', () => {
    // 3 frames, windows of 2 with stride 1: [0, 1] and [1, 2]; then a padded window [2].
    const e = (k: number) => Array.from({ length: NUM_EXPR }, (_, i) => (i === k ? 2 : 0));
    const v = (k: number) => Array.from({ length: VA_BINS }, (_, i) => (i === k ? 1 : -1));
    const recs = [
      record(0, e(0), v(0)), // window A, step 0 → frame 0
      record(2, e(1), v(1)), // window A, step 1 → frame 1
      record(-1, e(2), v(2)), // window B, step 0 → frame 1
      record(1, e(3), v(3)), // window B, step 1 → frame 2
      record(3, e(4), v(4)), // window C, step 0 → frame 2
      record(NaN, e(0), v(0)).fill(NaN), // window C, step 1: padding, ignored
    ];
    const flat = new Float32Array(recs.length * SOFT_LABEL_WIDTH);
    recs.forEach((r, i) => flat.set(r, i * SOFT_LABEL_WIDTH));
    const out = mergeWindowRecords(3, [{ rows: [0, 1] }, { rows: [1, 2] }, { rows: [2] }], flat, 2);
    const at = (row: number, off: number, w: number) => Array.from(out.subarray(row * SOFT_LABEL_WIDTH + off, row * SOFT_LABEL_WIDTH + off + w));

    // Frame 0: one window; its probabilities come back unchanged.
    expect(sigmoid(at(0, 0, 1)[0])).toBeCloseTo(0.5, 6);
    softmax(at(0, NUM_AUS, NUM_EXPR)).forEach((p, i) => expect(p).toBeCloseTo(softmax(e(0))[i], 6));
    // Frame 1: mean of windows A (step 1) and B (step 0).
    const p1 = (sigmoid(2) + sigmoid(-1)) / 2;
    for (const x of at(1, 0, NUM_AUS)) expect(sigmoid(x)).toBeCloseTo(p1, 6);
    const pe1 = softmax(e(1)).map((p, i) => (p + softmax(e(2))[i]) / 2);
    softmax(at(1, NUM_AUS, NUM_EXPR)).forEach((p, i) => expect(p).toBeCloseTo(pe1[i], 6));
    const pv1 = softmax(v(1)).map((p, i) => (p + softmax(v(2))[i]) / 2);
    softmax(at(1, NUM_AUS + NUM_EXPR, VA_BINS)).forEach((p, i) => expect(p).toBeCloseTo(pv1[i], 6));
    softmax(at(1, NUM_AUS + NUM_EXPR + VA_BINS, VA_BINS)).forEach((p, i) => expect(p).toBeCloseTo(pv1[i], 6));
    // The merged record is log(mean probability): exp of it sums to 1 already.
    expect(at(1, NUM_AUS, NUM_EXPR).reduce((s, x) => s + Math.exp(x), 0)).toBeCloseTo(1, 5);
    // Frame 2: windows B (step 1) and C (step 0); C's padded step (NaN) does not leak in.
    const p2 = (sigmoid(1) + sigmoid(3)) / 2;
    for (const x of at(2, 0, NUM_AUS)) expect(sigmoid(x)).toBeCloseTo(p2, 6);
    expect(out.every(Number.isFinite)).toBe(true);
  });

  it('checks coverage and sizes', () => {
    const flat = new Float32Array(2 * SOFT_LABEL_WIDTH);
    expect(() => mergeWindowRecords(3, [{ rows: [0, 1] }], flat, 2)).toThrow(/row 2 is covered by no window/);
    expect(() => mergeWindowRecords(2, [{ rows: [0, 1] }], flat, 3)).toThrow(/expected 1 × 3 records/);
    const m = new WindowMerger(1);
    m.add([0], flat, 1);
    expect(m.finish().length).toBe(SOFT_LABEL_WIDTH);
  });
});
