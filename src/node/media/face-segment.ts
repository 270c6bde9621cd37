// One segment of a media item's to-do frames through the face step: the frames' pixels (ffmpeg for
// a video, sharp for image files), the face (face-track.ts: SSD-MobileNet with tiny-detector
// tracking, the tracker fresh at the segment's first frame and wherever frames are not
// contiguous), 68 landmarks per batch in one call, and the 112×112 crop aligned on them
// (align.ts). It touches no database and no cache: the same code runs in the job's thread and in a
// face thread (face-thread.ts), and faces.ts stores what it yields.
import fs from 'node:fs';
import path from 'node:path';
import { AppError } from '../../shared/result';
import { alignFace, CROP_SIZE } from './align';
import { decodeVideoFrames } from './decode';
import type { FaceModels, FacePatch } from './faceapi';
import { FaceTracker, type TrackedFace, type TrackOptions } from './face-track';
import { readRgb } from './image-face';
import { probeVideo } from './probe';

/** A frame still to do (frames.face = 'unknown'). */
export interface TodoFrame {
  id: number;
  idx: number;
  path: string | null;
}

/** Where a media item's pixels come from, resolved once per run (a video is probed once). */
export type MediaSource =
  | { kind: 'video'; file: string; width: number; height: number; streamIndex: number | undefined }
  /** Image files (an image folder or a frame sequence): `base` resolves the frames' relative paths; `size` resizes (aligned mode). */
  | { kind: 'files'; base: string; size: number | null; eachAlone: boolean };

export interface MediaRow {
  id: number;
  kind: 'video' | 'sequence' | 'images';
  path: string;
  frame_count: number;
}

export type FaceMode = 'detect' | 'aligned';

/** What the face step says about one frame. */
export interface Outcome {
  frameId: number;
  status: 'ok' | 'none' | 'unusable';
  face?: TrackedFace | { x: number; y: number; w: number; h: number; score: number; detector: 'given' };
  landmarks?: Float32Array | null;
  crop?: Uint8Array;
}

export interface DetectorRuns {
  ssd: number;
  tinyRegion: number;
  tinyFull: number;
}

/** The media item's pixel source; a video whose frame count changed since import is refused. */
export async function mediaSource(media: MediaRow, abs: string, mode: FaceMode): Promise<MediaSource> {
  if (media.kind === 'video') {
    const probe = await probeVideo(abs);
    if (probe.frameCount !== media.frame_count) {
      throw new AppError('conflict', `${abs} now has ${probe.frameCount} frames, ${media.frame_count} when imported; import it again`);
    }
    // Aligned videos (face-centred crops, like the demo's): decode straight to 112×112.
    const aligned = mode === 'aligned';
    return { kind: 'video', file: abs, width: aligned ? CROP_SIZE : probe.width, height: aligned ? CROP_SIZE : probe.height, streamIndex: probe.streamIndex };
  }
  const base = fs.existsSync(abs) && fs.statSync(abs).isDirectory() ? abs : path.dirname(abs);
  return { kind: 'files', base, size: mode === 'aligned' ? CROP_SIZE : null, eachAlone: media.kind === 'images' };
}

/** `todo` (in frame order) cut into at most `n` contiguous, non-empty segments of nearly equal length. */
export function splitSegments<T>(todo: readonly T[], n: number): T[][] {
  const k = Math.max(1, Math.min(Math.floor(n), todo.length));
  const out: T[][] = [];
  for (let i = 0; i < k; i++) {
    const from = Math.round((i * todo.length) / k);
    const to = Math.round(((i + 1) * todo.length) / k);
    if (to > from) out.push(todo.slice(from, to));
  }
  return out;
}

export interface SegmentOptions extends TrackOptions {
  mode: FaceMode;
  /** Frames per yielded batch. */
  batchSize: number;
}

/**
 * The segment's outcomes, `batchSize` frames at a time, in frame order. `models` is needed in
 * 'detect' mode; `runs` (when given) counts the detectors' runs.
 */
export async function* segmentOutcomes(source: MediaSource, frames: readonly TodoFrame[], models: FaceModels | null, opts: SegmentOptions, runs?: DetectorRuns): AsyncGenerator<Outcome[]> {
  if (frames.length === 0) return;
  if (opts.mode === 'detect' && !models) throw new Error('internal: face detection without face models');
  const tracker = opts.mode === 'detect' && models ? new FaceTracker(models, opts) : null;
  let pending: { px: Pixels; face: TrackedFace | null; patch: FacePatch | null }[] = [];
  let lastIdx = -2;
  const finish = async (): Promise<Outcome[]> => {
    const batch = pending;
    pending = [];
    return models && tracker ? finishDetect(models, batch) : batch.map((p) => finishAligned(p.px));
  };
  try {
    for await (const px of framesOf(source, frames)) {
      let face: TrackedFace | null = null;
      let patch: FacePatch | null = null;
      if (models && tracker && px.rgb) {
        if (px.frame.idx !== lastIdx + 1 || (source.kind === 'files' && source.eachAlone)) tracker.reset();
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
      if (pending.length >= opts.batchSize) yield await finish();
    }
    if (pending.length) yield await finish();
  } finally {
    for (const p of pending) p.patch?.tensor.dispose();
    if (runs && tracker) {
      runs.ssd += tracker.runs.ssd;
      runs.tinyRegion += tracker.runs.tinyRegion;
      runs.tinyFull += tracker.runs.tinyFull;
    }
  }
}

/** A frame ready for the face step. */
interface Pixels {
  frame: TodoFrame;
  rgb: Uint8Array | null;
  width: number;
  height: number;
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

/** The frames' pixels, in frame order. */
async function* framesOf(source: MediaSource, frames: readonly TodoFrame[]): AsyncGenerator<Pixels> {
  if (source.kind === 'video') {
    const { file, width, height, streamIndex } = source;
    const wanted = new Map(frames.map((t) => [t.idx, t]));
    let left = frames.length;
    for await (const f of decodeVideoFrames(file, { width, height, startFrame: frames[0].idx, streamIndex })) {
      const frame = wanted.get(f.index);
      if (!frame) continue;
      yield { frame, rgb: f.rgb, width, height };
      if (--left === 0) return;
    }
    return;
  }
  for (const frame of frames) {
    if (!frame.path) {
      yield { frame, rgb: null, width: 0, height: 0 };
      continue;
    }
    const file = path.isAbsolute(frame.path) ? frame.path : path.join(source.base, frame.path);
    yield await readImage(frame, file, source.size);
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
