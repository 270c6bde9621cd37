// The face pipeline end to end with the real models and a real face (a clip cut from a sample photo
// that ships in face-api's package) followed by frames without one: face ok/none marked, aligned
// 112×112 crops in the crop cache, and resumable — stopped after a batch, or killed outright.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCropCache } from '../../src/node/store/crop-cache';
import { loadFaceModels, type FaceModels } from '../../src/node/media/faceapi';
import { runFacePipeline } from '../../src/node/media/faces';
import { detectFaceInImage, imageFaceDetector, readRgb } from '../../src/node/media/image-face';
import { importSequenceMedia } from '../../src/node/media/sequence';
import { resetFaces } from '../../src/node/media/store';
import { importVideoMedia } from '../../src/node/media/video';
import { Project } from '../../src/node/store/project';
import { killWhenSaid, tempDir } from './helpers';
import { blankFrames, encodeFrames, faceFrames, H264, samplePhoto } from './media-fixtures';

const W = 256;
const H = 192;
const FACE = 16;
const BLANK = 8;
const N = FACE + BLANK;
let tmp: { dir: string; cleanup: () => void };
let project: Project;
let mediaId: number;
let models: FaceModels;
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

beforeAll(async () => {
  tmp = tempDir('aw-faces-');
  project = Project.create(path.join(tmp.dir, 'project'));
  const ds = Number(project.db.prepare(`INSERT INTO datasets (name, source_format, created_at) VALUES ('v', 'video', 'now')`).run().lastInsertRowid);
  const clip = path.join(tmp.dir, 'face-then-blank.mp4');
  encodeFrames(clip, [...(await faceFrames(FACE, W, H)), ...blankFrames(BLANK, W, H)], W, H, '24000/1001', H264);
  mediaId = (await importVideoMedia(project, ds, clip)).mediaId;
  models = await loadFaceModels();
});
afterAll(() => {
  project.close();
  tmp.cleanup();
});

type Status = { id: number; idx: number; face: string };
const statuses = () => project.db.prepare('SELECT id, idx, face FROM frames WHERE media_id = ? ORDER BY idx').all(mediaId) as Status[];
const expectedFaces = [...Array(FACE).fill('ok'), ...Array(BLANK).fill('none')];

function resetAll(): void {
  resetFaces(project.db, mediaId);
  const cache = openCropCache(project.dir);
  cache.deleteCrops(statuses().map((s) => s.id));
  cache.close();
}

describe('runFacePipeline', () => {
  it('marks every frame ok or none and stores aligned 112×112 crops, boxes and landmarks', async () => {
    const progress: number[] = [];
    const tensors = models.tf.memory().numTensors;
    const r = await runFacePipeline(project, mediaId, { models, batchSize: 8, onProgress: (d) => progress.push(d) });
    expect(models.tf.memory().numTensors).toBe(tensors); // no tensor leaks per frame
    expect(r).toMatchObject({ total: N, skipped: 0, processed: N, ok: FACE, none: BLANK, complete: true });
    expect(progress).toEqual([0, 8, 16, 24]);
    expect(statuses().map((s) => s.face)).toEqual(expectedFaces);
    const faces = project.db
      .prepare('SELECT f.idx, x, y, w, h, score, detector, landmarks FROM faces JOIN frames f ON f.id = faces.frame_id WHERE f.media_id = ? ORDER BY f.idx')
      .all(mediaId) as { idx: number; x: number; y: number; w: number; h: number; score: number; detector: string; landmarks: Buffer }[];
    expect(faces.map((f) => f.idx)).toEqual([...Array(FACE).keys()]);
    expect(faces[0].detector).toBe('ssd');
    expect(faces.filter((f) => f.detector === 'tiny').length).toBeGreaterThan(FACE / 2); // tracked, not re-detected
    for (const f of faces) {
      // The face sits at about (94 − idx, 70) with size 66×89 in the clip (media-fixtures.ts).
      expect(Math.abs(f.x + f.w / 2 - (127 - f.idx))).toBeLessThan(15);
      expect(Math.abs(f.y + f.h / 2 - 115)).toBeLessThan(20);
      expect(f.score).toBeGreaterThan(0.4);
      const lm = new Float32Array(f.landmarks.buffer.slice(f.landmarks.byteOffset, f.landmarks.byteOffset + f.landmarks.byteLength));
      expect(lm.length).toBe(136);
      // Eyes (36–47) above the mouth (48–67), all inside a margin around the box.
      const meanY = (a: number, b: number) => lm.filter((_, k) => k % 2 === 1 && k >= 2 * a && k <= 2 * b + 1).reduce((s, v) => s + v, 0) / (b - a + 1);
      expect(meanY(36, 47)).toBeLessThan(meanY(48, 67) - 15);
      for (let k = 0; k < 136; k += 2) {
        expect(lm[k]).toBeGreaterThan(f.x - 0.3 * f.w);
        expect(lm[k]).toBeLessThan(f.x + 1.3 * f.w);
      }
    }
    const cache = openCropCache(project.dir);
    const rows = statuses();
    const crops = await Promise.all(rows.map((s) => cache.getCrop(s.id)));
    cache.close();
    expect(crops.map((c) => (c ? c.length : 0))).toEqual(expectedFaces.map((f) => (f === 'ok' ? 112 * 112 * 3 : 0)));
    // Alignment cancels the drift of the face through the clip: first and last crops nearly agree.
    const a = crops[0] as Uint8Array;
    const b = crops[FACE - 1] as Uint8Array;
    let mad = 0;
    for (let i = 0; i < a.length; i++) mad += Math.abs(a[i] - b[i]);
    expect(mad / a.length).toBeLessThan(12);
  });

  it('resumes after stopping mid-way without redoing committed frames', async () => {
    resetAll();
    const first = await runFacePipeline(project, mediaId, { models, batchSize: 8, maxBatches: 1 });
    expect(first).toMatchObject({ processed: 8, complete: false });
    expect(statuses().map((s) => s.face)).toEqual([...Array(8).fill('ok'), ...Array(N - 8).fill('unknown')]);
    const rest = await runFacePipeline(project, mediaId, { models, batchSize: 8 });
    expect(rest).toMatchObject({ skipped: 8, processed: N - 8, ok: FACE - 8, none: BLANK, complete: true });
    expect(statuses().map((s) => s.face)).toEqual(expectedFaces);
    expect(project.db.prepare('SELECT COUNT(*) FROM faces').pluck().get()).toBe(FACE);
    // Nothing left: a third run does nothing.
    expect(await runFacePipeline(project, mediaId, { models })).toMatchObject({ skipped: N, processed: 0, complete: true });
  });

  it('resumes after the process is killed', async () => {
    resetAll();
    const code = `
      import { Project } from ${JSON.stringify(path.join(root, 'src/node/store/project.ts'))};
      import { runFacePipeline } from ${JSON.stringify(path.join(root, 'src/node/media/faces.ts'))};
      const p = Project.open(${JSON.stringify(project.dir)});
      // After the second batch the child stalls, so the kill always lands before it could finish.
      const stall = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
      await runFacePipeline(p, ${mediaId}, { batchSize: 4, onProgress: (d) => {
        if (d > 0) process.stdout.write('committed ' + d + '\\n');
        if (d >= 8) stall(30000);
      } });
      process.stdout.write('finished\\n');
    `;
    const { out, err } = await killWhenSaid(code, 'committed');
    expect(err).not.toMatch(/Error/);
    expect(out).not.toContain('finished');
    const done = statuses().filter((s) => s.face !== 'unknown').length;
    expect([4, 8]).toContain(done); // killed during the second batch or just after it: whole batches only
    const rest = await runFacePipeline(project, mediaId, { models });
    expect(rest).toMatchObject({ skipped: done, processed: N - done, complete: true });
    expect(statuses().map((s) => s.face)).toEqual(expectedFaces);
  });

  it("takes images that are already aligned faces as crops in 'aligned' mode", async () => {
    const ds = Number(project.db.prepare(`INSERT INTO datasets (name, source_format, created_at) VALUES ('aligned', 'affwild2', 'now')`).run().lastInsertRowid);
    const folder = path.join(tmp.dir, 'cropped_aligned', 'v1');
    fs.mkdirSync(folder, { recursive: true });
    await sharp(samplePhoto(3)).resize(224, 224).toFile(path.join(folder, '00001.jpg'));
    await sharp(samplePhoto(3)).resize(100, 100).greyscale().toFile(path.join(folder, '00003.jpg'));
    const seq = await importSequenceMedia(project, ds, folder);
    const r = await runFacePipeline(project, seq.mediaId, { mode: 'aligned' });
    expect(r).toMatchObject({ total: 3, skipped: 1, processed: 2, ok: 2, complete: true });
    const rows = project.db.prepare('SELECT id, face FROM frames WHERE media_id = ? ORDER BY idx').all(seq.mediaId) as { id: number; face: string }[];
    expect(rows.map((x) => x.face)).toEqual(['ok', 'none', 'ok']);
    const cache = openCropCache(project.dir);
    const grey = (await cache.getCrop(rows[2].id)) as Uint8Array;
    cache.close();
    expect(grey.length).toBe(112 * 112 * 3);
    expect(grey[300]).toBe(grey[301]); // grey expanded to three equal channels
    expect(project.db.prepare('SELECT detector FROM faces WHERE frame_id = ?').pluck().get(rows[0].id)).toBe('given');
  });
});

describe('face-api and src/ml/backend', () => {
  it('share one TensorFlow.js engine and backend in one process', async () => {
    const { tf } = await import('../../src/ml/backend');
    const faceapi = createRequire(import.meta.url)('@vladmandic/face-api/dist/face-api.node-wasm.js') as { tf: typeof tf };
    expect(faceapi.tf.engine()).toBe(tf.engine());
    expect(faceapi.tf.getBackend()).toBe(tf.getBackend());
    expect(models.tf.engine()).toBe(tf.engine());
    // A tensor made on one side is usable by the other.
    const x = tf.tensor1d([1, 2, 3]);
    expect(Array.from(await faceapi.tf.square(x).data())).toEqual([1, 4, 9]);
    x.dispose();
  });
});

describe('detectFaceInImage', () => {
  it('finds the largest face of a group photo and gives its aligned crop; none in a blank image', async () => {
    const { rgb, width, height } = await readRgb(samplePhoto(1));
    const face = await detectFaceInImage(models, rgb, width, height);
    if (!face) throw new Error('no face found in sample1.jpg');
    expect(face.crop.length).toBe(112 * 112 * 3);
    const t = models.tf.tensor3d(rgb, [height, width, 3], 'int32');
    const dets = await models.ssd(t, 0.5);
    t.dispose();
    expect(dets.length).toBeGreaterThanOrEqual(3);
    expect(face.box.w * face.box.h).toBe(Math.max(...dets.map((d) => d.w * d.h)));
    const blank = new Uint8Array(320 * 240 * 3).fill(128);
    expect(await detectFaceInImage(models, blank, 320, 240)).toBeNull();
    expect((await imageFaceDetector()(samplePhoto(3)))?.length).toBe(112 * 112 * 3);
  });
});
