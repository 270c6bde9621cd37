// Writing a media item and its frame rows: one transaction, idempotent on (dataset, name).
// Re-importing keeps the media id and the ids of frames that still exist (so labels and crops
// attached to them survive); if the frames themselves changed (another frame count, other
// timestamps, other image files) their face results are reset, because they described other pixels.
import path from 'node:path';
import type { Db } from '../store/database';
import { forgetFrames } from '../store/frame-caches';
import type { Project } from '../store/project';

export type Split = 'train' | 'val' | 'test';
export type FaceStatus = 'unknown' | 'ok' | 'none' | 'unusable';

export interface MediaSpec {
  datasetId: number;
  name: string;
  kind: 'video' | 'sequence' | 'images';
  /** Absolute path of the source (stored relative to the project when inside it). */
  path: string;
  proxyPath?: string | null;
  codec?: string | null;
  fps?: number | null;
  fpsRational?: string | null;
  width?: number | null;
  height?: number | null;
  duration?: number | null;
  timestamps?: Float64Array | null;
  ptsOffset?: number;
  sourceOffset?: number;
}

export interface FrameSpec {
  count: number;
  /** Image file of frame i relative to the media path (sequences), or null (video frames, gaps). */
  path?: (i: number) => string | null;
  /** Face status a new or changed frame starts with (gaps of a sequence are 'none'). */
  face?: (i: number) => FaceStatus;
  subject?: string | null;
  /** Undefined keeps the split of existing frames (new frames get 'train'). */
  split?: Split;
}

/** How a project stores a path: relative to the project folder when inside it, else absolute. */
export function storedPath(project: Project, file: string): string {
  const abs = path.resolve(file);
  const rel = path.relative(project.dir, abs);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel.split(path.sep).join('/') : abs;
}

export function timestampsBlob(ts: Float64Array | null | undefined): Buffer | null {
  if (!ts) return null;
  const b = Buffer.alloc(ts.length * 8);
  for (let i = 0; i < ts.length; i++) b.writeDoubleLE(ts[i], i * 8);
  return b;
}

export function timestampsFromBlob(b: Uint8Array | null): Float64Array | null {
  if (!b) return null;
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out = new Float64Array(b.byteLength / 8);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat64(i * 8, true);
  return out;
}

/** Inserts or updates the media row and its frames in one transaction; returns the media id. */
export function upsertMedia(project: Project, spec: MediaSpec, frames: FrameSpec): { mediaId: number; created: boolean; framesReset: boolean } {
  const db = project.db;
  const now = new Date().toISOString();
  const ts = timestampsBlob(spec.timestamps);
  const run = db.transaction(() => {
    const existing = db
      .prepare('SELECT id, frame_count AS n, timestamps AS ts, path, kind FROM media WHERE dataset_id = ? AND name = ?')
      .get(spec.datasetId, spec.name) as { id: number; n: number; ts: Buffer | null; path: string; kind: string } | undefined;
    const values = [
      spec.kind, storedPath(project, spec.path), spec.proxyPath ? storedPath(project, spec.proxyPath) : null, spec.codec ?? null,
      spec.fps ?? null, spec.fpsRational ?? null, spec.width ?? null, spec.height ?? null, spec.duration ?? null,
      frames.count, ts, spec.ptsOffset ?? 0, spec.sourceOffset ?? 0,
    ];
    let mediaId: number;
    if (existing) {
      mediaId = existing.id;
      db.prepare(
        `UPDATE media SET kind = ?, path = ?, proxy_path = ?, codec = ?, fps = ?, fps_rational = ?, width = ?, height = ?,
         duration = ?, frame_count = ?, timestamps = ?, pts_offset = ?, source_offset = ? WHERE id = ?`,
      ).run(...values, mediaId);
    } else {
      mediaId = Number(
        db.prepare(
          `INSERT INTO media (kind, path, proxy_path, codec, fps, fps_rational, width, height, duration, frame_count,
           timestamps, pts_offset, source_offset, dataset_id, name, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        ).run(...values, spec.datasetId, spec.name, now).lastInsertRowid,
      );
    }
    const sameFrames =
      !!existing &&
      existing.n === frames.count &&
      existing.kind === spec.kind &&
      existing.path === values[1] &&
      sameBytes(existing.ts, ts) &&
      samePaths(db, existing.id, frames);
    let stale: number[] = [];
    if (existing && !sameFrames) {
      // Their crops described other pixels (or frames that no longer exist).
      stale = db.prepare('SELECT id FROM frames WHERE media_id = ?').pluck().all(mediaId) as number[];
      db.prepare('DELETE FROM frames WHERE media_id = ? AND idx >= ?').run(mediaId, frames.count);
      resetFaces(db, mediaId);
    }
    writeFrames(db, mediaId, frames, !sameFrames);
    return { mediaId, created: !existing, framesReset: !!existing && !sameFrames, stale };
  });
  const { stale, ...result } = run.immediate();
  forgetFrames(project.dir, stale);
  return result;
}

function samePaths(db: Db, mediaId: number, frames: FrameSpec): boolean {
  if (!frames.path) return true;
  const rows = db.prepare('SELECT idx, path FROM frames WHERE media_id = ? ORDER BY idx').all(mediaId) as { idx: number; path: string | null }[];
  return rows.length === frames.count && rows.every((r) => r.path === (frames.path?.(r.idx) ?? null));
}

function sameBytes(a: Uint8Array | null, b: Uint8Array | null): boolean {
  if (a === null || b === null) return a === b;
  return Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0;
}

/** Forgets the face results of a media item (its frames go back to 'unknown'). */
export function resetFaces(db: Db, mediaId: number): void {
  db.prepare('DELETE FROM faces WHERE frame_id IN (SELECT id FROM frames WHERE media_id = ?)').run(mediaId);
  db.prepare(`UPDATE frames SET face = 'unknown' WHERE media_id = ?`).run(mediaId);
}

function writeFrames(db: Db, mediaId: number, frames: FrameSpec, setFace: boolean): void {
  // Path and (when frames changed) face status follow the new source; subject and split follow
  // the options when given, else existing frames keep theirs.
  const upsert = db.prepare(
    `INSERT INTO frames (media_id, idx, path, subject, split, face) VALUES (?, ?, ?, ?, COALESCE(?, 'train'), ?)
     ON CONFLICT (media_id, idx) DO UPDATE SET
       path = excluded.path,
       subject = COALESCE(?, frames.subject),
       split = COALESCE(?, frames.split),
       face = CASE WHEN ? THEN excluded.face ELSE frames.face END`,
  );
  const subject = frames.subject ?? null;
  const split = frames.split ?? null;
  const set = setFace ? 1 : 0;
  for (let i = 0; i < frames.count; i++) {
    upsert.run(mediaId, i, frames.path?.(i) ?? null, subject, split, frames.face?.(i) ?? 'unknown', subject, split, set);
  }
}
