// importVideoMedia: media + frame rows in one transaction, idempotent re-import, and proxies for
// codecs Chromium cannot play that keep every frame at its timestamp (frame N of the proxy shows N).
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeVideo } from '../../src/node/media/probe';
import { compareTimelines } from '../../src/node/media/proxy';
import { timestampsFromBlob } from '../../src/node/media/store';
import { ensureProxy, importVideoMedia, isChromiumPlayable, type MediaProgress } from '../../src/node/media/video';
import { Project } from '../../src/node/store/project';
import { tempDir } from './helpers';
import { codedFrames, decodedIndices, encodeFrames, H264 } from './media-fixtures';

const W = 128;
const H = 96;
let tmp: { dir: string; cleanup: () => void };
let project: Project;
let datasetId: number;
const file = (name: string) => path.join(tmp.dir, 'src', name);
const sha = (f: string) => createHash('sha256').update(fs.readFileSync(f)).digest('hex');
const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => from + i);

beforeAll(() => {
  tmp = tempDir('aw-video-');
  fs.mkdirSync(path.join(tmp.dir, 'src'));
  project = Project.create(path.join(tmp.dir, 'project'));
  datasetId = Number(project.db.prepare(`INSERT INTO datasets (name, source_format, created_at) VALUES ('clips', 'video', 'now')`).run().lastInsertRowid);
  encodeFrames(file('ntsc.mp4'), codedFrames(48, W, H), W, H, '24000/1001', H264);
  encodeFrames(file('hevc.mp4'), codedFrames(40, W, H), W, H, '24000/1001', ['-c:v', 'libx265', '-x265-params', 'log-level=error', '-pix_fmt', 'yuv420p', '-tag:v', 'hvc1']);
  encodeFrames(file('mjpeg.avi'), codedFrames(30, W, H), W, H, '25', ['-c:v', 'mjpeg', '-q:v', '3']);
  // Variable rate HEVC in Matroska: 40 ms, then 80 ms, then 20 ms steps.
  encodeFrames(file('vfr-hevc.mkv'), codedFrames(30, W, H), W, H, '25', [
    '-vf', `settb=1/1000,setpts='if(lt(N,10),N*40,if(lt(N,20),400+(N-10)*80,1200+(N-20)*20))'`,
    '-fps_mode', 'passthrough', '-enc_time_base:v', '1/1000', '-c:v', 'libx265', '-x265-params', 'log-level=error', '-pix_fmt', 'yuv420p',
  ]);
});
afterAll(() => {
  project.close();
  tmp.cleanup();
});

function frames(mediaId: number): { id: number; idx: number; face: string; split: string }[] {
  return project.db.prepare('SELECT id, idx, face, split FROM frames WHERE media_id = ? ORDER BY idx').all(mediaId) as never;
}

describe('importVideoMedia', () => {
  it('stores a playable video as is: media row, every timestamp, one frame row per frame', async () => {
    const r = await importVideoMedia(project, datasetId, file('ntsc.mp4'), { split: 'val', subject: 's1' });
    expect(r).toMatchObject({ frameCount: 48, proxyPath: null, created: true });
    const m = project.db.prepare('SELECT * FROM media WHERE id = ?').get(r.mediaId) as Record<string, unknown>;
    expect(m).toMatchObject({ name: 'ntsc', kind: 'video', codec: 'h264', fps_rational: '24000/1001', width: W, height: H, frame_count: 48, proxy_path: null, pts_offset: 0 });
    expect(m.path).toBe(file('ntsc.mp4')); // outside the project: absolute
    const ts = timestampsFromBlob(m.timestamps as Buffer) as Float64Array;
    expect(Array.from(ts)).toEqual(Array.from(r.probe.timestamps));
    expect(ts[47]).toBeCloseTo((47 * 1001) / 24000, 12);
    const rows = frames(r.mediaId);
    expect(rows.map((f) => f.idx)).toEqual(range(48));
    expect(new Set(rows.map((f) => `${f.face}/${f.split}`))).toEqual(new Set(['unknown/val']));
  });

  it('is idempotent: re-importing updates the same media and keeps frame ids, with no duplicates', async () => {
    const first = frames((await importVideoMedia(project, datasetId, file('ntsc.mp4'))).mediaId);
    project.db.prepare(`UPDATE frames SET face = 'ok' WHERE id = ?`).run(first[5].id);
    const again = await importVideoMedia(project, datasetId, file('ntsc.mp4'));
    expect(again.created).toBe(false);
    const rows = frames(again.mediaId);
    expect(rows.map((f) => f.id)).toEqual(first.map((f) => f.id));
    expect(rows[5].face).toBe('ok'); // same frames: face results kept
    expect(rows[0].split).toBe('val'); // split not given: kept
    expect(project.db.prepare('SELECT COUNT(*) FROM media WHERE name = ?').pluck().get('ntsc')).toBe(1);
    // A different file under the same name: frames follow it, face results reset.
    const shorter = file('ntsc-short.mp4');
    encodeFrames(shorter, codedFrames(20, W, H), W, H, '24000/1001', H264);
    const replaced = await importVideoMedia(project, datasetId, shorter, { name: 'ntsc', split: 'test' });
    expect(replaced.mediaId).toBe(again.mediaId);
    const now = frames(replaced.mediaId);
    expect(now.map((f) => f.idx)).toEqual(range(20));
    expect(now.map((f) => f.id)).toEqual(first.slice(0, 20).map((f) => f.id));
    expect(new Set(now.map((f) => `${f.face}/${f.split}`))).toEqual(new Set(['unknown/test']));
  });

  it('stores paths inside the project relative to it', async () => {
    const inside = project.path('media', 'inside.mp4');
    fs.copyFileSync(file('ntsc.mp4'), inside);
    const r = await importVideoMedia(project, datasetId, inside);
    expect(project.db.prepare('SELECT path FROM media WHERE id = ?').pluck().get(r.mediaId)).toBe('media/inside.mp4');
  });

  for (const [name, frameCount] of [['hevc.mp4', 40], ['mjpeg.avi', 30], ['vfr-hevc.mkv', 30]] as const) {
    it(`makes an H.264 proxy for ${name} with the same frames at the same timestamps, original untouched`, async () => {
      const before = sha(file(name));
      const original = await probeVideo(file(name));
      expect(isChromiumPlayable(original)).toBe(false);
      const events: MediaProgress[] = [];
      const r = await importVideoMedia(project, datasetId, file(name), { onProgress: (p) => events.push(p) });
      expect(r.frameCount).toBe(frameCount);
      expect(r.proxyPath).toMatch(/media\/proxies\/.+\.mp4$/);
      expect(sha(file(name))).toBe(before);
      const proxy = await probeVideo(r.proxyPath as string);
      expect(proxy).toMatchObject({ codec: 'h264', pixFmt: 'yuv420p', frameCount });
      expect(isChromiumPlayable(proxy)).toBe(true);
      expect(compareTimelines(original, proxy)).toBeNull();
      for (let i = 0; i < frameCount; i++) expect(Math.abs(proxy.timestamps[i] - original.timestamps[i])).toBeLessThan(1e-6);
      expect(await decodedIndices(r.proxyPath as string, W, H)).toEqual(range(frameCount));
      const m = project.db.prepare('SELECT proxy_path, pts_offset FROM media WHERE id = ?').get(r.mediaId) as { proxy_path: string; pts_offset: number };
      expect(path.join(project.dir, m.proxy_path)).toBe(r.proxyPath);
      expect(m.pts_offset).toBeCloseTo(proxy.startTime, 9);
      const proxyEvents = events.filter((e) => e.stage === 'proxy');
      expect(proxyEvents.length).toBeGreaterThan(1);
      expect(proxyEvents.at(-1)).toEqual({ stage: 'proxy', done: frameCount, total: frameCount });
      // Importing again reuses the verified proxy.
      const mtime = fs.statSync(r.proxyPath as string).mtimeMs;
      const again = await importVideoMedia(project, datasetId, file(name));
      expect(again.proxyPath).toBe(r.proxyPath);
      expect(fs.statSync(r.proxyPath as string).mtimeMs).toBe(mtime);
    });
  }

  it('makes a VP9/WebM proxy on request (timestamps within WebM\'s half millisecond)', async () => {
    const original = await probeVideo(file('hevc.mp4'));
    const r = await importVideoMedia(project, datasetId, file('hevc.mp4'), { name: 'hevc-vp9', proxyCodec: 'vp9' });
    expect(r.proxyPath).toMatch(/\.webm$/);
    const proxy = await probeVideo(r.proxyPath as string);
    expect(proxy).toMatchObject({ codec: 'vp9', frameCount: 40 });
    expect(isChromiumPlayable(proxy)).toBe(true);
    for (let i = 0; i < 40; i++) expect(Math.abs(proxy.timestamps[i] - original.timestamps[i])).toBeLessThanOrEqual(0.0005 + 1e-9);
    expect(await decodedIndices(r.proxyPath as string, W, H)).toEqual(range(40));
  });

  it('registers first and makes the proxy later (ensureProxy), as importers inside a transaction need', async () => {
    const r = await importVideoMedia(project, datasetId, file('mjpeg.avi'), { name: 'later', proxy: 'never' });
    expect(r.proxyPath).toBeNull();
    expect(project.db.prepare('SELECT proxy_path FROM media WHERE id = ?').pluck().get(r.mediaId)).toBeNull();
    const made = await ensureProxy(project, r.mediaId);
    expect(made).toMatch(/media\/proxies\/later-.+\.mp4$/);
    expect(project.db.prepare('SELECT proxy_path FROM media WHERE id = ?').pluck().get(r.mediaId)).toBe(path.relative(project.dir, made as string));
    expect(await decodedIndices(made as string, W, H)).toEqual(range(30));
    const playable = await importVideoMedia(project, datasetId, file('ntsc.mp4'), { name: 'plays' });
    expect(await ensureProxy(project, playable.mediaId)).toBeNull();
  });

  it('decides playability from container, codec and pixel format', async () => {
    const p = await probeVideo(file('ntsc.mp4'));
    expect(isChromiumPlayable(p)).toBe(true);
    expect(isChromiumPlayable({ ...p, codec: 'hevc' })).toBe(false);
    expect(isChromiumPlayable({ ...p, pixFmt: 'yuv422p' })).toBe(false);
    expect(isChromiumPlayable({ ...p, container: 'avi' })).toBe(false);
    expect(isChromiumPlayable({ ...p, container: 'matroska,webm', codec: 'vp9', pixFmt: 'yuv420p10le' })).toBe(true);
  });

  it('rejects a missing file and an unknown dataset without writing anything', async () => {
    const before = project.db.prepare('SELECT COUNT(*) FROM media').pluck().get();
    await expect(importVideoMedia(project, datasetId, file('missing.mp4'))).rejects.toThrow(/missing\.mp4/);
    await expect(importVideoMedia(project, 9999, file('ntsc.mp4'))).rejects.toThrow(/dataset/);
    expect(project.db.prepare('SELECT COUNT(*) FROM media').pluck().get()).toBe(before);
  });
});
