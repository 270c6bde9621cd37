// Continuous valence/arousal tracing (issue 15, item 4; as CARMA/DARMA and the Aff-Wild2 protocol):
// while the video plays, the pointer on the circumplex (or a gamepad stick, or one axis alone) is
// sampled once per DISPLAYED frame — requestVideoFrameCallback's mediaTime mapped to the frame index
// through the stored frame times (src/shared/frame-times.ts) — and the pass is written as the
// annotator's valence/arousal in one undoable action. Pure rules, no DOM: the renderer's trace pass
// and the backend's writer (src/node/review/trace.ts) both use them.

/** Playback speeds offered for a pass (Aff-Wild2 annotators traced at reduced speed). */
export const TRACE_SPEEDS = [0.25, 0.5, 0.75, 1] as const;
export type TraceSpeed = (typeof TRACE_SPEEDS)[number];

/** Which values a pass traces: both (the circumplex, a stick), or valence / arousal alone on one axis. */
export const TRACE_AXES = ['both', 'valence', 'arousal'] as const;
export type TraceAxes = (typeof TRACE_AXES)[number];

/** At most this many samples per pass (35 minutes at 24 fps): one transaction, a JSON body well under the server's 10 MB. */
export const MAX_TRACE_SAMPLES = 50_000;

/** One frame's sample; the value of an axis the pass does not trace is null. */
export interface TraceSample {
  frame: number;
  valence: number | null;
  arousal: number | null;
}

/** Samples are stored to 1e-4 (a pixel of a 400 px pad is 0.005), clamped to [-1, 1]; never -0. */
export const roundVa = (x: number): number => Math.round(Math.max(-1, Math.min(1, x)) * 1e4) / 1e4 + 0;

/**
 * The value under a point of a circumplex pad: (x, y) relative to the pad's top-left corner, in a
 * pad `size` pixels square with `margin` pixels around the [-1, 1]² square (Circumplex.tsx draws
 * valence left → right, arousal bottom → top). Outside the square the value is clamped to its edge.
 */
export function padToVa(x: number, y: number, size: number, margin: number): { valence: number; arousal: number } {
  const r = (size - 2 * margin) / 2;
  return { valence: roundVa((x - size / 2) / r), arousal: roundVa(-(y - size / 2) / r) };
}

/** Stick deflection below this is rest (0): a centred stick drifts a little. */
export const STICK_DEADZONE = 0.08;

/**
 * A gamepad stick's axes (x right +, y DOWN +, as the Gamepad API reports them) as valence and
 * arousal: the deadzone removed and the rest rescaled so that full deflection is still ±1.
 */
export function stickToVa(x: number, y: number, deadzone = STICK_DEADZONE): { valence: number; arousal: number } {
  const dz = (u: number) => (Math.abs(u) <= deadzone ? 0 : (Math.sign(u) * (Math.abs(u) - deadzone)) / (1 - deadzone));
  return { valence: roundVa(dz(x)), arousal: roundVa(-dz(y)) };
}

/** A point as a sample of `axes`: the axis not traced is null. */
export function sampleOf(frame: number, p: { valence: number; arousal: number }, axes: TraceAxes): TraceSample {
  return { frame, valence: axes === 'arousal' ? null : p.valence, arousal: axes === 'valence' ? null : p.arousal };
}

/**
 * The samples of one pass: at most one per frame — the first report of a frame wins (a frame shown
 * again, after a seek or a stall, keeps the value it was first traced with). `frameAt` maps a
 * presented frame's mediaTime to its index (FrameTimes.frameAt).
 */
export class TraceRecorder {
  private readonly byFrame = new Map<number, TraceSample>();
  /** Frame callbacks received, including repeats of a frame already sampled. */
  callbacks = 0;

  constructor(
    private readonly frameAt: (mediaTime: number) => number,
    readonly axes: TraceAxes,
  ) {}

  /** Records the point at a presented frame; returns the frame index, or null when that frame has its sample already. */
  presented(mediaTime: number, p: { valence: number; arousal: number }): number | null {
    this.callbacks++;
    const f = this.frameAt(mediaTime);
    if (this.byFrame.has(f)) return null;
    this.byFrame.set(f, sampleOf(f, p, this.axes));
    return f;
  }

  get size(): number {
    return this.byFrame.size;
  }

  /** The samples in frame order. */
  samples(): TraceSample[] {
    return [...this.byFrame.values()].sort((a, b) => a.frame - b.frame);
  }
}

/**
 * Centred moving average of a trace over `window` frames (odd): each frame's value is the mean of
 * the traced frames within ±(window − 1)/2 of it; a frame the player skipped (no sample) is left
 * out of its neighbours' means rather than filled. `frames` ascending; values null where not traced.
 */
export function movingAverage(frames: readonly number[], values: readonly (number | null)[], window: number): (number | null)[] {
  if (!Number.isInteger(window) || window < 1 || window % 2 === 0) throw new Error(`moving-average window must be an odd whole number of frames, not ${window}`);
  const half = (window - 1) / 2;
  const out: (number | null)[] = [];
  let lo = 0;
  let hi = 0;
  let sum = 0;
  let n = 0;
  for (let i = 0; i < frames.length; i++) {
    while (hi < frames.length && frames[hi] <= frames[i] + half) {
      if (values[hi] !== null) {
        sum += values[hi]!;
        n++;
      }
      hi++;
    }
    while (frames[lo] < frames[i] - half) {
      if (values[lo] !== null) {
        sum -= values[lo]!;
        n--;
      }
      lo++;
    }
    out.push(values[i] === null || n === 0 ? null : roundVa(sum / n));
  }
  return out;
}

/**
 * The bucket of frame offset i (0 ≤ i < L) when L frames are split into B buckets the way the
 * timeline splits them (bucket b covers offsets [⌊b·L/B⌋, ⌊(b+1)·L/B⌋), timeline-data.ts).
 */
export function bucketOf(i: number, L: number, B: number): number {
  return Math.ceil(((i + 1) * B) / L) - 1;
}
