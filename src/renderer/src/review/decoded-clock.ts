// The video clock with decoded frames in front (issue 16): a step to a frame that decoded-frames.ts
// holds is drawn on a <canvas> over the <video> at once and reported settled in the same task, so
// the frame and the overlay show within one display frame; any other request goes through the
// VideoClock (seek by stored timestamp, frame from requestVideoFrameCallback) as before, and if the
// frame gets decoded before that seek lands, the decoded frame is shown.
//
// - Two modes. 'decoded': the canvas is on screen and this clock's frame is the truth; the
//   VideoClock's reports are only remembered. 'video': the canvas is hidden and the VideoClock's
//   reports pass through unchanged. The picture's host element says which (data-source).
// - The <video> follows a decoded frame lazily (SYNC_MS after the last step), so that play starts
//   from the frame on screen without a seek; if it is not there yet, play waits for that seek and
//   the canvas stays up until the video shows the same frame.
// - Playback is the <video>'s; nothing is decoded meanwhile.
import { VideoClock, type ClockListener, type FrameClock } from './clock';
import type { DecodedFrames } from './decoded-frames';
import type { FrameTimes } from '../../../shared/frame-times';

/** The <video> seeks to the decoded frame on screen once stepping pauses this long. */
const SYNC_MS = 300;

type State = Parameters<ClockListener>[0];

export class DecodedClock implements FrameClock {
  frame = -1;
  playing = false;
  private mode: 'video' | 'decoded' = 'video';
  private target = 0;
  private dir: 1 | -1 = 1;
  private frames: DecodedFrames | null = null;
  private readonly inner: VideoClock;
  private innerState: State = { frame: -1, settled: false, playing: false };
  private playWhenSynced = false;
  private sync: ReturnType<typeof setTimeout> | null = null;
  private dead = false;

  constructor(
    video: HTMLVideoElement,
    private readonly canvas: HTMLCanvasElement,
    /** Carries data-source = 'video' | 'decoded', data-decoder ('on', 'off: <why>') and data-decoding (true while filling the window), for tests and support. */
    private readonly host: HTMLElement,
    readonly times: FrameTimes,
    decoded: Promise<DecodedFrames | string>,
    private readonly listener: ClockListener,
    onError: (e: unknown) => void,
  ) {
    this.inner = new VideoClock(video, times, (s) => this.fromVideo(s), onError);
    this.host.dataset.source = 'video';
    this.host.dataset.decoder = 'opening';
    void decoded.then((d) => {
      if (typeof d === 'string') {
        this.host.dataset.decoder = `off: ${d}`;
        return;
      }
      if (this.dead) {
        d.destroy();
        return;
      }
      this.frames = d;
      this.host.dataset.decoder = 'on';
      d.onFrame = (f) => this.arrived(f);
      d.onBusy = (busy) => {
        this.host.dataset.decoding = String(busy);
      };
      d.hold(this.playing);
      d.setFocus(this.target, this.dir);
    });
  }

  private emit(s: State): void {
    this.listener(s);
  }

  private fromVideo(s: State): void {
    this.innerState = s;
    if (this.frames?.failed && this.host.dataset.decoder === 'on') this.host.dataset.decoder = `off: ${this.frames.failed}`;
    if (this.playWhenSynced && s.settled && s.frame === this.target) {
      // The <video> shows the frame the canvas shows: hand over and play.
      this.playWhenSynced = false;
      this.useVideo();
      this.inner.play();
      return;
    }
    if (this.mode === 'decoded') return;
    this.frame = s.frame;
    this.playing = s.playing;
    if (!s.playing) this.target = s.frame >= 0 && s.settled ? s.frame : this.target;
    this.frames?.hold(s.playing);
    if (s.settled && s.frame >= 0) this.frames?.setFocus(s.frame, this.dir);
    this.emit(s);
  }

  /** A frame finished decoding: show it if the <video> is still seeking to it. */
  private arrived(f: number): void {
    if (this.dead || this.mode !== 'video' || this.playing || f !== this.target) return;
    if (this.innerState.settled && this.innerState.frame === f) return;
    this.showDecoded(f);
  }

  private useVideo(): void {
    this.mode = 'video';
    this.canvas.hidden = true;
    this.host.dataset.source = 'video';
  }

  /** Draws frame f from the window (it must be there) and reports it settled. */
  private showDecoded(f: number): void {
    const bm = this.frames!.get(f)!;
    if (this.canvas.width !== bm.width || this.canvas.height !== bm.height) {
      this.canvas.width = bm.width;
      this.canvas.height = bm.height;
    }
    this.canvas.getContext('2d')!.drawImage(bm, 0, 0);
    this.canvas.hidden = false;
    this.host.dataset.source = 'decoded';
    this.mode = 'decoded';
    this.frame = f;
    this.target = f;
    this.playing = false;
    this.emit({ frame: f, settled: true, playing: false });
    this.frames!.setFocus(f, this.dir);
    this.syncSoon();
  }

  /** Lets the <video> follow the decoded frame once stepping pauses (play then starts without a seek). */
  private syncSoon(): void {
    if (this.sync) clearTimeout(this.sync);
    this.sync = setTimeout(() => {
      this.sync = null;
      if (this.dead || this.mode !== 'decoded' || this.playing) return;
      if (!(this.innerState.settled && this.innerState.frame === this.frame)) this.inner.seek(this.frame);
    }, SYNC_MS);
  }

  seek(frame: number): void {
    const f = this.times.clamp(frame);
    const from = this.playing || this.frame < 0 ? f : this.frame;
    if (f !== from) this.dir = f > from ? 1 : -1;
    this.target = f;
    this.playWhenSynced = false;
    const wasPlaying = this.playing && this.mode === 'video';
    if (this.frames?.get(f) && !this.frames.failed) {
      // The <video> stops where it is (seeking to the target: it follows anyway).
      if (wasPlaying) this.inner.seek(f);
      this.showDecoded(f);
      return;
    }
    if (this.mode === 'decoded') this.useVideo();
    this.playing = false;
    this.frames?.setFocus(f, this.dir);
    this.inner.seek(f);
  }

  play(): void {
    if (this.playing) return;
    if (this.mode === 'video') {
      this.inner.play();
      return;
    }
    if (this.frame >= this.times.count - 1) {
      // from the start again, as the VideoClock does
      this.seek(0);
      this.play();
      return;
    }
    this.frames?.hold(true);
    if (this.innerState.settled && this.innerState.frame === this.frame) {
      this.useVideo();
      this.inner.play();
      return;
    }
    this.playWhenSynced = true;
    this.playing = true;
    this.emit({ frame: this.frame, settled: false, playing: true });
    this.inner.seek(this.frame);
  }

  pause(): void {
    if (this.playWhenSynced) {
      this.playWhenSynced = false;
      this.playing = false;
      this.frames?.hold(false);
      this.emit({ frame: this.frame, settled: true, playing: false });
      return;
    }
    this.inner.pause();
  }

  setRate(rate: number): void {
    this.inner.setRate(rate);
  }

  destroy(): void {
    this.dead = true;
    if (this.sync) clearTimeout(this.sync);
    this.inner.destroy();
    this.frames?.destroy();
  }
}
