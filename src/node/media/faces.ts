// The face pipeline of one media item: decode each frame (ffmpeg for videos, sharp for image
// files), find the face (face-track.ts: SSD-MobileNet with tiny-detector tracking), 68 landmarks,
// a 112×112 crop aligned on them (align.ts), stored in the crop cache; box, score and landmarks go
// to the `faces` table and every frame ends 'ok' or 'none' — never silently dropped. The per-frame
// work is ./face-segment.ts; this file plans the run and stores what it yields.
//
// Every core used: with `threads` > 1 (the faces job passes the cores), a detect run of enough
// frames on an engine-per-thread backend (wasm, cpu) cuts the to-do frames into that many
// contiguous segments and runs each in a face thread of its own (./face-threads.ts), storing their
// batches as they arrive. A segment starts with a fresh tracker (an SSD detection), so N threads
// give exactly what one thread gives with the same N segments (`segments`, tested).
//
// Resumable: frames are done in batches; a batch's crops are written first, then its rows and
// frame statuses commit in one transaction. Killed at any point, the database says exactly which
// frames are done (face <> 'unknown'); a rerun skips those and starts decoding at the first frame
// still 'unknown' (a crop written for a frame whose batch did not commit is simply rewritten).
import path from 'node:path';
import { AppError } from '../../shared/result';
import { openCropCache, type CropCache } from '../store/crop-cache';
import type { Project } from '../store/project';
import { loadFaceModels, threadedFaceBackend, type FaceModels, type FaceThreadBackend } from './faceapi';
import { mediaSource, segmentOutcomes, splitSegments, type DetectorRuns, type MediaRow, type MediaSource, type Outcome, type SegmentOptions, type TodoFrame } from './face-segment';
import { FaceThreads } from './face-threads';
import type { TrackOptions } from './face-track';
import { forgetFrames } from '../store/frame-caches';

/** Frames a face thread gets at least: below that, starting the thread (~1–2 s: an engine and the models) costs more than it saves. */
export const MIN_FRAMES_PER_FACE_THREAD = 120;

export interface FacePipelineOptions extends TrackOptions {
  /** 'detect' (default) finds and aligns faces; 'aligned' takes each image or video frame as an aligned face crop (Aff-Wild2 cropped_aligned, face-centred videos). */
  mode?: 'detect' | 'aligned';
  /** Frames per committed batch (default 16). */
  batchSize?: number;
  /** Face threads for a detect run (default 1: this thread). Used when the backend runs an engine per thread and each gets `minFramesPerThread` frames. */
  threads?: number;
  /** Face threads kept across the runs of one job (their count replaces `threads`); without one, a run starts and ends its own. */
  session?: FaceThreadsSession;
  /** Frames each face thread gets at least (default MIN_FRAMES_PER_FACE_THREAD). */
  minFramesPerThread?: number;
  /** In this thread, cut the to-do frames into this many segments, run one after another (what `threads` = n computes, without threads). */
  segments?: number;
  /** Called once the engines are ready: the face threads used (1: this thread) and their backend line. */
  onStart?: (info: { threads: number; backend: string; note?: string }) => void;
  /** Called after each batch with frames done (including those done by earlier runs) and the total. */
  onProgress?: (done: number, total: number) => void;
  /** Called between batches; throw to stop (the committed batches stay done). */
  checkpoint?: () => Promise<void>;
  /** Stop after this many batches (tests use it to simulate a kill). */
  maxBatches?: number;
  /** Loaded models to reuse in this thread (default: loadFaceModels()). */
  models?: FaceModels;
  /** Crop store (default: the project's crop cache, opened and closed here). */
  crops?: Pick<CropCache, 'putCrops'>;
}

export interface FacePipelineResult {
  mediaId: number;
  total: number;
  /** Frames already done before this run. */
  skipped: number;
  /** Frames done by this run. */
  processed: number;
  ok: number;
  none: number;
  unusable: number;
  /** True when no frame of the media is left 'unknown'. */
  complete: boolean;
  seconds: number;
  framesPerSecond: number;
  /** Face threads that ran the frames (1: the caller's thread). */
  threads: number;
  detectorRuns?: DetectorRuns;
}

/** Stops the run (maxBatches reached): not an error. */
class Stop extends Error {}

export async function runFacePipeline(project: Project, mediaId: number, opts: FacePipelineOptions = {}): Promise<FacePipelineResult> {
  const media = project.db.prepare('SELECT id, kind, path, frame_count FROM media WHERE id = ?').get(mediaId) as MediaRow | undefined;
  if (!media) throw new AppError('not-found', `No media item with id ${mediaId}`);
  const todo = project.db
    .prepare(`SELECT id, idx, path FROM frames WHERE media_id = ? AND face = 'unknown' ORDER BY idx`)
    .all(mediaId) as TodoFrame[];
  const total = project.db.prepare('SELECT COUNT(*) FROM frames WHERE media_id = ?').pluck().get(mediaId) as number;
  const skipped = total - todo.length;
  const started = performance.now();
  const result: FacePipelineResult = { mediaId, total, skipped, processed: 0, ok: 0, none: 0, unusable: 0, complete: todo.length === 0, seconds: 0, framesPerSecond: 0, threads: 1 };
  opts.onProgress?.(skipped, total);
  if (todo.length === 0) return result;

  const mode = opts.mode ?? 'detect';
  const abs = path.isAbsolute(media.path) ? media.path : project.path(media.path);
  const source = await mediaSource(media, abs, mode);
  const segOpts: SegmentOptions = { ...trackOptions(opts), mode, batchSize: Math.max(1, opts.batchSize ?? 16) };
  const runs: DetectorRuns = { ssd: 0, tinyRegion: 0, tinyFull: 0 };
  const ownCrops = opts.crops ? null : openCropCache(project.dir);
  const crops = opts.crops ?? (ownCrops as CropCache);
  const writeBatch = writer(project);
  let batches = 0;

  /** Stores one batch: crops first, then its rows and statuses in one transaction. */
  const commit = async (outcomes: Outcome[]): Promise<void> => {
    const cropsOut = outcomes.filter((o) => o.crop).map((o) => ({ frameId: o.frameId, rgb: o.crop as Uint8Array }));
    if (cropsOut.length) {
      await crops.putCrops(cropsOut);
      // Features computed from the frames' earlier crops no longer describe them.
      forgetFrames(project.dir, cropsOut.map((c) => c.frameId), { keepCrops: true });
    }
    writeBatch(outcomes);
    for (const o of outcomes) result[o.status]++;
    result.processed += outcomes.length;
    batches++;
    opts.onProgress?.(skipped + result.processed, total);
    if (opts.maxBatches !== undefined && batches >= opts.maxBatches) throw new Stop();
    await opts.checkpoint?.();
  };

  try {
    const session = opts.session ?? ((opts.threads ?? 1) > 1 ? new FaceThreadsSession(opts.threads ?? 1) : null);
    const { pool, n, note } = mode === 'detect' && !opts.models && session ? await faceThreadsFor(session, todo.length, opts) : { pool: null, n: 1 };
    try {
      if (pool) {
        result.threads = n;
        opts.onStart?.({ threads: n, backend: pool.backend });
        try {
          await inThreads(pool, source, splitSegments(todo, n), segOpts, commit, runs);
        } catch (e) {
          // The other threads may still be in their segments: end them (a later run starts new ones).
          await session?.close();
          throw e;
        }
      } else {
        const models = mode === 'detect' ? (opts.models ?? (await loadFaceModels())) : null;
        if (models) opts.onStart?.({ threads: 1, backend: models.backend, ...(note ? { note } : {}) });
        for (const segment of splitSegments(todo, opts.segments ?? 1)) {
          for await (const outcomes of segmentOutcomes(source, segment, models, segOpts, runs)) await commit(outcomes);
        }
      }
    } finally {
      if (session && session !== opts.session) await session.close();
    }
  } catch (e) {
    if (!(e instanceof Stop)) throw e;
  } finally {
    ownCrops?.close();
  }
  const left = project.db.prepare(`SELECT COUNT(*) FROM frames WHERE media_id = ? AND face = 'unknown'`).pluck().get(mediaId) as number;
  result.complete = left === 0;
  result.seconds = (performance.now() - started) / 1000;
  result.framesPerSecond = result.processed / Math.max(result.seconds, 1e-9);
  if (mode === 'detect') result.detectorRuns = runs;
  return result;
}

/** The tracker's options out of the pipeline's (the rest does not cross to a thread). */
function trackOptions(o: TrackOptions): TrackOptions {
  const { redetectEvery, minScore, trackScore, trackInputSize, searchInputSize } = o;
  return Object.fromEntries(Object.entries({ redetectEvery, minScore, trackScore, trackInputSize, searchInputSize }).filter(([, v]) => v !== undefined));
}

/**
 * Face threads shared by the runs of one job: all `threads` of them started by the first run that
 * uses them, ended by close() (a run that stops or fails closes them too; the next run that needs
 * threads starts new ones).
 */
export class FaceThreadsSession {
  private pool: Promise<FaceThreads> | null = null;
  constructor(readonly threads: number) {}

  /** The started threads (a failed start stays failed: every run then says so and runs in its own thread). */
  get(backend: FaceThreadBackend): Promise<FaceThreads> {
    this.pool ??= FaceThreads.start(this.threads, backend);
    return this.pool;
  }

  async close(): Promise<void> {
    const pool = await this.pool?.catch(() => null);
    this.pool = null;
    await pool?.close();
  }
}

/**
 * The face threads for `frames` to-do frames and how many of them to use (n ≥ 2), or none where
 * the run stays in this thread: too few frames, a backend that is not per-thread, or threads that
 * fail to start (then `note` says why).
 */
async function faceThreadsFor(session: FaceThreadsSession, frames: number, opts: FacePipelineOptions): Promise<{ pool: FaceThreads | null; n: number; note?: string }> {
  const n = Math.min(session.threads, Math.floor(frames / Math.max(1, opts.minFramesPerThread ?? MIN_FRAMES_PER_FACE_THREAD)));
  if (n < 2) return { pool: null, n: 1 };
  const backend = await threadedFaceBackend();
  if (!backend) return { pool: null, n: 1 };
  try {
    return { pool: await session.get(backend), n };
  } catch (e) {
    return { pool: null, n: 1, note: `face threads did not start (${e instanceof Error ? e.message : String(e)}); running in this thread` };
  }
}

/**
 * Each segment in a face thread of its own; batches are committed one at a time in the order they
 * arrive. The first failure (a thread's, or a commit's: a cancel, a Stop) ends the run once the
 * commit under way has finished; the threads are ended by the caller.
 */
async function inThreads(pool: FaceThreads, source: MediaSource, segments: TodoFrame[][], options: SegmentOptions, commit: (o: Outcome[]) => Promise<void>, runs: DetectorRuns): Promise<void> {
  let failure: { error: unknown } | null = null;
  let chain: Promise<void> = Promise.resolve();
  let wake: () => void = () => {};
  const failed = new Promise<void>((resolve) => (wake = resolve));
  const fail = (error: unknown) => {
    failure ??= { error };
    wake();
  };
  const onBatch = (outcomes: Outcome[]) => {
    chain = chain.then(() => (failure ? undefined : commit(outcomes).catch(fail)));
  };
  const work = Promise.all(
    segments.map(async (frames, i) => {
      const r = await pool.segment(i, source, frames, options, onBatch);
      runs.ssd += r.ssd;
      runs.tinyRegion += r.tinyRegion;
      runs.tinyFull += r.tinyFull;
    }),
  ).catch(fail);
  await Promise.race([work, failed]);
  await chain;
  if (failure) throw (failure as { error: unknown }).error;
}

/** The batch writer: faces rows and frame statuses in one transaction. */
function writer(project: Project): (outcomes: Outcome[]) => void {
  const db = project.db;
  const putFace = db.prepare('INSERT OR REPLACE INTO faces (frame_id, x, y, w, h, score, detector, landmarks) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  const delFace = db.prepare('DELETE FROM faces WHERE frame_id = ?');
  const setStatus = db.prepare('UPDATE frames SET face = ? WHERE id = ?');
  return db.transaction((outcomes: Outcome[]) => {
    for (const o of outcomes) {
      if (o.status === 'ok' && o.face) {
        const f = o.face;
        const lm = o.landmarks ? Buffer.from(o.landmarks.buffer, o.landmarks.byteOffset, o.landmarks.byteLength) : null;
        putFace.run(o.frameId, f.x, f.y, f.w, f.h, Math.min(1, Math.max(0, f.score)), f.detector, lm);
      } else {
        delFace.run(o.frameId);
      }
      setStatus.run(o.status, o.frameId);
    }
  });
}
