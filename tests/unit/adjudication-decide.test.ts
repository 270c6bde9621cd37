// The adjudicator's decisions (issue 15), on a real project file through the contract: two
// annotators label the same frames differently through labels.edit (each their own layer), the
// adjudicator picks one's label, sets a value, clears or withdraws — each ONE undoable action of the
// adjudicator, written as their own row (role 'adjudicator') and materialised as the resolved label
// (merged_from 'adjudicated'), undone and redone as one step, never touching the annotators' layers.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { importedOf, reviewFixture, type ReviewFixture } from './review-fixture';

let fx: ReviewFixture;
const db = () => fx.backend.currentProject!.db;

beforeEach(async () => {
  fx = await reviewFixture(20, { softLabels: false });
  const m = fx.mediaId;
  await fx.call('labels.edit', { mediaId: m, name: 'ann expr', frames: [3, 4], author: 'ann', change: { kind: 'expr', value: 4 } });
  await fx.call('labels.edit', { mediaId: m, name: 'bob expr', frames: [3, 4], author: 'bob', change: { kind: 'expr', value: 5 } });
  await fx.call('labels.edit', { mediaId: m, name: 'ann va', frames: [8], author: 'ann', change: { kind: 'va', valence: 0.1, arousal: 0.1 } });
  await fx.call('labels.edit', { mediaId: m, name: 'bob va', frames: [8], author: 'bob', change: { kind: 'va', valence: 0.6, arousal: 0.1 } });
});
afterEach(async () => {
  await fx.close();
});

/** The resolved human row of (frame, task) in `labels`, or null. */
function resolved(frame: number, task: string) {
  return db()
    .prepare(
      `SELECT l.expr, l.valence, l.arousal, l.au_mask AS auMask, l.merged_from AS mergedFrom, l.author FROM labels l JOIN frames f ON f.id = l.frame_id
       WHERE f.media_id = ? AND f.idx = ? AND l.task = ? AND l.layer = 'human'`,
    )
    .get(fx.mediaId, frame, task) as { expr: number | null; valence: number | null; arousal: number | null; mergedFrom: string; author: string | null } | undefined;
}

function layers(frame: number, task: string) {
  return db()
    .prepare(
      `SELECT a.annotator, a.role, a.expr, a.valence FROM annotations a JOIN frames f ON f.id = a.frame_id
       WHERE f.media_id = ? AND f.idx = ? AND a.task = ? ORDER BY a.role, a.annotator`,
    )
    .all(fx.mediaId, frame, task) as { annotator: string; role: string; expr: number | null; valence: number | null }[];
}

const exprInForce = async (frame: number) => (await fx.call('labels.range', { mediaId: fx.mediaId, from: frame, to: frame }))[0].expr?.value ?? null;

describe('adjudication.decide', () => {
  it("picks one annotator's label for several frames as one action; undo and redo take it back and forth in one step", async () => {
    const m = fx.mediaId;
    // a tie (one vote each): no resolved row, the imported label in force, both frames queued
    expect(resolved(3, 'expr')).toBeUndefined();
    expect(await exprInForce(3)).toBe(importedOf(3).expr);
    const before = await fx.call('adjudication.queue', { mediaId: m, task: 'expr' });
    expect(before.items.map((i) => [i.frame, i.tasks[0].reason])).toEqual([
      [3, 'tie'],
      [4, 'tie'],
    ]);
    const annotatorsBefore = [layers(3, 'expr'), layers(4, 'expr')];
    // the review's cached columns (read once here) follow the decision through labels.changed
    const humanFrames = async () => (await fx.call('review.overview', { mediaId: m, buckets: 1, modelId: null, counts: false })).human[0];
    const humanBefore = await humanFrames();

    const d = await fx.call('adjudication.decide', { mediaId: m, frames: [3, 4], task: 'expr', choice: { kind: 'pick', annotator: 'bob' }, author: 'carol', at: 4 });
    expect(d.action).toMatchObject({ name: "Adjudicate EXPR: bob's label", author: 'carol', from: 3, to: 4, frame: 4, changes: 2 });
    expect(d.canUndo).toBe(true);
    expect(await humanFrames()).toBe(humanBefore + 2);
    for (const f of [3, 4]) {
      expect(resolved(f, 'expr')).toMatchObject({ expr: 5, mergedFrom: 'adjudicated', author: 'carol' });
      expect(await exprInForce(f)).toBe(5);
      expect(layers(f, 'expr')).toEqual([
        { annotator: 'carol', role: 'adjudicator', expr: 5, valence: null },
        ...annotatorsBefore[f - 3],
      ]);
    }
    const view = (await fx.call('adjudication.frame', { mediaId: m, frame: 3 })).tasks[0];
    expect(view.adjudication).toMatchObject({ by: 'carol', from: ['bob'] });
    expect(view.resolved).toMatchObject({ outcome: 'label', mergedFrom: 'adjudicated', author: 'carol' });
    const after = await fx.call('adjudication.queue', { mediaId: m });
    expect(after.items.map((i) => i.frame)).toEqual([8]);
    expect(after.counts.adjudicated).toEqual({ au: 0, expr: 2, va: 0, any: 2 });
    // the history records the adjudicator's role
    const h = db().prepare(`SELECT annotator, role FROM label_history WHERE action_id = ?`).all(d.action!.id);
    expect(h).toEqual([
      { annotator: 'carol', role: 'adjudicator' },
      { annotator: 'carol', role: 'adjudicator' },
    ]);

    // another annotator's undo never touches the adjudication
    const bobUndo = await fx.call('labels.undo', { mediaId: m, author: 'bob' });
    expect(bobUndo.action?.name).toBe('bob va');
    expect(resolved(3, 'expr')).toMatchObject({ expr: 5, mergedFrom: 'adjudicated' });

    // the adjudicator's undo: both frames back in one step (a tie again), redo: adjudicated again
    const u = await fx.call('labels.undo', { mediaId: m, author: 'carol' });
    expect(u.action).toMatchObject({ id: d.action!.id, undone: true });
    for (const f of [3, 4]) {
      expect(resolved(f, 'expr')).toBeUndefined();
      expect(layers(f, 'expr')).toEqual(annotatorsBefore[f - 3]);
    }
    expect((await fx.call('adjudication.queue', { mediaId: m, task: 'expr' })).items.map((i) => i.frame)).toEqual([3, 4]);
    const r = await fx.call('labels.redo', { mediaId: m, author: 'carol' });
    expect(r.action?.id).toBe(d.action!.id);
    expect(resolved(4, 'expr')).toMatchObject({ expr: 5, mergedFrom: 'adjudicated', author: 'carol' });
  });

  it('sets a value of its own, clears, and withdraws; an adjudicator decides again over their own word', async () => {
    const m = fx.mediaId;
    const set = await fx.call('adjudication.decide', { mediaId: m, frames: [8], task: 'va', choice: { kind: 'set', valence: 0.3, arousal: -0.2 }, author: 'carol' });
    expect(set.action?.name).toBe('Adjudicate VA: set value');
    expect(resolved(8, 'va')).toMatchObject({ valence: 0.3, arousal: -0.2, mergedFrom: 'adjudicated', author: 'carol' });
    expect((await fx.call('adjudication.frame', { mediaId: m, frame: 8 })).tasks[0].adjudication).toMatchObject({ by: 'carol', from: [] });
    // the same decision again changes nothing: no action
    const again = await fx.call('adjudication.decide', { mediaId: m, frames: [8], task: 'va', choice: { kind: 'set', valence: 0.3, arousal: -0.2 }, author: 'carol' });
    expect(again.action).toBeNull();

    await fx.call('adjudication.decide', { mediaId: m, frames: [3], task: 'expr', choice: { kind: 'clear' }, author: 'carol' });
    expect(resolved(3, 'expr')).toMatchObject({ expr: null, mergedFrom: 'adjudicated' });
    expect(await exprInForce(3)).toBeNull(); // the adjudicator's "no label" also overrides the import
    const w = await fx.call('adjudication.decide', { mediaId: m, frames: [3], task: 'expr', choice: { kind: 'withdraw' }, author: 'carol' });
    expect(w.action?.name).toBe('Withdraw adjudication of EXPR');
    expect(resolved(3, 'expr')).toBeUndefined();
    expect(layers(3, 'expr').map((r) => r.annotator)).toEqual(['ann', 'bob']);
  });

  it('refuses a frame the picked annotator did not label, or a value without its fields, writing nothing', async () => {
    const m = fx.mediaId;
    const actions = () => db().prepare('SELECT COUNT(*) FROM actions').pluck().get();
    const n = actions();
    const r = await fx.client.call('adjudication.decide', { mediaId: m, frames: [3, 10], task: 'expr', choice: { kind: 'pick', annotator: 'bob' }, author: 'carol' });
    expect(r.ok ? null : r.error).toMatchObject({ code: 'not-found', message: 'bob has no EXPR label on frame 10 of media ' + m });
    expect(resolved(3, 'expr')).toBeUndefined();
    expect(actions()).toBe(n);
    const bad = await fx.client.call('adjudication.decide', { mediaId: m, frames: [3], task: 'expr', choice: { kind: 'set', valence: 0.1 }, author: 'carol' });
    expect(bad.ok ? null : bad.error.code).toBe('invalid-input');
    const au = await fx.client.call('adjudication.decide', { mediaId: m, frames: [3], task: 'au', choice: { kind: 'set', au: {} }, author: 'carol' });
    expect(au.ok ? null : au.error.message).toContain('at least one AU');
    const frame = await fx.client.call('adjudication.decide', { mediaId: m, frames: [99], task: 'expr', choice: { kind: 'clear' }, author: 'carol' });
    expect(frame.ok ? null : frame.error.code).toBe('not-found');
    const noName = await fx.client.call('adjudication.decide', { mediaId: m, frames: [3], task: 'expr', choice: { kind: 'clear' }, author: '  ' });
    expect(noName.ok ? null : noName.error.code).toBe('invalid-input');
    expect(actions()).toBe(n);
  });
});
