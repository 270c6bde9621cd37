// The database side of an import: ONE write transaction over the whole import (BEGIN IMMEDIATE …
// COMMIT, or ROLLBACK on any error, so a failed import leaves the project exactly as before),
// idempotent upserts of dataset / media / frames, and batched label inserts.
//
// Re-import rule: a dataset is found by name, a media item by (dataset, name), a frame by
// (media, idx); before the labels of (media, task) are written, that media's IMPORTED labels for
// the task are deleted. Human labels and frames' face status set by the face pipeline survive.
//
// The transaction stays open across awaits (the importers yield between chunks so progress and
// cancellation flow). Callers must not write through the same connection meanwhile: the CLI and the
// worker job own their connection; other connections wait on SQLite's lock (busy_timeout).
import type { Task } from '../../shared/labels';
import { AppError } from '../../shared/result';
import type { Project } from '../project';
import { BatchInsert } from './batch';
import type { SummaryBuilder } from './summary';

/** Page cache during an import, in KiB (negative = KiB for SQLite's cache_size). */
const IMPORT_CACHE_KIB = -65536;

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

  private constructor(
    readonly project: Project,
    private readonly sum: SummaryBuilder,
  ) {
    const db = project.db;
    // the timestamp is ours (ISO-8601), so it is inlined rather than bound on every row
    const ts = `'${this.now}'`;
    const head = 'INSERT INTO labels(frame_id, task, layer, au_mask, au_bits, expr, valence, arousal, provenance, updated_at) VALUES ';
    this.au = new BatchInsert(db, head, `(?, 'au', 'imported', ?, ?, NULL, NULL, NULL, 'imported', ${ts})`, 3);
    this.expr = new BatchInsert(db, head, `(?, 'expr', 'imported', NULL, NULL, ?, NULL, NULL, 'imported', ${ts})`, 2);
    this.va = new BatchInsert(db, head, `(?, 'va', 'imported', NULL, NULL, NULL, ?, ?, 'imported', ${ts})`, 3);
    this.frameRows = new BatchInsert(db, 'INSERT INTO frames(id, media_id, idx, path, subject, split, face) VALUES ', '(?, ?, ?, ?, ?, ?, ?)', 7);
  }

  /** Starts the import's transaction. Refuses a connection that is already inside one. */
  static begin(project: Project, sum: SummaryBuilder): ImportWriter {
    if (project.db.inTransaction) throw new AppError('conflict', 'Another write is in progress on this project connection; import refused.');
    const w = new ImportWriter(project, sum);
    // A bigger page cache keeps the growing frames/labels B-trees in memory instead of spilling
    // dirty pages mid-transaction (bounded: 64 MiB, whatever the file size); restored at the end.
    w.cacheSize = project.db.pragma('cache_size', { simple: true }) as number;
    project.db.pragma(`cache_size = ${IMPORT_CACHE_KIB}`);
    try {
      project.db.exec('BEGIN IMMEDIATE');
    } catch (e) {
      w.restoreCache();
      throw e;
    }
    return w;
  }

  private cacheSize = 0;

  private restoreCache(): void {
    this.db.pragma(`cache_size = ${this.cacheSize}`);
  }

  get db() {
    return this.project.db;
  }

  commit(): void {
    this.flush();
    this.db.exec('COMMIT');
    this.open = false;
    this.restoreCache();
  }

  rollback(): void {
    if (!this.open) return;
    this.open = false;
    if (this.db.inTransaction) this.db.exec('ROLLBACK');
    this.restoreCache();
  }

  flush(): void {
    this.frameRows.flush();
    this.au.flush();
    this.expr.flush();
    this.va.flush();
  }

  // ---------- datasets and media ----------

  /** Finds or creates the dataset; settings are merged into the existing ones. */
  dataset(name: string, format: string, sourcePath: string, settings: Record<string, unknown>): number {
    const row = this.db.prepare('SELECT id, source_format AS format, settings FROM datasets WHERE name = ?').get(name) as
      | { id: number; format: string; settings: string }
      | undefined;
    if (row) {
      if (row.format !== format) {
        throw new AppError('conflict', `Dataset "${name}" holds ${row.format} data; import ${format} under another --dataset name.`);
      }
      const merged = { ...(JSON.parse(row.settings) as Record<string, unknown>), ...settings };
      this.db.prepare('UPDATE datasets SET source_path = ?, settings = ? WHERE id = ?').run(sourcePath, JSON.stringify(merged), row.id);
      return row.id;
    }
    return Number(
      this.db
        .prepare('INSERT INTO datasets(name, source_format, source_path, settings, created_at) VALUES (?, ?, ?, ?, ?)')
        .run(name, format, sourcePath, JSON.stringify(settings), this.now).lastInsertRowid,
    );
  }

  /** Settings of an existing dataset (re-import: options not given keep their earlier values). */
  existingSettings(name: string): Record<string, unknown> {
    const s = this.db.prepare('SELECT settings FROM datasets WHERE name = ?').pluck().get(name) as string | undefined;
    return s ? (JSON.parse(s) as Record<string, unknown>) : {};
  }

  findMedia(datasetId: number, name: string): MediaRow | undefined {
    return this.db
      .prepare('SELECT id, name, kind, path, frame_count AS frameCount FROM media WHERE dataset_id = ? AND name = ?')
      .get(datasetId, name) as MediaRow | undefined;
  }

  /** Creates or updates a media item that is not a video (videos go through the media port). */
  upsertMedia(datasetId: number, name: string, kind: MediaKind, storedPath: string): number {
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
    if (n === undefined) n = this.db.prepare('SELECT COUNT(*) FROM frames WHERE media_id = ?').pluck().get(mediaId) as number;
    this.db.prepare('UPDATE media SET frame_count = ? WHERE id = ?').run(n, mediaId);
  }

  // ---------- frames ----------

  /** Frame table of one media item, loaded with the frames it already has. */
  frames(mediaId: number, defaults: { split: string; subject?: string | null }): MediaFrames {
    this.touch(mediaId);
    this.flush();
    return new MediaFrames(this, mediaId, defaults);
  }

  /** Reserves `k` consecutive frame ids above everything in the table and everything reserved. */
  allocIds(k: number): number {
    const max = this.db.prepare('SELECT COALESCE(MAX(id), 0) FROM frames').pluck().get() as number;
    const base = Math.max(this.nextId, max + 1);
    this.nextId = base + k;
    return base;
  }

  insertFrameRange(mediaId: number, base: number, from: number, to: number, split: string, subject: string | null, face: Face): void {
    this.frameRows.flush();
    this.db
      .prepare(
        `INSERT INTO frames(id, media_id, idx, subject, split, face)
         WITH RECURSIVE s(i) AS (SELECT @from UNION ALL SELECT i + 1 FROM s WHERE i + 1 < @to)
         SELECT @base + i - @from, @media, i, @subject, @split, @face FROM s`,
      )
      .run({ from, to, base, media: mediaId, subject, split, face });
    this.sum.s.framesCreated += to - from;
  }

  insertFrame(id: number, mediaId: number, idx: number, a: Required<FrameAttrs>): void {
    this.frameRows.add(id, mediaId, idx, a.path, a.subject, a.split, a.face);
    this.sum.s.framesCreated++;
  }

  // ---------- labels ----------

  /** Deletes the imported labels of `task` on every frame of the media item (re-import). */
  clearImported(mediaId: number, task: Task): void {
    if (this.created.has(mediaId)) return; // frames created by this import carry no labels yet
    this.flush();
    this.db
      .prepare(`DELETE FROM labels WHERE task = ? AND layer = 'imported' AND frame_id IN (SELECT id FROM frames WHERE media_id = ?)`)
      .run(task, mediaId);
  }

  /** AU label: mask = labelled AUs, bits = active ones (bit n = AU n). Numbers when every AU < 53, else bigint. */
  addAu(frameId: number, mask: number | bigint, bits: number | bigint): void {
    if (this.frameRows.pending) this.frameRows.flush(); // labels reference frames (foreign key)
    this.au.add(frameId, mask, bits);
    this.sum.s.labels.au++;
  }

  addExpr(frameId: number, expr: number): void {
    if (this.frameRows.pending) this.frameRows.flush();
    this.expr.add(frameId, expr);
    this.sum.s.labels.expr++;
  }

  addVa(frameId: number, valence: number, arousal: number): void {
    if (this.frameRows.pending) this.frameRows.flush();
    this.va.add(frameId, valence, arousal);
    this.sum.s.labels.va++;
  }

  /** Frames per split over every media item this import touched (for the summary). */
  finishSummary(): void {
    this.flush();
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
      this.update.run({
        id: existing,
        split,
        subject,
        setPath: a.path !== undefined ? 1 : 0,
        path: a.path ?? null,
        setFace: a.face !== undefined ? 1 : 0,
        face: a.face ?? null,
      });
      return existing;
    }
    const id = this.w.allocIds(1);
    this.w.insertFrame(id, this.mediaId, idx, { path: a.path ?? null, subject, split, face: a.face ?? 'unknown' });
    this.set(idx, id);
    return id;
  }
}
