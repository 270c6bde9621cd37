// The decoded model columns kept in review_model_cache (migration 3): equal to decoding the soft
// labels afresh, dropped by the triggers as soon as that model's soft labels change (and only that
// model's), and the backend's in-memory copy dropped when a job finishes.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createModel } from '../../src/node/store/models';
import { putRecords } from './helpers';
import { softLabelProbabilities } from '../../src/shared/softlabels';
import { computeModelColumns, loadModelColumns } from '../../src/node/review/columns';
import { SOFT_LABEL_WIDTH } from '../../src/shared/labels';
import { logitsOf, reviewFixture, type ReviewFixture } from './review-fixture';

let fx: ReviewFixture;
beforeEach(async () => {
  fx = await reviewFixture(80);
});
afterEach(async () => {
  await fx.close();
});

const rows = () => fx.backend.currentProject!.db.prepare('SELECT model_id AS m, media_id AS d, frames FROM review_model_cache ORDER BY model_id').all();
const frameId = (idx: number) => fx.backend.currentProject!.db.prepare('SELECT id FROM frames WHERE media_id = ? AND idx = ?').pluck().get(fx.mediaId, idx) as number;

describe('review_model_cache', () => {
  it('stores the decoded columns once and gives back exactly what decoding gives', async () => {
    const db = fx.backend.currentProject!.db;
    expect(rows()).toEqual([]);
    await fx.call('review.overview', { mediaId: fx.mediaId, buckets: 10 });
    expect(rows()).toEqual([{ m: fx.teacherId, d: fx.mediaId, frames: 80 }]);
    const cached = loadModelColumns(db, fx.mediaId, fx.teacherId, 80);
    const fresh = computeModelColumns(db, fx.mediaId, fx.teacherId, 80);
    expect(cached).toEqual(fresh);
    expect(fresh.has.every((h) => h === 1)).toBe(true);
  });

  it("is dropped when the model's soft labels change, and the overview then shows the new output", async () => {
    const db = fx.backend.currentProject!.db;
    const other = createModel(db, { kind: 'student', parentId: fx.teacherId, config: {} });
    await fx.call('review.overview', { mediaId: fx.mediaId, buckets: 80 });
    loadModelColumns(db, fx.mediaId, other.id, 80);
    expect(rows().map((r) => (r as { m: number }).m)).toEqual([fx.teacherId, other.id]);
    // Another model's new soft labels leave the teacher's cache alone.
    putRecords(db, other.id, [{ frameId: frameId(3), values: logitsOf(3) }]);
    expect(rows().map((r) => (r as { m: number }).m)).toEqual([fx.teacherId]);
    // The teacher's: AU1 of frame 5 becomes certain.
    const v = logitsOf(5);
    v[0] = 8;
    putRecords(db, fx.teacherId, [{ frameId: frameId(5), values: v }]);
    expect(rows()).toEqual([]);
    await fx.call('media.get', { mediaId: fx.mediaId }); // re-opening the media item drops the in-memory copy
    const o = await fx.call('review.overview', { mediaId: fx.mediaId, buckets: 80 });
    expect(o.auModel[0][5]).toBeCloseTo(softLabelProbabilities(Float32Array.from(v)).au[0], 4);
    expect(o.auModel[0][5]).toBeGreaterThan(0.999);
  });

  it('drops the in-memory copy when a job finishes (soft labels are written by jobs)', async () => {
    const db = fx.backend.currentProject!.db;
    const before = await fx.call('review.overview', { mediaId: fx.mediaId, buckets: 80 });
    const v = new Array(SOFT_LABEL_WIDTH).fill(0);
    v[2] = -9;
    putRecords(db, fx.teacherId, [{ frameId: frameId(7), values: v }]);
    const stale = await fx.call('review.overview', { mediaId: fx.mediaId, buckets: 80 });
    expect(stale.auModel[2][7]).toBe(before.auModel[2][7]);
    fx.backend.emit('job.state', {
      job: { id: 1, kind: 'soft-labels', status: 'done', params: {}, progress: 1, stage: null, error: null, result: null, backend: null, startedAt: null, finishedAt: null },
    });
    const after = await fx.call('review.overview', { mediaId: fx.mediaId, buckets: 80 });
    expect(after.auModel[2][7]).toBeLessThan(0.001);
  });
});
