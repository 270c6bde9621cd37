// probeVideo and decodeVideoFrames on real generated videos: frame N is the N-th presented frame
// (its pixels carry N), at 24000/1001 with B-frames, variable rate, a container start offset and
// an MP4 edit list that cuts the start.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeVideo, timeline } from '../../src/node/media/probe';
import { tempDir } from './helpers';
import { codedFrames, decodedIndices, encodeFrames, ffmpeg, H264, packetPts } from './media-fixtures';

const W = 128;
const H = 96;
let tmp: { dir: string; cleanup: () => void };
const file = (name: string) => path.join(tmp.dir, name);

beforeAll(() => {
  tmp = tempDir('aw-probe-');
  // 60 frames at 24000/1001, x264 defaults (3 B-frames, so packets arrive out of presentation order).
  encodeFrames(file('ntsc.mp4'), codedFrames(60, W, H), W, H, '24000/1001', H264);
});
afterAll(() => tmp.cleanup());

describe('probeVideo', () => {
  it('gives every presented frame of a 24000/1001 B-frame video its exact timestamp', async () => {
    const pts = packetPts(file('ntsc.mp4'));
    expect(pts.some((p, i) => i > 0 && p < pts[i - 1])).toBe(true); // B-frames: decode order ≠ presentation order
    const p = await probeVideo(file('ntsc.mp4'));
    expect(p).toMatchObject({ codec: 'h264', width: W, height: H, fpsRational: '24000/1001', vfr: false, frameCount: 60, startTime: 0, timing: 'packets' });
    expect(p.fps).toBeCloseTo(24000 / 1001, 12);
    for (let i = 0; i < 60; i++) expect(p.timestamps[i]).toBeCloseTo((i * 1001) / 24000, 12);
    expect(p.duration).toBeCloseTo((60 * 1001) / 24000, 9);
    // Packet-level timing equals decoded-frame timing.
    const decoded = await probeVideo(file('ntsc.mp4'), { timing: 'frames' });
    expect(decoded.timing).toBe('frames');
    expect(Array.from(decoded.timestamps)).toEqual(Array.from(p.timestamps));
    // …and frame N of the decoder shows N.
    expect(await decodedIndices(file('ntsc.mp4'), W, H)).toEqual(Array.from({ length: 60 }, (_, i) => i));
  });

  it('decodes from a start frame exactly (resume), not from a nearby keyframe', async () => {
    expect(await decodedIndices(file('ntsc.mp4'), W, H, 37)).toEqual(Array.from({ length: 23 }, (_, i) => 37 + i));
  });

  it('follows variable frame rate', async () => {
    // Frames 0–9 every 40 ms, then every 80 ms, then every 20 ms; timing passes through the encoder.
    const expected = (n: number) => (n < 10 ? n * 0.04 : n < 20 ? 0.4 + (n - 10) * 0.08 : 1.2 + (n - 20) * 0.02);
    encodeFrames(file('vfr.mkv'), codedFrames(30, W, H), W, H, '25', [
      '-vf', `settb=1/1000,setpts='if(lt(N,10),N*40,if(lt(N,20),400+(N-10)*80,1200+(N-20)*20))'`,
      '-fps_mode', 'passthrough', '-enc_time_base:v', '1/1000', ...H264,
    ]);
    const p = await probeVideo(file('vfr.mkv'));
    expect(p.vfr).toBe(true);
    expect(p.frameCount).toBe(30);
    for (let i = 0; i < 30; i++) expect(p.timestamps[i]).toBeCloseTo(expected(i), 6);
    expect(p.fps).toBeCloseTo(30 / p.duration, 2);
    const decoded = await probeVideo(file('vfr.mkv'), { timing: 'frames' });
    expect(Array.from(decoded.timestamps)).toEqual(Array.from(p.timestamps));
    expect(await decodedIndices(file('vfr.mkv'), W, H)).toEqual(Array.from({ length: 30 }, (_, i) => i));
  });

  it('keeps timestamps relative to the first frame and records a container start offset', async () => {
    for (const ext of ['mkv', 'mp4']) {
      ffmpeg(['-i', file('ntsc.mp4'), '-c', 'copy', '-output_ts_offset', '2.5', file(`offset.${ext}`)]);
      const p = await probeVideo(file(`offset.${ext}`));
      expect(p.startTime).toBeCloseTo(2.5, 3);
      expect(p.frameCount).toBe(60);
      expect(p.timestamps[0]).toBe(0);
      // Matroska stores milliseconds: within half of one.
      const tol = ext === 'mkv' ? 0.0005 + 1e-9 : 1e-9;
      for (let i = 0; i < 60; i++) expect(Math.abs(p.timestamps[i] - (i * 1001) / 24000)).toBeLessThanOrEqual(tol);
      expect(await decodedIndices(file(`offset.${ext}`), W, H)).toEqual(Array.from({ length: 60 }, (_, i) => i));
    }
  });

  it('leaves out frames an MP4 edit list cuts (discarded packets are not frames)', async () => {
    // Stream copy from 1.0 s: the demuxer still reads the GOP before the cut but marks it discard.
    ffmpeg(['-ss', '1.0', '-i', file('ntsc.mp4'), '-c', 'copy', file('cut.mp4')]);
    const all = packetPts(file('cut.mp4')).length;
    const p = await probeVideo(file('cut.mp4'));
    const shown = await decodedIndices(file('cut.mp4'), W, H);
    expect(all).toBeGreaterThan(p.frameCount); // there were discarded packets
    expect(p.frameCount).toBe(shown.length);
    const first = shown[0] as number;
    expect(shown).toEqual(Array.from({ length: shown.length }, (_, i) => first + i));
    for (let i = 0; i < p.frameCount; i++) expect(p.timestamps[i]).toBeCloseTo((i * 1001) / 24000, 9);
  });

  it('reports the display size of a rotated video (what the decoder outputs)', async () => {
    ffmpeg(['-i', file('ntsc.mp4'), '-c', 'copy', '-metadata:s:v:0', 'rotate=90', file('rot.mp4')]);
    const p = await probeVideo(file('rot.mp4'));
    expect([p.width, p.height, Math.abs(p.rotation)]).toEqual([H, W, 90]);
    const { decodeVideoFrames } = await import('../../src/node/media/decode');
    let n = 0;
    for await (const f of decodeVideoFrames(file('rot.mp4'), { width: p.width, height: p.height })) {
      expect(f.rgb.length).toBe(W * H * 3);
      n++;
    }
    expect(n).toBe(60);
  });

  it('decodes frames where the container stores no presentation order (AVI)', async () => {
    encodeFrames(file('bframes.avi'), codedFrames(20, W, H), W, H, '25', H264);
    const p = await probeVideo(file('bframes.avi'));
    expect(p.timing).toBe('frames');
    expect(p.frameCount).toBe(20);
    for (let i = 0; i < 20; i++) expect(p.timestamps[i]).toBeCloseTo(i * 0.04, 9);
    expect(await decodedIndices(file('bframes.avi'), W, H)).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('rejects a file that is not a video, naming it', async () => {
    fs.writeFileSync(file('notes.mp4'), 'not a video');
    await expect(probeVideo(file('notes.mp4'))).rejects.toThrow(/notes\.mp4/);
  });
});

describe('timeline', () => {
  it('sorts pts into presentation order and measures from the first presented frame', () => {
    // Decode order of an IBBP stream with a 1001-tick frame in a 1/24000 time base, offset 5005.
    const t = timeline(
      [5005, 8008, 6006, 7007, 11011, 9009, 10010].map((pts) => ({ pts, duration: 1001 })),
      { num: 1, den: 24000 },
      ['24000/1001', '24000/1001'],
    );
    expect(t.startTime).toBeCloseTo(5005 / 24000, 12);
    expect(Array.from(t.timestamps)).toEqual([0, 1, 2, 3, 4, 5, 6].map((i) => (i * 1001) / 24000));
    expect(t).toMatchObject({ fpsRational: '24000/1001', vfr: false, frameCount: 7 });
    expect(t.duration).toBeCloseTo((7 * 1001) / 24000, 12);
  });

  it('accepts millisecond rounding of a 24000/1001 grid as constant rate, not a larger jitter', () => {
    const ms = Array.from({ length: 48 }, (_, i) => ({ pts: Math.round((i * 1001) / 24), duration: 42 }));
    expect(timeline(ms, { num: 1, den: 1000 }, ['24000/1001', '24000/1001'])).toMatchObject({ vfr: false, fpsRational: '24000/1001' });
    const jitter = ms.map((f, i) => ({ ...f, pts: f.pts + (i === 20 ? 3 : 0) }));
    expect(timeline(jitter, { num: 1, den: 1000 }, ['24000/1001', '24000/1001']).vfr).toBe(true);
  });
});
