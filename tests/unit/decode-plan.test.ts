// The decoded-frame window's pure rules (src/renderer/src/review/decode-plan.ts): samples pair with
// stored frames only by timestamp, B-frame reordering and edit-list cuts included; the window
// leans toward the direction of travel; refills wait until the cached run is short.
import { describe, expect, it } from 'vitest';
import { indexFrames, keepWindow, nextGop, type SampleInfo } from '../../src/renderer/src/review/decode-plan';
import { FrameTimes } from '../../src/shared/frame-times';

const TS = 24000;
const DUR = 1001; // 24000/1001 fps

/** IBBP-style decode order: per GOP of `gop` frames, I then for each pair P(k+2), B(k+1). */
function samples(frames: number, gop: number, first = 0): SampleInfo[] {
  const out: SampleInfo[] = [];
  for (let g = 0; g < frames; g += gop) {
    const end = Math.min(frames, g + gop);
    const order = [g];
    for (let k = g + 1; k < end; k += 2) {
      if (k + 1 < end) order.push(k + 1, k);
      else order.push(k);
    }
    for (const f of order) out.push({ offset: out.length * 100, size: 100, cts: (first + f) * DUR, isSync: f === g });
  }
  return out;
}

function times(frames: number, jitter = 0): FrameTimes {
  return new FrameTimes(Float64Array.from({ length: frames }, (_, i) => (i * DUR) / TS + (i === 7 ? jitter : 0)), 0, TS / DUR, frames);
}

describe('indexFrames', () => {
  it('pairs each sample with the stored frame of its presentation time, B-frames reordered', () => {
    const s = samples(50, 12);
    const ix = indexFrames(s, TS, 0, times(50));
    if (typeof ix === 'string') throw new Error(ix);
    for (let f = 0; f < 50; f++) expect(s[ix.sampleOfFrame[f]].cts).toBe(f * DUR);
    expect(ix.gops.map((g) => g.first)).toEqual([0, 12, 24, 36, 48]);
    expect(ix.gopOfFrame[11]).toBe(0);
    expect(ix.gopOfFrame[12]).toBe(1);
    expect(ix.gopOfFrame[49]).toBe(4);
  });

  it('drops samples an edit list cuts and refuses files that do not pair one to one', () => {
    // Two samples before the cut (shift of 2 frames): 50 stored frames, 52 samples.
    const s = samples(52, 13);
    const ix = indexFrames(s, TS, (-2 * DUR) / TS, times(50));
    if (typeof ix === 'string') throw new Error(ix);
    expect(ix.frameOfSample[0]).toBe(-1);
    expect(s[ix.sampleOfFrame[0]].cts).toBe(2 * DUR);
    expect(indexFrames(samples(51, 12), TS, 0, times(50))).toMatch(/51 samples for 50/);
    // A stored timestamp half a frame away from its sample: not the same frame.
    expect(indexFrames(samples(50, 12), TS, 0, times(50, DUR / TS / 2))).toMatch(/frame 7/);
    expect(indexFrames([{ offset: 0, size: 1, cts: 0, isSync: false }], TS, 0, times(1))).toMatch(/keyframe/);
  });
});

describe('keepWindow', () => {
  it('keeps cap frames, three quarters ahead in the direction of travel, inside the video', () => {
    expect(keepWindow(100, 1, 40, 1000)).toEqual({ from: 91, to: 130 });
    expect(keepWindow(100, -1, 40, 1000)).toEqual({ from: 70, to: 109 });
    expect(keepWindow(2, -1, 40, 1000)).toEqual({ from: 0, to: 39 });
    expect(keepWindow(995, 1, 40, 1000)).toEqual({ from: 960, to: 999 });
    expect(keepWindow(5, 1, 40, 12)).toEqual({ from: 0, to: 11 });
  });
});

describe('nextGop', () => {
  const gopOf = Int32Array.from({ length: 1000 }, (_, f) => Math.floor(f / 250));
  const cached = (from: number, to: number) => (f: number) => f >= from && f <= to;

  it('decodes the playhead first, then refills only below the low-water run', () => {
    const win = keepWindow(300, 1, 72, 1000); // 283..354
    expect(nextGop(300, 1, win, 18, () => false, gopOf)).toBe(1);
    // 20 frames ahead cached: enough; 10: refill from the first missing one.
    expect(nextGop(300, 1, win, 18, cached(283, 320), gopOf)).toBeNull();
    expect(nextGop(300, 1, win, 18, cached(283, 310), gopOf)).toBe(1);
    // Backward: the run behind is short, the missing frame is in the previous GOP.
    const back = keepWindow(252, -1, 72, 1000); // 199..270
    expect(nextGop(252, -1, back, 18, cached(245, 270), gopOf)).toBe(0);
    expect(nextGop(252, -1, back, 18, cached(220, 270), gopOf)).toBeNull();
  });

  it('stops at the ends of the video', () => {
    const win = keepWindow(2, -1, 72, 1000);
    expect(nextGop(2, -1, win, 18, cached(0, 60), gopOf)).toBeNull();
    expect(nextGop(998, 1, keepWindow(998, 1, 72, 1000), 18, cached(940, 999), gopOf)).toBeNull();
  });
});
