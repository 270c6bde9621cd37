// The merged per-frame formats: CSV (quoting by csv-stringify) and JSON Lines, written in one pass
// through a temporary sibling of the target.
import { stringify } from 'csv-stringify/sync';
import type { Db } from '../db/database';
import { AtomicFile } from './atomic';
import { mergedColumns, mergedValues, versionLine } from './columns';
import { drive } from './drive';
import { exportFrames, type ExportFrame } from './frames';
import { MERGED_FORMAT_NAME, MERGED_FORMAT_VERSION, type ProgressFn } from './options';
import type { ExportPlan } from './plan';

/**
 * null cells become empty fields; strings with commas, quotes or line breaks are quoted, and so is a
 * field starting with '#' (a dataset named "#1" must not read as a comment line).
 */
const CSV_OPTIONS = { cast: { number: (v: number) => String(v) }, quoted_match: /^#/ };

export interface MergedResult {
  rows: number;
  files: string[];
}

async function writeMerged(
  db: Db,
  plan: ExportPlan,
  out: string,
  header: string,
  onFrame: (f: ExportFrame, file: AtomicFile) => void,
  onProgress: ProgressFn | undefined,
  signal: AbortSignal | undefined,
): Promise<MergedResult> {
  const file = new AtomicFile(out);
  try {
    file.write(header);
    const counter = { scanned: 0 };
    const frames = exportFrames(db, plan, plan.media, plan.aus, plan.warnings, counter);
    const rows = await drive(frames, (f) => onFrame(f, file), counter, plan.total, onProgress, signal);
    file.commit();
    return { rows, files: [out] };
  } finally {
    file.abort();
  }
}

/**
 * CSV rows. csv-stringify decides the quoting of every text cell (commas, quotes, line breaks, a
 * leading '#'); its text is cached per distinct value (dataset, media, subject and source names
 * repeat on every row), so rows are joined without calling it a million times: a stringify call per
 * row costs ~2.5 µs, more than everything else an export does. Numbers never need quoting.
 */
export class CsvCells {
  private cache = new Map<string, string>();

  cell(v: string | number | null): string {
    if (v === null) return '';
    if (typeof v === 'number') return String(v);
    let q = this.cache.get(v);
    if (q === undefined) {
      q = stringify([[v]], CSV_OPTIONS).slice(0, -1);
      // unique per frame (image file names) would grow without bound: start over now and then
      if (this.cache.size >= 50_000) this.cache.clear();
      this.cache.set(v, q);
    }
    return q;
  }

  line(values: readonly (string | number | null)[]): string {
    let s = this.cell(values[0]);
    for (let i = 1; i < values.length; i++) s += `,${this.cell(values[i])}`;
    return `${s}\n`;
  }
}

export function writeCsv(db: Db, plan: ExportPlan, out: string, onProgress?: ProgressFn, signal?: AbortSignal): Promise<MergedResult> {
  const columns = mergedColumns(plan.aus, plan.probabilities);
  const n = plan.aus.length;
  const cells = new CsvCells();
  const header = `${versionLine(plan.policy, plan.model?.id ?? null)}\n${stringify([columns], CSV_OPTIONS)}`;
  return writeMerged(db, plan, out, header, (f, file) => file.write(cells.line(mergedValues(f, n, plan.probabilities))), onProgress, signal);
}

/**
 * JSON Lines: a first line describing the format (`{"format": "affect-workbench merged-labels",
 * "version": 1, "columns": [...], ...}`), then one object per frame whose keys are the CSV columns
 * (null for an empty cell; AU values 0/1, probabilities as numbers).
 */
export function writeJsonl(db: Db, plan: ExportPlan, out: string, onProgress?: ProgressFn, signal?: AbortSignal): Promise<MergedResult> {
  const columns = mergedColumns(plan.aus, plan.probabilities);
  const keys = columns.map((c) => JSON.stringify(c));
  const n = plan.aus.length;
  const meta = { format: MERGED_FORMAT_NAME, version: MERGED_FORMAT_VERSION, policy: plan.policy, model: plan.model?.id ?? null, columns };
  return writeMerged(
    db,
    plan,
    out,
    `${JSON.stringify(meta)}\n`,
    (f, file) => {
      const v = mergedValues(f, n, plan.probabilities);
      // Built by hand from pre-quoted keys: JSON.stringify of an object per row costs twice as much.
      let s = '{';
      for (let i = 0; i < v.length; i++) s += `${i ? ',' : ''}${keys[i]}:${v[i] === null ? 'null' : JSON.stringify(v[i])}`;
      file.write(`${s}}\n`);
    },
    onProgress,
    signal,
  );
}
