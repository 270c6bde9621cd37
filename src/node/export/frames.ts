// The per-frame stream behind every export format: one query per media item, iterated row by row
// (`stmt.iterate()`, ordered by frame index), merged with the policy, never collected into arrays,
// so memory stays flat for millions of frames.
//
// Where the time goes (profiled on 1 M frames, see bench/export-speed.ts): crossing from SQLite into
// JavaScript, per row and per column, and above all one Buffer per soft-label BLOB (~1 µs each). So:
//  - a row (one per label of a frame) has 7 columns: one integer packing the frame index, its split
//    and the label's task / layer / accepted flag, the frame's path and subject, two values whose
//    meaning depends on the task (AU: mask and bits; EXPR: the class; VA: valence and arousal), the
//    accepted model id, and the frame id (16 columns, as before, cost the query ~30 % more);
//  - soft labels come 1,024 frames at a time as ONE blob, read in place (soft-chunks.ts, and the
//    codec's LogitReader, src/shared/softlabels.ts), instead of a Buffer per row; only what a row
//    needs is computed from the logits (AU gaps by comparing logits with logit(threshold): no exp);
//  - the label precedence and the AU projection are the label module's (src/node/labels/layers.ts);
//  - the frame object is reused: consumers must copy what they keep past their callback.
// Annotators (issue 15): the human row of `labels` is the resolved layer; its `merged_from` rides in
// the packed key and names the source when several annotators' labels made it (adjudicated,
// majority, mean). The annotators' own rows come from a second query iterated alongside
// (annotations.ts) only when the file shows them (wide, long) or the export resolves the label in
// force under another annotator policy than the project's (then with `resolve`, the one rule, and
// the human rows of `labels` are not read).
import { resolve, type Annotation } from '../../shared/annotators';
import { MODEL_AUS, NUM_AUS, type Task } from '../../shared/labels';
import { arousalOf, exprArgmax, exprProbabilities, LogitReader, logitOf, sigmoid, valenceOf } from '../../shared/softlabels';
import type { Db } from '../store/database';
import { auValue, IS_HUMAN_SQL, MODEL_AU_MASK } from '../labels/layers';
import { probValue } from './columns';
import { AnnotationCursor, toAnnotation, type ExportAnnotation } from './annotations';
import { humanSource, MERGED_SOURCES, modelSource, pickLayer, sourceKind } from './merge';
import { splitFilterSql, type ExportMedia, type ExportPlan } from './plan';
import { SoftChunks } from './soft-chunks';

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
  /**
   * The AU label as bit sets (bit n = AU n): `auMask` the AUs labelled, `auBits` the active ones;
   * numbers (exact: every AU below 53), bigint when a higher AU is labelled; null = no AU label.
   */
  auMask: number | bigint | null;
  auBits: number | bigint;
  auSource: string | null;
  expr: number | null;
  exprSource: string | null;
  valence: number | null;
  arousal: number | null;
  vaSource: string | null;
  /** The chosen model's outputs, when probabilities were asked for and the frame has a soft label. */
  probs: ModelProbabilities | null;
  /** The annotators' rows of the frame (wide and long layouts; else empty), in task, annotator, role order. */
  annotations: readonly ExportAnnotation[];
  /** Wide: the frame's imported labels (ground truth), in force or not; else left empty. */
  groundTruth: GroundTruth;
}

/** The imported layer's labels of a frame (null where it has none for the task). */
export interface GroundTruth {
  auMask: number | bigint | null;
  auBits: number | bigint;
  expr: number | null;
  valence: number | null;
  arousal: number | null;
}

/** Values of the AU columns `cols` (the label module's projection): -1 where the label does not cover the AU, else 0/1; null without an AU label. */
export function auValues(f: Pick<ExportFrame, 'auMask' | 'auBits'>, cols: readonly number[]): number[] | null {
  if (f.auMask === null) return null;
  return cols.map((n) => auValue(f.auMask!, f.auBits, n));
}

/** The stream yields null after this many frames read: the consumer's moment to report and check for cancel. */
export const TICK_EVERY = 4096;
const MODEL_MASK = Number(MODEL_AU_MASK);

// Positions in a row. `key` packs the frame index, its split, the resolved row's merged_from and the
// label row's code: idx × 256 + split × 64 + merged × 16 + code (one integer column instead of four:
// each column read costs).
const enum C { key, path, subject, v1, v2, model, id }
const TASK_MASK = 3; // 1 au, 2 expr, 3 va, 0 no label row
const HUMAN = 4;
const ACCEPTED = 8;
const MERGED_UNIT = 16; // merged: 0 none / single / latest / annotator, else 1 + index in MERGED_SOURCES
const SPLIT_UNIT = 64;
const IDX_UNIT = 256;

/**
 * One row per label of a frame (one row with code 0 for a frame without labels), frames in index order.
 * AU bit sets at or above 2^53 (an AU ≥ 53 labelled) come as -1 and are read again exactly (rare).
 * `importedOnly`: the human rows are left out (the export resolves them itself).
 */
function frameSql(splitSql: string, importedOnly: boolean): string {
  const exact = (col: string) => `CASE WHEN ${col} < 9007199254740992 THEN ${col} ELSE -1 END`;
  const merged = MERGED_SOURCES.map((m, i) => `WHEN '${m}' THEN ${(i + 1) * MERGED_UNIT}`).join(' ');
  return `SELECT f.idx * ${IDX_UNIT} + ${SPLIT_UNIT} * (CASE f.split WHEN 'train' THEN 0 WHEN 'val' THEN 1 ELSE 2 END)
        + (CASE l.merged_from ${merged} ELSE 0 END)
        + (CASE l.task WHEN 'au' THEN 1 WHEN 'expr' THEN 2 WHEN 'va' THEN 3 ELSE 0 END) + 4 * ifnull(${IS_HUMAN_SQL}, 0) + 8 * ifnull(l.provenance = 'accepted', 0),
      f.path, f.subject,
      CASE l.task WHEN 'au' THEN ${exact('l.au_mask')} WHEN 'expr' THEN l.expr ELSE l.valence END,
      CASE l.task WHEN 'au' THEN ${exact('l.au_bits')} ELSE l.arousal END,
      l.model_id, f.id
    FROM frames f LEFT JOIN labels l ON l.frame_id = f.id${importedOnly ? ` AND l.layer = 'imported'` : ''}
    WHERE f.media_id = @media${splitSql}
    ORDER BY f.idx`;
}

const SPLIT_NAMES = ['train', 'val', 'test'];

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

const codeOf = (r: Row): number => (r[C.key] as number) % MERGED_UNIT;
const mergedOf = (r: Row): number => ((r[C.key] as number) % SPLIT_UNIT - codeOf(r)) / MERGED_UNIT;
const TASK_CODE: Record<Task, number> = { au: 1, expr: 2, va: 3 };

function place(slots: Slots, r: Row): void {
  const code = codeOf(r);
  const human = (code & HUMAN) !== 0;
  switch (code & TASK_MASK) {
    case 1:
      if (human) slots.ha = r;
      else slots.ia = r;
      break;
    case 2:
      if (human) slots.he = r;
      else slots.ie = r;
      break;
    case 3:
      if (human) slots.hv = r;
      else slots.iv = r;
      break;
  }
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

class Merger {
  readonly f: ExportFrame;
  private readonly soft: SoftChunks | null;
  private readonly logits = new LogitReader();
  private readonly fill: boolean;
  private readonly fillSource: string;
  /** Per model AU: the bit to set and the logit at which it is active (p ≥ threshold ⇔ logit ≥ logit(threshold)). */
  private readonly auBit: number[];
  private readonly auCut: number[];
  private readonly accepted = new Map<number | null, string>();
  private readonly exactAu;
  /** The annotators' rows, read alongside when the layout shows them or the policy is resolved here. */
  private readonly cursor: AnnotationCursor | null;
  private readonly showAnnotations: boolean;
  /** Human rows made by resolving on the fly, one per task (reused). */
  private readonly resolved: Record<Task, Row> = { au: [], expr: [], va: [] };
  private readonly noAnnotations: readonly ExportAnnotation[] = [];
  private media!: ExportMedia;
  private ts: Buffer | null = null;

  constructor(
    db: Db,
    private readonly plan: ExportPlan,
    splitSql: string,
  ) {
    const { model } = plan;
    this.fill = plan.layers.has('model') && model !== null;
    this.fillSource = model ? modelSource(model.id) : '';
    this.soft = model ? new SoftChunks(db, model.id, splitSql) : null;
    this.auBit = MODEL_AUS.map((n) => 2 ** n);
    this.auCut = (model?.thresholds ?? []).map(logitOf);
    this.showAnnotations = plan.annotators !== 'none';
    this.cursor = this.showAnnotations || plan.resolveOnTheFly ? new AnnotationCursor(db, splitSql) : null;
    this.exactAu = db
      .prepare(`SELECT l.au_mask, l.au_bits FROM frames f JOIN labels l ON l.frame_id = f.id AND l.task = 'au' AND l.layer = ? WHERE f.media_id = ? AND f.idx = ?`)
      .raw(true)
      .safeIntegers(true);
    this.f = {
      dataset: '', media: '', mediaId: 0, frame: 0, file: null, timestamp: null, subject: null, split: '',
      auMask: null, auBits: 0, auSource: null, expr: null, exprSource: null, valence: null, arousal: null, vaSource: null, probs: null,
      annotations: this.noAnnotations,
      groundTruth: { auMask: null, auBits: 0, expr: null, valence: null, arousal: null },
    };
  }

  startMedia(m: ExportMedia, ts: Buffer | null): void {
    this.media = m;
    this.ts = ts;
    this.f.dataset = m.dataset;
    this.f.media = m.name;
    this.f.mediaId = m.id;
    this.soft?.startMedia(m.id);
    this.cursor?.startMedia(m.id);
  }

  close(): void {
    this.cursor?.close();
  }

  /**
   * The human slots of a frame resolved on the fly from its annotators' rows under the export's
   * annotator policy (the label module materialises the project's the same way): a label → a human
   * row as the query would give it; none or a tie → no human row (the imported label stays in force).
   */
  private resolveSlots(sl: Slots, rows: readonly ExportAnnotation[]): void {
    sl.ha = sl.he = sl.hv = null;
    if (rows.length === 0) return;
    const byTask: Record<Task, Annotation[]> = { au: [], expr: [], va: [] };
    for (const a of rows) byTask[a.task].push(toAnnotation(a));
    for (const task of ['au', 'expr', 'va'] as const) {
      if (!byTask[task].length) continue;
      const res = resolve(task, byTask[task], this.plan.annotatorPolicy);
      if (res.outcome !== 'label') continue;
      const v = res.values;
      const merged = (MERGED_SOURCES as readonly string[]).indexOf(res.mergedFrom) + 1;
      const r = this.resolved[task];
      r[C.key] = merged * MERGED_UNIT + TASK_CODE[task] + HUMAN + (res.provenance === 'accepted' ? ACCEPTED : 0);
      const num = (x: bigint | null) => (x === null ? null : x < 9007199254740992n ? Number(x) : x);
      if (task === 'au') {
        r[C.v1] = num(v.auMask === 0n ? null : v.auMask);
        r[C.v2] = num(v.auBits);
      } else if (task === 'expr') {
        r[C.v1] = v.expr;
        r[C.v2] = null;
      } else {
        r[C.v1] = v.valence;
        r[C.v2] = v.arousal;
      }
      r[C.model] = res.modelId;
      if (task === 'au') sl.ha = r;
      else if (task === 'expr') sl.he = r;
      else sl.hv = r;
    }
  }

  /** Human source strings repeat (`accepted:<id>`): built once each. */
  private humanSourceOf(r: Row): string {
    const merged = mergedOf(r);
    if (merged !== 0) return MERGED_SOURCES[merged - 1];
    if ((codeOf(r) & ACCEPTED) === 0) return 'human';
    const id = r[C.model] as number | null;
    let s = this.accepted.get(id);
    if (s === undefined) this.accepted.set(id, (s = humanSource('accepted', id)));
    return s;
  }

  /** Wide: the frame's imported rows as the ground-truth group shows them. */
  private setGroundTruth(sl: Slots, idx: number): void {
    const g = this.f.groundTruth;
    g.auMask = null;
    g.auBits = 0;
    if (sl.ia !== null && sl.ia[C.v1] !== null) this.setAu(sl.ia, idx, g);
    const ex = sl.ie !== null && sl.ie[C.v1] !== null;
    g.expr = ex ? (sl.ie![C.v1] as number) : null;
    const va = sl.iv !== null && sl.iv[C.v1] !== null && sl.iv[C.v2] !== null;
    g.valence = va ? (sl.iv![C.v1] as number) : null;
    g.arousal = va ? (sl.iv![C.v2] as number) : null;
  }

  private setAu(r: Row, idx: number, f: Pick<ExportFrame, 'auMask' | 'auBits'> = this.f): void {
    if (typeof r[C.v1] === 'bigint') {
      f.auMask = r[C.v1] as bigint;
      f.auBits = r[C.v2] as bigint;
    } else if ((r[C.v1] as number) >= 0) {
      f.auMask = r[C.v1] as number;
      f.auBits = r[C.v2] as number;
    } else {
      const layer = (codeOf(r) & HUMAN) !== 0 ? 'human' : 'imported';
      const [mask, bits] = this.exactAu.get(layer, this.media.id, idx) as [bigint, bigint];
      f.auMask = mask;
      f.auBits = bits;
    }
  }

  /** Merges one frame's label rows under the policy; false when a filter drops the frame. */
  merge(first: Row, sl: Slots): boolean {
    const { plan, f, fill } = this;
    const layers = plan.layers;
    const key = first[C.key] as number;
    const idx = (key - (key % IDX_UNIT)) / IDX_UNIT;
    if (this.cursor) {
      const rows = this.cursor.at(idx);
      if (plan.resolveOnTheFly) this.resolveSlots(sl, rows);
      f.annotations = this.showAnnotations ? rows : this.noAnnotations;
      // the long layout has a row per annotation: a frame nobody annotated has none
      if (plan.annotators === 'long' && rows.length === 0) return false;
    }
    const auPick = pickLayer(layers, sl.ia !== null, sl.ha !== null, sl.ha !== null && sl.ha[C.v1] !== null);
    const exPick = pickLayer(layers, sl.ie !== null && sl.ie[C.v1] !== null, sl.he !== null, sl.he !== null && sl.he[C.v1] !== null);
    const vaPick = pickLayer(
      layers,
      sl.iv !== null && sl.iv[C.v1] !== null && sl.iv[C.v2] !== null,
      sl.hv !== null,
      sl.hv !== null && sl.hv[C.v1] !== null && sl.hv[C.v2] !== null,
    );
    // Every frame's record is stepped over (the chunk is read in order); it is decoded only when a
    // gap is filled or probabilities are written.
    const hasSoft = this.soft !== null && this.soft.next(first[C.id] as number, idx, this.logits);
    const { l, base } = this.logits;

    // AU
    f.auMask = null;
    f.auBits = 0;
    f.auSource = null;
    if (auPick === 'human' || auPick === 'imported') {
      this.setAu((auPick === 'human' ? sl.ha : sl.ia)!, idx);
      f.auSource = auPick === 'human' ? this.humanSourceOf(sl.ha!) : 'imported';
    } else if (auPick === 'cleared') f.auSource = 'cleared';
    else if (fill && hasSoft) {
      let bits = 0;
      for (let k = 0; k < NUM_AUS; k++) if (l[base + k] >= this.auCut[k]) bits += this.auBit[k];
      f.auMask = MODEL_MASK;
      f.auBits = bits;
      f.auSource = this.fillSource;
    }

    // EXPR
    f.expr = null;
    f.exprSource = null;
    if (exPick === 'human' || exPick === 'imported') {
      const r = (exPick === 'human' ? sl.he : sl.ie)!;
      f.expr = r[C.v1] as number;
      f.exprSource = exPick === 'human' ? this.humanSourceOf(r) : 'imported';
    } else if (exPick === 'cleared') f.exprSource = 'cleared';
    else if (fill && hasSoft) {
      f.expr = exprArgmax(l, base);
      f.exprSource = this.fillSource;
    }

    // VA (valence and arousal are one task: both or neither)
    f.valence = null;
    f.arousal = null;
    f.vaSource = null;
    if (vaPick === 'human' || vaPick === 'imported') {
      const r = (vaPick === 'human' ? sl.hv : sl.iv)!;
      f.valence = r[C.v1] as number;
      f.arousal = r[C.v2] as number;
      f.vaSource = vaPick === 'human' ? this.humanSourceOf(r) : 'imported';
    } else if (vaPick === 'cleared') f.vaSource = 'cleared';
    else if (fill && hasSoft) {
      f.valence = probValue(valenceOf(l, base));
      f.arousal = probValue(arousalOf(l, base));
      f.vaSource = this.fillSource;
    }

    if (plan.labelledOnly && f.auMask === null && f.expr === null && f.valence === null) return false;
    const s = plan.sources;
    if (s && !((f.auSource && s.has(sourceKind(f.auSource))) || (f.exprSource && s.has(sourceKind(f.exprSource))) || (f.vaSource && s.has(sourceKind(f.vaSource))))) return false;
    const ts = this.ts;
    f.frame = idx;
    f.file = first[C.path] as string | null;
    f.timestamp = ts && idx * 8 + 8 <= ts.byteLength ? ts.readDoubleLE(idx * 8) : null;
    f.subject = first[C.subject] as string | null;
    f.split = SPLIT_NAMES[((key % IDX_UNIT) - (key % SPLIT_UNIT)) / SPLIT_UNIT];
    f.probs = plan.probabilities && hasSoft ? this.probabilities(l, base) : null;
    if (plan.annotators === 'wide') this.setGroundTruth(sl, idx);
    return true;
  }

  private probs: ModelProbabilities = { au: new Array<number>(NUM_AUS), expr: new Array<number>(7), valence: 0, arousal: 0 };

  private probabilities(l: Float32Array, base: number): ModelProbabilities {
    const p = this.probs;
    for (let k = 0; k < NUM_AUS; k++) p.au[k] = sigmoid(l[base + k]);
    exprProbabilities(l, base, p.expr);
    p.valence = valenceOf(l, base);
    p.arousal = arousalOf(l, base);
    return p;
  }
}

/**
 * Merged frames of the given media in order. `warnings` collects problems found on the way. The
 * generator holds one statement open per media item (other reads on `db` still work meanwhile,
 * writes do not). `counter.scanned` counts the frames read, including those the filters drop (for
 * progress against `plan.total`); every TICK_EVERY frames read the stream yields null instead of a
 * frame. The SAME frame object is yielded every time, updated in place.
 */
export function* exportFrames(
  db: Db,
  plan: ExportPlan,
  media: readonly ExportMedia[],
  warnings: string[],
  counter: { scanned: number } = { scanned: 0 },
): Generator<ExportFrame | null> {
  const splitSql = splitFilterSql(plan.splits);
  const stmt = db.prepare(frameSql(splitSql, plan.resolveOnTheFly)).raw(true);
  const merger = new Merger(db, plan, splitSql);
  try {
    yield* mergedFrames(stmt, merger, media, warnings, counter, db);
  } finally {
    merger.close();
  }
}

function* mergedFrames(
  stmt: ReturnType<Db['prepare']>,
  merger: Merger,
  media: readonly ExportMedia[],
  warnings: string[],
  counter: { scanned: number },
  db: Db,
): Generator<ExportFrame | null> {
  const slots: Slots = { ia: null, ha: null, ie: null, he: null, iv: null, hv: null };
  const clear = () => (slots.ia = slots.ha = slots.ie = slots.he = slots.iv = slots.hv = null);
  for (const m of media) {
    if (m.frames === 0) continue;
    merger.startMedia(m, timestampsOf(db, m.id, warnings, m.name));
    let first: Row | null = null;
    for (const r of stmt.iterate({ media: m.id }) as IterableIterator<Row>) {
      if (first !== null && r[C.id] !== first[C.id]) {
        if (merger.merge(first, slots)) yield merger.f;
        clear();
        if (++counter.scanned % TICK_EVERY === 0) yield null;
        first = null;
      }
      if (first === null) first = r;
      if ((codeOf(r) & TASK_MASK) !== 0) place(slots, r);
    }
    if (first !== null) {
      if (merger.merge(first, slots)) yield merger.f;
      clear();
      if (++counter.scanned % TICK_EVERY === 0) yield null;
    }
  }
}
