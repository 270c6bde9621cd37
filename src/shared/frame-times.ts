// Frame ↔ time for the player, from the per-frame presentation timestamps stored at import — never
// currentTime × fps, which drifts on 24000/1001 material, variable frame rates and files whose
// first frame is not at 0 (the browser-player frame mismatches annotators complain about).
//
// Frame N is on screen for player times [start(N), start(N + 1)). We seek to the MIDDLE of that
// interval, so rounding in the browser (microseconds) or the container (time base ticks) cannot land
// on a neighbour; and we read which frame is on screen from requestVideoFrameCallback's mediaTime,
// which is the presented frame's own timestamp.

/** Decodes the base64 Float64 little-endian timestamps of `media.get`. */
export function decodeTimestamps(b64: string): Float64Array {
  const bin = atob(b64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  const view = new DataView(bytes.buffer);
  const out = new Float64Array(bytes.length / 8);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat64(i * 8, true);
  return out;
}

export class FrameTimes {
  readonly count: number;
  private readonly starts: Float64Array;
  /** Typical frame duration (median of the first intervals): the last frame's length and the tolerance unit. */
  readonly frameDuration: number;

  /**
   * @param timestamps per-frame presentation times relative to the first frame, or null (image
   *   sequences): then frames are 1/fps apart.
   * @param offset time of frame 0 in the played file (media.pts_offset).
   */
  constructor(timestamps: Float64Array | null, offset: number, fps: number | null, frameCount: number) {
    const rate = fps && fps > 0 ? fps : 25;
    this.count = timestamps ? timestamps.length : frameCount;
    this.starts = new Float64Array(this.count);
    for (let i = 0; i < this.count; i++) this.starts[i] = offset + (timestamps ? timestamps[i] : i / rate);
    const gaps: number[] = [];
    for (let i = 1; i < Math.min(this.count, 64); i++) gaps.push(this.starts[i] - this.starts[i - 1]);
    gaps.sort((a, b) => a - b);
    this.frameDuration = gaps.length ? gaps[gaps.length >> 1] : 1 / rate;
  }

  clamp(frame: number): number {
    return Math.max(0, Math.min(this.count - 1, Math.round(frame)));
  }

  start(frame: number): number {
    return this.starts[this.clamp(frame)];
  }

  /** End of frame N's display interval (the next frame's start; the last frame lasts one typical frame). */
  end(frame: number): number {
    const f = this.clamp(frame);
    return f + 1 < this.count ? this.starts[f + 1] : this.starts[f] + this.frameDuration;
  }

  /** The player time to seek to for frame N: the middle of its display interval. */
  seekTime(frame: number): number {
    return (this.start(frame) + this.end(frame)) / 2;
  }

  /**
   * The frame on screen at player time t: the last frame starting at or before t. Half a
   * millisecond of tolerance (less for very high rates) absorbs the microsecond rounding of
   * mediaTime against a stored timestamp without moving a time inside a long (VFR) frame forward.
   */
  frameAt(t: number): number {
    const x = t + Math.min(0.0005, this.frameDuration / 4);
    let lo = 0;
    let hi = this.count - 1;
    if (this.count === 0 || x < this.starts[0]) return 0;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= x) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
}

/** "00:01:23.456" of a time in seconds (the time code shown beside the frame index). */
export function timecode(seconds: number): string {
  const s = Math.max(0, seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:${sec.toFixed(3).padStart(6, '0')}`;
}
