import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeFrameIndex, drawFrameCode, FRAMECODE_MAX } from '../../src/shared/framecode';
import { makeFrameCodedVideo } from '../../src/node/demo/framecode';

const dir = mkdtempSync(path.join(tmpdir(), 'framecode-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Bilinear resample of packed pixels (what a canvas or a scaler does to a frame). */
function resample(src: Uint8Array, w: number, h: number, ch: number, W: number, H: number): Uint8Array {
  const out = new Uint8Array(W * H * ch);
  for (let y = 0; y < H; y++) {
    const sy = Math.min(h - 1, Math.max(0, ((y + 0.5) * h) / H - 0.5));
    const y0 = Math.floor(sy);
    const y1 = Math.min(h - 1, y0 + 1);
    const fy = sy - y0;
    for (let x = 0; x < W; x++) {
      const sx = Math.min(w - 1, Math.max(0, ((x + 0.5) * w) / W - 0.5));
      const x0 = Math.floor(sx);
      const x1 = Math.min(w - 1, x0 + 1);
      const fx = sx - x0;
      for (let c = 0; c < ch; c++) {
        const v =
          src[(y0 * w + x0) * ch + c] * (1 - fx) * (1 - fy) + src[(y0 * w + x1) * ch + c] * fx * (1 - fy) +
          src[(y1 * w + x0) * ch + c] * (1 - fx) * fy + src[(y1 * w + x1) * ch + c] * fx * fy;
        out[(y * W + x) * ch + c] = Math.round(v);
      }
    }
  }
  return out;
}

/** Decodes every frame of a video to rgb24 with ffmpeg (no frame dropping or duplication). */
function decodeAll(file: string, w: number, h: number, vf?: string): Uint8Array[] {
  const args = ['-v', 'error', '-i', file, ...(vf ? ['-vf', vf] : []), '-fps_mode', 'passthrough', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'];
  const r = spawnSync('ffmpeg', args, { maxBuffer: 1 << 28 });
  expect(r.status, String(r.stderr)).toBe(0);
  const n = w * h * 3;
  expect(r.stdout.length % n).toBe(0);
  return Array.from({ length: r.stdout.length / n }, (_, i) => new Uint8Array(r.stdout.buffer, r.stdout.byteOffset + i * n, n));
}

function probe(file: string, entries: string, extra: string[] = []): string[] {
  const r = spawnSync('ffprobe', ['-v', 'error', '-select_streams', 'v:0', ...extra, '-show_entries', entries, '-of', 'csv=p=0', file], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.split('\n').map((l) => l.trim().replace(/,$/, '')).filter((l) => l !== '');
}

describe('frame code pattern (pure)', () => {
  const indices = [0, 1, 2, 5, 255, 256, 1000, 43690, 21845, FRAMECODE_MAX];

  it('round-trips rgb, rgba and grey pixels at several sizes', () => {
    for (const [w, h] of [[320, 240], [64, 48], [97, 61]]) {
      for (const i of indices) {
        expect(decodeFrameIndex(drawFrameCode(i, w, h), w, h, 3)).toBe(i);
        expect(decodeFrameIndex(new Uint8ClampedArray(drawFrameCode(i, w, h, 4)), w, h, 4)).toBe(i);
        const rgb = drawFrameCode(i, w, h);
        const grey = new Uint8Array(w * h).map((_, k) => rgb[k * 3]);
        expect(decodeFrameIndex(grey, w, h, 1)).toBe(i);
      }
    }
  });

  it('survives scaling and limited-range levels', () => {
    for (const i of indices) {
      const src = drawFrameCode(i, 320, 240);
      expect(decodeFrameIndex(resample(src, 320, 240, 3, 123, 77), 123, 77, 3)).toBe(i);
      expect(decodeFrameIndex(resample(src, 320, 240, 3, 640, 480), 640, 480, 3)).toBe(i);
      const limited = src.map((v) => 16 + Math.round((v * 219) / 255));
      expect(decodeFrameIndex(limited, 320, 240, 3)).toBe(i);
    }
  });

  it('draws bits most significant first with the inverse row below', () => {
    const w = 160;
    const h = 100;
    const px = drawFrameCode(0b1000000000000001, w, h);
    const at = (x: number, y: number): number => px[(y * w + x) * 3];
    const cw = w / 16;
    expect(at(Math.floor(cw / 2), 36)).toBe(255); // bit 15 = 1
    expect(at(Math.floor(cw / 2), 62)).toBe(0); // its inverse
    expect(at(Math.floor(cw * 1.5), 36)).toBe(0); // bit 14 = 0
    expect(at(Math.floor(cw * 15.5), 36)).toBe(255); // bit 0 = 1
    expect(at(Math.floor(cw / 2), 10)).toBe(255); // check row starts white
    expect(at(Math.floor(cw * 1.5), 10)).toBe(0);
  });

  it('rejects frames without a valid code', () => {
    const w = 160;
    const h = 120;
    expect(decodeFrameIndex(new Uint8Array(w * h * 3).fill(128), w, h, 3)).toBeNull();
    let s = 12345;
    const noise = new Uint8Array(w * h * 3).map(() => ((s = (s * 1103515245 + 12345) >>> 0) >>> 24) & 255);
    expect(decodeFrameIndex(noise, w, h, 3)).toBeNull();
    // One column whose bit and inverse cells agree (both white) is a corrupt code, not a guess.
    const px = drawFrameCode(777, w, h);
    for (let y = 0; y < h; y++) for (let x = 30; x < 40; x++) if (y > 0.25 * h && y < 0.73 * h) px.fill(255, (y * w + x) * 3, (y * w + x) * 3 + 3);
    expect(decodeFrameIndex(px, w, h, 3)).toBeNull();
    // A mirrored frame breaks the check row.
    const mirrored = drawFrameCode(777, w, h);
    const flipped = new Uint8Array(mirrored.length);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) flipped.set(mirrored.subarray((y * w + x) * 3, (y * w + x) * 3 + 3), (y * w + (w - 1 - x)) * 3);
    expect(decodeFrameIndex(flipped, w, h, 3)).toBeNull();
    expect(decodeFrameIndex(new Uint8Array(10), w, h, 3)).toBeNull();
  });
});

describe('frame-coded videos through ffmpeg', () => {
  it('H.264 at 24000/1001: every decoded frame carries its index and its exact timestamp', async () => {
    const file = path.join(dir, 'code.mp4');
    const used = await makeFrameCodedVideo(file, { frames: 120, fps: '24000/1001', width: 320, height: 240, codec: 'h264' });
    expect(used).toMatchObject({ codec: 'h264', container: 'mp4', fps: '24000/1001' });
    const frames = decodeAll(file, 320, 240);
    expect(frames.length).toBe(120);
    frames.forEach((f, i) => expect(decodeFrameIndex(f, 320, 240, 3)).toBe(i));

    expect(probe(file, 'stream=codec_name,pix_fmt,r_frame_rate,nb_read_frames', ['-count_frames'])[0]).toBe('h264,yuv420p,24000/1001,120');
    const pts = probe(file, 'frame=pts_time').map(Number);
    expect(pts.length).toBe(120);
    pts.forEach((t, i) => expect(Math.abs(t - (i * 1001) / 24000)).toBeLessThan(1e-6));

    // Decoded at another size (as a scaled player would show it).
    const small = decodeAll(file, 200, 150, 'scale=200:150');
    small.forEach((f, i) => expect(decodeFrameIndex(f, 200, 150, 3)).toBe(i));
  });

  it('VP9/WebM, HEVC/MP4 and MJPEG/AVI decode frame-exactly too', async () => {
    for (const [codec, name] of [['vp9', 'code.webm'], ['hevc', 'code-hevc.mp4'], ['mjpeg', 'code.avi']] as const) {
      const file = path.join(dir, name);
      await makeFrameCodedVideo(file, { frames: 30, fps: '30000/1001', width: 160, height: 120, codec });
      const frames = decodeAll(file, 160, 120);
      expect(frames.length, codec).toBe(30);
      frames.forEach((f, i) => expect(decodeFrameIndex(f, 160, 120, 3), `${codec} frame ${i}`).toBe(i));
      const pts = probe(file, 'frame=pts_time').map(Number);
      // WebM and AVI store millisecond / frame-count clocks; allow for their rounding.
      pts.forEach((t, i) => expect(Math.abs(t - (i * 1001) / 30000), `${codec} pts ${i}`).toBeLessThan(0.0011));
    }
  });

  it('rejects bad options', async () => {
    await expect(makeFrameCodedVideo(path.join(dir, 'x.mp4'), { frames: 0 })).rejects.toThrow(/frames/);
    await expect(makeFrameCodedVideo(path.join(dir, 'x.mp4'), { frames: 2, width: 321 })).rejects.toThrow(/even/);
    await expect(makeFrameCodedVideo(path.join(dir, 'x.mp4'), { frames: 2, fps: 'fast' })).rejects.toThrow(/rational/);
  });
});
