// The face-crop cache: `<project>/cache/crops.sqlite`, one 112×112 RGB face crop per frame, shared
// by the importers (image datasets are face crops already), the face pipeline (aligned crops of
// video frames) and the training engine (which reads them back as raw RGB).
//
//   crops(frame_id INTEGER PRIMARY KEY, width INTEGER, height INTEGER, format TEXT, data BLOB) STRICT
//
// format: 'jpeg' (default: quality 92, 4:4:4 chroma — ~4–6 KB per crop, so Aff-Wild2's 2.8 M
// frames fit in ~15 GB instead of 105 GB raw), 'png' (lossless) or 'rgb' (raw bytes, row-major
// RGB). frame_id is frames.id of project.sqlite. It is a separate file so the project database
// stays small and fast to copy, and so a cache can be deleted and rebuilt.
//
// Frame ids can be reused by SQLite after frames are deleted: whoever deletes frames deletes their
// crops (deleteCrops), and writers replace rows (INSERT OR REPLACE), never assume absence.
import path from 'node:path';
import type Database from 'better-sqlite3';
import sharp from 'sharp';
import { openCacheDb } from './cache-db';

export const CROP_SIZE = 112;
export const CROP_FILE = path.join('cache', 'crops.sqlite');
export const CROP_JPEG_QUALITY = 92;
export const CROP_CACHE_VERSION = 1;

const CROP_SCHEMA = `CREATE TABLE IF NOT EXISTS crops(
  frame_id INTEGER PRIMARY KEY,
  width    INTEGER NOT NULL,
  height   INTEGER NOT NULL,
  format   TEXT NOT NULL CHECK (format IN ('jpeg', 'png', 'rgb')),
  data     BLOB NOT NULL
) STRICT`;

export type CropFormat = 'jpeg' | 'png' | 'rgb';

/** A crop as raw RGB bytes (width × height × 3, row-major), the form callers hand in and get back. */
export interface CropInput {
  frameId: number;
  rgb: Uint8Array;
  width?: number;
  height?: number;
}

/** A crop as stored. */
export interface StoredCrop {
  frameId: number;
  width: number;
  height: number;
  format: CropFormat;
  data: Uint8Array;
}

/** Encodes raw RGB to the stored format. */
export async function encodeCrop(rgb: Uint8Array, width: number, height: number, format: CropFormat = 'jpeg'): Promise<Uint8Array> {
  if (rgb.length !== width * height * 3) throw new Error(`crop must be ${width}×${height}×3 = ${width * height * 3} bytes, got ${rgb.length}`);
  if (format === 'rgb') return rgb;
  const img = sharp(Buffer.from(rgb.buffer, rgb.byteOffset, rgb.byteLength), { raw: { width, height, channels: 3 } });
  const out = format === 'png' ? img.png() : img.jpeg({ quality: CROP_JPEG_QUALITY, chromaSubsampling: '4:4:4' });
  return new Uint8Array(await out.toBuffer());
}

/** Decodes a stored crop to raw RGB (width × height × 3). */
export async function decodeCrop(c: Pick<StoredCrop, 'width' | 'height' | 'format' | 'data'>): Promise<Uint8Array> {
  if (c.format === 'rgb') return c.data;
  const { data, info } = await sharp(c.data).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  if (info.width !== c.width || info.height !== c.height || info.channels !== 3) {
    throw new Error(`crop decodes to ${info.width}×${info.height}×${info.channels}, stored as ${c.width}×${c.height}×3`);
  }
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

export class CropCache {
  private readonly put;
  private readonly get;
  private readonly has;

  private constructor(
    readonly file: string,
    readonly db: Database.Database,
  ) {
    this.put = db.prepare('INSERT OR REPLACE INTO crops(frame_id, width, height, format, data) VALUES (?, ?, ?, ?, ?)');
    this.get = db.prepare('SELECT frame_id AS frameId, width, height, format, data FROM crops WHERE frame_id = ?');
    this.has = db.prepare('SELECT 1 FROM crops WHERE frame_id = ?').pluck();
  }

  /** Opens (creating if needed) the crop cache of the project in `projectDir`. */
  static open(projectDir: string): CropCache {
    const { file, db } = openCacheDb(projectDir, { file: CROP_FILE, what: 'crop cache', version: CROP_CACHE_VERSION, schema: CROP_SCHEMA });
    return new CropCache(file, db);
  }

  hasCrop(frameId: number): boolean {
    return this.has.get(frameId) !== undefined;
  }

  /** The stored (encoded) crop, or undefined. */
  getStored(frameId: number): StoredCrop | undefined {
    const r = this.get.get(frameId) as (Omit<StoredCrop, 'data'> & { data: Buffer }) | undefined;
    return r ? { ...r, data: new Uint8Array(r.data.buffer, r.data.byteOffset, r.data.byteLength) } : undefined;
  }

  /** The crop of a frame as raw RGB (112 × 112 × 3 bytes for crops written by the workbench), or null. */
  async getCrop(frameId: number): Promise<Uint8Array | null> {
    const c = this.getStored(frameId);
    return c ? decodeCrop(c) : null;
  }

  /** Encodes and stores crops (replacing existing ones); one transaction unless one is open. Returns the count. */
  async putCrops(rows: readonly CropInput[], format: CropFormat = 'jpeg'): Promise<number> {
    const encoded = await Promise.all(
      rows.map(async (r): Promise<StoredCrop> => {
        const width = r.width ?? CROP_SIZE;
        const height = r.height ?? CROP_SIZE;
        return { frameId: r.frameId, width, height, format, data: await encodeCrop(r.rgb, width, height, format) };
      }),
    );
    this.putStored(encoded);
    return encoded.length;
  }

  /** Stores already-encoded crops (sync). */
  putStored(rows: readonly StoredCrop[]): void {
    const write = () => {
      for (const r of rows) this.put.run(r.frameId, r.width, r.height, r.format, r.data);
    };
    if (this.db.inTransaction) write();
    else this.db.transaction(write)();
  }

  deleteCrops(frameIds: readonly number[]): number {
    const del = this.db.prepare('DELETE FROM crops WHERE frame_id = ?');
    let n = 0;
    this.db.transaction(() => {
      for (const id of frameIds) n += del.run(id).changes;
    })();
    return n;
  }

  count(): number {
    return this.db.prepare('SELECT COUNT(*) FROM crops').pluck().get() as number;
  }

  /** Groups later writes into one transaction (the importers commit it after the project's). */
  begin(): void {
    if (!this.db.inTransaction) this.db.exec('BEGIN IMMEDIATE');
  }

  commit(): void {
    if (this.db.inTransaction) this.db.exec('COMMIT');
  }

  rollback(): void {
    if (this.db.inTransaction) this.db.exec('ROLLBACK');
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

export function openCropCache(projectDir: string): CropCache {
  return CropCache.open(projectDir);
}
