// The frame clock of a <video>: which frame is on screen, and getting a requested frame there.
//
// - The displayed frame comes only from requestVideoFrameCallback's mediaTime (the presented
//   frame's timestamp), mapped to an index through the stored timestamps. It is never inferred from
//   currentTime during playback.
// - A seek goes to the middle of the frame's display interval. Seeks are coalesced: while one is in
//   flight, later requests only move the target, and the newest target is sought when it lands
//   (holding → does not queue hundreds of seeks).
// - Pause re-seeks to the frame that was on screen, so currentTime and the picture agree again and
//   the next step starts from what the annotator saw.
// - "Settled" = not playing, no seek in flight, the displayed frame is the target. Tests and the
//   overlay wait for it; the displayed index is shown in every state.
// - A landed seek is checked until the frame callback agrees with it. A callback can report an
//   older frame after `seeked` (on a busy machine the first frame's callback, frame 0, runs late),
//   and the callback registered from it may then never fire: a paused video presents nothing more,
//   the seek's frame having been presented in between. Such a report is shown, but it does not end
//   the check: while paused with no seek in flight and the frame shown not the one at currentTime,
//   the watchdog reads currentTime after NO_CALLBACK_MS (issue 16, item 6).
import type { FrameTimes } from '../../../shared/frame-times';

export interface ClockListener {
  (state: { frame: number; settled: boolean; playing: boolean }): void;
}

export interface FrameClock {
  readonly times: FrameTimes;
  readonly frame: number;
  readonly playing: boolean;
  seek(frame: number): void;
  play(): void;
  pause(): void;
  setRate(rate: number): void;
  destroy(): void;
}

/** When a seek has landed but no frame callback came (the same frame re-shown), trust currentTime after this long. */
const NO_CALLBACK_MS = 250;

export class VideoClock implements FrameClock {
  frame = -1;
  playing = false;
  private target = 0;
  private seekingTo: number | null = null;
  private fallback: ReturnType<typeof setTimeout> | null = null;
  private rvfc = 0;
  private dead = false;
  private readonly off: (() => void)[] = [];

  constructor(
    private readonly video: HTMLVideoElement,
    readonly times: FrameTimes,
    private readonly listener: ClockListener,
    private readonly onError: (e: unknown) => void,
  ) {
    const on = <K extends keyof HTMLVideoElementEventMap>(ev: K, fn: () => void) => {
      video.addEventListener(ev, fn);
      this.off.push(() => video.removeEventListener(ev, fn));
    };
    on('seeked', () => this.onSeeked());
    on('pause', () => this.onPause());
    on('ended', () => this.onPause());
    on('loadeddata', () => this.issue());
    this.watch();
  }

  private watch(): void {
    const cb: VideoFrameRequestCallback = (_now, meta) => {
      if (this.dead) return;
      this.presented(this.times.frameAt(meta.mediaTime));
      this.rvfc = this.video.requestVideoFrameCallback(cb);
    };
    this.rvfc = this.video.requestVideoFrameCallback(cb);
  }

  private get settled(): boolean {
    return !this.playing && this.seekingTo === null && this.frame === this.target;
  }

  private emit(): void {
    this.listener({ frame: this.frame, settled: this.settled, playing: this.playing });
  }

  private presented(frame: number): void {
    this.frame = frame;
    if (this.playing) this.target = frame;
    if (this.fallback) clearTimeout(this.fallback);
    this.fallback = null;
    // Paused on a landed seek but told of another frame: a late callback, keep checking.
    if (!this.playing && this.seekingTo === null && !this.video.seeking && this.video.readyState >= 2 && frame !== this.times.frameAt(this.video.currentTime)) this.watchdog();
    this.emit();
  }

  /** After NO_CALLBACK_MS without a callback: the frame at the landed time is the one on screen. */
  private watchdog(): void {
    if (this.fallback) clearTimeout(this.fallback);
    this.fallback = setTimeout(() => {
      this.fallback = null;
      if (this.dead || this.seekingTo !== null || this.playing || this.video.seeking) return;
      const f = this.times.frameAt(this.video.currentTime);
      if (f !== this.frame) this.presented(f);
    }, NO_CALLBACK_MS);
  }

  seek(frame: number): void {
    this.target = this.times.clamp(frame);
    if (this.playing) {
      // The pause handler would re-seek to the frame on screen; the explicit target wins.
      this.playing = false;
      this.video.pause();
    }
    this.issue();
    this.emit();
  }

  /** Seeks to the target unless a seek is in flight (its landing seeks again) or it is on screen already. */
  private issue(): void {
    if (this.seekingTo !== null || this.video.readyState < 1) return;
    const t = this.times.seekTime(this.target);
    if (this.frame === this.target && Math.abs(this.video.currentTime - t) < 1e-6) {
      this.emit();
      return;
    }
    this.seekingTo = this.target;
    this.video.currentTime = t;
  }

  private onSeeked(): void {
    const landed = this.seekingTo;
    this.seekingTo = null;
    if (landed !== this.target) {
      this.issue();
      return;
    }
    // The frame callback normally follows within a frame; if the decoder re-presented the frame
    // that was already showing there is none, and the landed time is the truth.
    if (this.frame !== landed) this.watchdog();
    this.emit();
  }

  private onPause(): void {
    if (!this.playing && !this.video.ended) return;
    this.playing = false;
    this.target = this.frame < 0 ? 0 : this.frame;
    this.issue();
    this.emit();
  }

  play(): void {
    if (this.playing) return;
    if (this.frame >= this.times.count - 1) this.seek(0);
    this.playing = true;
    this.emit();
    this.video.play().catch((e: unknown) => {
      this.playing = false;
      this.emit();
      // A pause() or a seek during the play() promise rejects it with AbortError: not a failure.
      if (!(e instanceof DOMException && e.name === 'AbortError')) this.onError(e);
    });
  }

  pause(): void {
    if (!this.playing) return;
    this.video.pause();
  }

  setRate(rate: number): void {
    this.video.playbackRate = rate;
  }

  destroy(): void {
    this.dead = true;
    this.video.cancelVideoFrameCallback(this.rvfc);
    if (this.fallback) clearTimeout(this.fallback);
    for (const f of this.off) f();
  }
}
