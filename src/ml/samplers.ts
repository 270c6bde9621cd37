// Data-balancing samplers of the paper (Deng, Chen, Shi, ABAW 2020, "Data balancing"), as pure
// functions of label arrays and a seed. They return sample indices; loading is someone else's job.
//
// - AU (multi-label): ML-ROS, Charte et al. 2015 ("Addressing imbalance in multilabel
//   classification", Neurocomputing 163). MeanIR is computed from the data (the reference code
//   hard-coded 2.0).
// - EXPR: over/under-sampling so every class is equally likely in an epoch.
// - VA: the paper discretises V and A into 20 bins and "applies the same strategy". With two
//   targets there is a choice; ours (mode 'marginals', default) weights frames so that valence
//   bins AND arousal bins are both (near) uniform, by iterative proportional fitting of one weight
//   per frame. Why not the 2-D (v-bin, a-bin) cells: there are up to 400 of them, most nearly empty
//   in real data, so "every cell equally likely" repeats a handful of corner frames all epoch and
//   still leaves the marginals non-uniform. 'cells', 'valence' and 'arousal' are available.
//
// Drawing an epoch from weights uses systematic resampling over the frames grouped by class (or
// valence bin) in random order: each stratum gets its share of the epoch to within ±1 frame (not
// just in expectation), a frame with weight·size < 1 appears at most once (undersampling without
// replacement), and a frame is repeated only as often as its weight demands (oversampling).

import { deriveSeed, mulberry32, randInt, shuffleInPlace, type Rng } from '../shared/random';
import { TASKS, VA_BINS, vaBin, type Task } from '../shared/labels';

type MaybeNumber = number | null | undefined;

// ---------------------------------------------------------------------------------------------
// ML-ROS

/** Number of positive (=== 1) entries per label column; missing labels are not positives. */
export function labelCounts(labels: readonly ArrayLike<MaybeNumber>[], numLabels?: number): number[] {
  const L = numLabels ?? (labels.length ? labels[0].length : 0);
  const c = new Array<number>(L).fill(0);
  for (const row of labels) for (let k = 0; k < L; k++) if (row[k] === 1) c[k]++;
  return c;
}

/**
 * IRLbl per label: (count of the most frequent label) / (count of this label). A label with no
 * positive sample has no defined ratio and cannot be oversampled: its IRLbl is Infinity and it is
 * left out of MeanIR and of the minority set.
 */
export function irlbl(counts: readonly number[]): number[] {
  const max = Math.max(0, ...counts);
  return counts.map((c) => (c > 0 ? max / c : Infinity));
}

/** Mean IRLbl over labels that occur at least once. */
export function meanIR(counts: readonly number[]): number {
  const ir = irlbl(counts).filter(Number.isFinite);
  return ir.length ? ir.reduce((s, v) => s + v, 0) / ir.length : 1;
}

export interface MlRosOptions {
  /** Clone budget as a percentage of the dataset size (Charte et al. use 10–25 %). */
  percentage?: number;
  seed?: number;
  rng?: Rng;
}

export interface MlRosResult {
  /** Every original index 0..N−1, then the clones (indices of the cloned originals). */
  indices: number[];
  clones: number;
  meanIR: number;
  /** Labels whose IRLbl exceeded MeanIR before cloning. */
  minority: number[];
  irlblBefore: number[];
  irlblAfter: number[];
}

/**
 * ML-ROS (Charte et al. 2015, Algorithm 2). MeanIR is fixed from the original data; minority
 * labels are those with IRLbl > MeanIR, each with a bag of its positive samples. While the budget
 * (percentage of N) lasts, the bags take turns: each clones one uniformly drawn sample of its
 * bag (every label of the clone is counted, so the majority label can grow too), then IRLbl of the
 * bag's label is re-evaluated against the current counts and the bag leaves the rotation once
 * IRLbl ≤ MeanIR. Clones are drawn from the original positives of the bag.
 */
export function mlRos(labels: readonly ArrayLike<MaybeNumber>[], options: MlRosOptions = {}): MlRosResult {
  const rng = options.rng ?? mulberry32(options.seed ?? 0);
  const percentage = options.percentage ?? 25;
  const n = labels.length;
  const counts = labelCounts(labels);
  const irBefore = irlbl(counts);
  const mir = meanIR(counts);
  const minority = irBefore.map((ir, k) => (Number.isFinite(ir) && ir > mir ? k : -1)).filter((k) => k >= 0);
  const bags = new Map<number, number[]>();
  for (const k of minority) bags.set(k, []);
  labels.forEach((row, i) => {
    for (const k of minority) if (row[k] === 1) bags.get(k)!.push(i);
  });

  const indices = Array.from({ length: n }, (_, i) => i);
  let budget = Math.floor((n * percentage) / 100);
  const irOf = (k: number) => Math.max(...counts) / counts[k];
  let active = [...minority];
  while (budget > 0 && active.length > 0) {
    const still: number[] = [];
    for (const k of active) {
      if (budget <= 0) {
        still.push(k);
        continue;
      }
      const bag = bags.get(k)!;
      const pick = bag[randInt(rng, bag.length)];
      indices.push(pick);
      const row = labels[pick];
      for (let j = 0; j < counts.length; j++) if (row[j] === 1) counts[j]++;
      budget--;
      if (irOf(k) > mir) still.push(k);
    }
    active = still;
  }
  return { indices, clones: indices.length - n, meanIR: mir, minority, irlblBefore: irBefore, irlblAfter: irlbl(counts) };
}

// ---------------------------------------------------------------------------------------------
// Weighted epochs (class-balanced EXPR, VA)

/** Per-element weight 1 / (K · count(stratum)) so every occupied stratum has total weight 1/K; strata < 0 get 0. */
export function balancedWeights(strata: ArrayLike<number>): number[] {
  const count = new Map<number, number>();
  for (let i = 0; i < strata.length; i++) if (strata[i] >= 0) count.set(strata[i], (count.get(strata[i]) ?? 0) + 1);
  const K = count.size;
  return Array.from(strata, (s) => (s >= 0 ? 1 / (K * count.get(s)!) : 0));
}

/**
 * Draws `size` indices by systematic resampling of `weights` (any non-negative scale), with the
 * elements laid out grouped by `strata` and in random order inside each group, then shuffles.
 * Each stratum receives round(size · its weight share) ± 1 draws.
 */
export function weightedEpoch(weights: readonly number[], size: number, rng: Rng, strata?: ArrayLike<number>): number[] {
  const order = shuffleInPlace(
    weights.map((_, i) => i).filter((i) => weights[i] > 0),
    rng,
  );
  if (strata) {
    // Stable sort of a random permutation: random order inside each stratum.
    order.sort((a, b) => strata[a] - strata[b]);
  }
  const total = order.reduce((s, i) => s + weights[i], 0);
  if (total <= 0 || size <= 0) return [];
  const out: number[] = [];
  const step = total / size;
  let u = rng() * step;
  let cum = 0;
  for (const i of order) {
    cum += weights[i];
    while (u < cum && out.length < size) {
      out.push(i);
      u += step;
    }
  }
  // Floating-point shortfall at the very end goes to the last element with weight.
  while (out.length < size) out.push(order[order.length - 1]);
  return shuffleInPlace(out, rng);
}

export interface EpochOptions {
  /** Number of draws in the epoch (default: the number of labelled elements). */
  epochSize?: number;
  seed?: number;
  rng?: Rng;
}

/**
 * EXPR: every class (present in the data) equally likely in the epoch — the paper's over- and
 * undersampling. `classes[i]` is the class of element i (negative = unlabelled, never drawn).
 * Returns indices into `classes`.
 */
export function classBalancedEpoch(classes: ArrayLike<number>, options: EpochOptions = {}): number[] {
  const rng = options.rng ?? mulberry32(options.seed ?? 0);
  const labelled = Array.from(classes).filter((c) => c >= 0).length;
  return weightedEpoch(balancedWeights(classes), options.epochSize ?? labelled, rng, classes);
}

export type VaBalanceMode = 'marginals' | 'cells' | 'valence' | 'arousal';

/**
 * Per-frame weights for VA balancing (non-finite V or A = unlabelled, weight 0).
 * 'marginals': iterative proportional fitting, alternately rescaling so each occupied valence bin
 * and each occupied arousal bin holds an equal share; it ends on a valence step, so valence is
 * exact and arousal as close as the data allow. 'cells': uniform over occupied (v-bin, a-bin)
 * cells. 'valence' / 'arousal': uniform over that variable's bins only.
 */
export function vaBalanceWeights(
  valence: ArrayLike<number>,
  arousal: ArrayLike<number>,
  mode: VaBalanceMode = 'marginals',
  iterations = 50,
): number[] {
  const n = valence.length;
  const ok = (i: number) => Number.isFinite(valence[i]) && Number.isFinite(arousal[i]);
  const vb = Array.from({ length: n }, (_, i) => (ok(i) ? vaBin(valence[i]) : -1));
  const ab = Array.from({ length: n }, (_, i) => (ok(i) ? vaBin(arousal[i]) : -1));
  if (mode === 'valence') return balancedWeights(vb);
  if (mode === 'arousal') return balancedWeights(ab);
  if (mode === 'cells') return balancedWeights(vb.map((v, i) => (v < 0 ? -1 : v * VA_BINS + ab[i])));
  const w = vb.map((v) => (v < 0 ? 0 : 1));
  const fit = (bins: number[]) => {
    const sum = new Array<number>(VA_BINS).fill(0);
    for (let i = 0; i < n; i++) if (bins[i] >= 0) sum[bins[i]] += w[i];
    const occupied = sum.filter((s) => s > 0).length;
    for (let i = 0; i < n; i++) if (bins[i] >= 0 && sum[bins[i]] > 0) w[i] /= occupied * sum[bins[i]];
  };
  for (let it = 0; it < iterations; it++) {
    fit(ab);
    fit(vb);
  }
  return w;
}

/** VA: a balanced epoch over labelled frames (see vaBalanceWeights). Returns indices into the arrays. */
export function vaBalancedEpoch(
  valence: ArrayLike<number>,
  arousal: ArrayLike<number>,
  options: EpochOptions & { mode?: VaBalanceMode } = {},
): number[] {
  const rng = options.rng ?? mulberry32(options.seed ?? 0);
  const mode = options.mode ?? 'marginals';
  const w = vaBalanceWeights(valence, arousal, mode);
  const labelled = Array.from(valence).filter((v, i) => Number.isFinite(v) && Number.isFinite(arousal[i])).length;
  // Lay frames out by the binning that must come out exact (see weightedEpoch).
  const bin = (x: number) => (Number.isFinite(x) ? vaBin(x) : -1);
  const strata = Array.from(valence, (v, i) => {
    const a = arousal[i];
    if (mode === 'arousal') return bin(a);
    if (mode === 'cells') return bin(v) < 0 || bin(a) < 0 ? -1 : bin(v) * VA_BINS + bin(a);
    return bin(v);
  });
  return weightedEpoch(w, options.epochSize ?? labelled, rng, strata);
}

// ---------------------------------------------------------------------------------------------
// The multitask epoch: merged (batching 'proportional') or per task (batching 'per-task'). Every
// item says which task's pool drew it: only that task's label is its ground truth (the paper:
// "each instance is trained by the ground truth label of its corresponding task").

/** Per-task pools: `samples[k]` is the global sample (frame) id of the pool's k-th labels. */
export interface TaskPools {
  au?: { samples: readonly number[]; labels: readonly ArrayLike<MaybeNumber>[] };
  expr?: { samples: readonly number[]; classes: ArrayLike<number> };
  va?: { samples: readonly number[]; valence: ArrayLike<number>; arousal: ArrayLike<number> };
}

/** The k-th entries of an array-like, in order. */
function pick<T>(a: ArrayLike<T>, k: readonly number[]): T[] {
  return k.map((i) => a[i]);
}

/**
 * Bagging (Breiman 1996): each task's pool replaced by a bootstrap resample of itself (as many
 * draws with replacement as the pool has entries, each entry with its labels), drawn from `seed`
 * (one stream per task, so a task's resample does not depend on the other pools). Students with
 * different seeds see different multisets of the same frames, which makes their ensemble worth
 * more; the balancing samplers then run on the resample.
 */
export function bootstrapPools(pools: TaskPools, seed: number): TaskPools {
  const draw = (n: number, task: Task) => {
    const rng = mulberry32(deriveSeed(seed, `bootstrap-${task}`));
    return Array.from({ length: n }, () => randInt(rng, n));
  };
  const out: TaskPools = {};
  if (pools.au) {
    const k = draw(pools.au.samples.length, 'au');
    out.au = { samples: pick(pools.au.samples, k), labels: pick(pools.au.labels, k) };
  }
  if (pools.expr) {
    const k = draw(pools.expr.samples.length, 'expr');
    out.expr = { samples: pick(pools.expr.samples, k), classes: pick(pools.expr.classes, k) };
  }
  if (pools.va) {
    const k = draw(pools.va.samples.length, 'va');
    out.va = { samples: pick(pools.va.samples, k), valence: pick(pools.va.valence, k), arousal: pick(pools.va.arousal, k) };
  }
  return out;
}

export interface MergedEpochOptions {
  seed: number;
  /** Switch each task's balancing off (plain shuffled pool). Default: all on. */
  balance?: Partial<Record<Task, boolean>>;
  /** ML-ROS clone budget, % of the AU pool. */
  auClonePercentage?: number;
  /** Draws per epoch for EXPR and VA when balanced (default: pool size). */
  exprEpochSize?: number;
  vaEpochSize?: number;
  vaMode?: VaBalanceMode;
}

/** One draw of the epoch: which frame, and which task's pool it was drawn for. */
export interface EpochItem {
  sample: number;
  task: Task;
}

/** One task's list for an epoch: pool-local indices in draw order, and the pool's sample ids. */
interface TaskList {
  task: Task;
  local: number[];
  samples: readonly number[];
}

/**
 * One pass of a task's sampler over its pool: ML-ROS (AU), class-balanced (EXPR), VA balancing
 * (mode `vaMode`), or a plain shuffle where that task's balancing is off; null without a pool.
 */
function taskList(pools: TaskPools, task: Task, options: MergedEpochOptions, rng: Rng): TaskList | null {
  const on = options.balance?.[task] !== false;
  const plain = (samples: readonly number[]) => shuffleInPlace(samples.map((_, k) => k), rng);
  if (task === 'au' && pools.au?.samples.length) {
    const local = on ? shuffleInPlace(mlRos(pools.au.labels, { percentage: options.auClonePercentage, rng }).indices, rng) : plain(pools.au.samples);
    return { task, local, samples: pools.au.samples };
  }
  if (task === 'expr' && pools.expr?.samples.length) {
    const local = on ? classBalancedEpoch(pools.expr.classes, { epochSize: options.exprEpochSize, rng }) : plain(pools.expr.samples);
    return { task, local, samples: pools.expr.samples };
  }
  if (task === 'va' && pools.va?.samples.length) {
    const { valence, arousal } = pools.va;
    const local = on ? vaBalancedEpoch(valence, arousal, { epochSize: options.vaEpochSize, mode: options.vaMode, rng }) : plain(pools.va.samples);
    return { task, local, samples: pools.va.samples };
  }
  return null;
}

/**
 * Pass `pass` of a task's list (null without a pool or with an empty list). Each task draws from its
 * own stream derived from (seed, task, pass), so switching one task's balancing off does not
 * change the others' draws; pass 0 is the task's list in the merged epoch.
 */
function taskPass(pools: TaskPools, task: Task, options: MergedEpochOptions, pass: number): TaskList | null {
  const l = taskList(pools, task, options, mulberry32(deriveSeed(options.seed, pass === 0 ? task : `${task}-pass-${pass}`)));
  return l && l.local.length > 0 ? l : null;
}

/** Pass 0 of every task with a pool, in AU, EXPR, VA order. */
function taskLists(pools: TaskPools, options: MergedEpochOptions): TaskList[] {
  return TASKS.map((t) => taskPass(pools, t, options, 0)).filter((l): l is TaskList => l !== null);
}

/**
 * The merged epoch (batching 'proportional'): each task's (balanced) list, shuffled, then
 * interleaved so every stretch of the epoch — hence every batch — carries the tasks in proportion
 * to their list sizes (item k of a task with n items sits at a jittered position (k + u)/n).
 * Deterministic in `seed`. A frame labelled for two tasks can appear once per pool.
 */
export function mergedEpoch(pools: TaskPools, options: MergedEpochOptions): EpochItem[] {
  const lists = taskLists(pools, options);
  const rng = mulberry32(deriveSeed(options.seed, 'interleave'));
  const keyed: { key: number; item: EpochItem }[] = [];
  for (const l of lists) {
    const m = l.local.length;
    l.local.forEach((k, j) => keyed.push({ key: (j + rng()) / m, item: { sample: l.samples[k], task: l.task } }));
  }
  keyed.sort((a, b) => a.key - b.key);
  return keyed.map((x) => x.item);
}

/**
 * Items per task in one step of `batch` items shared by `tasks` tasks: an even split, the remainder
 * to the first tasks (AU, EXPR, VA order). Throws when a task would get none.
 */
export function taskShares(tasks: number, batch: number): number[] {
  if (tasks > 0 && batch < tasks) throw new Error(`batching 'per-task' needs a batch of at least ${tasks} (one item per task with labels); got ${batch}`);
  return Array.from({ length: tasks }, (_, i) => Math.floor(batch / tasks) + (i < batch % tasks ? 1 : 0));
}

/**
 * The per-task epoch (batching 'per-task', the reference code's loader: every step takes a fixed
 * number of items from EACH task's own balanced stream; see taskShares). Returns the steps.
 *
 * Length: S = max over tasks of ⌈n_t / b_t⌉ steps (n_t the length of task t's balanced list, b_t
 * its share of the batch): the longest stream relative to its share is drawn once in full, and a
 * stream that runs out — the shorter ones, and the longest on its last step — continues with its
 * sampler's next pass (a fresh balanced draw, seeded by (seed, task, pass)). So every step holds
 * exactly `batch` items, b_t of them from task t, and each task's draws stay balanced pass by pass.
 * The reference instead ends the epoch with its shortest loader (drop_last) and never cycles; we
 * do not, because with partial labels the pools here can differ by orders of magnitude: ending at
 * the shortest would leave most of a large pool unseen every epoch and shrink the epoch — the unit
 * of the paper's learning-rate schedule — to the smallest task.
 */
export function perTaskEpoch(pools: TaskPools, options: MergedEpochOptions & { batch: number }): EpochItem[][] {
  const first = taskLists(pools, options);
  const shares = taskShares(first.length, options.batch);
  const steps = Math.max(0, ...first.map((l, i) => Math.ceil(l.local.length / shares[i])));
  const streams = first.map((l, i) => {
    const need = steps * shares[i];
    const out: EpochItem[] = [];
    for (let pass = 1, list: TaskList | null = l; list && out.length < need; pass++) {
      for (const k of list.local.slice(0, need - out.length)) out.push({ sample: list.samples[k], task: list.task });
      if (out.length < need) list = taskPass(pools, l.task, options, pass);
    }
    return out;
  });
  return Array.from({ length: steps }, (_, s) => streams.flatMap((st, i) => st.slice(s * shares[i], (s + 1) * shares[i])));
}
