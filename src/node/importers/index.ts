// runImport: the one entry point of the label importers, called by the CLI (`affect-workbench
// import …`) and by the worker job behind the contract method data.import.
//
// The whole import is one transaction on the project database (plus one on the crop cache,
// committed right after): after any error — bad input, a missing file, cancellation — the
// project is exactly as before. Re-importing the same source is idempotent.
import fs from 'node:fs';
import path from 'node:path';
import { AppError } from '../../shared/result';
import type { Project } from '../project';
import { importAffWild2 } from './affwild2';
import { ImportContext, type ProgressFn } from './context';
import { fileError } from './errors';
import { importAfewVa } from './afewva';
import { importCsv } from './csv';
import { importDisfa } from './disfa';
import { importExpw } from './expw';
import { importImages } from './images';
import { importMerged } from './merged';
import { getMediaPort, type MediaPort } from './media-port';
import { IMPORT_FORMATS, ImportOptions, type ImportFormat } from './options';
import { SummaryBuilder, type ImportSummary } from './summary';
import { importVideos } from './video';
import { ImportWriter } from './writer';

export type { ImportSummary } from './summary';
export type { ProgressFn } from './context';
export { IMPORT_FORMATS, ImportOptions, ImportRequest, type ImportFormat } from './options';
export { formatSummary } from './summary';
export { setMediaPort, getMediaPort, registerVideoFromImporter, registerVideoFromProbe } from './media-port';
export type { MediaPort, RegisterVideo, DetectFace, VideoProbe, RegisteredVideo } from './media-port';
export { openCropCache, CropCache, CROP_SIZE, CROP_FILE } from './crop-cache';
export { frameCrop } from './frame-crop';

type Importer = (ctx: ImportContext, sources: string[]) => Promise<void>;

const IMPORTERS: Record<ImportFormat, Importer> = {
  affwild2: importAffWild2,
  disfa: importDisfa,
  expw: importExpw,
  afewva: importAfewVa,
  csv: importCsv,
  images: importImages,
  video: importVideos,
  merged: importMerged,
};

export interface ImportRuntime {
  /** Cancels the import between batches; the transaction is rolled back. */
  signal?: AbortSignal;
  /** Media/face implementations; default: the port wired with setMediaPort. */
  port?: MediaPort;
}

/**
 * Imports `sources` in `format` into `project`. Options are validated (zod); every validation error
 * is an AppError('invalid-input') naming the file and line. Resolves to the import summary.
 */
export async function runImport(
  project: Project,
  format: ImportFormat,
  sources: string[],
  options: ImportOptions | Record<string, unknown> = {},
  onProgress?: ProgressFn,
  runtime: ImportRuntime = {},
): Promise<ImportSummary> {
  if (!(IMPORT_FORMATS as readonly string[]).includes(format)) {
    throw new AppError('invalid-input', `Unknown import format "${format}"; expected one of ${IMPORT_FORMATS.join(', ')}.`);
  }
  const parsed = ImportOptions.safeParse(options);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || 'options'}: ${i.message}`);
    throw new AppError('invalid-input', `Invalid import options: ${issues.join('; ')}`, parsed.error.issues);
  }
  const opts = parsed.data;
  if (sources.length === 0) throw new AppError('invalid-input', `import ${format}: give at least one source`);
  const abs = sources.map((s) => path.resolve(s));
  for (const s of abs) if (!fs.existsSync(s)) throw fileError(s, 'does not exist');

  const sum = new SummaryBuilder(format);
  const w = ImportWriter.begin(project, sum);
  const ctx = new ImportContext(project, w, sum, opts, runtime.port ?? getMediaPort(), opts.dataset ?? format, onProgress, runtime.signal);
  sum.s.dataset = ctx.datasetName;
  try {
    await IMPORTERS[format](ctx, abs);
    w.finishSummary();
    w.commit();
    ctx.commitCrops();
  } catch (e) {
    w.rollback();
    ctx.rollbackCrops();
    throw e;
  } finally {
    ctx.close();
  }
  onProgress?.(1, 1, 'done');
  return sum.finish();
}
