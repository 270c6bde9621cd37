// The pure rules of continuous valence/arousal tracing (src/shared/trace.ts): pad and stick →
// valence/arousal, one sample per presented frame through the stored frame times, one-axis
// samples, the centred moving average of the derived layer and the timeline's bucket rule; and the
// writer's per-frame rule (traceStep, src/node/review/trace.ts).
import { describe, expect, it } from 'vitest';
import { FrameTimes } from '../../src/shared/frame-times';
import { bucketOf, movingAverage, padToVa, sampleOf, stickToVa, TraceRecorder } from '../../src/shared/trace';
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

  it('keeps one sample per presented frame, the first, mapped through the stored frame times', () => {
    const r = new TraceRecorder((t) => times.frameAt(t), 'both');
    // mediaTime is the presented frame's own timestamp (microsecond rounding either side)
    expect(r.presented(0.5 + (10 * 1001) / 24000 - 1e-6, { valence: 0.1, arousal: 0.2 })).toBe(10);
    expect(r.presented(0.5 + (11 * 1001) / 24000 + 1e-6, { valence: 0.3, arousal: 0.4 })).toBe(11);
    // frame 11 shown again (a stall): its first value stays
    expect(r.presented(0.5 + (11 * 1001) / 24000, { valence: 0.9, arousal: 0.9 })).toBeNull();
    // frame 13 presented, 12 dropped by the player: no sample for 12
    expect(r.presented(0.5 + (13 * 1001) / 24000, { valence: -0.5, arousal: 0 })).toBe(13);
    expect(r.callbacks).toBe(4);
    expect(r.samples()).toEqual([
      { frame: 10, valence: 0.1, arousal: 0.2 },
      { frame: 11, valence: 0.3, arousal: 0.4 },
      { frame: 13, valence: -0.5, arousal: 0 },
    ]);
  });

  it('records only the traced axis of a one-axis pass', () => {
    expect(sampleOf(3, { valence: 0.2, arousal: -0.3 }, 'valence')).toEqual({ frame: 3, valence: 0.2, arousal: null });
    expect(sampleOf(3, { valence: 0.2, arousal: -0.3 }, 'arousal')).toEqual({ frame: 3, valence: null, arousal: -0.3 });
    const r = new TraceRecorder((t) => times.frameAt(t), 'arousal');
    r.presented(times.seekTime(5), { valence: 0.7, arousal: 0.25 });
    expect(r.samples()).toEqual([{ frame: 5, valence: null, arousal: 0.25 }]);
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
