// Face threads (src/node/media/face-threads.ts): the face pipeline's to-do frames cut into
// segments, each run in a worker thread of its own with the real models, the job's thread storing
// their batches. Exactly what one thread stores with the same segments; stops, cancels, a failing
// thread, threads that cannot start and a killed process all leave whole batches done. (The faces
// job in face threads, its log line included, is tests/pack/install.test.ts's, on the installed package.)
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configureThreadEntry } from '../../src/base/threads';
import { loadFaceModels, type FaceModels } from '../../src/node/media/faceapi';
import { FaceThreads } from '../../src/node/media/face-threads';
import { FaceThreadsSession, runFacePipeline } from '../../src/node/media/faces';
import { importVideoMedia } from '../../src/node/media/video';
import { openCropCache } from '../../src/node/store/crop-cache';
import { Project } from '../../src/node/store/project';
import { useSourceThreads } from '../../src/worker/dev-threads';
import { killWhenSaid, tempDir } from './helpers';
import { blankFrames, encodeFrames, faceFrames, H264 } from './media-fixtures';

const W = 256;
const H = 192;
const FACE = 24;
const BLANK = 8;
const N = FACE + BLANK;
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
let tmp: { dir: string; cleanup: () => void };
let clip: string;
let models: FaceModels;
/** Two face threads shared by the runs below, as the faces job shares them over its media items. */
let session: FaceThreadsSession;

/** A fresh project holding the clip. */
async function projectWithClip(name: string, file = clip): Promise<{ project: Project; mediaId: number }> {
  const project = Project.create(path.join(tmp.dir, name));
  const ds = Number(project.db.prepare(`INSERT INTO datasets (name, source_format, created_at) VALUES ('v', 'video', 'now')`).run().lastInsertRowid);
  return { project, mediaId: (await importVideoMedia(project, ds, file)).mediaId };
}

const statuses = (p: Project, mediaId: number) => p.db.prepare('SELECT face FROM frames WHERE media_id = ? ORDER BY idx').pluck().all(mediaId) as string[];
const facesRows = (p: Project, mediaId: number) =>
  p.db.prepare('SELECT f.idx, x, y, w, h, score, detector, hex(landmarks) AS lm FROM faces JOIN frames f ON f.id = faces.frame_id WHERE f.media_id = ? ORDER BY f.idx').all(mediaId);
const expected = [...Array(FACE).fill('ok'), ...Array(BLANK).fill('none')];

async function cropsOf(p: Project, mediaId: number): Promise<string[]> {
  const ids = p.db.prepare('SELECT id FROM frames WHERE media_id = ? ORDER BY idx').pluck().all(mediaId) as number[];
  const cache = openCropCache(p.dir);
  try {
    return await Promise.all(ids.map(async (id) => Buffer.from((await cache.getCrop(id)) ?? new Uint8Array(0)).toString('base64')));
  } finally {
    cache.close();
  }
}

beforeAll(async () => {
  tmp = tempDir('aw-face-threads-');
  clip = path.join(tmp.dir, 'face-then-blank.mp4');
  encodeFrames(clip, [...(await faceFrames(FACE, W, H)), ...blankFrames(BLANK, W, H)], W, H, '24000/1001', H264);
  models = await loadFaceModels();
  session = new FaceThreadsSession(2);
});
afterAll(async () => {
  await session.close();
  tmp.cleanup();
});

describe('face threads', () => {
  it('two threads store exactly what one thread stores with the same two segments: rows, landmarks, crops', async () => {
    const a = await projectWithClip('threads');
    const started: { threads: number; backend: string }[] = [];
    const progress: number[] = [];
    const r = await runFacePipeline(a.project, a.mediaId, { session, minFramesPerThread: 8, batchSize: 8, onStart: (s) => started.push(s), onProgress: (d) => progress.push(d) });
    expect(r).toMatchObject({ threads: 2, total: N, processed: N, ok: FACE, none: BLANK, complete: true });
    expect(started).toHaveLength(1);
    expect(started[0].threads).toBe(2);
    expect(started[0].backend).toMatch(/^wasm/);
    expect(progress).toEqual([0, 8, 16, 24, 32]); // 4 batches of 8, committed one at a time
    expect(statuses(a.project, a.mediaId)).toEqual(expected);

    const b = await projectWithClip('one-thread');
    const one = await runFacePipeline(b.project, b.mediaId, { models, segments: 2, batchSize: 8 });
    expect(one.threads).toBe(1);
    expect(r.detectorRuns).toEqual(one.detectorRuns);
    expect(r.detectorRuns?.ssd).toBeGreaterThanOrEqual(2); // each segment starts with SSD
    const rowsA = facesRows(a.project, a.mediaId);
    expect(rowsA).toHaveLength(FACE);
    expect(rowsA).toEqual(facesRows(b.project, b.mediaId));
    expect(await cropsOf(a.project, a.mediaId)).toEqual(await cropsOf(b.project, b.mediaId));
    a.project.close();
    b.project.close();
  });

  it('a stop after one batch leaves one whole batch done, and a rerun on the same session (new threads) finishes the rest', async () => {
    const { project, mediaId } = await projectWithClip('stop');
    const first = await runFacePipeline(project, mediaId, { session, minFramesPerThread: 8, batchSize: 8, maxBatches: 1 });
    expect(first).toMatchObject({ threads: 2, processed: 8, complete: false });
    const done = statuses(project, mediaId).filter((s) => s !== 'unknown');
    expect(done).toHaveLength(8);
    const rest = await runFacePipeline(project, mediaId, { session, minFramesPerThread: 8, batchSize: 8 });
    expect(rest).toMatchObject({ threads: 2, skipped: 8, processed: N - 8, complete: true });
    expect(statuses(project, mediaId)).toEqual(expected);
    project.close();
  });

  it("a cancel (the checkpoint throwing) ends the run with the cancel's error; the batches committed before it stay", async () => {
    const { project, mediaId } = await projectWithClip('cancel');
    let checks = 0;
    const cancelled = new Error('cancelled by the user');
    const run = runFacePipeline(project, mediaId, {
      session,
      minFramesPerThread: 8,
      batchSize: 8,
      checkpoint: async () => {
        if (++checks === 2) throw cancelled;
      },
    });
    await expect(run).rejects.toBe(cancelled);
    expect(statuses(project, mediaId).filter((s) => s !== 'unknown')).toHaveLength(16);
    // Nothing was left running: a rerun finishes (in this thread; the stop test above reruns on the session).
    expect(await runFacePipeline(project, mediaId, { models, batchSize: 8 })).toMatchObject({ skipped: 16, complete: true });
    project.close();
  });

  it("a thread's failure ends its segment with an error naming the file", async () => {
    const pool = await FaceThreads.start(1, 'wasm');
    try {
      const missing = path.join(tmp.dir, 'gone.mp4');
      const seg = pool.segment(0, { kind: 'video', file: missing, width: W, height: H, streamIndex: undefined }, [{ id: 1, idx: 0, path: null }], { mode: 'detect', batchSize: 8 }, () => {});
      await expect(seg).rejects.toThrow(/gone\.mp4/);
    } finally {
      await pool.close();
    }
  });

  it('threads that cannot start leave the run in its own thread, saying why', async () => {
    const { project, mediaId } = await projectWithClip('no-threads');
    configureThreadEntry('face-thread', { code: `throw new Error('no engine here')` });
    try {
      const notes: (string | undefined)[] = [];
      const r = await runFacePipeline(project, mediaId, { threads: 2, minFramesPerThread: 8, batchSize: 8, maxBatches: 1, onStart: (s) => notes.push(s.note) });
      expect(r).toMatchObject({ threads: 1, processed: 8 });
      expect(notes).toHaveLength(1);
      expect(notes[0]).toMatch(/face threads did not start \(.*no engine here.*\); running in this thread/);
    } finally {
      useSourceThreads();
      project.close();
    }
  });

  it('a process killed while its face threads run leaves whole batches; the rerun finishes', async () => {
    const { project, mediaId } = await projectWithClip('kill');
    const code = `
      import { useSourceThreads } from ${JSON.stringify(path.join(root, 'src/worker/dev-threads.ts'))};
      import { Project } from ${JSON.stringify(path.join(root, 'src/node/store/project.ts'))};
      import { runFacePipeline } from ${JSON.stringify(path.join(root, 'src/node/media/faces.ts'))};
      useSourceThreads();
      const p = Project.open(${JSON.stringify(project.dir)});
      // After a commit the job's thread stalls (its threads go on), so the kill lands before the end.
      const stall = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
      const r = await runFacePipeline(p, ${mediaId}, { threads: 2, minFramesPerThread: 8, batchSize: 4, onProgress: (d) => {
        if (d > 0) { process.stdout.write('committed ' + d + '\\n'); stall(30000); }
      } });
      process.stdout.write('finished ' + r.threads + '\\n');
    `;
    const { out, err } = await killWhenSaid(code, 'committed');
    expect(err).not.toMatch(/Error/);
    expect(out).toContain('committed 4');
    expect(out).not.toContain('finished');
    expect(statuses(project, mediaId).filter((s) => s !== 'unknown')).toHaveLength(4);
    const rest = await runFacePipeline(project, mediaId, { session, minFramesPerThread: 8, batchSize: 8 });
    expect(rest).toMatchObject({ threads: 2, skipped: 4, processed: N - 4, complete: true });
    expect(statuses(project, mediaId)).toEqual(expected);
    project.close();
  });
});
