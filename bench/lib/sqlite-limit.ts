// The limits our import and export rates are measured against, in the same run: the same rows
// through a bare better-sqlite3 prepared statement, nothing else. Absolute rates differ ~3× between
// machines and with the load on them; the ratio ours / bare does much less.
//   insert: the frames and label rows an import wrote, read back (untimed, in chunks) and inserted
//           again row by row with one prepared INSERT per table, in ONE transaction, into a fresh
//           project (same schema, indexes and pragmas, and the importer's page cache). Our importer
//           writes multi-row INSERTs in short transactions (so other writers get the lock), and
//           parses the files too.
//   select: every frame with its label rows (frames LEFT JOIN labels, by media and index) and the
//           model's soft-label records, iterated with .raw() and every value touched, nothing
//           written. Our export also merges the layers, fills gaps from the model and writes a file.
import type { Db } from '../../src/node/store/database';
import { IMPORT_CACHE_KIB } from '../../src/node/importers/writer';

const CHUNK = 50_000;

/** Copies `table`'s rows from `src` into `dst` with one prepared INSERT; returns [rows, seconds spent inserting]. */
function copyTable(src: Db, dst: Db, table: string, timed: boolean): [number, number] {
  const cols = (src.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map((c) => c.name);
  const insert = dst.prepare(`INSERT INTO ${table} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`);
  const read = src.prepare(`SELECT ${cols.join(', ')} FROM ${table}`).raw(true);
  let rows = 0;
  let seconds = 0;
  let chunk: unknown[][] = [];
  const flush = () => {
    const t0 = performance.now();
    for (const r of chunk) insert.run(r);
    if (timed) seconds += (performance.now() - t0) / 1000;
    rows += chunk.length;
    chunk = [];
  };
  for (const r of read.iterate() as IterableIterator<unknown[]>) {
    chunk.push(r);
    if (chunk.length === CHUNK) flush();
  }
  flush();
  return [rows, seconds];
}

/**
 * Re-inserts the frames and labels of `src` (a project an import just wrote) into `dst` (a fresh,
 * empty project) the bare way; datasets and media first, untimed. Returns the seconds spent in the
 * frames and labels INSERTs (reading `src` excluded) and the label rows written.
 */
export function bareInsert(src: Db, dst: Db): { seconds: number; labelRows: number; frames: number } {
  dst.pragma(`cache_size = ${IMPORT_CACHE_KIB}`);
  dst.exec('BEGIN IMMEDIATE');
  try {
    copyTable(src, dst, 'datasets', false);
    copyTable(src, dst, 'media', false);
    const [frames, framesSeconds] = copyTable(src, dst, 'frames', true);
    const [labelRows, labelSeconds] = copyTable(src, dst, 'labels', true);
    const t0 = performance.now();
    dst.exec('COMMIT');
    return { seconds: framesSeconds + labelSeconds + (performance.now() - t0) / 1000, labelRows, frames };
  } catch (e) {
    dst.exec('ROLLBACK');
    throw e;
  }
}

/**
 * Reads every frame with its labels, and `model`'s soft labels when given, the bare way. Returns the
 * frames read (the rows an export of every frame writes) and the seconds.
 */
export function bareSelect(db: Db, model: number | null): { seconds: number; frames: number } {
  const t0 = performance.now();
  const media = db.prepare('SELECT id FROM media ORDER BY id').pluck().all() as number[];
  const rows = db
    .prepare(
      `SELECT f.id, f.idx, f.path, f.subject, f.split, l.task, l.layer, l.au_mask, l.au_bits, l.expr, l.valence, l.arousal, l.provenance, l.model_id
       FROM frames f LEFT JOIN labels l ON l.frame_id = f.id WHERE f.media_id = ? ORDER BY f.idx`,
    )
    .raw(true);
  const soft = db.prepare('SELECT s.frame_id, s.data FROM frames f JOIN soft_labels s ON s.model_id = ? AND s.frame_id = f.id WHERE f.media_id = ? ORDER BY f.idx').raw(true);
  let frames = 0;
  let last = -1;
  let touched = 0;
  const touch = (r: unknown[]) => {
    for (const v of r) touched += typeof v === 'number' ? 1 : v == null ? 0 : (v as { length: number }).length;
  };
  for (const m of media) {
    for (const r of rows.iterate(m) as IterableIterator<unknown[]>) {
      if (r[0] !== last) {
        frames++;
        last = r[0] as number;
      }
      touch(r);
    }
    if (model != null) for (const r of soft.iterate(model, m) as IterableIterator<unknown[]>) touch(r);
  }
  if (touched < 0) throw new Error('unreachable');
  return { seconds: (performance.now() - t0) / 1000, frames };
}
