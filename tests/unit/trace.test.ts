// The pure rules of continuous valence/arousal tracing (src/shared/trace.ts): pad and stick →
// valence/arousal, one sample per presented frame through the stored frame times, one-axis
// samples, the centred moving average of the derived layer and the timeline's bucket rule; and the
// writer's per-frame rule (traceStep, src/node/review/trace.ts).
import { describe, expect, it } from 'vitest';
import { FrameTimes } from '../../src/shared/frame-times';
import { bucketOf, movingAverage, padToVa, presentedSince, sampleOf, stickToVa, TraceRecorder, ValueHistory } from '../../src/shared/trace';
import { traceStep } from '../../src/node/review/trace';

describe('padToVa', () => {
  it('maps the pad square to [-1, 1]² (valence right, arousal up) and clamps outside it', () => {
    // 200 px pad, 14 px margin: r = 86, centre 100.
    expect(padToVa(100, 100, 200, 14)).toEqual({ valence: 0, arousal: 0 });
    expect(padToVa(186, 14, 200, 14)).toEqual({ valence: 1, arousal: 1 });
    expect(padToVa(14, 186, 200, 14)).toEqual({ valence: -1, arousal: -1 });
    expect(padToVa(143, 57, 200, 14)).toEqual({ valence: 0.5, arousal: 0.5 });
    expect(padToVa(-50, 400, 200, 14)).toEqual({ valence: -1, arousal: -1 });
    // 1e-4 resolution
    expect(padToVa(101, 100, 200, 14).valence).toBe(0.0116);
  });
});

describe('stickToVa', () => {
  it('removes the deadzone, rescales to full deflection and turns the y axis up', () => {
    expect(stickToVa(0.05, -0.05)).toEqual({ valence: 0, arousal: 0 });
    expect(stickToVa(1, -1)).toEqual({ valence: 1, arousal: 1 });
    expect(stickToVa(-1, 1)).toEqual({ valence: -1, arousal: -1 });
    expect(stickToVa(0.54, 0, 0.08).valence).toBe(0.5);
  });
});

describe('TraceRecorder', () => {
  // 24000/1001 material starting at 0.5 s, as stored at import
  const n = 100;
  const ts = Float64Array.from({ length: n }, (_, i) => (i * 1001) / 24000);
  const times = new FrameTimes(ts, 0.5, 24000 / 1001, n);
  const dur = 1001 / 24000;
  /** The callback of frame f presented at wall time t (ms), the count of presented frames then. */
  const meta = (f: number, t: number, presentedFrames: number, jitter = 0) => ({ mediaTime: 0.5 + f * dur + jitter, presentationTime: t, presentedFrames });
  // the pointer's value: valence = the time in seconds, so each sample shows when it was taken
  const at = (t: number) => ({ valence: Math.round(t) / 1000, arousal: 0.5 });

  it('keeps one sample per presented frame, the first, with the value at its presentation time', () => {
    const r = new TraceRecorder(times, 'both', 0.5);
    // mediaTime is the presented frame's own timestamp (microsecond rounding either side)
    expect(r.presented(meta(10, 100, 1, -1e-6), at)).toBe(1);
    expect(r.presented(meta(11, 183, 2, 1e-6), at)).toBe(1);
    // frame 11 shown again (a stall): its first value stays
    expect(r.presented(meta(11, 190, 2), at)).toBe(0);
    expect(r.callbacks).toBe(3);
    expect(r.samples()).toEqual([
      { frame: 10, valence: 0.1, arousal: 0.5 },
      { frame: 11, valence: 0.183, arousal: 0.5 },
    ]);
  });

  it('fills the frames between two callbacks with the value when each was due, counting the ones the player dropped', () => {
    const r = new TraceRecorder(times, 'both', 0.5);
    r.presented(meta(10, 1000, 5), at);
    // frames 11 and 12 presented, the page told only of 13 (count +3): each frame lasts 2·dur at 0.5×
    expect(r.presented(meta(13, 1250, 8), at)).toBe(3);
    // frames 14–16 lie between, but only 2 frames were presented up to 17: two were dropped
    expect(r.presented(meta(17, 1600, 10), at)).toBe(4);
    // more than a second of media between callbacks: not filled
    expect(r.presented(meta(60, 5000, 11), at)).toBe(1);
    expect([r.recovered, r.dropped, r.unfilled]).toEqual([5, 2, 42]);
    const step = 2 * dur * 1000;
    expect(r.samples().map((x) => [x.frame, x.valence])).toEqual([
      [10, 1],
      [11, Math.round(1250 - 2 * step) / 1000],
      [12, Math.round(1250 - step) / 1000],
      [13, 1.25],
      [14, Math.round(1600 - 3 * step) / 1000],
      [15, Math.round(1600 - 2 * step) / 1000],
      [16, Math.round(1600 - step) / 1000],
      [17, 1.6],
      [60, 5],
    ]);
  });

  it('samples only the frames of the selected range of a pass that redoes it', () => {
    const r = new TraceRecorder(times, 'both', 1, { from: 20, to: 22 });
    r.presented(meta(19, 0, 1), at);
    r.presented(meta(21, 80, 3), at);
    r.presented(meta(24, 200, 6), at);
    expect(r.samples().map((x) => x.frame)).toEqual([20, 21, 22]);
    expect(r.frame).toBe(24);
  });

  it('records only the traced axis of a one-axis pass', () => {
    expect(sampleOf(3, { valence: 0.2, arousal: -0.3 }, 'valence')).toEqual({ frame: 3, valence: 0.2, arousal: null });
    expect(sampleOf(3, { valence: 0.2, arousal: -0.3 }, 'arousal')).toEqual({ frame: 3, valence: null, arousal: -0.3 });
    const r = new TraceRecorder(times, 'arousal', 1);
    r.presented(meta(5, 0, 1), () => ({ valence: 0.7, arousal: 0.25 }));
    expect(r.samples()).toEqual([{ frame: 5, valence: null, arousal: 0.25 }]);
  });
});

describe('ValueHistory', () => {
  it('answers the value in force at a time: the last at or before it, the earliest before all', () => {
    const h = new ValueHistory(1000);
    expect(h.at(5)).toBeNull();
    h.push({ t: 10, valence: 0.1, arousal: 0 });
    h.push({ t: 30, valence: 0.3, arousal: 0 });
    h.push({ t: 20, valence: 0.2, arousal: 0 }); // a late coalesced event goes to its place
    expect([5, 10, 19.9, 20, 29, 30, 99].map((t) => h.at(t)!.valence)).toEqual([0.1, 0.1, 0.1, 0.2, 0.2, 0.3, 0.3]);
    // only the last second is kept, with the value in force at its start
    h.push({ t: 2000, valence: 1, arousal: 0 });
    expect(h.at(1500)!.valence).toBe(0.3);
    expect(h.at(5)!.valence).toBe(0.3);
    expect(h.at(2000)!.valence).toBe(1);
  });
});

describe('presentedSince', () => {
  const start = (f: number) => f * 0.04;
  const m = (presentedFrames: number, presentationTime = 100) => ({ mediaTime: 0, presentedFrames, presentationTime });
  it('returns the callback frame alone at the first callback, after a neighbour, and after a gap over a second', () => {
    expect(presentedSince(null, 7, m(9), start, 1)).toEqual({ frames: [{ frame: 7, t: 100 }], dropped: 0, unfilled: 0 });
    expect(presentedSince({ frame: 6, presentedFrames: 8, presentationTime: 0 }, 7, m(9), start, 1).frames).toHaveLength(1);
    expect(presentedSince({ frame: 3, presentedFrames: 8, presentationTime: 0 }, 40, m(10), start, 1)).toEqual({ frames: [{ frame: 40, t: 100 }], dropped: 0, unfilled: 36 });
  });
  it('returns every frame between, at its due time, and how many the player dropped', () => {
    const r = presentedSince({ frame: 3, presentedFrames: 8, presentationTime: 0 }, 6, m(11, 1000), start, 0.25);
    expect(r.frames.map((x) => x.frame)).toEqual([4, 5, 6]);
    expect(r.frames[0].t).toBeCloseTo(1000 - 0.08 * 4000, 9);
    expect(r.dropped).toBe(0);
    expect(presentedSince({ frame: 3, presentedFrames: 8, presentationTime: 0 }, 7, m(10), start, 1).dropped).toBe(2);
    // after a stall: no frame is due before the previous callback's frame was presented
    const late = presentedSince({ frame: 3, presentedFrames: 8, presentationTime: 950 }, 6, m(11, 1000), start, 0.25);
    expect(late.frames.map((x) => x.t)).toEqual([950, 950, 1000]);
  });
});

describe('movingAverage', () => {
  it('is the centred mean over the traced frames within half a window, gaps left out', () => {
    const frames = [0, 1, 2, 3, 4, 6, 7];
    const vals = [0, 0.3, 0.6, 0.9, 0.3, 1, null];
    // window 3: frame 4's neighbours are 3 (and 5, not traced); frame 6's are 7 (untraced value) and 5 (no frame)
    expect(movingAverage(frames, vals, 3)).toEqual([0.15, 0.3, 0.6, 0.6, 0.6, 1, null]);
    expect(movingAverage(frames, vals, 1)).toEqual(vals);
    expect(() => movingAverage(frames, vals, 4)).toThrow(/odd/);
  });
});

describe('bucketOf', () => {
  it('is the inverse of the timeline bucket rule (bucket b covers [⌊bL/B⌋, ⌊(b+1)L/B⌋))', () => {
    for (const [L, B] of [
      [10, 3],
      [1000, 7],
      [50_000, 1298],
      [17, 17],
    ]) {
      const wrong: string[] = [];
      for (let b = 0; b < B; b++) {
        const lo = Math.floor((b * L) / B);
        const hi = Math.floor(((b + 1) * L) / B);
        for (let i = lo; i < hi; i++) if (bucketOf(i, L, B) !== b) wrong.push(`L ${L} B ${B}: offset ${i} in ${bucketOf(i, L, B)}, not ${b}`);
      }
      expect(wrong).toEqual([]);
    }
  });
});

describe('traceStep', () => {
  const s = (valence: number | null, arousal: number | null) => ({ frame: 1, valence, arousal });
  it('writes a two-axis sample as it is, and removes the own value of a frame the player skipped', () => {
    expect(traceStep(s(0.1, 0.2), null, null, 'both')).toEqual({ kind: 'write', valence: 0.1, arousal: 0.2 });
    expect(traceStep(undefined, { valence: 0.5, arousal: 0.5 }, null, 'both')).toEqual({ kind: 'remove' });
    expect(traceStep(undefined, null, { valence: 0.5, arousal: 0.5 }, 'both')).toEqual({ kind: 'keep' });
  });
  it('takes the other axis of a one-axis sample from the own value, else the value in force, else skips', () => {
    expect(traceStep(s(0.1, null), { valence: 0.9, arousal: -0.4 }, { valence: 0, arousal: 0.7 }, 'valence')).toEqual({ kind: 'write', valence: 0.1, arousal: -0.4 });
    expect(traceStep(s(null, 0.3), null, { valence: -0.2, arousal: 0.7 }, 'arousal')).toEqual({ kind: 'write', valence: -0.2, arousal: 0.3 });
    expect(traceStep(s(null, 0.3), null, null, 'arousal')).toEqual({ kind: 'skip' });
    // a one-axis pass keeps the own values of frames it skipped
    expect(traceStep(undefined, { valence: 0.5, arousal: 0.5 }, null, 'valence')).toEqual({ kind: 'keep' });
  });
});
