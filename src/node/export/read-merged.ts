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
import { EXPRESSIONS, MAX_AU_NUMBER } from '../../shared/labels';
import { AppError } from '../../shared/result';
import { checkCell, lineTooLong, MAX_LINE_CHARS, parseDecimal, parseIndex } from '../importers/cells';
import { quote } from '../importers/errors';
import { lineChunks } from '../importers/lines';
import { BASE_COLUMNS, LABEL_COLUMNS, SOURCE_COLUMNS } from './columns';
import { parseSource } from './merge';
import { MERGED_FORMAT_NAME, MERGED_FORMAT_VERSION, sidecarPath } from './options';

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
}

export interface MergedHeader {
  version: number;
  policy: string;
  model: number | null;
  columns: string[];
}

function bad(file: string, line: number, what: string): AppError {
  return new AppError('invalid-input', `${file} line ${line}: ${what}`, { file, line });
}

/**
 * One row as a record. `get` gives a column's cell: a string (CSV), or any JSON value (JSON Lines,
 * `json` true: numbers may be JSON numbers, and messages name the key).
 */
function toRecord(get: (col: string) => unknown, aus: number[], file: string, line: number, json: boolean): MergedRecord {
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
  let au: Map<number, 0 | 1> | null = null;
  for (const n of aus) {
    const v = text(`AU${n}`);
    if (v === null) continue;
    if (v !== '0' && v !== '1') throw bad(file, line, `AU${n} must be 0, 1 or empty, not ${v}`);
    (au ??= new Map()).set(n, v === '1' ? 1 : 0);
  }
  const exprName = text('expression');
  const expr = exprName === null ? null : (EXPRESSIONS as readonly string[]).indexOf(exprName);
  if (expr === -1) throw bad(file, line, `unknown expression ${exprName}`);
  const frame = index('frame');
  if (frame === null) throw bad(file, line, 'frame must be an index >= 0');
  return {
    dataset: text('dataset') ?? '',
    media: text('media') ?? '',
    frame,
    file: text('file'),
    timestamp: num('timestamp'),
    subject: text('subject'),
    split: text('split') ?? 'train',
    au,
    auSource: source('au_source'),
    expr,
    exprSource: source('expr_source'),
    valence: num('valence'),
    arousal: num('arousal'),
    vaSource: source('va_source'),
  };
}

function checkColumns(columns: unknown[], file: string, line: number): number[] {
  for (const c of columns) {
    if (typeof c !== 'string') throw bad(file, line, `column names must be strings, not ${JSON.stringify(c)}`);
    checkCell(c, file, line, 'a column name');
  }
  for (const c of [...BASE_COLUMNS, ...LABEL_COLUMNS, ...SOURCE_COLUMNS]) if (!columns.includes(c)) throw bad(file, line, `missing column ${c}`);
  return (columns as string[]).flatMap((c) => {
    const m = /^AU(\d{1,2})$/.exec(c);
    if (!m) return [];
    const n = Number(m[1]);
    if (n < 1 || n > MAX_AU_NUMBER) throw bad(file, line, `AU columns must be AU1..AU${MAX_AU_NUMBER}, not ${c}`);
    return [n];
  });
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
  return { version, policy: kv.policy ?? '', model, columns: [] };
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
    if (code === 'ENOENT' || code === 'ENOTDIR') return { version: MERGED_FORMAT_VERSION, policy: '', model: null, columns: [] };
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
  return { version: meta.version, policy, model, columns: [] };
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
  let aus: number[] = [];
  try {
    for await (const item of parser as AsyncIterable<{ record: string[]; info: { lines: number; bytes: number } }>) {
      const rec = item.record;
      if (!columns) {
        columns = rec;
        aus = checkColumns(columns, shown, item.info.lines);
        at = new Map(columns.map((c, i) => [c, i]));
        onHeader?.({ ...header, columns });
        continue;
      }
      const line = item.info.lines;
      yield { record: toRecord((c) => rec[at.get(c)!] ?? null, aus, shown, line, false), line, bytes: item.info.bytes };
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
  let aus: number[] | null = null;
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
      if (aus === null) {
        const meta = obj as { format?: unknown; version?: unknown; policy?: unknown; model?: unknown; columns?: unknown };
        if (meta.format !== MERGED_FORMAT_NAME || typeof meta.version !== 'number' || !Array.isArray(meta.columns)) {
          throw bad(shown, line, `expected the format line {"format": "${MERGED_FORMAT_NAME}", "version": …, "columns": […]}`);
        }
        checkVersion(meta.version, shown);
        aus = checkColumns(meta.columns, shown, line);
        const policy = meta.policy ?? '';
        if (typeof policy !== 'string') throw bad(shown, line, `policy must be a string such as "gt+human", not ${JSON.stringify(policy)}`);
        checkCell(policy, shown, `line ${line} key "policy"`, 'a policy');
        const model = meta.model ?? null;
        if (model !== null && !(typeof model === 'number' && Number.isSafeInteger(model) && model >= 0)) throw bad(shown, line, `model must be a model id or null, not ${JSON.stringify(model)}`);
        onHeader?.({ version: meta.version, policy, model, columns: meta.columns as string[] });
        continue;
      }
      const row = obj;
      yield { record: toRecord((c) => row[c], aus, shown, line, true), line, bytes: chunk.bytesDone };
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
