// Reading a model's soft-label record on the export's hot path. Same maths as
// `softLabelProbabilities` (db/softlabels.ts) but computing only what a row needs, without
// intermediate arrays: that function costs ~5 µs a record, which alone would cap an export of
// millions of frames far below its target. Tests check both agree.
//
// Every function reads the 55 logits at `l[base] … l[base + 54]`, so a float32 record is read in
// place: a Float32Array over a whole chunk of records (see frames.ts: records come 1,024 frames to
// a blob) and the record's index, with no copy and no object per frame. float16 records (and float32
// ones that are not 4-byte aligned) are decoded into a scratch array, float16 through a 64 K table.
import os from 'node:os';
import { NUM_AUS, NUM_EXPR, SOFT_LABEL_WIDTH, VA_BINS, VA_BIN_CENTRES } from '../../shared/labels';
import { SOFT_LABEL_VERSION } from '../store/softlabels';

const LITTLE_ENDIAN = os.endianness() === 'LE';
const HEADER = 4;
const V0 = NUM_AUS + NUM_EXPR;
const A0 = V0 + VA_BINS;
const F32_BYTES = HEADER + 4 * SOFT_LABEL_WIDTH;
const F16_BYTES = HEADER + 2 * SOFT_LABEL_WIDTH;

let halfTable: Float32Array | null = null;

/** float16 bit pattern → value, for all 65,536 patterns (256 KiB, built on first use). */
function halves(): Float32Array {
  if (halfTable) return halfTable;
  const t = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >> 10) & 0x1f;
    const mant = h & 0x3ff;
    t[h] = exp === 0 ? sign * 2 ** -14 * (mant / 1024) : exp === 31 ? (mant ? NaN : sign * Infinity) : sign * 2 ** (exp - 15) * (1 + mant / 1024);
  }
  return (halfTable = t);
}

/** Where one record's logits are: `at.l[at.base …]`. One instance per stream, reused for every frame. */
export class LogitReader {
  l: Float32Array = new Float32Array(SOFT_LABEL_WIDTH);
  base = 0;
  private readonly scratch = new Float32Array(SOFT_LABEL_WIDTH);
  private chunk: Buffer | null = null;
  private view: Float32Array | null = null;
  private viewStart = 0;

  /**
   * Points at the record `buf[off, off + len)`. `buf` is usually the same chunk for many calls: its
   * float32 view is made once per chunk.
   */
  read(buf: Buffer, off: number, len: number): void {
    if (buf[off] !== SOFT_LABEL_VERSION) throw new Error(`unknown soft-label format version ${buf[off]} (this build reads ${SOFT_LABEL_VERSION})`);
    const dtype = buf[off + 1];
    const n = buf[off + 2] | (buf[off + 3] << 8);
    if (n !== SOFT_LABEL_WIDTH) throw new Error(`soft label has ${n} values, expected ${SOFT_LABEL_WIDTH}`);
    if (dtype === 1 && len === F32_BYTES) {
      if (LITTLE_ENDIAN && (buf.byteOffset + off + HEADER) % 4 === 0) {
        if (this.chunk !== buf) {
          this.chunk = buf;
          const start = buf.byteOffset % 4 === 0 ? buf.byteOffset : buf.byteOffset + 4 - (buf.byteOffset % 4);
          this.view = new Float32Array(buf.buffer, start, Math.floor((buf.byteOffset + buf.byteLength - start) / 4));
          this.viewStart = start;
        }
        this.l = this.view!;
        this.base = (buf.byteOffset + off + HEADER - this.viewStart) / 4;
        return;
      }
      const s = this.scratch;
      for (let i = 0; i < SOFT_LABEL_WIDTH; i++) s[i] = buf.readFloatLE(off + HEADER + 4 * i);
      this.l = s;
      this.base = 0;
      return;
    }
    if (dtype === 2 && len === F16_BYTES) {
      const t = halves();
      const s = this.scratch;
      let p = off + HEADER;
      for (let i = 0; i < SOFT_LABEL_WIDTH; i++, p += 2) s[i] = t[buf[p] | (buf[p + 1] << 8)];
      this.l = s;
      this.base = 0;
      return;
    }
    throw new Error(`soft label of ${len} bytes with dtype ${dtype} is not a float32 or float16 record of ${SOFT_LABEL_WIDTH} values`);
  }
}

/** The record's 55 logits as their own array (tests, one-off reads). */
export function softLogits(blob: Buffer): Float32Array {
  const r = new LogitReader();
  r.read(blob, 0, blob.byteLength);
  return r.l.slice(r.base, r.base + SOFT_LABEL_WIDTH);
}

export function auProbability(logits: Float32Array, k: number, base = 0): number {
  return 1 / (1 + Math.exp(-logits[base + k]));
}

/** The logit at which sigmoid reaches `p`: `sigmoid(x) >= p` ⇔ `x >= logitOf(p)`, with no exp per frame. */
export function logitOf(p: number): number {
  return p <= 0 ? -Infinity : p >= 1 ? Infinity : Math.log(p / (1 - p));
}

/** The most likely expression: argmax of the logits (softmax keeps the order). */
export function exprArgmax(logits: Float32Array, base = 0): number {
  const b = base + NUM_AUS;
  let best = 0;
  for (let i = 1; i < NUM_EXPR; i++) if (logits[b + i] > logits[b + best]) best = i;
  return best;
}

export function exprProbabilities(logits: Float32Array, base = 0, out: number[] = new Array<number>(NUM_EXPR)): number[] {
  const b = base + NUM_AUS;
  let m = -Infinity;
  for (let i = 0; i < NUM_EXPR; i++) m = Math.max(m, logits[b + i]);
  let s = 0;
  for (let i = 0; i < NUM_EXPR; i++) s += out[i] = Math.exp(logits[b + i] - m);
  for (let i = 0; i < NUM_EXPR; i++) out[i] /= s;
  return out;
}

/** Expectation over the bin centres of the softmax of 20 bin logits starting at `from`. */
function expectation(logits: Float32Array, from: number): number {
  let m = -Infinity;
  for (let i = 0; i < VA_BINS; i++) if (logits[from + i] > m) m = logits[from + i];
  let s = 0;
  let acc = 0;
  for (let i = 0; i < VA_BINS; i++) {
    const e = Math.exp(logits[from + i] - m);
    s += e;
    acc += e * VA_BIN_CENTRES[i];
  }
  return acc / s;
}

export const valenceOf = (logits: Float32Array, base = 0): number => expectation(logits, base + V0);
export const arousalOf = (logits: Float32Array, base = 0): number => expectation(logits, base + A0);
