// The soft-label codec: a model's raw outputs for one frame (a "record" of 55 logits) as stored
// bytes, and logits → probabilities. Pure TypeScript (Uint8Array / DataView, no Buffer, no Node):
// the ONE place that knows the byte format and the sigmoid / softmax / VA-expectation maths.
// The SQL that stores records lives in src/node/store/softlabels.ts.
//
// Format v1 (little endian):
//   byte 0      format version (1)
//   byte 1      dtype: 1 = float32, 2 = float16
//   bytes 2..3  number of values (uint16) = SOFT_LABEL_WIDTH (55)
//   then the values: 8 AU logits, 7 EXPR logits, 20 valence-bin logits, 20 arousal-bin logits.
// Ensembles store log(mean probability) for EXPR/VA and logit(mean probability) for AU
// (ensembleRecords), so every model's record is read the same way.
import { halfTable, toHalf } from './float16';
import { NUM_AUS, NUM_EXPR, SOFT_LABEL_WIDTH, VA_BINS, VA_BIN_CENTRES } from './labels';

export const SOFT_LABEL_VERSION = 1;
export const SOFT_LABEL_HEADER = 4;
export type SoftLabelDtype = 'float32' | 'float16';
const DTYPE_F32 = 1;
const DTYPE_F16 = 2;

/** Offsets of the parts of a record. */
export const AU0 = 0;
export const EXPR0 = NUM_AUS;
export const V0 = NUM_AUS + NUM_EXPR;
export const A0 = V0 + VA_BINS;
/** Byte sizes of a v1 record. */
export const F32_RECORD_BYTES = SOFT_LABEL_HEADER + 4 * SOFT_LABEL_WIDTH;
export const F16_RECORD_BYTES = SOFT_LABEL_HEADER + 2 * SOFT_LABEL_WIDTH;

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export interface SoftLabel {
  au: Float32Array; // 8 logits
  expr: Float32Array; // 7 logits
  v: Float32Array; // 20 logits
  a: Float32Array; // 20 logits
}

// ---------------------------------------------------------------------------------------------
// Bytes

/** One record → v1 bytes. Throws on a wrong length or a non-finite value. */
export function encodeSoftLabel(values: ArrayLike<number>, dtype: SoftLabelDtype = 'float32'): Uint8Array {
  if (values.length !== SOFT_LABEL_WIDTH) throw new Error(`soft label needs ${SOFT_LABEL_WIDTH} values, got ${values.length}`);
  const out = new Uint8Array(dtype === 'float32' ? F32_RECORD_BYTES : F16_RECORD_BYTES);
  const dv = new DataView(out.buffer);
  dv.setUint8(0, SOFT_LABEL_VERSION);
  dv.setUint8(1, dtype === 'float32' ? DTYPE_F32 : DTYPE_F16);
  dv.setUint16(2, SOFT_LABEL_WIDTH, true);
  for (let i = 0; i < SOFT_LABEL_WIDTH; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) throw new Error(`soft label value ${i} is not finite: ${v}`);
    if (dtype === 'float32') dv.setFloat32(SOFT_LABEL_HEADER + 4 * i, v, true);
    else dv.setUint16(SOFT_LABEL_HEADER + 2 * i, toHalf(v), true);
  }
  return out;
}

function checkVersion(version: number): void {
  if (version !== SOFT_LABEL_VERSION) throw new Error(`unknown soft-label format version ${version} (this build reads ${SOFT_LABEL_VERSION})`);
}

/** v1 bytes → the record's values (float32 or float16 records; any alignment). */
export function decodeSoftLabel(bytes: Uint8Array): Float32Array {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  checkVersion(dv.getUint8(0));
  const dtype = dv.getUint8(1);
  const n = dv.getUint16(2, true);
  const out = new Float32Array(n);
  if (dtype === DTYPE_F32) for (let i = 0; i < n; i++) out[i] = dv.getFloat32(SOFT_LABEL_HEADER + 4 * i, true);
  else {
    const t = halfTable();
    for (let i = 0; i < n; i++) out[i] = t[dv.getUint16(SOFT_LABEL_HEADER + 2 * i, true)];
  }
  return out;
}

/** Many records (null = none) decoded into one n × 55 array; `has[i]` says which rows were filled. */
export function decodeSoftLabels(blobs: readonly (Uint8Array | null | undefined)[]): { records: Float32Array; has: Uint8Array } {
  const records = new Float32Array(blobs.length * SOFT_LABEL_WIDTH);
  const has = new Uint8Array(blobs.length);
  const r = new LogitReader();
  for (let i = 0; i < blobs.length; i++) {
    const b = blobs[i];
    if (!b) continue;
    r.readOne(b);
    records.set(r.l.subarray(r.base, r.base + SOFT_LABEL_WIDTH), i * SOFT_LABEL_WIDTH);
    has[i] = 1;
  }
  return { records, has };
}

export function splitSoftLabel(v: Float32Array): SoftLabel {
  let o = 0;
  const take = (n: number) => v.subarray(o, (o += n));
  return { au: take(NUM_AUS), expr: take(NUM_EXPR), v: take(VA_BINS), a: take(VA_BINS) };
}

/**
 * Where one record's logits are: `l[base … base + 54]`. One instance per stream, reused for every
 * record: a float32 record is read in place (a Float32Array view over the whole chunk, made once
 * per chunk, when aligned on a little-endian machine), others are decoded into a scratch array
 * (float16 through a 64 K table). No object per record.
 */
export class LogitReader {
  l: Float32Array = new Float32Array(SOFT_LABEL_WIDTH);
  base = 0;
  private readonly scratch = new Float32Array(SOFT_LABEL_WIDTH);
  private readonly oneBytes = new Uint8Array(F32_RECORD_BYTES);
  private readonly oneF32 = new Float32Array(this.oneBytes.buffer, SOFT_LABEL_HEADER, SOFT_LABEL_WIDTH);
  private chunk: Uint8Array | null = null;
  private view: Float32Array | null = null;
  private viewStart = 0;

  /**
   * Points at a blob holding one record (a row of soft_labels): a float32 record is copied into a
   * reused aligned buffer (cheaper than a view per blob), others go through `read`.
   */
  readOne(blob: Uint8Array): void {
    if (LITTLE_ENDIAN && blob.byteLength === F32_RECORD_BYTES && blob[0] === SOFT_LABEL_VERSION && blob[1] === DTYPE_F32 && blob[2] === SOFT_LABEL_WIDTH && blob[3] === 0) {
      this.oneBytes.set(blob);
      this.l = this.oneF32;
      this.base = 0;
      return;
    }
    this.read(blob, 0, blob.byteLength);
  }

  /** Points at the record `buf[off, off + len)`; `buf` is usually the same chunk for many calls. */
  read(buf: Uint8Array, off: number, len: number): void {
    if (buf[off] !== SOFT_LABEL_VERSION) checkVersion(buf[off]);
    const dtype = buf[off + 1];
    const n = buf[off + 2] | (buf[off + 3] << 8);
    if (n !== SOFT_LABEL_WIDTH) throw new Error(`soft label has ${n} values, expected ${SOFT_LABEL_WIDTH}`);
    if (dtype === DTYPE_F32 && len === F32_RECORD_BYTES) {
      if (LITTLE_ENDIAN && (buf.byteOffset + off + SOFT_LABEL_HEADER) % 4 === 0) {
        if (this.chunk !== buf) {
          this.chunk = buf;
          const start = buf.byteOffset % 4 === 0 ? buf.byteOffset : buf.byteOffset + 4 - (buf.byteOffset % 4);
          this.view = new Float32Array(buf.buffer, start, Math.floor((buf.byteOffset + buf.byteLength - start) / 4));
          this.viewStart = start;
        }
        this.l = this.view!;
        this.base = (buf.byteOffset + off + SOFT_LABEL_HEADER - this.viewStart) / 4;
        return;
      }
      const s = this.scratch;
      const dv = new DataView(buf.buffer, buf.byteOffset + off + SOFT_LABEL_HEADER, 4 * SOFT_LABEL_WIDTH);
      for (let i = 0; i < SOFT_LABEL_WIDTH; i++) s[i] = dv.getFloat32(4 * i, true);
      this.l = s;
      this.base = 0;
      return;
    }
    if (dtype === DTYPE_F16 && len === F16_RECORD_BYTES) {
      const t = halfTable();
      const s = this.scratch;
      let p = off + SOFT_LABEL_HEADER;
      for (let i = 0; i < SOFT_LABEL_WIDTH; i++, p += 2) s[i] = t[buf[p] | (buf[p + 1] << 8)];
      this.l = s;
      this.base = 0;
      return;
    }
    throw new Error(`soft label of ${len} bytes with dtype ${dtype} is not a float32 or float16 record of ${SOFT_LABEL_WIDTH} values`);
  }
}

/** The record's 55 logits as their own array (one-off reads). */
export function softLogits(blob: Uint8Array): Float32Array {
  const r = new LogitReader();
  r.read(blob, 0, blob.byteLength);
  return r.l.slice(r.base, r.base + SOFT_LABEL_WIDTH);
}

// ---------------------------------------------------------------------------------------------
// Logits → probabilities

export function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/** The logit at which sigmoid reaches `p`: `sigmoid(x) >= p` ⇔ `x >= logitOf(p)` (no exp per frame). */
export function logitOf(p: number): number {
  return p <= 0 ? -Infinity : p >= 1 ? Infinity : Math.log(p / (1 - p));
}

/** Softmax of `x[off … off + n)` into `out[at …]` (any indexable output); returns the sum of exponentials. */
export function softmaxInto(x: ArrayLike<number>, off: number, n: number, out: { [i: number]: number }, at = 0): number {
  let mx = -Infinity;
  for (let j = 0; j < n; j++) if (x[off + j] > mx) mx = x[off + j];
  let s = 0;
  for (let j = 0; j < n; j++) s += out[at + j] = Math.exp(x[off + j] - mx);
  for (let j = 0; j < n; j++) out[at + j] /= s;
  return s;
}

export function softmax(x: ArrayLike<number>, off = 0, n = x.length - off): number[] {
  const out = new Array<number>(n);
  softmaxInto(x, off, n, out, 0);
  return out;
}

/** Expectation over the VA bin centres of bin probabilities `p[at … at + 20)`. */
export function binExpectation(p: ArrayLike<number>, at = 0): number {
  let m = 0;
  for (let j = 0; j < VA_BINS; j++) m += p[at + j] * VA_BIN_CENTRES[j];
  return m;
}

/** Expectation over the bin centres of the softmax of the 20 bin logits at `l[from …]`, no array. */
function logitExpectation(l: ArrayLike<number>, from: number): number {
  let m = -Infinity;
  for (let i = 0; i < VA_BINS; i++) if (l[from + i] > m) m = l[from + i];
  let s = 0;
  let acc = 0;
  for (let i = 0; i < VA_BINS; i++) {
    const e = Math.exp(l[from + i] - m);
    s += e;
    acc += e * VA_BIN_CENTRES[i];
  }
  return acc / s;
}

/** Continuous VA value of 20 bin logits: the softmax expectation over the bin centres. */
export function vaFromBinLogits(logits: ArrayLike<number>, from = 0): number {
  return binExpectation(softmax(logits, from, VA_BINS));
}

// Single values of the record at `l[base …]` (the export's hot path: only what a row needs).
export const auProbability = (l: ArrayLike<number>, k: number, base = 0): number => sigmoid(l[base + AU0 + k]);
export const valenceOf = (l: ArrayLike<number>, base = 0): number => logitExpectation(l, base + V0);
export const arousalOf = (l: ArrayLike<number>, base = 0): number => logitExpectation(l, base + A0);

/** The most likely expression: argmax of the logits (softmax keeps the order). */
export function exprArgmax(l: ArrayLike<number>, base = 0): number {
  const b = base + EXPR0;
  let best = 0;
  for (let i = 1; i < NUM_EXPR; i++) if (l[b + i] > l[b + best]) best = i;
  return best;
}

export function exprProbabilities(l: ArrayLike<number>, base = 0, out: number[] = new Array<number>(NUM_EXPR)): number[] {
  softmaxInto(l, base + EXPR0, NUM_EXPR, out, 0);
  return out;
}

export interface SoftLabelProbabilities {
  au: number[];
  expr: number[];
  vBins: number[];
  aBins: number[];
  valence: number;
  arousal: number;
}

/** Probabilities of one record: AU sigmoid, EXPR softmax, V/A bin softmax and their expectation over the bin centres. */
export function softLabelProbabilities(rec: ArrayLike<number>, base = 0): SoftLabelProbabilities {
  const au = new Array<number>(NUM_AUS);
  for (let k = 0; k < NUM_AUS; k++) au[k] = sigmoid(rec[base + k]);
  const vBins = softmax(rec, base + V0, VA_BINS);
  const aBins = softmax(rec, base + A0, VA_BINS);
  return { au, expr: softmax(rec, base + EXPR0, NUM_EXPR), vBins, aBins, valence: binExpectation(vBins), arousal: binExpectation(aBins) };
}

/** Probabilities of many records as columns: [i * 8 + k] AU, [i * 7 + c] EXPR, per record V/A expectation and spread. */
export interface ProbabilityColumns {
  au: Float32Array;
  expr: Float32Array;
  v: Float32Array;
  a: Float32Array;
  vSd: Float32Array;
  aSd: Float32Array;
}

export function emptyProbabilityColumns(n: number, fill = NaN): ProbabilityColumns {
  return {
    au: new Float32Array(n * NUM_AUS).fill(fill),
    expr: new Float32Array(n * NUM_EXPR).fill(fill),
    v: new Float32Array(n).fill(fill),
    a: new Float32Array(n).fill(fill),
    vSd: new Float32Array(n).fill(fill),
    aSd: new Float32Array(n).fill(fill),
  };
}

const vb = new Float64Array(VA_BINS);
const ab = new Float64Array(VA_BINS);

/** softmaxInto for the columns' hot loop: monomorphic typed arrays. */
function softmaxTyped(x: Float32Array | ArrayLike<number>, off: number, n: number, out: Float32Array | Float64Array, at: number): void {
  let mx = -Infinity;
  for (let j = 0; j < n; j++) mx = Math.max(mx, x[off + j]);
  let s = 0;
  for (let j = 0; j < n; j++) s += out[at + j] = Math.exp(x[off + j] - mx);
  for (let j = 0; j < n; j++) out[at + j] /= s;
}

/** Row `i` of `out` from the record at `l[base …]` (no allocation). */
export function probabilitiesInto(l: ArrayLike<number>, base: number, out: ProbabilityColumns, i: number): void {
  const au = out.au;
  for (let k = 0; k < NUM_AUS; k++) au[i * NUM_AUS + k] = 1 / (1 + Math.exp(-l[base + k]));
  softmaxTyped(l, base + EXPR0, NUM_EXPR, out.expr, i * NUM_EXPR);
  softmaxTyped(l, base + V0, VA_BINS, vb, 0);
  softmaxTyped(l, base + A0, VA_BINS, ab, 0);
  let mv = 0;
  let ma = 0;
  for (let j = 0; j < VA_BINS; j++) {
    mv += vb[j] * VA_BIN_CENTRES[j];
    ma += ab[j] * VA_BIN_CENTRES[j];
  }
  let sv = 0;
  let sa = 0;
  for (let j = 0; j < VA_BINS; j++) {
    sv += vb[j] * (VA_BIN_CENTRES[j] - mv) ** 2;
    sa += ab[j] * (VA_BIN_CENTRES[j] - ma) ** 2;
  }
  out.v[i] = mv;
  out.vSd[i] = Math.sqrt(sv);
  out.a[i] = ma;
  out.aSd[i] = Math.sqrt(sa);
}

/** Records (n × 55 logits) → probability columns. */
export function probabilityColumns(records: Float32Array): ProbabilityColumns {
  const n = records.length / SOFT_LABEL_WIDTH;
  const out = emptyProbabilityColumns(n, 0);
  for (let i = 0; i < n; i++) probabilitiesInto(records, i * SOFT_LABEL_WIDTH, out, i);
  return out;
}

/** Per-record probabilities of many records: AU and EXPR as one array per record (the metrics' input), VA expectations as columns. */
export interface RecordProbabilities {
  au: number[][];
  expr: number[][];
  valence: Float32Array;
  arousal: Float32Array;
}

/** Records (n × 55 logits) → probabilities and VA expectations over the bin centres. */
export function recordProbabilities(records: Float32Array): RecordProbabilities {
  const n = records.length / SOFT_LABEL_WIDTH;
  const p: RecordProbabilities = { au: new Array<number[]>(n), expr: new Array<number[]>(n), valence: new Float32Array(n), arousal: new Float32Array(n) };
  for (let i = 0; i < n; i++) {
    const q = softLabelProbabilities(records, i * SOFT_LABEL_WIDTH);
    p.au[i] = q.au;
    p.expr[i] = q.expr;
    p.valence[i] = q.valence;
    p.arousal[i] = q.arousal;
  }
  return p;
}

// ---------------------------------------------------------------------------------------------
// Ensembles

/** The record's parts that are probability distributions (softmax): EXPR, valence bins, arousal bins. */
const SOFTMAX_GROUPS = [
  [EXPR0, NUM_EXPR],
  [V0, VA_BINS],
  [A0, VA_BINS],
] as const;

/** Adds the probabilities of the record at `rec[src …]` (AU sigmoid; EXPR, V, A softmax) into `sums[dst …]`. */
export function addProbabilities(rec: ArrayLike<number>, src: number, sums: Float32Array | Float64Array, dst: number): void {
  for (let k = 0; k < NUM_AUS; k++) sums[dst + k] += sigmoid(rec[src + k]);
  for (const [off, w] of SOFTMAX_GROUPS) {
    let mx = -Infinity;
    for (let k = 0; k < w; k++) mx = Math.max(mx, rec[src + off + k]);
    let z = 0;
    for (let k = 0; k < w; k++) z += Math.exp(rec[src + off + k] - mx);
    for (let k = 0; k < w; k++) sums[dst + off + k] += Math.exp(rec[src + off + k] - mx) / z;
  }
}

/**
 * The record of the mean of `count` records' probabilities summed at `sums[src …]` (addProbabilities):
 * AU logit of the mean probability, log of the mean elsewhere, so it reads like any model's record.
 */
export function meanProbabilityRecord(sums: ArrayLike<number>, src: number, count: number, out: Float32Array, dst: number): void {
  const eps = 1e-7;
  for (let k = 0; k < NUM_AUS; k++) {
    const p = Math.min(1 - eps, Math.max(eps, sums[src + k] / count));
    out[dst + k] = Math.log(p / (1 - p));
  }
  for (let k = NUM_AUS; k < SOFT_LABEL_WIDTH; k++) out[dst + k] = Math.log(Math.max(eps, sums[src + k] / count));
}

/** Mean probabilities of several models' records (each n × 55), re-expressed as a record per frame. */
export function ensembleRecords(members: Float32Array[]): Float32Array {
  const n = members[0].length / SOFT_LABEL_WIDTH;
  const out = new Float32Array(n * SOFT_LABEL_WIDTH);
  const sums = new Float64Array(SOFT_LABEL_WIDTH);
  for (let i = 0; i < n; i++) {
    const o = i * SOFT_LABEL_WIDTH;
    sums.fill(0);
    for (const m of members) addProbabilities(m, o, sums, 0);
    meanProbabilityRecord(sums, 0, members.length, out, o);
  }
  return out;
}
