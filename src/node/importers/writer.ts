// The database side of an import, in one of two modes (docs/ARCHITECTURE.md §3, "Writers"):
//
// - staged (an import that creates a dataset, the common and the large case): everything is written
//   under a hidden dataset row (datasets.state = 'staging', a placeholder name) in short
//   transactions (WriteChunks: ~25 ms each, then a pause), so other writers — an annotator's edit,
//   a job, another import — wait at most one chunk. Publishing is ONE short transaction: the row
//   takes its name and state 'ready'. Readers list 'ready' datasets only, so the dataset appears
//   whole or not at all. A failure or cancellation drops the staged rows (in chunks too); a killed
//   import leaves them hidden, and the next import removes them (the stale rule: see
//   cleanupStaleImports in index.ts).
// - single (a re-import into an existing dataset, and merged labels, which write into existing
//   datasets and their human layer): ONE write transaction over the whole import (BEGIN IMMEDIATE …
//   COMMIT, or ROLLBACK on any error), as before; other writers wait for it (their edits are
//   retried, not lost). Rewriting a published dataset cannot be hidden behind one flag.
//
// Either way a failed import leaves the project as it was. Re-import rule: a dataset is found by
// name, a media item by (dataset, name), a frame by (media, idx); before the labels of (media, task)
// are written, that media's IMPORTED labels for the task are deleted. Human labels and frames' face
// status set by the face pipeline survive.
//
// In single mode the transaction stays open across awaits (the importers yield between chunks so
// progress and cancellation flow). Callers must not write through the same connection meanwhile:
// the CLI and the worker job own their connection; other connections wait on SQLite's lock.
import type { Task } from '../../shared/labels';
import { AppError } from '../../shared/result';
import type { Project } from '../store/project';
import { BatchInsert, WriteChunks, type ChunkPolicy } from './batch';
import { beginImmediate } from '../store/busy';
import type { SummaryBuilder } from './summary';

/** Page cache during an import, in KiB (negative = KiB for SQLite's cache_size). */
export const IMPORT_CACHE_KIB = -65536;

export type Face = 'unknown' | 'ok' | 'none' | 'unusable';
export type MediaKind = 'video' | 'sequence' | 'images';

export interface MediaRow {
  id: number;
  name: string;
  kind: MediaKind;
  path: string;
  frameCount: number;
}

export interface FrameAttrs {
  path?: string | null;
  subject?: string | null;
  split?: string;
  face?: Face;
}

export type WriteMode = 'staged' | 'single';

export interface WriterPlan {
  mode: WriteMode;
  /** The imports row of this import (src/node/importers/index.ts registers it). */
  importId: number;
  /** The dataset name the import writes. */
  dataset: string;
  /** Staged mode: the hidden dataset row. */
  stagingId: number | null;
  policy: ChunkPolicy;
  /** The AppError thrown when the lock stays taken longer than policy.lockWaitMs. */
  onBusy: () => Error;
}

/** Heartbeat of a staged import's imports row, at most this often (ms). */
const HEARTBEAT_MS = 2000;

/** A progress report commits the open chunk once it is this old (ms). */
const YIELD_COMMIT_MIN_MS = 5;

export class ImportWriter {
  readonly now = new Date().toISOString();
  private nextId = 1;
  private readonly au: BatchInsert;
  private readonly expr: BatchInsert;
  private readonly va: BatchInsert;
  private readonly frameRows: BatchInsert;
  private readonly touched = new Set<number>();
  /** Media whose frames were all created by this import (nothing to clear on them). */
  readonly created = new Set<number>();
  private open = true;
  /** Staged mode: the bounded transactions; null in single mode. */
  private readonly chunks: WriteChunks | null;
  private lastBeat = 0;

  private constructor(
    readonly project: Project,
    private readonly sum: SummaryBuilder,
    readonly plan: WriterPlan,
  ) {
    const db = project.db;
    // the timestamp is ours (ISO-8601), so it is inlined rather than bound on every row
    const ts = `'${this.now}'`;
    const head = 'INSERT INTO labels(frame_id, task, layer, au_mask, au_bits, expr, valence, arousal, provenance, updated_at) VALUES ';
    this.au = new BatchInsert(db, head, `(?, 'au', 'imported', ?, ?, NULL, NULL, NULL, 'imported', ${ts})`, 3);
    this.expr = new BatchInsert(db, head, `(?, 'expr', 'imported', NULL, NULL, ?, NULL, NULL, 'imported', ${ts})`, 2);
    this.va = new BatchInsert(db, head, `(?, 'va', 'imported', NULL, NULL, NULL, ?, ?, 'imported', ${ts})`, 3);
    this.frameRows = new BatchInsert(db, 'INSERT INTO frames(id, media_id, idx, path, subject, split, face) VALUES ', '(?, ?, ?, ?, ?, ?, ?)', 7);
    this.chunks =
      plan.mode === 'staged'
        ? new WriteChunks(db, plan.policy, () => this.beforeChunkCommit(), plan.onBusy)
        : null;
  }

  /**
   * Starts the import's writing: in single mode its one transaction, in staged mode nothing yet (the
   * first write opens a chunk). Refuses a connection that is already inside a transaction.
   */
  static begin(project: Project, sum: SummaryBuilder, plan: WriterPlan): ImportWriter {
    if (project.db.inTransaction) throw new AppError('conflict', 'Another write is in progress on this project connection; import refused.');
    const w = new ImportWriter(project, sum, plan);
    // A bigger page cache keeps the growing frames/labels B-trees in memory instead of spilling
    // dirty pages mid-transaction (bounded: 64 MiB, whatever the file size); restored at the end.
    w.cacheSize = project.db.pragma('cache_size', { simple: true }) as number;
    project.db.pragma(`cache_size = ${IMPORT_CACHE_KIB}`);
    w.walPages = project.db.pragma('wal_autocheckpoint', { simple: true }) as number;
    if (plan.mode === 'staged') project.db.pragma(`wal_autocheckpoint = ${plan.policy.walPages}`);
    if (plan.mode === 'single') {
      try {
        beginImmediate(project.db, plan.policy.lockWaitMs, plan.onBusy);
      } catch (e) {
        w.restoreCache();
        throw e;
      }
    }
    return w;
  }

  private cacheSize = 0;
  private walPages = 1000;

  private restoreCache(): void {
    if (!this.db.open) return;
    this.db.pragma(`cache_size = ${this.cacheSize}`);
    this.db.pragma(`wal_autocheckpoint = ${this.walPages}`);
  }

  get db() {
    return this.project.db;
  }

  /** Before a write: staged mode opens a chunk when none is open. */
  private w(): void {
    this.chunks?.ensure();
  }

  /** After `rows` written: staged mode commits the chunk once its time is up. */
  private tick(rows = 1): void {
    this.chunks?.tick(rows);
  }

  /** Frames buffered with reserved ids must be in before the lock is let go (another writer could take those ids). */
  private beforeChunkCommit(): void {
    this.frameRows.flush();
    const t = Date.now();
    if (t - this.lastBeat >= HEARTBEAT_MS) {
      this.lastBeat = t;
      this.db.prepare('UPDATE imports SET heartbeat_at = ? WHERE id = ?').run(new Date(t).toISOString(), this.plan.importId);
    }
  }

  /**
   * Called before the importer yields to the event loop (each progress report): staged mode commits
   * the open chunk, so in-process writers find the lock free while the import awaits.
   */
  yieldPoint(): void {
    // a chunk opened a moment ago is left open: committing it would cost more than the wait it saves
    this.chunks?.commit(YIELD_COMMIT_MIN_MS);
  }

  /**
   * Makes the import visible. Single mode: COMMIT. Staged mode: the last chunk (the rows still
   * buffered) and the publish in one short transaction: the hidden row takes its name and 'ready'.
   */
  publish(): void {
    if (this.chunks) {
      this.chunks.ensure();
      this.flush();
      try {
        const n = this.db
          .prepare(`UPDATE datasets SET name = ?, state = 'ready' WHERE id = ? AND state = 'staging'`)
          .run(this.plan.dataset, this.plan.stagingId).changes;
        if (n !== 1) throw new AppError('conflict', `The staged rows of dataset "${this.plan.dataset}" were removed while it was imported; nothing was imported.`);
      } catch (e) {
        if ((e as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') {
          throw new AppError('conflict', `Dataset "${this.plan.dataset}" was created by another import while this one ran; nothing was imported. Import again to update it.`);
        }
        throw e;
      }
      this.db.prepare('DELETE FROM imports WHERE id = ?').run(this.plan.importId);
      this.chunks.commit();
    } else {
      this.flush();
      this.db.prepare('DELETE FROM imports WHERE id = ?').run(this.plan.importId);
      this.db.exec('COMMIT');
    }
    this.open = false;
    this.restoreCache();
  }

  /** Undoes what is not committed: single mode the whole import, staged mode the open chunk (the caller drops the staging rows). */
  rollback(): void {
    if (!this.open) return;
    this.open = false;
    if (this.chunks) this.chunks.rollback();
    else if (this.db.inTransaction) this.db.exec('ROLLBACK');
    this.restoreCache();
  }

  flush(): void {
    if (this.frameRows.pending + this.au.pending + this.expr.pending + this.va.pending === 0) return;
    this.w();
    this.frameRows.flush();
    this.au.flush();
    this.expr.flush();
    this.va.flush();
  }

  // ---------- datasets and media ----------

  /** Finds or creates the dataset (staged mode: the hidden row); settings are merged into the existing ones. */
  dataset(name: string, format: string, sourcePath: string, settings: Record<string, unknown>): number {
    const staged = this.plan.stagingId !== null && name === this.plan.dataset;
    const row = (
      staged
        ? this.db.prepare('SELECT id, source_format AS format, settings FROM datasets WHERE id = ?').get(this.plan.stagingId)
        : this.db.prepare(`SELECT id, source_format AS format, settings FROM datasets WHERE name = ? AND state = 'ready'`).get(name)
    ) as { id: number; format: string; settings: string } | undefined;
    this.w();
    if (row) {
      if (row.format !== format) {
        throw new AppError('conflict', `Dataset "${name}" holds ${row.format} data; import ${format} under another --dataset name.`);
      }
      const merged = { ...(JSON.parse(row.settings) as Record<string, unknown>), ...settings };
      this.db.prepare('UPDATE datasets SET source_path = ?, settings = ? WHERE id = ?').run(sourcePath, JSON.stringify(merged), row.id);
      return row.id;
    }
    if (staged) throw new AppError('conflict', `The staged rows of dataset "${name}" were removed while it was imported; nothing was imported.`);
    return Number(
      this.db
        .prepare('INSERT INTO datasets(name, source_format, source_path, settings, created_at) VALUES (?, ?, ?, ?, ?)')
        .run(name, format, sourcePath, JSON.stringify(settings), this.now).lastInsertRowid,
    );
  }

  /** Settings of an existing dataset (re-import: options not given keep their earlier values). */
  existingSettings(name: string): Record<string, unknown> {
    const s = (
      this.plan.stagingId !== null && name === this.plan.dataset
        ? this.db.prepare('SELECT settings FROM datasets WHERE id = ?').pluck().get(this.plan.stagingId)
        : this.db.prepare(`SELECT settings FROM datasets WHERE name = ? AND state = 'ready'`).pluck().get(name)
    ) as string | undefined;
    return s ? (JSON.parse(s) as Record<string, unknown>) : {};
  }

  findMedia(datasetId: number, name: string): MediaRow | undefined {
    return this.db
      .prepare('SELECT id, name, kind, path, frame_count AS frameCount FROM media WHERE dataset_id = ? AND name = ?')
      .get(datasetId, name) as MediaRow | undefined;
  }

  /** Creates or updates a media item that is not a video (videos go through the media port). */
  upsertMedia(datasetId: number, name: string, kind: MediaKind, storedPath: string): number {
    this.w();
    const id = this.db
      .prepare(
        `INSERT INTO media(dataset_id, name, kind, path, created_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT(dataset_id, name) DO UPDATE SET kind = excluded.kind, path = excluded.path
         RETURNING id`,
      )
      .pluck()
      .get(datasetId, name, kind, storedPath, this.now) as number;
    this.touch(id);
    return id;
  }

  /** Marks a media item as part of this import (its frames are counted in the summary). */
  touch(mediaId: number): void {
    if (!this.touched.has(mediaId)) {
      this.touched.add(mediaId);
      this.sum.s.media++;
    }
  }

  /** Sets media.frame_count: `n`, or by default the number of frame rows (image datasets, where idx may have gaps). */
  setFrameCount(mediaId: number, n?: number): void {
    this.flush();
    this.w();
    if (n === undefined) n = this.db.prepare('SELECT COUNT(*) FROM frames WHERE media_id = ?').pluck().get(mediaId) as number;
    this.db.prepare('UPDATE media SET frame_count = ? WHERE id = ?').run(n, mediaId);
  }

  // ---------- frames ----------

  /** Frame table of one media item, loaded with the frames it already has. */
  frames(mediaId: number, defaults: { split: string; subject?: string | null }): MediaFrames {
    this.touch(mediaId);
    this.flush();
    this.w();
    return new MediaFrames(this, mediaId, defaults);
  }

  /** Reserves `k` consecutive frame ids above everything in the table and everything reserved. */
  allocIds(k: number): number {
    this.w();
    const max = this.db.prepare('SELECT COALESCE(MAX(id), 0) FROM frames').pluck().get() as number;
    const base = Math.max(this.nextId, max + 1);
    this.nextId = base + k;
    return base;
  }

  insertFrameRange(mediaId: number, base: number, from: number, to: number, split: string, subject: string | null, face: Face): void {
    this.w();
    this.frameRows.flush();
    this.db
      .prepare(
        `INSERT INTO frames(id, media_id, idx, subject, split, face)
         WITH RECURSIVE s(i) AS (SELECT @from UNION ALL SELECT i + 1 FROM s WHERE i + 1 < @to)
         SELECT @base + i - @from, @media, i, @subject, @split, @face FROM s`,
      )
      .run({ from, to, base, media: mediaId, subject, split, face });
    this.sum.s.framesCreated += to - from;
    this.tick(to - from);
  }

  insertFrame(id: number, mediaId: number, idx: number, a: Required<FrameAttrs>): void {
    this.w();
    this.frameRows.add(id, mediaId, idx, a.path, a.subject, a.split, a.face);
    this.sum.s.framesCreated++;
    this.tick();
  }

  /** Writes through the import's transaction (staged mode: opens a chunk first; counts toward its time). */
  write<T>(fn: (db: ImportWriter['db']) => T, rows = 1): T {
    this.w();
    const out = fn(this.db);
    this.tick(rows);
    return out;
  }

  // ---------- labels ----------

  /** Deletes the imported labels of `task` on every frame of the media item (re-import). */
  clearImported(mediaId: number, task: Task): void {
    if (this.created.has(mediaId)) return; // frames created by this import carry no labels yet
    this.flush();
    this.w();
    this.db
      .prepare(`DELETE FROM labels WHERE task = ? AND layer = 'imported' AND frame_id IN (SELECT id FROM frames WHERE media_id = ?)`)
      .run(task, mediaId);
  }

  /** AU label: mask = labelled AUs, bits = active ones (bit n = AU n). Numbers when every AU < 53, else bigint. */
  addAu(frameId: number, mask: number | bigint, bits: number | bigint): void {
    if (this.chunks) this.chunks.ensure();
    if (this.frameRows.pending) this.frameRows.flush(); // labels reference frames (foreign key)
    this.au.add(frameId, mask, bits);
    this.sum.s.labels.au++;
    if (this.chunks) this.chunks.tick();
  }

  addExpr(frameId: number, expr: number): void {
    if (this.chunks) this.chunks.ensure();
    if (this.frameRows.pending) this.frameRows.flush();
    this.expr.add(frameId, expr);
    this.sum.s.labels.expr++;
    if (this.chunks) this.chunks.tick();
  }

  addVa(frameId: number, valence: number, arousal: number): void {
    if (this.chunks) this.chunks.ensure();
    if (this.frameRows.pending) this.frameRows.flush();
    this.va.add(frameId, valence, arousal);
    this.sum.s.labels.va++;
    if (this.chunks) this.chunks.tick();
  }

  /** Frames per split over every media item this import touched (for the summary). */
  finishSummary(): void {
    this.flush();
    this.chunks?.commit(); // a read over every frame of the import: not inside a chunk
    const rows = this.db
      .prepare('SELECT split, COUNT(*) AS n FROM frames WHERE media_id IN (SELECT value FROM json_each(?)) GROUP BY split')
      .all(JSON.stringify([...this.touched])) as { split: string; n: number }[];
    const splits: Record<string, number> = {};
    let frames = 0;
    for (const r of rows) {
      splits[r.split] = r.n;
      frames += r.n;
    }
    this.sum.s.splits = splits;
    this.sum.s.frames = frames;
  }
}

/**
 * The frames of one media item during an import: idx → frame id, creating missing frames on demand.
 * Existing frames keep their id (human labels point at it) and their face status unless the import
 * states it (an image sequence knows which frames have a face image).
 */
export class MediaFrames {
  private ids = new Float64Array(1024);
  private count = 0; // 1 + highest idx known
  private readonly update;

  constructor(
    private readonly w: ImportWriter,
    readonly mediaId: number,
    private readonly defaults: { split: string; subject?: string | null },
  ) {
    const rows = w.db.prepare('SELECT id, idx FROM frames WHERE media_id = ?').raw().all(mediaId) as [number, number][];
    for (const [id, idx] of rows) this.set(idx, id);
    if (rows.length === 0) w.created.add(mediaId); // no frames → no labels to clear on re-import
    // attributes the import states (setPath/setFace) replace the stored ones, even by NULL
    this.update = w.db.prepare(
      `UPDATE frames SET split = @split, subject = @subject,
         path = CASE WHEN @setPath THEN @path ELSE path END, face = CASE WHEN @setFace THEN @face ELSE face END
       WHERE id = @id`,
    );
    if (rows.length) {
      // existing frames take this import's split and subject
      w.db
        .prepare('UPDATE frames SET split = ?, subject = ? WHERE media_id = ?')
        .run(defaults.split, defaults.subject ?? null, mediaId);
    }
  }

  private set(idx: number, id: number): void {
    if (idx >= this.ids.length) {
      let n = this.ids.length;
      while (n <= idx) n *= 2;
      const grown = new Float64Array(n);
      grown.set(this.ids);
      this.ids = grown;
    }
    this.ids[idx] = id;
    if (idx + 1 > this.count) this.count = idx + 1;
  }

  /** Frame id of idx, or 0 when the frame does not exist. */
  id(idx: number): number {
    return idx < this.ids.length ? this.ids[idx] : 0;
  }

  /** 1 + the highest frame index present. */
  get size(): number {
    return this.count;
  }

  /** Makes frames 0..n-1 exist (new ones with the defaults and `face`). Fast path for videos and label-only media. */
  ensure(n: number, face: Face = 'unknown'): void {
    let i = 0;
    while (i < n) {
      if (this.id(i)) {
        i++;
        continue;
      }
      let j = i;
      while (j < n && !this.id(j)) j++;
      const base = this.w.allocIds(j - i);
      this.w.insertFrameRange(this.mediaId, base, i, j, this.defaults.split, this.defaults.subject ?? null, face);
      for (let k = i; k < j; k++) this.set(k, base + k - i);
      i = j;
    }
  }

  /** Creates or updates one frame with explicit attributes; returns its id. */
  put(idx: number, a: FrameAttrs): number {
    const existing = this.id(idx);
    const split = a.split ?? this.defaults.split;
    const subject = a.subject !== undefined ? a.subject : (this.defaults.subject ?? null);
    if (existing) {
      this.w.write(() => this.update.run({
        id: existing,
        split,
        subject,
        setPath: a.path !== undefined ? 1 : 0,
        path: a.path ?? null,
        setFace: a.face !== undefined ? 1 : 0,
        face: a.face ?? null,
      }));
      return existing;
    }
    const id = this.w.allocIds(1);
    this.w.insertFrame(id, this.mediaId, idx, { path: a.path ?? null, subject, split, face: a.face ?? 'unknown' });
    this.set(idx, id);
    return id;
  }
}
