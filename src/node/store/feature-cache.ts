// The feature cache: `<project>/cache/features.sqlite`, per-frame outputs of frozen networks, so no
// job computes them twice: backbone features (keyed by the backbone's weights, shared by a teacher,
// its students, their soft labels, evaluation and the CNN-RNN: src/ml/train/backbone-features.ts)
// and a CNN's head embeddings (keyed by the CNN's weights, what the CNN-RNN reads).
//
//   sources(key TEXT PRIMARY KEY, dim INTEGER, dtype TEXT, created_at TEXT)
//   owners(key TEXT, model_id INTEGER, PRIMARY KEY (key, model_id))   which models use a key
//   features(key TEXT, frame_id INTEGER, data BLOB, PRIMARY KEY (key, frame_id)) WITHOUT ROWID
//
// Keys are content addresses ('backbone:<sha256 of the backbone weights>', 'heads:<sha256 of the
// model's weights file>'), so rows can never belong to other weights. A key is dropped when the
// last model that used it is deleted (deleteModel). data: `dim` little-endian float16 (default) or
// float32 values; float16 halves the file (Aff-Wild2's 2.8 M frames × 512 features: 2.9 GB instead
// of 5.7 GB) at ~3 significant digits, far below the spread of the features. A separate file, like
// the crop cache, so the project database stays small and the cache can be deleted at any time (it
// is rebuilt on the next run).
//
// frame_id is frames.id of project.sqlite. Rows describe a frame's face crop: whoever changes or
// deletes crops drops the frames' rows too (src/node/media/store.ts dropCrops; the faces job), and
// SQLite may reuse a deleted frame's id.
import path from 'node:path';
import type Database from 'better-sqlite3';
import { openCacheDb } from './cache-db';
import { halfTable, toHalf } from '../../shared/float16';

export const FEATURE_FILE = path.join('cache', 'features.sqlite');
/** 2: rows keyed by content (weights hashes) instead of model ids; a version-1 file's rows are dropped. */
export const FEATURE_CACHE_VERSION = 2;
export type FeatureDtype = 'float32' | 'float16';

const FEATURE_SCHEMA = `
  DROP TABLE IF EXISTS features;
  DROP TABLE IF EXISTS sources;
  DROP TABLE IF EXISTS owners;
  CREATE TABLE sources(
    key        TEXT PRIMARY KEY,
    dim        INTEGER NOT NULL CHECK (dim > 0),
    dtype      TEXT NOT NULL CHECK (dtype IN ('float32', 'float16')),
    created_at TEXT NOT NULL
  ) STRICT;
  CREATE TABLE owners(
    key      TEXT NOT NULL,
    model_id INTEGER NOT NULL,
    PRIMARY KEY (key, model_id)
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX owners_model ON owners(model_id);
  CREATE TABLE features(
    key      TEXT NOT NULL,
    frame_id INTEGER NOT NULL,
    data     BLOB NOT NULL,
    PRIMARY KEY (key, frame_id)
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX features_frame ON features(frame_id);`;

/** The cache key of a CNN's head embeddings: the SHA-256 of its saved weights. */
export function headEmbeddingKey(weightsSha256: string): string {
  return `heads:${weightsSha256}`;
}

export class FeatureCache {
  private readonly getStmt;
  private readonly hasStmt;
  private readonly putStmt;
  private readonly dims = new Map<string, { dim: number; dtype: FeatureDtype }>();

  private constructor(
    readonly file: string,
    readonly db: Database.Database,
  ) {
    this.getStmt = db.prepare('SELECT data FROM features WHERE key = ? AND frame_id = ?').pluck();
    this.hasStmt = db.prepare('SELECT 1 FROM features WHERE key = ? AND frame_id = ?').pluck();
    this.putStmt = db.prepare('INSERT OR REPLACE INTO features(key, frame_id, data) VALUES (?, ?, ?)');
  }

  static open(projectDir: string): FeatureCache {
    const { file, db } = openCacheDb(projectDir, { file: FEATURE_FILE, what: 'feature cache', version: FEATURE_CACHE_VERSION, schema: FEATURE_SCHEMA });
    return new FeatureCache(file, db);
  }

  /**
   * Declares the rows of `key`: `dim` values of `dtype` each (rows stored with another width or
   * dtype are dropped), used by model `owner` when given. Must be called before get/put for that key.
   */
  source(key: string, dim: number, dtype: FeatureDtype = 'float16', owner?: number): void {
    const row = this.db.prepare('SELECT dim, dtype FROM sources WHERE key = ?').get(key) as { dim: number; dtype: FeatureDtype } | undefined;
    this.db.transaction(() => {
      if (!row || row.dim !== dim || row.dtype !== dtype) {
        this.db.prepare('DELETE FROM features WHERE key = ?').run(key);
        this.db.prepare('INSERT OR REPLACE INTO sources(key, dim, dtype, created_at) VALUES (?, ?, ?, ?)').run(key, dim, dtype, new Date().toISOString());
      }
      if (owner !== undefined) this.db.prepare('INSERT OR IGNORE INTO owners(key, model_id) VALUES (?, ?)').run(key, owner);
    })();
    this.dims.set(key, { dim, dtype });
  }

  private spec(key: string): { dim: number; dtype: FeatureDtype } {
    const s = this.dims.get(key);
    if (!s) throw new Error(`feature cache: source(${key}, …) was not declared`);
    return s;
  }

  /** The frame ids (of `frameIds`) that have no cached row under `key`. */
  missing(key: string, frameIds: ArrayLike<number>): number[] {
    this.spec(key);
    const out: number[] = [];
    for (let i = 0; i < frameIds.length; i++) if (this.hasStmt.get(key, frameIds[i]) === undefined) out.push(frameIds[i]);
    return out;
  }

  /** Stores rows (n × dim, row k for frameIds[k]) in one transaction. */
  put(key: string, frameIds: ArrayLike<number>, data: Float32Array): void {
    const { dim, dtype } = this.spec(key);
    if (data.length !== frameIds.length * dim) throw new Error(`feature cache: ${data.length} values for ${frameIds.length} frames × ${dim}`);
    this.db.transaction(() => {
      for (let k = 0; k < frameIds.length; k++) this.putStmt.run(key, frameIds[k], encode(data.subarray(k * dim, (k + 1) * dim), dtype));
    })();
  }

  /** Rows of the frames (n × dim) into `out` at `offset` (a new array when absent); throws for a missing frame. */
  read(key: string, frameIds: ArrayLike<number>, out?: Float32Array, offset = 0): Float32Array {
    const { dim, dtype } = this.spec(key);
    const dst = out ?? new Float32Array(frameIds.length * dim);
    for (let k = 0; k < frameIds.length; k++) {
      const b = this.getStmt.get(key, frameIds[k]) as Buffer | undefined;
      if (!b) throw new Error(`no cached features under ${key} for frame ${frameIds[k]}`);
      decode(b, dtype, dim, dst, offset + k * dim);
    }
    return dst;
  }

  /** The keys model `modelId` uses. */
  keysOf(modelId: number): string[] {
    return this.db.prepare('SELECT key FROM owners WHERE model_id = ? ORDER BY key').pluck().all(modelId) as string[];
  }

  /** Forgets that `modelId` uses its keys; drops every key no model uses any more. */
  deleteModel(modelId: number): void {
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM owners WHERE model_id = ?').run(modelId);
      const orphans = this.db.prepare('SELECT key FROM sources WHERE key NOT IN (SELECT key FROM owners)').pluck().all() as string[];
      for (const k of orphans) {
        this.db.prepare('DELETE FROM features WHERE key = ?').run(k);
        this.db.prepare('DELETE FROM sources WHERE key = ?').run(k);
        this.dims.delete(k);
      }
    })();
  }

  /** Drops every row of the frames (their crops changed or they were deleted). */
  deleteFrames(frameIds: readonly number[]): void {
    const del = this.db.prepare('DELETE FROM features WHERE frame_id = ?');
    this.db.transaction(() => {
      for (const id of frameIds) del.run(id);
    })();
  }

  /** The cache as a store of rows of `dtype`: the learning core's FeatureStore (src/ml/train/backbone-features.ts). */
  asStore(dtype: FeatureDtype = 'float16') {
    return {
      open: (key: string, dim: number, owner?: number) => this.source(key, dim, dtype, owner),
      missing: (key: string, frameIds: readonly number[]) => this.missing(key, frameIds),
      put: (key: string, frameIds: readonly number[], data: Float32Array) => this.put(key, frameIds, data),
      read: (key: string, frameIds: ArrayLike<number>, out: Float32Array, offset?: number) => void this.read(key, frameIds, out, offset),
    };
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

