// Inter-rater agreement: how well several annotators' labels of the same frames agree (issue 15).
// Pure TypeScript: the future `affect-workbench agreement` verb, the Agreement view and the tests
// compute the same numbers from plain arrays; nothing here knows the database.
//
// Conventions (why):
// - Ratings come as one array per rater, aligned by item (frame): `ratings[r][i]`, Krippendorff's
//   "reliability data matrix" with coders in rows. A rating is present where it is a finite number
//   (null, undefined and NaN are missing); nominal categories are compared with ===, so the caller
//   maps its own "unlabelled" codes (an AU's −1, …) to null first (taskAgreement does).
// - Every statistic answers an `Agreement`: a finite value with its support, or a named n/a with a
//   reason and a sentence — never NaN, never ±Infinity. The support says what entered: `n` items
//   (frames), `values` ratings, and `excluded` items that had a rating but could not enter (rated by
//   fewer raters than the statistic needs).
// - Nominal statistics count in integers, so "no variation" (one category throughout) is detected
//   exactly. Interval statistics subtract a reference value first, so identical ratings give exact
//   zeros instead of 1e-17 residues, and the ICCs treat a denominator below 1e-12 of the largest mean
//   square as zero.
// - Which statistic for what: Cohen's κ for a pair of raters (binary AU, expression); Fleiss' κ for a
//   panel rating every item; Krippendorff's α for any number of raters with missing ratings (nominal
//   for AU/EXPR, interval for valence/arousal); Lin's CCC for a pair on valence/arousal (the ABAW
//   metric, so human-vs-human reads on the model's scale); ICC(2,1) (absolute agreement, raters a
//   random sample) and ICC(3,1) (consistency, these raters) for a panel on valence/arousal.

import { auBit, auState, MAX_AU_NUMBER, NUM_EXPR, type AuLabel } from './labels';
import { cccTerms, isClassLabel, isValue, type MaybeNumber } from './metrics';

// ---------------------------------------------------------------------------------------------
// The outcome

/** Why a statistic has no value. */
export type NaReason =
  /** Fewer than two raters with any rating. */
  | 'one-rater'
  /** No item rated by as many raters as the statistic needs (no pair, no complete item). */
  | 'no-overlap'
  /** Too few items for the statistic (ICC needs two targets). */
  | 'too-few-items'
  /** The ratings do not vary (one category, one value), so the statistic is 0/0. */
  | 'no-variation'
  /** Any other zero denominator (ICC(2,1) on two targets and two raters with no target or rater effect). */
  | 'degenerate';

export interface AgreementValue {
  ok: true;
  value: number;
  /** Items (frames, units, targets) that entered. */
  n: number;
  /** Ratings that entered (Krippendorff's pairable values n). */
  values: number;
  /** Items with at least one rating that could not enter (rated by too few raters). */
  excluded: number;
}

export interface AgreementNa {
  ok: false;
  reason: NaReason;
  /** One sentence for the UI and the CLI. */
  message: string;
}

export type Agreement = AgreementValue | AgreementNa;

const MESSAGES: Record<NaReason, string> = {
  'one-rater': 'n/a: fewer than two raters',
  'no-overlap': 'n/a: no item rated by enough raters',
  'too-few-items': 'n/a: too few items',
  'no-variation': 'n/a: the ratings do not vary',
  degenerate: 'n/a: undefined for these ratings (zero denominator)',
};

export function notAvailable(reason: NaReason, message: string = MESSAGES[reason]): AgreementNa {
  return { ok: false, reason, message };
}

/** A value with its support; a non-finite value (which no formula here should produce) becomes 'degenerate'. */
function agreed(value: number, n: number, values: number, excluded: number): Agreement {
  if (!Number.isFinite(value)) return notAvailable('degenerate');
  return { ok: true, value, n, values, excluded };
}

// ---------------------------------------------------------------------------------------------
// Shapes

/** Rater-major ratings: `ratings[r][i]` is rater r's rating of item i. */
export type Ratings = readonly ArrayLike<MaybeNumber>[];

function itemCount(ratings: Ratings): number {
  const n = ratings.length === 0 ? 0 : ratings[0].length;
  ratings.forEach((r, k) => {
    if (r.length !== n) throw new Error(`rater ${k} has ${r.length} ratings, rater 0 has ${n}: ratings must be aligned by item`);
  });
  return n;
}

function hasRating(r: ArrayLike<MaybeNumber>): boolean {
  for (let i = 0; i < r.length; i++) if (isValue(r[i])) return true;
  return false;
}

/** Raters with at least one rating. */
function activeRaters(ratings: Ratings): number {
  return ratings.filter(hasRating).length;
}

/** The present ratings of item i, in rater order. */
function itemValues(ratings: Ratings, i: number): number[] {
  const out: number[] = [];
  for (const r of ratings) {
    const v = r[i];
    if (isValue(v)) out.push(v);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Cohen's κ (two raters, nominal)

/**
 * Cohen's (1960) κ = (p_o − p_e) / (1 − p_e) over the items both raters rated; p_o is the share of
 * agreeing items, p_e = Σ_c p_a(c)·p_b(c) from each rater's own marginals. Counted in integers:
 * κ = (n·agree − Σ_c a_c·b_c) / (n² − Σ_c a_c·b_c). With two categories this is the binary
 * (AU present/absent) case. n/a: no common item ('no-overlap'); both raters used one and the same
 * category throughout, p_e = 1 ('no-variation').
 */
export function cohenKappa(a: ArrayLike<MaybeNumber>, b: ArrayLike<MaybeNumber>): Agreement {
  itemCount([a, b]);
  const ca = new Map<number, number>();
  const cb = new Map<number, number>();
  let n = 0;
  let agree = 0;
  let excluded = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    const hasX = isValue(x);
    const hasY = isValue(y);
    if (!hasX || !hasY) {
      if (hasX || hasY) excluded++;
      continue;
    }
    n++;
    if (x === y) agree++;
    ca.set(x, (ca.get(x) ?? 0) + 1);
    cb.set(y, (cb.get(y) ?? 0) + 1);
  }
  if (n === 0) return notAvailable('no-overlap', 'n/a: the two raters have no item in common');
  let chance = 0;
  for (const [c, k] of ca) chance += k * (cb.get(c) ?? 0);
  const den = n * n - chance;
  if (den === 0) return notAvailable('no-variation', 'n/a: both raters used one and the same category throughout');
  return agreed((n * agree - chance) / den, n, 2 * n, excluded);
}

// ---------------------------------------------------------------------------------------------
// Fleiss' κ (many raters, nominal)

/**
 * Fleiss' (1971) κ from the sums of the subjects that entered: N subjects with m ratings each,
 * `squares` = Σ_i Σ_j n_ij², `columns` = the category totals Σ_i n_ij (n_ij = raters who put
 * subject i in category j):
 *   P̄ = (Σ_ij n_ij² − N·m) / (N·m·(m − 1)),  p_j = Σ_i n_ij / (N·m),  P̄_e = Σ_j p_j²,
 *   κ = (P̄ − P̄_e) / (1 − P̄_e).
 * One category throughout (P̄_e = 1, checked in integers) is 'no-variation'.
 */
function fleissFromSums(N: number, m: number, squares: number, columns: Iterable<number>, excluded: number): Agreement {
  const T = N * m;
  let chance = 0;
  for (const c of columns) chance += c * c;
  if (chance === T * T) return notAvailable('no-variation', 'n/a: every rating is the same category');
  const pBar = (squares - T) / (T * (m - 1));
  const pe = chance / (T * T);
  return agreed((pBar - pe) / (1 - pe), N, T, excluded);
}

/**
 * Fleiss' κ from a subjects × categories table of counts (`counts[i][j]` = raters who put subject
 * i in category j), the published form. Every subject must have the same number m of ratings; the
 * raters need not be the same people. A subject with fewer ratings than the most any subject has
 * (m) is left out and counted in `excluded`: Fleiss' chance model assumes m ratings per subject
 * (Krippendorff's α uses every pairable rating). n/a: no subject with two ratings ('no-overlap').
 */
export function fleissKappaCounts(counts: readonly (readonly number[])[]): Agreement {
  const totals = counts.map((row) => row.reduce((s, v) => s + v, 0));
  const m = totals.reduce((a, t) => Math.max(a, t), 0);
  if (m < 2) return notAvailable('no-overlap', 'n/a: no item rated by two raters');
  const columns: number[] = [];
  let squares = 0;
  let N = 0;
  counts.forEach((row, i) => {
    if (totals[i] !== m) return;
    N++;
    row.forEach((v, j) => {
      columns[j] = (columns[j] ?? 0) + v;
      squares += v * v;
    });
  });
  return fleissFromSums(N, m, squares, columns, totals.filter((t) => t > 0 && t < m).length);
}

/**
 * Fleiss' κ from rater-major ratings (nominal categories), the same rule as fleissKappaCounts
 * without building the table: items rated by fewer raters than the best-covered item are left out.
 * For an item, Σ_j n_ij² = the ordered pairs of its ratings (a rating with itself included) that
 * agree. n/a 'one-rater' below two raters with ratings.
 */
export function fleissKappa(ratings: Ratings): Agreement {
  const items = itemCount(ratings);
  if (activeRaters(ratings) < 2) return notAvailable('one-rater');
  const rated = new Array<number>(items).fill(0);
  for (const r of ratings) for (let i = 0; i < items; i++) if (isValue(r[i])) rated[i]++;
  const m = rated.reduce((a, t) => Math.max(a, t), 0);
  if (m < 2) return notAvailable('no-overlap', 'n/a: no item rated by two raters');
  const columns = new Map<number, number>();
  let squares = 0;
  let N = 0;
  let excluded = 0;
  for (let i = 0; i < items; i++) {
    if (rated[i] < m) {
      if (rated[i] > 0) excluded++;
      continue;
    }
    N++;
    const u = itemValues(ratings, i);
    squares += orderedAgreeingPairs(u) + u.length;
    for (const v of u) columns.set(v, (columns.get(v) ?? 0) + 1);
  }
  return fleissFromSums(N, m, squares, columns.values(), excluded);
}

/** Ordered pairs (i ≠ j) of equal values in `u`: Σ_c n_c(n_c − 1) for the category counts n_c. */
function orderedAgreeingPairs(u: readonly number[]): number {
  let same = 0;
  for (let a = 0; a < u.length; a++) for (let b = a + 1; b < u.length; b++) if (u[a] === u[b]) same++;
  return 2 * same;
}

// ---------------------------------------------------------------------------------------------
// Krippendorff's α (any number of raters, missing ratings)

export type AlphaLevel = 'nominal' | 'interval';

/** Units with at least two ratings (pairable), and the count of units with exactly one. */
function pairableUnits(ratings: Ratings): { units: number[][]; lone: number } {
  const items = itemCount(ratings);
  const units: number[][] = [];
  let lone = 0;
  for (let i = 0; i < items; i++) {
    const u = itemValues(ratings, i);
    if (u.length >= 2) units.push(u);
    else if (u.length === 1) lone++;
  }
  return { units, lone };
}

/**
 * What nominal α needs of the coincidence matrix of Krippendorff (2011), "Computing Krippendorff's
 * Alpha-Reliability": o_ck = Σ_u (ordered c–k pairs of different raters' values in unit u) / (m_u − 1)
 * over the pairable units (m_u ≥ 2 values); its diagonal sum Σ_c o_cc, its marginals n_c = Σ_k o_ck
 * (each value's count among the pairable values) and its total n.
 */
export function coincidenceSums(units: readonly (readonly number[])[]): { n: number; diagonal: number; marginals: Map<number, number> } {
  let n = 0;
  let diagonal = 0;
  const marginals = new Map<number, number>();
  for (const u of units) {
    if (u.length < 2) continue;
    diagonal += orderedAgreeingPairs(u) / (u.length - 1);
    n += u.length;
    for (const v of u) marginals.set(v, (marginals.get(v) ?? 0) + 1);
  }
  return { n, diagonal, marginals };
}

/**
 * Nominal α, Krippendorff (2011) section C.1 (δ² = 0 if c = k else 1):
 *   α = [(n − 1)·Σ_c o_cc − Σ_c n_c(n_c − 1)] / [n(n − 1) − Σ_c n_c(n_c − 1)].
 * The denominator is in integers, so one category throughout is detected exactly.
 */
function nominalAlpha(units: readonly number[][]): { value: number } | AgreementNa {
  const { n, diagonal, marginals } = coincidenceSums(units);
  let chance = 0; // Σ_c n_c(n_c − 1)
  for (const nc of marginals.values()) chance += nc * (nc - 1);
  const expected = n * (n - 1) - chance;
  if (expected === 0) return notAvailable('no-variation', 'n/a: every rating is the same category');
  return { value: ((n - 1) * diagonal - chance) / expected };
}

/**
 * Interval α (δ² = (c − k)²). The coincidence matrix over distinct real values would be V × V for
 * V distinct values (a joystick trace has thousands), so its two sums are taken in closed form:
 *   Σ_ck o_ck (c − k)² = Σ_u (1/(m_u − 1)) Σ_{i≠j ∈ u} (v_i − v_j)² = Σ_u 2·m_u·SS_u / (m_u − 1),
 *   Σ_ck n_c n_k (c − k)² = Σ_{i≠j over all pairable values} (v_i − v_j)² = 2·n·SS,
 * with SS_u the sum of squares about unit u's mean and SS about the mean of all n pairable values;
 *   α = 1 − (n − 1) · Σ_u [m_u·SS_u / (m_u − 1)] / (n·SS).
 */
function intervalAlpha(units: readonly number[][]): { value: number } | AgreementNa {
  const ref = units[0][0];
  let n = 0;
  let sum = 0;
  let within = 0;
  for (const u of units) {
    const shifted = u.map((v) => v - ref);
    const m = shifted.length;
    const mean = shifted.reduce((s, v) => s + v, 0) / m;
    within += (m * shifted.reduce((s, v) => s + (v - mean) ** 2, 0)) / (m - 1);
    n += m;
    sum += shifted.reduce((s, v) => s + v, 0);
  }
  const mean = sum / n;
  let ss = 0;
  for (const u of units) for (const v of u) ss += (v - ref - mean) ** 2;
  if (ss === 0) return notAvailable('no-variation', 'n/a: every rating has the same value');
  return { value: 1 - ((n - 1) * within) / (n * ss) };
}

/**
 * Krippendorff's α with missing ratings: only pairable units (rated by ≥ 2 raters) enter; `n` is
 * the number of pairable units, `values` the pairable values (Krippendorff's n), `excluded` the units
 * rated once. n/a: fewer than two raters ('one-rater'); no unit rated twice ('no-overlap'); all
 * pairable values equal, expected disagreement 0 ('no-variation').
 */
export function krippendorffAlpha(ratings: Ratings, level: AlphaLevel): Agreement {
  if (activeRaters(ratings) < 2) return notAvailable('one-rater');
  const { units, lone } = pairableUnits(ratings);
  if (units.length === 0) return notAvailable('no-overlap', 'n/a: no item rated by two raters');
  const r = level === 'nominal' ? nominalAlpha(units) : intervalAlpha(units);
  if ('ok' in r) return r;
  const values = units.reduce((s, u) => s + u.length, 0);
  return agreed(r.value, units.length, values, lone);
}

// ---------------------------------------------------------------------------------------------
// Lin's CCC (two raters, interval)

function allEqual(xs: readonly number[]): boolean {
  return xs.every((v) => v === xs[0]);
}

/**
 * Lin's (1989) concordance correlation coefficient between two raters over the items both rated:
 * 2·s_xy / (s_x² + s_y² + (x̄ − ȳ)²), population moments (the formula is metrics.ts cccTerms, the
 * ABAW metric). n/a: no common item ('no-overlap'); both raters constant and equal, 0/0
 * ('no-variation'). Two constant raters who differ score 0.
 */
export function linCcc(a: ArrayLike<MaybeNumber>, b: ArrayLike<MaybeNumber>): Agreement {
  itemCount([a, b]);
  const xs: number[] = [];
  const ys: number[] = [];
  let excluded = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (isValue(x) && isValue(y)) {
      xs.push(x);
      ys.push(y);
    } else if (isValue(x) || isValue(y)) excluded++;
  }
  const t = cccTerms(xs, ys);
  if (t === null) return notAvailable('no-overlap', 'n/a: the two raters have no item in common');
  if (allEqual(xs) && allEqual(ys) && xs[0] === ys[0]) {
    return notAvailable('no-variation', 'n/a: both raters gave one and the same value throughout');
  }
  return agreed(t.num / t.den, t.n, 2 * t.n, excluded);
}

// ---------------------------------------------------------------------------------------------
// ICC(2,1) and ICC(3,1) (Shrout & Fleiss 1979, two-way models, single rater)

/** Mean squares of the two-way ANOVA without replication (targets × judges). */
export interface TwoWayAnova {
  /** Targets (complete items) and judges. */
  n: number;
  k: number;
  /** Between-targets, between-judges and residual mean squares (Shrout & Fleiss's BMS, JMS, EMS). */
  bms: number;
  jms: number;
  ems: number;
  /** Items rated by some but not all judges (left out: the two-way model needs a complete design). */
  excluded: number;
}

/**
 * The two-way ANOVA of Shrout & Fleiss (1979) over the targets rated by every judge (listwise
 * complete, as psych::ICC and irr::icc do): with grand mean x̄, target means x̄_i, judge means x̄_j,
 *   BMS = k Σ_i (x̄_i − x̄)² / (n − 1),  JMS = n Σ_j (x̄_j − x̄)² / (k − 1),
 *   EMS = (Σ_ij (x_ij − x̄)² − (n − 1)·BMS − (k − 1)·JMS) / ((n − 1)(k − 1)).
 * A named n/a when it cannot be formed (fewer than two judges, fewer than two complete targets).
 */
export function twoWayAnova(ratings: Ratings): TwoWayAnova | AgreementNa {
  const items = itemCount(ratings);
  const judges = ratings.filter(hasRating);
  const k = judges.length;
  if (k < 2) return notAvailable('one-rater');
  const rows: number[][] = [];
  let excluded = 0;
  for (let i = 0; i < items; i++) {
    const row = itemValues(judges, i);
    if (row.length === k) rows.push(row);
    else if (row.length > 0) excluded++;
  }
  const n = rows.length;
  if (n === 0) return notAvailable('no-overlap', 'n/a: no item rated by every rater');
  if (n < 2) return notAvailable('too-few-items', 'n/a: needs two items rated by every rater');
  const ref = rows[0][0];
  const x = rows.map((r) => r.map((v) => v - ref));
  const grand = x.reduce((s, r) => s + r.reduce((a, v) => a + v, 0), 0) / (n * k);
  const targetMeans = x.map((r) => r.reduce((a, v) => a + v, 0) / k);
  const judgeMeans = Array.from({ length: k }, (_, j) => x.reduce((s, r) => s + r[j], 0) / n);
  const ssTargets = k * targetMeans.reduce((s, m) => s + (m - grand) ** 2, 0);
  const ssJudges = n * judgeMeans.reduce((s, m) => s + (m - grand) ** 2, 0);
  let ssTotal = 0;
  for (const r of x) for (const v of r) ssTotal += (v - grand) ** 2;
  const ssError = Math.max(0, ssTotal - ssTargets - ssJudges);
  return { n, k, bms: ssTargets / (n - 1), jms: ssJudges / (k - 1), ems: ssError / ((n - 1) * (k - 1)), excluded };
}

/** A denominator (and numerator) this small relative to the largest mean square is rounding residue, taken as 0. */
const REL_EPS = 1e-12;

function iccFrom(a: TwoWayAnova, num: number, den: number): Agreement {
  const scale = Math.max(a.bms, a.jms, a.ems);
  if (scale === 0) return notAvailable('no-variation', 'n/a: every rating has the same value');
  if (Math.abs(den) <= REL_EPS * scale) {
    return Math.abs(num) <= REL_EPS * scale
      ? notAvailable('no-variation', 'n/a: the targets do not vary beyond the raters\u2019 offsets')
      : notAvailable('degenerate');
  }
  return agreed(num / den, a.n, a.n * a.k, a.excluded);
}

/**
 * ICC(2,1), Shrout & Fleiss (1979) case 2: each target rated by the same k judges, a random sample
 * of judges; absolute agreement of a single rating:
 *   (BMS − EMS) / (BMS + (k − 1)·EMS + k·(JMS − EMS)/n).
 */
export function icc21(ratings: Ratings): Agreement {
  const a = twoWayAnova(ratings);
  if ('ok' in a) return a;
  return iccFrom(a, a.bms - a.ems, a.bms + (a.k - 1) * a.ems + (a.k * (a.jms - a.ems)) / a.n);
}

/**
 * ICC(3,1), Shrout & Fleiss (1979) case 3: the same k judges are the only judges of interest
 * (fixed); consistency of a single rating, judges' mean offsets removed:
 *   (BMS − EMS) / (BMS + (k − 1)·EMS).
 */
export function icc31(ratings: Ratings): Agreement {
  const a = twoWayAnova(ratings);
  if ('ok' in a) return a;
  return iccFrom(a, a.bms - a.ems, a.bms + (a.k - 1) * a.ems);
}

// ---------------------------------------------------------------------------------------------
// Per frame, and as text

/**
 * Where raters disagree, frame by frame (the Agreement view's timeline strip, a work queue's
 * threshold): for nominal ratings the share of pairs of raters who gave the frame different
 * categories (0 = unanimous, 1 = all different); for interval ratings the spread, max − min. Null
 * where fewer than two raters rated the frame.
 */
export function frameDisagreement(ratings: Ratings, level: AlphaLevel): (number | null)[] {
  const items = itemCount(ratings);
  const out: (number | null)[] = [];
  for (let i = 0; i < items; i++) {
    const u = itemValues(ratings, i);
    if (u.length < 2) out.push(null);
    else if (level === 'interval') out.push(Math.max(...u) - Math.min(...u));
    else {
      let differ = 0;
      for (let a = 0; a < u.length; a++) for (let b = a + 1; b < u.length; b++) if (u[a] !== u[b]) differ++;
      out.push(differ / ((u.length * (u.length - 1)) / 2));
    }
  }
  return out;
}

/** One line for a table cell or the CLI: `0.743 (n = 11)`, or the n/a sentence without its prefix. */
export function agreementText(a: Agreement, digits = 3): string {
  return a.ok ? `${a.value.toFixed(digits)} (n = ${a.n})` : `n/a (${a.message.replace(/^n\/a: /, '')})`;
}

// ---------------------------------------------------------------------------------------------
// One task's agreement among annotators: the pairwise matrix and the multi-rater figures

/** One rater's per-frame labels, aligned by frame with every other rater's (null = not labelled). */
export interface RaterLabels<T> {
  name: string;
  labels: readonly (T | null | undefined)[];
}

/** A valence/arousal label; either side may be missing. */
export interface VaPair {
  valence: MaybeNumber;
  arousal: MaybeNumber;
}

/**
 * One task's labels of one set of frames (one media item, or a dataset's frames concatenated).
 * `raters` are the annotators; `references` (the imported ground truth, a model) appear in the
 * pairwise matrix, each against every annotator, but never in the multi-rater figures.
 */
export type TaskLabels =
  | {
      task: 'au';
      raters: readonly RaterLabels<AuLabel>[];
      references?: readonly RaterLabels<AuLabel>[];
      /** FACS AU numbers to report; default: every AU some rater or reference labelled, ascending. */
      aus?: readonly number[];
    }
  | { task: 'expr'; raters: readonly RaterLabels<number>[]; references?: readonly RaterLabels<number>[] }
  | { task: 'va'; raters: readonly RaterLabels<VaPair>[]; references?: readonly RaterLabels<VaPair>[] };

/** Symmetric annotator × annotator matrix of a pairwise statistic; null on the diagonal. */
export interface PairwiseMatrix {
  statistic: 'cohen-kappa' | 'ccc';
  /** Raters first, then references, in input order. */
  names: string[];
  cells: (Agreement | null)[][];
}

export interface NominalAgreement {
  pairwise: PairwiseMatrix;
  fleissKappa: Agreement;
  alpha: Agreement;
}

export interface IntervalAgreement {
  pairwise: PairwiseMatrix;
  alpha: Agreement;
  icc21: Agreement;
  icc31: Agreement;
}

export type TaskAgreement =
  | { task: 'au'; perAu: ({ au: number } & NominalAgreement)[] }
  | ({ task: 'expr' } & NominalAgreement)
  | { task: 'va'; valence: IntervalAgreement; arousal: IntervalAgreement };

/** Every pair (i < j) of `series` through `stat`, mirrored; the diagonal is null. */
export function pairwiseMatrix(
  statistic: PairwiseMatrix['statistic'],
  names: readonly string[],
  series: Ratings,
): PairwiseMatrix {
  if (series.length !== names.length) throw new Error(`${names.length} names for ${series.length} rating series`);
  itemCount(series);
  const f = statistic === 'cohen-kappa' ? cohenKappa : linCcc;
  const cells: (Agreement | null)[][] = names.map(() => names.map(() => null));
  for (let i = 0; i < names.length; i++) {
    for (let j = i + 1; j < names.length; j++) {
      const r = f(series[i], series[j]);
      cells[i][j] = r;
      cells[j][i] = r;
    }
  }
  return { statistic, names: [...names], cells };
}

function nominalAgreement(names: readonly string[], series: Ratings, raterCount: number): NominalAgreement {
  const raters = series.slice(0, raterCount);
  return { pairwise: pairwiseMatrix('cohen-kappa', names, series), fleissKappa: fleissKappa(raters), alpha: krippendorffAlpha(raters, 'nominal') };
}

function intervalAgreement(names: readonly string[], series: Ratings, raterCount: number): IntervalAgreement {
  const raters = series.slice(0, raterCount);
  return {
    pairwise: pairwiseMatrix('ccc', names, series),
    alpha: krippendorffAlpha(raters, 'interval'),
    icc21: icc21(raters),
    icc31: icc31(raters),
  };
}

/** Every AU some label in `all` has labelled, ascending. */
export function labelledAus(all: readonly RaterLabels<AuLabel>[]): number[] {
  let mask = 0n;
  for (const r of all) for (const l of r.labels) if (l) mask |= l.mask;
  const out: number[] = [];
  for (let n = 1; n <= MAX_AU_NUMBER; n++) if ((mask & auBit(n)) !== 0n) out.push(n);
  return out;
}

/** An expression as a category: its class id, null when missing or not a class id (−1, …). */
const exprValue = (v: MaybeNumber): number | null => (isClassLabel(v, NUM_EXPR) ? v : null);

/**
 * The agreement of one task among annotators: per pair of raters (and each rater against each
 * reference) Cohen's κ for AU (per AU) and expression, Lin's CCC for valence and arousal; over the
 * raters Fleiss' κ and nominal α (AU, expression), interval α, ICC(2,1) and ICC(3,1) (valence,
 * arousal). Label arrays must all have the same length (one entry per frame).
 */
export function taskAgreement(input: TaskLabels): TaskAgreement {
  const count = input.raters.length;
  switch (input.task) {
    case 'au': {
      const all = [...input.raters, ...(input.references ?? [])];
      const names = all.map((r) => r.name);
      const aus = input.aus ?? labelledAus(all);
      return {
        task: 'au',
        perAu: aus.map((au) => ({ au, ...nominalAgreement(names, all.map((r) => r.labels.map((l) => (l ? auState(l, au) : null))), count) })),
      };
    }
    case 'expr': {
      const all = [...input.raters, ...(input.references ?? [])];
      return { task: 'expr', ...nominalAgreement(all.map((r) => r.name), all.map((r) => r.labels.map(exprValue)), count) };
    }
    case 'va': {
      const all = [...input.raters, ...(input.references ?? [])];
      const names = all.map((r) => r.name);
      return {
        task: 'va',
        valence: intervalAgreement(names, all.map((r) => r.labels.map((l) => l?.valence ?? null)), count),
        arousal: intervalAgreement(names, all.map((r) => r.labels.map((l) => l?.arousal ?? null)), count),
      };
    }
  }
}
