// The frame clock of an image sequence: the same contract as the video clock (seek, play, pause,
// rate, settled), over one <img> per frame. A frame counts as displayed once its image is decoded
// and put on screen, so the index shown is always the picture shown. Neighbours are decoded ahead
// so stepping and playback do not wait on the network. Frames without an image (gaps the face
// cropper left) are shown as such, never requested.
import type { ClockListener, FrameClock } from './clock';
import type { FrameTimes } from '../../../shared/frame-times';

const AHEAD = 8;
const KEEP = 64;

export class SequenceClock implements FrameClock {
  frame = -1;
  playing = false;
  private target = 0;
  private rate = 1;
  private loading: number | null = null;
  private readonly decoded = new Map<number, HTMLImageElement>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  private dead = false;

  constructor(
    private readonly img: HTMLImageElement,
    readonly times: FrameTimes,
    private readonly url: (frame: number) => string,
    /** Whether frame f has an image (false inside a gap). */
    private readonly hasImage: (frame: number) => boolean,
    private readonly listener: ClockListener,
    private readonly onError: (e: unknown) => void,
  ) {}

  private emit(): void {
    this.listener({ frame: this.frame, settled: !this.playing && this.loading === null && this.frame === this.target, playing: this.playing });
  }

  /** Decodes frame `f` (once); resolves with its image. */
  private decode(f: number): Promise<HTMLImageElement> {
    const have = this.decoded.get(f);
    if (have) return have.decode().then(() => have);
    const im = new Image();
    im.src = this.url(f);
    this.decoded.set(f, im);
    if (this.decoded.size > KEEP) {
      for (const k of this.decoded.keys()) {
        if (Math.abs(k - this.target) > KEEP / 2) this.decoded.delete(k);
        if (this.decoded.size <= KEEP) break;
      }
    }
    return im.decode().then(() => im);
  }

  private prefetch(from: number): void {
    for (let f = from + 1; f <= Math.min(this.times.count - 1, from + AHEAD); f++)
      if (this.hasImage(f) && !this.decoded.has(f)) void this.decode(f).catch(() => undefined);
  }

  private show(f: number): Promise<void> {
    this.loading = f;
    const image: Promise<HTMLImageElement | null> = this.hasImage(f) ? this.decode(f) : Promise.resolve(null);
    return image.then(
      (im) => {
        if (this.dead) return;
        // A gap frame: no picture, and the stage says so (data-gap) instead of showing a stale one.
        if (im) this.img.src = im.src;
        else this.img.removeAttribute('src');
        this.img.dataset.gap = String(!im);
        this.frame = f;
        if (this.loading === f) this.loading = null;
        if (!this.playing && this.target !== f) void this.show(this.target);
        this.emit();
        this.prefetch(f);
      },
      (e: unknown) => {
        if (this.loading === f) this.loading = null;
        this.playing = false;
        this.emit();
        this.onError(new Error(`Frame ${f} could not be loaded: ${String(e)}`));
      },
    );
  }

  seek(frame: number): void {
    this.target = this.times.clamp(frame);
    this.playing = false;
    if (this.timer) clearTimeout(this.timer);
    if (this.loading === null && this.frame !== this.target) void this.show(this.target);
    this.emit();
  }

  play(): void {
    if (this.playing) return;
    if (this.frame >= this.times.count - 1) this.seek(0);
    this.playing = true;
    this.emit();
    this.tick();
  }

  /** Advances one frame per frame duration ÷ rate, waiting for a frame that is not decoded yet. */
  private tick(): void {
    if (!this.playing || this.dead) return;
    const next = this.frame + 1;
    if (next >= this.times.count) {
      this.pause();
      return;
    }
    const t0 = performance.now();
    const wait = ((this.times.start(next) - this.times.start(Math.max(0, this.frame))) * 1000) / this.rate;
    void this.show(next).then(() => {
      if (!this.playing) return;
      this.target = next;
      this.timer = setTimeout(() => this.tick(), Math.max(0, wait - (performance.now() - t0)));
    });
  }

  pause(): void {
    if (!this.playing) return;
    this.playing = false;
    if (this.timer) clearTimeout(this.timer);
    this.target = this.frame;
    this.emit();
  }

  setRate(rate: number): void {
    this.rate = rate;
  }

  destroy(): void {
    this.dead = true;
    if (this.timer) clearTimeout(this.timer);
    this.decoded.clear();
  }
}
