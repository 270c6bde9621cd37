import { describe, expect, it } from 'vitest';
import {
  type Agreement,
  agreementText,
  cohenKappa,
  coincidenceSums,
  fleissKappa,
  fleissKappaCounts,
  frameDisagreement,
  icc21,
  icc31,
  krippendorffAlpha,
  linCcc,
  pairwiseMatrix,
  type Ratings,
  taskAgreement,
  twoWayAnova,
} from '../../src/shared/agreement';
import { auLabelFrom, type AuLabel } from '../../src/shared/labels';
import { mulberry32, randInt } from '../../src/shared/random';

type Cell = number | null;

/** The value of an outcome that must have one. */
function valueOf(r: Agreement): number {
  if (!r.ok) throw new Error(`expected a value, got n/a (${r.reason}: ${r.message})`);
  return r.value;
}

function reasonOf(r: Agreement): string {
  if (r.ok) throw new Error(`expected n/a, got ${r.value}`);
  return r.reason;
}

/** Items × raters → rater-major. */
const byRater = (rows: readonly (readonly Cell[])[]): Cell[][] => rows[0].map((_, j) => rows.map((r) => r[j]));

/** Repeats `v` k times. */
const rep = <T>(v: T, k: number): T[] => new Array<T>(k).fill(v);

// ---------------------------------------------------------------------------------------------
// Cohen's κ

describe("Cohen's kappa", () => {
  // Wikipedia, "Cohen's kappa", Examples (simple example): 50 grant proposals, readers A and B say
  // yes/no; yes–yes 20, A yes & B no 5, A no & B yes 10, no–no 15. p_o = 35/50 = 0.7,
  // p_e = 0.5·0.6 + 0.5·0.4 = 0.5, κ = 0.4 (exact).
  const a = [...rep(1, 20), ...rep(1, 5), ...rep(0, 10), ...rep(0, 15)];
  const b = [...rep(1, 20), ...rep(0, 5), ...rep(1, 10), ...rep(0, 15)];

  it("reproduces Wikipedia's 2×2 example: κ = 0.4", () => {
    const r = cohenKappa(a, b);
    expect(valueOf(r)).toBeCloseTo(0.4, 12);
    expect(r).toMatchObject({ n: 50, values: 100, excluded: 0 });
    // independent: (p_o − p_e) / (1 − p_e) from the proportions
    const po = 35 / 50;
    const pe = (25 / 50) * (30 / 50) + (25 / 50) * (20 / 50);
    expect(valueOf(r)).toBeCloseTo((po - pe) / (1 - pe), 12);
  });

  it('is symmetric, skips items only one rater labelled and counts them as excluded', () => {
    const aa: Cell[] = [...a, 1, null, null];
    const bb: Cell[] = [...b, null, 0, null];
    expect(cohenKappa(aa, bb)).toEqual({ ok: true, value: valueOf(cohenKappa(a, b)), n: 50, values: 100, excluded: 2 });
    expect(valueOf(cohenKappa(bb, aa))).toBeCloseTo(0.4, 12);
  });

  it('handles more than two categories (expression classes)', () => {
    // 3×3 table worked by hand: rows A, columns B: [[4,1,0],[1,3,1],[0,1,4]], n = 15,
    // p_o = 11/15, marginals A (5,5,5), B (5,5,5): p_e = 75/225 = 1/3, κ = (11/15 − 1/3)/(2/3) = 0.6.
    const pairs: [number, number][] = [];
    const table = [[4, 1, 0], [1, 3, 1], [0, 1, 4]];
    table.forEach((row, i) => row.forEach((k, j) => pairs.push(...rep<[number, number]>([i, j], k))));
    expect(valueOf(cohenKappa(pairs.map((p) => p[0]), pairs.map((p) => p[1])))).toBeCloseTo(0.6, 12);
  });

  it('names the degenerate cases instead of answering NaN', () => {
    expect(reasonOf(cohenKappa([1, null], [null, 1]))).toBe('no-overlap');
    expect(reasonOf(cohenKappa([], []))).toBe('no-overlap');
    expect(reasonOf(cohenKappa([null, null], [null, NaN]))).toBe('no-overlap');
    expect(reasonOf(cohenKappa([1, 1, 1], [1, 1, 1]))).toBe('no-variation');
    // one rater constant, the other not: defined (κ = 0: agreement no better than chance)
    expect(valueOf(cohenKappa([1, 1, 1, 1], [1, 0, 1, 0]))).toBe(0);
    // both constant but different: p_e = 0, p_o = 0, κ = 0
    expect(valueOf(cohenKappa([1, 1], [0, 0]))).toBe(0);
    expect(() => cohenKappa([1], [1, 0])).toThrow(/aligned/);
  });
});

// ---------------------------------------------------------------------------------------------
// Fleiss' κ

describe("Fleiss' kappa", () => {
  // Fleiss (1971), as reproduced in Wikipedia, "Fleiss' kappa", Worked example: 10 subjects, 14
  // raters, 5 categories; published P̄ = 0.378, P̄_e = 0.213, κ = 0.210 (3 decimals).
  // Exactly: Σ_ij n_ij(n_ij − 1) = 688, P̄ = 688/1820; column totals 20, 28, 39, 21, 32 of 140,
  // P̄_e = 4170/19600; κ = (96320 − 54210)/(254800 − 54210) = 4211/20059 = 0.2099307…
  const table = [
    [0, 0, 0, 0, 14],
    [0, 2, 6, 4, 2],
    [0, 0, 3, 5, 6],
    [0, 3, 9, 2, 0],
    [2, 2, 8, 1, 1],
    [7, 7, 0, 0, 0],
    [3, 2, 6, 3, 0],
    [2, 5, 3, 2, 2],
    [6, 5, 2, 1, 0],
    [0, 2, 2, 3, 7],
  ];
  /** The table as 14 raters' ratings (which rater gave which rating does not matter to Fleiss). */
  const raw: Cell[][] = byRater(table.map((row) => row.flatMap((k, c) => rep<Cell>(c, k))));

  it("reproduces Wikipedia's 10 × 14 × 5 example: κ = 0.210 (exactly 4211/20059)", () => {
    const r = fleissKappaCounts(table);
    expect(valueOf(r)).toBeCloseTo(4211 / 20059, 12);
    expect(valueOf(r).toFixed(3)).toBe('0.210');
    expect(r).toMatchObject({ n: 10, values: 140, excluded: 0 });
  });

  it('gives the same from raw ratings, and agrees with a brute-force mean of pairwise agreement', () => {
    expect(valueOf(fleissKappa(raw))).toBeCloseTo(4211 / 20059, 12);
    // independent: P̄ = mean over subjects of (agreeing rater pairs / all rater pairs)
    const subjects = table.map((row) => row.flatMap((k, c) => rep(c, k)));
    let pBar = 0;
    for (const s of subjects) {
      let agree = 0;
      let pairs = 0;
      for (let i = 0; i < s.length; i++) for (let j = i + 1; j < s.length; j++, pairs++) if (s[i] === s[j]) agree++;
      pBar += agree / pairs / subjects.length;
    }
    const all = subjects.flat();
    const pe = [0, 1, 2, 3, 4].reduce((acc, c) => acc + (all.filter((v) => v === c).length / all.length) ** 2, 0);
    expect(pBar.toFixed(3)).toBe('0.378');
    expect(pe.toFixed(3)).toBe('0.213');
    expect(valueOf(fleissKappa(raw))).toBeCloseTo((pBar - pe) / (1 - pe), 12);
  });

  it('leaves out subjects with fewer ratings than the panel and counts them', () => {
    const withShort = [...table, [1, 1, 1, 0, 0], [0, 0, 0, 0, 0]];
    expect(fleissKappaCounts(withShort)).toMatchObject({ ok: true, n: 10, excluded: 1 });
    expect(valueOf(fleissKappaCounts(withShort))).toBeCloseTo(4211 / 20059, 12);
    // the raw form: one rater skips subject 1 → that subject has 13 ratings and is left out
    const skipped = raw.map((r) => [...r]);
    skipped[0][0] = null;
    const r = fleissKappa(skipped);
    expect(r).toMatchObject({ ok: true, n: 9, excluded: 1 });
    expect(valueOf(r)).toBeCloseTo(valueOf(fleissKappaCounts(table.slice(1))), 12);
  });

  it('names the degenerate cases', () => {
    expect(reasonOf(fleissKappa([[1, 2, 3]]))).toBe('one-rater');
    expect(reasonOf(fleissKappa([[1, 2, 3], [null, null, null]]))).toBe('one-rater');
    expect(reasonOf(fleissKappa([[1, null], [null, 2]]))).toBe('no-overlap');
    expect(reasonOf(fleissKappa([[2, 2, 2], [2, 2, 2], [2, 2, null]]))).toBe('no-variation');
    expect(reasonOf(fleissKappaCounts([]))).toBe('no-overlap');
    expect(reasonOf(fleissKappaCounts([[0, 3], [0, 3]]))).toBe('no-variation');
  });
});

// ---------------------------------------------------------------------------------------------
// Krippendorff's α

/**
 * Brute-force α straight from the definition with pairs (independent of the coincidence matrix):
 * D_o = (1/n) Σ_u (1/(m_u − 1)) Σ_{i≠j in u} δ²(v_i, v_j), D_e = (1/(n(n − 1))) Σ_{i≠j over all
 * pairable values} δ², α = 1 − D_o/D_e.
 */
function bruteAlpha(raters: readonly (readonly Cell[])[], delta: (a: number, b: number) => number): number {
  const units: number[][] = [];
  for (let i = 0; i < raters[0].length; i++) {
    const u = raters.map((r) => r[i]).filter((v): v is number => v !== null);
    if (u.length >= 2) units.push(u);
  }
  const values = units.flat();
  const n = values.length;
  let dO = 0;
  for (const u of units) {
    let s = 0;
    for (let i = 0; i < u.length; i++) for (let j = 0; j < u.length; j++) if (i !== j) s += delta(u[i], u[j]);
    dO += s / (u.length - 1);
  }
  dO /= n;
  let dE = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (i !== j) dE += delta(values[i], values[j]);
  dE /= n * (n - 1);
  return 1 - dO / dE;
}
const nominal = (a: number, b: number): number => (a === b ? 0 : 1);
const interval = (a: number, b: number): number => (a - b) ** 2;

describe("Krippendorff's alpha", () => {
  const _ = null;
  // Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", Annenberg School for
  // Communication Departmental Papers 43, section C: 4 observers × 12 units with missing data;
  // published (3 decimals) nominal α = 0.743, interval α = 0.849 (ordinal 0.815, ratio 0.797).
  // The same matrix is the doctest of the `krippendorff` Python package (fast-krippendorff:
  // nominal rounds to 0.743, ordinal to 0.815, ratio to 0.797). Exactly (rational arithmetic, by
  // the pairwise definition): nominal 113/152 = 0.7434210…, interval 951/1120 = 0.8491071….
  const k2011: Cell[][] = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, _, _, _],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, _, 3],
    [_, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, _],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, _],
  ];
  // Wikipedia, "Krippendorff's alpha", A computational example: 3 coders × 15 units; the
  // `krippendorff` package's tests pin nominal 0.691358 and interval 0.810845 (6 decimals);
  // exactly 56/81 and 643/793.
  const wiki: Cell[][] = [
    [_, _, _, _, _, 3, 4, 1, 2, 1, 1, 3, 3, _, 3],
    [1, _, 2, 1, 3, 3, 4, 3, _, _, _, _, _, _, _],
    [_, _, 2, 1, 3, 4, 4, _, 2, 1, 1, 3, 3, _, 4],
  ];

  it('reproduces Krippendorff 2011: nominal α = 0.743, interval α = 0.849, with missing data', () => {
    const nom = krippendorffAlpha(k2011, 'nominal');
    const itv = krippendorffAlpha(k2011, 'interval');
    expect(nom).toMatchObject({ ok: true, n: 11, values: 40, excluded: 1 }); // unit 12 has one value
    expect(itv).toMatchObject({ ok: true, n: 11, values: 40, excluded: 1 });
    expect(valueOf(nom).toFixed(3)).toBe('0.743');
    expect(valueOf(itv).toFixed(3)).toBe('0.849');
    expect(valueOf(nom)).toBeCloseTo(113 / 152, 12);
    expect(valueOf(itv)).toBeCloseTo(951 / 1120, 12);
    expect(valueOf(nom)).toBeCloseTo(bruteAlpha(k2011, nominal), 12);
    expect(valueOf(itv)).toBeCloseTo(bruteAlpha(k2011, interval), 12);
  });

  it("reproduces Wikipedia's example to 1e-6: nominal 0.691358, interval 0.810845", () => {
    const nom = valueOf(krippendorffAlpha(wiki, 'nominal'));
    const itv = valueOf(krippendorffAlpha(wiki, 'interval'));
    expect(Math.abs(nom - 0.691358)).toBeLessThan(1e-6);
    expect(Math.abs(itv - 0.810845)).toBeLessThan(1e-6);
    expect(nom).toBeCloseTo(56 / 81, 12);
    expect(itv).toBeCloseTo(643 / 793, 12);
    expect(nom).toBeCloseTo(bruteAlpha(wiki, nominal), 12);
    expect(itv).toBeCloseTo(bruteAlpha(wiki, interval), 12);
    expect(krippendorffAlpha(wiki, 'nominal')).toMatchObject({ n: 12, values: 26, excluded: 1 }); // unit 1 has one value;
  });

  it("sums Krippendorff's coincidence matrix: diagonal and marginals n_c against brute force", () => {
    const units = k2011[0].map((_c, i) => k2011.map((r) => r[i]).filter((v): v is number => v !== null)).filter((u) => u.length >= 2);
    const { n, diagonal, marginals } = coincidenceSums(units);
    // brute force: o_ck = Σ_u (ordered pairs c–k in u) / (m_u − 1)
    const o = (c: number, k: number): number => {
      let sum = 0;
      for (const u of units) {
        let pairs = 0;
        for (let i = 0; i < u.length; i++) for (let j = 0; j < u.length; j++) if (i !== j && u[i] === c && u[j] === k) pairs++;
        sum += pairs / (u.length - 1);
      }
      return sum;
    };
    const values = [1, 2, 3, 4, 5];
    expect(diagonal).toBeCloseTo(values.reduce((s, c) => s + o(c, c), 0), 12);
    for (const c of values) expect(marginals.get(c)).toBeCloseTo(values.reduce((s, k) => s + o(c, k), 0), 12);
    // the paper's n_c row: 9, 13, 10, 5, 3, n = 40
    expect(values.map((c) => marginals.get(c))).toEqual([9, 13, 10, 5, 3]);
    expect(n).toBe(40);
  });

  it('agrees with the brute-force definition on random data with missing values', () => {
    const rng = mulberry32(15);
    for (let t = 0; t < 40; t++) {
      const raters = 2 + randInt(rng, 4);
      const items = 1 + randInt(rng, 25);
      const cats = 2 + randInt(rng, 4);
      const data: Cell[][] = Array.from({ length: raters }, () =>
        Array.from({ length: items }, () => (rng() < 0.3 ? null : randInt(rng, cats))),
      );
      for (const [level, delta] of [['nominal', nominal], ['interval', interval]] as const) {
        const r = krippendorffAlpha(data, level);
        const brute = bruteAlpha(data, delta);
        if (r.ok) expect(r.value).toBeCloseTo(brute, 10);
        else expect(Number.isFinite(brute)).toBe(false); // n/a exactly where the definition is 0/0
      }
    }
  });

  it('names the degenerate cases: one rater, no overlap, constant values, all missing', () => {
    expect(reasonOf(krippendorffAlpha([[1, 2, 3]], 'nominal'))).toBe('one-rater');
    expect(reasonOf(krippendorffAlpha([[1, 2], [null, null]], 'interval'))).toBe('one-rater');
    expect(reasonOf(krippendorffAlpha([[null, null], [null, null]], 'nominal'))).toBe('one-rater');
    expect(reasonOf(krippendorffAlpha([[1, null], [null, 2]], 'nominal'))).toBe('no-overlap');
    expect(reasonOf(krippendorffAlpha([[1, 1, null], [1, 1, 1]], 'nominal'))).toBe('no-variation');
    // 0.1 is not exact in binary: the interval sums must still be exactly 0, not 1e-17 residue
    expect(reasonOf(krippendorffAlpha([rep(0.1, 5), rep(0.1, 5), rep(0.1, 5)], 'interval'))).toBe('no-variation');
  });
});

// ---------------------------------------------------------------------------------------------
// Lin's CCC

describe("Lin's CCC", () => {
  // Worked by hand: x = 1..5, y = 2, 2, 4, 4, 6. x̄ = 3, ȳ = 3.6; s_x² = 2, s_y² = 11.2/5 = 2.24,
  // s_xy = 10/5 = 2 (population moments); CCC = 2·2 / (2 + 2.24 + 0.36) = 4/4.6 = 20/23.
  const x = [1, 2, 3, 4, 5];
  const y = [2, 2, 4, 4, 6];

  it('reproduces a hand-computed example: 20/23', () => {
    const r = linCcc(x, y);
    expect(valueOf(r)).toBeCloseTo(20 / 23, 12);
    expect(r).toMatchObject({ n: 5, values: 10, excluded: 0 });
  });

  it('agrees with the mean-squared-difference form 1 − E[(x − y)²] / (s_x² + s_y² + (x̄ − ȳ)²)', () => {
    const rng = mulberry32(7);
    for (let t = 0; t < 20; t++) {
      const n = 2 + randInt(rng, 30);
      const a = Array.from({ length: n }, () => rng() * 2 - 1);
      const b = a.map((v) => v * 0.7 + (rng() - 0.5) * 0.6 + 0.1);
      const mean = (v: number[]): number => v.reduce((s, q) => s + q, 0) / v.length;
      const ma = mean(a);
      const mb = mean(b);
      const va = mean(a.map((q) => (q - ma) ** 2));
      const vb = mean(b.map((q) => (q - mb) ** 2));
      const msd = mean(a.map((q, i) => (q - b[i]) ** 2));
      expect(valueOf(linCcc(a, b))).toBeCloseTo(1 - msd / (va + vb + (ma - mb) ** 2), 12);
    }
  });

  it('uses only the frames both labelled and names the degenerate cases', () => {
    expect(linCcc([...x, 9, null], [...y, null, 3])).toMatchObject({ ok: true, value: valueOf(linCcc(x, y)), n: 5, excluded: 2 });
    expect(reasonOf(linCcc([1, null], [null, 1]))).toBe('no-overlap');
    expect(reasonOf(linCcc([0.1, 0.1, 0.1], [0.1, 0.1, 0.1]))).toBe('no-variation');
    expect(valueOf(linCcc([0.2, 0.2], [0.5, 0.5]))).toBe(0); // both constant, different: no concordance
  });
});

// ---------------------------------------------------------------------------------------------
// ICC

describe('ICC(2,1) and ICC(3,1)', () => {
  // Shrout & Fleiss (1979), "Intraclass correlations: uses in assessing rater reliability",
  // Psychological Bulletin 86(2), Table 2: 6 targets × 4 judges. Published: ICC(2,1) = .29,
  // ICC(3,1) = .71 (2 decimals; also ICC(1,1) = .17), mean squares BMS 11.24, JMS 32.49, EMS 1.02.
  // The same values are the tests of tjmahr/iccbot against irr::icc. Exactly: BMS = 1349/120,
  // JMS = 2339/72, EMS = 367/360; ICC(2,1) = 184/635 = 0.2897637…, ICC(3,1) = 920/1287 = 0.7148407….
  const targets = [
    [9, 2, 5, 8],
    [6, 1, 3, 2],
    [8, 4, 6, 8],
    [7, 1, 2, 6],
    [10, 5, 6, 9],
    [6, 2, 4, 7],
  ];
  const judges = byRater(targets);

  it('reproduces Shrout & Fleiss 1979: ICC(2,1) = .29, ICC(3,1) = .71', () => {
    const a = twoWayAnova(judges);
    if ('ok' in a) throw new Error(a.message);
    expect(a.bms.toFixed(2)).toBe('11.24');
    expect(a.jms.toFixed(2)).toBe('32.49');
    expect(a.ems.toFixed(2)).toBe('1.02');
    const i2 = icc21(judges);
    const i3 = icc31(judges);
    expect(valueOf(i2).toFixed(2)).toBe('0.29');
    expect(valueOf(i3).toFixed(2)).toBe('0.71');
    expect(valueOf(i2)).toBeCloseTo(184 / 635, 12);
    expect(valueOf(i3)).toBeCloseTo(920 / 1287, 12);
    expect(i2).toMatchObject({ n: 6, values: 24, excluded: 0 });
  });

  it('agrees with an independent computation (residuals taken directly, not by subtraction)', () => {
    const n = targets.length;
    const k = targets[0].length;
    const grand = targets.flat().reduce((s, v) => s + v, 0) / (n * k);
    const rowM = targets.map((r) => r.reduce((s, v) => s + v, 0) / k);
    const colM = targets[0].map((_, j) => targets.reduce((s, r) => s + r[j], 0) / n);
    let sse = 0;
    targets.forEach((r, i) => r.forEach((v, j) => (sse += (v - rowM[i] - colM[j] + grand) ** 2)));
    const bms = (k * rowM.reduce((s, m) => s + (m - grand) ** 2, 0)) / (n - 1);
    const jms = (n * colM.reduce((s, m) => s + (m - grand) ** 2, 0)) / (k - 1);
    const ems = sse / ((n - 1) * (k - 1));
    expect(valueOf(icc21(judges))).toBeCloseTo((bms - ems) / (bms + (k - 1) * ems + (k * (jms - ems)) / n), 12);
    expect(valueOf(icc31(judges))).toBeCloseTo((bms - ems) / (bms + (k - 1) * ems), 12);
  });

  it('uses the targets every judge rated (listwise complete) and counts the others', () => {
    const partial = judges.map((r) => [...r, 3] as Cell[]);
    partial[2][6] = null; // a 7th target, one judge missing
    expect(icc21(partial)).toMatchObject({ ok: true, value: valueOf(icc21(judges)), n: 6, excluded: 1 });
    // a judge with no rating at all is not a judge of this design
    expect(valueOf(icc31([...judges, rep<Cell>(null, 6)]))).toBeCloseTo(920 / 1287, 12);
  });

  it('names the degenerate cases', () => {
    expect(reasonOf(icc21([[1, 2, 3]]))).toBe('one-rater');
    expect(reasonOf(icc31([[1, 2, null], [null, null, 3]]))).toBe('no-overlap');
    expect(reasonOf(icc21([[1, 2], [1, null]]))).toBe('too-few-items');
    expect(reasonOf(icc21([rep(0.1, 4), rep(0.1, 4), rep(0.1, 4)]))).toBe('no-variation');
    // the judges differ only by an offset, the targets not at all: consistency is 0/0
    expect(reasonOf(icc31([[1, 1, 1], [2, 2, 2]]))).toBe('no-variation');
    expect(valueOf(icc21([[1, 1, 1], [2, 2, 2]]))).toBe(0);
    // two targets, two judges, no target or judge effect but residual: ICC(2,1)'s denominator is 0
    expect(reasonOf(icc21([[1, 0], [0, 1]]))).toBe('degenerate');
  });
});

// ---------------------------------------------------------------------------------------------
// Never NaN

describe('every statistic answers a finite value or a named n/a', () => {
  it('on random small inputs full of gaps, constants and single raters', () => {
    const rng = mulberry32(2026);
    const outcomes: Agreement[] = [];
    for (let t = 0; t < 300; t++) {
      const raters = 1 + randInt(rng, 4);
      const items = randInt(rng, 6);
      const cats = 1 + randInt(rng, 3);
      const missing = rng();
      const data: Ratings = Array.from({ length: raters }, () =>
        Array.from({ length: items }, () => (rng() < missing ? null : randInt(rng, cats) * 0.1)),
      );
      outcomes.push(fleissKappa(data), krippendorffAlpha(data, 'nominal'), krippendorffAlpha(data, 'interval'), icc21(data), icc31(data));
      if (raters >= 2) outcomes.push(cohenKappa(data[0], data[1]), linCcc(data[0], data[1]));
    }
    for (const o of outcomes) {
      if (o.ok) {
        expect(Number.isFinite(o.value)).toBe(true);
        expect(o.n).toBeGreaterThan(0);
      } else {
        expect(o.reason).toMatch(/^(one-rater|no-overlap|too-few-items|no-variation|degenerate)$/);
        expect(o.message).toMatch(/^n\/a: /);
      }
    }
    expect(JSON.stringify(outcomes)).not.toMatch(/NaN|Infinity|null/);
    expect(outcomes.filter((o) => !o.ok).length).toBeGreaterThan(50); // the degenerate paths were exercised
  });
});

// ---------------------------------------------------------------------------------------------
// Per frame, and as text

describe('frameDisagreement and agreementText', () => {
  it('per frame: share of disagreeing rater pairs (nominal), spread (interval), null below two ratings', () => {
    const r: Cell[][] = [
      [1, 1, 1, null, 2],
      [1, 2, 2, 3, null],
      [1, 3, 2, null, null],
    ];
    expect(frameDisagreement(r, 'nominal')).toEqual([0, 1, 2 / 3, null, null]);
    expect(frameDisagreement(r, 'interval')).toEqual([0, 2, 1, null, null]);
  });

  it('renders a value with its support, and an n/a with its reason', () => {
    expect(agreementText({ ok: true, value: 113 / 152, n: 11, values: 40, excluded: 1 })).toBe('0.743 (n = 11)');
    expect(agreementText(krippendorffAlpha([[1, 2]], 'nominal'))).toBe('n/a (fewer than two raters)');
  });
});

// ---------------------------------------------------------------------------------------------
// One task's agreement

describe('taskAgreement', () => {
  const au = (m: Record<number, 0 | 1>): AuLabel => auLabelFrom(m);

  it('AU: per AU bit, Cohen κ per pair (references included), Fleiss κ and α over the annotators only', () => {
    const ann = {
      name: 'ann',
      labels: [au({ 1: 1, 12: 0 }), au({ 1: 1, 12: 1 }), au({ 1: 0, 12: 1 }), au({ 1: 0, 12: 0 }), null, au({ 12: 1 })],
    };
    const bob = {
      name: 'bob',
      labels: [au({ 1: 1, 12: 0 }), au({ 1: 0, 12: 1 }), au({ 1: 0, 12: 1 }), au({ 1: 0, 12: 1 }), au({ 1: 1 }), au({ 12: 1 })],
    };
    const gt = { name: 'ground truth', labels: [au({ 4: 1 }), null, null, null, null, null] };
    const r = taskAgreement({ task: 'au', raters: [ann, bob], references: [gt] });
    if (r.task !== 'au') throw new Error('task');
    expect(r.perAu.map((p) => p.au)).toEqual([1, 4, 12]); // every AU anyone labelled
    const au1 = r.perAu[0];
    expect(au1.pairwise.names).toEqual(['ann', 'bob', 'ground truth']);
    expect(au1.pairwise.statistic).toBe('cohen-kappa');
    // AU1: ann [1,1,0,0,-,-], bob [1,0,0,0,1,-] → 4 common frames, the extracted bits through cohenKappa
    const k = cohenKappa([1, 1, 0, 0, null, null], [1, 0, 0, 0, 1, null]);
    expect(au1.pairwise.cells[0][1]).toEqual(k);
    expect(au1.pairwise.cells[1][0]).toEqual(k);
    expect(au1.pairwise.cells[0][0]).toBeNull();
    expect(valueOf(k)).toBeCloseTo(0.5, 12); // p_o 3/4, p_e (2·1 + 2·3)/16 = 1/2
    expect(au1.pairwise.cells[0][2]).toMatchObject({ ok: false, reason: 'no-overlap' }); // GT has no AU1
    expect(au1.fleissKappa).toEqual(fleissKappa([[1, 1, 0, 0, null, null], [1, 0, 0, 0, 1, null]]));
    expect(au1.alpha).toEqual(krippendorffAlpha([[1, 1, 0, 0, null, null], [1, 0, 0, 0, 1, null]], 'nominal'));
    // AU4: only the reference labelled it: the annotators' figures are n/a, named
    expect(reasonOf(r.perAu[1].alpha)).toBe('one-rater');
    // AU12: ann [0,1,1,0,-,1], bob [0,1,1,1,-,1]
    expect(r.perAu[2].alpha).toEqual(krippendorffAlpha([[0, 1, 1, 0, null, 1], [0, 1, 1, 1, null, 1]], 'nominal'));
    // an explicit AU list is kept as given
    const only = taskAgreement({ task: 'au', raters: [ann, bob], aus: [12, 2] });
    if (only.task !== 'au') throw new Error('task');
    expect(only.perAu.map((p) => [p.au, p.pairwise.names.length])).toEqual([[12, 2], [2, 2]]);
    expect(reasonOf(only.perAu[1].fleissKappa)).toBe('one-rater');
  });

  it('EXPR: class ids, −1 and out-of-range values are missing', () => {
    const r = taskAgreement({
      task: 'expr',
      raters: [
        { name: 'a', labels: [0, 4, 4, 6, -1, 3, 1] },
        { name: 'b', labels: [0, 4, 5, 6, 2, 3, 9] },
        { name: 'c', labels: [0, 4, 4, null, 2, 3, 1] },
      ],
      references: [{ name: 'model 3', labels: [0, 4, 4, 6, 2, 3, 1] }],
    });
    if (r.task !== 'expr') throw new Error('task');
    const a = [0, 4, 4, 6, null, 3, 1];
    const b = [0, 4, 5, 6, 2, 3, null];
    const c = [0, 4, 4, null, 2, 3, 1];
    expect(r.pairwise.cells[0][1]).toEqual(cohenKappa(a, b));
    expect(r.pairwise.cells[2][3]).toEqual(cohenKappa(c, [0, 4, 4, 6, 2, 3, 1]));
    expect(r.alpha).toEqual(krippendorffAlpha([a, b, c], 'nominal'));
    expect(r.fleissKappa).toEqual(fleissKappa([a, b, c]));
    expect(r.fleissKappa).toMatchObject({ ok: true, n: 4, excluded: 3 }); // 4 frames rated by all three
  });

  it('VA: CCC per pair, interval α and ICCs per dimension; a missing side is missing for that dimension only', () => {
    const v = (valence: number | null, arousal: number | null) => ({ valence, arousal });
    const r = taskAgreement({
      task: 'va',
      raters: [
        { name: 'a', labels: [v(0.1, 0.5), v(0.4, 0.2), v(-0.3, null), v(0.8, 0.1), null] },
        { name: 'b', labels: [v(0.2, 0.4), v(0.5, 0.3), v(-0.2, 0.0), v(0.6, 0.2), v(0.1, 0.1)] },
      ],
    });
    if (r.task !== 'va') throw new Error('task');
    const av = [0.1, 0.4, -0.3, 0.8, null];
    const bv = [0.2, 0.5, -0.2, 0.6, 0.1];
    const aa = [0.5, 0.2, null, 0.1, null];
    const ba = [0.4, 0.3, 0.0, 0.2, 0.1];
    expect(r.valence.pairwise.statistic).toBe('ccc');
    expect(r.valence.pairwise.cells[0][1]).toEqual(linCcc(av, bv));
    expect(r.arousal.pairwise.cells[1][0]).toEqual(linCcc(aa, ba));
    expect(r.valence.alpha).toEqual(krippendorffAlpha([av, bv], 'interval'));
    expect(r.valence.icc21).toEqual(icc21([av, bv]));
    expect(r.arousal.icc31).toEqual(icc31([aa, ba]));
    expect(r.valence.icc21).toMatchObject({ ok: true, n: 4, excluded: 1 });
    expect(r.arousal.icc21).toMatchObject({ ok: true, n: 3, excluded: 2 });
  });

  it('one annotator: every figure is a named n/a, the matrix is 1 × 1', () => {
    const r = taskAgreement({ task: 'expr', raters: [{ name: 'solo', labels: [1, 2, 3] }] });
    if (r.task !== 'expr') throw new Error('task');
    expect(r.pairwise.cells).toEqual([[null]]);
    expect(reasonOf(r.fleissKappa)).toBe('one-rater');
    expect(reasonOf(r.alpha)).toBe('one-rater');
    expect(JSON.parse(JSON.stringify(r))).toEqual(r); // JSON-safe for `agreement --json`
  });

  it('pairwiseMatrix rejects mismatched inputs', () => {
    expect(() => pairwiseMatrix('ccc', ['a'], [[1], [2]])).toThrow(/names/);
    expect(() => pairwiseMatrix('ccc', ['a', 'b'], [[1], [2, 3]])).toThrow(/aligned/);
  });
});
