// Opening a project database: WAL, foreign keys, numbered migrations, and a clear refusal of a
// database written by a newer version of the workbench. Several processes may have a project open
// (the app, `serve`, a CLI verb, their workers); SQLite serialises their writers and every
// connection waits up to BUSY_TIMEOUT_MS for a lock. A write that still finds the database busy
// (another process holds a long transaction, e.g. an import) surfaces as AppError 'busy', one line.
import Database from 'better-sqlite3';
import { AppError } from '../../shared/result';
import { MIGRATIONS, SCHEMA_VERSION, type Migration } from './migrations';

export type Db = Database.Database;

export interface OpenOptions {
  /** Create the file if missing (otherwise a missing file is an error). */
  create?: boolean;
  readonly?: boolean;
  /** Migrations to apply (tests pass a prefix of the list to check each step). */
  migrations?: Migration[];
}

/** How long every connection waits for another process's write lock before SQLITE_BUSY. */
export const BUSY_TIMEOUT_MS = 5000;

/** SQLite's "database is locked" (SQLITE_BUSY*, SQLITE_LOCKED*), or an AppError 'busy'. */
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

export function openDatabase(file: string, opts: OpenOptions = {}): Db {
  let db: Db;
  try {
    db = new Database(file, { fileMustExist: !opts.create, readonly: !!opts.readonly });
  } catch (e) {
    throw new AppError('not-found', `Cannot open project database ${file}: ${(e as Error).message}`);
  }
  try {
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    // Refuse a newer database before anything (even the journal mode) touches the file.
    refuseNewer(db, file);
    if (!opts.readonly) db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    db.pragma('synchronous = NORMAL');
    migrate(db, file, opts.migrations ?? MIGRATIONS, !!opts.readonly);
    return db;
  } catch (e) {
    db.close();
    throw e;
  }
}

export function userVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

function refuseNewer(db: Db, file: string): void {
  const current = userVersion(db);
  if (current > SCHEMA_VERSION) {
    throw new AppError(
      'newer-version',
      `${file} was written by a newer Affect Workbench (schema ${current}; this version knows up to ${SCHEMA_VERSION}). ` +
        'Update the workbench to open it; nothing was changed.',
    );
  }
}

function migrate(db: Db, file: string, migrations: Migration[], readonly: boolean): void {
  const current = userVersion(db);
  const latest = migrations.length ? migrations[migrations.length - 1].version : 0;
  if (current >= latest) return;
  if (readonly) throw new AppError('conflict', `${file} needs migration to schema ${latest}; open it writable once.`);
  for (const m of migrations) {
    if (m.version <= current) continue;
    // Each migration in its own transaction: a failure leaves the database at the previous version.
    const apply = db.transaction(() => {
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    });
    try {
      apply();
    } catch (e) {
      if (isBusyError(e)) throw busyError(`${file} could not be migrated to schema ${m.version}: the database is busy`);
      throw new AppError('migration-failed', `Migration ${m.version} (${m.name}) failed on ${file}: ${(e as Error).message}`);
    }
  }
}
