// Review queries against values recomputed here by hand: the media item with exact timestamps, the
// window's model probabilities, the timeline overview's buckets, and the finding-work queue (next,
// previous, counts) — the latter through the shared criteria the overlay uses, so backend queue and
// overlay highlight agree.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createModel, setModelStatus } from '../../src/node/store/models';
import { putRecords } from './helpers';
import { NUM_AUS } from '../../src/shared/labels';
import type { WorkKind, WorkTask } from '../../src/shared/review-contract';
import { argmax, auDisagrees, auUncertain, exprDisagrees, exprUncertain, vaDisagrees, vaUncertain } from '../../src/shared/review-criteria';
import { importedAuVector, importedOf, logitsOf, reviewFixture, storedProbabilities, THRESHOLDS, type ReviewFixture } from './review-fixture';

const N = 150;
let fx: ReviewFixture;
beforeAll(async () => {
  fx = await reviewFixture(N);
});
afterAll(async () => {
  await fx.close();
});

const probs = storedProbabilities;
const auVec = importedAuVector;

function isWork(kind: WorkKind, task: WorkTask, i: number): boolean {
  const p = probs(i);
  const l = importedOf(i);
  const one = (t: 'au' | 'expr' | 'va'): boolean => {
    if (kind === 'unlabelled') return t === 'au' ? l.auBits === null : t === 'expr' ? l.expr === null : l.va === null;
    if (kind === 'uncertain') return t === 'au' ? auUncertain(p.au, THRESHOLDS) : t === 'expr' ? exprUncertain(p.expr) : vaUncertain(p.vBins, p.aBins);
    if (t === 'au') return auVec(i) !== null && auDisagrees(p.au, THRESHOLDS, auVec(i)!);
    if (t === 'expr') return l.expr !== null && exprDisagrees(p.expr, l.expr);
    return l.va !== null && vaDisagrees(p.valence, p.arousal, l.va[0], l.va[1]);
  };
  return task === 'any' ? one('au') || one('expr') || one('va') : one(task);
}

describe('media.get', () => {
  it('gives the exact stored timestamps, the pts offset and the teacher as default model', async () => {
    const d = await fx.call('media.get', { mediaId: fx.mediaId });
    const buf = Buffer.from(d.timestamps!, 'base64');
    const ts = Array.from({ length: N }, (_, i) => buf.readDoubleLE(i * 8));
    expect(ts).toEqual(Array.from({ length: N }, (_, i) => (i * 1001) / 24000));
    expect(d).toMatchObject({ frameCount: N, ptsOffset: 0.5, fpsRational: '24000/1001', defaultModelId: fx.teacherId, datasetName: 'ds' });
    expect(d.models).toEqual([{ id: fx.teacherId, name: 'teacher-1', kind: 'teacher', status: 'ready', thresholds: THRESHOLDS, softLabels: N }]);
  });
});

describe('review.window', () => {
  it('gives the model probabilities of every frame, rounded to 1e-4, with the model thresholds', async () => {
    const w = await fx.call('review.window', { mediaId: fx.mediaId, from: 20, to: 29 });
    expect(w.modelId).toBe(fx.teacherId);
    expect(w.thresholds).toEqual(THRESHOLDS);
    expect(w.frames.map((f) => f.frame)).toEqual([20, 21, 22, 23, 24, 25, 26, 27, 28, 29]);
    for (const f of w.frames) {
      const p = probs(f.frame);
      for (let k = 0; k < NUM_AUS; k++) expect(Math.abs(f.m!.au[k] - p.au[k])).toBeLessThanOrEqual(5e-5);
      expect(f.m!.expr.map((x, j) => Math.abs(x - p.expr[j]) <= 5e-5)).toEqual(Array(7).fill(true));
      expect(Math.abs(f.m!.v - p.valence)).toBeLessThanOrEqual(5e-5);
      expect(Math.abs(f.m!.a - p.arousal)).toBeLessThanOrEqual(5e-5);
      expect(f.m!.vb).toHaveLength(20);
      const l = importedOf(f.frame);
      expect(f.expr).toEqual(l.expr === null ? null : { v: l.expr, p: 'imported' });
      expect(f.va).toEqual(l.va === null ? null : { v: l.va[0], a: l.va[1], p: 'imported' });
      expect(f.au).toEqual(l.auBits === null ? null : { v: auVec(f.frame), p: 'imported' });
    }
  });

  it('shows no model output when asked for none, and the teacher by default even when a student is newer', async () => {
    const none = await fx.call('review.window', { mediaId: fx.mediaId, from: 0, to: 3, modelId: null });
    expect(none.modelId).toBeNull();
    expect(none.frames.every((f) => f.m === null)).toBe(true);
    const db = fx.backend.currentProject!.db;
    const student = createModel(db, { kind: 'student', parentId: fx.teacherId, config: {} });
    setModelStatus(db, student.id, 'ready');
    const frameIds = db.prepare('SELECT id FROM frames WHERE media_id = ? AND idx < 5').pluck().all(fx.mediaId) as number[];
    putRecords(db, student.id, frameIds.map((frameId) => ({ frameId, values: logitsOf(1) })));
    expect((await fx.call('review.window', { mediaId: fx.mediaId, from: 0, to: 0 })).modelId).toBe(fx.teacherId);
    expect((await fx.call('media.get', { mediaId: fx.mediaId })).defaultModelId).toBe(fx.teacherId);
    const w = await fx.call('review.window', { mediaId: fx.mediaId, from: 0, to: 6, modelId: student.id });
    expect(w.frames.map((f) => f.m !== null)).toEqual([true, true, true, true, true, false, false]);
    // Without the teacher's records the student is the default.
    db.prepare('DELETE FROM soft_labels WHERE model_id = ?').run(fx.teacherId);
    expect((await fx.call('review.window', { mediaId: fx.mediaId, from: 0, to: 0 })).modelId).toBe(student.id);
    expect((await fx.call('media.get', { mediaId: fx.mediaId })).defaultModelId).toBe(student.id);
    db.prepare('DELETE FROM models WHERE id = ?').run(student.id);
    putRecords(db, fx.teacherId, (db.prepare('SELECT id, idx FROM frames WHERE media_id = ?').all(fx.mediaId) as { id: number; idx: number }[]).map((f) => ({ frameId: f.id, values: logitsOf(f.idx) })));
  });

  it('refuses an unknown model and too long a window', async () => {
    const r = await fx.client.call('review.window', { mediaId: fx.mediaId, from: 0, to: 5, modelId: 77 });
    expect(r.ok ? null : r.error.code).toBe('not-found');
    const big = await fx.client.call('review.window', { mediaId: fx.mediaId, from: 0, to: 10_000 });
    expect(big.ok ? null : big.error.code).toBe('invalid-input');
  });
});

describe('review.overview', () => {
  it('folds the frames into buckets: label shares, model means, majority classes, disagreements', async () => {
    const o = await fx.call('review.overview', { mediaId: fx.mediaId, buckets: 7 });
    expect(o.buckets).toBe(7);
    const edges = Array.from({ length: 8 }, (_, b) => Math.floor((b * N) / 7));
    expect(o.frames).toEqual(edges.slice(1).map((e, b) => e - edges[b]));
    for (let b = 0; b < 7; b++) {
      const fr = Array.from({ length: edges[b + 1] - edges[b] }, (_, j) => edges[b] + j);
      expect(o.labelled.expr[b]).toBe(fr.filter((i) => importedOf(i).expr !== null).length);
      const labAu = fr.filter((i) => auVec(i) !== null);
      // AU12 (model index 4): share of labelled frames where it is active.
      const share = labAu.length ? labAu.filter((i) => auVec(i)![4] === 1).length / labAu.length : null;
      expect(o.auLabel[4][b]).toBeCloseTo(share!, 4);
      const meanP = fr.reduce((s, i) => s + probs(i).au[2], 0) / fr.length;
      expect(o.auModel[2][b]).toBeCloseTo(meanP, 3);
      const classes = fr.map((i) => argmax(probs(i).expr));
      const counts = Array.from({ length: 7 }, (_, c) => classes.filter((x) => x === c).length);
      expect(o.exprModel[b]).toBe(counts.indexOf(Math.max(...counts)));
      expect(o.disagree[b]).toBe(fr.filter((i) => isWork('disagree', 'any', i)).length);
      expect(o.uncertain[b]).toBe(fr.filter((i) => isWork('uncertain', 'any', i)).length);
      const va = fr.filter((i) => importedOf(i).va !== null);
      expect(o.vLabel[b]).toBeCloseTo(va.reduce((s, i) => s + importedOf(i).va![0], 0) / va.length, 4);
    }
  });

  it('folds a sub-range, and never more buckets than frames; counts only when asked', async () => {
    const o = await fx.call('review.overview', { mediaId: fx.mediaId, buckets: 100, from: 40, to: 49, counts: false });
    expect(o.counts).toBeNull();
    expect(o.buckets).toBe(10);
    expect(o.frames).toEqual(Array(10).fill(1));
    expect(o.exprLabel).toEqual(Array.from({ length: 10 }, (_, j) => importedOf(40 + j).expr ?? -1));
  });
});

describe('review.next and counts', () => {
  const kinds: WorkKind[] = ['uncertain', 'disagree', 'unlabelled'];
  const tasks: WorkTask[] = ['au', 'expr', 'va', 'any'];

  it('counts the frames left of each kind and task as the shared criteria do', async () => {
    const o = await fx.call('review.overview', { mediaId: fx.mediaId, buckets: 1 });
    for (const k of kinds)
      for (const t of tasks) expect([k, t, o.counts![k][t]]).toEqual([k, t, Array.from({ length: N }, (_, i) => i).filter((i) => isWork(k, t, i)).length]);
    expect(o.counts!.disagree.any).toBeGreaterThan(0);
    expect(o.counts!.uncertain.expr).toBeGreaterThanOrEqual(N / 10);
  });

  it('jumps to the next and previous frame of each queue', async () => {
    for (const k of kinds)
      for (const t of tasks) {
        const list = Array.from({ length: N }, (_, i) => i).filter((i) => isWork(k, t, i));
        for (const from of [0, 37, 80, N - 1]) {
          const next = await fx.call('review.next', { mediaId: fx.mediaId, kind: k, task: t, from, direction: 'next' });
          expect(next).toMatchObject({ frame: list.find((i) => i > from) ?? null, remaining: list.length });
          const prev = await fx.call('review.next', { mediaId: fx.mediaId, kind: k, task: t, from, direction: 'previous' });
          expect(prev.frame).toBe([...list].reverse().find((i) => i < from) ?? null);
        }
      }
  });

  it('counts a frame whose AU label a human cleared as unlabelled, and its undo as labelled again', async () => {
    const labelled = Array.from({ length: N }, (_, i) => i).filter((i) => importedOf(i).auBits !== null);
    const before = (await fx.call('review.overview', { mediaId: fx.mediaId, buckets: 1 })).counts!.unlabelled.au;
    await fx.call('labels.edit', { mediaId: fx.mediaId, name: 'Clear', frames: [labelled[2], labelled[3]], change: { kind: 'clear', tasks: ['au'] } });
    const o = await fx.call('review.overview', { mediaId: fx.mediaId, buckets: N });
    expect(o.counts!.unlabelled.au).toBe(before + 2);
    expect(o.labelled.au[labelled[2]]).toBe(0);
    expect(o.human[labelled[2]]).toBe(1);
    expect(o.labelled.au[0]).toBe(importedOf(0).auBits === null ? 0 : 1);
    const next = await fx.call('review.next', { mediaId: fx.mediaId, kind: 'unlabelled', task: 'au', from: labelled[2] - 1, direction: 'next' });
    expect(next.frame).toBe(labelled[2]);
    await fx.call('labels.undo', { mediaId: fx.mediaId });
    expect((await fx.call('review.overview', { mediaId: fx.mediaId, buckets: 1 })).counts!.unlabelled.au).toBe(before);
  });

  it('takes a corrected frame out of the queue at once, and skips frames marked as no face', async () => {
    const list = Array.from({ length: N }, (_, i) => i).filter((i) => isWork('disagree', 'expr', i));
    const f = list[0];
    await fx.call('labels.edit', { mediaId: fx.mediaId, name: 'Agree', frames: [f], change: { kind: 'expr', value: argmax(probs(f).expr) } });
    let next = await fx.call('review.next', { mediaId: fx.mediaId, kind: 'disagree', task: 'expr', from: 0, direction: 'next' });
    expect(next).toMatchObject({ frame: list[1], remaining: list.length - 1 });
    await fx.call('labels.edit', { mediaId: fx.mediaId, name: 'No face', frames: [list[1]], change: { kind: 'face', value: 'none' } });
    next = await fx.call('review.next', { mediaId: fx.mediaId, kind: 'disagree', task: 'expr', from: 0, direction: 'next' });
    expect(next).toMatchObject({ frame: list[2], remaining: list.length - 2 });
    await fx.call('labels.undo', { mediaId: fx.mediaId });
    await fx.call('labels.undo', { mediaId: fx.mediaId });
    next = await fx.call('review.next', { mediaId: fx.mediaId, kind: 'disagree', task: 'expr', from: 0, direction: 'next' });
    expect(next).toMatchObject({ frame: list[0], remaining: list.length });
  });
});
