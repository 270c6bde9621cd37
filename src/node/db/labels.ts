// Reading labels: the effective label of a frame and task is the human layer where it exists
// (a human row with NULL values = cleared), else the imported layer. And writing them while other
// processes write (writeRetrying, at the end).
import type { FrameLabels, TaskCounts } from '../../shared/contract';
import { AppError } from '../../shared/result';
import { isSqliteBusy, type Db } from './database';

/** Map of AU number → 0/1 from the stored bit sets. */
export function auRecord(mask: bigint, bits: bigint): Record<string, 0 | 1> {
  const out: Record<string, 0 | 1> = {};
  for (let n = 1; n <= 62; n++) {
    const b = 1n << BigInt(n);
    if (mask & b) out[`AU${n}`] = bits & b ? 1 : 0;
  }
  return out;
}

interface LabelRow {
  idx: number;
  task: 'au' | 'expr' | 'va';
  layer: 'imported' | 'human';
  au_mask: bigint | null;
  au_bits: bigint | null;
  expr: bigint | null;
  valence: number | null;
  arousal: number | null;
  provenance: string;
}

/** Effective labels of frames [from, to] of a media item, one entry per existing frame. */
export function labelsInRange(db: Db, mediaId: number, from: number, to: number): FrameLabels[] {
  const frames = db
    .prepare('SELECT idx FROM frames WHERE media_id = ? AND idx BETWEEN ? AND ? ORDER BY idx')
    .pluck()
    .all(mediaId, from, to) as number[];
  const rows = db
    .prepare(
      `SELECT f.idx, l.task, l.layer, l.au_mask, l.au_bits, l.expr, l.valence, l.arousal, l.provenance
       FROM frames f JOIN labels l ON l.frame_id = f.id
       WHERE f.media_id = ? AND f.idx BETWEEN ? AND ?
       ORDER BY f.idx, l.task, l.layer`,
    )
    .safeIntegers(true)
    .all(mediaId, from, to) as LabelRow[];
  const byIdx = new Map<number, FrameLabels>();
  for (const idx of frames) byIdx.set(idx, { frame: idx, au: null, expr: null, va: null });
  const decided = new Set<string>();
  for (const r of rows) {
    const idx = Number(r.idx);
    const key = `${idx}:${r.task}`;
    // layer sorts 'human' before 'imported': the first row seen for a task is the one in force.
    if (decided.has(key)) continue;
    decided.add(key);
    const fl = byIdx.get(idx);
    if (!fl) continue;
    if (r.task === 'au' && r.au_mask !== null) fl.au = { value: auRecord(r.au_mask, r.au_bits ?? 0n), provenance: r.provenance };
    if (r.task === 'expr' && r.expr !== null) fl.expr = { value: Number(r.expr), provenance: r.provenance };
    if (r.task === 'va' && r.valence !== null && r.arousal !== null)
      fl.va = { valence: Number(r.valence), arousal: Number(r.arousal), provenance: r.provenance };
  }
  return [...byIdx.values()];
}

/** SQL selecting (frame_id, task) of every effective, non-cleared label. */
export const EFFECTIVE_LABELS_SQL = `
  SELECT l.frame_id, l.task FROM labels l
  WHERE (l.layer = 'human' AND (l.au_mask IS NOT NULL OR l.expr IS NOT NULL OR l.valence IS NOT NULL))
     OR (l.layer = 'imported' AND NOT EXISTS (
          SELECT 1 FROM labels h WHERE h.frame_id = l.frame_id AND h.task = l.task AND h.layer = 'human'))`;

/** Effective label counts per media item and task. */
export function labelCountsByMedia(db: Db): Map<number, TaskCounts> {
  const rows = db
    .prepare(
      `SELECT f.media_id AS mediaId, e.task AS task, COUNT(*) AS n
       FROM (${EFFECTIVE_LABELS_SQL}) e JOIN frames f ON f.id = e.frame_id
       GROUP BY f.media_id, e.task`,
    )
    .all() as { mediaId: number; task: keyof TaskCounts; n: number }[];
  const out = new Map<number, TaskCounts>();
  for (const r of rows) {
    const c = out.get(r.mediaId) ?? { au: 0, expr: 0, va: 0 };
    c[r.task] = r.n;
    out.set(r.mediaId, c);
  }
  return out;
}

// ---------- writes that meet a busy database ----------
//
// Another process may hold the write lock for a while (an import's chunk, a job's batch, a
// re-import's single transaction). An interactive write — a review edit, undo, redo — is then
// retried, never dropped: it polls for the lock every millisecond or so (SQLite's own busy handler
// sleeps up to 100 ms between tries and blocks the event loop meanwhile), for up to BUSY_RETRY_MS,
// and only then fails with AppError 'busy', which the renderer keeps and retries.

/** How long an interactive write keeps trying: the connection's busy_timeout (5 s) and 3 s more. */
export const BUSY_RETRY_MS = 8000;

export const BUSY_EDIT_MESSAGE =
  'The project database is busy (an import or training job is writing); your edit is kept and will be retried.';

/** SQLite's "database is locked" (SQLITE_BUSY and its extended codes, SQLITE_LOCKED). */

/** BEGIN IMMEDIATE without waiting: false when another connection (or a transaction already open on this one) holds the lock. */
function tryBeginImmediate(db: Db): boolean {
  if (db.inTransaction) return false;
  const prev = db.pragma('busy_timeout', { simple: true }) as number;
  db.pragma('busy_timeout = 0');
  try {
    db.exec('BEGIN IMMEDIATE');
    return true;
  } catch (e) {
    if (isSqliteBusy(e)) return false;
    throw e;
  } finally {
    db.pragma(`busy_timeout = ${prev}`);
  }
}

/** A staged import wrote its heartbeat this recently (ms): it is running and checkpoints the WAL itself. */
const IMPORT_BEAT_MS = 30_000;

/**
 * COMMIT; while a staged import runs, without the automatic WAL checkpoint: the import checkpoints
 * the pages it writes itself (src/node/importers/batch.ts, walPages), and an edit that did it would
 * copy the import's pages before it answers.
 */
function commitLeavingCheckpoints(db: Db): void {
  let importing = false;
  try {
    importing = db.prepare('SELECT 1 FROM imports WHERE heartbeat_at > ? LIMIT 1').get(new Date(Date.now() - IMPORT_BEAT_MS).toISOString()) !== undefined;
  } catch {
    /* a database without the imports table (schema < 6) */
  }
  if (!importing) {
    db.exec('COMMIT');
    return;
  }
  const pages = db.pragma('wal_autocheckpoint', { simple: true }) as number;
  db.pragma('wal_autocheckpoint = 0');
  try {
    db.exec('COMMIT');
  } finally {
    db.pragma(`wal_autocheckpoint = ${pages}`);
  }
}

/**
 * Runs `fn` inside a write transaction taken with BEGIN IMMEDIATE (so a read-then-write never meets
 * SQLITE_BUSY halfway), retrying while the database is busy; after `budgetMs` throws
 * AppError('busy', message). `fn`'s own db.transaction() calls become savepoints of this one.
 */
export async function writeRetrying<T>(db: Db, fn: () => T, opts: { budgetMs?: number; message?: string } = {}): Promise<T> {
  const budget = opts.budgetMs ?? BUSY_RETRY_MS;
  const t0 = performance.now();
  for (let attempt = 0; ; attempt++) {
    if (tryBeginImmediate(db)) {
      try {
        const out = fn();
        commitLeavingCheckpoints(db);
        return out;
      } catch (e) {
        if (db.inTransaction) db.exec('ROLLBACK');
        if (!isSqliteBusy(e)) throw e;
      }
    }
    const left = budget - (performance.now() - t0);
    if (left <= 0) throw new AppError('busy', opts.message ?? BUSY_EDIT_MESSAGE);
    // ~1 ms polls first (an import lets go of the lock for a moment after every chunk), then 5 ms
    await new Promise<void>((resolve) => setTimeout(resolve, Math.min(left, attempt < 1000 ? 1 : 5)));
  }
}
