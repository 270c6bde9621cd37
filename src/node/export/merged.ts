// The merged per-frame formats: CSV (quoting by csv-stringify) and JSON Lines, written in one pass
// through a temporary sibling of the target (rows.ts builds the text of each row; atomic.ts the
// rule for the temporary). `overwrite`: the file may replace a target that exists when it is done.
// A CSV starts with its header row; its provenance goes to the sidecar `<file>.json`, written by the
// same atomic rule once the CSV is in place (so a sidecar never describes a CSV that was not written).
import path from 'node:path';
import { writeFileAtomic } from '../../base/fsutil';
import type { Db } from '../store/database';
import { AtomicFile } from './atomic';
import { mergedColumns, probabilityColumns, sidecarMeta, versionLine } from './columns';
import { drive } from './drive';
import { exportFrames, type ExportFrame } from './frames';
import { MERGED_FORMAT_NAME, MERGED_FORMAT_VERSION, sidecarPath, type ExportOptions, type ProgressFn } from './options';
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

/**
 * The merged CSV: the header row first (with `options.commentHeader`, the `# affect-workbench
 * merged-labels v1 …` line before it), then one row per frame; then its sidecar `<file>.json`.
 */
export async function writeCsv(
  db: Db,
  plan: ExportPlan,
  out: string,
  overwrite: boolean,
  onProgress?: ProgressFn,
  signal?: AbortSignal,
  options: Pick<ExportOptions, 'commentHeader' | 'datasets'> = {},
): Promise<MergedResult> {
  const rows = new CsvRows(plan.aus, plan.probabilities);
  const columns = mergedColumns(plan.aus, plan.probabilities);
  const comment = options.commentHeader ? `${versionLine(plan.policy, plan.model?.id ?? null)}\n` : '';
  const r = await writeMerged(db, plan, out, overwrite, `${comment}${CsvRows.header(columns)}`, (f, file) => file.write(rows.line(f)), onProgress, signal);
  const meta = sidecarMeta({
    file: path.basename(out),
    policy: plan.policy,
    model: plan.model?.id ?? null,
    columns,
    rows: r.rows,
    commentHeader: !!options.commentHeader,
    filters: { datasets: options.datasets ?? null, splits: plan.splits ?? null, sources: plan.sources ? [...plan.sources] : null, labelledOnly: plan.labelledOnly },
    warnings: plan.warnings,
  });
  // The CSV is this export's now (committed): its sidecar replaces whatever sidecar was there.
  const side = sidecarPath(out);
  writeFileAtomic(side, `${JSON.stringify(meta, null, 2)}\n`, { replace: true });
  return { rows: r.rows, files: [out, side] };
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
