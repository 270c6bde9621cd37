// Generic CSV manifest, so any dataset can come in:
//   path,subject,split,AU1,AU2,AU4,AU6,AU12,AU15,AU20,AU25,expression,valence,arousal,annotator
// Only `path` is required; any AU<n> columns may appear. A blank cell means "no label for that
// task" (so do Aff-Wild2's -1 for AU / expression and -5 for valence / arousal). expression is an
// Aff-Wild2 name (or alias: happy, angry, …) or index 0–6; valence and arousal in [-1, 1], both or
// neither; split train | val | test (aliases validation, …), blank = --split or train. Relative
// paths resolve against the CSV's folder. Lines starting with '#' are comments (a merged-labels
// export opens with one; quote a path that starts with '#'). Images are face crops (112×112 into
// the crop cache) unless --detect-faces. Parsed as a stream (csv-parse); one media item (kind 'images') per CSV file.
// Cells follow cells.ts: spaces and tabs around a cell are ignored; numbers are decimal; a cell holds
// at most MAX_CELL_CHARS characters and no NUL; a record at most MAX_LINE_CHARS.
// Annotators (issue 15): an optional `annotator` column. A row with a blank annotator cell (or a
// file without the column) is ground truth: its labels go to the imported layer. A row naming an
// annotator (the contract's AnnotatorName rule) puts its labels (a blank task cell: none from that
// annotator) into that annotator's own layer (`annotations`, provenance imported) through the label
// module's history writer: one undoable action "Import <file>" per media item and annotator; the
// resolved human labels follow from the layers under the project's annotator policy. Several rows
// may name the same image (the same face labelled by several people): they share ONE frame, the one
// of the first row with that path (its subject and split); the same (image, annotator) twice, or the
// same image twice without annotator, is an error naming both lines. Re-import writes a layer's
// label only where it changed and never removes an annotator's label.
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse';
import { AnnotatorName } from '../../shared/annotators-contract';
import { auBit, parseExpression, type Task } from '../../shared/labels';
import { AppError } from '../../shared/result';
import type { HumanHistory } from '../labels/human';
import { checkCell, lineTooLong, MAX_LINE_CHARS, parseDecimal, trimCell } from './cells';
import type { ImportContext } from './context';
import { fileError, inputError } from './errors';
import { isFile, relPath, storedPath } from './fsnames';
import { ImageRowWriter, type ImageRow } from './image-rows';
import { importAction, layerRow, type LayerLabel } from './merged';
import { parseSplit } from './split';

interface Columns {
  path: number;
  subject: number;
  split: number;
  expression: number;
  valence: number;
  arousal: number;
  annotator: number;
  aus: { col: number; au: number }[];
  width: number;
  /** The header's names, for messages. */
  names: string[];
}

export function csvColumns(header: string[], shown: string, warn: (m: string) => void): Columns {
  const c: Columns = { path: -1, subject: -1, split: -1, expression: -1, valence: -1, arousal: -1, annotator: -1, aus: [], width: header.length, names: header.map(trimCell) };
  const seen = new Set<string>();
  header.forEach((raw, i) => {
    checkCell(raw, shown, 1, 'a column name');
    const h = trimCell(raw).toLowerCase();
    if (seen.has(h)) throw inputError(shown, 1, 'a header with distinct column names', raw);
    seen.add(h);
    const au = /^au0*(\d{1,2})$/.exec(h);
    if (au) {
      const n = Number(au[1]);
      try {
        auBit(n);
      } catch {
        throw inputError(shown, 1, 'AU columns AU1..AU62', raw);
      }
      c.aus.push({ col: i, au: n });
    } else if (h === 'path' || h === 'file' || h === 'image') c.path = i;
    else if (h === 'subject') c.subject = i;
    else if (h === 'split') c.split = i;
    else if (h === 'expression' || h === 'expr') c.expression = i;
    else if (h === 'valence') c.valence = i;
    else if (h === 'arousal') c.arousal = i;
    else if (h === 'annotator') c.annotator = i;
    else warn(`${shown}: column "${raw}" is not known; ignored`);
  });
  if (c.path < 0) throw inputError(shown, 1, 'a header line with a "path" column (path,subject,split,AU1,…,expression,valence,arousal)', header.join(','));
  if ((c.valence < 0) !== (c.arousal < 0)) throw inputError(shown, 1, 'both valence and arousal columns, or neither', header.join(','));
  return c;
}

/** Parses the label cells of one record; throws naming the line and column. */
export function csvLabels(rec: string[], c: Columns, shown: string, line: number): Pick<ImageRow, 'au' | 'expr' | 'va'> {
  const out: Pick<ImageRow, 'au' | 'expr' | 'va'> = {};
  if (c.aus.length) {
    const big = c.aus.some((a) => a.au >= 53);
    let mask: number | bigint = big ? 0n : 0;
    let bits: number | bigint = big ? 0n : 0;
    for (const { col, au } of c.aus) {
      const v = trimCell(rec[col]);
      if (v === '' || v === '-1') continue;
      if (v !== '0' && v !== '1') throw inputError(shown, line, `AU${au} as 0, 1 or blank`, v);
      const b = big ? auBit(au) : 2 ** au;
      mask = big ? (mask as bigint) | (b as bigint) : (mask as number) + (b as number);
      if (v === '1') bits = big ? (bits as bigint) | (b as bigint) : (bits as number) + (b as number);
    }
    if (mask !== 0 && mask !== 0n) out.au = { mask, bits };
  }
  if (c.expression >= 0) {
    const v = trimCell(rec[c.expression]);
    if (v !== '' && v !== '-1') {
      const e = parseExpression(v);
      if (e === null) throw inputError(shown, line, 'an expression name (Neutral, Anger, Disgust, Fear, Happiness, Sadness, Surprise) or index 0..6', v);
      out.expr = e;
    }
  }
  if (c.valence >= 0) {
    const vs = trimCell(rec[c.valence]);
    const as = trimCell(rec[c.arousal]);
    const none = (s: string) => s === '' || s === '-5';
    if (none(vs) !== none(as)) throw inputError(shown, line, 'valence and arousal both given or both blank', `${vs},${as}`);
    if (!none(vs)) {
      const v = parseDecimal(vs);
      const a = parseDecimal(as);
      for (const [name, x, s] of [['valence', v, vs], ['arousal', a, as]] as const) {
        if (x === null || x < -1 || x > 1) throw inputError(shown, line, `${name} as a decimal number in -1..1`, s);
      }
      out.va = [v!, a!];
    }
  }
  return out;
}

type Labels = Pick<ImageRow, 'au' | 'expr' | 'va'>;

/** A row's annotator: '' (blank cell, or no column) = ground truth; else a name by the contract's AnnotatorName rule. */
function annotatorOf(rec: string[], c: Columns, shown: string, line: number): string {
  if (c.annotator < 0) return '';
  const cell = trimCell(rec[c.annotator]);
  if (cell === '') return '';
  const r = AnnotatorName.safeParse(cell);
  if (!r.success) throw inputError(shown, line, `an annotator name of 1 to 120 characters without control characters (${r.error.issues[0].message})`, cell);
  return r.data;
}

/** A row that labels a frame another row of the file made: ground truth ('') or an annotator's labels. */
interface LaterLabels {
  path: string;
  annotator: string;
  labels: Labels;
}

/**
 * Writes the rows waiting for their frame, once the media's frames are in (called without an await
 * since the writer opened its transaction): annotators' labels to their layers (one action per
 * annotator, finished here), then ground truth to the imported layer (whose writes may end a staged chunk).
 */
function writeLater(ctx: ImportContext, rows: ImageRowWriter, later: LaterLabels[], mediaId: number, shown: string): void {
  const { w } = ctx;
  const actions = new Map<string, HumanHistory>();
  w.flush(); // the frames first (foreign key)
  for (const l of later) {
    const f = rows.frameOf(l.path);
    if (!f || l.annotator === '') continue; // its image was skipped (--skip-missing); ground truth below
    const { au, expr, va } = l.labels;
    const none: LayerLabel = { mask: null, bits: null, expr: null, valence: null, arousal: null, provenance: 'imported', modelId: null, annotator: l.annotator, updatedAt: null };
    const tasks: [Task, LayerLabel][] = [];
    if (au) tasks.push(['au', { ...none, mask: au.mask, bits: au.bits }]);
    if (expr !== undefined) tasks.push(['expr', { ...none, expr }]);
    if (va) tasks.push(['va', { ...none, valence: va[0], arousal: va[1] }]);
    if (!tasks.length) continue;
    const h = importAction(actions, w.db, shown, w.now, mediaId, l.annotator, 'annotator');
    for (const [task, label] of tasks) h.set(f.frameId, f.idx, task, layerRow(label, w.now));
  }
  for (const h of actions.values()) h.finish();
  for (const l of later) {
    const f = rows.frameOf(l.path);
    if (!f || l.annotator !== '') continue;
    const { au, expr, va } = l.labels;
    if (au) w.addAu(f.frameId, au.mask, au.bits);
    if (expr !== undefined) w.addExpr(f.frameId, expr);
    if (va) w.addVa(f.frameId, va[0], va[1]);
  }
}

export async function importCsv(ctx: ImportContext, sources: string[]): Promise<void> {
  const { w, sum, opts, project } = ctx;
  let datasetId = 0;
  for (const file of sources) {
    if (!isFile(file)) throw fileError(file, 'is not a file (expected a CSV manifest)');
    const base = path.dirname(file);
    const shown = path.basename(file);
    datasetId = w.dataset(ctx.datasetName, 'csv', sources[0], { crop: { size: 112, format: 'jpeg', faces: opts.detectFaces ? 'detected' : 'whole image' }, sources });
    sum.s.datasetId = datasetId;
    const mediaId = w.upsertMedia(datasetId, path.basename(file).replace(/\.[^.]*$/, ''), 'images', storedPath(project.dir, base));
    const mf = w.frames(mediaId, { split: opts.split ?? 'train' });
    for (const t of ['au', 'expr', 'va'] as const) w.clearImported(mediaId, t);
    const total = Math.max(1, Math.round(fs.statSync(file).size / 40)); // rows, estimated for the progress bar
    const rows = new ImageRowWriter(ctx, mf, total);
    /** Per image path: the line of its row of each annotator ('' = ground truth); the first row makes the frame. */
    const byImage = new Map<string, Map<string, number>>();
    const later: LaterLabels[] = [];

    const parser = fs.createReadStream(file).pipe(parse({
        bom: true,
        relax_column_count: true,
        skip_empty_lines: true,
        info: true,
        raw: true,
        // `#` opens a comment line (a merged export's format line); a '#' inside a field is data
        comment: '#',
        comment_no_infix: true,
        max_record_size: MAX_LINE_CHARS,
      }));
    let cols: Columns | null = null;
    try {
      for await (const item of parser as AsyncIterable<{ record: string[]; info: { lines: number }; raw: string }>) {
        const line = item.info.lines;
        const rec = item.record;
        if (!cols) {
          cols = csvColumns(rec, shown, (m) => sum.warn(m, 'unknown-column'));
          continue;
        }
        if (rec.length !== cols.width) throw inputError(shown, line, `${cols.width} columns like the header`, item.raw.replace(/\r?\n$/, ''));
        for (let i = 0; i < rec.length; i++) checkCell(rec[i], shown, line, `a ${cols.names[i]} cell`);
        sum.s.rowsRead++;
        const p = trimCell(rec[cols.path]);
        if (p === '') throw inputError(shown, line, 'an image path', '');
        if (p.includes('\uFFFD')) throw inputError(shown, line, 'an image path in valid UTF-8 (rename the file and fix the manifest)', p);
        const abs = path.resolve(base, p);
        const labels = csvLabels(rec, cols, shown, line);
        const splitCell = cols.split >= 0 ? trimCell(rec[cols.split]) : '';
        const split = splitCell === '' ? (opts.split ?? 'train') : parseSplit(splitCell);
        if (!split) throw inputError(shown, line, 'a split train, val, test or blank', splitCell);
        if (!isFile(abs)) {
          if (!opts.skipMissing) throw inputError(shown, line, `an existing image file (pass --skip-missing to skip such rows)`, p);
          sum.skip('missing-image', 1, `${shown} line ${line}: image ${p} is missing; skipped`);
          continue;
        }
        const subject = cols.subject >= 0 ? trimCell(rec[cols.subject]) || null : null;
        const annotator = annotatorOf(rec, cols, shown, line);
        const fp = framePath(base, abs);
        const lines = byImage.get(fp);
        if (lines) {
          const first = lines.get(annotator);
          if (first !== undefined) {
            throw new AppError('invalid-input', `${shown} line ${line}: duplicate entry for image ${fp}${annotator ? ` by annotator "${annotator}"` : ''} (first at ${shown} line ${first})`, { file: shown, line });
          }
          lines.set(annotator, line);
          later.push({ path: fp, annotator, labels });
          continue;
        }
        byImage.set(fp, new Map([[annotator, line]]));
        await rows.add({ file: abs, path: fp, where: `${shown} line ${line}`, split, subject, ...(annotator === '' ? labels : {}) });
        if (annotator !== '') later.push({ path: fp, annotator, labels });
      }
    } catch (e) {
      const ce = e as { code?: string; lines?: number; message: string };
      if (ce.code === 'CSV_MAX_RECORD_SIZE') throw lineTooLong(shown, ce.lines ?? 0, null);
      if (typeof ce.code === 'string' && ce.code.startsWith('CSV_')) throw fileError(`${shown}${ce.lines ? ` line ${ce.lines}` : ''}`, `not valid CSV (${ce.message})`);
      throw e;
    } finally {
      parser.destroy();
    }
    if (!cols) throw fileError(shown, 'is empty (expected a header line with a "path" column)');
    await rows.flush();
    rows.reportStale();
    w.setFrameCount(mediaId);
    writeLater(ctx, rows, later, mediaId, shown);
  }
}

/** frames.path of an image: relative to the media folder ('/'-separated) when inside it, else absolute. */
export function framePath(base: string, abs: string): string {
  const rel = relPath(base, abs);
  return rel.startsWith('../') || path.isAbsolute(rel) ? abs : rel;
}
