// Opening a project database: WAL, foreign keys, numbered migrations, and a clear refusal of a
// database written by a newer version of the workbench. Several processes may have a project open
// (the app, `serve`, a CLI verb, their workers); SQLite serialises their writers and every
// connection waits up to BUSY_TIMEOUT_MS for a lock. A write that still finds the database busy
// (another process holds a long transaction, e.g. an import) surfaces as AppError 'busy', one line.
import Database from 'better-sqlite3';
import { AppError } from '../../shared/result';
import { BUSY_TIMEOUT_MS, busyError, isBusyError } from './busy';
import { MIGRATIONS, SCHEMA_VERSION, type Migration } from './migrations';

export type Db = Database.Database;

export interface OpenOptions {
  /** Create the file if missing (otherwise a missing file is an error). */
  create?: boolean;
  readonly?: boolean;
  /** Migrations to apply (tests pass a prefix of the list to check each step). */
  migrations?: Migration[];
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
