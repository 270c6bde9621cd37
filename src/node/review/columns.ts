// A media item's labels and one model's outputs as typed columns indexed by frame index: what the
// timeline overview and the work queues scan. Loading is one query each (AU bit sets are reduced
// to the 8 model AUs inside SQL so no BigInt crosses into JS); after an edit only the edited range
// is re-read. The precedence rule and the AU projection are the label module's (labels/layers.ts),
// the logits → probabilities maths the codec's (shared/softlabels.ts).
import { NUM_AUS, NUM_EXPR } from '../../shared/labels';
import { FACE_STATES } from '../../shared/review-contract';
import { emptyProbabilityColumns, LogitReader, probabilitiesInto, type ProbabilityColumns } from '../../shared/softlabels';
import type { Db } from '../store/database';
import { IS_HUMAN_SQL, modelAusInto, modelBits, takesSlot } from '../labels/layers';

export const FACE_CODE: Record<string, number> = Object.fromEntries(FACE_STATES.map((f, i) => [f, i]));
export const HUMAN_BIT = { au: 1, expr: 2, va: 4 } as const;

export interface LabelColumns {
  n: number;
  present: Uint8Array;
  /** Index into FACE_STATES. */
  face: Uint8Array;
  /** [frame * 8 + k]: 1 / 0 / -1 unlabelled, for the 8 model AUs. */
  au: Int8Array;
  expr: Int8Array;
  v: Float32Array;
  a: Float32Array;
  /** HUMAN_BIT flags: the task's value comes from the human layer (set, accepted or cleared). */
  human: Uint8Array;
}

/** Per frame: `has` a model output, and its probabilities (the codec's columns, NaN where none). */
export interface ModelColumns extends ProbabilityColumns {
  n: number;
  has: Uint8Array;
}

export function emptyLabelColumns(n: number): LabelColumns {
  return {
    n,
    present: new Uint8Array(n),
    face: new Uint8Array(n),
    au: new Int8Array(n * NUM_AUS).fill(-1),
    expr: new Int8Array(n).fill(-1),
    v: new Float32Array(n).fill(NaN),
    a: new Float32Array(n).fill(NaN),
    human: new Uint8Array(n),
  };
}

export function mediaFrameCount(db: Db, mediaId: number): number {
  const r = db.prepare('SELECT MAX(idx) FROM frames WHERE media_id = ?').pluck().get(mediaId) as number | null;
  return r === null ? 0 : r + 1;
}

const FACE_SQL = `CASE face WHEN 'ok' THEN 1 WHEN 'none' THEN 2 WHEN 'unusable' THEN 3 ELSE 0 END`;
const RANGE = `FROM frames f JOIN labels l ON l.frame_id = f.id WHERE f.media_id = ? AND f.idx BETWEEN ? AND ?`;
const HUMAN = IS_HUMAN_SQL;
// Each label row as ONE integer (no per-row arrays: a 50,000-frame media item has ~100,000 label
// rows and allocating them dominated the load). AU: idx·2^18 | human·2^17 | unlabelled·2^16 |
// mask8·2^8 | bits8; EXPR: idx·16 | human·8 | class (7 = none). VA needs its two reals.
const AU_SQL = `SELECT f.idx * 262144 + ${HUMAN} * 131072 + (l.au_mask IS NULL) * 65536 + ((${modelBits('COALESCE(l.au_mask, 0)')}) << 8) + (${modelBits('COALESCE(l.au_bits, 0)')}) ${RANGE} AND l.task = 'au'`;
const EXPR_SQL = `SELECT f.idx * 16 + ${HUMAN} * 8 + COALESCE(l.expr, 7) ${RANGE} AND l.task = 'expr'`;
const VA_SQL = `SELECT f.idx * 2 + ${HUMAN}, l.valence, l.arousal ${RANGE} AND l.task = 'va'`;

/**
 * Fills frames [from, to] of `c` from the database (resetting them first). Rows come in any order:
 * a human row always wins (also when it clears), an imported row only counts where no human row is.
 */
export function loadLabelRange(db: Db, mediaId: number, c: LabelColumns, from: number, to: number): void {
  const hi = Math.min(to, c.n - 1);
  if (hi < from) return;
  c.present.fill(0, from, hi + 1);
  c.face.fill(0, from, hi + 1);
  c.au.fill(-1, from * NUM_AUS, (hi + 1) * NUM_AUS);
  c.expr.fill(-1, from, hi + 1);
  c.v.fill(NaN, from, hi + 1);
  c.a.fill(NaN, from, hi + 1);
  c.human.fill(0, from, hi + 1);
  for (const x of db.prepare(`SELECT idx * 4 + ${FACE_SQL} FROM frames WHERE media_id = ? AND idx BETWEEN ? AND ?`).pluck().all(mediaId, from, hi) as number[]) {
    const idx = Math.floor(x / 4);
    c.present[idx] = 1;
    c.face[idx] = x % 4;
  }
  for (const x of db.prepare(AU_SQL).pluck().all(mediaId, from, hi) as number[]) {
    const idx = Math.floor(x / 262144);
    const r = x % 262144;
    const human = r >= 131072;
    if (!takesSlot(human, (c.human[idx] & HUMAN_BIT.au) !== 0)) continue;
    if (human) c.human[idx] |= HUMAN_BIT.au;
    const noMask = (r >> 16) & 1;
    modelAusInto(noMask ? 0 : (r >> 8) & 255, r & 255, c.au, idx * NUM_AUS);
  }
  for (const x of db.prepare(EXPR_SQL).pluck().all(mediaId, from, hi) as number[]) {
    const idx = Math.floor(x / 16);
    const human = (x & 8) !== 0;
    if (!takesSlot(human, (c.human[idx] & HUMAN_BIT.expr) !== 0)) continue;
    if (human) c.human[idx] |= HUMAN_BIT.expr;
    c.expr[idx] = (x & 7) === 7 ? -1 : x & 7;
  }
  for (const [x, v, a] of db.prepare(VA_SQL).raw().all(mediaId, from, hi) as [number, number | null, number | null][]) {
    const idx = Math.floor(x / 2);
    const human = (x & 1) !== 0;
    if (!takesSlot(human, (c.human[idx] & HUMAN_BIT.va) !== 0)) continue;
    if (human) c.human[idx] |= HUMAN_BIT.va;
    c.v[idx] = v === null || a === null ? NaN : v;
    c.a[idx] = v === null || a === null ? NaN : a;
  }
}

export function loadLabelColumns(db: Db, mediaId: number): LabelColumns {
  const c = emptyLabelColumns(mediaFrameCount(db, mediaId));
  if (c.n) loadLabelRange(db, mediaId, c, 0, c.n - 1);
  return c;
}

/** Fills model columns of frame `i` from one soft-label record (logits at `rec[base …]`). */
export function putModelRecord(m: ModelColumns, i: number, rec: ArrayLike<number>, base = 0): void {
  m.has[i] = 1;
  probabilitiesInto(rec, base, m, i);
}

function emptyModelColumns(n: number): ModelColumns {
  return { n, has: new Uint8Array(n), ...emptyProbabilityColumns(n) };
}

/** Layout of review_model_cache.data: per frame 8 AU, 7 EXPR, v, a, vSd, aSd as float32 (NaN v = no output). */
export const MODEL_CACHE_VERSION = 1;
const STRIDE = NUM_AUS + NUM_EXPR + 4;

function packColumns(m: ModelColumns): Buffer {
  const out = new Float32Array(m.n * STRIDE);
  for (let i = 0; i < m.n; i++) {
    const o = i * STRIDE;
    out.set(m.au.subarray(i * NUM_AUS, (i + 1) * NUM_AUS), o);
    out.set(m.expr.subarray(i * NUM_EXPR, (i + 1) * NUM_EXPR), o + NUM_AUS);
    out[o + 15] = m.has[i] ? m.v[i] : NaN;
    out[o + 16] = m.a[i];
    out[o + 17] = m.vSd[i];
    out[o + 18] = m.aSd[i];
  }
  return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
}

function unpackColumns(n: number, data: Buffer): ModelColumns {
  const m = emptyModelColumns(n);
  const f = new Float32Array(n * STRIDE);
  new Uint8Array(f.buffer).set(data);
  for (let i = 0; i < n; i++) {
    const o = i * STRIDE;
    if (Number.isNaN(f[o + 15])) continue;
    m.has[i] = 1;
    m.au.set(f.subarray(o, o + NUM_AUS), i * NUM_AUS);
    m.expr.set(f.subarray(o + NUM_AUS, o + NUM_AUS + NUM_EXPR), i * NUM_EXPR);
    m.v[i] = f[o + 15];
    m.a[i] = f[o + 16];
    m.vSd[i] = f[o + 17];
    m.aSd[i] = f[o + 18];
  }
  return m;
}

/** Decodes every soft label of a model for a media item (the slow path: ~55 exp() per frame). */
export function computeModelColumns(db: Db, mediaId: number, modelId: number, n: number): ModelColumns {
  const m = emptyModelColumns(n);
  const rows = db
    .prepare('SELECT f.idx, s.data FROM frames f JOIN soft_labels s ON s.model_id = ? AND s.frame_id = f.id WHERE f.media_id = ?')
    .raw()
    .all(modelId, mediaId) as [number, Buffer][];
  // float32 records are read in place (no copy, no array per frame); others decoded into a scratch array
  const r = new LogitReader();
  for (const [idx, data] of rows) {
    if (idx >= n) continue;
    r.readOne(data);
    putModelRecord(m, idx, r.l, r.base);
  }
  return m;
}

/** Model columns from review_model_cache when it is current, else computed and stored there. */
export function loadModelColumns(db: Db, mediaId: number, modelId: number, n: number): ModelColumns {
  const hit = db.prepare('SELECT frames, version, data FROM review_model_cache WHERE model_id = ? AND media_id = ?').get(modelId, mediaId) as
    | { frames: number; version: number; data: Buffer }
    | undefined;
  if (hit && hit.frames === n && hit.version === MODEL_CACHE_VERSION && hit.data.byteLength === n * STRIDE * 4) return unpackColumns(n, hit.data);
  const m = computeModelColumns(db, mediaId, modelId, n);
  db.prepare('INSERT OR REPLACE INTO review_model_cache(model_id, media_id, frames, version, data) VALUES (?, ?, ?, ?, ?)').run(modelId, mediaId, n, MODEL_CACHE_VERSION, packColumns(m));
  return m;
}
