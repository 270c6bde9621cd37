// The sequence losses: shapes, padding masks, and agreement with the per-frame losses (Eqs. 4, 7)
// on the real steps.
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '../../src/ml/backend';
import { studentLoss, teacherLoss, readLossTerms, type BatchTargets, type HeadOutputs } from '../../src/ml/losses';
import { sequenceStudentLoss, sequenceTeacherLoss, validSteps, windowTargets, windowTeacherHeads } from '../../src/ml/rnn/losses';
import { unlabelledSamples, type SampleSet } from '../../src/shared/samples';
import { NUM_AUS, NUM_EXPR, SOFT_LABEL_WIDTH, VA_BINS } from '../../src/shared/labels';
import { mulberry32 } from '../../src/shared/random';

beforeAll(async () => {
  await initBackend();
});

/** 6 frames with partial labels: AU on 0, 1, 4 (frame 1 partly), EXPR on 2, 5, VA on 1, 3, 4. */
function samples(): SampleSet {
  const n = 6;
  const s: SampleSet = {
    ...unlabelledSamples(n),
    frameId: Int32Array.from({ length: n }, (_, i) => 10 + i),
    mediaId: new Int32Array(n).fill(1),
    idx: Int32Array.from({ length: n }, (_, i) => i),
  };
  s.au.set([1, 0, 0, 1, 1, 0, 0, 1], 0);
  s.au.set([0, -1, 1, -1, 0, 0, -1, 1], NUM_AUS);
  s.au.set([0, 0, 1, 1, 0, 1, 0, 0], 4 * NUM_AUS);
  s.expr[2] = 4;
  s.expr[5] = 1;
  for (const [i, v, a] of [
    [1, 0.3, -0.2],
    [3, -0.7, 0.55],
    [4, 0.05, 0.9],
  ]) {
    s.valence[i] = v;
    s.arousal[i] = a;
  }
  return s;
}

function randomHeads(n: number, seed: number): HeadOutputs {
  const rng = mulberry32(seed);
  const t = (w: number) => tf.tensor2d(Float32Array.from({ length: n * w }, () => 3 * (rng() - 0.5)), [n, w]);
  return { au: t(NUM_AUS), expr: t(NUM_EXPR), v: t(VA_BINS), a: t(VA_BINS) };
}

/** The rows `idx` of every head. */
function gatherHeads(h: HeadOutputs, idx: number[]): HeadOutputs {
  const i = tf.tensor1d(idx, 'int32');
  const out = { au: tf.gather(h.au, i), expr: tf.gather(h.expr, i), v: tf.gather(h.v, i), a: tf.gather(h.a, i) } as HeadOutputs;
  i.dispose();
  return out;
}

// Windows of T = 4 over the 6 frames: [0 1 2 3], [3 4 5] (padded by one step).
const T = 4;
const windows = [Int32Array.of(0, 1, 2, 3), Int32Array.of(3, 4, 5)];
const realSteps = [0, 1, 2, 3, 4, 5, 6]; // flattened rows b·T + t of real frames
const frameOfStep = [0, 1, 2, 3, 3, 4, 5];

describe('windowTargets / validSteps', () => {
  it('lays the labels out at b·T + t and masks padded steps', () => {
    const s = samples();
    const t = windowTargets(s, windows, T);
    expect(t.auTarget.shape).toEqual([8, NUM_AUS]);
    expect(t.exprTarget.shape).toEqual([8]);
    const auMask = t.auMask.arraySync() as number[][];
    expect(auMask[0]).toEqual([1, 1, 1, 1, 1, 1, 1, 1]);
    expect(auMask[1]).toEqual([1, 0, 1, 0, 1, 1, 0, 1]);
    expect(auMask[5]).toEqual(new Array(8).fill(1)); // window 1, step 1 = frame 4
    expect(auMask[7]).toEqual(new Array(8).fill(0)); // padding
    expect(Array.from(t.exprMask.dataSync())).toEqual([0, 0, 1, 0, 0, 0, 1, 0]);
    expect(Array.from(t.exprTarget.dataSync())).toEqual([0, 0, 4, 0, 0, 0, 1, 0]);
    expect(Array.from(t.vaMask.dataSync())).toEqual([0, 1, 0, 1, 1, 1, 0, 0]);
    expect(t.vTarget.dataSync()[4]).toBeCloseTo(-0.7, 6);
    expect(Array.from(validSteps([4, 3], T).dataSync())).toEqual([1, 1, 1, 1, 1, 1, 1, 0]);
    tf.dispose(Object.values(t));
    expect(() => windowTargets(s, [Int32Array.of(0, 1, 2, 3, 4)], T)).toThrow(/longer/);
  });

  it('turns teacher records into [B·T, K] heads with zeros on padding', () => {
    const r = new Float32Array(SOFT_LABEL_WIDTH).map((_, i) => i);
    const h = windowTeacherHeads([r, null]);
    expect(h.au.shape).toEqual([2, NUM_AUS]);
    expect(h.a.shape).toEqual([2, VA_BINS]);
    expect(Array.from(h.expr.dataSync()).slice(0, NUM_EXPR)).toEqual([8, 9, 10, 11, 12, 13, 14]);
    expect(Array.from(h.expr.dataSync()).slice(NUM_EXPR)).toEqual(new Array(NUM_EXPR).fill(0));
    tf.dispose(Object.values(h));
  });
});

describe('sequence losses', () => {
  it('teacher: padding is ignored; equals Eq. 4 over the real frames', () => {
    const s = samples();
    const out = randomHeads(8, 1);
    const targets = windowTargets(s, windows, T);
    const seq = readLossTerms(sequenceTeacherLoss(out, targets));
    const real = gatherHeads(out, realSteps);
    const flatTargets = windowTargets(s, frameOfStep.map((f) => Int32Array.of(f)), 1);
    const ref = readLossTerms(teacherLoss(real, flatTargets));
    for (const k of ['total', 'au', 'expr', 'v', 'a'] as const) expect(seq[k]).toBeCloseTo(ref[k], 5);
    expect(seq.v).toBeGreaterThan(0);
    tf.dispose([...Object.values(out), ...Object.values(targets), ...Object.values(real), ...Object.values(flatTargets)]);
  });

  it('student: equals Eq. 7 over the real frames; padded steps change neither loss nor gradient', async () => {
    const s = samples();
    const out = randomHeads(8, 2);
    const teacher = randomHeads(8, 3);
    const targets = windowTargets(s, windows, T);
    const valid = validSteps([4, 3], T);
    const opts = { lambda: 0.6, temperature: 1.5 };
    const seq = readLossTerms(sequenceStudentLoss(out, teacher, targets, valid, opts));
    // Reference: the per-frame student loss over the 7 real steps only.
    const realOut = gatherHeads(out, realSteps);
    const realTeacher = gatherHeads(teacher, realSteps);
    const flatTargets = windowTargets(s, frameOfStep.map((f) => Int32Array.of(f)), 1);
    const ref = readLossTerms(studentLoss(realOut, realTeacher, flatTargets, opts));
    for (const k of Object.keys(ref)) expect(seq[k]).toBeCloseTo(ref[k], 5);
    expect(seq.exprDistill).toBeGreaterThan(0);

    // Different logits on the padded step (row 7), for student and teacher: same loss.
    const pad = (h: HeadOutputs, seed: number): HeadOutputs => {
      const other = randomHeads(8, seed);
      const m = tf.tensor2d([1, 1, 1, 1, 1, 1, 1, 0], [8, 1]);
      const mix = (a: tf.Tensor2D, b: tf.Tensor2D) => tf.add(tf.mul(a, m), tf.mul(b, tf.sub(1, m))) as tf.Tensor2D;
      const r = { au: mix(h.au, other.au), expr: mix(h.expr, other.expr), v: mix(h.v, other.v), a: mix(h.a, other.a) };
      tf.dispose([m, ...Object.values(other)]);
      return r;
    };
    const out2 = pad(out, 9);
    const teacher2 = pad(teacher, 10);
    expect(out2.expr.arraySync()[7]).not.toEqual(out.expr.arraySync()[7]);
    const seq2 = readLossTerms(sequenceStudentLoss(out2, teacher2, targets, valid, opts));
    for (const k of Object.keys(seq)) expect(seq2[k]).toBeCloseTo(seq[k], 6);

    // The gradient w.r.t. the student's logits is zero on the padded step, non-zero on real ones.
    const g = tf.grads((au: tf.Tensor, expr: tf.Tensor, v: tf.Tensor, a: tf.Tensor) =>
      sequenceStudentLoss({ au, expr, v, a } as HeadOutputs, teacher, targets, valid, opts).total,
    )([out.au, out.expr, out.v, out.a]);
    for (const gi of g) {
      const rows = gi.arraySync() as number[][];
      expect(rows[7].every((x) => x === 0)).toBe(true);
      expect(rows[6].some((x) => x !== 0)).toBe(true);
    }
    tf.dispose([...g, ...Object.values(out), ...Object.values(out2), ...Object.values(teacher), ...Object.values(teacher2), ...Object.values(targets), valid]);
    tf.dispose([...Object.values(realOut), ...Object.values(realTeacher), ...Object.values(flatTargets)]);
  });

  it('student: without padding it is exactly the per-frame Eq. 7', () => {
    const s = samples();
    const w = [Int32Array.of(0, 1, 2), Int32Array.of(3, 4, 5)];
    const out = randomHeads(6, 4);
    const teacher = randomHeads(6, 5);
    const targets = windowTargets(s, w, 3);
    const valid = validSteps([3, 3], 3);
    const a = readLossTerms(sequenceStudentLoss(out, teacher, targets, valid, { lambda: 0.3, temperature: 2, weights: { au: 2 } }));
    const b = readLossTerms(studentLoss(out, teacher, targets as BatchTargets, { lambda: 0.3, temperature: 2, weights: { au: 2 } }));
    for (const k of Object.keys(b)) expect(a[k]).toBeCloseTo(b[k], 6);
    tf.dispose([...Object.values(out), ...Object.values(teacher), ...Object.values(targets), valid]);
  });

  it('checks shapes and leaks no tensors', () => {
    const s = samples();
    const out = randomHeads(8, 6);
    const teacher = randomHeads(4, 7);
    const targets = windowTargets(s, windows, T);
    const valid = validSteps([4, 3], T);
    expect(() => sequenceStudentLoss(out, teacher, targets, valid)).toThrow(/8 rows/);
    const before = tf.memory().numTensors;
    const total = tf.tidy(() => sequenceStudentLoss(out, out, targets, valid).total);
    expect(tf.memory().numTensors).toBe(before + 1);
    tf.dispose([total, ...Object.values(out), ...Object.values(teacher), ...Object.values(targets), valid]);
  });
});
