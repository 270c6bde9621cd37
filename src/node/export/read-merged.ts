// Reading a merged-labels file (CSV or JSON Lines, format v1) back, one frame at a time: the inverse
// of the writers, for importers and tests. Checks the format line and version first, so a file from
// a newer workbench is refused with a clear message instead of being misread. A CSV comes in two
// forms, both read: header row first with the provenance in the sidecar `<file>.json` (the default
// since the header-first change; a CSV without a sidecar — hand-made, or the sidecar left behind —
// reads with an unknown policy, which the importer treats like one with gt), or the older
// `# affect-workbench merged-labels v1 …` comment line before the header row. Cells follow the
// importers' rules (../importers/cells.ts): decimal numbers, digit-only frame indices, no NUL, length
// limits per cell and line. Errors name the file and line (and, in JSON Lines, the key).
import fs from 'node:fs';
import readline from 'node:readline';
import { parse } from 'csv-parse';
import { parse as parseSync } from 'csv-parse/sync';
import type { AnnotatorRole } from '../../shared/annotators';
import { EXPRESSIONS, MAX_AU_NUMBER, type Task } from '../../shared/labels';
import { AppError } from '../../shared/result';
import { checkCell, lineTooLong, MAX_LINE_CHARS, parseDecimal, parseIndex } from '../importers/cells';
import { quote } from '../importers/errors';
import { lineChunks } from '../importers/lines';
import { ANNOTATOR_FIELDS, BASE_COLUMNS, GROUND_TRUTH_KEY, LABEL_COLUMNS, LONG_COLUMNS, SOURCE_COLUMNS } from './columns';
import { parseAnnotationSource, parseSource } from './merge';
import { MERGED_FORMAT_NAME, MERGED_FORMAT_VERSION, sidecarPath, type AnnotatorLayout } from './options';
import { ADJUDICATOR_SUFFIX } from './plan';

/** The longest annotator name (the annotations table's CHECK). */
export const MAX_ANNOTATOR_CHARS = 120;

/** One annotator's label of one task of a frame, as a file gives it (a wide layer's cells or a long row). */
export interface AnnotatorLabel {
  annotator: string;
  role: AnnotatorRole;
  task: Task;
  au: Map<number, 0 | 1> | null;
  expr: number | null;
  valence: number | null;
  arousal: number | null;
  /** human | accepted[:<id>] | trace | imported | cleared; null = a value without a source (counts as imported). */
  source: string | null;
  /** Long layout: the row's updated_at; else null. */
  updatedAt: string | null;
  /** The line it was read at. */
  line: number;
}

export interface MergedRecord {
  dataset: string;
  media: string;
  frame: number;
  file: string | null;
  timestamp: number | null;
  subject: string | null;
  split: string;
  /** Labelled AUs only (AU number → 0/1); null when the frame has no AU label. */
  au: Map<number, 0 | 1> | null;
  auSource: string | null;
  expr: number | null;
  exprSource: string | null;
  valence: number | null;
  arousal: number | null;
  vaSource: string | null;
  /** The annotators' labels of the frame (wide: every layer's; long: the row's one); empty when none. */
  annotations: AnnotatorLabel[];
  /** The wide layout's ground-truth group (the frame's imported labels, exactly); null when the file has no such columns. */
  groundTruth: GroundTruthLabels | null;
}

/** The imported labels of a frame as the ground-truth columns give them (null: none for that task). */
export interface GroundTruthLabels {
  au: Map<number, 0 | 1> | null;
  expr: number | null;
  valence: number | null;
  arousal: number | null;
}

export interface MergedHeader {
  version: number;
  policy: string;
  model: number | null;
  columns: string[];
  /** Which annotator layout the columns have (none when they name no annotator). */
  layout: AnnotatorLayout;
  /** The columns include the wide layout's ground-truth group (`ground_truth:…`). */
  groundTruth: boolean;
}

/** A wide file's annotator layer: its name, role and the columns it has. */
interface LayerColumns {
  annotator: string;
  role: AnnotatorRole;
  key: string;
  aus: number[];
  fields: Set<string>;
}

/** What the header says: the resolved AU columns, the layout, (wide) the annotator layers and the ground-truth group's AUs. */
interface ColumnPlan {
  aus: number[];
  layout: AnnotatorLayout;
  layers: LayerColumns[];
  /** The AUs of the ground-truth group; null when the file has no ground-truth columns. */
  groundTruth: number[] | null;
}

function bad(file: string, line: number, what: string): AppError {
  return new AppError('invalid-input', `${file} line ${line}: ${what}`, { file, line });
}

/**
 * One row as a record. `get` gives a column's cell: a string (CSV), or any JSON value (JSON Lines,
 * `json` true: numbers may be JSON numbers, and messages name the key).
 */
function toRecord(get: (col: string) => unknown, plan: ColumnPlan, file: string, line: number, json: boolean): MergedRecord {
  const where = (c: string) => (json ? `line ${line} key ${JSON.stringify(c)}` : line);
  const raw = (c: string): string | number | null => {
    const v = get(c);
    if (v === null || v === undefined || v === '') return null;
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) throw bad(file, line, `${c} is not a finite number`);
      return v;
    }
    if (typeof v !== 'string') throw bad(file, line, `${c} must be a string, a number or empty, not ${JSON.stringify(v)}`);
    checkCell(v, file, where(c), `a ${c} cell`);
    return v;
  };
  const text = (c: string): string | null => {
    const v = raw(c);
    return v === null ? null : String(v);
  };
  const num = (c: string): number | null => {
    const v = raw(c);
    if (v === null || typeof v === 'number') return v;
    const n = parseDecimal(v);
    if (n === null) throw bad(file, line, `${c} is not a decimal number: ${quote(v)}`);
    return n;
  };
  const index = (c: string): number | null => {
    const v = raw(c);
    if (v === null) return null;
    const n = typeof v === 'number' ? (Number.isSafeInteger(v) && v >= 0 ? v : null) : parseIndex(v, Number.MAX_SAFE_INTEGER);
    if (n === null) throw bad(file, line, `${c} must be an index >= 0, not ${quote(String(v))}`);
    return n;
  };
  const source = (c: string): string | null => {
    const v = text(c);
    try {
      if (v !== null) parseSource(v);
    } catch (e) {
      throw bad(file, line, (e as Error).message);
    }
    return v;
  };
  const auOf = (prefix: string, aus: readonly number[]): Map<number, 0 | 1> | null => {
    let au: Map<number, 0 | 1> | null = null;
    for (const n of aus) {
      const v = text(`${prefix}AU${n}`);
      if (v === null) continue;
      if (v !== '0' && v !== '1') throw bad(file, line, `${prefix}AU${n} must be 0, 1 or empty, not ${v}`);
      (au ??= new Map()).set(n, v === '1' ? 1 : 0);
    }
    return au;
  };
  const exprOf = (col: string): number | null => {
    const exprName = text(col);
    const expr = exprName === null ? null : (EXPRESSIONS as readonly string[]).indexOf(exprName);
    if (expr === -1) throw bad(file, line, `unknown expression ${exprName} in ${col}`);
    return expr;
  };
  const annotationSourceOf = (c: string): string | null => {
    const v = text(c);
    try {
      if (v !== null) parseAnnotationSource(v);
    } catch (e) {
      throw bad(file, line, `${c}: ${(e as Error).message}`);
    }
    return v;
  };
  const frame = index('frame');
  if (frame === null) throw bad(file, line, 'frame must be an index >= 0');
  if (plan.layout === 'long') {
    const annotator = text('annotator');
    if (annotator === null) throw bad(file, line, 'an empty annotator name (every row of the long layout names its annotator)');
    const role = text('role') ?? 'annotator';
    if (role !== 'annotator' && role !== 'adjudicator') throw bad(file, line, `role must be annotator or adjudicator, not ${quote(role)}`);
    const task = text('task');
    if (task !== 'au' && task !== 'expr' && task !== 'va') throw bad(file, line, `task must be au, expr or va, not ${quote(task ?? '')}`);
    const au = auOf('', plan.aus);
    const expr = exprOf('expression');
    const valence = num('valence');
    const arousal = num('arousal');
    if ((task !== 'au' && au !== null) || (task !== 'expr' && expr !== null) || (task !== 'va' && (valence !== null || arousal !== null))) {
      throw bad(file, line, `a row of task ${task} holds a value of another task (one row per annotator and task)`);
    }
    const updatedAt = text('updated_at');
    if (updatedAt !== null && Number.isNaN(Date.parse(updatedAt))) throw bad(file, line, `updated_at must be an ISO time, not ${quote(updatedAt)}`);
    return {
      ...identityOf(text, num, frame),
      au: null, auSource: null, expr: null, exprSource: null, valence: null, arousal: null, vaSource: null, groundTruth: null,
      annotations: [{ annotator, role, task, au, expr, valence, arousal, source: annotationSourceOf('source'), updatedAt, line }],
    };
  }
  const annotations: AnnotatorLabel[] = [];
  for (const l of plan.layers) {
    const p = `${l.key}:`;
    const cell = (f: string) => (l.fields.has(f) ? `${p}${f}` : null);
    const add = (task: Task, has: boolean, srcCol: string | null, v: Pick<AnnotatorLabel, 'au' | 'expr' | 'valence' | 'arousal'>) => {
      const source = srcCol ? annotationSourceOf(srcCol) : null;
      if (!has && source === null) return;
      annotations.push({ annotator: l.annotator, role: l.role, task, ...v, source, updatedAt: null, line });
    };
    const au = auOf(p, l.aus);
    add('au', au !== null, cell('au_source'), { au, expr: null, valence: null, arousal: null });
    const expr = cell('expression') ? exprOf(`${p}expression`) : null;
    add('expr', expr !== null, cell('expr_source'), { au: null, expr, valence: null, arousal: null });
    const valence = cell('valence') ? num(`${p}valence`) : null;
    const arousal = cell('arousal') ? num(`${p}arousal`) : null;
    add('va', valence !== null || arousal !== null, cell('va_source'), { au: null, expr: null, valence, arousal });
  }
  const g = `${GROUND_TRUTH_KEY}:`;
  const groundTruth = plan.groundTruth && { au: auOf(g, plan.groundTruth), expr: exprOf(`${g}expression`), valence: num(`${g}valence`), arousal: num(`${g}arousal`) };
  return {
    ...identityOf(text, num, frame),
    groundTruth,
    au: auOf('', plan.aus),
    auSource: source('au_source'),
    expr: exprOf('expression'),
    exprSource: source('expr_source'),
    valence: num('valence'),
    arousal: num('arousal'),
    vaSource: source('va_source'),
    annotations,
  };
}

/** The cells that say which frame a row is. */
function identityOf(text: (c: string) => string | null, num: (c: string) => number | null, frame: number): Pick<MergedRecord, 'dataset' | 'media' | 'frame' | 'file' | 'timestamp' | 'subject' | 'split'> {
  return {
    dataset: text('dataset') ?? '',
    media: text('media') ?? '',
    frame,
    file: text('file'),
    timestamp: num('timestamp'),
    subject: text('subject'),
    split: text('split') ?? 'train',
  };
}

const ANNOTATOR_LAYOUT_HELP =
  'annotator columns are <annotator>:AU<n>, <annotator>:expression, <annotator>:valence, <annotator>:arousal, <annotator>:au_source, <annotator>:expr_source, <annotator>:va_source ' +
  '(<name>:adjudicator:… for an adjudicator), or the long layout\'s annotator, role, task columns';

/** An annotator name as a file gives it: not empty, at most MAX_ANNOTATOR_CHARS characters, no control characters. */
export function checkAnnotatorName(name: string, file: string, line: number, where: string): string {
  if (name.trim() === '') throw bad(file, line, `an empty annotator name in ${where}`);
  if (name.length > MAX_ANNOTATOR_CHARS) throw bad(file, line, `annotator names have at most ${MAX_ANNOTATOR_CHARS} characters (${where})`);
  if (/[\u0000-\u001f\u007f]/.test(name)) throw bad(file, line, `an annotator name without control characters (${where})`);
  return name;
}

/** Which columns a header has: the resolved AU columns, and its annotator layout (wide layers, or long). */
function checkColumns(columns: unknown[], file: string, line: number): ColumnPlan {
  for (const c of columns) {
    if (typeof c !== 'string') throw bad(file, line, `column names must be strings, not ${JSON.stringify(c)}`);
    checkCell(c, file, line, 'a column name');
  }
  const cols = columns as string[];
  const dup = cols.find((c, i) => cols.indexOf(c) !== i);
  if (dup !== undefined) throw bad(file, line, `column ${quote(dup)} appears twice`);
  const long = cols.includes('annotator') || cols.includes('task');
  const wide = cols.filter((c) => c.includes(':'));
  if (long && wide.length) throw bad(file, line, `unknown annotator column layout: the long layout's annotator/task columns and per-annotator columns (${quote(wide[0])}) in one file; ${ANNOTATOR_LAYOUT_HELP}`);
  const required = long ? [...BASE_COLUMNS, 'annotator', 'task'] : [...BASE_COLUMNS, ...LABEL_COLUMNS, ...SOURCE_COLUMNS];
  for (const c of required) if (!cols.includes(c)) throw bad(file, line, `missing column ${c}${long ? ' (the long annotator layout)' : ''}`);
  const auNumber = (c: string, n: string) => {
    const v = Number(n);
    if (v < 1 || v > MAX_AU_NUMBER) throw bad(file, line, `AU columns must be AU1..AU${MAX_AU_NUMBER}, not ${c}`);
    return v;
  };
  const aus = cols.flatMap((c) => {
    const m = /^AU(\d{1,2})$/.exec(c);
    return m ? [auNumber(c, m[1])] : [];
  });
  if (long) {
    if (cols.includes('valence') !== cols.includes('arousal')) throw bad(file, line, `missing column ${cols.includes('valence') ? 'arousal' : 'valence'} (valence and arousal go together)`);
    const known = new Set<string>([...BASE_COLUMNS, ...LONG_COLUMNS]);
    for (const c of cols) if (!known.has(c) && !/^AU\d{1,2}$/.test(c)) throw bad(file, line, `unknown column ${quote(c)} in the long annotator layout (${[...BASE_COLUMNS, ...LONG_COLUMNS].join(', ')}, AU<n>)`);
    return { aus, layout: 'long', layers: [], groundTruth: null };
  }
  const layers = new Map<string, LayerColumns>();
  for (const c of wide) {
    const at = c.lastIndexOf(':');
    const key = c.slice(0, at);
    const field = c.slice(at + 1);
    const au = /^AU(\d{1,2})$/.exec(field);
    if (!au && !(ANNOTATOR_FIELDS as readonly string[]).includes(field)) throw bad(file, line, `unknown annotator column layout: column ${quote(c)}; ${ANNOTATOR_LAYOUT_HELP}`);
    const adjudicator = key.endsWith(ADJUDICATOR_SUFFIX);
    const annotator = checkAnnotatorName(adjudicator ? key.slice(0, -ADJUDICATOR_SUFFIX.length) : key, file, line, `column ${quote(c)}`);
    let l = layers.get(key);
    if (!l) layers.set(key, (l = { annotator, role: adjudicator ? 'adjudicator' : 'annotator', key, aus: [], fields: new Set() }));
    if (au) l.aus.push(auNumber(c, au[1]));
    else l.fields.add(field);
  }
  // The ground-truth group: `ground_truth:…` without source columns (an older file's annotator of
  // that name has them, and stays an annotator layer).
  const gt = layers.get(GROUND_TRUTH_KEY);
  let groundTruth: number[] | null = null;
  if (gt && !SOURCE_COLUMNS.some((f) => gt.fields.has(f))) {
    for (const f of LABEL_COLUMNS) if (!gt.fields.has(f)) throw bad(file, line, `missing column ${GROUND_TRUTH_KEY}:${f} (the ground-truth columns are ${GROUND_TRUTH_KEY}:AU<n>…, ${LABEL_COLUMNS.map((c) => `${GROUND_TRUTH_KEY}:${c}`).join(', ')})`);
    groundTruth = gt.aus;
    layers.delete(GROUND_TRUTH_KEY);
  }
  for (const l of layers.values()) {
    if (l.fields.has('valence') !== l.fields.has('arousal')) throw bad(file, line, `annotator "${l.key}" has a ${l.fields.has('valence') ? 'valence' : 'arousal'} column without its ${l.fields.has('valence') ? 'arousal' : 'valence'} column`);
  }
  return { aus, layout: layers.size ? 'wide' : 'none', layers: [...layers.values()], groundTruth };
}

function checkVersion(version: number, file: string): void {
  if (version > MERGED_FORMAT_VERSION) {
    throw new AppError('newer-version', `${file} is merged-labels v${version}; this workbench reads up to v${MERGED_FORMAT_VERSION}. Update the workbench.`);
  }
  if (version < 1) throw bad(file, 1, `unknown merged-labels version ${version}`);
}

/** The first line of a merged CSV: `# affect-workbench merged-labels v1 policy=… model=…`. */
export function parseVersionLine(line: string, file: string): MergedHeader {
  const m = new RegExp(`^# ${MERGED_FORMAT_NAME} v(\\d+)((?: \\S+=\\S*)*)\\s*$`).exec(line);
  if (!m) throw bad(file, 1, `expected "# ${MERGED_FORMAT_NAME} v${MERGED_FORMAT_VERSION} …", got "${line.slice(0, 80)}"`);
  const version = Number(m[1]);
  checkVersion(version, file);
  const kv = Object.fromEntries(m[2].trim().split(/\s+/).filter(Boolean).map((p) => p.split('=', 2) as [string, string]));
  const model = kv.model && kv.model !== 'none' ? parseIndex(kv.model, Number.MAX_SAFE_INTEGER) : null;
  if (model === null && kv.model && kv.model !== 'none') throw bad(file, 1, `model must be a model id or none, not ${kv.model}`);
  return { version, policy: kv.policy ?? '', model, columns: [], layout: 'none', groundTruth: false };
}

async function firstLine(file: string): Promise<string> {
  const rl = readline.createInterface({ input: fs.createReadStream(file, { encoding: 'utf8', end: 64 * 1024 }), crlfDelay: Infinity });
  try {
    for await (const l of rl) return l;
    return '';
  } finally {
    rl.close();
  }
}

/** A record with where it was read: its (last) line and the bytes of the file read so far (progress). */
export interface MergedItem {
  record: MergedRecord;
  line: number;
  bytes: number;
}

/** Columns that make a first line a merged CSV's header row (a header-first CSV has no comment line). */
const HEADER_MARKS = ['dataset', 'media', 'frame'];

/** A first line that is a CSV header row naming the merged columns. */
function isHeaderRow(line: string): boolean {
  try {
    const rows = parseSync(line, { bom: true, to_line: 1, relax_column_count: true }) as string[][];
    const cols = rows[0] ?? [];
    return HEADER_MARKS.every((c) => cols.includes(c));
  } catch {
    return false;
  }
}

/**
 * CSV or JSON Lines, from the first line: `{` opens a JSON Lines format line, `#` the CSV comment
 * line, and a CSV header row naming dataset, media and frame a header-first CSV.
 */
export function sniffMergedFormat(file: string, shown = file): 'csv' | 'jsonl' {
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(64 * 1024);
    const n = fs.readSync(fd, buf, 0, buf.length, 0);
    const text = buf.toString('utf8', 0, n).replace(/^\uFEFF/, '');
    const head = text.trimStart();
    if (head.startsWith('{')) return 'jsonl';
    if (head.startsWith('#')) return 'csv';
    if (isHeaderRow(text.split(/\r?\n/, 1)[0])) return 'csv';
    throw bad(
      shown,
      1,
      `expected a merged-labels file: a CSV whose first line is its header row (dataset,media,frame,…) or a "# ${MERGED_FORMAT_NAME} v…" line, or JSON Lines opening with {"format": "${MERGED_FORMAT_NAME}", …}`,
    );
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * The provenance of a header-first CSV, from its sidecar `<file>.json` (written by the export):
 * version, policy and model. No sidecar: version 1, policy unknown (''), no model. A sidecar that is
 * there but is not ours, or names a newer version, is refused like a bad comment line.
 */
export function readSidecar(file: string, shown = file): MergedHeader {
  const side = sidecarPath(file);
  const sideShown = sidecarPath(shown);
  let text: string;
  try {
    text = fs.readFileSync(side, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { version: MERGED_FORMAT_VERSION, policy: '', model: null, columns: [], layout: 'none', groundTruth: false };
    throw new AppError('invalid-input', `${sideShown}: cannot read the sidecar of ${shown} (${(e as Error).message})`, { file: sideShown });
  }
  let meta: { format?: unknown; version?: unknown; policy?: unknown; model?: unknown };
  try {
    meta = JSON.parse(text) as typeof meta;
  } catch {
    throw bad(sideShown, 1, `not JSON: the sidecar of ${shown} must be {"format": "${MERGED_FORMAT_NAME}", "version": …, "policy": …, "model": …}`);
  }
  if (meta === null || typeof meta !== 'object' || Array.isArray(meta) || meta.format !== MERGED_FORMAT_NAME || typeof meta.version !== 'number') {
    throw bad(sideShown, 1, `expected the sidecar of ${shown}: {"format": "${MERGED_FORMAT_NAME}", "version": …, "policy": …, "model": …}`);
  }
  checkVersion(meta.version, sideShown);
  const policy = meta.policy ?? '';
  if (typeof policy !== 'string') throw bad(sideShown, 1, `policy must be a string such as "gt+human", not ${JSON.stringify(policy)}`);
  checkCell(policy, sideShown, 1, 'a policy');
  const model = meta.model ?? null;
  if (model !== null && !(typeof model === 'number' && Number.isSafeInteger(model) && model >= 0)) throw bad(sideShown, 1, `model must be a model id or null, not ${JSON.stringify(model)}`);
  return { version: meta.version, policy, model, columns: [], layout: 'none', groundTruth: false };
}

/**
 * Streams the frames of a merged CSV with their line numbers. `onHeader` receives the provenance (the
 * comment line's contents, else the sidecar's) and the columns. `shown` names the file in error
 * messages (default: its path).
 */
export async function* readMergedCsvItems(file: string, onHeader?: (h: MergedHeader) => void, shown = file): AsyncGenerator<MergedItem> {
  const first = (await firstLine(file)).replace(/^\uFEFF/, '');
  const commented = first.startsWith('#');
  const header = commented ? parseVersionLine(first, shown) : readSidecar(file, shown);
  const parser = fs.createReadStream(file).pipe(parse({ bom: true, from_line: commented ? 2 : 1, info: true, max_record_size: MAX_LINE_CHARS }));
  let columns: string[] | null = null;
  let at = new Map<string, number>();
  let plan: ColumnPlan = { aus: [], layout: 'none', layers: [], groundTruth: null };
  try {
    for await (const item of parser as AsyncIterable<{ record: string[]; info: { lines: number; bytes: number } }>) {
      const rec = item.record;
      if (!columns) {
        columns = rec;
        plan = checkColumns(columns, shown, item.info.lines);
        at = new Map(columns.map((c, i) => [c, i]));
        onHeader?.({ ...header, columns, layout: plan.layout, groundTruth: plan.groundTruth !== null });
        continue;
      }
      const line = item.info.lines;
      yield { record: toRecord((c) => { const i = at.get(c); return i === undefined ? null : (rec[i] ?? null); }, plan, shown, line, false), line, bytes: item.info.bytes };
    }
  } catch (e) {
    const ce = e as { code?: string; lines?: number; message: string };
    if (ce.code === 'CSV_MAX_RECORD_SIZE') throw lineTooLong(shown, ce.lines ?? 0, null);
    if (typeof ce.code === 'string' && ce.code.startsWith('CSV_')) throw bad(shown, ce.lines ?? 0, `not valid CSV (${ce.message})`);
    throw e;
  } finally {
    parser.destroy();
  }
}

/** Streams the frames of a merged JSON Lines file (first line: the format object), with line numbers. */
export async function* readMergedJsonlItems(file: string, onHeader?: (h: MergedHeader) => void, shown = file): AsyncGenerator<MergedItem> {
  let plan: ColumnPlan | null = null;
  for (const chunk of lineChunks(file, { shown })) {
    for (let i = 0; i < chunk.lines.length; i++) {
      const text = chunk.lines[i];
      const line = chunk.first + i;
      if (text.trim() === '') continue;
      let obj: Record<string, unknown>;
      try {
        obj = JSON.parse(text) as Record<string, unknown>;
      } catch {
        throw bad(shown, line, 'not a JSON object');
      }
      if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) throw bad(shown, line, 'not a JSON object');
      if (plan === null) {
        const meta = obj as { format?: unknown; version?: unknown; policy?: unknown; model?: unknown; columns?: unknown };
        if (meta.format !== MERGED_FORMAT_NAME || typeof meta.version !== 'number' || !Array.isArray(meta.columns)) {
          throw bad(shown, line, `expected the format line {"format": "${MERGED_FORMAT_NAME}", "version": …, "columns": […]}`);
        }
        checkVersion(meta.version, shown);
        plan = checkColumns(meta.columns, shown, line);
        const policy = meta.policy ?? '';
        if (typeof policy !== 'string') throw bad(shown, line, `policy must be a string such as "gt+human", not ${JSON.stringify(policy)}`);
        checkCell(policy, shown, `line ${line} key "policy"`, 'a policy');
        const model = meta.model ?? null;
        if (model !== null && !(typeof model === 'number' && Number.isSafeInteger(model) && model >= 0)) throw bad(shown, line, `model must be a model id or null, not ${JSON.stringify(model)}`);
        onHeader?.({ version: meta.version, policy, model, columns: meta.columns as string[], layout: plan.layout, groundTruth: plan.groundTruth !== null });
        continue;
      }
      const row = obj;
      yield { record: toRecord((c) => row[c], plan, shown, line, true), line, bytes: chunk.bytesDone };
    }
  }
}

async function* records(items: AsyncGenerator<MergedItem>): AsyncGenerator<MergedRecord> {
  for await (const it of items) yield it.record;
}

/** Streams the frames of a merged CSV. `onHeader` receives the format line's contents and the columns. */
export function readMergedCsv(file: string, onHeader?: (h: MergedHeader) => void): AsyncGenerator<MergedRecord> {
  return records(readMergedCsvItems(file, onHeader));
}

/** Streams the frames of a merged JSON Lines file (first line: the format object). */
export function readMergedJsonl(file: string, onHeader?: (h: MergedHeader) => void): AsyncGenerator<MergedRecord> {
  return records(readMergedJsonlItems(file, onHeader));
}
