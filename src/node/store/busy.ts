// The one home of what a busy project database means and how each kind of writer meets it
// (docs/ARCHITECTURE.md §3). Several processes write one SQLite file; SQLite serialises them:
//   - every connection waits up to BUSY_TIMEOUT_MS for the lock (openDatabase sets it);
//   - a write that still meets SQLITE_BUSY surfaces as AppError('busy'), one readable line
//     (isBusyError, busyError, rethrowBusy); best-effort writes wait less (withBusyTimeout);
//   - an import's chunk waits up to its policy's lockWaitMs (beginImmediate);
//   - an interactive write (edit, undo, redo) polls without blocking the event loop and is kept
//     by the renderer when it finally answers 'busy' (writeRetrying).
import { AppError } from '../../shared/result';
import type { Db } from './database';

/** How long every connection waits for another process's write lock before SQLITE_BUSY. */
export const BUSY_TIMEOUT_MS = 5000;

/** A raw SQLite busy/locked error from the driver (another connection holds the lock). */
export function isSqliteBusy(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
}

/** A raw busy error, or one already turned into AppError('busy'). */
export function isBusyError(e: unknown): boolean {
  return isSqliteBusy(e) || (e as { code?: unknown } | null)?.code === 'busy';
}

/** The one-line error a user sees when the project database stays locked by another process. */
export function busyError(what = 'the project database is busy'): AppError {
  return new AppError('busy', `${what} (another process is writing to it, e.g. an import); try again in a moment.`);
}

/** Rethrows a busy error as busyError(what); anything else unchanged. */
export function rethrowBusy(e: unknown, what?: string): never {
  throw isBusyError(e) && !(e instanceof AppError) ? busyError(what) : e;
}

/**
 * Runs `fn` with a shorter busy timeout (a best-effort write such as a heartbeat must not block the
 * event loop for the full BUSY_TIMEOUT_MS while another process holds the lock).
 */
export function withBusyTimeout<T>(db: Db, ms: number, fn: () => T): T {
  const prev = db.pragma('busy_timeout', { simple: true }) as number;
  db.pragma(`busy_timeout = ${Math.max(0, Math.round(ms))}`);
  try {
    return fn();
  } finally {
    if (db.open) db.pragma(`busy_timeout = ${prev}`);
  }
}

/**
 * BEGIN IMMEDIATE, retried while another connection holds the lock (each try waits the connection's
 * busy_timeout) for up to `waitMs`; then `onBusy()` is thrown.
 */
export function beginImmediate(db: Db, waitMs: number, onBusy: () => Error): void {
  const deadline = performance.now() + waitMs;
  for (;;) {
    try {
      db.exec('BEGIN IMMEDIATE');
      return;
    } catch (e) {
      if (!isSqliteBusy(e)) throw e;
      if (performance.now() >= deadline) throw onBusy();
    }
  }
}

/** `fn` in one transaction taken with beginImmediate (same wait and error), committed, or rolled back when it throws. */
export function immediateTransaction<T>(db: Db, waitMs: number, onBusy: () => Error, fn: () => T): T {
  beginImmediate(db, waitMs, onBusy);
  try {
    const out = fn();
    db.exec('COMMIT');
    return out;
  } catch (e) {
    if (db.inTransaction) db.exec('ROLLBACK');
    throw e;
  }
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

/** BEGIN IMMEDIATE without waiting: false when another connection (or a transaction already open on this one) holds the lock. */
function tryBeginImmediate(db: Db): boolean {
  if (db.inTransaction) return false;
  try {
    withBusyTimeout(db, 0, () => db.exec('BEGIN IMMEDIATE'));
    return true;
  } catch (e) {
    if (isSqliteBusy(e)) return false;
    throw e;
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
