// One opener for the project's rebuildable cache files (cache/crops.sqlite, cache/features.sqlite):
// creates the folder, waits BUSY_TIMEOUT_MS for locks, WAL with synchronous NORMAL (a cache can be
// rebuilt, so the last commits before a power cut may go), and the schema versioned by
// user_version: a file from a newer version is refused, an older (or new, empty) one gets `schema`
// (CREATE … IF NOT EXISTS statements) and the current version.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { BUSY_TIMEOUT_MS } from './busy';

export interface CacheFileSpec {
  /** The file, relative to the project folder (e.g. cache/crops.sqlite). */
  file: string;
  /** What the file holds, for the error a newer file gets ("crop cache"). */
  what: string;
  version: number;
  /** SQL creating the tables (IF NOT EXISTS), run when the file's user_version is below `version`. */
  schema: string;
}

/** Opens (creating if needed) a cache file of the project in `projectDir`. */
export function openCacheDb(projectDir: string, spec: CacheFileSpec): { file: string; db: Database.Database } {
  const file = path.join(projectDir, spec.file);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file);
  try {
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    const v = db.pragma('user_version', { simple: true }) as number;
    if (v > spec.version) throw new Error(`${file} was written by a newer Affect Workbench (${spec.what} version ${v})`);
    if (v < spec.version) {
      db.exec(spec.schema);
      db.pragma(`user_version = ${spec.version}`);
    }
  } catch (e) {
    db.close();
    throw e;
  }
  return { file, db };
}
