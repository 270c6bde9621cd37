// The per-frame stream behind every export format: one query per media item, iterated row by row
// (`stmt.iterate()`, ordered by frame index), merged with the policy, never collected into arrays,
// so memory stays flat for millions of frames.
//
// AU bit sets hold bits up to 62, past JavaScript's exact integers; the query splits them into a
// high and a low 31-bit half so rows can be read as plain numbers (no BigInt per row).
import { NUM_AUS } from '../../shared/labels';
import type { Db } from '../db/database';
import { humanSource, modelAuPositions, modelSource, pickLayer, sourceKind, type Pick } from './merge';
import { arousalOf, auProbability, exprArgmax, exprProbabilities, softLogits, valenceOf } from './model-outputs';
import { splitFilterSql, type ExportMedia, type ExportPlan } from './plan';

export interface ModelProbabilities {
  au: number[];
  expr: number[];
  valence: number;
  arousal: number;
}

/** One exported frame after the merge. Sources are null where the task has no final label. */
export interface ExportFrame {
  dataset: string;
  media: string;
  mediaId: number;
  frame: number;
  /** Image file of the frame (sequences, image datasets), null for video frames. */
  file: string | null;
  timestamp: number | null;
  subject: string | null;
  split: string;
  /** One entry per AU column of the stream: -1 unlabelled, 0, 1; null when the frame has no AU label. */
  au: number[] | null;
  auSource: string | null;
  expr: number | null;
  exprSource: string | null;
  valence: number | null;
  arousal: number | null;
  vaSource: string | null;
  /** The chosen model's outputs, when probabilities were asked for and the frame has a soft label. */
  probs: ModelProbabilities | null;
}

/** The stream yields null after this many frames read: the consumer's moment to report and check for cancel. */
export const TICK_EVERY = 4096;

// Column positions of the raw rows below: the frame, then one label row (all NULL when none).
const enum C {
  idx, path, subject, split, soft,
  task, layer, mHi, mLo, bHi, bLo, expr, valence, arousal, prov, model,
}

/**
 * One row per label of a frame (one row of NULLs for a frame without labels), frames in index order.
 * One join with a range scan of the labels primary key costs ~25 % less than six lookups per frame
 * (one per task and layer), and the database is most of an export's time.
 */
function frameSql(withModel: boolean, splitSql: string): string {
  const half = (col: string) => `${col} >> 31, ${col} & 2147483647`;
  // Small integers instead of the repeated TEXT values: each TEXT cell costs a new JS string per row.
  return `SELECT f.idx, f.path, f.subject, ${SPLIT_CODE}, ${withModel ? 's.data' : 'NULL'},
      ${TASK_CODE}, l.layer = 'human', ${half('l.au_mask')}, ${half('l.au_bits')}, l.expr, l.valence, l.arousal, l.provenance = 'accepted', l.model_id
    FROM frames f
    ${withModel ? 'LEFT JOIN soft_labels s ON s.model_id = @model AND s.frame_id = f.id' : ''}
    LEFT JOIN labels l ON l.frame_id = f.id
    WHERE f.media_id = @media${splitSql}
    ORDER BY f.idx`;
}

const SPLIT_CODE = `CASE f.split WHEN 'train' THEN 0 WHEN 'val' THEN 1 ELSE 2 END`;
const SPLIT_NAMES = ['train', 'val', 'test'];
const TASK_CODE = `CASE l.task WHEN 'au' THEN 0 WHEN 'expr' THEN 1 WHEN 'va' THEN 2 END`;

type Row = unknown[];
/** The label rows of the frame being assembled, by task and layer. */
interface Slots {
  ia: Row | null;
  ha: Row | null;
  ie: Row | null;
  he: Row | null;
  iv: Row | null;
  hv: Row | null;
}

function place(slots: Slots, r: Row): void {
  const human = r[C.layer] === 1;
  switch (r[C.task]) {
    case 0:
      if (human) slots.ha = r;
      else slots.ia = r;
      break;
    case 1:
      if (human) slots.he = r;
      else slots.ie = r;
      break;
    case 2:
      if (human) slots.hv = r;
      else slots.iv = r;
      break;
  }
}

function probabilities(logits: Float32Array | null): ModelProbabilities | null {
  if (!logits) return null;
  const au: number[] = [];
  for (let k = 0; k < NUM_AUS; k++) au.push(auProbability(logits, k));
  return { au, expr: exprProbabilities(logits), valence: valenceOf(logits), arousal: arousalOf(logits) };
}

/** Values of the AU columns from a (hi, lo) split bit set; -1 where the mask does not cover the AU. */
function auValues(cols: readonly number[], mHi: number, mLo: number, bHi: number, bLo: number): number[] {
  const out = new Array<number>(cols.length);
  for (let i = 0; i < cols.length; i++) {
    const n = cols[i];
    const inMask = n < 31 ? (mLo >>> n) & 1 : (mHi >>> (n - 31)) & 1;
    const on = n < 31 ? (bLo >>> n) & 1 : (bHi >>> (n - 31)) & 1;
    out[i] = inMask ? on : -1;
  }
  return out;
}

/** Timestamp reader of one media item: the stored Float64 LE array, or null (image datasets, unknown). */
function timestampsOf(db: Db, mediaId: number, warnings: string[], mediaName: string): Buffer | null {
  const blob = db.prepare('SELECT timestamps FROM media WHERE id = ?').pluck().get(mediaId) as Buffer | null;
  if (!blob) return null;
  if (blob.byteLength % 8 !== 0) {
    warnings.push(`Media ${mediaName}: timestamps blob of ${blob.byteLength} bytes is not a Float64 array; timestamps left empty.`);
    return null;
  }
  return blob;
}

interface Ctx {
  plan: ExportPlan;
  aus: readonly number[];
  modelPos: number[];
  fill: boolean;
  fillSource: string;
  thresholds: readonly number[];
}

/** Human source strings repeat (`accepted:<id>`): built once each. */
const acceptedSources = new Map<number | null, string>();
function humanSourceOf(r: Row): string {
  if (r[C.prov] !== 1) return humanSource('human', null);
  const id = r[C.model] as number | null;
  let s = acceptedSources.get(id);
  if (s === undefined) acceptedSources.set(id, (s = humanSource('accepted', id)));
  return s;
}

/** Merges one frame's label rows under the policy; null when a filter drops the frame. */
function mergeFrame(ctx: Ctx, m: ExportMedia, ts: Buffer | null, first: Row, sl: Slots): ExportFrame | null {
  const { plan, aus, fill } = ctx;
  const layers = plan.layers;
  const idx = first[C.idx] as number;
  const auPick: Pick = pickLayer(layers, sl.ia !== null, sl.ha !== null, sl.ha !== null && sl.ha[C.mHi] !== null);
  const exPick = pickLayer(layers, sl.ie !== null && sl.ie[C.expr] !== null, sl.he !== null, sl.he !== null && sl.he[C.expr] !== null);
  const vaPick = pickLayer(
    layers,
    sl.iv !== null && sl.iv[C.valence] !== null && sl.iv[C.arousal] !== null,
    sl.hv !== null,
    sl.hv !== null && sl.hv[C.valence] !== null && sl.hv[C.arousal] !== null,
  );
  // The soft label is decoded only when a gap is filled or probabilities are written.
  const soft = first[C.soft] as Buffer | null;
  const logits = soft && (plan.probabilities || (fill && (auPick === 'gap' || exPick === 'gap' || vaPick === 'gap'))) ? softLogits(soft) : null;

  // AU
  let au: number[] | null = null;
  let auSource: string | null = null;
  if (auPick === 'human' || auPick === 'imported') {
    const r = (auPick === 'human' ? sl.ha : sl.ia)!;
    au = auValues(aus, r[C.mHi] as number, r[C.mLo] as number, r[C.bHi] as number, r[C.bLo] as number);
    auSource = auPick === 'human' ? humanSourceOf(r) : 'imported';
  } else if (auPick === 'cleared') auSource = 'cleared';
  else if (fill && logits) {
    // active when p >= the AU's threshold, as in the metrics
    au = new Array<number>(aus.length).fill(-1);
    for (let k = 0; k < NUM_AUS; k++) au[ctx.modelPos[k]] = auProbability(logits, k) >= ctx.thresholds[k] ? 1 : 0;
    auSource = ctx.fillSource;
  }

  // EXPR
  let expr: number | null = null;
  let exprSource: string | null = null;
  if (exPick === 'human' || exPick === 'imported') {
    const r = (exPick === 'human' ? sl.he : sl.ie)!;
    expr = r[C.expr] as number;
    exprSource = exPick === 'human' ? humanSourceOf(r) : 'imported';
  } else if (exPick === 'cleared') exprSource = 'cleared';
  else if (fill && logits) {
    expr = exprArgmax(logits);
    exprSource = ctx.fillSource;
  }

  // VA (valence and arousal are one task: both or neither)
  let valence: number | null = null;
  let arousal: number | null = null;
  let vaSource: string | null = null;
  if (vaPick === 'human' || vaPick === 'imported') {
    const r = (vaPick === 'human' ? sl.hv : sl.iv)!;
    valence = r[C.valence] as number;
    arousal = r[C.arousal] as number;
    vaSource = vaPick === 'human' ? humanSourceOf(r) : 'imported';
  } else if (vaPick === 'cleared') vaSource = 'cleared';
  else if (fill && logits) {
    valence = valenceOf(logits);
    arousal = arousalOf(logits);
    vaSource = ctx.fillSource;
  }

  if (plan.labelledOnly && au === null && expr === null && valence === null) return null;
  const s = plan.sources;
  if (s && !((auSource && s.has(sourceKind(auSource))) || (exprSource && s.has(sourceKind(exprSource))) || (vaSource && s.has(sourceKind(vaSource))))) return null;
  return {
    dataset: m.dataset,
    media: m.name,
    mediaId: m.id,
    frame: idx,
    file: first[C.path] as string | null,
    timestamp: ts && idx * 8 + 8 <= ts.byteLength ? ts.readDoubleLE(idx * 8) : null,
    subject: first[C.subject] as string | null,
    split: SPLIT_NAMES[first[C.split] as number],
    au,
    auSource,
    expr,
    exprSource,
    valence,
    arousal,
    vaSource,
    probs: plan.probabilities ? probabilities(logits) : null,
  };
}

/**
 * Merged frames of the given media in order, with AU values aligned to `aus`. `warnings` collects
 * problems found on the way. The generator holds one statement open per media item (other reads
 * on `db` still work meanwhile, writes do not). `counter.scanned` counts the frames read,
 * including those the filters drop (for progress against `plan.total`); every TICK_EVERY frames
 * read the stream yields null instead of a frame.
 */
export function* exportFrames(
  db: Db,
  plan: ExportPlan,
  media: readonly ExportMedia[],
  aus: readonly number[],
  warnings: string[],
  counter: { scanned: number } = { scanned: 0 },
): Generator<ExportFrame | null> {
  const { model } = plan;
  const stmt = db.prepare(frameSql(model !== null, splitFilterSql(plan.splits))).raw(true);
  const ctx: Ctx = {
    plan,
    aus,
    modelPos: modelAuPositions(aus),
    fill: plan.layers.has('model') && model !== null,
    fillSource: model ? modelSource(model.id) : '',
    thresholds: model?.thresholds ?? [],
  };
  const slots: Slots = { ia: null, ha: null, ie: null, he: null, iv: null, hv: null };
  const clear = () => (slots.ia = slots.ha = slots.ie = slots.he = slots.iv = slots.hv = null);
  for (const m of media) {
    if (m.frames === 0) continue;
    const ts = timestampsOf(db, m.id, warnings, m.name);
    const params: Record<string, number> = model ? { media: m.id, model: model.id } : { media: m.id };
    let first: Row | null = null;
    for (const r of stmt.iterate(params) as IterableIterator<Row>) {
      if (first !== null && r[C.idx] !== first[C.idx]) {
        const f = mergeFrame(ctx, m, ts, first, slots);
        clear();
        if (f) yield f;
        if (++counter.scanned % TICK_EVERY === 0) yield null;
        first = null;
      }
      if (first === null) first = r;
      if (r[C.task] !== null) place(slots, r);
    }
    if (first !== null) {
      const f = mergeFrame(ctx, m, ts, first, slots);
      clear();
      if (f) yield f;
      if (++counter.scanned % TICK_EVERY === 0) yield null;
    }
  }
}
