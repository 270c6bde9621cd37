// Soft labels: a model's raw outputs for one frame, stored per (model, frame) as a versioned BLOB.
//
// Format v1 (little endian):
//   byte 0      format version (1)
//   byte 1      dtype: 1 = float32, 2 = float16
//   bytes 2..3  number of values (uint16) = SOFT_LABEL_WIDTH (55)
//   then the values: 8 AU logits, 7 EXPR logits, 20 valence-bin logits, 20 arousal-bin logits.
// Ensembles store log(mean probability) for EXPR/VA and logit(mean probability) for AU, so every
// model's record is read the same way (softmax / sigmoid give the probabilities back).
import { NUM_AUS, NUM_EXPR, SOFT_LABEL_WIDTH, VA_BINS, VA_BIN_CENTRES } from '../../shared/labels';
import type { Db } from './database';

export const SOFT_LABEL_VERSION = 1;
const HEADER = 4;

export interface SoftLabel {
  au: Float32Array; // 8 logits
  expr: Float32Array; // 7 logits
  v: Float32Array; // 20 logits
  a: Float32Array; // 20 logits
}

export function encodeSoftLabel(values: ArrayLike<number>, dtype: 'float32' | 'float16' = 'float32'): Buffer {
  if (values.length !== SOFT_LABEL_WIDTH) throw new Error(`soft label needs ${SOFT_LABEL_WIDTH} values, got ${values.length}`);
  const bytes = dtype === 'float32' ? 4 : 2;
  const buf = Buffer.alloc(HEADER + SOFT_LABEL_WIDTH * bytes);
  buf.writeUInt8(SOFT_LABEL_VERSION, 0);
  buf.writeUInt8(dtype === 'float32' ? 1 : 2, 1);
  buf.writeUInt16LE(SOFT_LABEL_WIDTH, 2);
  for (let i = 0; i < SOFT_LABEL_WIDTH; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) throw new Error(`soft label value ${i} is not finite: ${v}`);
    if (dtype === 'float32') buf.writeFloatLE(v, HEADER + 4 * i);
    else buf.writeUInt16LE(toHalf(v), HEADER + 2 * i);
  }
  return buf;
}

export function decodeSoftLabel(buf: Uint8Array): Float32Array {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const version = b.readUInt8(0);
  if (version !== SOFT_LABEL_VERSION) throw new Error(`unknown soft-label format version ${version} (this build reads ${SOFT_LABEL_VERSION})`);
  const dtype = b.readUInt8(1);
  const n = b.readUInt16LE(2);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = dtype === 1 ? b.readFloatLE(HEADER + 4 * i) : fromHalf(b.readUInt16LE(HEADER + 2 * i));
  return out;
}

export function splitSoftLabel(v: Float32Array): SoftLabel {
  let o = 0;
  const take = (n: number) => v.subarray(o, (o += n));
  return { au: take(NUM_AUS), expr: take(NUM_EXPR), v: take(VA_BINS), a: take(VA_BINS) };
}

export function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}
export function softmax(x: ArrayLike<number>): number[] {
  let m = -Infinity;
  for (let i = 0; i < x.length; i++) m = Math.max(m, x[i]);
  const e = Array.from(x, (v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}
/** Probabilities of one record: AU sigmoid, EXPR softmax, V/A bin softmax and their expectation over the bin centres. */
export function softLabelProbabilities(rec: Float32Array): { au: number[]; expr: number[]; vBins: number[]; aBins: number[]; valence: number; arousal: number } {
  const s = splitSoftLabel(rec);
  const vBins = softmax(s.v);
  const aBins = softmax(s.a);
  const expect = (p: number[]) => p.reduce((acc, pi, i) => acc + pi * VA_BIN_CENTRES[i], 0);
  return { au: Array.from(s.au, sigmoid), expr: softmax(s.expr), vBins, aBins, valence: expect(vBins), arousal: expect(aBins) };
}

/** Writes soft labels of one model in a single transaction; replaces existing records. */
export function putSoftLabels(db: Db, modelId: number, rows: Iterable<{ frameId: number; values: ArrayLike<number> }>): number {
  const stmt = db.prepare('INSERT OR REPLACE INTO soft_labels(model_id, frame_id, data) VALUES (?, ?, ?)');
  let n = 0;
  db.transaction(() => {
    for (const r of rows) {
      stmt.run(modelId, r.frameId, encodeSoftLabel(r.values));
      n++;
    }
  })();
  return n;
}

export function getSoftLabels(db: Db, modelId: number, frameIds: number[]): Map<number, Float32Array> {
  const out = new Map<number, Float32Array>();
  const stmt = db.prepare('SELECT frame_id AS f, data FROM soft_labels WHERE model_id = ? AND frame_id = ?');
  for (const id of frameIds) {
    const r = stmt.get(modelId, id) as { f: number; data: Buffer } | undefined;
    if (r) out.set(r.f, decodeSoftLabel(r.data));
  }
  return out;
}

// IEEE 754 half precision conversion (round to nearest even is not needed for soft labels: truncation error < 1e-3 relative).
function toHalf(v: number): number {
  const f = new Float32Array([v]);
  const x = new Uint32Array(f.buffer)[0];
  const sign = (x >>> 16) & 0x8000;
  let exp = ((x >>> 23) & 0xff) - 127 + 15;
  let mant = x & 0x7fffff;
  if (exp <= 0) {
    if (exp < -10) return sign;
    mant = (mant | 0x800000) >> (1 - exp);
    return sign | (mant >> 13);
  }
  if (exp >= 31) return sign | 0x7c00;
  exp = exp & 0x1f;
  return sign | (exp << 10) | (mant >> 13);
}
function fromHalf(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * Math.pow(2, -14) * (mant / 1024);
  if (exp === 31) return mant ? NaN : sign * Infinity;
  return sign * Math.pow(2, exp - 15) * (1 + mant / 1024);
}
