// The 'faces' worker job: params validation, progress over several media items, cancel between
// batches leaving committed work done (a rerun resumes). 'aligned' mode keeps it model-free and fast.
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FromWorker } from '../../src/node/jobs/protocol';
import { importSequenceMedia } from '../../src/node/media/sequence';
import { Project } from '../../src/node/store/project';
import { CancelledError, JobContext } from '../../src/worker/context';
import { faceJob, parseFaceJobParams } from '../../src/worker/face-job';
import { tempDir } from './helpers';

let tmp: { dir: string; cleanup: () => void };
let projectDir: string;
const ids: number[] = [];

beforeAll(async () => {
  tmp = tempDir('aw-facejob-');
  const project = Project.create(path.join(tmp.dir, 'project'));
  projectDir = project.dir;
  const ds = Number(project.db.prepare(`INSERT INTO datasets (name, source_format, created_at) VALUES ('a', 'affwild2', 'now')`).run().lastInsertRowid);
  for (const [name, n] of [['v1', 5], ['v2', 3]] as const) {
    const folder = path.join(tmp.dir, name);
    fs.mkdirSync(folder);
    for (let i = 1; i <= n; i++) {
      await sharp({ create: { width: 40, height: 40, channels: 3, background: { r: 10 * i, g: 20, b: 30 } } }).jpeg().toFile(path.join(folder, `${String(i).padStart(5, '0')}.jpg`));
    }
    ids.push((await importSequenceMedia(project, ds, folder)).mediaId);
  }
  project.close();
});
afterAll(() => tmp.cleanup());

function context(): { ctx: JobContext; sent: FromWorker[] } {
  const sent: FromWorker[] = [];
  return { ctx: new JobContext(1, projectDir, (m) => sent.push(m)), sent };
}

const faces = () => {
  const p = Project.open(projectDir);
  try {
    return p.db.prepare('SELECT face FROM frames ORDER BY media_id, idx').pluck().all() as string[];
  } finally {
    p.close();
  }
};

describe('faces job', () => {
  it('validates params', () => {
    expect(parseFaceJobParams({ mediaId: 3 })).toMatchObject({ mediaIds: [3], mode: 'detect' });
    expect(() => parseFaceJobParams({})).toThrow(/mediaId/);
    expect(() => parseFaceJobParams({ mediaIds: [1, 'x'] })).toThrow(/mediaId/);
    expect(() => parseFaceJobParams({ mediaId: 1, mode: 'guess' })).toThrow(/mode/);
    expect(() => parseFaceJobParams({ mediaId: 1, batchSize: 0 })).toThrow(/batchSize/);
  });

  it('stops at cancel after a committed batch, and a rerun finishes with progress over all items', async () => {
    const first = context();
    first.ctx.requestCancel();
    await expect(faceJob({ mediaIds: ids, mode: 'aligned', batchSize: 2 }, first.ctx)).rejects.toBeInstanceOf(CancelledError);
    // Cancel is checked before the first item starts.
    expect(faces().filter((f) => f === 'ok')).toHaveLength(0);

    // Cancel after the first progress report of a batch: that batch stays done.
    const second = context();
    const send = second.sent.push.bind(second.sent);
    second.sent.push = (m: FromWorker) => {
      if (m.type === 'progress' && m.done > 0) second.ctx.requestCancel();
      return send(m);
    };
    await expect(faceJob({ mediaIds: ids, mode: 'aligned', batchSize: 2 }, second.ctx)).rejects.toBeInstanceOf(CancelledError);
    expect(faces()).toEqual(['ok', 'ok', 'unknown', 'unknown', 'unknown', 'unknown', 'unknown', 'unknown']);

    const third = context();
    const result = (await faceJob({ mediaIds: ids, mode: 'aligned', batchSize: 2 }, third.ctx)) as { media: { skipped: number; processed: number }[]; frames: number };
    expect(result.frames).toBe(8);
    expect(result.media.map((m) => [m.skipped, m.processed])).toEqual([[2, 3], [0, 3]]);
    expect(faces()).toEqual(Array(8).fill('ok'));
    const progress = third.sent.filter((m) => m.type === 'progress').map((m) => (m as { done: number; total: number }).done);
    expect(progress).toEqual([2, 4, 5, 5, 7, 8]);
    expect(third.sent.filter((m) => m.type === 'progress').every((m) => (m as { total: number }).total === 8)).toBe(true);
  });
});
