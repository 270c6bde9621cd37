// The merged per-frame formats: CSV (quoting by csv-stringify) and JSON Lines, written in one pass
// through a temporary sibling of the target (rows.ts builds the text of each row; atomic.ts the
// rule for the temporary). `overwrite`: the file may replace a target that exists when it is done.
import type { Db } from '../store/database';
import { AtomicFile } from './atomic';
import { mergedColumns, probabilityColumns, versionLine } from './columns';
import { drive } from './drive';
import { exportFrames, type ExportFrame } from './frames';
import { MERGED_FORMAT_NAME, MERGED_FORMAT_VERSION, type ProgressFn } from './options';
import type { ExportPlan } from './plan';
import { CsvRows, JsonRows } from './rows';

export interface MergedResult {
  rows: number;
  files: string[];
}

async function writeMerged(
  db: Db,
  plan: ExportPlan,
  out: string,
  overwrite: boolean,
  header: string,
  onFrame: (f: ExportFrame, file: AtomicFile) => void,
  onProgress: ProgressFn | undefined,
  signal: AbortSignal | undefined,
): Promise<MergedResult> {
  const file = new AtomicFile(out, overwrite);
  try {
    file.write(header);
    const counter = { scanned: 0 };
    const frames = exportFrames(db, plan, plan.media, plan.warnings, counter);
    const rows = await drive(frames, (f) => onFrame(f, file), counter, plan.total, onProgress, signal);
    file.commit();
    return { rows, files: [out] };
  } finally {
    file.abort();
  }
}

export function writeCsv(db: Db, plan: ExportPlan, out: string, overwrite: boolean, onProgress?: ProgressFn, signal?: AbortSignal): Promise<MergedResult> {
  const rows = new CsvRows(plan.aus, plan.probabilities);
  const header = `${versionLine(plan.policy, plan.model?.id ?? null)}\n${CsvRows.header(mergedColumns(plan.aus, plan.probabilities))}`;
  return writeMerged(db, plan, out, overwrite, header, (f, file) => file.write(rows.line(f)), onProgress, signal);
}

/**
 * JSON Lines: a first line describing the format (`{"format": "affect-workbench merged-labels",
 * "version": 1, "columns": [...], ...}`), then one object per frame whose keys are the CSV columns
 * (null for an empty cell; AU values 0/1, probabilities as numbers).
 */
export function writeJsonl(db: Db, plan: ExportPlan, out: string, overwrite: boolean, onProgress?: ProgressFn, signal?: AbortSignal): Promise<MergedResult> {
  const columns = mergedColumns(plan.aus, plan.probabilities);
  const rows = new JsonRows(plan.aus, plan.probabilities, probabilityColumns());
  const meta = { format: MERGED_FORMAT_NAME, version: MERGED_FORMAT_VERSION, policy: plan.policy, model: plan.model?.id ?? null, columns };
  return writeMerged(db, plan, out, overwrite, `${JSON.stringify(meta)}\n`, (f, file) => file.write(rows.line(f)), onProgress, signal);
}
