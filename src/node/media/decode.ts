// Streaming decode of a video to packed rgb24 frames through ffmpeg, frame N being the N-th
// presented frame exactly as probe.ts counts them: timing passes through (no duplicated or dropped
// frames), discarded edit-list frames never reach the output, and starting at frame K selects by
// the decoded frame number (`select=gte(n,K)`), not by a timestamp seek that could land one off.
//
// ffmpeg decodes ahead in its own process while the caller works on earlier frames: frames are
// queued here up to `readAhead`, then the pipe is paused (memory stays flat in video length).
import { spawn } from 'node:child_process';
import { AppError } from '../../shared/result';
import { ffmpegPath } from './tools';

export interface DecodedFrame {
  index: number;
  /** width × height × 3 bytes, row-major, RGB. */
  rgb: Buffer;
}

export interface DecodeOptions {
  /** Display size of the decoded frames (probe.ts's width/height). */
  width: number;
  height: number;
  /** First frame to deliver (0-based); earlier frames are decoded and dropped inside ffmpeg. */
  startFrame?: number;
  /** The container's stream index of the video (probe.ts's streamIndex); default the first video stream. */
  streamIndex?: number;
  /** Frames buffered ahead of the consumer. */
  readAhead?: number;
  /** Decoder threads (ffmpeg's default is one per core). */
  threads?: number;
}

/** Yields every frame from `startFrame` on; breaking out of the loop stops ffmpeg. */
export async function* decodeVideoFrames(file: string, opts: DecodeOptions): AsyncGenerator<DecodedFrame> {
  const frameBytes = opts.width * opts.height * 3;
  const start = opts.startFrame ?? 0;
  const readAhead = Math.max(1, opts.readAhead ?? 8);
  const args = ['-hide_banner', '-nostdin', '-loglevel', 'error'];
  if (opts.threads) args.push('-threads', String(opts.threads));
  args.push('-i', file, '-map', opts.streamIndex === undefined ? '0:v:0' : `0:${opts.streamIndex}`, '-an', '-sn', '-dn');
  if (start > 0) args.push('-vf', `select=gte(n\\,${start})`);
  args.push('-fps_mode', 'passthrough', '-pix_fmt', 'rgb24', '-f', 'rawvideo', 'pipe:1');
  const proc = spawn(ffmpegPath(), args, { stdio: ['ignore', 'pipe', 'pipe'] });

  const queue: Buffer[] = [];
  let current = Buffer.allocUnsafe(frameBytes);
  let filled = 0;
  let ended = false;
  let failure: Error | null = null;
  let stderr = '';
  let wake: (() => void) | null = null;
  const notify = () => {
    const w = wake;
    wake = null;
    w?.();
  };

  proc.stdout.on('data', (chunk: Buffer) => {
    let off = 0;
    while (off < chunk.length) {
      const n = Math.min(frameBytes - filled, chunk.length - off);
      chunk.copy(current, filled, off, off + n);
      filled += n;
      off += n;
      if (filled === frameBytes) {
        queue.push(current);
        current = Buffer.allocUnsafe(frameBytes);
        filled = 0;
      }
    }
    if (queue.length >= readAhead) proc.stdout.pause();
    notify();
  });
  proc.stderr.setEncoding('utf8');
  proc.stderr.on('data', (d: string) => {
    stderr = (stderr + d).slice(-4000);
  });
  proc.on('error', (e) => {
    failure = new AppError('tool-missing', `Cannot run ffmpeg (${ffmpegPath()}): ${e.message}`);
    ended = true;
    notify();
  });
  proc.on('close', (code, signal) => {
    if (code !== 0 && !failure && signal === null) {
      failure = new AppError('tool-failed', `ffmpeg could not decode ${file} (exit ${code}): ${stderr.trim().split('\n').slice(-3).join(' | ')}`);
    }
    ended = true;
    notify();
  });

  let index = start;
  try {
    for (;;) {
      if (queue.length > 0) {
        const rgb = queue.shift() as Buffer;
        if (queue.length < readAhead && proc.stdout.isPaused()) proc.stdout.resume();
        yield { index: index++, rgb };
        continue;
      }
      if (ended) break;
      await new Promise<void>((r) => {
        wake = r;
      });
    }
    if (failure) throw failure;
    if (filled !== 0) throw new AppError('tool-failed', `ffmpeg ended ${file} in the middle of a frame (${filled} of ${frameBytes} bytes)`);
  } finally {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
  }
}
