// runImport: the one entry point of the label importers, called by the CLI (`affect-workbench
// import …`) and by the worker job behind the contract method data.import.
//
// An import that creates a dataset is staged: written under a hidden dataset row in short
// transactions, then published in one short transaction (writer.ts); a re-import into an existing
// dataset and merged labels are one transaction. The crop cache has its own transaction, committed
// right after the project's. After any error — bad input, a missing file, cancellation — the project
// is as before (staged rows are dropped). Re-importing the same source is idempotent.
//
// Every running import has a row in `imports` (its dataset, owner process, heartbeat): a second
// import of the same dataset is refused with AppError 'busy' while the first one lives.
// STALE RULE: an imports row is stale when its process is gone — same host and the pid no longer
// exists (or it is this process and no import of ours has that id), or on another host its
// heartbeat is older than 10 minutes. Every import starts by removing stale rows together with
// their hidden staging datasets (in short transactions); cleanupStaleImports does the same on
// demand (e.g. when a project is opened).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { AppError } from '../../shared/result';
import type { Project } from '../store/project';
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
import { CHUNK_POLICY, pauseSync, type ChunkPolicy } from './batch';
import { ImportWriter, type WriterPlan } from './writer';
import type Database from 'better-sqlite3';
import type { Db } from '../store/database';
import { forgetFrames } from '../store/frame-caches';
import { immediateTransaction, isSqliteBusy } from '../store/busy';
import { pidAlive } from '../../base/processes';

export type { ImportSummary } from './summary';
export type { ProgressFn } from './context';
export { IMPORT_FORMATS, ImportOptions, ImportRequest, type ImportFormat } from './options';
export { formatSummary } from './summary';
export { setMediaPort, getMediaPort, registerVideoFromImporter, registerVideoFromProbe } from './media-port';
export type { MediaPort, RegisterVideo, DetectFace, VideoProbe, RegisteredVideo } from './media-port';
export { openCropCache, CropCache, CROP_SIZE, CROP_FILE } from '../store/crop-cache';
export { frameCrop } from '../store/frame-crop';

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
  /** Bounded-transaction policy of a staged import (tests and benchmarks); default CHUNK_POLICY. */
  chunks?: Partial<ChunkPolicy>;
  /** Write in one transaction even when the dataset is new (the pre-staging behaviour; benchmarks). */
  single?: boolean;
}

// ---------- the imports registry ----------

/** A stale row on another host: heartbeat older than this (ms). */
export const STALE_AFTER_MS = 10 * 60_000;

/** imports rows of imports running in this process. */
const liveHere = new Set<number>();

interface ImportRow {
  id: number;
  dataset: string;
  staging_id: number | null;
  format: string;
  pid: number;
  host: string;
  started_at: string;
  heartbeat_at: string;
}

function isStale(r: ImportRow): boolean {
  if (r.host === os.hostname()) return r.pid === process.pid ? !liveHere.has(r.id) : !pidAlive(r.pid);
  return Date.now() - Date.parse(r.heartbeat_at) > STALE_AFTER_MS;
}

function describeImport(r: ImportRow): string {
  const host = r.host === os.hostname() ? '' : ` on ${r.host}`;
  return `an import of dataset "${r.dataset}" (${r.format}, process ${r.pid}${host}, started ${r.started_at.slice(0, 19).replace('T', ' ')} UTC)`;
}

/** The AppError of an import that could not get the lock: names the imports that hold or share it. */
function busyImportError(db: Db, ownId: number | null): AppError {
  let others: ImportRow[] = [];
  try {
    others = (db.prepare('SELECT * FROM imports').all() as ImportRow[]).filter((r) => r.id !== ownId && !isStale(r));
  } catch {
    /* the message stays generic */
  }
  const who = others.length ? others.map(describeImport).join('; ') : 'another process (an import, a training job or the review of an annotator)';
  return new AppError('busy', `The project database is busy: ${who} is writing and did not let go in time. Nothing was imported; try again when it has finished.`);
}

/**
 * Drops a hidden staging dataset (a failed, cancelled or killed import) in short transactions:
 * frames in batches (their labels, faces and crops' rows go with them), then media and the row.
 * A dataset that is not 'staging' is never touched.
 */
export async function dropStagingDataset(db: Db, datasetId: number, policy: ChunkPolicy = CHUNK_POLICY): Promise<void> {
  const state = db.prepare('SELECT state FROM datasets WHERE id = ?').pluck();
  const batch = db
    .prepare(`DELETE FROM frames WHERE id IN (SELECT f.id FROM media m JOIN frames f ON f.media_id = m.id WHERE m.dataset_id = ? LIMIT 2000) RETURNING id`)
    .pluck();
  // The deleted frames' cached crops and features go too: a later import may get their ids.
  const deleted: number[] = [];
  try {
    await dropStagingRows(db, datasetId, policy, state, batch, deleted);
  } finally {
    forgetFrames(path.dirname(db.name), deleted);
  }
}

async function dropStagingRows(
  db: Db,
  datasetId: number,
  policy: ChunkPolicy,
  state: Database.Statement,
  batch: Database.Statement,
  deleted: number[],
): Promise<void> {
  for (;;) {
    const done = immediateTransaction(db, policy.lockWaitMs, () => busyImportError(db, null), () => {
      if (state.get(datasetId) !== 'staging') return true;
      const t0 = performance.now();
      let n = 0;
      do {
        const ids = batch.all(datasetId) as number[];
        for (const id of ids) deleted.push(id);
        n = ids.length;
      } while (n > 0 && performance.now() - t0 < policy.chunkMs);
      if (n > 0) return false;
      db.prepare('DELETE FROM media WHERE dataset_id = ?').run(datasetId);
      db.prepare(`DELETE FROM datasets WHERE id = ? AND state = 'staging'`).run(datasetId); // its imports row goes with it
      return true;
    });
    if (done) return;
    pauseSync(policy.gapMs);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/**
 * Applies the stale rule: removes every stale imports row and its staging dataset, and staging
 * datasets no imports row owns. Resolves to the number of imports cleaned up.
 */
export async function cleanupStaleImports(project: Project, policy: ChunkPolicy = CHUNK_POLICY): Promise<number> {
  const db = project.db;
  const rows = db.prepare('SELECT * FROM imports').all() as ImportRow[];
  const orphans = db
    .prepare(`SELECT id FROM datasets WHERE state = 'staging' AND id NOT IN (SELECT staging_id FROM imports WHERE staging_id IS NOT NULL)`)
    .pluck()
    .all() as number[];
  let n = 0;
  for (const r of rows.filter(isStale)) {
    if (r.staging_id !== null) await dropStagingDataset(db, r.staging_id, policy);
    db.prepare('DELETE FROM imports WHERE id = ? AND pid = ? AND started_at = ?').run(r.id, r.pid, r.started_at);
    n++;
  }
  for (const id of orphans) {
    await dropStagingDataset(db, id, policy);
    n++;
  }
  return n;
}

/**
 * Registers the import in one short transaction and decides its mode: staged (with a new hidden
 * dataset row) when no published dataset has the name, single otherwise (or when asked).
 */
function registerImport(db: Db, dataset: string, format: string, sourcePath: string, single: boolean, policy: ChunkPolicy): WriterPlan {
  const now = new Date().toISOString();
  const plan = immediateTransaction(db, policy.lockWaitMs, () => busyImportError(db, null), () => {
    const live = db.prepare('SELECT * FROM imports WHERE dataset = ?').get(dataset) as ImportRow | undefined;
    if (live) {
      throw new AppError('busy', `Dataset "${dataset}" is being imported right now by ${describeImport(live)}; wait for it to finish, then import again. Nothing was changed.`);
    }
    const exists = db.prepare(`SELECT 1 FROM datasets WHERE name = ? AND state = 'ready'`).get(dataset) !== undefined;
    const mode = single || exists ? 'single' : 'staged';
    let stagingId: number | null = null;
    if (mode === 'staged') {
      stagingId = Number(
        db
          .prepare(`INSERT INTO datasets(name, source_format, source_path, settings, created_at, state) VALUES (?, ?, ?, '{}', ?, 'staging')`)
          .run(`${dataset} (importing ${randomUUID().slice(0, 8)})`, format, sourcePath, now).lastInsertRowid,
      );
    }
    const importId = Number(
      db
        .prepare('INSERT INTO imports(dataset, staging_id, format, pid, host, started_at, heartbeat_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run(dataset, stagingId, format, process.pid, os.hostname(), now, now).lastInsertRowid,
    );
    return { mode, importId, dataset, stagingId, policy, onBusy: () => busyImportError(db, importId) } satisfies WriterPlan;
  });
  liveHere.add(plan.importId);
  return plan;
}

/** Forgets an import that did not publish: its staging rows (best effort: left to the stale rule when that fails) and its row. */
async function unregisterFailed(db: Db, plan: WriterPlan): Promise<void> {
  liveHere.delete(plan.importId); // from now on stale by the rule, whatever happens below
  try {
    if (plan.stagingId !== null) await dropStagingDataset(db, plan.stagingId, plan.policy);
    immediateTransaction(db, plan.policy.lockWaitMs, plan.onBusy, () => db.prepare('DELETE FROM imports WHERE id = ?').run(plan.importId));
  } catch {
    /* left to the stale rule */
  }
}

/** The staged import's progress reports commit the open chunk before the importer yields. */
class ChunkedContext extends ImportContext {
  override async progress(done: number, total: number, stage: string): Promise<void> {
    this.w.yieldPoint();
    return super.progress(done, total, stage);
  }
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
  const datasetName = opts.dataset ?? format;
  const policy = { ...CHUNK_POLICY, ...runtime.chunks };
  const db = project.db;
  if (db.inTransaction) throw new AppError('conflict', 'Another write is in progress on this project connection; import refused.');
  let plan: WriterPlan;
  try {
    await cleanupStaleImports(project, policy);
    // merged labels write into existing datasets (and their human layer): one transaction
    plan = registerImport(db, datasetName, format, abs[0], format === 'merged' || !!runtime.single, policy);
  } catch (e) {
    throw isSqliteBusy(e) ? busyImportError(db, null) : e;
  }
  let w: ImportWriter;
  try {
    w = ImportWriter.begin(project, sum, plan);
  } catch (e) {
    await unregisterFailed(db, plan);
    throw isSqliteBusy(e) ? plan.onBusy() : e;
  }
  const Context = plan.mode === 'staged' ? ChunkedContext : ImportContext;
  const ctx = new Context(project, w, sum, opts, runtime.port ?? getMediaPort(), datasetName, onProgress, runtime.signal);
  sum.s.dataset = ctx.datasetName;
  try {
    await IMPORTERS[format](ctx, abs);
    w.finishSummary();
    w.publish();
    liveHere.delete(plan.importId);
    ctx.commitCrops();
  } catch (e) {
    w.rollback();
    ctx.rollbackCrops();
    await unregisterFailed(db, plan);
    throw isSqliteBusy(e) ? plan.onBusy() : e;
  } finally {
    ctx.close();
  }
  onProgress?.(1, 1, 'done');
  return sum.finish();
}
