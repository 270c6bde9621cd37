import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../src/ml/backend';
import '@tensorflow/tfjs-backend-wasm';
import {
  auDistillPerSample,
  auLoss,
  bceWithLogits,
  cccMasked,
  exprLoss,
  klDistillPerSample,
  readLossTerms,
  studentLoss,
  studentTaskWeights,
  teacherLoss,
  vaBinIndex,
  vaExpectation,
  vaLoss,
  type BatchTargets,
  type HeadOutputs,
} from '../../src/ml/losses';
import { VA_BIN_CENTRES, VA_BIN_EDGES, vaBin } from '../../src/shared/labels';
import { mulberry32 } from '../../src/shared/random';

// Plain-JS math for the expected values (small batches, written out term by term).
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const bce = (x: number, y: number) => -(y * Math.log(sigmoid(x)) + (1 - y) * Math.log(1 - sigmoid(x)));
const logSoftmax = (z: number[]) => {
  const m = Math.max(...z);
  const lse = m + Math.log(z.reduce((s, v) => s + Math.exp(v - m), 0));
  return z.map((v) => v - lse);
};
const softmax = (z: number[]) => logSoftmax(z).map(Math.exp);
const ce = (z: number[], c: number) => -logSoftmax(z)[c];
const expectation = (z: number[]) => softmax(z).reduce((s, p, i) => s + p * VA_BIN_CENTRES[i], 0);
const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
/** CCC with population moments. */
const cccJs = (p: number[], t: number[]) => {
  const mp = mean(p);
  const mt = mean(t);
  const vp = mean(p.map((v) => (v - mp) ** 2));
  const vt = mean(t.map((v) => (v - mt) ** 2));
  const cov = mean(p.map((v, i) => (v - mp) * (t[i] - mt)));
  return (2 * cov) / (vp + vt + (mp - mt) ** 2);
};
const kl = (t: number[], s: number[], T: number) => {
  const lt = logSoftmax(t.map((v) => v / T));
  const ls = logSoftmax(s.map((v) => v / T));
  return lt.reduce((acc, l, i) => acc + Math.exp(l) * (l - ls[i]), 0);
};
const auDistill = (t: number[], s: number[]) => mean(s.map((x, i) => bce(x, sigmoid(t[i]))));

/** Deterministic "random" logits. */
const row = (n: number, seed: number) => Array.from({ length: n }, (_, i) => Math.sin(seed * 12.9898 + i * 78.233) * 2);

const val = (t: tf.Tensor) => t.dataSync()[0];

interface JsBatch {
  au: number[][];
  expr: number[][];
  v: number[][];
  a: number[][];
}
const toOutputs = (b: JsBatch): HeadOutputs => ({
  au: tf.tensor2d(b.au),
  expr: tf.tensor2d(b.expr),
  v: tf.tensor2d(b.v),
  a: tf.tensor2d(b.a),
});
const jsBatch = (B: number, seed: number): JsBatch => ({
  au: Array.from({ length: B }, (_, j) => row(8, seed + j)),
  expr: Array.from({ length: B }, (_, j) => row(7, seed + 10 + j)),
  v: Array.from({ length: B }, (_, j) => row(20, seed + 20 + j)),
  a: Array.from({ length: B }, (_, j) => row(20, seed + 30 + j)),
});

// Every check runs on the pure-JS cpu backend and on wasm (the project's CPU training backend),
// because kernels differ: wasm's OneHot, for one, ignores a float dtype.
describe.each(['cpu', 'wasm'])('on the %s backend', (backend) => {
  beforeAll(async () => {
    expect(await tf.setBackend(backend)).toBe(true);
  });

  describe('building blocks', () => {
    it('BCE with logits matches hand values and is stable for large logits', () => {
      const out = bceWithLogits(tf.tensor1d([0, 2, 100, -100, -3]), tf.tensor1d([1, 1, 0, 0, 0.25])).arraySync() as number[];
      expect(out[0]).toBeCloseTo(Math.LN2, 6);
      expect(out[1]).toBeCloseTo(Math.log(1 + Math.exp(-2)), 6); // 0.126928
      expect(out[2]).toBeCloseTo(100, 4); // naive log(1 - sigmoid(100)) would be -Infinity
      expect(out[3]).toBeCloseTo(0, 6);
      expect(out[4]).toBeCloseTo(bce(-3, 0.25), 5);
    });

    it('VA bins are half-open [lo, hi) with exact edges in the upper bin; the expectation uses the centres', () => {
      const values = [-1, -0.95, -0.901, -0.01, 0, 0.05, 0.5, 0.9999, 1];
      expect(vaBinIndex(tf.tensor1d(values)).arraySync()).toEqual([0, 0, 0, 9, 10, 10, 15, 19, 19]);
      expect(values.map(vaBin)).toEqual([0, 0, 0, 9, 10, 10, 15, 19, 19]);
      // Edges (multiples of 0.1, e.g. AFEW-VA's rescaled integers) go up, despite float32 rounding.
      expect(vaBinIndex(tf.tensor1d([-0.9, -0.6, -0.1, 0.1, 0.3, 0.7, 0.9])).arraySync()).toEqual([1, 4, 9, 11, 13, 17, 19]);
      const peaked = new Array(20).fill(-50);
      peaked[3] = 50;
      const e = vaExpectation(tf.tensor2d([peaked, new Array(20).fill(0)])).arraySync() as number[];
      expect(e[0]).toBeCloseTo(-0.65, 5); // centre of bin 3: -1 + 7/20
      expect(e[1]).toBeCloseTo(0, 6); // uniform: mean of symmetric centres
      const z = row(20, 4);
      expect(val(vaExpectation(tf.tensor2d([z])))).toBeCloseTo(expectation(z), 5);
    });

    it('one binning rule: the loss bins every float32 label as the samplers do (labels.ts vaBin)', () => {
      // The 21 AFEW-VA values k/10 as stored (float32): each is its edge's float32, so bin k + 10.
      const tenths = Array.from({ length: 21 }, (_, i) => Math.fround((i - 10) / 10));
      const expected = tenths.map((_, i) => Math.min(i, 19));
      expect(tenths.map(vaBin)).toEqual(expected);
      expect(vaBinIndex(tf.tensor1d(tenths)).arraySync()).toEqual(expected);
      // Every edge and its float32 neighbours, the ends and beyond, and random float32 values.
      const f32 = new Float32Array(1);
      const i32 = new Int32Array(f32.buffer);
      /** The float32 next to x, up (d = 1) or down (d = -1). */
      const ulp = (x: number, d: number) => {
        if (x === 0) return Math.fround(d * 1.4e-45);
        f32[0] = x;
        i32[0] += x > 0 ? d : -d;
        return f32[0];
      };
      const rng = mulberry32(31);
      const values = [
        ...VA_BIN_EDGES.flatMap((e) => [e, ulp(e, 1), ulp(e, -1)]),
        -1.5, 1.5, 0, -0,
        ...Array.from({ length: 2000 }, () => Math.fround(rng() * 2.2 - 1.1)),
      ].map(Math.fround);
      expect(vaBinIndex(tf.tensor1d(values)).arraySync()).toEqual(values.map(vaBin));
      // The edges are the float32 of -1 + k/10; the bins are ordered and cover [-1, 1].
      VA_BIN_EDGES.forEach((e, k) => expect(e).toBe(Math.fround(-1 + k / 10)));
      expect(vaBin(-1)).toBe(0);
      expect(vaBin(1)).toBe(19);
    });

    it('CCC uses population variance: [1,2,3] vs [2,3,4] gives 4/7 (the unbiased form would give 2/3)', () => {
      // var_p = var_t = cov = 2/3, (mu_p - mu_t)^2 = 1  ->  (4/3) / (7/3) = 4/7.
      const r = cccMasked(tf.tensor1d([1, 2, 3, 9]), tf.tensor1d([2, 3, 4, NaN]), tf.tensor1d([1, 1, 1, 0]));
      expect(val(r.ccc)).toBeCloseTo(4 / 7, 6);
      expect(val(r.n)).toBe(3);
      const same = cccMasked(tf.tensor1d([0.1, -0.3, 0.5]), tf.tensor1d([0.1, -0.3, 0.5]), tf.ones([3]) as tf.Tensor1D);
      expect(val(same.ccc)).toBeCloseTo(1, 5);
      const none = cccMasked(tf.tensor1d([1, 2]), tf.tensor1d([NaN, NaN]), tf.zeros([2]) as tf.Tensor1D);
      expect(val(none.ccc)).toBe(0);
    });

    it('KL at temperature T, with optional T² scaling; zero for identical logits', () => {
      const t = [1, 2, 3, 0, -1, 0.5, 2];
      const s = [3, 2, 1, 0, 1, -0.5, 0];
      const expected = kl(t, s, 1.5);
      expect(expected).toBeGreaterThan(0.1);
      expect(val(klDistillPerSample(tf.tensor2d([t]), tf.tensor2d([s]), 1.5))).toBeCloseTo(expected, 5);
      expect(val(klDistillPerSample(tf.tensor2d([t]), tf.tensor2d([s]), 1.5, true))).toBeCloseTo(expected * 2.25, 5);
      expect(val(klDistillPerSample(tf.tensor2d([t]), tf.tensor2d([s]), 1))).toBeCloseTo(kl(t, s, 1), 5);
      expect(val(klDistillPerSample(tf.tensor2d([t]), tf.tensor2d([t]), 1.5))).toBeCloseTo(0, 6);
    });

    it('AU distillation is BCE against sigmoid(teacher): ln 2 at zero logits', () => {
      expect(val(auDistillPerSample(tf.zeros([1, 8]) as tf.Tensor2D, tf.zeros([1, 8]) as tf.Tensor2D))).toBeCloseTo(Math.LN2, 6);
      const t = row(8, 1);
      const s = row(8, 2);
      expect(val(auDistillPerSample(tf.tensor2d([t]), tf.tensor2d([s])))).toBeCloseTo(auDistill(t, s), 5);
    });
  });

  describe('teacher losses (Eqs. 1–4)', () => {
    it('AU loss averages over labelled AUs per sample, then over samples that have any', () => {
      const x = [row(8, 1), row(8, 2), row(8, 3)];
      const y = [
        [1, 0, 1, 0, 0, 0, 0, 1],
        [0, 0, 0, 1, -1, -1, -1, -1], // only the first 4 AUs labelled; -1 fill ignored
        [NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN], // no AU label at all
      ];
      const m = [[1, 1, 1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0, 0]];
      const s0 = mean(x[0].map((v, i) => bce(v, y[0][i])));
      const s1 = mean(x[1].slice(0, 4).map((v, i) => bce(v, y[1][i])));
      const got = val(auLoss(tf.tensor2d(x), tf.tensor2d(y), tf.tensor2d(m)));
      expect(got).toBeCloseTo((s0 + s1) / 2, 5);
    });

    it('EXPR loss: CE over labelled samples only; uniform logits give ln 7', () => {
      const x = [new Array(7).fill(0), row(7, 5), row(7, 6)];
      const got = val(exprLoss(tf.tensor2d(x), tf.tensor1d([3, 6, -1], 'int32'), tf.tensor1d([1, 1, 0])));
      expect(got).toBeCloseTo((Math.log(7) + ce(x[1], 6)) / 2, 5);
    });

    it('VA loss = mean bin CE + (1 − CCC of the expectation), over the labelled subset', () => {
      const x = [row(20, 7), row(20, 8), row(20, 9), row(20, 10)];
      const target = [0.32, -0.71, 1.0, NaN];
      const mask = [1, 1, 1, 0];
      const lab = [0, 1, 2];
      const ceMean = mean(lab.map((j) => ce(x[j], vaBin(target[j]))));
      const c = cccJs(lab.map((j) => expectation(x[j])), lab.map((j) => target[j]));
      const got = val(vaLoss(tf.tensor2d(x), tf.tensor1d(target), tf.tensor1d(mask)));
      expect(got).toBeCloseTo(ceMean + 1 - c, 5);
      // One labelled sample: CCC is undefined, so only CE counts. None: exactly 0.
      const one = val(vaLoss(tf.tensor2d(x), tf.tensor1d(target), tf.tensor1d([0, 1, 0, 0])));
      expect(one).toBeCloseTo(ce(x[1], vaBin(-0.71)), 5);
      expect(val(vaLoss(tf.tensor2d(x), tf.tensor1d(target), tf.tensor1d([0, 0, 0, 0])))).toBe(0);
    });

    it('teacher total is 8·AU + EXPR + V + A; a task without labels contributes 0 with finite gradients', () => {
      const b = jsBatch(3, 11);
      const targets = (): BatchTargets => ({
        auTarget: tf.tensor2d([[1, 0, 0, 1, 0, 0, 1, 1], [0, 0, 0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0, 0]]),
        auMask: tf.tensor2d([[1, 1, 1, 1, 1, 1, 1, 1], [0, 0, 0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0, 0]]),
        exprTarget: tf.tensor1d([-1, -1, -1], 'int32'),
        exprMask: tf.tensor1d([0, 0, 0]), // no EXPR label in this batch
        vTarget: tf.tensor1d([NaN, 0.5, -0.2]),
        aTarget: tf.tensor1d([NaN, 0.1, 0.7]),
        vaMask: tf.tensor1d([0, 1, 1]),
      });
      const terms = readLossTerms(teacherLoss(toOutputs(b), targets()));
      const au = mean(b.au[0].map((v, i) => bce(v, [1, 0, 0, 1, 0, 0, 1, 1][i])));
      const vaJs = (z: number[][], t: number[]) =>
        mean([ce(z[1], vaBin(t[0])), ce(z[2], vaBin(t[1]))]) + 1 - cccJs([expectation(z[1]), expectation(z[2])], t);
      const v = vaJs(b.v, [0.5, -0.2]);
      const a = vaJs(b.a, [0.1, 0.7]);
      expect(terms.au).toBeCloseTo(au, 5);
      expect(terms.expr).toBe(0);
      expect(terms.v).toBeCloseTo(v, 5);
      expect(terms.a).toBeCloseTo(a, 5);
      expect(terms.total).toBeCloseTo(8 * au + v + a, 4);
      // Custom weights.
      const w = readLossTerms(teacherLoss(toOutputs(b), targets(), { au: 1, v: 2 }));
      expect(w.total).toBeCloseTo(au + 2 * v + a, 4);

      // Gradients: finite everywhere, exactly zero on the EXPR head (no labels).
      const vars = {
        au: tf.variable(tf.tensor2d(b.au)),
        expr: tf.variable(tf.tensor2d(b.expr)),
        v: tf.variable(tf.tensor2d(b.v)),
        a: tf.variable(tf.tensor2d(b.a)),
      };
      const tg = targets();
      const { grads } = tf.variableGrads(() => teacherLoss(vars as unknown as HeadOutputs, tg).total);
      for (const g of Object.values(grads)) expect(Array.from(g.dataSync()).every(Number.isFinite)).toBe(true);
      expect(Math.max(...Array.from(grads[vars.expr.name].dataSync()).map(Math.abs))).toBe(0);
    });

    it('leaks no tensors, inside or outside tf.tidy', () => {
      const out = toOutputs(jsBatch(4, 3));
      const t: BatchTargets = {
        auTarget: tf.ones([4, 8]) as tf.Tensor2D,
        auMask: tf.ones([4, 8]) as tf.Tensor2D,
        exprTarget: tf.tensor1d([0, 1, 2, 3], 'int32'),
        exprMask: tf.ones([4]) as tf.Tensor1D,
        vTarget: tf.tensor1d([0, 0.1, 0.2, 0.3]),
        aTarget: tf.tensor1d([0, -0.1, -0.2, -0.3]),
        vaMask: tf.ones([4]) as tf.Tensor1D,
      };
      const teacher = toOutputs(jsBatch(4, 9));
      const before = tf.memory().numTensors;
      const terms = teacherLoss(out, t);
      expect(tf.memory().numTensors).toBe(before + Object.keys(terms).length);
      tf.dispose(terms);
      const s = studentLoss(out, teacher, t);
      expect(tf.memory().numTensors).toBe(before + Object.keys(s).length);
      tf.dispose(s);
      tf.tidy(() => {
        teacherLoss(out, t);
        studentLoss(out, teacher, t);
      });
      expect(tf.memory().numTensors).toBe(before);
    });
  });

  describe('student loss (Eq. 7)', () => {
    // Sample 0: AU labels (AUs 0-3 only); 1: EXPR; 2 and 3: VA; 4: nothing.
    const B = 5;
    const auY = [1, 0, 1, 1, 0, 0, 0, 0];
    const auM = [1, 1, 1, 1, 0, 0, 0, 0];
    const targets = (): BatchTargets => ({
      auTarget: tf.tensor2d([auY, ...new Array(B - 1).fill(new Array(8).fill(0))]),
      auMask: tf.tensor2d([auM, ...new Array(B - 1).fill(new Array(8).fill(0))]),
      exprTarget: tf.tensor1d([-1, 4, -1, -1, -1], 'int32'),
      exprMask: tf.tensor1d([0, 1, 0, 0, 0]),
      vTarget: tf.tensor1d([NaN, NaN, 0.45, -0.6, NaN]),
      aTarget: tf.tensor1d([NaN, NaN, -0.05, 0.8, NaN]),
      vaMask: tf.tensor1d([0, 0, 1, 1, 0]),
    });
    const s = jsBatch(B, 21);
    const t = jsBatch(B, 41);

    const expectedJs = (lambda: number, T: number, t2: boolean) => {
      const f = t2 ? T * T : 1;
      const auD = s.au.map((x, j) => auDistill(t.au[j], x));
      const auG0 = mean([0, 1, 2, 3].map((i) => bce(s.au[0][i], auY[i])));
      const au = mean(auD.map((d, j) => (j === 0 ? lambda * auG0 + (1 - lambda) * d : d)));
      const exD = s.expr.map((x, j) => f * kl(t.expr[j], x, T));
      const expr = mean(exD.map((d, j) => (j === 1 ? lambda * ce(s.expr[1], 4) + (1 - lambda) * d : d)));
      const vaJs = (zs: number[][], zt: number[][], tgt: number[]) => {
        const d = zs.map((x, j) => f * kl(zt[j], x, T));
        const cccTerm = 1 - cccJs([expectation(zs[2]), expectation(zs[3])], [tgt[0], tgt[1]]);
        const g = (j: number) => ce(zs[j], vaBin(tgt[j - 2])) + cccTerm;
        return mean(d.map((dj, j) => (j === 2 || j === 3 ? lambda * g(j) + (1 - lambda) * dj : dj)));
      };
      const v = vaJs(s.v, t.v, [0.45, -0.6]);
      const a = vaJs(s.a, t.a, [-0.05, 0.8]);
      return { au, expr, v, a, total: 8 * au + expr + v + a, auDistill: mean(auD), exprDistill: mean(exD) };
    };

    it('mixes λ·GT + (1−λ)·distill on labelled tasks and distill only elsewhere (λ = 0.6, T = 1.5)', () => {
      const got = readLossTerms(studentLoss(toOutputs(s), toOutputs(t), targets()));
      const e = expectedJs(0.6, 1.5, false);
      expect(got.au).toBeCloseTo(e.au, 5);
      expect(got.expr).toBeCloseTo(e.expr, 5);
      expect(got.v).toBeCloseTo(e.v, 5);
      expect(got.a).toBeCloseTo(e.a, 5);
      expect(got.total).toBeCloseTo(e.total, 4);
      expect(got.auDistill).toBeCloseTo(e.auDistill, 5);
      expect(got.exprDistill).toBeCloseTo(e.exprDistill, 5);
    });

    it('per-task λ and T: equal values give exactly the scalar form; one task\'s value changes only that task\'s term', () => {
      const run = (o: Parameters<typeof studentLoss>[3]) => readLossTerms(studentLoss(toOutputs(s), toOutputs(t), targets(), o));
      const scalar = run({ lambda: 0.6, temperature: 1.5 });
      expect(run({ lambda: { au: 0.6, expr: 0.6, va: 0.6 }, temperature: { expr: 1.5, va: 1.5 } })).toEqual(scalar);
      // λ of AU only: the AU term moves, the others are bit-identical.
      const auOnly = run({ lambda: { au: 0.9, expr: 0.6, va: 0.6 }, temperature: 1.5 });
      expect(auOnly.au).not.toBe(scalar.au);
      expect(auOnly.au).toBeCloseTo(expectedJs(0.9, 1.5, false).au, 5);
      expect([auOnly.expr, auOnly.v, auOnly.a]).toEqual([scalar.expr, scalar.v, scalar.a]);
      // λ of VA: both the V and the A terms (they share one), nothing else.
      const vaOnly = run({ lambda: { au: 0.6, expr: 0.6, va: 0.2 }, temperature: 1.5 });
      expect(vaOnly.v).toBeCloseTo(expectedJs(0.2, 1.5, false).v, 5);
      expect(vaOnly.a).toBeCloseTo(expectedJs(0.2, 1.5, false).a, 5);
      expect([vaOnly.au, vaOnly.expr]).toEqual([scalar.au, scalar.expr]);
      // T of EXPR only.
      const exprT = run({ lambda: 0.6, temperature: { expr: 3, va: 1.5 } });
      expect(exprT.expr).toBeCloseTo(expectedJs(0.6, 3, false).expr, 5);
      expect([exprT.au, exprT.v, exprT.a]).toEqual([scalar.au, scalar.v, scalar.a]);
    });

    it("task weights: 'none' (Eq. 7, the reference) sums the four terms unweighted, 'teacher' keeps Eq. 4's (today's default)", () => {
      expect(studentTaskWeights('none', { au: 8 })).toEqual({ au: 1, expr: 1, v: 1, a: 1 });
      expect(studentTaskWeights('teacher')).toEqual({ au: 8, expr: 1, v: 1, a: 1 });
      expect(studentTaskWeights('teacher', { au: 3, v: 2 })).toEqual({ au: 3, expr: 1, v: 2, a: 1 });
      const e = expectedJs(0.6, 1.5, false);
      const none = readLossTerms(studentLoss(toOutputs(s), toOutputs(t), targets(), { weights: studentTaskWeights('none') }));
      expect(none.total).toBeCloseTo(e.au + e.expr + e.v + e.a, 4);
      for (const k of ['au', 'expr', 'v', 'a'] as const) expect(none[k]).toBeCloseTo(e[k], 5);
      const teacher = readLossTerms(studentLoss(toOutputs(s), toOutputs(t), targets(), { weights: studentTaskWeights('teacher') }));
      expect(teacher.total).toBeCloseTo(e.total, 4); // 8·AU + EXPR + V + A
      expect(teacher.total).toBeCloseTo(readLossTerms(studentLoss(toOutputs(s), toOutputs(t), targets())).total, 5);
    });

    it('honours λ, T and T² scaling', () => {
      const got = readLossTerms(studentLoss(toOutputs(s), toOutputs(t), targets(), { lambda: 0.3, temperature: 2, scaleByT2: true }));
      const e = expectedJs(0.3, 2, true);
      expect(got.expr).toBeCloseTo(e.expr, 5);
      expect(got.v).toBeCloseTo(e.v, 5);
      expect(got.total).toBeCloseTo(e.total, 4);
      // λ = 0: ground truth is ignored entirely.
      const d = readLossTerms(studentLoss(toOutputs(s), toOutputs(t), targets(), { lambda: 0 }));
      expect(d.expr).toBeCloseTo(d.exprDistill, 6);
      expect(d.au).toBeCloseTo(d.auDistill, 6);
    });

    it('with λ = 1 and every task labelled on every sample it equals the teacher loss', () => {
      const full = (): BatchTargets => ({
        auTarget: tf.tensor2d(new Array(B).fill(auY)),
        auMask: tf.ones([B, 8]) as tf.Tensor2D,
        exprTarget: tf.tensor1d([0, 1, 2, 3, 4], 'int32'),
        exprMask: tf.ones([B]) as tf.Tensor1D,
        vTarget: tf.tensor1d([0.1, -0.2, 0.3, -0.4, 0.5]),
        aTarget: tf.tensor1d([-0.9, 0.2, 0.0, 0.4, 0.95]),
        vaMask: tf.ones([B]) as tf.Tensor1D,
      });
      const st = readLossTerms(studentLoss(toOutputs(s), toOutputs(t), full(), { lambda: 1 }));
      const te = readLossTerms(teacherLoss(toOutputs(s), full()));
      for (const k of ['total', 'au', 'expr', 'v', 'a'] as const) expect(st[k]).toBeCloseTo(te[k], 5);
    });

    it('a batch with no ground truth at all is pure distillation with finite gradients', () => {
      const none: BatchTargets = {
        auTarget: tf.zeros([B, 8]) as tf.Tensor2D,
        auMask: tf.zeros([B, 8]) as tf.Tensor2D,
        exprTarget: tf.fill([B], -1, 'int32') as tf.Tensor1D,
        exprMask: tf.zeros([B]) as tf.Tensor1D,
        vTarget: tf.fill([B], NaN) as tf.Tensor1D,
        aTarget: tf.fill([B], NaN) as tf.Tensor1D,
        vaMask: tf.zeros([B]) as tf.Tensor1D,
      };
      const got = readLossTerms(studentLoss(toOutputs(s), toOutputs(t), none));
      expect(got.v).toBeCloseTo(got.vDistill, 6);
      expect(got.total).toBeCloseTo(8 * got.auDistill + got.exprDistill + got.vDistill + got.aDistill, 5);
      const v = tf.variable(tf.tensor2d(s.v));
      const out = { ...toOutputs(s), v } as unknown as HeadOutputs;
      const teacher = toOutputs(t);
      const { grads } = tf.variableGrads(() => studentLoss(out, teacher, none).total, [v]);
      expect(Array.from(grads[v.name].dataSync()).every(Number.isFinite)).toBe(true);
    });
  });
});
