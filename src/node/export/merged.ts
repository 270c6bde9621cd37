// The merged per-frame formats: CSV (quoting by csv-stringify) and JSON Lines, written in one pass
// through a temporary sibling of the target (rows.ts builds the text of each row; atomic.ts the
// rule for the temporary). `overwrite`: the file may replace a target that exists when it is done.
// A CSV starts with its header row; its provenance goes to the sidecar `<file>.json`, written by the
// same atomic rule once the CSV is in place (so a sidecar never describes a CSV that was not written).
import path from 'node:path';
import { writeFileAtomic } from '../../base/fsutil';
import type { Db } from '../store/database';
import { AtomicFile } from './atomic';
import { TIE_RULE } from '../../shared/annotators';
import { fileColumns, probabilityColumns, sidecarMeta, versionLine } from './columns';
import { drive } from './drive';
import { exportFrames, type ExportFrame } from './frames';
import { MERGED_FORMAT_NAME, MERGED_FORMAT_VERSION, sidecarPath, type ExportOptions, type ProgressFn } from './options';
import type { ExportPlan } from './plan';
import { CsvRows, GroundTruthCells, JsonRows, LongRows, WideCells } from './rows';

/** The line(s) of one frame under the plan's annotator layout. */
function lineOf(plan: ExportPlan, rows: CsvRows | JsonRows, json: boolean): (f: ExportFrame) => string {
  if (plan.annotators === 'long') {
    const long = new LongRows(plan.longAus, json, rows);
    return (f) => long.lines(f);
  }
  if (plan.annotators === 'wide') {
    const quote = json ? (v: string) => (rows as JsonRows).string(v) : (v: string) => (rows as CsvRows).cell(v);
    const gt = new GroundTruthCells(plan.groundTruthAus, json, quote);
    const wide = new WideCells(plan.annotatorColumns, json, quote);
    // JSON: the row's closing `}\n` moves after the ground-truth and annotator keys
    return json
      ? (f) => `${rows.line(f).slice(0, -2)}${gt.of(f.groundTruth)}${wide.of(f.annotations)}}\n`
      : (f) => `${rows.line(f).slice(0, -1)}${gt.of(f.groundTruth)}${wide.of(f.annotations)}\n`;
  }
  return (f) => rows.line(f);
}

/** What the file says about annotators (the sidecar, the JSON Lines format line). */
function annotatorMeta(plan: ExportPlan) {
  return {
    annotatorPolicy: plan.annotatorPolicy,
    ...(plan.annotatorPolicy === 'consensus' ? { tieRule: TIE_RULE } : {}),
    annotators: plan.annotators,
    annotatorLayers: plan.annotatorColumns.map((l) => ({ annotator: l.annotator, role: l.role, key: l.key })),
  };
}

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
  const line = lineOf(plan, new CsvRows(plan.aus, plan.probabilities), false);
  const columns = fileColumns(plan);
  const comment = options.commentHeader ? `${versionLine(plan.policy, plan.model?.id ?? null)}\n` : '';
  const r = await writeMerged(db, plan, out, overwrite, `${comment}${CsvRows.header(columns)}`, (f, file) => file.write(line(f)), onProgress, signal);
  const meta = sidecarMeta({
    file: path.basename(out),
    policy: plan.policy,
    model: plan.model?.id ?? null,
    columns,
    rows: r.rows,
    commentHeader: !!options.commentHeader,
    filters: { datasets: options.datasets ?? null, splits: plan.splits ?? null, sources: plan.sources ? [...plan.sources] : null, labelledOnly: plan.labelledOnly },
    ...annotatorMeta(plan),
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
  const columns = fileColumns(plan);
  const line = lineOf(plan, new JsonRows(plan.aus, plan.probabilities, probabilityColumns()), true);
  const meta = { format: MERGED_FORMAT_NAME, version: MERGED_FORMAT_VERSION, policy: plan.policy, model: plan.model?.id ?? null, columns, ...annotatorMeta(plan) };
  return writeMerged(db, plan, out, overwrite, `${JSON.stringify(meta)}\n`, (f, file) => file.write(line(f)), onProgress, signal);
}
