// Fixture videos for the media and face tests, made with the real ffmpeg: frame-coded videos
// (every frame shows its own index, src/shared/framecode.ts) and clips of a real face cut from the
// sample photos that ship in @vladmandic/face-api's package (so a fresh clone needs nothing else).
import { execFileSync, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import sharp from 'sharp';
import { drawFrameCode, decodeFrameIndex } from '../../src/shared/framecode';
import { decodeVideoFrames } from '../../src/node/media/decode';

export function ffmpeg(args: string[]): void {
  execFileSync('ffmpeg', ['-hide_banner', '-nostdin', '-loglevel', 'error', '-y', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Packet lines of the first video stream in decode order, for checking that a fixture really has B-frames. */
export function packetPts(file: string): number[] {
  const out = execFileSync('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'packet=pts', '-of', 'csv=p=0', file], { encoding: 'utf8' });
  return out.trim().split('\n').map(Number);
}

/** Encodes packed rgb24 frames through ffmpeg's stdin with the given output arguments. */
export function encodeFrames(out: string, frames: Uint8Array[], width: number, height: number, fps: string, outArgs: string[]): void {
  const r = spawnSync(
    'ffmpeg',
    ['-hide_banner', '-nostdin', '-loglevel', 'error', '-y', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${width}x${height}`, '-framerate', fps, '-i', 'pipe:0', ...outArgs, out],
    { input: Buffer.concat(frames.map((f) => Buffer.from(f.buffer, f.byteOffset, f.byteLength))), stdio: ['pipe', 'ignore', 'pipe'], maxBuffer: 1 << 26 },
  );
  if (r.status !== 0) throw new Error(`ffmpeg failed: ${r.stderr?.toString()}`);
}

/** Frames 0..n-1 drawn with their frame code. */
export function codedFrames(n: number, width = 128, height = 96): Uint8Array[] {
  return Array.from({ length: n }, (_, i) => drawFrameCode(i, width, height));
}

/** Decodes a video (through the module under test) and reads every frame's code. */
export async function decodedIndices(file: string, width: number, height: number, startFrame = 0): Promise<(number | null)[]> {
  const out: (number | null)[] = [];
  for await (const f of decodeVideoFrames(file, { width, height, startFrame })) out.push(decodeFrameIndex(f.rgb, width, height, 3));
  return out;
}

export const H264 = ['-c:v', 'libx264', '-preset', 'medium', '-crf', '16', '-pix_fmt', 'yuv420p', '-g', '12'];

/** A sample photo shipped in face-api's package (real faces, no download). */
export function samplePhoto(n: 1 | 2 | 3 | 4 | 5 | 6): string {
  const require = createRequire(import.meta.url);
  return path.join(path.dirname(require.resolve('@vladmandic/face-api/package.json')), 'demo', `sample${n}.jpg`);
}

/**
 * A window of sample photo 3 (one face, three-quarter view; face-api's SSD finds it with score
 * ~0.99) drifting a pixel per frame, `n` frames of width × height rgb24.
 */
export async function faceFrames(n: number, width = 256, height = 192): Promise<Uint8Array[]> {
  // At 640 px wide the chosen face is about 66×89 px near (194, 110).
  const { data, info } = await sharp(samplePhoto(3)).resize({ width: 640 }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const frames: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    const x0 = 100 + i;
    const y0 = 40 + (i % 3);
    const f = new Uint8Array(width * height * 3);
    for (let y = 0; y < height; y++) {
      const src = ((y0 + y) * info.width + x0) * 3;
      f.set(data.subarray(src, src + width * 3), y * width * 3);
    }
    frames.push(f);
  }
  return frames;
}

/** Flat grey frames (no face). */
export function blankFrames(n: number, width = 256, height = 192, level = 90): Uint8Array[] {
  return Array.from({ length: n }, () => new Uint8Array(width * height * 3).fill(level));
}
