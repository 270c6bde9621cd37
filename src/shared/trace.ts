// Continuous valence/arousal tracing (issue 15, item 4; as CARMA/DARMA and the Aff-Wild2 protocol):
// while the video plays, the pointer on the circumplex (or a gamepad stick, or one axis alone) is
// sampled once per DISPLAYED frame — requestVideoFrameCallback's mediaTime mapped to the frame index
// through the stored frame times (src/shared/frame-times.ts) — and the pass is written as the
// annotator's valence/arousal in one undoable action. Pure rules, no DOM: the renderer's trace pass
// and the backend's writer (src/node/review/trace.ts) both use them. Each frame's sample is the value
// in force when that frame was presented; frames the page was not told of (missed callbacks,
// frames the player dropped on a busy machine) are filled between two callbacks with the value in
// force when they were due, so a pass has exactly one sample on every frame it played through.

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

/** A value of the pad (or stick) at a time (ms, the performance.now() clock events and frame callbacks share). */
export interface TimedValue {
  t: number;
  valence: number;
  arousal: number;
}

/**
 * The pointer's values over time (from its events' timeStamps, coalesced events included), so that
 * a frame is sampled with the value in force when it was presented, even when the page learns of
 * the frame later. Kept short: only the last `keepMs`.
 */
export class ValueHistory {
  private readonly items: TimedValue[] = [];
  constructor(private readonly keepMs = 5000) {}

  push(v: TimedValue): void {
    // events arrive in time order; a late one goes to its place
    let i = this.items.length;
    while (i > 0 && this.items[i - 1].t > v.t) i--;
    this.items.splice(i, 0, v);
    const cut = this.items[this.items.length - 1].t - this.keepMs;
    let drop = 0;
    while (drop < this.items.length - 1 && this.items[drop + 1].t <= cut) drop++;
    if (drop) this.items.splice(0, drop);
  }

  /** The value in force at time t: the last one at or before t (the earliest known when none is that old); null when empty. */
  at(t: number): { valence: number; arousal: number } | null {
    if (!this.items.length) return null;
    let lo = 0;
    let hi = this.items.length - 1;
    if (this.items[0].t > t) return { valence: this.items[0].valence, arousal: this.items[0].arousal };
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.items[mid].t <= t) lo = mid;
      else hi = mid - 1;
    }
    return { valence: this.items[lo].valence, arousal: this.items[lo].arousal };
  }
}

/** What a frame callback (requestVideoFrameCallback's metadata) tells a pass. */
export interface PresentedFrame {
  mediaTime: number;
  /** Frames presented for composition so far (counts frames shown without a callback too). */
  presentedFrames: number;
  /** When the frame was handed to the compositor (ms, performance.now() clock). */
  presentationTime: number;
}

/** Frames between two frame callbacks are filled only over at most this much media time (a longer gap is no longer one pass's playback). */
export const MAX_FILL_SECONDS = 1;

/**
 * The frames a frame callback accounts for, each with the time it was presented: the callback's
 * frame `f` and — when the page was not told of every frame (a busy main thread misses callbacks;
 * a busy player drops frames) — every frame between the previous callback's frame `p` and `f`, so
 * that every frame the pass played through gets its one sample, with the time it was (or, dropped,
 * was due to be) presented: estimated back from f's presentation time by the media time between
 * them at the playback rate, and never before the previous callback's frame. `dropped`: how many of those frames the presented-frames count says
 * were not shown (the player skipped them). A gap over MAX_FILL_SECONDS is not filled (`unfilled`).
 */
export function presentedSince(
  prev: { frame: number; presentedFrames: number; presentationTime: number } | null,
  frame: number,
  meta: PresentedFrame,
  start: (frame: number) => number,
  rate: number,
): { frames: { frame: number; t: number }[]; dropped: number; unfilled: number } {
  if (!prev || frame <= prev.frame + 1) return { frames: [{ frame, t: meta.presentationTime }], dropped: 0, unfilled: 0 };
  const between = frame - prev.frame - 1;
  if (start(frame) - start(prev.frame) > MAX_FILL_SECONDS) return { frames: [{ frame, t: meta.presentationTime }], dropped: 0, unfilled: between };
  const out: { frame: number; t: number }[] = [];
  // never before the previous callback's frame was presented (after a stall the estimate would be)
  for (let j = prev.frame + 1; j <= frame; j++) out.push({ frame: j, t: Math.max(prev.presentationTime, meta.presentationTime - ((start(frame) - start(j)) * 1000) / rate) });
  return { frames: out, dropped: Math.max(0, frame - prev.frame - (meta.presentedFrames - prev.presentedFrames)), unfilled: 0 };
}

/**
 * The samples of one pass: at most one per frame — the first report of a frame wins (a frame shown
 * again, after a seek or a stall, keeps the value it was first traced with). Every frame is sampled
 * with the value in force at its presentation time (`valueAt`); frames without a callback of their
 * own are filled through presentedSince.
 */
export class TraceRecorder {
  private readonly byFrame = new Map<number, TraceSample>();
  private last: { frame: number; presentedFrames: number; presentationTime: number } | null = null;
  /** Frame callbacks received, including repeats of a frame already sampled. */
  callbacks = 0;
  /** Frames sampled without a callback of their own (between two callbacks). */
  recovered = 0;
  /** Of those, frames the player did not show (dropped), by the presented-frames count. */
  dropped = 0;
  /** Frames between two callbacks too far apart to fill (not sampled). */
  unfilled = 0;

  constructor(
    private readonly times: { frameAt(mediaTime: number): number; start(frame: number): number },
    readonly axes: TraceAxes,
    private readonly rate: number,
    /** A pass over a selected range samples only its frames. */
    readonly range: { from: number; to: number } | null = null,
  ) {}

  /** The last frame presented (−1 before the first callback). */
  get frame(): number {
    return this.last?.frame ?? -1;
  }

  /** Records a presented frame (and the frames shown since the last callback); returns how many frames got their sample. */
  presented(meta: PresentedFrame, valueAt: (t: number) => { valence: number; arousal: number }): number {
    this.callbacks++;
    const f = this.times.frameAt(meta.mediaTime);
    const prev = this.last && f > this.last.frame ? this.last : null;
    const { frames, dropped, unfilled } = presentedSince(prev, f, meta, (j) => this.times.start(j), this.rate);
    this.dropped += dropped;
    this.unfilled += unfilled;
    if (!this.last || f >= this.last.frame) this.last = { frame: f, presentedFrames: meta.presentedFrames, presentationTime: meta.presentationTime };
    let n = 0;
    for (const x of frames) {
      if (this.byFrame.has(x.frame) || (this.range && (x.frame < this.range.from || x.frame > this.range.to))) continue;
      this.byFrame.set(x.frame, sampleOf(x.frame, valueAt(x.t), this.axes));
      if (x.frame !== f) this.recovered++;
      n++;
    }
    return n;
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
