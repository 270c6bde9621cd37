// One feature pass per frozen backbone (issue 14): the features of a backbone are a function of its
// weights and of the frame's face crop, so they are kept per (backbone fingerprint, frame) in a
// store the Node layer provides (cache/features.sqlite, src/node/store/feature-cache.ts) and read
// back by everything that runs that backbone frozen: the teacher's training, its soft labels,
// every student, the ensemble, evaluation and the CNN-RNN. A student of a frozen face-backbone
// teacher computes no features at all; soft labels and evaluation run at heads speed.
//
// The key hashes the backbone's weights themselves (src/ml/models/fingerprint.ts), so two models
// share rows exactly when their backbones compute the same function; a frozen backbone is never
// changed by training, so a teacher and its students share one key. A saved model records its key
// (meta.backboneKey), so a job whose rows are all cached never loads the model. Whoever changes a frame's crop drops its rows (src/node/media/crops-changed.ts).
import { tf, type BackendName } from '../backend';
import { backboneKey, extractFeatures, type MultitaskNet } from '../models';
import { ThreadPool, threadedBackend } from '../threads/pool';
import { netTransfer } from '../threads/net-transfer';
import { mirrorCrops, type CropReader } from './images';

/**
 * The views of a face whose features are kept: 'plain' the crop as it is, 'flip' its mirror image
 * (x reversed: mirrorCrops), which flip augmentation trains on and flip TTA averages in. Each view
 * has its own rows, under a key derived from the backbone key (featureViewKey); both are owned by
 * the same models, so deleting the last of them drops both.
 */
export const FEATURE_VIEWS = ['plain', 'flip'] as const;
export type FeatureView = (typeof FEATURE_VIEWS)[number];

/** The store key of a view's rows: the backbone key itself for the plain view, `${key}:flip` for the mirrored one. */
export function featureViewKey(key: string, view: FeatureView): string {
  return view === 'plain' ? key : `${key}:${view}`;
}

/** Where backbone features are kept: rows of `dim` floats per (key, frame id). */
export interface FeatureStore {
  /**
   * Declares the rows of `key` to be `dim` wide (rows stored under that key with another width are
   * dropped) and records `owner` (a model id) as using them: deleting every owner drops them.
   */
  open(key: string, dim: number, owner?: number): void;
  /** The frame ids of `frameIds` with no row under `key`. */
  missing(key: string, frameIds: readonly number[]): number[];
  /** Stores rows (n × dim, row k for frameIds[k]). */
  put(key: string, frameIds: readonly number[], data: Float32Array): void;
  /** Rows of the frames (n × dim) into `out` at `offset`; throws for a frame without a row. */
  read(key: string, frameIds: ArrayLike<number>, out: Float32Array, offset?: number): void;
}

/** A store in memory (tests, benches, a project without a cache file). */
export function memoryFeatureStore(): FeatureStore {
  const keys = new Map<string, { dim: number; rows: Map<number, Float32Array> }>();
  const get = (key: string) => {
    const k = keys.get(key);
    if (!k) throw new Error(`feature store: key ${key} was not opened`);
    return k;
  };
  return {
    open(key, dim) {
      if (keys.get(key)?.dim !== dim) keys.set(key, { dim, rows: new Map() });
    },
    missing: (key, ids) => ids.filter((id) => !get(key).rows.has(id)),
    put(key, ids, data) {
      const k = get(key);
      ids.forEach((id, i) => k.rows.set(id, data.slice(i * k.dim, (i + 1) * k.dim)));
    },
    read(key, ids, out, offset = 0) {
      const k = get(key);
      for (let i = 0; i < ids.length; i++) {
        const r = k.rows.get(ids[i]);
        if (!r) throw new Error(`feature store: no row of ${key} for frame ${ids[i]}`);
        out.set(r, offset + i * k.dim);
      }
    },
  };
}

export interface FeaturePassHooks {
  progress?(done: number, total: number, stage: string): void;
  checkpoint?(): Promise<void>;
}

/** What one call found: rows computed now and rows read from earlier passes (the cache's hit counter). */
export interface FeaturePass {
  /** The store key of the view's rows (featureViewKey). */
  key: string;
  view: FeatureView;
  dim: number;
  computed: number;
  reused: number;
  /** Threads the missing rows were computed in (1: this thread). */
  threads: number;
  /** Why fewer threads than asked for were used, if they failed to start. */
  threadsNote?: string;
}

export interface FeaturePassOptions {
  batch?: number;
  hooks?: FeaturePassHooks;
  /**
   * Worker threads for the missing rows (../threads/pool.ts; default 1: this thread). Used on the
   * wasm and cpu backends when there are `threadsFrom` rows and two batches to compute; each thread has its own
   * engine and a copy of the net, and the rows are the same as one thread's (same kernels, same
   * batches), stored in the same order.
   */
  threads?: number;
  /** The fewest missing frames for which threads start (default 1024: below it their start-up, ~3 s, costs more than they save). */
  threadsFrom?: number;
}

/** An error of the thread pool itself (start, load, a thread's death), as opposed to a cancel. */
class ThreadsFailed extends Error {}

/**
 * Makes sure the backbone features of every frame of `frameIds` are in `store` under the net's key
 * (of `opts.view`, plain by default: featureViewKey), computing the missing ones from the face crops,
 * mirrored for the 'flip' view (inference mode, no other augmentation). `net` is only
 * called for when something is missing (a saved model need not be loaded when all rows are there);
 * `known` gives the key without the net (a saved model's meta.backboneKey).
 */
export async function ensureBackboneFeatures(
  store: FeatureStore,
  source: { net: () => Promise<MultitaskNet>; key?: string; dim: number; owner?: number },
  crops: CropReader,
  frameIds: readonly number[],
  opts: FeaturePassOptions & { view?: FeatureView } = {},
): Promise<FeaturePass> {
  const ids = [...new Set(frameIds)];
  const view = opts.view ?? 'plain';
  const base = source.key ?? backboneKey(await source.net());
  const key = featureViewKey(base, view);
  store.open(key, source.dim, source.owner);
  const missing = store.missing(key, ids);
  let threads = 1;
  let threadsNote: string | undefined;
  if (missing.length) {
    const net = await source.net();
    if (backboneKey(net) !== base) throw new Error('feature store: the net does not match the backbone key it was named by');
    const batch = opts.batch ?? 64;
    const want = Math.min(opts.threads ?? 1, Math.ceil(missing.length / batch));
    const stage = view === 'plain' ? 'computing backbone features' : 'computing backbone features of the mirrored faces';
    let left = missing;
    const backend = want > 1 && missing.length >= (opts.threadsFrom ?? 1024) ? threadedBackend() : null;
    if (backend) {
      try {
        await computeInThreads(backend, want, net, base, { store, key, view }, crops, missing, batch, stage, opts.hooks);
        threads = want;
        left = [];
      } catch (e) {
        if (!(e instanceof ThreadsFailed)) throw e;
        threadsNote = `${want} threads failed (${e.message}); computed in this thread`;
        left = store.missing(key, missing);
      }
    }
    const size = net.config.inputSize;
    for (let i = 0; i < left.length; i += batch) {
      const part = left.slice(i, i + batch);
      const pixels = await crops.batch(part, size);
      const x = tf.tensor4d(view === 'flip' ? mirrorCrops(pixels, size) : pixels, [part.length, size, size, 3]);
      const f = extractFeatures(net, x);
      const data = (await f.data()) as Float32Array;
      tf.dispose([x, f]);
      store.put(key, part, data);
      opts.hooks?.progress?.(missing.length - left.length + Math.min(i + batch, left.length), missing.length, stage);
      await opts.hooks?.checkpoint?.();
    }
  }
  return { key, view, dim: source.dim, computed: missing.length, reused: ids.length - missing.length, threads, ...(threadsNote ? { threadsNote } : {}) };
}

/**
 * The missing rows computed by `n` worker threads, batch k to whichever thread is free; rows are
 * stored in batch order. Crops are decoded (and mirrored for the 'flip' view) here while the threads compute.
 */
async function computeInThreads(
  backend: BackendName,
  n: number,
  net: MultitaskNet,
  base: string,
  to: { store: FeatureStore; key: string; view: FeatureView },
  crops: CropReader,
  missing: number[],
  batch: number,
  stage: string,
  hooks?: FeaturePassHooks,
): Promise<void> {
  const pool = await ThreadPool.start(n).catch((e: Error) => {
    throw new ThreadsFailed(e.message);
  });
  const failed = (e: Error) => {
    throw new ThreadsFailed(e.message);
  };
  try {
    const transfer = netTransfer(net);
    const loaded = await pool.all(() => ({ type: 'load', backend, net: transfer }), 'loaded').catch(failed);
    if (loaded.some((l) => l.key !== base)) throw new ThreadsFailed('a thread rebuilt the backbone with other weights');
    const parts: number[][] = [];
    for (let i = 0; i < missing.length; i += batch) parts.push(missing.slice(i, i + batch));
    const size = net.config.inputSize;
    const ready = new Map<number, Float32Array>();
    let next = 0;
    let stored = 0;
    let done = 0;
    await Promise.all(
      Array.from({ length: pool.size }, async (_, t) => {
        while (next < parts.length) {
          const k = next++;
          const pixels = await crops.batch(parts[k], size);
          const x = to.view === 'flip' ? mirrorCrops(pixels, size) : pixels;
          const r = await pool.one(t, { type: 'features', n: parts[k].length, x }, 'features', [x.buffer as ArrayBuffer]).catch(failed);
          ready.set(k, r.data);
          for (; ready.has(stored); stored++) {
            to.store.put(to.key, parts[stored], ready.get(stored)!);
            ready.delete(stored);
            done += parts[stored].length;
            hooks?.progress?.(done, missing.length, stage);
          }
          await hooks?.checkpoint?.();
        }
      }),
    );
  } finally {
    await pool.close();
  }
}

/** What a background pass did: rows stored of the rows that were missing, and why it stopped short, if it did. */
export interface BackgroundPass {
  stored: number;
  missing: number;
  /** Learning threads it ran in (at most one per batch to compute). */
  threads?: number;
  note?: string;
}

/**
 * The plain view's missing rows of `frameIds` computed in `threads` learning threads BESIDE other
 * work of this thread, never in it (issue 14: while a frozen run's heads train on one core, the
 * others compute the features a later stage reads, e.g. the test frames soft labels predict).
 * Batches are stored as they come; `stop()` is asked between batches and ends the pass, keeping
 * what was stored. Without learning threads (backend, start-up) nothing is computed.
 */
export async function backgroundBackboneFeatures(
  store: FeatureStore,
  source: { net: () => Promise<MultitaskNet>; dim: number; owner?: number },
  crops: CropReader,
  frameIds: readonly number[],
  opts: { batch?: number; threads: number; stop: () => boolean },
): Promise<BackgroundPass> {
  const net = await source.net();
  const base = backboneKey(net);
  store.open(base, source.dim, source.owner);
  const missing = store.missing(base, [...new Set(frameIds)]);
  const backend = threadedBackend();
  if (!missing.length || !backend || opts.threads < 1) return { stored: 0, missing: missing.length, ...(missing.length ? { note: 'no learning threads on this backend' } : {}) };
  const batch = opts.batch ?? 64;
  const n = Math.min(opts.threads, Math.ceil(missing.length / batch)); // no thread without a batch of its own
  let stored = 0;
  const counting: FeatureStore = {
    ...store,
    put(key, ids, data) {
      store.put(key, ids, data);
      stored += ids.length;
    },
  };
  const stopped = new Error('stopped');
  try {
    await computeInThreads(backend, n, net, base, { store: counting, key: base, view: 'plain' }, crops, missing, batch, 'background features', {
      checkpoint: async () => {
        if (opts.stop()) throw stopped;
      },
    });
    return { stored, missing: missing.length, threads: n };
  } catch (e) {
    if (e === stopped) return { stored, missing: missing.length, threads: n, ...(stored < missing.length ? { note: 'stopped when the run ended' } : {}) };
    if (e instanceof ThreadsFailed) return { stored, missing: missing.length, note: e.message };
    throw e;
  }
}

/**
 * The passes of several views over their frames (`views`: the frame ids each view needs; a view
 * with none is skipped), one ensureBackboneFeatures each, plain first.
 */
export async function ensureBackboneViews(
  store: FeatureStore,
  source: Parameters<typeof ensureBackboneFeatures>[1],
  crops: CropReader,
  views: Partial<Record<FeatureView, readonly number[]>>,
  opts: FeaturePassOptions = {},
): Promise<Partial<Record<FeatureView, FeaturePass>>> {
  const out: Partial<Record<FeatureView, FeaturePass>> = {};
  for (const view of FEATURE_VIEWS) {
    const ids = views[view];
    if (ids?.length) out[view] = await ensureBackboneFeatures(store, source, crops, ids, { ...opts, view });
  }
  return out;
}

/** One line for a run's log: how many frames' features of the view were computed and how many read back. */
export function describeFeaturePass(p: FeaturePass): string {
  const what = p.view === 'plain' ? 'backbone features' : `backbone features (${p.view} view)`;
  const how = p.computed > 0 ? `; computed in ${p.threads} thread${p.threads === 1 ? '' : 's'}` : '';
  return `${what}: ${p.reused + p.computed} frames, ${p.computed} computed, ${p.reused} read from the feature cache${how}` + (p.threadsNote ? ` (${p.threadsNote})` : '');
}

/** Rows of a pass loaded into memory (the trainer reads every epoch): `fill` copies frames' rows into a batch. */
/** Rows of one pass in memory: the distinct frame ids, their rows in that order, and `fill` to copy frames' rows into a batch. */
export interface LoadedFeatureRows {
  ids: number[];
  data: Float32Array;
  fill(ids: ArrayLike<number>, out: Float32Array): void;
}

export function loadFeatureRows(store: FeatureStore, pass: FeaturePass, frameIds: readonly number[]): LoadedFeatureRows {
  const ids = [...new Set(frameIds)];
  const data = new Float32Array(ids.length * pass.dim);
  store.read(pass.key, ids, data);
  const row = new Map<number, number>();
  ids.forEach((id, i) => row.set(id, i));
  return {
    ids,
    data,
    fill(want, out) {
      for (let k = 0; k < want.length; k++) {
        const r = row.get(want[k]);
        if (r === undefined) throw new Error(`no backbone features loaded for frame ${want[k]}`);
        out.set(data.subarray(r * pass.dim, (r + 1) * pass.dim), k * pass.dim);
      }
    },
  };
}
