// The work queue one can finish: the criteria (scores, limits, what they mean in numbers), the queue
// walked strongest first on a real SQLite project, the count going down as frames are corrected,
// accepted or kept (and back up on undo), user limits, and counts per media item and dataset.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODEL_AUS } from '../../src/shared/labels';
import type { WorkKind, WorkTask } from '../../src/shared/review-contract';
import {
  auAgainst,
  auCloseness,
  auDisagreeBounds,
  auStrength,
  auUncertainBand,
  DEFAULT_CRITERIA,
  explainCriteria,
  exprStrength,
  exprUncertainty,
  flagged,
  ReviewCriteria,
  vaStrength,
  vaUncertainty,
  binSd,
} from '../../src/shared/review-criteria';
import { importedAuVector, importedOf, reviewFixture, storedProbabilities, THRESHOLDS, type ReviewFixture } from './review-fixture';

describe('review criteria', () => {
  it('scores an AU against its label relative to the tuned threshold', () => {
    // threshold 5%: an "absent" label is contradicted half-way at 52.5%, a "present" one at 2.5%
    expect(auAgainst(0.525, 0.05, 0)).toBeCloseTo(0.5, 10);
    expect(auAgainst(0.025, 0.05, 1)).toBeCloseTo(0.5, 10);
    expect(auAgainst(0.04, 0.05, 0)).toBe(0);
    expect(auAgainst(0.06, 0.05, 1)).toBe(0);
    expect(auAgainst(1, 0.5, 0)).toBe(1);
    expect(auAgainst(0, 0.5, 1)).toBe(1);
    expect(auDisagreeBounds(0.05, 0.5)).toEqual({ absentAbove: 0.525, presentBelow: 0.025 });
    // the frame's strength is the most contradicted labelled AU; unlabelled AUs do not count
    const thr = [0.5, 0.05, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5];
    expect(auStrength([0.9, 0.9, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5], thr, [-1, 0, -1, -1, -1, -1, -1, -1])).toBeCloseTo(0.85 / 0.95, 10);
    expect(auStrength([0.9, 0.9, 0, 0, 0, 0, 0, 0], thr, [-1, -1, -1, -1, -1, -1, -1, -1])).toBe(0);
  });

  it('scores expression and VA disagreement and every uncertainty on [0, 1]', () => {
    const p = [0.7, 0.1, 0.05, 0.05, 0.05, 0.05, 0];
    expect(exprStrength(p, 1)).toBeCloseTo(0.6, 10);
    expect(exprStrength(p, 0)).toBe(0);
    expect(exprStrength(p, -1)).toBe(0);
    expect(vaStrength(0.5, 0, -0.3, 0.1)).toBeCloseTo(0.4, 10);
    expect(vaStrength(0.5, 0, NaN, NaN)).toBe(0);
    expect(exprUncertainty(Array(7).fill(1 / 7))).toBeCloseTo(1, 10);
    expect(exprUncertainty([1, 0, 0, 0, 0, 0, 0])).toBe(0);
    expect(auCloseness(0.05, 0.05)).toBe(1);
    expect(auCloseness(1, 0.05)).toBe(0);
    expect(auUncertainBand(0.05, 0.9)[0]).toBeCloseTo(0.045, 10);
    expect(auUncertainBand(0.05, 0.9)[1]).toBeCloseTo(0.145, 10);
    expect(vaUncertainty(0.2, 0.6)).toBe(0.6);
    const uniform = Array(20).fill(1 / 20);
    expect(binSd(uniform)).toBeGreaterThan(0.5);
  });

  it('flags a score above zero at or above its limit', () => {
    expect(flagged(0.5, 0.5)).toBe(true);
    expect(flagged(0.49, 0.5)).toBe(false);
    expect(flagged(0, 0)).toBe(false);
    expect(flagged(0.01, 0)).toBe(true);
  });

  it('says what the limits mean with the numbers in force', () => {
    const names = MODEL_AUS.map((n) => `AU${n}`);
    const thr = [0.5, 0.05, 0.05, 0.5, 0.5, 0.55, 0.8, 0.45];
    const d = explainCriteria('disagree', DEFAULT_CRITERIA, thr, names);
    expect(d.au).toContain('at least 50% of the way past its threshold');
    expect(d.perAu[1]).toBe('AU2 (threshold 5.0%): absent but p ≥ 53%, present but p ≤ 2.5%');
    expect(d.perAu[0]).toBe('AU1 (threshold 50%): absent but p ≥ 75%, present but p ≤ 25%');
    expect(d.expr).toContain('50 points');
    expect(d.va).toContain('0.50 away');
    const u = explainCriteria('uncertain', DEFAULT_CRITERIA, thr, names);
    expect(u.perAu[1]).toBe('AU2 4.5%–14%');
    expect(u.expr).toContain('0.85');
  });

  it('validates limits: numbers in [0, 1] for each task of both kinds, nothing else', () => {
    expect(ReviewCriteria.safeParse(DEFAULT_CRITERIA).success).toBe(true);
    expect(ReviewCriteria.safeParse({ ...DEFAULT_CRITERIA, disagree: { au: 1.5, expr: 0.5, va: 0.2 } }).success).toBe(false);
    expect(ReviewCriteria.safeParse({ ...DEFAULT_CRITERIA, extra: 1 }).success).toBe(false);
    expect(ReviewCriteria.safeParse({ disagree: DEFAULT_CRITERIA.disagree }).success).toBe(false);
  });
});

const N = 150;
let fx: ReviewFixture;
beforeAll(async () => {
  fx = await reviewFixture(N);
});
afterAll(async () => {
  await fx.close();
});

const probs = storedProbabilities;
const auVec = (i: number): number[] => importedAuVector(i) ?? Array<number>(8).fill(-1);
/** Disagreement strength of frame i (any task) from the imported labels, recomputed here. */
function strengthOf(i: number): number {
  const p = probs(i);
  const l = importedOf(i);
  const c = DEFAULT_CRITERIA.disagree;
  const s = [
    [auStrength(p.au, THRESHOLDS, auVec(i)), c.au],
    [exprStrength(p.expr, l.expr ?? -1), c.expr],
    [l.va ? vaStrength(p.valence, p.arousal, l.va[0], l.va[1]) : 0, c.va],
  ].filter(([x, lim]) => flagged(x, lim));
  return s.length ? Math.max(...s.map(([x]) => x)) : -1;
}
const byStrength = () =>
  Array.from({ length: N }, (_, i) => i)
    .filter((i) => strengthOf(i) >= 0)
    .sort((a, b) => strengthOf(b) - strengthOf(a) || a - b);

/** Scores as the backend served them (float32 columns: the walk passes these back, not ours). */
const served = new Map<number, number>();

async function left(kind: WorkKind = 'disagree', task: WorkTask = 'any', criteria = DEFAULT_CRITERIA): Promise<number> {
  return (await fx.call('review.overview', { mediaId: fx.mediaId, buckets: 1, criteria })).counts![kind][task];
}

describe('the queue strongest first', () => {
  it('walks every frame once, strongest first, with its score and position', async () => {
    const want = byStrength();
    expect(want.length).toBeGreaterThan(10);
    expect(await left()).toBe(want.length);
    const seen: number[] = [];
    let from = 0;
    let fromScore: number | undefined;
    for (;;) {
      const r = await fx.call('review.next', { mediaId: fx.mediaId, kind: 'disagree', task: 'any', from, direction: 'next', order: 'strength', fromScore });
      if (r.frame === null) break;
      expect(r.remaining).toBe(want.length);
      expect(r.rank).toBe(seen.length + 1);
      expect(r.score).toBeCloseTo(strengthOf(r.frame), 6);
      seen.push(r.frame);
      served.set(r.frame, r.score!);
      [from, fromScore] = [r.frame, r.score!];
    }
    expect(seen).toEqual(want);
    // and back
    const back = await fx.call('review.next', { mediaId: fx.mediaId, kind: 'disagree', task: 'any', from: want[3], direction: 'previous', order: 'strength', fromScore: served.get(want[3]) });
    expect(back).toMatchObject({ frame: want[2], rank: 3 });
    const none = await fx.call('review.next', { mediaId: fx.mediaId, kind: 'disagree', task: 'any', from: want[0], direction: 'previous', order: 'strength', fromScore: served.get(want[0]) });
    expect(none.frame).toBeNull();
    // without a position the walk starts at the top, wherever the playhead is
    const top = await fx.call('review.next', { mediaId: fx.mediaId, kind: 'disagree', task: 'any', from: want[5], direction: 'next', order: 'strength' });
    expect(top).toMatchObject({ frame: want[0], rank: 1 });
  });

  it('orders the uncertain queue by uncertainty and keeps frame order when asked', async () => {
    const first = await fx.call('review.next', { mediaId: fx.mediaId, kind: 'uncertain', task: 'expr', from: 0, direction: 'next', order: 'strength' });
    // every 10th frame has a flat expression distribution: the most uncertain there is
    expect(first.frame! % 10).toBe(0);
    expect(first.score).toBeCloseTo(1, 6);
    const byFrame = await fx.call('review.next', { mediaId: fx.mediaId, kind: 'disagree', task: 'any', from: 0, direction: 'next', order: 'frame' });
    expect(byFrame.frame).toBe(Math.min(...byStrength().filter((i) => i > 0)));
  });

  it('counts down as frames are accepted, corrected or kept, and back up on undo', async () => {
    const want = byStrength();
    const n0 = await left();
    const m = fx.mediaId;
    // accept the model on the strongest frame: its label now agrees
    await fx.call('labels.edit', { mediaId: m, name: 'Accept', frames: [want[0]], change: { kind: 'accept-model', tasks: ['au', 'expr', 'va'] } });
    expect(await left()).toBe(n0 - 1);
    // the walk goes on from where it stood, though that frame has left the queue
    const next = await fx.call('review.next', { mediaId: m, kind: 'disagree', task: 'any', from: want[0], direction: 'next', order: 'strength', fromScore: served.get(want[0]) });
    expect(next).toMatchObject({ frame: want[1], rank: 1, remaining: n0 - 1 });
    // keep the imported labels of the next one: reviewed, the model's disagreement is no longer work
    await fx.call('labels.edit', { mediaId: m, name: 'Keep', frames: [want[1]], change: { kind: 'keep', tasks: ['au', 'expr', 'va'] } });
    expect(await left()).toBe(n0 - 2);
    const w = await fx.call('review.window', { mediaId: m, from: want[1], to: want[1] });
    const l = importedOf(want[1]);
    if (l.expr !== null) expect(w.frames[0].expr).toEqual({ v: l.expr, p: 'human' });
    if (l.va !== null) expect(w.frames[0].va).toEqual({ v: l.va[0], a: l.va[1], p: 'human' });
    // a correction of one task takes that task out; the frame stays while another task still disagrees
    const f = want.find((i) => importedOf(i).expr !== null && exprStrength(probs(i).expr, importedOf(i).expr!) >= 0.5)!;
    const otherTasks = flagged(auStrength(probs(f).au, THRESHOLDS, auVec(f)), 0.5) || (importedOf(f).va !== null && flagged(vaStrength(probs(f).valence, probs(f).arousal, ...importedOf(f).va!), 0.25));
    const exprBefore = await left('disagree', 'expr');
    await fx.call('labels.edit', { mediaId: m, name: 'Expr', frames: [f], change: { kind: 'expr', value: (importedOf(f).expr! + 1) % 7 } });
    expect(await left('disagree', 'expr')).toBe(exprBefore - 1);
    expect(await left()).toBe(n0 - 2 - (otherTasks ? 0 : 1));
    // undo all three: the queue is whole again
    for (let i = 0; i < 3; i++) await fx.call('labels.undo', { mediaId: m });
    expect(await left()).toBe(n0);
    // a keep on a frame already decided by a human, or a task without a label, records nothing
    await fx.call('labels.edit', { mediaId: m, name: 'Expr', frames: [f], change: { kind: 'expr', value: 2 } });
    const again = await fx.call('labels.edit', { mediaId: m, name: 'Keep', frames: [f], change: { kind: 'keep', tasks: ['expr'] } });
    expect(again.action).toBeNull();
    const unl = Array.from({ length: N }, (_, i) => i).find((i) => importedOf(i).expr === null && importedOf(i).auBits === null && importedOf(i).va === null)!;
    expect((await fx.call('labels.edit', { mediaId: m, name: 'Keep', frames: [unl], change: { kind: 'keep', tasks: ['au', 'expr', 'va'] } })).action).toBeNull();
    await fx.call('labels.undo', { mediaId: m });
    expect(await left()).toBe(n0);
  });

  it('takes the limits from the request: lower limits flag more, 1 flags almost nothing', async () => {
    const loose: ReviewCriteria = { disagree: { au: 0, expr: 0, va: 0 }, uncertain: { au: 0.5, expr: 0.5, va: 0.2 } };
    const strict: ReviewCriteria = { disagree: { au: 1, expr: 1, va: 1 }, uncertain: { au: 1, expr: 1, va: 1 } };
    const d = await left();
    expect(await left('disagree', 'any', loose)).toBeGreaterThan(d);
    expect(await left('uncertain', 'expr', loose)).toBeGreaterThan(await left('uncertain', 'expr'));
    expect(await left('uncertain', 'any', strict)).toBeLessThan(await left('uncertain'));
    expect(await left('disagree', 'any', strict)).toBeLessThan(d);
    const r = await fx.call('review.next', { mediaId: fx.mediaId, kind: 'disagree', task: 'any', from: 0, direction: 'next', order: 'strength', criteria: loose });
    expect(r.remaining).toBe(await left('disagree', 'any', loose));
    const bad = async (input: object) => fx.client.call('review.next', { mediaId: fx.mediaId, kind: 'disagree', task: 'any', from: 0, direction: 'next', ...input } as never);
    for (const input of [{ criteria: { disagree: { au: 2 } } }, { criteria: { ...loose, disagree: { au: 2, expr: 0, va: 0 } } }, { order: 'random' }, { fromScore: -1 }]) {
      const r = await bad(input);
      expect(r.ok ? null : r.error.code).toBe('invalid-input');
    }
    const badSummary = await fx.client.call('review.workSummary', { criteria: { disagree: loose.disagree } } as never);
    expect(badSummary.ok ? null : badSummary.error.code).toBe('invalid-input');
  });
});

describe('counts per media item and dataset', () => {
  it('sums each media item under its default model into its dataset', async () => {
    const db = fx.backend.currentProject!.db;
    const now = '2026-01-01T00:00:00.000Z';
    // a second dataset with one media item of 10 frames and no soft labels
    const ds = Number(db.prepare(`INSERT INTO datasets(name, source_format, created_at) VALUES ('second', 'csv', ?)`).run(now).lastInsertRowid);
    const media = Number(
      db.prepare(`INSERT INTO media(dataset_id, name, kind, path, frame_count, created_at) VALUES (?, 'other', 'video', 'media/o.mp4', 10, ?)`).run(ds, now).lastInsertRowid,
    );
    for (let i = 0; i < 10; i++) db.prepare('INSERT INTO frames(media_id, idx) VALUES (?, ?)').run(media, i);
    const own = (await fx.call('review.overview', { mediaId: fx.mediaId, buckets: 1 })).counts!;
    const s = await fx.call('review.workSummary', {});
    expect(s.datasets.map((d) => d.name)).toEqual(['ds', 'second']);
    expect(s.datasets[0]).toMatchObject({ frames: N, counts: own, media: [{ mediaId: fx.mediaId, modelId: fx.teacherId, counts: own }] });
    expect(s.datasets[1].counts.disagree.any).toBe(0);
    expect(s.datasets[1].counts.unlabelled.any).toBe(10);
    expect(s.datasets[1].media[0]).toMatchObject({ mediaId: media, modelId: null, frames: 10 });
    const one = await fx.call('review.workSummary', { datasetId: ds });
    expect(one.datasets.map((d) => d.datasetId)).toEqual([ds]);
    // the counts go down there too
    const top = byStrength()[0];
    await fx.call('labels.edit', { mediaId: fx.mediaId, name: 'Accept', frames: [top], change: { kind: 'accept-model', tasks: ['au', 'expr', 'va'] } });
    expect((await fx.call('review.workSummary', {})).datasets[0].counts.disagree.any).toBe(own.disagree.any - 1);
    await fx.call('labels.undo', { mediaId: fx.mediaId });
    const unknown = await fx.client.call('review.workSummary', { modelId: 999 });
    expect(unknown.ok ? null : unknown.error.code).toBe('not-found');
    db.prepare('DELETE FROM frames WHERE media_id = ?').run(media);
    db.prepare('DELETE FROM media WHERE id = ?').run(media);
    db.prepare('DELETE FROM datasets WHERE id = ?').run(ds);
  });
});
