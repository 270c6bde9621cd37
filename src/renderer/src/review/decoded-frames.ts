// Decoded frames around the playhead, so that a step shows its frame from memory (issue 16):
// WebCodecs' VideoDecoder decodes the MP4's samples a GOP at a time (bytes fetched by range, see
// mp4-source.ts), each output becomes an ImageBitmap keyed by its frame index (the chunk's
// timestamp IS the frame index, from decode-plan.ts's pairing with the stored timestamps), and
// only frames inside the keep window around the playhead are kept (VideoFrames are closed at once).
//
// - Memory: at most `cap` bitmaps, cap = BUDGET_BYTES / (width × height × 4), between MIN_CAP and
//   MAX_CAP: 72 frames (≈ 265 MB) at 1280×720, MAX_CAP at small sizes.
// - The window leans three quarters toward the direction of travel; a refill starts when the
//   cached run there is shorter than a quarter of the window. A GOP is decoded from its keyframe
//   only up to the last sample the window needs, then flushed (so no reordering is left pending).
// - A jump away abandons the GOP in progress (decoder reset) when none of its frames are wanted.
// - Nothing is decoded during playback (the <video> plays; a GOP in progress is abandoned);
//   decoding resumes at the pause.
// - Unavailable (no WebCodecs, not an MP4, codec not supported, samples not pairing with the stored
//   frames): `open` resolves with the reason and the player steps through the <video> as before.
import type { FrameTimes } from '../../../shared/frame-times';
import { indexFrames, keepWindow, nextGop, type FrameIndex } from './decode-plan';
import { openMp4, readRange, type Mp4Track } from './mp4-source';

const BUDGET_BYTES = 256 * 1024 * 1024;
const MIN_CAP = 24;
const MAX_CAP = 600;

export class DecodedFrames {
  private readonly bitmaps = new Map<number, ImageBitmap>();
  private decoder: VideoDecoder | null = null;
  private focus = 0;
  private dir: 1 | -1 = 1;
  private keep: { from: number; to: number };
  private readonly cap: number;
  private running = false;
  private held = false;
  private dead = false;
  /** The GOP being decoded and what aborts it (fetch + decoder reset). */
  private current: { gop: number; abort: AbortController } | null = null;
  private readonly converting = new Set<Promise<void>>();
  /** Why decoding stopped for good (a decoder error); the clock then uses the <video> only. */
  failed: string | null = null;
  /** A frame became available (the clock shows it if it is the one being waited for). */
  onFrame: ((frame: number) => void) | null = null;
  /** Decoding started (true) or the window is complete / on hold (false). */
  onBusy: ((busy: boolean) => void) | null = null;

  private constructor(
    private readonly url: string,
    private readonly track: Mp4Track,
    private readonly index: FrameIndex,
    private readonly config: VideoDecoderConfig,
    readonly count: number,
  ) {
    this.cap = Math.max(MIN_CAP, Math.min(MAX_CAP, Math.floor(BUDGET_BYTES / Math.max(1, track.width * track.height * 4))));
    this.keep = keepWindow(0, 1, this.cap, count);
  }

  /** The decoded-frame window of an MP4 at `url`, or the reason it cannot be had here. */
  static async open(url: string, times: FrameTimes, signal?: AbortSignal): Promise<DecodedFrames | string> {
    if (typeof VideoDecoder !== 'function' || typeof EncodedVideoChunk !== 'function') return 'WebCodecs is not available';
    let track: Mp4Track;
    try {
      track = await openMp4(url, signal);
    } catch (e) {
      return String(e instanceof Error ? e.message : e);
    }
    const index = indexFrames(track.samples, track.timescale, track.shift, times);
    if (typeof index === 'string') return index;
    const config: VideoDecoderConfig = { codec: track.codec, codedWidth: track.width, codedHeight: track.height, description: track.description, optimizeForLatency: true };
    try {
      const support = await VideoDecoder.isConfigSupported(config);
      if (!support.supported) return `codec ${track.codec} is not supported by this browser's decoder`;
    } catch (e) {
      return `codec ${track.codec}: ${String(e)}`;
    }
    return new DecodedFrames(url, track, index, config, times.count);
  }

  get capacity(): number {
    return this.cap;
  }

  get size(): number {
    return this.bitmaps.size;
  }

  get(frame: number): ImageBitmap | undefined {
    return this.bitmaps.get(frame);
  }

  /** The playhead moved to `frame` heading `dir`: re-aims the window and decodes what it lacks. */
  setFocus(frame: number, dir: 1 | -1): void {
    if (this.dead || this.failed) return;
    this.focus = frame;
    this.dir = dir;
    this.keep = keepWindow(frame, dir, this.cap, this.count);
    for (const [f, bm] of this.bitmaps) {
      if (f < this.keep.from || f > this.keep.to) {
        bm.close();
        this.bitmaps.delete(f);
      }
    }
    // A GOP that no longer has a frame in the window is not worth finishing.
    if (this.current && !this.gopWanted(this.current.gop)) this.current.abort.abort();
    void this.loop();
  }

  /** Holds decoding (during playback) or resumes it. */
  hold(on: boolean): void {
    this.held = on;
    // playback first: the GOP in progress is abandoned
    if (on) this.current?.abort.abort();
    else void this.loop();
  }

  destroy(): void {
    this.dead = true;
    this.current?.abort.abort();
    if (this.decoder && this.decoder.state !== 'closed') this.decoder.close();
    for (const bm of this.bitmaps.values()) bm.close();
    this.bitmaps.clear();
  }

  private gopFrames(g: number): { from: number; to: number } {
    const { first, end } = this.index.gops[g];
    let from = Infinity;
    let to = -1;
    for (let i = first; i < end; i++) {
      const f = this.index.frameOfSample[i];
      if (f < 0) continue;
      from = Math.min(from, f);
      to = Math.max(to, f);
    }
    return { from, to };
  }

  private gopWanted(g: number): boolean {
    const r = this.gopFrames(g);
    return r.to >= this.keep.from && r.from <= this.keep.to;
  }

  private async loop(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.onBusy?.(true);
    try {
      let last: { gop: number; focus: number } | null = null;
      while (!this.dead && !this.held && !this.failed) {
        const low = Math.max(4, Math.floor(this.cap / 4));
        const g = nextGop(this.focus, this.dir, this.keep, low, (f) => this.bitmaps.has(f), this.index.gopOfFrame);
        if (g === null) break;
        // Decoded it for this playhead and a wanted frame is still missing (not output): wait for the playhead to move.
        if (last && last.gop === g && last.focus === this.focus) break;
        last = { gop: g, focus: this.focus };
        await this.decodeGop(g);
      }
    } catch (e) {
      if (!this.dead) this.failed = String(e instanceof Error ? e.message : e);
    } finally {
      this.running = false;
      this.onBusy?.(false);
    }
  }

  private decoderReady(): VideoDecoder {
    if (!this.decoder || this.decoder.state === 'closed') {
      this.decoder = new VideoDecoder({
        output: (vf) => this.output(vf),
        error: (e) => {
          if (!this.dead && e.name !== 'AbortError') this.failed = `decoder: ${e.message}`;
        },
      });
    }
    if (this.decoder.state === 'unconfigured') this.decoder.configure(this.config);
    return this.decoder;
  }

  private output(vf: VideoFrame): void {
    const f = vf.timestamp;
    if (this.dead || f < 0 || f < this.keep.from || f > this.keep.to || this.bitmaps.has(f)) {
      vf.close();
      return;
    }
    const p = createImageBitmap(vf)
      .then(
        (bm) => {
          if (this.dead || f < this.keep.from || f > this.keep.to || this.bitmaps.has(f)) bm.close();
          else {
            this.bitmaps.set(f, bm);
            this.onFrame?.(f);
          }
        },
        () => undefined,
      )
      .finally(() => {
        vf.close();
        this.converting.delete(p);
      });
    this.converting.add(p);
  }

  /** Decodes GOP g from its keyframe up to the last sample the window still lacks, then flushes. */
  private async decodeGop(g: number): Promise<void> {
    const { first, end } = this.index.gops[g];
    let last = -1;
    for (let i = first; i < end; i++) {
      const f = this.index.frameOfSample[i];
      if (f >= this.keep.from && f <= this.keep.to && !this.bitmaps.has(f)) last = i;
    }
    if (last < 0) return;
    const abort = new AbortController();
    this.current = { gop: g, abort };
    try {
      const samples = this.track.samples;
      let lo = Infinity;
      let hi = 0;
      for (let i = first; i <= last; i++) {
        lo = Math.min(lo, samples[i].offset);
        hi = Math.max(hi, samples[i].offset + samples[i].size);
      }
      const bytes = await readRange(this.url, lo, hi, abort.signal);
      if (abort.signal.aborted || this.dead) return;
      const dec = this.decoderReady();
      for (let i = first; i <= last; i++) {
        const s = samples[i];
        const f = this.index.frameOfSample[i];
        dec.decode(new EncodedVideoChunk({ type: i === first ? 'key' : 'delta', timestamp: f >= 0 ? f : -1 - i, data: bytes.subarray(s.offset - lo, s.offset - lo + s.size) }));
      }
      const onAbort = () => {
        if (dec.state === 'configured') dec.reset();
      };
      abort.signal.addEventListener('abort', onAbort);
      try {
        await dec.flush();
      } catch (e) {
        // reset() by a jump away rejects the flush: not a failure
        if (!(abort.signal.aborted || (e instanceof DOMException && e.name === 'AbortError'))) throw e;
      } finally {
        abort.signal.removeEventListener('abort', onAbort);
      }
      await Promise.all(this.converting);
    } catch (e) {
      if (abort.signal.aborted || this.dead || (e instanceof DOMException && e.name === 'AbortError')) return;
      throw e;
    } finally {
      if (this.current?.abort === abort) this.current = null;
    }
  }
}
