// The label layers and the ONE precedence rule between them, and the ONE projection of a stored AU
// label (bit sets) onto 0/1 values. Every reader of labels (review, training samples, export,
// `info`, the merged import) goes through these.
//
// Layers: `imported` (ground truth from a dataset), `human` (a correction, a model label a human
// accepted, or a clearing: a human row whose values are all NULL) — both rows of the `labels` table
// — and `model` (a model's soft labels, table soft_labels, see src/shared/softlabels.ts), which
// only fills gaps where an export's policy asks for it.
//
// Precedence: per (frame, task) a human-layer row wins over the imported row, also when it clears
// (then the task has NO label); the imported row counts only where no human row exists.
import { MODEL_AUS, NUM_AUS } from '../../shared/labels';

export type StoredLayer = 'imported' | 'human';
export type LabelLayer = StoredLayer | 'model';

/**
 * The precedence rule, one row at a time and in any row order: a row takes the (frame, task) slot
 * when it is a human row, or when no human row holds the slot yet. (Apply it with a full overwrite:
 * a human row that clears leaves the slot empty.)
 */
export function takesSlot(rowIsHuman: boolean, heldByHuman: boolean): boolean {
  return rowIsHuman || !heldByHuman;
}

/** The same rule on both layers at hand: the human row (also a clearing) where there is one, else the imported row. */
export function inForce<T>(human: T | null | undefined, imported: T | null | undefined): T | null {
  return human ?? imported ?? null;
}

/** SQL (labels aliased `l`): 1 on a human-layer row, else 0. */
export const IS_HUMAN_SQL = `(l.layer = 'human')`;

/** SQL: a human row that is not a clearing (labels aliased `l`). */
const HAS_VALUE_SQL = `(l.au_mask IS NOT NULL OR l.expr IS NOT NULL OR l.valence IS NOT NULL)`;

/** The rule as SQL: (frame_id, task) of every label in force that is not a clearing. */
export const EFFECTIVE_LABELS_SQL = `
  SELECT l.frame_id, l.task FROM labels l
  WHERE (${IS_HUMAN_SQL} AND ${HAS_VALUE_SQL})
     OR (l.layer = 'imported' AND NOT EXISTS (
          SELECT 1 FROM labels h WHERE h.frame_id = l.frame_id AND h.task = l.task AND h.layer = 'human'))`;

// ---------------------------------------------------------------------------------------------
// AU projection. Stored AU labels are two bit sets over FACS AU numbers (bit n = AU n): `mask` the
// AUs labelled, `bits` the active ones (src/shared/labels.ts).

/** The 8 model AUs as a bit set. */
export const MODEL_AU_MASK: bigint = MODEL_AUS.reduce((m, n) => m | (1n << BigInt(n)), 0n);

/** Whether bit `n` is set (a bigint, or a number that holds the bit set exactly: every AU below 53). */
function bit(set: bigint | number, n: number): boolean {
  return typeof set === 'bigint' ? ((set >> BigInt(n)) & 1n) === 1n : Math.floor(set / 2 ** n) % 2 === 1;
}

/** THE projection: AU `n` of a stored label → 1 active, 0 inactive, -1 not labelled. */
export function auValue(mask: bigint | number, bits: bigint | number, n: number): 1 | 0 | -1 {
  return bit(mask, n) ? (bit(bits, n) ? 1 : 0) : -1;
}

/**
 * SQL expression packing the 8 model AUs of a bit-set column into bits 0..7 (NULL stays NULL), so
 * the columnar readers get small integers and no BigInt crosses into JavaScript.
 */
export function modelBits(col: string): string {
  return MODEL_AUS.map((n, k) => `(((${col} >> ${n}) & 1) << ${k})`).join(' | ');
}

/** The 8 model AUs of a bit set packed as by modelBits (bit k = MODEL_AUS[k]). */
export function packModelAus(set: bigint | number): number {
  let p = 0;
  for (let k = 0; k < NUM_AUS; k++) if (bit(set, MODEL_AUS[k])) p |= 1 << k;
  return p;
}

/** The projection on packed model AUs (modelBits): out[at + k] = 1 / 0 / -1 for the 8 model AUs. */
export function modelAusInto(mask8: number, bits8: number, out: { [i: number]: number }, at = 0): void {
  for (let k = 0; k < NUM_AUS; k++) out[at + k] = (mask8 >> k) & 1 ? (bits8 >> k) & 1 : -1;
}

/** The 8 model AUs of packed bit sets as a new array of 1 / 0 / -1. */
export function modelAuVector(mask8: number, bits8: number): number[] {
  const out = new Array<number>(NUM_AUS);
  modelAusInto(mask8, bits8, out);
  return out;
}

/** Every labelled AU of a stored label: `AU<n>` → 0/1. */
export function auRecord(mask: bigint | number, bits: bigint | number): Record<string, 0 | 1> {
  const out: Record<string, 0 | 1> = {};
  for (let n = 1; n <= 62; n++) {
    const v = auValue(mask, bits, n);
    if (v >= 0) out[`AU${n}`] = v as 0 | 1;
  }
  return out;
}
