// Frame ↔ player time (src/shared/frame-times.ts): seeks land mid-interval, the presented frame's
// mediaTime maps back to its index despite microsecond rounding, with a pts offset, variable frame
// intervals and no timestamps at all (image sequences).
import { describe, expect, it } from 'vitest';
import { decodeTimestamps, FrameTimes, timecode } from '../../src/shared/frame-times';

const NTSC = 1001 / 24000;
const ntsc = (n: number) => Float64Array.from({ length: n }, (_, i) => i * NTSC);

describe('FrameTimes', () => {
  it('decodes the base64 float64 timestamps of media.get exactly', () => {
    const ts = Float64Array.from([0, NTSC, 2 * NTSC, 1234.5678901234567]);
    const b64 = Buffer.from(ts.buffer).toString('base64');
    expect(Array.from(decodeTimestamps(b64))).toEqual(Array.from(ts));
  });

  it('seeks to the middle of each display interval, offset included', () => {
    const t = new FrameTimes(ntsc(100), 0.0834, 24000 / 1001, 100);
    expect(t.seekTime(0)).toBeCloseTo(0.0834 + NTSC / 2, 12);
    expect(t.seekTime(57)).toBeCloseTo(0.0834 + 57.5 * NTSC, 12);
    expect(t.seekTime(99)).toBeCloseTo(0.0834 + 99.5 * NTSC, 12); // the last frame lasts a typical frame
    expect(t.seekTime(500)).toBe(t.seekTime(99));
    expect(t.seekTime(-3)).toBe(t.seekTime(0));
  });

  it('maps a presented frame time back to its index, tolerating microsecond rounding', () => {
    const t = new FrameTimes(ntsc(1000), 0.0834, null, 1000);
    for (const n of [0, 1, 2, 23, 24, 25, 499, 998, 999]) {
      const start = 0.0834 + n * NTSC;
      expect(t.frameAt(Math.round(start * 1e6) / 1e6)).toBe(n);
      expect(t.frameAt(start - 1e-6)).toBe(n);
      expect(t.frameAt(start + 1e-6)).toBe(n);
      expect(t.frameAt(t.seekTime(n))).toBe(n);
      if (n < 999) expect(t.frameAt(0.0834 + (n + 0.7) * NTSC)).toBe(n);
    }
    expect(t.frameAt(0)).toBe(0);
    expect(t.frameAt(1e9)).toBe(999);
  });

  it('follows variable frame intervals instead of assuming a rate', () => {
    const ts = Float64Array.from([0, 0.04, 0.08, 0.2, 0.24, 0.5, 0.54]);
    const t = new FrameTimes(ts, 0, 25, ts.length);
    expect(t.frameAt(0.19)).toBe(2);
    expect(t.frameAt(0.2)).toBe(3);
    expect(t.seekTime(2)).toBeCloseTo(0.14, 12);
    expect(t.seekTime(4)).toBeCloseTo(0.37, 12);
    expect(t.frameAt(t.seekTime(4))).toBe(4);
  });

  it('spaces image-sequence frames by the frame rate when there are no timestamps', () => {
    const t = new FrameTimes(null, 0, 25, 10);
    expect(t.count).toBe(10);
    expect(t.start(4)).toBeCloseTo(0.16, 12);
    expect(t.frameAt(t.seekTime(7))).toBe(7);
    expect(new FrameTimes(null, 0, null, 3).frameDuration).toBeCloseTo(1 / 25, 12);
  });

  it('formats time codes', () => {
    expect(timecode(0)).toBe('00:00:00.000');
    expect(timecode(3725.5)).toBe('01:02:05.500');
  });
});
