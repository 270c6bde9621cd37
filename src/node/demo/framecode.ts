// Writes frame-index-coded test videos (see src/shared/framecode.ts for the pattern): each frame
// shows its own 0-based index, so tests can verify decoders, players and seeks frame-exactly.

import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { drawFrameCode, FRAMECODE_MAX } from '../../shared/framecode';
import { RawVideoEncoder, type VideoCodec } from './ffmpeg';

export type Container = 'mp4' | 'webm' | 'mkv' | 'mov' | 'avi';

export interface FrameCodedVideoOptions {
  frames: number;
  /** Rational frame rate, e.g. '24000/1001' (the default). */
  fps?: string;
  width?: number;
  height?: number;
  codec?: VideoCodec;
  /** Defaults to the file extension of outPath. */
  container?: Container;
  /** Keyframe interval in frames. */
  gop?: number;
}

const CONTAINER_FORMAT: Record<Container, string> = { mp4: 'mp4', webm: 'webm', mkv: 'matroska', mov: 'mov', avi: 'avi' };

/** Writes the video and resolves with the options actually used. */
export async function makeFrameCodedVideo(outPath: string, opts: FrameCodedVideoOptions): Promise<Required<Omit<FrameCodedVideoOptions, 'container'>> & { container: Container }> {
  const fps = opts.fps ?? '24000/1001';
  const width = opts.width ?? 320;
  const height = opts.height ?? 240;
  const codec = opts.codec ?? 'h264';
  const gop = opts.gop ?? 24;
  const ext = path.extname(outPath).slice(1).toLowerCase();
  const container = opts.container ?? (ext in CONTAINER_FORMAT ? (ext as Container) : 'mp4');
  if (!/^\d+(\/\d+)?$/.test(fps)) throw new Error(`fps must be a rational like 24000/1001, got ${fps}`);
  if (!Number.isInteger(opts.frames) || opts.frames < 1 || opts.frames > FRAMECODE_MAX + 1) throw new Error(`frames must be 1..${FRAMECODE_MAX + 1}`);
  if (width % 2 || height % 2) throw new Error('width and height must be even (4:2:0 chroma)');
  await mkdir(path.dirname(path.resolve(outPath)), { recursive: true });
  const enc = new RawVideoEncoder(outPath, { width, height, fps, codec, gop, threads: 2, format: CONTAINER_FORMAT[container] });
  try {
    for (let i = 0; i < opts.frames; i++) await enc.write(drawFrameCode(i, width, height));
    await enc.end();
  } catch (e) {
    enc.abort();
    throw e;
  }
  return { frames: opts.frames, fps, width, height, codec, container, gop };
}
