// Pure rules of the decoded-frame window (decoded-frames.ts does the I/O): which coded sample is
// frame N, which GOP holds it, which frames to keep around the playhead and which GOP to decode
// next. No DOM, no WebCodecs: unit-tested in tests/unit/decode-plan.test.ts.
//
// Frame N is the N-th presented frame by the stored timestamps (src/shared/frame-times.ts): a
// sample is frame N only when its presentation time, relative to the first presented sample, is
// frame N's stored time within a quarter frame. A file whose samples do not pair one to one with
// the stored frames is not indexed at all (the player then steps through the <video> as before):
// the cache can never show a frame under the wrong index.
import type { FrameTimes } from '../../../shared/frame-times';

/** One coded sample, in decode order (as the container lists them). */
export interface SampleInfo {
  offset: number;
  size: number;
  /** Presentation time in track timescale units. */
  cts: number;
  isSync: boolean;
}

export interface FrameIndex {
  /** Frame index of each sample (decode order); -1: not a frame (cut by an edit list). */
  readonly frameOfSample: Int32Array;
  /** Sample (decode order) of each frame. */
  readonly sampleOfFrame: Int32Array;
  /** GOPs as decode-order sample ranges [first, end): a sync sample up to the next one. */
  readonly gops: readonly { first: number; end: number }[];
  /** GOP of each frame. */
  readonly gopOfFrame: Int32Array;
}

/**
 * Pairs samples with stored frames. `shift` (seconds) is the edit list's: sample time = cts /
 * timescale + shift; samples before the first stored frame (an edit cutting the start) are not frames.
 */
export function indexFrames(samples: readonly SampleInfo[], timescale: number, shift: number, times: FrameTimes): FrameIndex | string {
  if (!samples.length || timescale <= 0) return 'no video samples';
  if (!samples[0].isSync) return 'the first sample is not a keyframe';
  const tol = times.frameDuration / 4;
  const order = samples.map((s, i) => ({ i, t: s.cts / timescale + shift })).sort((a, b) => a.t - b.t || a.i - b.i);
  // With an edit list the first stored frame is the first sample at or after the cut.
  const first = shift !== 0 ? order.findIndex((o) => o.t >= -tol) : 0;
  if (first < 0) return 'no sample after the edit list cut';
  const shown = order.slice(first);
  if (shown.length !== times.count) return `${shown.length} samples for ${times.count} stored frames`;
  const frameOfSample = new Int32Array(samples.length).fill(-1);
  const sampleOfFrame = new Int32Array(times.count);
  const t0 = shown[0].t;
  const s0 = times.start(0);
  for (let k = 0; k < shown.length; k++) {
    if (Math.abs(shown[k].t - t0 - (times.start(k) - s0)) > tol) return `sample time of frame ${k} is not its stored timestamp`;
    frameOfSample[shown[k].i] = k;
    sampleOfFrame[k] = shown[k].i;
  }
  const gops: { first: number; end: number }[] = [];
  for (let i = 0; i < samples.length; i++) {
    if (samples[i].isSync) {
      if (gops.length) gops[gops.length - 1].end = i;
      gops.push({ first: i, end: samples.length });
    }
  }
  const gopOfSample = new Int32Array(samples.length);
  gops.forEach((g, k) => gopOfSample.fill(k, g.first, g.end));
  const gopOfFrame = new Int32Array(times.count);
  for (let f = 0; f < times.count; f++) gopOfFrame[f] = gopOfSample[sampleOfFrame[f]];
  return { frameOfSample, sampleOfFrame, gops, gopOfFrame };
}

/** Frames to keep around playhead `p`: `cap` frames, three quarters of them on the side it is heading to. */
export function keepWindow(p: number, dir: 1 | -1, cap: number, count: number): { from: number; to: number } {
  const n = Math.min(cap, count);
  const ahead = Math.floor((n * 3) / 4);
  let from = dir > 0 ? p - (n - 1 - ahead) : p - ahead;
  from = Math.max(0, Math.min(count - n, from));
  return { from, to: from + n - 1 };
}

/**
 * The GOP to decode next, or null when nothing is needed: the playhead's own frame first; then,
 * when the cached run in the direction of travel (or behind it) is shorter than `low` frames, the
 * GOP of the first missing frame there. Refilling only below `low` decodes a long GOP once per
 * stretch of steps instead of once per step.
 */
export function nextGop(p: number, dir: 1 | -1, win: { from: number; to: number }, low: number, has: (f: number) => boolean, gopOfFrame: Int32Array): number | null {
  if (!has(p)) return gopOfFrame[p];
  for (const d of [dir, -dir]) {
    const edge = d > 0 ? win.to : win.from;
    let f = p;
    while (f !== edge && has(f + d)) f += d;
    if (f === edge) continue;
    const run = Math.abs(f - p);
    if (run < Math.min(low, Math.abs(edge - p))) return gopOfFrame[f + d];
  }
  return null;
}
