// Merged labels (this workbench's own export, CSV or JSON Lines, format v1): re-imports a file written
// by `affect-workbench export csv|jsonl` exactly, so labels can travel between projects or come back
// after being edited elsewhere. Read with the export's own reader (export/read-merged.ts).
//
// Each row is one frame: dataset / media / frame (+ file for image datasets, timestamp, subject,
// split) give the frame; each task's source says which layer its value goes to:
//   imported         → the imported layer (ground truth)
//   human            → the human layer, provenance human
//   accepted:<id>    → the human layer, provenance accepted, model_id <id> (NULL when the project has
//   accepted           no model <id>: ids are per project)
//   cleared          → a human row with NULL values (a human decided there is no label)
//   model:<id>       → not imported: a gap the exporting project filled from a model; counted in the
//                      summary's skipped['model-fill']
//   (empty)          → no label; a value without a source (a hand-made file) counts as imported.
// Datasets and media are found by name (the file's dataset column, or all rows into --dataset) and
// reused as they are (an existing video keeps its file, kind and probed timestamps); new media are
// label-only: kind 'images' when rows name image files, else 'sequence' (like Aff-Wild2 labels
// imported without --videos), with the file's timestamps when it has one for every frame.
//
// Re-import (idempotent; importing a project's own export back changes nothing): per frame and task,
//   - an imported value replaces the frame's imported label;
//   - no label, or a model fill, removes the imported label when the file's policy includes gt (the
//     file then says there is no ground truth there); other policies say nothing about it;
//   - a human row (human, accepted, cleared) goes to the importing annotator's layer (option
//     `annotator`, default the OS user; issue 15), only where it differs from the human label in
//     force; the imported label beneath it is left as it is (the file cannot show it).
// Human rows already in the project are never dropped by an import (counted in a warning where the
// file has an imported label there). Human rows are written through the label module's history
// writer (src/node/labels/human.ts), like a review edit: one undoable action per media item and
// annotator the import changes ("Import <file>"), a before/after history entry per changed (frame, task).
//
// Annotators (issue 15). Human labels go to an annotator's own layer (table `annotations`); the
// label module re-materialises the resolved human row of `labels` from the layers:
//   - a file without annotator columns: its human rows (human, accepted, cleared, and adjudicated /
//     majority / mean from a file exported with several annotators) go to the layer of --annotator
//     (default: the OS user);
//   - wide (`<annotator>:AU1`, `<annotator>:expression`, …, `<annotator>:va_source`; an adjudicator's
//     layer `<name>:adjudicator:…`): each layer's cells go to that annotator's layer with the cell's
//     source as provenance (human, accepted:<id>, trace, imported; cleared = a clearing; a value
//     without source = imported); the file's resolved human columns are NOT imported (they are made
//     from those layers: counted in a warning); its imported ones go to the imported layer as above,
//     unless the file has the ground-truth columns (`ground_truth:AU<n>`, `ground_truth:expression`,
//     `ground_truth:valence`, `ground_truth:arousal`, written by wide exports): then those set the
//     imported layer exactly (a value → that imported label; empty → none for that task), in force
//     or not, and the resolved columns say nothing about it (older files: as above);
//   - long (columns annotator, role, task, values, source, updated_at; one row per annotation, a
//     frame on as many rows as it has annotations): each row to its annotator's layer, with its time;
//     a second row for the same frame, annotator, role and task is an error naming both lines;
//   - per-annotator files: a FOLDER given as the source holds `<annotator>.csv` or `<annotator>.jsonl`
//     files (their `.json` sidecars beside them), each one annotator's merged export: every label of
//     the file (imported and human alike; model fills skipped) goes to the layer of the annotator the
//     file is named after; the imported layer is not touched. Anything else in the folder is an error.
import fs from 'node:fs';
import path from 'node:path';
import type { AnnotationProvenance, AnnotatorRole } from '../../shared/annotators';
import type { AnnotatorLayout } from '../../shared/export-options';
import { MAX_AU_NUMBER, SPLITS, type Task } from '../../shared/labels';
import { GROUND_TRUTH_KEY } from '../export/columns';
import { parseAnnotationSource, parseSource } from '../export/merge';
import {
  checkAnnotatorName,
  readMergedCsvItems,
  readMergedJsonlItems,
  sniffMergedFormat,
  type AnnotatorLabel,
  type GroundTruthLabels,
  type MergedHeader,
  type MergedItem,
  type MergedRecord,
} from '../export/read-merged';
import { MAX_FRAME_INDEX } from './cells';
import type { ImportContext } from './context';
import { fileError, inputError } from './errors';
import { isFile, storedPath } from './fsnames';
import type { MediaKind } from './writer';
import { defaultAnnotator } from '../labels/annotations';
import { HumanHistory, sameHuman } from '../labels/human';
import type { HumanRow as LabelHumanRow } from '../labels/rows';
import type { Db } from '../store/database';

/** Frame ids are reserved in blocks: one MAX(id) query per block instead of per frame (gaps are harmless). */
const ID_BLOCK = 1024;
/** The writer's frame batch (ImportWriter: BatchInsert of 256 rows). */
const FRAME_BATCH = 256;
/** Human rows wait in a list and go in after the writer's batches are flushed (their frames must exist first). */
const HUMAN_BATCH = 512;

/** An annotator's label as an importer has it: values (AU as mask and bits), provenance, layer, time (null = the import's). */
export interface LayerLabel {
  mask: number | bigint | null;
  bits: number | bigint | null;
  expr: number | null;
  valence: number | null;
  arousal: number | null;
  provenance: AnnotationProvenance;
  modelId: number | null;
  annotator: string;
  updatedAt: string | null;
}

/** A label waiting to go in: an annotator's label (LayerLabel) with its frame, task and role. */
interface HumanRow extends LayerLabel {
  frameId: number;
  mediaId: number;
  idx: number;
  /** The frame is new in this import: it has no human row yet. */
  fresh: boolean;
  task: Task;
  role: AnnotatorRole;
  /** A resolved human label of a file without annotator columns (into the --annotator layer), not an annotator's own. */
  resolved: boolean;
}

/** Where a row's labels go: its frame, its line, and the human tasks the frame had (null = a new frame). */
interface Where {
  frameId: number;
  mediaId: number;
  idx: number;
  line: number;
  humanBefore: string[] | null;
}

interface ExistingFrame {
  id: number;
  split: string;
  subject: string | null;
  path: string | null;
}

interface MediaState {
  id: number;
  name: string;
  kind: MediaKind;
  /** The media existed before this import (its frames may carry labels to replace). */
  existed: boolean;
  hadTimestamps: boolean;
  /** Source dataset name the media's rows came from (to refuse two datasets merged onto one name). */
  from: string;
  /** Frame indices seen in this file (duplicates are an error, but in the long layout): one byte per index. */
  seen: Uint8Array;
  /** Long layout: the frame of each index seen, and whether this import made it. */
  ids: Map<number, { frameId: number; fresh: boolean; humanBefore: string[] | null }>;
  /** The file's timestamp of each frame index (NaN where it has none). */
  timestamps: Float64Array;
  maxIdx: number;
}

function grow<T extends Uint8Array | Float64Array>(a: T, n: number, fill: number): T {
  if (n < a.length) return a;
  let len = Math.max(1024, a.length);
  while (len <= n) len *= 2;
  const b = new (a.constructor as { new (n: number): T })(len);
  b.set(a);
  if (fill !== 0) b.fill(fill, a.length);
  return b;
}

/** AU map → (mask, bits): plain numbers while every AU is below 53 (exact doubles), else bigint. */
function auBits(au: ReadonlyMap<number, 0 | 1>): { mask: number | bigint; bits: number | bigint } {
  let big = false;
  for (const n of au.keys()) if (n >= 53) big = true;
  if (big) {
    let mask = 0n;
    let bits = 0n;
    for (const [n, v] of au) {
      mask |= 1n << BigInt(n);
      if (v) bits |= 1n << BigInt(n);
    }
    return { mask, bits };
  }
  let mask = 0;
  let bits = 0;
  for (const [n, v] of au) {
    mask += 2 ** n;
    if (v) bits += 2 ** n;
  }
  return { mask, bits };
}


/** The row an import writes to an annotator's layer (HumanHistory.set's `next`). */
export function layerRow(r: LayerLabel, now: string): LabelHumanRow {
  const big = (x: number | bigint | null) => (x === null ? null : BigInt(x));
  return {
    auMask: big(r.mask),
    auBits: big(r.bits),
    expr: r.expr,
    valence: r.valence,
    arousal: r.arousal,
    provenance: r.provenance,
    modelId: r.modelId,
    author: r.annotator,
    updatedAt: r.updatedAt ?? now,
  };
}

/**
 * The import's undoable action ("Import <file>") of one media item, annotator and role, opened on
 * first use and kept in `actions` (the importer finishes them all after its last row).
 */
export function importAction(actions: Map<string, HumanHistory>, db: Db, shown: string, at: string, mediaId: number, annotator: string, role: AnnotatorRole): HumanHistory {
  const key = `${mediaId}\u0000${role}\u0000${annotator}`;
  let h = actions.get(key);
  if (!h) actions.set(key, (h = new HumanHistory(db, { name: `Import ${shown}`, mediaId, author: annotator, role, at })));
  return h;
}

class MergedImport {
  private readonly datasets = new Map<string, number>();
  private readonly media = new Map<string, MediaState>();
  /** The media whose existing frames are loaded (rows of one media item come together in an export). */
  private current: { state: MediaState; frames: Map<number, ExistingFrame> } | null = null;
  private readonly models = new Map<number, boolean>();
  private readonly human: HumanRow[] = [];
  /** The open history action of each media item with human rows changed by this import. */
  private readonly actions = new Map<string, HumanHistory>();
  /** Imported labels not yet written: (kind 0 au / 1 expr / 2 va, frame id, value, value) per label. */
  private readonly deferred: (number | bigint)[] = [];
  private newFrames = 0;
  private idNext = 0;
  private idEnd = 0;
  readonly counts = { human: 0, accepted: 0, cleared: 0, modelFill: 0, keptHuman: 0, annotations: 0, derived: 0 };
  /** The annotator layers the file wrote to (`<role>\u0000<name>`). */
  readonly layers = new Set<string>();
  /** The file's policy has the gt layer: an empty task means "no imported label" (set from the header). */
  private gt = true;
  /** The file's annotator layout (set from the header). */
  private layout: AnnotatorLayout = 'none';
  /** The file has the wide layout's ground-truth columns: they, not the resolved columns, set the imported layer. */
  private gtColumns = false;
  /** Long layout: the line of each (media, frame, annotator, role, task) read. */
  private readonly longKeys = new Map<string, number>();
  private readonly stmts;

  constructor(
    private readonly ctx: ImportContext,
    private readonly file: string,
    private readonly shown: string,
    /** The layer of human rows without an annotator column (--annotator). */
    private readonly annotator: string,
    /** A per-annotator file: every label of it goes to this annotator's layer. */
    private readonly own: string | null = null,
  ) {
    const db = ctx.w.db;
    this.stmts = {
      dataset: db.prepare('SELECT id FROM datasets WHERE name = ?').pluck(),
      newDataset: db.prepare(`INSERT INTO datasets(name, source_format, source_path, settings, created_at) VALUES (?, 'merged', ?, ?, ?)`),
      timestamps: db.prepare('SELECT timestamps IS NOT NULL FROM media WHERE id = ?').pluck(),
      frames: db.prepare('SELECT idx, id, split, subject, path FROM frames WHERE media_id = ?').raw(),
      updateFrame: db.prepare('UPDATE frames SET split = ?, subject = ?, path = ? WHERE id = ?'),
      clearImported: db.prepare(`DELETE FROM labels WHERE frame_id = ? AND task = ? AND layer = 'imported'`),
      humanTasks: db.prepare(`SELECT task FROM labels WHERE frame_id = ? AND layer = 'human'`).pluck(),
      model: db.prepare('SELECT 1 FROM models WHERE id = ?').pluck(),
      setTimestamps: db.prepare('UPDATE media SET timestamps = ? WHERE id = ?'),
      frameCount: db.prepare('SELECT frame_count FROM media WHERE id = ?').pluck(),
    };
  }

  /** The format line: the policy that made the file. */
  header(h: MergedHeader): void {
    this.gt = h.policy === '' || h.policy.split('+').includes('gt');
    this.layout = h.layout;
    // a per-annotator file says nothing about the imported layer
    this.gtColumns = h.groundTruth && this.own === null;
    if (this.own !== null && h.layout !== 'none') {
      throw fileError(this.shown, `is a per-annotator file (annotator "${this.own}", from its name): it holds one annotator's labels, so it must not have ${h.layout === 'long' ? 'the long layout' : 'annotator columns'}; import such a file on its own`);
    }
  }

  private datasetId(name: string, line: number): number {
    let id = this.datasets.get(name);
    if (id !== undefined) return id;
    if (name === '') throw inputError(this.shown, line, 'a dataset name', '');
    const { w, project } = this.ctx;
    id = this.stmts.dataset.get(name) as number | undefined;
    if (id === undefined) {
      const settings = { sources: [storedPath(project.dir, this.file)] };
      id = Number(this.stmts.newDataset.run(name, path.resolve(this.file), JSON.stringify(settings), w.now).lastInsertRowid);
    }
    this.datasets.set(name, id);
    if (!this.ctx.sum.s.datasetId) this.ctx.sum.s.datasetId = id;
    return id;
  }

  private mediaState(r: MergedRecord, line: number): MediaState {
    const { w, opts, project } = this.ctx;
    const target = opts.dataset ?? r.dataset;
    const key = `${target}\u0000${r.media}`;
    let st = this.media.get(key);
    if (st) {
      if (st.from !== r.dataset) {
        throw inputError(this.shown, line, `media "${r.media}" from one dataset only (--dataset ${target} would merge the media of that name from datasets "${st.from}" and "${r.dataset}")`, r.dataset);
      }
      return st;
    }
    if (r.media === '') throw inputError(this.shown, line, 'a media name', '');
    const datasetId = this.datasetId(target, line);
    const found = w.findMedia(datasetId, r.media);
    let id: number;
    let kind: MediaKind;
    if (found) {
      id = found.id;
      kind = found.kind;
      w.touch(id);
    } else {
      // label-only media: image rows relative to the file's folder, a frame sequence to the file itself
      kind = r.file !== null ? 'images' : 'sequence';
      id = w.upsertMedia(datasetId, r.media, kind, storedPath(project.dir, kind === 'images' ? path.dirname(this.file) : this.file));
    }
    st = {
      id,
      name: r.media,
      kind,
      existed: !!found,
      hadTimestamps: found ? this.stmts.timestamps.get(id) === 1 : false,
      from: r.dataset,
      seen: new Uint8Array(1024),
      ids: new Map(),
      timestamps: new Float64Array(1024).fill(NaN),
      maxIdx: -1,
    };
    this.media.set(key, st);
    return st;
  }

  private framesOf(st: MediaState): Map<number, ExistingFrame> {
    if (this.current?.state === st) return this.current.frames;
    const frames = new Map<number, ExistingFrame>();
    if (st.existed) {
      this.ctx.w.flush(); // frames of this media written earlier in the file must be visible
      for (const [idx, id, split, subject, p] of this.stmts.frames.all(st.id) as [number, number, string, string | null, string | null][]) {
        frames.set(idx, { id, split, subject, path: p });
      }
    }
    this.current = { state: st, frames };
    return frames;
  }

  private newFrameId(): number {
    if (this.idNext === this.idEnd) {
      this.idNext = this.ctx.w.allocIds(ID_BLOCK);
      this.idEnd = this.idNext + ID_BLOCK;
    }
    return this.idNext++;
  }

  private modelExists(id: number): boolean {
    let e = this.models.get(id);
    if (e === undefined) this.models.set(id, (e = this.stmts.model.get(id) === 1));
    return e;
  }

  /** One row of the file. */
  add({ record: r, line }: MergedItem): void {
    const { w, sum } = this.ctx;
    sum.s.rowsRead++;
    if (!(SPLITS as readonly string[]).includes(r.split)) throw inputError(this.shown, line, `a split ${SPLITS.join(', ')}`, r.split);
    if ((r.valence === null) !== (r.arousal === null)) throw inputError(this.shown, line, 'valence and arousal both given or both empty', `${r.valence ?? ''},${r.arousal ?? ''}`);
    for (const [name, v] of [['valence', r.valence], ['arousal', r.arousal]] as const) {
      if (v !== null && !(v >= -1 && v <= 1)) throw inputError(this.shown, line, `${name} in -1..1`, String(v));
    }
    if (r.au) for (const n of r.au.keys()) if (n < 1 || n > MAX_AU_NUMBER) throw inputError(this.shown, line, `AU numbers 1..${MAX_AU_NUMBER}`, `AU${n}`);

    const idx = r.frame;
    if (idx > MAX_FRAME_INDEX) throw inputError(this.shown, line, `a frame index up to ${MAX_FRAME_INDEX.toLocaleString('en-US')}`, String(idx));
    const st = this.mediaState(r, line);
    st.seen = grow(st.seen, idx, 0);
    const long = this.layout === 'long';
    if (st.seen[idx]) {
      if (!long) throw inputError(this.shown, line, `one row per frame (frame ${idx} of media "${r.media}" appears again)`);
      const f = st.ids.get(idx)!;
      for (const a of r.annotations) this.annotation({ frameId: f.frameId, mediaId: st.id, idx, line, humanBefore: f.humanBefore }, a, st.name);
      return;
    }
    st.seen[idx] = 1;
    st.timestamps = grow(st.timestamps, idx, NaN);
    if (r.timestamp !== null) st.timestamps[idx] = r.timestamp;
    if (idx > st.maxIdx) st.maxIdx = idx;

    // the frame
    const frames = this.framesOf(st);
    const old = frames.get(idx);
    let frameId: number;
    let humanBefore: string[] | null = null;
    if (old) {
      frameId = old.id;
      if (old.split !== r.split || old.subject !== r.subject || old.path !== r.file) this.stmts.updateFrame.run(r.split, r.subject, r.file, frameId);
      humanBefore = this.stmts.humanTasks.all(frameId) as string[];
    } else {
      frameId = this.newFrameId();
      w.insertFrame(frameId, st.id, idx, { path: r.file, subject: r.subject, split: r.split, face: 'unknown' });
    }

    // the labels, task by task
    const au = r.au ? auBits(r.au) : null;
    const at: Where = { frameId, mediaId: st.id, idx, line, humanBefore };
    if (long) st.ids.set(idx, { frameId, fresh: !old, humanBefore });
    else {
      const d = this.deferred;
      const values = {
        au: () => ({ mask: au!.mask, bits: au!.bits, expr: null, valence: null, arousal: null }),
        expr: () => ({ mask: null, bits: null, expr: r.expr, valence: null, arousal: null }),
        va: () => ({ mask: null, bits: null, expr: null, valence: r.valence, arousal: r.arousal }),
      };
      this.task(at, 'au', r.auSource, r.au !== null, values.au, () => d.push(0, frameId, au!.mask, au!.bits));
      this.task(at, 'expr', r.exprSource, r.expr !== null, values.expr, () => d.push(1, frameId, r.expr!, 0));
      this.task(at, 'va', r.vaSource, r.valence !== null, values.va, () => d.push(2, frameId, r.valence!, r.arousal!));
      if (this.gtColumns && r.groundTruth) this.groundTruth(at, r.groundTruth);
    }
    for (const a of r.annotations) this.annotation(at, a, st.name);
    if (!old && ++this.newFrames % FRAME_BATCH === 0) this.flushImported();
  }

  /** One annotator's label of the frame (a wide layer's cells or a long row) → that annotator's layer. */
  private annotation(at: Where, a: AnnotatorLabel, media: string): void {
    const { shown } = this;
    const line = a.line;
    const who = `annotator "${a.annotator}"${a.role === 'adjudicator' ? ' (adjudicator)' : ''}`;
    if (this.layout === 'long') {
      const key = `${at.mediaId}\u0000${at.idx}\u0000${a.role}\u0000${a.annotator}\u0000${a.task}`;
      const first = this.longKeys.get(key);
      if (first !== undefined) {
        throw inputError(shown, line, `one row per frame, annotator and task (frame ${at.idx} of media "${media}", ${who}, task ${a.task} is also at line ${first})`);
      }
      this.longKeys.set(key, line);
    }
    checkAnnotatorName(a.annotator, shown, line, 'an annotator column');
    if ((a.valence === null) !== (a.arousal === null)) throw inputError(shown, line, `valence and arousal both given or both empty (${who})`, `${a.valence ?? ''},${a.arousal ?? ''}`);
    for (const [name, v] of [['valence', a.valence], ['arousal', a.arousal]] as const) {
      if (v !== null && !(v >= -1 && v <= 1)) throw inputError(shown, line, `${name} in -1..1 (${who})`, String(v));
    }
    if (a.au) for (const n of a.au.keys()) if (n < 1 || n > MAX_AU_NUMBER) throw inputError(shown, line, `AU numbers 1..${MAX_AU_NUMBER} (${who})`, `AU${n}`);
    const hasValue = a.task === 'au' ? a.au !== null : a.task === 'expr' ? a.expr !== null : a.valence !== null;
    const src = a.source === null ? null : parseAnnotationSource(a.source);
    if (src?.provenance === 'cleared' && hasValue) throw inputError(shown, line, `no ${a.task.toUpperCase()} value where ${who}'s source is cleared`, a.source ?? '');
    if (src !== null && src.provenance !== 'cleared' && !hasValue) {
      throw inputError(shown, line, `the ${a.task.toUpperCase()} value of ${who} where its source is ${a.source} (a label without value is written "cleared")`, '');
    }
    const au = a.au ? auBits(a.au) : null;
    const provenance: AnnotationProvenance = src === null ? 'imported' : src.provenance === 'cleared' ? 'human' : src.provenance;
    const modelId = src?.provenance === 'accepted' && src.modelId !== null && this.modelExists(src.modelId) ? src.modelId : null;
    this.counts.annotations++;
    this.pushHuman({
      frameId: at.frameId,
      mediaId: at.mediaId,
      idx: at.idx,
      fresh: at.humanBefore === null,
      task: a.task,
      mask: au?.mask ?? null,
      bits: au?.bits ?? null,
      expr: a.task === 'expr' ? a.expr : null,
      valence: a.task === 'va' ? a.valence : null,
      arousal: a.task === 'va' ? a.arousal : null,
      provenance,
      modelId,
      annotator: a.annotator,
      role: a.role,
      updatedAt: a.updatedAt,
      resolved: false,
    });
  }

  /**
   * The ground-truth columns of a wide file set the frame's imported layer exactly: a value → that
   * imported label, an empty task → none.
   */
  private groundTruth(at: Where, g: GroundTruthLabels): void {
    const { shown } = this;
    const { frameId, line, humanBefore } = at;
    const gt = `${GROUND_TRUTH_KEY}:`;
    if ((g.valence === null) !== (g.arousal === null)) throw inputError(shown, line, `${gt}valence and ${gt}arousal both given or both empty`, `${g.valence ?? ''},${g.arousal ?? ''}`);
    for (const [name, v] of [['valence', g.valence], ['arousal', g.arousal]] as const) {
      if (v !== null && !(v >= -1 && v <= 1)) throw inputError(shown, line, `${gt}${name} in -1..1`, String(v));
    }
    if (g.au) for (const n of g.au.keys()) if (n < 1 || n > MAX_AU_NUMBER) throw inputError(shown, line, `AU numbers 1..${MAX_AU_NUMBER}`, `${gt}AU${n}`);
    const d = this.deferred;
    const au = g.au ? auBits(g.au) : null;
    for (const [task, has] of [['au', au !== null], ['expr', g.expr !== null], ['va', g.valence !== null]] as const) {
      if (humanBefore) {
        this.stmts.clearImported.run(frameId, task);
        if (has && humanBefore.includes(task)) this.counts.keptHuman++;
      }
    }
    if (au) d.push(0, frameId, au.mask, au.bits);
    if (g.expr !== null) d.push(1, frameId, g.expr, 0);
    if (g.valence !== null) d.push(2, frameId, g.valence, g.arousal!);
  }

  /**
   * Imported labels wait until FRAME_BATCH new frames have gone in: the writer inserts frames in
   * batches of that size but writes a pending partial batch row by row before any label (labels
   * reference frames), which per row would cost more than the rest of the import.
   */
  private flushImported(): void {
    const { w } = this.ctx;
    const d = this.deferred;
    for (let i = 0; i < d.length; i += 4) {
      const [kind, frameId, a, b] = [d[i] as number, d[i + 1] as number, d[i + 2], d[i + 3]];
      if (kind === 0) w.addAu(frameId, a, b);
      else if (kind === 1) w.addExpr(frameId, a as number);
      else w.addVa(frameId, a as number, b as number);
    }
    d.length = 0;
  }

  private task(
    at: Where,
    task: Task,
    source: string | null,
    hasValue: boolean,
    values: () => Pick<HumanRow, 'mask' | 'bits' | 'expr' | 'valence' | 'arousal'>,
    imported: () => void,
  ): void {
    const { frameId, line, humanBefore } = at;
    const layer = { annotator: this.own ?? this.annotator, role: 'annotator' as const, updatedAt: null, resolved: this.own === null };
    const where = { frameId, mediaId: at.mediaId, idx: at.idx, fresh: humanBefore === null, task, ...layer };
    const col = `${task}_source`;
    const s = source === null ? null : parseSource(source);
    const kind = s?.kind ?? (hasValue ? 'imported' : null);
    if (kind === null || kind === 'model') {
      if (kind === 'model') this.counts.modelFill++;
      // a per-annotator file says nothing about the imported layer; ground-truth columns say it themselves
      if (humanBefore && this.gt && this.own === null && !this.gtColumns) this.stmts.clearImported.run(frameId, task);
      return;
    }
    if (kind === 'cleared') {
      if (hasValue) throw inputError(this.shown, line, `no ${task.toUpperCase()} value where ${col} is cleared`, source ?? '');
      if (this.layout === 'wide') {
        this.counts.derived++;
        return;
      }
      this.counts.cleared++;
      this.pushHuman({ ...where, mask: null, bits: null, expr: null, valence: null, arousal: null, provenance: 'human', modelId: null });
      return;
    }
    if (!hasValue) throw inputError(this.shown, line, `the ${task.toUpperCase()} value where ${col} is ${source} (a label without value is written "cleared")`, '');
    if (kind === 'imported' && this.own !== null) {
      // a per-annotator file's ground-truth-like label: that annotator's, provenance imported
      this.counts.annotations++;
      this.pushHuman({ ...where, ...values(), provenance: 'imported', modelId: null });
      return;
    }
    if (kind !== 'imported' && this.layout === 'wide') {
      // the resolved label: made again from the annotator columns
      this.counts.derived++;
      return;
    }
    if (kind === 'imported' && this.gtColumns) return; // the ground-truth columns hold it (groundTruth)
    if (kind === 'imported') {
      if (humanBefore) {
        this.stmts.clearImported.run(frameId, task);
        if (humanBefore.includes(task)) this.counts.keptHuman++;
      }
      imported();
      return;
    }
    const modelId = kind === 'accepted' && s!.modelId !== null && this.modelExists(s!.modelId) ? s!.modelId : null;
    if (kind === 'accepted') this.counts.accepted++;
    else this.counts.human++;
    this.pushHuman({ ...where, ...values(), provenance: kind === 'accepted' ? 'accepted' : 'human', modelId });
  }

  private pushHuman(r: HumanRow): void {
    this.human.push(r);
    if (this.human.length >= HUMAN_BATCH) this.flushHuman();
  }

  flushHuman(): void {
    if (this.human.length === 0) return;
    this.ctx.w.flush(); // their frames first (foreign key)
    const now = this.ctx.w.now;
    for (const r of this.human) {
      const h = importAction(this.actions, this.ctx.w.db, this.shown, now, r.mediaId, r.annotator, r.role);
      if (!r.resolved) this.layers.add(`${r.role}\u0000${r.annotator}`);
      const next = layerRow(r, now);
      // a file's resolved human labels (no annotator columns): one already in force is not written
      // again (re-import changes nothing); an annotator's own label always goes to their layer
      if (r.resolved && !r.fresh && sameHuman(h.resolved(r.frameId, r.task), next)) continue;
      h.set(r.frameId, r.idx, r.task, next, r.fresh ? null : undefined);
    }
    this.human.length = 0;
  }

  datasetNames(): string[] {
    return [...this.datasets.keys()];
  }

  /** After the last row: pending human rows (and their history actions), frame counts, timestamps. */
  finish(): void {
    this.flushImported();
    this.flushHuman();
    for (const h of this.actions.values()) h.finish();
    this.actions.clear();
    const { w, sum } = this.ctx;
    for (const st of this.media.values()) {
      if (st.kind === 'images') w.setFrameCount(st.id);
      else w.setFrameCount(st.id, Math.max(st.maxIdx + 1, (this.stmts.frameCount.get(st.id) as number) ?? 0));
      if (st.hadTimestamps || st.maxIdx < 0) continue;
      const ts = st.timestamps.subarray(0, st.maxIdx + 1);
      const known = ts.reduce((n, t) => n + (Number.isNaN(t) ? 0 : 1), 0);
      if (known === ts.length) this.stmts.setTimestamps.run(Buffer.from(ts.buffer, ts.byteOffset, ts.byteLength), st.id);
      else if (known > 0) {
        sum.warn(`${this.shown}: media "${st.name}" has timestamps for ${known} of its ${ts.length} frames; none were stored (a media item stores one for every frame)`, 'partial-timestamps');
      }
    }
    this.current = null;
  }
}

/** The files of a per-annotator folder: `<annotator>.csv` / `<annotator>.jsonl` (sidecars `<file>.json` and hidden files aside), by name. */
export function perAnnotatorFiles(folder: string): { file: string; annotator: string; shown: string }[] {
  const shownFolder = path.basename(folder);
  const names = fs.readdirSync(folder).filter((n) => !n.startsWith('.')).sort();
  const files = names.filter((n) => /\.(csv|jsonl)$/i.test(n));
  const other = names.filter((n) => !files.includes(n) && !(n.endsWith('.json') && files.includes(n.slice(0, -'.json'.length))));
  if (other.length) {
    throw fileError(shownFolder, `is a per-annotator folder: it may hold only <annotator>.csv or <annotator>.jsonl files (and their .json sidecars), not ${other.slice(0, 3).map((n) => JSON.stringify(n)).join(', ')}${other.length > 3 ? ` and ${other.length - 3} more` : ''}`);
  }
  if (!files.length) throw fileError(shownFolder, 'is a per-annotator folder without files: put one merged export per annotator in it, named <annotator>.csv or <annotator>.jsonl');
  const seen = new Map<string, string>();
  return files.map((n) => {
    const shown = `${shownFolder}/${n}`;
    const annotator = checkAnnotatorName(n.replace(/\.(csv|jsonl)$/i, ''), shown, 1, `the file name ${JSON.stringify(n)} (a per-annotator file is named after its annotator)`);
    const twin = seen.get(annotator);
    if (twin) throw fileError(shown, `names annotator "${annotator}" like ${twin}: one file per annotator`);
    seen.set(annotator, shown);
    return { file: path.join(folder, n), annotator, shown };
  });
}

export async function importMerged(ctx: ImportContext, sources: string[]): Promise<void> {
  const { sum, opts } = ctx;
  const ignored = (['manifest', 'videos', 'frames', 'images', 'downsample', 'auThreshold', 'detectFaces'] as const).filter((k) => opts[k] !== undefined);
  if (ignored.length) sum.warn(`merged: option${ignored.length > 1 ? 's' : ''} ${ignored.join(', ')} do not apply to merged labels; ignored`);
  const annotator = opts.annotator ?? defaultAnnotator();
  const names: string[] = [];
  const totals = { human: 0, accepted: 0, cleared: 0, modelFill: 0, keptHuman: 0, annotations: 0, derived: 0 };
  const layers = new Set<string>();
  const inputs = sources.flatMap((src) => {
    if (fs.existsSync(src) && fs.statSync(src).isDirectory()) return perAnnotatorFiles(src).map((f) => ({ ...f, own: f.annotator as string | null }));
    if (!isFile(src)) throw fileError(src, 'is not a file (expected a merged-labels CSV or JSON Lines export, or a folder of per-annotator exports <annotator>.csv)');
    return [{ file: src, annotator, shown: path.basename(src), own: null as string | null }];
  });
  for (const { file, shown, own } of inputs) {
    const format = sniffMergedFormat(file, shown);
    const imp = new MergedImport(ctx, file, shown, annotator, own);
    const size = Math.max(1, fs.statSync(file).size);
    const onHeader = (h: MergedHeader) => imp.header(h);
    const items = format === 'csv' ? readMergedCsvItems(file, onHeader, shown) : readMergedJsonlItems(file, onHeader, shown);
    for await (const item of items) {
      imp.add(item);
      await ctx.progress(Math.min(item.bytes, size), size, 'labels');
    }
    imp.finish();
    for (const k of Object.keys(totals) as (keyof typeof totals)[]) totals[k] += imp.counts[k];
    for (const l of imp.layers) layers.add(l);
    for (const name of imp.datasetNames()) if (!names.includes(name)) names.push(name);
  }
  sum.s.dataset = names.join(', ') || ctx.datasetName;
  if (totals.modelFill) sum.skip('model-fill', totals.modelFill, `${totals.modelFill} task labels were gaps filled from a model (source model:<id>); they are not labels and were not imported`);
  if (totals.human + totals.accepted + totals.cleared) {
    sum.warn(`human layer: ${totals.human} corrections, ${totals.accepted} accepted model labels, ${totals.cleared} cleared labels`);
  }
  if (totals.annotations) {
    const who = [...layers]
      .map((l) => l.split('\u0000'))
      .sort(([ra, a], [, b]) => (a < b ? -1 : a > b ? 1 : ra === 'annotator' ? -1 : 1))
      .map(([role, name]) => (role === 'adjudicator' ? `${name} (adjudicator)` : name));
    sum.warn(`annotator layers: ${totals.annotations} labels of ${who.length} annotator layer${who.length === 1 ? '' : 's'} (${who.join(', ')})`);
  }
  if (totals.derived) {
    sum.warn(`${totals.derived} resolved human labels of the file were not imported: the project makes them again from the annotator columns under its annotator policy`, 'derived');
  }
  if (totals.keptHuman) {
    sum.warn(`${totals.keptHuman} imported labels of the file are overridden by human labels already in the project (kept)`, 'kept-human');
  }
}
