// The face pipeline of one media item: decode each frame (ffmpeg for videos, sharp for image
// files), find the face (face-track.ts: SSD-MobileNet with tiny-detector tracking), 68 landmarks,
// a 112×112 crop aligned on them (align.ts), stored in the crop cache; box, score and landmarks go
// to the `faces` table and every frame ends 'ok' or 'none' — never silently dropped.
//
// Resumable: frames are done in batches; a batch's crops are written first, then its rows and
// frame statuses commit in one transaction. Killed at any point, the database says exactly which
// frames are done (face <> 'unknown'); a rerun skips those and starts decoding at the first frame
// still 'unknown' (a crop written for a frame whose batch did not commit is simply rewritten).
import fs from 'node:fs';
import path from 'node:path';
import { AppError } from '../../shared/result';
import { openCropCache, type CropCache } from '../store/crop-cache';
import type { Project } from '../store/project';
import { alignFace, CROP_SIZE } from './align';
import { decodeVideoFrames } from './decode';
import { loadFaceModels, type FacePatch, type FaceModels } from './faceapi';
import { FaceTracker, type TrackedFace, type TrackOptions } from './face-track';
import { readRgb } from './image-face';
import { probeVideo } from './probe';
import { forgetFrames } from '../store/frame-caches';

export interface FacePipelineOptions extends TrackOptions {
  /** 'detect' (default) finds and aligns faces; 'aligned' takes each image or video frame as an aligned face crop (Aff-Wild2 cropped_aligned, face-centred videos). */
  mode?: 'detect' | 'aligned';
  /** Frames per committed batch (default 16). */
  batchSize?: number;
  /** Called after each batch with frames done (including those done by earlier runs) and the total. */
  onProgress?: (done: number, total: number) => void;
  /** Called between batches; throw to stop (the committed batches stay done). */
  checkpoint?: () => Promise<void>;
  /** Stop after this many batches (tests use it to simulate a kill). */
  maxBatches?: number;
  /** Loaded models to reuse (default: loadFaceModels()). */
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
  detectorRuns?: { ssd: number; tinyRegion: number; tinyFull: number };
}

interface MediaRow {
  id: number;
  kind: 'video' | 'sequence' | 'images';
  path: string;
  width: number | null;
  height: number | null;
  frame_count: number;
}

interface TodoFrame {
  id: number;
  idx: number;
  path: string | null;
}

/** A frame ready for the face step. */
interface Pixels {
  frame: TodoFrame;
  rgb: Uint8Array | null;
  width: number;
  height: number;
}

interface Outcome {
  frameId: number;
  status: 'ok' | 'none' | 'unusable';
  face?: TrackedFace | { x: number; y: number; w: number; h: number; score: number; detector: 'given' };
  landmarks?: Float32Array | null;
  crop?: Uint8Array;
}

export async function runFacePipeline(project: Project, mediaId: number, opts: FacePipelineOptions = {}): Promise<FacePipelineResult> {
  const media = project.db.prepare('SELECT id, kind, path, width, height, frame_count FROM media WHERE id = ?').get(mediaId) as MediaRow | undefined;
  if (!media) throw new AppError('not-found', `No media item with id ${mediaId}`);
  const todo = project.db
    .prepare(`SELECT id, idx, path FROM frames WHERE media_id = ? AND face = 'unknown' ORDER BY idx`)
    .all(mediaId) as TodoFrame[];
  const total = project.db.prepare('SELECT COUNT(*) FROM frames WHERE media_id = ?').pluck().get(mediaId) as number;
  const skipped = total - todo.length;
  const started = performance.now();
  const result: FacePipelineResult = { mediaId, total, skipped, processed: 0, ok: 0, none: 0, unusable: 0, complete: todo.length === 0, seconds: 0, framesPerSecond: 0 };
  opts.onProgress?.(skipped, total);
  if (todo.length === 0) return result;

  const mode = opts.mode ?? 'detect';
  const models = mode === 'detect' ? (opts.models ?? (await loadFaceModels())) : null;
  const tracker = models ? new FaceTracker(models, opts) : null;
  const ownCrops = opts.crops ? null : openCropCache(project.dir);
  const crops = opts.crops ?? (ownCrops as CropCache);
  const batchSize = Math.max(1, opts.batchSize ?? 16);
  const abs = path.isAbsolute(media.path) ? media.path : project.path(media.path);

  const writeBatch = writer(project);
  let batches = 0;
  let pending: { px: Pixels; face: TrackedFace | null; patch: FacePatch | null }[] = [];
  let lastIdx = -2;

  const flush = async (): Promise<boolean> => {
    if (pending.length === 0) return true;
    const outcomes = models ? await finishDetect(models, pending) : pending.map((p) => finishAligned(p.px));
    const cropsOut = outcomes.filter((o) => o.crop).map((o) => ({ frameId: o.frameId, rgb: o.crop as Uint8Array }));
    if (cropsOut.length) {
      await crops.putCrops(cropsOut);
      // Features computed from the frames' earlier crops no longer describe them.
      forgetFrames(project.dir, cropsOut.map((c) => c.frameId), { keepCrops: true });
    }
    writeBatch(outcomes);
    for (const o of outcomes) result[o.status]++;
    result.processed += outcomes.length;
    pending = [];
    batches++;
    opts.onProgress?.(skipped + result.processed, total);
    if (opts.maxBatches !== undefined && batches >= opts.maxBatches) return false;
    await opts.checkpoint?.();
    return true;
  };

  try {
    for await (const px of framesOf(media, abs, todo, mode)) {
      let face: TrackedFace | null = null;
      let patch: FacePatch | null = null;
      if (models && tracker && px.rgb) {
        if (px.frame.idx !== lastIdx + 1 || media.kind === 'images') tracker.reset();
        const t = models.tf.tensor3d(px.rgb, [px.height, px.width, 3], 'int32');
        try {
          face = await tracker.next(t);
          patch = face ? models.patch(t, face) : null;
        } finally {
          t.dispose();
        }
      }
      lastIdx = px.frame.idx;
      pending.push({ px, face, patch });
      if (pending.length >= batchSize && !(await flush())) break;
    }
    if (opts.maxBatches === undefined || batches < opts.maxBatches) await flush();
  } finally {
    for (const p of pending) p.patch?.tensor.dispose();
    ownCrops?.close();
  }
  const left = project.db.prepare(`SELECT COUNT(*) FROM frames WHERE media_id = ? AND face = 'unknown'`).pluck().get(mediaId) as number;
  result.complete = left === 0;
  result.seconds = (performance.now() - started) / 1000;
  result.framesPerSecond = result.processed / Math.max(result.seconds, 1e-9);
  if (tracker) result.detectorRuns = { ...tracker.runs };
  return result;
}

/** Landmarks for the batch in one call, then the aligned crops. */
async function finishDetect(models: FaceModels, batch: { px: Pixels; face: TrackedFace | null; patch: FacePatch | null }[]): Promise<Outcome[]> {
  const withFace = batch.filter((b) => b.face && b.patch);
  const lms = await models.landmarks(withFace.map((b) => b.patch as FacePatch));
  const byFrame = new Map(withFace.map((b, i) => [b.px.frame.id, lms[i]]));
  return batch.map((b): Outcome => {
    if (!b.px.rgb) return { frameId: b.px.frame.id, status: 'unusable' };
    const lm = byFrame.get(b.px.frame.id);
    if (!b.face || !lm) return { frameId: b.px.frame.id, status: 'none' };
    const { crop } = alignFace(b.px.rgb, b.px.width, b.px.height, lm);
    return { frameId: b.px.frame.id, status: 'ok', face: b.face, landmarks: lm, crop };
  });
}

/** An image that is already an aligned face: the whole image, resized to 112×112. */
function finishAligned(px: Pixels): Outcome {
  if (!px.rgb) return { frameId: px.frame.id, status: 'unusable' };
  return { frameId: px.frame.id, status: 'ok', face: { x: 0, y: 0, w: px.width, h: px.height, score: 1, detector: 'given' }, landmarks: null, crop: px.rgb };
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

/** The to-do frames' pixels, in frame order. */
async function* framesOf(media: MediaRow, abs: string, todo: TodoFrame[], mode: 'detect' | 'aligned'): AsyncGenerator<Pixels> {
  if (media.kind === 'video') {
    const probe = await probeVideo(abs);
    // Aligned videos (face-centred crops, like the demo's): decode straight to 112×112.
    const w = mode === 'aligned' ? CROP_SIZE : probe.width;
    const h = mode === 'aligned' ? CROP_SIZE : probe.height;
    if (probe.frameCount !== media.frame_count) {
      throw new AppError('conflict', `${abs} now has ${probe.frameCount} frames, ${media.frame_count} when imported; import it again`);
    }
    const wanted = new Map(todo.map((t) => [t.idx, t]));
    let left = todo.length;
    for await (const f of decodeVideoFrames(abs, { width: w, height: h, startFrame: todo[0].idx, streamIndex: probe.streamIndex })) {
      const frame = wanted.get(f.index);
      if (!frame) continue;
      yield { frame, rgb: f.rgb, width: w, height: h };
      if (--left === 0) return;
    }
    return;
  }
  const base = fs.existsSync(abs) && fs.statSync(abs).isDirectory() ? abs : path.dirname(abs);
  for (const frame of todo) {
    if (!frame.path) {
      yield { frame, rgb: null, width: 0, height: 0 };
      continue;
    }
    const file = path.isAbsolute(frame.path) ? frame.path : path.join(base, frame.path);
    yield await readImage(frame, file, mode === 'aligned' ? CROP_SIZE : null);
  }
}

/** An image file's pixels; unreadable → rgb null (the frame becomes 'unusable'). */
async function readImage(frame: TodoFrame, file: string, size: number | null): Promise<Pixels> {
  try {
    return { frame, ...(await readRgb(file, size ?? undefined)) };
  } catch {
    return { frame, rgb: null, width: 0, height: 0 };
  }
}
