// The label schema of the paper (Deng, Chen, Shi, ABAW 2020) and of Aff-Wild2.
// Pure TypeScript: imported by every layer, imports nothing.

/** The 8 action units the model predicts, in output order. */
export const MODEL_AUS = [1, 2, 4, 6, 12, 15, 20, 25] as const;
export const AU_NAMES = MODEL_AUS.map((n) => `AU${n}`);
export const NUM_AUS = MODEL_AUS.length;

/**
 * AUs that trade places under a horizontal mirror of the face, as pairs of MODEL_AUS numbers: a
 * left-side AU becomes its right-side twin. None today: the 8 AUs above are bilateral (both brows,
 * both cheeks, both lip corners), so a mirrored face has the same AU vector. Expression and
 * valence/arousal never change under a mirror. The one rule every flip of a face goes through
 * (augmentation's targets, a teacher's records under a flip: flipAuIndex).
 */
export const AU_MIRROR_PAIRS: readonly (readonly [number, number])[] = [];

/** The output index whose label a mirrored face carries at AU index `k` (AU_MIRROR_PAIRS). */
export function flipAuIndex(k: number): number {
  const au = MODEL_AUS[k];
  for (const [a, b] of AU_MIRROR_PAIRS) {
    if (au === a) return MODEL_AUS.indexOf(b as (typeof MODEL_AUS)[number]);
    if (au === b) return MODEL_AUS.indexOf(a as (typeof MODEL_AUS)[number]);
  }
  return k;
}

/** A frame's AU values (NUM_AUS labels or logits) as the mirrored face carries them: `[k] = au[flipAuIndex(k)]`. */
export function mirrorAus(au: ArrayLike<number>): number[] {
  return Array.from({ length: NUM_AUS }, (_, k) => au[flipAuIndex(k)]);
}

/** The 7 expressions, Aff-Wild2 order (index = class id everywhere in the project). */
export const EXPRESSIONS = ['Neutral', 'Anger', 'Disgust', 'Fear', 'Happiness', 'Sadness', 'Surprise'] as const;
export type Expression = (typeof EXPRESSIONS)[number];
export const NUM_EXPR = EXPRESSIONS.length;

/** Valence and arousal are discretised into this many equal-width bins on [-1, 1]. */
export const VA_BINS = 20;
/** Centres of the VA bins: -0.95, -0.85, ..., 0.95 (the reference code's ±1 end points are a bug). */
export const VA_BIN_CENTRES: readonly number[] = Array.from({ length: VA_BINS }, (_, i) => -1 + (2 * i + 1) / VA_BINS);

/**
 * The edges of the VA bins, as float32 numbers: VA_BIN_EDGES[k] is the float32 nearest to
 * −1 + 2k / VA_BINS (k = 0 … VA_BINS). The one binning rule of the project: the samplers bin with
 * vaBin below, the loss bins float32 tensors against these same numbers (src/ml/losses.ts
 * vaBinIndex), so both put every label in the same bin. Labels are stored as float32, and a
 * multiple of 0.1 (AFEW-VA's rescaled integers) is then exactly its edge's float32: it belongs to
 * the upper bin.
 */
export const VA_BIN_EDGES: readonly number[] = Array.from({ length: VA_BINS + 1 }, (_, k) => Math.fround((2 * k - VA_BINS) / VA_BINS));

/**
 * Bin index of a valence/arousal value in [-1, 1]: bins are half-open [EDGE[k], EDGE[k+1]), 1.0 falls
 * into the last bin, values below −1 into the first. The value is first rounded to float32 (as a
 * tensor or a Float32Array stores it), so the result is the loss's bin for every number.
 */
export function vaBin(v: number): number {
  const x = Math.fround(v);
  let b = 0;
  while (b < VA_BINS - 1 && x >= VA_BIN_EDGES[b + 1]) b++;
  return b;
}

export const TASKS = ['au', 'expr', 'va'] as const;
export type Task = (typeof TASKS)[number];

/** Where a stored label came from. */
export const PROVENANCES = ['imported', 'human', 'accepted'] as const;
export type Provenance = (typeof PROVENANCES)[number];

/**
 * AU labels are stored as two bit sets over FACS AU numbers (bit n = AU n, n <= 62):
 * `mask` says which AUs are labelled, `bits` which of those are active. This keeps every AU
 * a dataset carries (Aff-Wild2's 12, DISFA's 12) while the model reads the 8 of the paper.
 */
export interface AuLabel {
  mask: bigint;
  bits: bigint;
}

export const MAX_AU_NUMBER = 62;

export function auBit(n: number): bigint {
  if (!Number.isInteger(n) || n < 1 || n > MAX_AU_NUMBER) throw new Error(`AU number out of range: ${n}`);
  return 1n << BigInt(n);
}

/** Builds an AuLabel from a map AU number -> active (0/1). */
export function auLabelFrom(values: ReadonlyMap<number, 0 | 1> | Record<number, 0 | 1>): AuLabel {
  let mask = 0n;
  let bits = 0n;
  const entries = values instanceof Map ? [...values.entries()] : Object.entries(values).map(([k, v]) => [Number(k), v] as const);
  for (const [n, v] of entries) {
    const b = auBit(n);
    mask |= b;
    if (v) bits |= b;
  }
  return { mask, bits };
}

/** AU n of a stored AU label: 1 active, 0 inactive, null where that AU is unlabelled. */
export function auState(label: AuLabel, n: number): 0 | 1 | null {
  const b = auBit(n);
  if ((label.mask & b) === 0n) return null;
  return (label.bits & b) !== 0n ? 1 : 0;
}

/** The model's 8-AU view of a stored AU label: 1/0 per model AU, or -1 where that AU is unlabelled. */
export function modelAuVector(label: AuLabel): number[] {
  return MODEL_AUS.map((n) => auState(label, n) ?? -1);
}

/** Parses an expression given as an Aff-Wild2 name (case-insensitive, common aliases) or index 0-6. */
export function parseExpression(s: string): number | null {
  const t = s.trim();
  if (/^[0-6]$/.test(t)) return Number(t);
  const aliases: Record<string, number> = {
    neutral: 0, anger: 1, angry: 1, disgust: 2, disgusted: 2, fear: 3, fearful: 3, afraid: 3,
    happiness: 4, happy: 4, joy: 4, sadness: 5, sad: 5, surprise: 6, surprised: 6,
  };
  const v = aliases[t.toLowerCase()];
  return v === undefined ? null : v;
}

/** Number of floats in one soft-label record: 8 AU logits, 7 EXPR logits, 20 V and 20 A bin logits. */
export const SOFT_LABEL_WIDTH = NUM_AUS + NUM_EXPR + 2 * VA_BINS;
export const SPLITS = ['train', 'val', 'test'] as const;
export type Split = (typeof SPLITS)[number];
