// The CNN's batches follow the paper and the reference code (issue 18): each item is supervised by
// the label of the task it was drawn for, a step takes a fixed share of every task ('per-task'),
// 'proportional' keeps the merged epoch, the config's VA balancing mode reaches the sampler, and
// the student's task weights follow `studentTaskWeights`.
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../src/ml/backend';
import { disposeTargets, targetsOf } from '../../src/ml/train/batch';
import { epochBatches, studentLossOptions, taskPools } from '../../src/ml/train/cnn';
import { vaBalancedEpoch, type EpochItem } from '../../src/ml/samplers';
import { TrainConfig } from '../../src/shared/train-config';
import { NUM_AUS, NUM_EXPR, type Task } from '../../src/shared/labels';
import { deriveSeed, mulberry32 } from '../../src/shared/random';
import { unlabelledSamples, type SampleSet } from '../../src/shared/samples';

/**
 * Demo-like training frames (npm run demo's train split): 12 videos of 200 frames, each labelled
 * for one or two tasks; expressions are mostly Neutral (55 %) as in real video, AUs sparse, VA on
 * tenths (AFEW-VA-like) or continuous.
 */
function demoLikeSamples(seed = 2020): SampleSet {
  const videos: Task[][] = [['au'], ['expr'], ['va'], ['au', 'expr'], ['au'], ['expr'], ['va'], ['expr', 'va'], ['au'], ['va'], ['au', 'va'], ['expr']];
  const perVideo = 200;
  const n = videos.length * perVideo;
  const rng = mulberry32(seed);
  const s: SampleSet = {
    ...unlabelledSamples(n),
    frameId: Int32Array.from({ length: n }, (_, i) => i + 1),
    mediaId: Int32Array.from({ length: n }, (_, i) => Math.floor(i / perVideo)),
    idx: Int32Array.from({ length: n }, (_, i) => i % perVideo),
  };
  const auRate = [0.15, 0.1, 0.2, 0.25, 0.3, 0.05, 0.04, 0.4];
  const exprWeights = [0.55, 0.05, 0.03, 0.04, 0.18, 0.07, 0.08];
  const pickExpr = () => {
    let u = rng();
    for (let c = 0; c < NUM_EXPR; c++) if ((u -= exprWeights[c]) < 0) return c;
    return 0;
  };
  const va = () => (rng() < 0.5 ? Math.round(rng() * 20 - 10) / 10 : Math.max(-1, Math.min(1, (rng() + rng() - 1) * 0.8)));
  for (let i = 0; i < n; i++) {
    const tasks = videos[Math.floor(i / perVideo)];
    if (tasks.includes('au')) for (let k = 0; k < NUM_AUS; k++) s.au[i * NUM_AUS + k] = rng() < auRate[k] ? 1 : 0;
    if (tasks.includes('expr')) s.expr[i] = pickExpr();
    if (tasks.includes('va')) {
      s.valence[i] = va();
      s.arousal[i] = va();
    }
  }
  return s;
}

const config = (over: Partial<TrainConfig> = {}) => ({ ...TrainConfig.parse({ seed: 3 }), ...over });

/** Share (%) of each class among the expression targets that reach the loss over an epoch. */
function exprTargetShares(s: SampleSet, steps: EpochItem[][], withTasks: boolean): number[] {
  const counts = new Array<number>(NUM_EXPR).fill(0);
  for (const b of steps) {
    const t = targetsOf(
      s,
      b.map((it) => it.sample),
      withTasks ? b.map((it) => it.task) : undefined,
    );
    const cls = t.exprTarget.dataSync();
    t.exprMask.dataSync().forEach((m, i) => m > 0 && counts[cls[i]]++);
    disposeTargets(t);
  }
  const total = counts.reduce((a, b) => a + b, 0);
  return counts.map((c) => (100 * c) / total);
}

describe('CNN batches after the paper', () => {
  beforeAll(async () => {
    expect(await tf.setBackend('cpu')).toBe(true);
  });
  const s = demoLikeSamples();
  const pools = taskPools(s, new Map());

  it.each(['per-task', 'proportional'] as const)(
    "%s: the expression loss sees the expression sampler's class distribution (each item supervised for the task it was drawn for)",
    (batching) => {
      const steps = epochBatches(pools, config({ batching }), 0);
      // The sampler's distribution: classes of the items the EXPR sampler drew (balanced: 100/7 % each).
      const drawn = new Array<number>(NUM_EXPR).fill(0);
      steps.flat().forEach((it) => it.task === 'expr' && drawn[s.expr[it.sample]]++);
      const total = drawn.reduce((a, b) => a + b, 0);
      const sampler = drawn.map((c) => (100 * c) / total);
      for (const p of sampler) expect(Math.abs(p - 100 / 7)).toBeLessThan(1);
      const seen = exprTargetShares(s, steps, true);
      seen.forEach((p, c) => expect(Math.abs(p - sampler[c])).toBeLessThanOrEqual(2));
      // Every label of every drawn frame (the old targets) lets AU- and VA-drawn frames bring their
      // mostly-Neutral expressions past the balancing.
      expect(exprTargetShares(s, steps, false)[0] - sampler[0]).toBeGreaterThan(5);
    },
  );

  it('an item carries only the label of its task; a frame drawn for two tasks is two items', () => {
    const steps = epochBatches(pools, config(), 0);
    const b = steps[0];
    const t = targetsOf(s, b.map((it) => it.sample), b.map((it) => it.task));
    const auMask = t.auMask.arraySync() as number[][];
    const exprMask = t.exprMask.dataSync();
    const vaMask = t.vaMask.dataSync();
    b.forEach((it, i) => {
      expect(auMask[i].some((m) => m > 0)).toBe(it.task === 'au');
      expect(exprMask[i] > 0).toBe(it.task === 'expr');
      expect(vaMask[i] > 0).toBe(it.task === 'va');
    });
    disposeTargets(t);
  });

  it("'per-task' (default): batch per step split evenly over the tasks, the epoch as long as the longest stream per share", () => {
    const c = config();
    expect(c.batching).toBe('per-task');
    expect(c.batch).toBe(32);
    const steps = epochBatches(pools, c, 1);
    // Lists: AU 1000 frames + ML-ROS clones, EXPR 1000, VA 1000 (the same lists the merged epoch
    // holds); shares 11, 11, 10 -> ⌈longest list / its share⌉ steps.
    const merged = epochBatches(pools, config({ batching: 'proportional' }), 1).flat();
    const auList = merged.filter((it) => it.task === 'au').length;
    expect(auList).toBeGreaterThan(1000);
    expect(steps.length).toBe(Math.max(Math.ceil(auList / 11), Math.ceil(1000 / 11), Math.ceil(1000 / 10)));
    for (const b of steps) {
      expect(b).toHaveLength(32);
      expect(['au', 'expr', 'va'].map((t) => b.filter((it) => it.task === t).length)).toEqual([11, 11, 10]);
    }
    // A resumed run draws the same batches: the epoch is a function of (seed, epoch).
    expect(epochBatches(pools, c, 1)).toEqual(steps);
    expect(epochBatches(pools, c, 2)).not.toEqual(steps);
  });

  it("'proportional' cuts the merged epoch exactly as before issue 18 (fixed expectation from the old code path)", () => {
    // Small pools; expectation recorded from mergedEpoch + slicing before this change (seed 7, epoch 2, batch 8).
    const rep = (n: number, row: number[]) => Array.from({ length: n }, () => row.slice());
    const auLabels = [...rep(20, [1, 0, 0, 0, 0, 0, 0, 0]), ...rep(2, [0, 1, 0, 0, 0, 0, 0, 0]), ...rep(4, [0, 0, 1, 0, -1, -1, -1, -1]), ...rep(14, [0, 0, 0, 1, 0, 0, 0, 0])];
    const exprClasses = Array.from({ length: 30 }, (_, i) => (i < 18 ? 0 : i % 7));
    const r = mulberry32(8);
    const small = {
      au: { samples: auLabels.map((_, k) => 100 + k), labels: auLabels },
      expr: { samples: exprClasses.map((_, k) => 200 + k), classes: exprClasses },
      va: {
        samples: Array.from({ length: 20 }, (_, k) => 300 + k),
        valence: Array.from({ length: 20 }, () => Math.fround(r() * 2 - 1)),
        arousal: Array.from({ length: 20 }, () => Math.fround(r() * 2 - 1)),
      },
    };
    const got = epochBatches(small, config({ batching: 'proportional', batch: 8, seed: 7 }), 2).map((b) => b.map((it) => `${it.task[0]}${it.sample}`).join(' '));
    expect(got).toEqual([
      'a115 v304 e222 a129 a121 e224 a135 v315',
      'e220 e223 a136 a121 v305 a138 e229 a123',
      'v311 e223 a124 a106 e208 v306 e207 a103',
      'v316 a108 e225 a117 a116 e226 a120 v319',
      'v301 a101 e225 a131 e223 a104 e220 a112',
      'v313 e229 a139 v316 a134 e214 a130 v318',
      'a128 e219 e218 a122 a119 v313 e200 a124',
      'a113 e219 a137 v305 e222 a133 a114 e218',
      'v302 a126 e224 a127 a105 v317 a132 e224',
      'v310 a120 e227 e224 a102 v315 a110 e221',
      'a100 a125 e227 v300 a107 v318 e223 a118',
      'a121 e226 a109 e218 v304 a111',
    ]);
  });

  it("balance.vaMode from the config reaches the VA sampler ('cells' as the sampler's cells mode)", () => {
    const va = pools.va!;
    const vaStream = (mode: 'cells' | 'marginals') =>
      epochBatches(pools, config({ balance: { au: true, expr: true, va: true, vaMode: mode } }), 4)
        .flat()
        .filter((it) => it.task === 'va')
        .map((it) => it.sample);
    const sampler = (mode: 'cells' | 'marginals') =>
      vaBalancedEpoch(va.valence, va.arousal, { mode, rng: mulberry32(deriveSeed(deriveSeed(3, 'epoch-4'), 'va')) }).map((k) => va.samples[k]);
    const cells = vaStream('cells');
    expect(cells.slice(0, va.samples.length)).toEqual(sampler('cells'));
    expect(vaStream('marginals').slice(0, va.samples.length)).toEqual(sampler('marginals'));
    expect(cells).not.toEqual(vaStream('marginals'));
  });

  it("the student's task weights: 'none' by default (Eq. 7), 'teacher' gives Eq. 4's", () => {
    expect(studentLossOptions(config())).toEqual({ lambda: 0.6, temperature: 1.5, weights: { au: 1, expr: 1, v: 1, a: 1 } });
    expect(studentLossOptions(config({ studentTaskWeights: 'teacher' })).weights).toEqual({ au: 8, expr: 1, v: 1, a: 1 });
  });
});
