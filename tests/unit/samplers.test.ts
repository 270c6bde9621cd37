import { describe, expect, it } from 'vitest';
import {
  balancedWeights,
  classBalancedEpoch,
  irlbl,
  labelCounts,
  meanIR,
  mergedEpoch,
  mlRos,
  perTaskEpoch,
  taskShares,
  vaBalancedEpoch,
  vaBalanceWeights,
  weightedEpoch,
  type EpochItem,
} from '../../src/ml/samplers';
import { deriveSeed, mulberry32, sampleWithoutReplacement, shuffleInPlace } from '../../src/shared/random';
import { vaBin } from '../../src/shared/labels';

const tally = (xs: readonly number[]) => {
  const m = new Map<number, number>();
  for (const x of xs) m.set(x, (m.get(x) ?? 0) + 1);
  return m;
};
/** Rows of `n` copies of a label vector. */
const rep = (n: number, row: number[]) => Array.from({ length: n }, () => row.slice());

describe('seeded PRNG', () => {
  it('mulberry32 is deterministic, in [0,1), roughly uniform; sub-seeds differ', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const xs = Array.from({ length: 20000 }, () => a());
    expect(Array.from({ length: 20000 }, () => b())).toEqual(xs);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.01);
    expect(mulberry32(43)()).not.toBe(mulberry32(42)());
    expect(deriveSeed(1, 'au')).not.toBe(deriveSeed(1, 'expr'));
    expect(deriveSeed(1, 'au')).toBe(deriveSeed(1, 'au'));
  });

  it('shuffle is a permutation; sampling without replacement draws distinct elements', () => {
    const s = shuffleInPlace(Array.from({ length: 100 }, (_, i) => i), mulberry32(1));
    expect([...s].sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(s).not.toEqual(Array.from({ length: 100 }, (_, i) => i));
    const d = sampleWithoutReplacement(Array.from({ length: 10 }, (_, i) => i), 7, mulberry32(2));
    expect(new Set(d).size).toBe(7);
    expect(() => sampleWithoutReplacement([1, 2], 3, mulberry32(0))).toThrow();
  });
});

describe('ML-ROS (Charte et al. 2015)', () => {
  // Example 1, N = 20, labels (A, B, C):
  //   samples 0–11 A only, 12–17 B only, 18–19 C only; unlabelled (−1) entries are not positives.
  //   counts 12, 6, 2 -> IRLbl 1, 2, 6 -> MeanIR = 3 (not the reference's hard-coded 2).
  //   Minority = {C}. Clone C samples: C = 3 -> IRLbl 4 > 3; C = 4 -> IRLbl 3 <= 3, stop.
  //   2 clones, both of samples 18 or 19; budget 25 % of 20 = 5 is not reached.
  const ex1 = [...rep(12, [1, 0, -1]), ...rep(6, [0, 1, 0]), ...rep(2, [0, -1, 1])];

  it('IRLbl and MeanIR from the data', () => {
    expect(labelCounts(ex1)).toEqual([12, 6, 2]);
    expect(irlbl([12, 6, 2])).toEqual([1, 2, 6]);
    expect(meanIR([12, 6, 2])).toBe(3);
    // A label that never occurs has no ratio and is left out of MeanIR.
    expect(irlbl([4, 0, 2])).toEqual([1, Infinity, 2]);
    expect(meanIR([4, 0, 2])).toBe(1.5);
  });

  it('example 1: clones the minority label until IRLbl <= MeanIR', () => {
    const r = mlRos(ex1, { seed: 7 });
    expect(r.meanIR).toBe(3);
    expect(r.minority).toEqual([2]);
    expect(r.clones).toBe(2);
    expect(r.indices.slice(0, 20)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(r.indices.slice(20).every((i) => i === 18 || i === 19)).toBe(true);
    expect(r.irlblAfter).toEqual([1, 2, 3]);
    expect(mlRos(ex1, { seed: 7 })).toEqual(r);
  });

  it('example 1 with a 5 % budget: stops at 1 clone (floor(20 · 5 %))', () => {
    const r = mlRos(ex1, { seed: 7, percentage: 5 });
    expect(r.clones).toBe(1);
    expect(r.irlblAfter[2]).toBe(4);
  });

  it('example 2: labels are re-evaluated as clones raise the majority label too', () => {
    // Samples 0–9 A only, 10–15 B only, 16–17 A and C, 18–19 nothing. Counts 12, 6, 2, MeanIR 3.
    // Each C clone also adds an A: (A,C) = (13,3) 4.33 -> (14,4) 3.5 -> (15,5) 3 <= 3: 3 clones.
    const ex2 = [...rep(10, [1, 0, 0]), ...rep(6, [0, 1, 0]), ...rep(2, [1, 0, 1]), ...rep(2, [0, 0, 0])];
    const r = mlRos(ex2, { seed: 3 });
    expect(r.meanIR).toBe(3);
    expect(r.clones).toBe(3);
    expect(r.indices.slice(20).every((i) => i === 16 || i === 17)).toBe(true);
    expect(r.irlblAfter).toEqual([1, 15 / 6, 3]);
  });

  it('example 3: two minority bags take turns and leave independently', () => {
    // N = 40: A only ×20, B only ×2, C only ×4, D only ×14. Counts 20, 2, 4, 14:
    //   IRLbl 1, 10, 5, 1.43 -> MeanIR = 17.43/4 = 4.357; minority {B, C}.
    //   Round 1: B -> 3 (6.67, stays), C -> 5 (4.0, leaves). Round 2: B -> 4 (5.0).
    //   Round 3: B -> 5 (4.0, leaves). 4 clones: 3 of B's samples, 1 of C's; budget 10 not reached.
    const ex3 = [...rep(20, [1, 0, 0, 0]), ...rep(2, [0, 1, 0, 0]), ...rep(4, [0, 0, 1, 0]), ...rep(14, [0, 0, 0, 1])];
    const r = mlRos(ex3, { seed: 11 });
    expect(r.meanIR).toBeCloseTo((1 + 10 + 5 + 20 / 14) / 4, 12);
    expect(r.minority).toEqual([1, 2]);
    expect(r.clones).toBe(4);
    const cl = r.indices.slice(40);
    expect(cl.filter((i) => i === 20 || i === 21).length).toBe(3);
    expect(cl.filter((i) => i >= 22 && i <= 25).length).toBe(1);
    expect(r.irlblAfter).toEqual([1, 4, 4, 20 / 14]);
  });
});

describe('class-balanced EXPR epoch', () => {
  // Class sizes 50, 10, 5, 200, 35 (N = 300) plus 3 unlabelled (−1): 60 draws per class.
  const classes = [...rep(50, [0]), ...rep(10, [1]), ...rep(5, [2]), ...rep(200, [3]), ...rep(35, [4]), ...rep(3, [-1])].map((r) => r[0]);
  shuffleInPlace(classes, mulberry32(5));

  it('gives every class the same share (±1), undersamples without repeats, oversamples evenly', () => {
    const e = classBalancedEpoch(classes, { seed: 1 });
    expect(e.length).toBe(300);
    const perClass = tally(e.map((i) => classes[i]));
    expect(perClass.has(-1)).toBe(false);
    for (const c of [0, 1, 2, 3, 4]) expect(Math.abs(perClass.get(c)! - 60)).toBeLessThanOrEqual(1);
    const drawsOf3 = e.filter((i) => classes[i] === 3);
    expect(new Set(drawsOf3).size).toBe(drawsOf3.length); // 200 -> 60: no frame twice
    const perFrame = tally(e.filter((i) => classes[i] === 2)); // 5 -> 60: each frame 12 times (±1)
    for (const n of perFrame.values()) expect(Math.abs(n - 12)).toBeLessThanOrEqual(1);
  });

  it('honours the epoch size and is deterministic in the seed', () => {
    const e = classBalancedEpoch(classes, { seed: 9, epochSize: 1000 });
    expect(e.length).toBe(1000);
    for (const n of tally(e.map((i) => classes[i])).values()) expect(Math.abs(n - 200)).toBeLessThanOrEqual(1);
    expect(classBalancedEpoch(classes, { seed: 9, epochSize: 1000 })).toEqual(e);
    expect(classBalancedEpoch(classes, { seed: 10, epochSize: 1000 })).not.toEqual(e);
  });

  it('weighted epochs follow arbitrary weights', () => {
    const e = weightedEpoch([1, 3, 0, 6], 1000, mulberry32(4));
    const t = tally(e);
    expect(t.get(0)).toBe(100);
    expect(t.get(1)).toBe(300);
    expect(t.has(2)).toBe(false);
    expect(t.get(3)).toBe(600);
    expect(balancedWeights([0, 0, 1, -1])).toEqual([0.25, 0.25, 0.5, 0]);
  });
});

describe('VA balancing', () => {
  it("'marginals' solves the 2×2 example exactly (worked by hand)", () => {
    // Frames A (v0,a0), B (v0,a1), C (v1,a0), D and D' (v1,a1). Uniform valence and arousal bins with
    // product-form weights x_v·y_a (what iterative proportional fitting converges to) give, with
    // r = x1/x0: 1/(1+r) + 1/(1+2r) = 1, so r = 1/√2 and
    //   A = 1/(2+√2), B = C = 1/(2+2√2), D = D' = r/(2+4r).
    const v = [-0.45, -0.45, 0.55, 0.55, 0.55];
    const a = [-0.25, 0.25, -0.25, 0.25, 0.25];
    const w = vaBalanceWeights(v, a);
    const r = Math.SQRT1_2;
    const expected = [1 / (2 + Math.SQRT2), 1 / (2 + 2 * Math.SQRT2), 1 / (2 + 2 * Math.SQRT2), r / (2 + 4 * r), r / (2 + 4 * r)];
    w.forEach((x, i) => expect(x).toBeCloseTo(expected[i], 9));
    // 'cells': uniform over the 4 occupied cells; D and D' share theirs.
    expect(vaBalanceWeights(v, a, 'cells')).toEqual([0.25, 0.25, 0.25, 0.125, 0.125]);
    expect(vaBalanceWeights(v, [NaN, ...a.slice(1)], 'valence')).toEqual([0, 0.5, 1 / 6, 1 / 6, 1 / 6]);
  });

  it('flattens both marginals of skewed, correlated data', () => {
    // Gaussian-ish valence around 0.1 and arousal correlated with it: the middle bins dominate.
    const rng = mulberry32(123);
    const gauss = () => Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
    const clip = (x: number) => Math.max(-1, Math.min(1, x));
    const N = 4000;
    const v = Array.from({ length: N }, () => clip(0.1 + 0.4 * gauss()));
    const a = v.map((x) => clip(0.4 * x + 0.35 * gauss()));
    v[5] = NaN; // unlabelled frame: never drawn
    const E = 20000;
    const e = vaBalancedEpoch(v, a, { seed: 4, epochSize: E });
    expect(e.length).toBe(E);
    expect(e.includes(5)).toBe(false);
    const vt = tally(e.map((i) => vaBin(v[i])));
    const at = tally(e.map((i) => vaBin(a[i])));
    const vOcc = new Set(v.filter(Number.isFinite).map(vaBin)).size;
    const aOcc = new Set(a.filter((_, i) => Number.isFinite(v[i])).map(vaBin)).size;
    for (const n of vt.values()) expect(Math.abs(n - E / vOcc)).toBeLessThanOrEqual(1);
    for (const n of at.values()) expect(Math.abs(n - E / aOcc) / (E / aOcc)).toBeLessThan(0.05);
    // Before balancing, the most common valence bin held about twice its uniform share.
    const raw = tally(v.filter(Number.isFinite).map(vaBin));
    expect(Math.max(...raw.values())).toBeGreaterThan((1.8 * N) / vOcc);
    expect(vaBalancedEpoch(v, a, { seed: 4, epochSize: E })).toEqual(e);
  });
});

describe('merged multitask epoch', () => {
  const auLabels = [...rep(20, [1, 0, 0, 0]), ...rep(2, [0, 1, 0, 0]), ...rep(4, [0, 0, 1, 0]), ...rep(14, [0, 0, 0, 1])];
  const exprClasses = Array.from({ length: 300 }, (_, i) => (i < 200 ? 3 : i % 5));
  const vaRng = mulberry32(8);
  const pools = {
    au: { samples: auLabels.map((_, k) => 1000 + k), labels: auLabels },
    expr: { samples: exprClasses.map((_, k) => 2000 + k), classes: exprClasses },
    va: {
      samples: Array.from({ length: 200 }, (_, k) => 3000 + k),
      valence: Array.from({ length: 200 }, () => vaRng() * 2 - 1),
      arousal: Array.from({ length: 200 }, () => vaRng() * 2 - 1),
    },
  };
  const count = (e: EpochItem[], task: string) => e.filter((x) => x.task === task).length;

  it('holds each balanced list, interleaved so every batch mixes the tasks in proportion', () => {
    const e = mergedEpoch(pools, { seed: 5 });
    expect(count(e, 'au')).toBe(44); // 40 + 4 ML-ROS clones (example 3 above)
    expect(count(e, 'expr')).toBe(300);
    expect(count(e, 'va')).toBe(200);
    const exprCounts = tally(e.filter((x) => x.task === 'expr').map((x) => exprClasses[x.sample - 2000]));
    for (const n of exprCounts.values()) expect(Math.abs(n - 60)).toBeLessThanOrEqual(1);
    const total = e.length;
    for (let b = 0; b + 32 <= total; b += 32) {
      const batch = e.slice(b, b + 32);
      for (const [task, n] of [['au', 44], ['expr', 300], ['va', 200]] as const) {
        expect(Math.abs(count(batch, task) - (32 * n) / total)).toBeLessThanOrEqual(2);
      }
    }
    expect(e.filter((x) => x.task === 'au').every((x) => x.sample >= 1000 && x.sample < 1040)).toBe(true);
  });

  it('is deterministic in the seed; balancing can be switched off per task', () => {
    const e = mergedEpoch(pools, { seed: 5 });
    expect(mergedEpoch(pools, { seed: 5 })).toEqual(e);
    expect(mergedEpoch(pools, { seed: 6 })).not.toEqual(e);
    const off = mergedEpoch(pools, { seed: 5, balance: { au: false, expr: false } });
    expect(count(off, 'au')).toBe(40);
    const exprOff = off.filter((x) => x.task === 'expr').map((x) => x.sample);
    expect([...exprOff].sort((x, y) => x - y)).toEqual(pools.expr.samples);
    // VA still balanced, and with its own stream it draws exactly the same multiset.
    const vaOf = (x: EpochItem[]) => x.filter((i) => i.task === 'va').map((i) => i.sample).sort((p, q) => p - q);
    expect(vaOf(off)).toEqual(vaOf(e));
    // Missing pools are simply absent.
    expect(mergedEpoch({ expr: pools.expr }, { seed: 1 }).every((x) => x.task === 'expr')).toBe(true);
  });

  it("per-task shares: batch split evenly over the tasks with a pool, remainder to the first (AU, EXPR, VA)", () => {
    expect(taskShares(3, 32)).toEqual([11, 11, 10]);
    expect(taskShares(3, 30)).toEqual([10, 10, 10]);
    expect(taskShares(2, 7)).toEqual([4, 3]);
    expect(taskShares(1, 5)).toEqual([5]);
    expect(() => taskShares(3, 2)).toThrow(/at least 3/);
  });

  it("per-task epoch: every step takes a fixed share of each task's own balanced stream; the longest (per share) sets the length", () => {
    const steps = perTaskEpoch(pools, { seed: 5, batch: 30 });
    // Lists: AU 44, EXPR 300, VA 200, 10 each per step -> max(⌈44/10⌉, ⌈300/10⌉, ⌈200/10⌉) = 30 steps.
    expect(steps).toHaveLength(30);
    for (const b of steps) expect([count(b, 'au'), count(b, 'expr'), count(b, 'va')]).toEqual([10, 10, 10]);
    const stream = (task: string) => steps.flatMap((b) => b.filter((x) => x.task === task));
    const merged = mergedEpoch(pools, { seed: 5 });
    // Each stream starts with the task's list of the merged epoch (same seed, same draws) …
    for (const task of ['au', 'expr', 'va']) {
      const list = merged.filter((x) => x.task === task);
      expect(stream(task).slice(0, list.length)).toEqual(list);
    }
    // … EXPR is drawn exactly once (balanced: 60 ± 1 per class), and the shorter streams are cycled
    // with fresh passes of their sampler: AU's 300 = 44 + 44 + … (every original in each full pass).
    const exprCounts = tally(stream('expr').map((x) => exprClasses[x.sample - 2000]));
    for (const n of exprCounts.values()) expect(Math.abs(n - 60)).toBeLessThanOrEqual(1);
    const au = stream('au').map((x) => x.sample);
    expect(au).toHaveLength(300);
    for (let p = 0; p + 44 <= 300; p += 44) expect(new Set(au.slice(p, p + 44)).size).toBe(40);
    expect(au.slice(44, 88)).not.toEqual(au.slice(0, 44)); // a new pass, not a repeat
    // Deterministic in the seed; missing pools split the batch among the others.
    expect(perTaskEpoch(pools, { seed: 5, batch: 30 })).toEqual(steps);
    expect(perTaskEpoch(pools, { seed: 6, batch: 30 })).not.toEqual(steps);
    const two = perTaskEpoch({ expr: pools.expr, va: pools.va }, { seed: 5, batch: 31 });
    expect(two).toHaveLength(Math.max(Math.ceil(300 / 16), Math.ceil(200 / 15)));
    for (const b of two) expect([count(b, 'au'), count(b, 'expr'), count(b, 'va')]).toEqual([0, 16, 15]);
    expect(perTaskEpoch({}, { seed: 5, batch: 30 })).toEqual([]);
  });
});
