import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runImport } from '../../src/node/importers/index';
import { registerVideoFromProbe, type VideoProbe } from '../../src/node/importers/media-port';
import { openCropCache } from '../../src/node/store/crop-cache';
import { frameCrop } from '../../src/node/store/frame-crop';
import sharp from 'sharp';
import { auSet, count, dump, dumpContent, fakePort, fixture, frames, labels, type Fixture } from './import-helpers';

const AU8 = 'AU1,AU2,AU4,AU6,AU12,AU15,AU20,AU25';
const EXPR = 'Neutral,Anger,Disgust,Fear,Happiness,Sadness,Surprise';
const PAPER_AUS = auSet(1, 2, 4, 6, 12, 15, 20, 25);

let fx: Fixture;
afterEach(() => fx?.cleanup());

/** ABAW layout: v1 (3 frames) AU+VA in Train_Set, v2 (4 frames) EXPR in Validation_Set. */
function abaw(f: Fixture): void {
  f.write('ann/AU_Set/Train_Set/v1.txt', `${AU8}\n1,0,0,0,1,0,0,1\n-1,-1,-1,-1,-1,-1,-1,-1\n0,0,0,0,0,0,0,0\n`);
  f.write('ann/VA_Set/Train_Set/v1.txt', 'valence,arousal\n0.5,-0.25\n-5,-5\n1,-1\n');
  f.write('ann/EXPR_Set/Validation_Set/v2.txt', `${EXPR}\n4\n-1\n6\n0\n`);
  f.write('videos/v1.mp4', 'frames=3');
  f.write('videos/v2.avi', 'frames=4');
}

const imp = (f: Fixture, opts: Record<string, unknown> = {}, sources = [f.path('ann')]) =>
  runImport(f.project, 'affwild2', sources, { videos: f.path('videos'), ...opts }, undefined, { port: fakePort });

describe('affwild2 importer', () => {
  it('imports the ABAW layout: every label value, frame and split as written', async () => {
    fx = fixture();
    abaw(fx);
    const progress: [number, number, string][] = [];
    const s = await runImport(fx.project, 'affwild2', [fx.path('ann')], { videos: fx.path('videos') }, (d, t, st) => progress.push([d, t, st]), {
      port: fakePort,
    });
    expect(labels(fx.project)).toEqual([
      { media: 'v1', idx: 0, task: 'au', au_mask: PAPER_AUS, au_bits: auSet(1, 12, 25), expr: null, valence: null, arousal: null },
      { media: 'v1', idx: 0, task: 'va', au_mask: null, au_bits: null, expr: null, valence: 0.5, arousal: -0.25 },
      { media: 'v1', idx: 2, task: 'au', au_mask: PAPER_AUS, au_bits: 0n, expr: null, valence: null, arousal: null },
      { media: 'v1', idx: 2, task: 'va', au_mask: null, au_bits: null, expr: null, valence: 1, arousal: -1 },
      { media: 'v2', idx: 0, task: 'expr', au_mask: null, au_bits: null, expr: 4n, valence: null, arousal: null },
      { media: 'v2', idx: 2, task: 'expr', au_mask: null, au_bits: null, expr: 6n, valence: null, arousal: null },
      { media: 'v2', idx: 3, task: 'expr', au_mask: null, au_bits: null, expr: 0n, valence: null, arousal: null },
    ]);
    const fr = frames(fx.project);
    expect(fr.map((f) => `${f.media}:${f.idx}:${f.split}`)).toEqual(['v1:0:train', 'v1:1:train', 'v1:2:train', 'v2:0:val', 'v2:1:val', 'v2:2:val', 'v2:3:val']);
    expect(s).toMatchObject({ rowsRead: 10, media: 2, frames: 7, framesCreated: 7, labels: { au: 2, expr: 3, va: 2 }, splits: { train: 3, val: 4 } });
    const ds = fx.project.db.prepare('SELECT name, source_format, settings FROM datasets').get() as { name: string; source_format: string; settings: string };
    expect(ds.name).toBe('affwild2');
    expect(ds.source_format).toBe('affwild2');
    expect(JSON.parse(ds.settings)).toMatchObject({ downsample: { au: 1, expr: 10, va: 5 }, layout: 'abaw', media: 'videos', lengthMismatch: 'error' });
    const media = fx.project.db.prepare('SELECT name, kind, frame_count, fps_rational FROM media ORDER BY name').all();
    expect(media).toEqual([
      { name: 'v1', kind: 'video', frame_count: 3, fps_rational: '30000/1001' },
      { name: 'v2', kind: 'video', frame_count: 4, fps_rational: '30000/1001' },
    ]);
    expect(progress.at(-1)).toEqual([1, 1, 'done']);
    expect(progress.some(([, , st]) => st === 'labels')).toBe(true);
  });

  it('stores all 12 AUs of a later-ABAW AU file and maps the EXPR header by name (Other → unlabelled)', async () => {
    fx = fixture();
    fx.write('ann/AU_Set/Train_Set/v1.txt', 'AU1,AU2,AU4,AU6,AU7,AU10,AU12,AU15,AU23,AU24,AU25,AU26\n1,0,0,0,1,1,0,0,0,0,0,1\n');
    fx.write('ann/EXPR_Set/Train_Set/v1.txt', `${EXPR},Other\n7\n5\n`);
    fx.write('videos/v1.mp4', 'frames=2');
    const s = await imp(fx, { allowLengthMismatch: true });
    const au = labels(fx.project, 'au');
    expect(au).toHaveLength(1);
    expect(au[0].au_mask).toBe(auSet(1, 2, 4, 6, 7, 10, 12, 15, 23, 24, 25, 26));
    expect(au[0].au_bits).toBe(auSet(1, 7, 10, 26));
    expect(labels(fx.project, 'expr').map((l) => [l.idx, l.expr])).toEqual([[1, 5n]]);
    expect(s.skipped['expr-other']).toBe(1);
    // AU file has 1 line for a 2-frame video: allowed, reported
    expect(s.warnings.some((w) => w.includes('AU_Set/Train_Set/v1.txt has 1 frame lines but video v1.mp4 has 2 frames'))).toBe(true);
  });

  it('flat layout: split from a manifest (demo.json style), else --split', async () => {
    fx = fixture();
    fx.write('flat/AU_Set/a.txt', `${AU8}\n1,1,1,1,1,1,1,1\n`);
    fx.write('flat/EXPR_Set/b.txt', `${EXPR}\n3\n`);
    fx.write('flat/VA_Set/c.txt', 'valence,arousal\n0,0\n');
    const manifest = fx.write('demo.json', JSON.stringify({ videos: [{ name: 'a', split: 'test' }, { name: 'b', split: 'val' }] }));
    const s = await runImport(fx.project, 'affwild2', [fx.path('flat')], { manifest, split: 'val' });
    expect(frames(fx.project).map((f) => `${f.media}:${f.split}:${f.face}`)).toEqual(['a:test:unknown', 'b:val:unknown', 'c:val:unknown']);
    expect(s.warnings.some((w) => w.includes('"c" is not in the manifest'))).toBe(true);
    const media = fx.project.db.prepare('SELECT name, kind, frame_count FROM media ORDER BY name').all();
    expect(media).toEqual([
      { name: 'a', kind: 'sequence', frame_count: 1 },
      { name: 'b', kind: 'sequence', frame_count: 1 },
      { name: 'c', kind: 'sequence', frame_count: 1 },
    ]);
  });

  it('cropped_aligned frames: missing images mark frames face=none, never drop them', async () => {
    fx = fixture();
    fx.write('ann/EXPR_Set/Train_Set/v1.txt', `${EXPR}\n1\n2\n3\n4\n5\n`);
    for (const n of ['00001.jpg', '00002.jpg', '00004.jpg']) fx.write(`cropped_aligned/v1/${n}`, 'x');
    const s = await runImport(fx.project, 'affwild2', [fx.path('ann')], { frames: fx.path('cropped_aligned') });
    expect(frames(fx.project).map((f) => [f.idx, f.face, f.path])).toEqual([
      [0, 'ok', '00001.jpg'],
      [1, 'ok', '00002.jpg'],
      [2, 'none', null],
      [3, 'ok', '00004.jpg'],
      [4, 'none', null],
    ]);
    expect(labels(fx.project, 'expr').map((l) => Number(l.expr))).toEqual([1, 2, 3, 4, 5]);
    expect(s.frames).toBe(5);
    const m = fx.project.db.prepare('SELECT kind, frame_count, path FROM media').get() as { kind: string; frame_count: number; path: string };
    expect(m.kind).toBe('sequence');
    expect(m.frame_count).toBe(5);
    expect(path.resolve(fx.project.dir, m.path)).toBe(fx.path('cropped_aligned', 'v1'));

    // re-import after an image disappeared and one appeared beyond the last label line
    fs.rmSync(fx.path('cropped_aligned/v1/00002.jpg'));
    fx.write('cropped_aligned/v1/00007.jpg', 'x');
    await expect(runImport(fx.project, 'affwild2', [fx.path('ann')], { frames: fx.path('cropped_aligned') })).rejects.toThrow(
      'EXPR_Set/Train_Set/v1.txt: frames folder v1 has images up to frame 7 but the annotation files of "v1" have 5 frame lines',
    );
    await runImport(fx.project, 'affwild2', [fx.path('ann')], { frames: fx.path('cropped_aligned'), allowLengthMismatch: true });
    expect(frames(fx.project).map((f) => [f.idx, f.face, f.path])).toEqual([
      [0, 'ok', '00001.jpg'],
      [1, 'none', null],
      [2, 'none', null],
      [3, 'ok', '00004.jpg'],
      [4, 'none', null],
      [5, 'none', null],
      [6, 'ok', '00007.jpg'],
    ]);
    expect(labels(fx.project, 'expr').map((l) => Number(l.expr))).toEqual([1, 2, 3, 4, 5]);
  });

  it('frameCrop reads an aligned sequence frame from its image (not copied into the cache); none for face=none', async () => {
    fx = fixture();
    fx.write('ann/EXPR_Set/Train_Set/v1.txt', `${EXPR}\n1\n2\n`);
    fs.mkdirSync(fx.path('cropped_aligned/v1'), { recursive: true });
    await sharp({ create: { width: 112, height: 112, channels: 3, background: { r: 200, g: 100, b: 50 } } }).jpeg({ quality: 95 }).toFile(fx.path('cropped_aligned/v1/00001.jpg'));
    await runImport(fx.project, 'affwild2', [fx.path('ann')], { frames: fx.path('cropped_aligned') });
    const ids = fx.project.db.prepare('SELECT id FROM frames ORDER BY idx').pluck().all() as number[];
    const cache = openCropCache(fx.project.dir);
    try {
      expect(cache.count()).toBe(0);
      const rgb = (await frameCrop(fx.project, cache, ids[0]))!;
      expect(rgb.length).toBe(112 * 112 * 3);
      expect(Array.from(rgb.slice(0, 3)).map((v, i) => Math.abs(v - [200, 100, 50][i]) <= 4)).toEqual([true, true, true]);
      expect(await frameCrop(fx.project, cache, ids[1])).toBeNull(); // 00002.jpg missing: no face
    } finally {
      cache.close();
    }
  });

  it('a label file longer or shorter than its video fails naming file and counts, or is truncated/padded when allowed', async () => {
    fx = fixture();
    fx.write('ann/EXPR_Set/Train_Set/v1.txt', `${EXPR}\n1\n2\n3\n4\n5\n`);
    fx.write('videos/v1.mp4', 'frames=3');
    const before = dump(fx.project);
    await expect(imp(fx)).rejects.toThrow('EXPR_Set/Train_Set/v1.txt: has 5 frame lines but video v1.mp4 has 3 frames');
    expect(dump(fx.project)).toBe(before);
    const s = await imp(fx, { allowLengthMismatch: true });
    expect(labels(fx.project, 'expr').map((l) => [l.idx, Number(l.expr)])).toEqual([[0, 1], [1, 2], [2, 3]]);
    expect(s.skipped['beyond-last-frame']).toBe(2);
    expect(s.frames).toBe(3);

    fx.write('ann/EXPR_Set/Train_Set/v1.txt', `${EXPR}\n1\n`);
    await expect(imp(fx)).rejects.toThrow('has 1 frame lines but video v1.mp4 has 3 frames');
    const s2 = await imp(fx, { allowLengthMismatch: true });
    expect(labels(fx.project, 'expr').map((l) => [l.idx, Number(l.expr)])).toEqual([[0, 1]]);
    expect(s2.frames).toBe(3);
  });

  it('a video in different splits for different tasks goes to the most held-out one', async () => {
    fx = fixture();
    fx.write('ann/AU_Set/Train_Set/v1.txt', `${AU8}\n1,0,0,0,0,0,0,0\n`);
    fx.write('ann/VA_Set/Validation_Set/v1.txt', 'valence,arousal\n0.1,0.2\n');
    fx.write('videos/v1.mp4', 'frames=1');
    const s = await imp(fx);
    expect(frames(fx.project).map((f) => f.split)).toEqual(['val']);
    expect(s.warnings.some((w) => w.includes('video "v1" is in train and val sets'))).toBe(true);
  });

  it('re-importing is idempotent and keeps frame ids (human labels survive)', async () => {
    fx = fixture();
    abaw(fx);
    await imp(fx);
    const frameId = fx.project.db.prepare(`SELECT f.id FROM frames f JOIN media m ON m.id = f.media_id WHERE m.name = 'v2' AND f.idx = 1`).pluck().get();
    fx.project.db
      .prepare(`INSERT INTO labels(frame_id, task, layer, expr, provenance, updated_at) VALUES (?, 'expr', 'human', 2, 'human', 'now')`)
      .run(frameId);
    const first = dumpContent(fx.project);
    const s = await imp(fx);
    expect(dumpContent(fx.project)).toBe(first);
    expect(s.framesCreated).toBe(0);
    expect(count(fx.project, 'labels')).toBe(8);

    // a changed source replaces the imported layer only
    fx.write('ann/EXPR_Set/Validation_Set/v2.txt', `${EXPR}\n-1\n-1\n-1\n1\n`);
    await imp(fx);
    expect(labels(fx.project, 'expr').map((l) => [l.idx, Number(l.expr)])).toEqual([[3, 1]]);
    expect(fx.project.db.prepare(`SELECT expr FROM labels WHERE layer = 'human'`).pluck().get()).toBe(2);
  });

  describe('bad input: the error names file, line and expectation; the project is unchanged', () => {
    const cases: [string, string, string, string][] = [
      ['AU_Set/Train_Set/v1.txt', `${AU8}\n1,0,0,0,1,0,0,1\n1,0,0,0,1,0,0\n0,0,0,0,0,0,0,0\n`, 'wrong column count', 'AU_Set/Train_Set/v1.txt line 3: expected 8 comma-separated values, each 0, 1 or -1 (no label), got "1,0,0,0,1,0,0"'],
      ['AU_Set/Train_Set/v1.txt', `${AU8}\n1,0,0,0,2,0,0,1\n0,0,0,0,0,0,0,0\n0,0,0,0,0,0,0,0\n`, 'AU value out of range', 'AU_Set/Train_Set/v1.txt line 2: expected 8 comma-separated values, each 0, 1 or -1 (no label), got "1,0,0,0,2,0,0,1"'],
      ['EXPR_Set/Validation_Set/v2.txt', `${EXPR}\n4\n4\n4\n4\n4\n4\n4\n4\n4\n4\n4\n4\n4\n4\n4\n9\n`, 'EXPR out of range', 'EXPR_Set/Validation_Set/v2.txt line 17: expected one integer in -1..6, got "9"'],
      ['EXPR_Set/Validation_Set/v2.txt', `${EXPR}\nhappy\n1\n1\n1\n`, 'EXPR not a number', 'EXPR_Set/Validation_Set/v2.txt line 2: expected one integer in -1..6, got "happy"'],
      ['VA_Set/Train_Set/v1.txt', 'valence,arousal\n0.5,1.5\n0,0\n0,0\n', 'VA out of range', 'VA_Set/Train_Set/v1.txt line 2: expected two comma-separated numbers in -1..1 (or -5,-5 for no label), got "0.5,1.5"'],
      ['VA_Set/Train_Set/v1.txt', 'valence,arousal\n0.5\n0,0\n0,0\n', 'VA one column', 'VA_Set/Train_Set/v1.txt line 2: expected two comma-separated numbers'],
      ['VA_Set/Train_Set/v1.txt', '0.5,0.5\n0,0\n0,0\n', 'missing header', 'VA_Set/Train_Set/v1.txt line 1: expected a header line "valence,arousal", got "0.5,0.5"'],
      ['EXPR_Set/Validation_Set/v2.txt', `${EXPR}\n1\n\n1\n1\n`, 'empty line (a missing frame) mid-file', 'EXPR_Set/Validation_Set/v2.txt line 3: expected one integer in -1..6 (empty lines are allowed only at the end), got ""'],
      ['EXPR_Set/Validation_Set/v2.txt', 'Neutral,Anger,Contempt\n1\n1\n1\n1\n', 'unknown expression in the header', 'EXPR_Set/Validation_Set/v2.txt line 1: expected a header line of expression names'],
      ['EXPR_Set/Validation_Set/v2.txt', '', 'empty file', 'EXPR_Set/Validation_Set/v2.txt: expected a header line of expression names'],
    ];
    for (const [rel, text, what, message] of cases) {
      it(what, async () => {
        fx = fixture();
        abaw(fx);
        await imp(fx); // an earlier good import: the failed one must leave it exactly as it was
        const before = dump(fx.project);
        fx.write(`ann/${rel}`, text);
        await expect(imp(fx)).rejects.toThrow(message);
        expect(dump(fx.project)).toBe(before);
      });
    }

    it('a duplicate entry (same video in two split folders of one task)', async () => {
      fx = fixture();
      abaw(fx);
      fx.write('ann/EXPR_Set/Train_Set/v2.txt', `${EXPR}\n1\n1\n1\n1\n`);
      const before = dump(fx.project);
      await expect(imp(fx)).rejects.toThrow('EXPR_Set/Validation_Set/v2.txt: duplicate EXPR annotation of video "v2" (also EXPR_Set/Train_Set/v2.txt)');
      expect(dump(fx.project)).toBe(before);
    });

    it('a missing video fails, or is skipped and reported with --skip-missing', async () => {
      fx = fixture();
      abaw(fx);
      fs.rmSync(fx.path('videos', 'v2.avi'));
      const before = dump(fx.project);
      await expect(imp(fx)).rejects.toThrow(/videos\/v2\{\.mp4,.*is missing/);
      expect(dump(fx.project)).toBe(before);
      const s = await imp(fx, { skipMissing: true });
      expect(s.skipped['missing-media']).toBe(1);
      expect(frames(fx.project).map((f) => f.media)).toEqual(['v1', 'v1', 'v1']);
    });

    it('a file name that is not UTF-8 is skipped and reported, the rest imported', async () => {
      fx = fixture();
      abaw(fx);
      const dir = fx.path('ann', 'EXPR_Set', 'Validation_Set');
      const bad = Buffer.concat([Buffer.from(dir + '/v'), Buffer.from([0xff, 0xfe]), Buffer.from('.txt')]);
      fs.writeFileSync(bad, `${EXPR}\n1\n`);
      const s = await imp(fx);
      expect(s.skipped['non-utf8-name']).toBe(1);
      expect(s.warnings.some((w) => w.includes('EXPR_Set/Validation_Set/v\\xff\\xfe.txt: file name is not valid UTF-8'))).toBe(true);
      expect(s.labels).toEqual({ au: 2, expr: 3, va: 2 });
    });

    it('cancellation rolls everything back', async () => {
      fx = fixture();
      abaw(fx);
      const before = dump(fx.project);
      const ac = new AbortController();
      ac.abort();
      await expect(
        runImport(fx.project, 'affwild2', [fx.path('ann')], { videos: fx.path('videos') }, undefined, { port: fakePort, signal: ac.signal }),
      ).rejects.toThrow('Import cancelled');
      expect(dump(fx.project)).toBe(before);
    });

    it('videos without a wired media port: a clear "not available yet" error', async () => {
      fx = fixture();
      abaw(fx);
      await expect(runImport(fx.project, 'affwild2', [fx.path('ann')], { videos: fx.path('videos') }, undefined, { port: {} })).rejects.toThrow(
        'Video import is not available yet',
      );
      expect(count(fx.project, 'datasets')).toBe(0);
    });
  });

  it('a real H.264 video at 24000/1001 fps: frame count and every timestamp stored through a probe-based port', async () => {
    fx = fixture();
    const video = fx.path('videos', 'real.mp4');
    fs.mkdirSync(path.dirname(video), { recursive: true });
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=size=64x48:rate=24000/1001', '-frames:v', '5', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', video]);
    // a minimal probe (the media module has the real one): packet timestamps in presentation order
    const probe = async (file: string): Promise<VideoProbe> => {
      const j = JSON.parse(
        execFileSync('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=codec_name,width,height,r_frame_rate:packet=pts_time', '-of', 'json', file], { encoding: 'utf8' }),
      ) as { streams: { codec_name: string; width: number; height: number; r_frame_rate: string }[]; packets: { pts_time: string }[] };
      const st = j.streams[0];
      const [num, den] = st.r_frame_rate.split('/').map(Number);
      const timestamps = j.packets.map((p) => Number(p.pts_time)).sort((a, b) => a - b);
      return { codec: st.codec_name, width: st.width, height: st.height, fps: num / den, fpsRational: st.r_frame_rate, duration: timestamps.length * (den / num), timestamps };
    };
    fx.write('ann/VA_Set/Train_Set/real.txt', 'valence,arousal\n0.1,0.1\n0.2,0.2\n0.3,0.3\n0.4,0.4\n0.5,0.5\n');
    const s = await runImport(fx.project, 'affwild2', [fx.path('ann')], { videos: fx.path('videos') }, undefined, { port: { registerVideo: registerVideoFromProbe(probe) } });
    expect(s.labels.va).toBe(5);
    const m = fx.project.db.prepare('SELECT codec, fps_rational, frame_count, width, timestamps FROM media').get() as {
      codec: string;
      fps_rational: string;
      frame_count: number;
      width: number;
      timestamps: Buffer;
    };
    expect(m).toMatchObject({ codec: 'h264', fps_rational: '24000/1001', frame_count: 5, width: 64 });
    const ts = Array.from({ length: 5 }, (_, i) => m.timestamps.readDoubleLE(i * 8));
    ts.forEach((t, i) => expect(t).toBeCloseTo((i * 1001) / 24000, 3));
    expect(labels(fx.project, 'va').map((l) => [l.idx, l.valence])).toEqual([[0, 0.1], [1, 0.2], [2, 0.3], [3, 0.4], [4, 0.5]]);
  });

  it('streams a 150,000-line file across read chunks with the right values at both ends', async () => {
    fx = fixture();
    const n = 150_000;
    const v = (i: number) => ((i % 2001) - 1000) / 1000;
    const lines = Array.from({ length: n }, (_, i) => `${v(i).toFixed(3)},${(-v(i)).toFixed(3)}`);
    const file = fx.write('big/VA_Set/big.txt', `valence,arousal\r\n${lines.join('\r\n')}\r\n`);
    expect(fs.statSync(file).size).toBeGreaterThan(2 * 2 ** 20); // more than two 1 MiB chunks
    const s = await runImport(fx.project, 'affwild2', [fx.path('big')], {});
    expect(s.labels.va).toBe(n);
    const got = fx.project.db
      .prepare(`SELECT f.idx, l.valence, l.arousal FROM labels l JOIN frames f ON f.id = l.frame_id WHERE f.idx IN (0, 1, 74999, 149999) ORDER BY f.idx`)
      .raw()
      .all();
    expect(got).toEqual([0, 1, 74999, 149999].map((i) => [i, Number(v(i).toFixed(3)), Number((-v(i)).toFixed(3))]));
  });
});
