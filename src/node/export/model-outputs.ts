// Reading a model's soft-label record on the export's hot path. Same maths as
// `softLabelProbabilities` (db/softlabels.ts) but computing only what a row needs, without
// intermediate arrays: that function costs ~5 µs a record, which alone would cap an export of
// millions of frames far below its target. Tests check both agree.
import os from 'node:os';
import { NUM_AUS, NUM_EXPR, SOFT_LABEL_WIDTH, VA_BINS, VA_BIN_CENTRES } from '../../shared/labels';
import { decodeSoftLabel, SOFT_LABEL_VERSION } from '../db/softlabels';

const LITTLE_ENDIAN = os.endianness() === 'LE';
const HEADER = 4;
const V0 = NUM_AUS + NUM_EXPR;
const A0 = V0 + VA_BINS;

/** The record's 55 logits; a view into the blob when it is float32 and aligned, else a decoded copy. */
export function softLogits(blob: Buffer): Float32Array {
  if (LITTLE_ENDIAN && blob.byteLength === HEADER + 4 * SOFT_LABEL_WIDTH && blob[0] === SOFT_LABEL_VERSION && blob[1] === 1 && (blob.byteOffset + HEADER) % 4 === 0) {
    return new Float32Array(blob.buffer, blob.byteOffset + HEADER, SOFT_LABEL_WIDTH);
  }
  const v = decodeSoftLabel(blob);
  if (v.length !== SOFT_LABEL_WIDTH) throw new Error(`soft label has ${v.length} values, expected ${SOFT_LABEL_WIDTH}`);
  return v;
}

export function auProbability(logits: Float32Array, k: number): number {
  return 1 / (1 + Math.exp(-logits[k]));
}

/** The most likely expression: argmax of the logits (softmax keeps the order). */
export function exprArgmax(logits: Float32Array): number {
  let best = 0;
  for (let i = 1; i < NUM_EXPR; i++) if (logits[NUM_AUS + i] > logits[NUM_AUS + best]) best = i;
  return best;
}

export function exprProbabilities(logits: Float32Array): number[] {
  let m = -Infinity;
  for (let i = 0; i < NUM_EXPR; i++) m = Math.max(m, logits[NUM_AUS + i]);
  const e = new Array<number>(NUM_EXPR);
  let s = 0;
  for (let i = 0; i < NUM_EXPR; i++) s += e[i] = Math.exp(logits[NUM_AUS + i] - m);
  for (let i = 0; i < NUM_EXPR; i++) e[i] /= s;
  return e;
}

/** Expectation over the bin centres of the softmax of 20 bin logits starting at `from`. */
function expectation(logits: Float32Array, from: number): number {
  let m = -Infinity;
  for (let i = 0; i < VA_BINS; i++) m = Math.max(m, logits[from + i]);
  let s = 0;
  let acc = 0;
  for (let i = 0; i < VA_BINS; i++) {
    const e = Math.exp(logits[from + i] - m);
    s += e;
    acc += e * VA_BIN_CENTRES[i];
  }
  return acc / s;
}

export const valenceOf = (logits: Float32Array): number => expectation(logits, V0);
export const arousalOf = (logits: Float32Array): number => expectation(logits, A0);
