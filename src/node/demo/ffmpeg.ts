// A raw-frame video encoder over an ffmpeg child process: frames go to ffmpeg's stdin as packed
// rgb24, with backpressure, so a whole video never sits in memory.

import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';

/** The ffmpeg binary: $AFFECT_FFMPEG, else $FFMPEG_PATH, else `ffmpeg` on the PATH. */
export function ffmpegPath(): string {
  return process.env.AFFECT_FFMPEG || process.env.FFMPEG_PATH || 'ffmpeg';
}

/** The ffprobe binary: $AFFECT_FFPROBE, else $FFPROBE_PATH, else `ffprobe` on the PATH. */
export function ffprobePath(): string {
  return process.env.AFFECT_FFPROBE || process.env.FFPROBE_PATH || 'ffprobe';
}

export type VideoCodec = 'h264' | 'vp9' | 'hevc' | 'mjpeg';

export interface EncoderOptions {
  width: number;
  height: number;
  /** Frame rate as a rational string, e.g. '30000/1001'. */
  fps: string;
  codec?: VideoCodec;
  /** Keyframe interval in frames (short GOPs make frame-exact seeking cheap). */
  gop?: number;
  /** One encoder thread makes the bitstream independent of the machine's core count. */
  threads?: number;
  /** ffmpeg muxer name (-f); default: guessed by ffmpeg from the file extension. */
  format?: string;
}

/** Encoder arguments per codec: visually lossless enough for 8-bit test patterns and faces. */
function codecArgs(codec: VideoCodec, gop: number, threads: number): string[] {
  const t = ['-threads', String(threads)];
  switch (codec) {
    case 'h264':
      return ['-c:v', 'libx264', '-preset', 'medium', '-crf', '18', '-pix_fmt', 'yuv420p', '-g', String(gop), ...t];
    case 'hevc':
      return ['-c:v', 'libx265', '-preset', 'fast', '-crf', '20', '-pix_fmt', 'yuv420p', '-g', String(gop), '-tag:v', 'hvc1', '-x265-params', `log-level=error:pools=${threads}:frame-threads=${threads}`];
    case 'vp9':
      return ['-c:v', 'libvpx-vp9', '-crf', '24', '-b:v', '0', '-pix_fmt', 'yuv420p', '-g', String(gop), '-deadline', 'realtime', '-cpu-used', '8', ...t];
    case 'mjpeg':
      return ['-c:v', 'mjpeg', '-q:v', '3', '-pix_fmt', 'yuvj420p', ...t];
  }
}

/** MP4/MOV: put the index first so browsers can start playing and seeking before the end arrives. */
export function containerArgs(outPath: string, format?: string): string[] {
  const mov = format ? format === 'mp4' || format === 'mov' : /\.(mp4|mov|m4v)$/i.test(outPath);
  return mov ? ['-movflags', '+faststart'] : [];
}

/** Writes rgb24 frames into a video file through ffmpeg. */
export class RawVideoEncoder {
  private readonly proc: ChildProcessByStdio<Writable, null, Readable>;
  private readonly done: Promise<void>;
  private failure: Error | null = null;
  private readonly frameBytes: number;

  constructor(readonly outPath: string, readonly opts: EncoderOptions) {
    const codec = opts.codec ?? 'h264';
    this.frameBytes = opts.width * opts.height * 3;
    const args = [
      '-hide_banner', '-loglevel', 'error', '-y',
      '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${opts.width}x${opts.height}`, '-framerate', opts.fps, '-i', 'pipe:0',
      ...codecArgs(codec, opts.gop ?? 60, opts.threads ?? 1),
      ...containerArgs(outPath, opts.format),
      ...(opts.format ? ['-f', opts.format] : []),
      '-an', outPath,
    ];
    this.proc = spawn(ffmpegPath(), args, { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    this.proc.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    // A broken pipe surfaces as the exit status below; keep it from becoming an unhandled error.
    this.proc.stdin.on('error', () => undefined);
    this.done = new Promise<void>((resolve, reject) => {
      this.proc.on('error', (e) => {
        this.failure = new Error(`cannot run ffmpeg (${ffmpegPath()}): ${e.message}`);
        reject(this.failure);
      });
      this.proc.on('close', (code) => {
        if (code === 0) resolve();
        else if (!this.failure) {
          this.failure = new Error(`ffmpeg exited with ${code} writing ${outPath}: ${stderr.trim().slice(-2000)}`);
          reject(this.failure);
        }
      });
    });
    this.done.catch(() => undefined);
  }

  /** Queues one frame; resolves when ffmpeg can take more (stdin backpressure). */
  async write(frame: Uint8Array): Promise<void> {
    if (this.failure) throw this.failure;
    if (frame.length !== this.frameBytes) throw new Error(`frame has ${frame.length} bytes, expected ${this.frameBytes}`);
    if (!this.proc.stdin.write(frame)) {
      await new Promise<void>((resolve, reject) => {
        const onDrain = (): void => {
          this.proc.off('close', onClose);
          resolve();
        };
        const onClose = (): void => {
          this.proc.stdin.off('drain', onDrain);
          reject(this.failure ?? new Error('ffmpeg closed its input'));
        };
        this.proc.stdin.once('drain', onDrain);
        this.proc.once('close', onClose);
      });
    }
  }

  /** Closes the input and waits for ffmpeg to finish the file. */
  async end(): Promise<void> {
    this.proc.stdin.end();
    await this.done;
  }

  /** Stops ffmpeg without finishing the file (on cancel or error). */
  abort(): void {
    this.proc.kill('SIGKILL');
  }
}
