// Which face box a video frame gets, fast enough for ≥ 15 frames/s on 2 CPU cores.
//
// SSD-MobileNet is the detector of record but costs ~0.3–0.5 s a frame on wasm (it always runs at
// 512×512). Between its detections the face is tracked with face-api's tiny detector on a small
// region around the previous box (~15–20 ms): SSD runs on the first frame, every `redetectEvery`
// frames, and whenever tracking loses the face. Tiny boxes are shaped differently from SSD boxes
// (wider, lower), and the landmark net was trained on SSD-like boxes, so at every SSD detection
// the tiny detector also runs on the same frame and the mapping between the two boxes is
// recalibrated; tracked boxes are tiny boxes mapped through it.
//
// Without a face, a frame runs the tiny detector on the whole frame; a hit wakes SSD, which
// decides. So 'none' means: SSD found no face when it ran, and the tiny detector none since.
import type * as TF from '@tensorflow/tfjs';
import type { FaceBox, FaceModels, Region } from './faceapi';

export interface TrackOptions {
  /** SSD runs at least every this many frames (default 24: about once a second). */
  redetectEvery?: number;
  /** Minimum SSD score for a face (default 0.5). */
  minScore?: number;
  /** Minimum tiny-detector score to keep tracking (default 0.4). */
  trackScore?: number;
  /** Tiny-detector input size for tracking regions (default 160) and for whole frames (default 320). */
  trackInputSize?: number;
  searchInputSize?: number;
}

export type Detector = 'ssd' | 'tiny';

export interface TrackedFace extends FaceBox {
  detector: Detector;
}

/** Maps a tiny-detector box to the SSD box of the same face: centre shift and size ratio per axis. */
export interface BoxCalibration {
  dx: number;
  dy: number;
  sw: number;
  sh: number;
}

/**
 * Default tiny → SSD mapping (median over the faces of face-api's six sample photos): SSD boxes
 * are ~0.67 as wide, ~1.03 as tall, and centred 0.12 of the tiny box's height higher.
 */
export const DEFAULT_CALIBRATION: BoxCalibration = { dx: 0, dy: -0.12, sw: 0.67, sh: 1.03 };

export function calibrate(tiny: FaceBox, ssd: FaceBox): BoxCalibration {
  return {
    dx: (ssd.x + ssd.w / 2 - (tiny.x + tiny.w / 2)) / tiny.w,
    dy: (ssd.y + ssd.h / 2 - (tiny.y + tiny.h / 2)) / tiny.h,
    sw: ssd.w / tiny.w,
    sh: ssd.h / tiny.h,
  };
}

export function applyCalibration(c: BoxCalibration, b: FaceBox): FaceBox {
  const cx = b.x + b.w / 2 + c.dx * b.w;
  const cy = b.y + b.h / 2 + c.dy * b.h;
  const w = b.w * c.sw;
  const h = b.h * c.sh;
  return { x: cx - w / 2, y: cy - h / 2, w, h, score: b.score };
}

export function iou(a: Region, b: Region): number {
  const x0 = Math.max(a.x, b.x);
  const y0 = Math.max(a.y, b.y);
  const x1 = Math.min(a.x + a.w, b.x + b.w);
  const y1 = Math.min(a.y + a.h, b.y + b.h);
  const inter = Math.max(0, x1 - x0) * Math.max(0, y1 - y0);
  const union = a.w * a.h + b.w * b.h - inter;
  return union > 0 ? inter / union : 0;
}

/** The square region, `factor` times the box's larger side, centred on the box. */
export function searchRegion(b: Region, factor = 2): Region {
  const side = Math.max(b.w, b.h) * factor;
  return { x: b.x + b.w / 2 - side / 2, y: b.y + b.h / 2 - side / 2, w: side, h: side };
}

/** The face to follow among detections: the one overlapping the current track, else the largest. */
export function pickFace<T extends FaceBox>(dets: T[], track: Region | null): T | null {
  if (dets.length === 0) return null;
  if (track) {
    let best: T | null = null;
    let bestIou = 0.3;
    for (const d of dets) {
      const o = iou(d, track);
      if (o > bestIou) {
        best = d;
        bestIou = o;
      }
    }
    if (best) return best;
  }
  return dets.reduce((a, b) => (b.w * b.h > a.w * a.h ? b : a));
}

export class FaceTracker {
  private track: FaceBox | null = null;
  private sinceSsd = Infinity;
  private calibration: BoxCalibration = DEFAULT_CALIBRATION;
  private readonly o: Required<TrackOptions>;
  /** How many frames each detector ran on (for the benchmark). */
  readonly runs = { ssd: 0, tinyRegion: 0, tinyFull: 0 };

  constructor(
    private readonly models: FaceModels,
    opts: TrackOptions = {},
  ) {
    this.o = { redetectEvery: 24, minScore: 0.5, trackScore: 0.4, trackInputSize: 160, searchInputSize: 320, ...opts };
  }

  /** The face in this frame (the next of a contiguous run), or null. */
  async next(frame: TF.Tensor3D): Promise<TrackedFace | null> {
    this.sinceSsd++;
    if (this.sinceSsd >= this.o.redetectEvery) return this.detect(frame);
    if (this.track) {
      this.runs.tinyRegion++;
      const found = pickFace(await this.models.tiny(frame, this.o.trackScore, this.o.trackInputSize, searchRegion(this.track)), null);
      if (!found) return this.detect(frame);
      const box = applyCalibration(this.calibration, found);
      this.track = box;
      return { ...box, detector: 'tiny' };
    }
    this.runs.tinyFull++;
    const hit = await this.models.tiny(frame, this.o.minScore, this.o.searchInputSize);
    return hit.length > 0 ? this.detect(frame) : null;
  }

  /** Forgets the track (the next frame is not contiguous with the last). */
  reset(): void {
    this.track = null;
    this.sinceSsd = Infinity;
  }

  private async detect(frame: TF.Tensor3D): Promise<TrackedFace | null> {
    this.runs.ssd++;
    this.sinceSsd = 0;
    const face = pickFace(await this.models.ssd(frame, this.o.minScore), this.track);
    this.track = face;
    if (!face) return null;
    this.runs.tinyRegion++;
    const tiny = pickFace(await this.models.tiny(frame, this.o.trackScore, this.o.trackInputSize, searchRegion(face)), face);
    if (tiny && iou(applyCalibration(DEFAULT_CALIBRATION, tiny), face) > 0.3) this.calibration = calibrate(tiny, face);
    return { ...face, detector: 'ssd' };
  }
}
