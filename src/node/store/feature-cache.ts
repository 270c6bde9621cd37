// The per-frame feature cache of the CNN-RNN: `<project>/cache/features.sqlite`, the frozen CNN's
// feature vector of every frame it has seen, so RNN training and inference never re-run the CNN.
//
//   sources(model_id INTEGER PRIMARY KEY, fingerprint TEXT, dim INTEGER, dtype TEXT, created_at TEXT)
//   features(model_id INTEGER, frame_id INTEGER, data BLOB, PRIMARY KEY (model_id, frame_id)) WITHOUT ROWID
//
// data: `dim` little-endian float16 (default) or float32 values. float16 halves the file (Aff-Wild2's
// 2.8 M frames × 512 features: 2.9 GB instead of 5.7 GB) at ~3 significant digits, far below the
// spread of the features. A separate file, like the crop cache, so the project database stays small
// and the cache can be deleted at any time (it is rebuilt on the next run).
//
// model_id is models.id of project.sqlite and frame_id frames.id; both can be reused by SQLite after
// a delete, so each source records the fingerprint (weights SHA-256) of the model it was computed
// with: a different fingerprint drops that model's rows. Reused frame ids must be cleared by whoever
// deletes frames (deleteFrames), as for crops.
import path from 'node:path';
import type Database from 'better-sqlite3';
import { openCacheDb } from './cache-db';
import { halfTable, toHalf } from '../../shared/float16';
import type { RnnInput } from '../../shared/rnn-config';

export const FEATURE_FILE = path.join('cache', 'features.sqlite');
export const FEATURE_CACHE_VERSION = 1;
export type FeatureDtype = 'float32' | 'float16';

const FEATURE_SCHEMA = `
  CREATE TABLE IF NOT EXISTS sources(
    model_id    INTEGER PRIMARY KEY,
    fingerprint TEXT NOT NULL,
    dim         INTEGER NOT NULL CHECK (dim > 0),
    dtype       TEXT NOT NULL CHECK (dtype IN ('float32', 'float16')),
    created_at  TEXT NOT NULL
  ) STRICT;
  CREATE TABLE IF NOT EXISTS features(
    model_id INTEGER NOT NULL,
    frame_id INTEGER NOT NULL,
    data     BLOB NOT NULL,
    PRIMARY KEY (model_id, frame_id)
  ) STRICT, WITHOUT ROWID;`;

/** The cache's model id of a CNN's outputs of one kind: its id for backbone features, −id for its head embeddings (both stay cached side by side). */
export function featureCacheKey(cnnId: number, input: RnnInput): number {
  return input === 'head-embedding' ? -cnnId : cnnId;
}

export class FeatureCache {
  private readonly getStmt;
  private readonly hasStmt;
  private readonly putStmt;
  private readonly dims = new Map<number, { dim: number; dtype: FeatureDtype }>();

  private constructor(
    readonly file: string,
    readonly db: Database.Database,
  ) {
    this.getStmt = db.prepare('SELECT data FROM features WHERE model_id = ? AND frame_id = ?').pluck();
    this.hasStmt = db.prepare('SELECT 1 FROM features WHERE model_id = ? AND frame_id = ?').pluck();
    this.putStmt = db.prepare('INSERT OR REPLACE INTO features(model_id, frame_id, data) VALUES (?, ?, ?)');
  }

  static open(projectDir: string): FeatureCache {
    const { file, db } = openCacheDb(projectDir, { file: FEATURE_FILE, what: 'feature cache', version: FEATURE_CACHE_VERSION, schema: FEATURE_SCHEMA });
    return new FeatureCache(file, db);
  }

  /**
   * Declares the model the features of `modelId` come from. Rows computed with another model
   * (fingerprint), width or dtype are dropped. Must be called before get/put for that model.
   */
  source(modelId: number, fingerprint: string, dim: number, dtype: FeatureDtype = 'float16'): void {
    const row = this.db.prepare('SELECT fingerprint, dim, dtype FROM sources WHERE model_id = ?').get(modelId) as
      | { fingerprint: string; dim: number; dtype: FeatureDtype }
      | undefined;
    if (!row || row.fingerprint !== fingerprint || row.dim !== dim || row.dtype !== dtype) {
      this.db.transaction(() => {
        this.db.prepare('DELETE FROM features WHERE model_id = ?').run(modelId);
        this.db
          .prepare('INSERT OR REPLACE INTO sources(model_id, fingerprint, dim, dtype, created_at) VALUES (?, ?, ?, ?, ?)')
          .run(modelId, fingerprint, dim, dtype, new Date().toISOString());
      })();
    }
    this.dims.set(modelId, { dim, dtype });
  }

  private spec(modelId: number): { dim: number; dtype: FeatureDtype } {
    const s = this.dims.get(modelId);
    if (!s) throw new Error(`feature cache: source(${modelId}, …) was not declared`);
    return s;
  }

  /** The frame ids (of `frameIds`) that have no cached features for the model. */
  missing(modelId: number, frameIds: ArrayLike<number>): number[] {
    this.spec(modelId);
    const out: number[] = [];
    for (let i = 0; i < frameIds.length; i++) if (this.hasStmt.get(modelId, frameIds[i]) === undefined) out.push(frameIds[i]);
    return out;
  }

  /** Stores features (n × dim, row k for frameIds[k]) in one transaction. */
  put(modelId: number, frameIds: ArrayLike<number>, data: Float32Array): void {
    const { dim, dtype } = this.spec(modelId);
    if (data.length !== frameIds.length * dim) throw new Error(`feature cache: ${data.length} values for ${frameIds.length} frames × ${dim}`);
    this.db.transaction(() => {
      for (let k = 0; k < frameIds.length; k++) this.putStmt.run(modelId, frameIds[k], encode(data.subarray(k * dim, (k + 1) * dim), dtype));
    })();
  }

  /** Features of the frames (n × dim) into `out` at `offset` (a new array when absent); throws for a missing frame. */
  read(modelId: number, frameIds: ArrayLike<number>, out?: Float32Array, offset = 0): Float32Array {
    const { dim, dtype } = this.spec(modelId);
    const dst = out ?? new Float32Array(frameIds.length * dim);
    for (let k = 0; k < frameIds.length; k++) {
      const b = this.getStmt.get(modelId, frameIds[k]) as Buffer | undefined;
      if (!b) throw new Error(`no cached features of model ${modelId} for frame ${frameIds[k]}`);
      decode(b, dtype, dim, dst, offset + k * dim);
    }
    return dst;
  }

  deleteModel(modelId: number): void {
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM features WHERE model_id = ?').run(modelId);
      this.db.prepare('DELETE FROM sources WHERE model_id = ?').run(modelId);
    })();
    this.dims.delete(modelId);
  }

  deleteFrames(frameIds: readonly number[]): void {
    const del = this.db.prepare('DELETE FROM features WHERE frame_id = ?');
    this.db.transaction(() => {
      for (const id of frameIds) del.run(id);
    })();
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

function encode(v: Float32Array, dtype: FeatureDtype): Buffer {
  if (dtype === 'float32') return Buffer.from(Float32Array.from(v).buffer);
  const h = new Uint16Array(v.length);
  for (let i = 0; i < v.length; i++) h[i] = toHalf(v[i]);
  return Buffer.from(h.buffer);
}

function decode(b: Buffer, dtype: FeatureDtype, dim: number, out: Float32Array, at: number): void {
  const bytes = dtype === 'float32' ? 4 : 2;
  if (b.byteLength !== dim * bytes) throw new Error(`feature row of ${b.byteLength} bytes, expected ${dim} × ${bytes}`);
  if (dtype === 'float32') {
    for (let i = 0; i < dim; i++) out[at + i] = b.readFloatLE(4 * i);
    return;
  }
  const table = halfTable();
  for (let i = 0; i < dim; i++) out[at + i] = table[b.readUInt16LE(2 * i)];
}

