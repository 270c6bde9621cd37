// runExport: the one entry point the UI (File → Export…) and the CLI (`affect-workbench export`) share.
//
// The export reads through its own read-only connection inside one read transaction: it sees one
// consistent snapshot of the labels (WAL), and the backend's connection stays free for the UI while
// the export runs (a better-sqlite3 connection cannot run other queries while one is iterating).
import path from 'node:path';
import { AppError } from '../../shared/result';
import { openDatabase } from '../store/database';
import { DB_FILE, type Project } from '../store/project';
import { writeAffWild2 } from './affwild2';
import { prepareTarget } from './atomic';
import { throwIfAborted } from './drive';
import { writeCsv, writeJsonl } from './merged';
import { checkAnnotatorLayout, EXPORT_FORMATS, type ExportFormat, type ExportOptions, type ExportSummary, type ProgressFn } from './options';
import { planExport } from './plan';

export { ExportAborted } from './drive';
export * from './options';

export async function runExport(
  project: Pick<Project, 'dir'>,
  format: ExportFormat,
  out: string,
  options: ExportOptions = {},
  onProgress?: ProgressFn,
  signal?: AbortSignal,
): Promise<ExportSummary> {
  if (!(EXPORT_FORMATS as readonly string[]).includes(format)) throw new AppError('invalid-input', `Unknown export format "${format}" (${EXPORT_FORMATS.join(', ')}).`);
  checkAnnotatorLayout(format, options.annotators, options.probabilities);
  const started = performance.now();
  const target = path.resolve(out);
  throwIfAborted(signal);
  const db = openDatabase(path.join(project.dir, DB_FILE), { readonly: true });
  try {
    db.exec('BEGIN');
    const plan = planExport(db, options);
    prepareTarget(target, format === 'affwild2' ? 'folder' : 'file', !!options.overwrite);
    const overwrite = !!options.overwrite;
    const r =
      format === 'csv'
        ? await writeCsv(db, plan, target, overwrite, onProgress, signal, options)
        : await (format === 'jsonl' ? writeJsonl : writeAffWild2)(db, plan, target, overwrite, onProgress, signal);
    return {
      format,
      out: target,
      rows: r.rows,
      files: r.files,
      warnings: plan.warnings,
      policy: plan.policy,
      annotatorPolicy: plan.annotatorPolicy,
      annotators: plan.annotators,
      modelId: plan.model?.id ?? null,
      aus: plan.aus,
      elapsedMs: performance.now() - started,
    };
  } finally {
    if (db.inTransaction) db.exec('COMMIT');
    db.close();
  }
}
