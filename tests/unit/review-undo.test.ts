// Undo/redo of review actions: LIFO per media item, back to the exact labels and face marks before,
// the frame to jump back to, a new edit clearing the redo stack, `labels.changed` events, and the
// stack surviving a restart (it lives in the database).
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Backend } from '../../src/node/app/backend';
import { inProcessClient } from '../../src/node/app/inprocess';
import type { EventPayload } from '../../src/shared/contract';
import { reviewFixture, type ReviewFixture } from './review-fixture';

let fx: ReviewFixture;
beforeEach(async () => {
  fx = await reviewFixture(40);
});
afterEach(async () => {
  await fx.close();
});

const all = () => fx.call('review.window', { mediaId: fx.mediaId, from: 0, to: 39 });

describe('labels.undo / labels.redo', () => {
  it('undoes and redoes in order, restoring labels and face marks exactly, and jumps to the edited frame', async () => {
    const initial = await all();
    const m = fx.mediaId;
    await fx.call('labels.edit', { mediaId: m, name: 'A1 expr', from: 10, to: 12, at: 11, change: { kind: 'expr', value: 1 } });
    const afterA1 = await all();
    await fx.call('labels.edit', { mediaId: m, name: 'A2 AU1', frames: [11, 30], at: 30, change: { kind: 'au', values: { AU1: 1 } } });
    const afterA2 = await all();
    await fx.call('labels.edit', { mediaId: m, name: 'A3 no face', frames: [20], at: 20, change: { kind: 'face', value: 'unusable' } });

    let u = await fx.call('labels.undo', { mediaId: m });
    expect(u.action).toMatchObject({ name: 'A3 no face', frame: 20, undone: true });
    expect(u).toMatchObject({ canUndo: true, canRedo: true });
    expect(await all()).toEqual(afterA2);
    u = await fx.call('labels.undo', { mediaId: m });
    expect(u.action).toMatchObject({ name: 'A2 AU1', frame: 30, from: 11, to: 30 });
    expect(await all()).toEqual(afterA1);
    const r = await fx.call('labels.redo', { mediaId: m });
    expect(r.action).toMatchObject({ name: 'A2 AU1', undone: false });
    expect(await all()).toEqual(afterA2);
    // A new edit makes the undone A3 unreachable by redo (kept for the audit trail).
    await fx.call('labels.edit', { mediaId: m, name: 'A4 VA', frames: [5], change: { kind: 'va', valence: 0.1, arousal: 0.2 } });
    const r2 = await fx.call('labels.redo', { mediaId: m });
    expect(r2.action).toBeNull();
    expect(r2.canRedo).toBe(false);
    for (const name of ['A4 VA', 'A2 AU1', 'A1 expr']) expect((await fx.call('labels.undo', { mediaId: m })).action?.name).toBe(name);
    expect(await all()).toEqual(initial);
    const last = await fx.call('labels.undo', { mediaId: m });
    expect(last).toMatchObject({ action: null, canUndo: false, canRedo: true });
    // Every action stays in the history, undone ones marked.
    const h = await fx.call('labels.history', { mediaId: m });
    expect(h.actions.map((a) => [a.name, a.undone])).toEqual([
      ['A4 VA', true],
      ['A3 no face', true],
      ['A2 AU1', true],
      ['A1 expr', true],
    ]);
  });

  it('announces the changed range with labels.changed for edit, undo and redo', async () => {
    const seen: EventPayload<'labels.changed'>[] = [];
    const off = fx.client.on('labels.changed', (p) => seen.push(p));
    await fx.call('labels.edit', { mediaId: fx.mediaId, name: 'Expr', from: 3, to: 7, change: { kind: 'expr', value: 3 } });
    await fx.call('labels.undo', { mediaId: fx.mediaId });
    await fx.call('labels.redo', { mediaId: fx.mediaId });
    await fx.call('labels.undo', { mediaId: fx.mediaId });
    await fx.call('labels.undo', { mediaId: fx.mediaId }); // nothing left: no event
    off();
    expect(seen).toEqual(Array.from({ length: 4 }, () => ({ mediaId: fx.mediaId, from: 3, to: 7, tasks: ['expr'] })));
  });

  it('keeps model output off the undo stack: soft labels are never touched by undo', async () => {
    const db = fx.backend.currentProject!.db;
    const soft = () => db.prepare('SELECT COUNT(*) AS n, SUM(length(data)) AS b FROM soft_labels').get();
    const before = soft();
    await fx.call('labels.edit', { mediaId: fx.mediaId, name: 'Accept', from: 0, to: 9, change: { kind: 'accept-model', tasks: ['expr'] } });
    await fx.call('labels.undo', { mediaId: fx.mediaId });
    expect(soft()).toEqual(before);
    const w = await fx.call('review.window', { mediaId: fx.mediaId, from: 0, to: 9 });
    expect(w.frames.every((f) => f.m !== null)).toBe(true);
    expect(w.frames.filter((f) => f.expr?.p === 'accepted')).toEqual([]);
  });

  it('keeps the undo and redo stacks across a restart of the backend', async () => {
    await fx.call('labels.edit', { mediaId: fx.mediaId, name: 'E1', frames: [1], change: { kind: 'expr', value: 2 } });
    await fx.call('labels.edit', { mediaId: fx.mediaId, name: 'E2', frames: [2], change: { kind: 'expr', value: 3 } });
    await fx.call('labels.undo', { mediaId: fx.mediaId });
    const dir = fx.dir;
    fx.backend.closeProject();
    const b2 = new Backend({ transport: 'inprocess' });
    b2.openProject(path.join(dir), false);
    const c2 = inProcessClient(b2);
    const state = await c2.call('labels.history', { mediaId: fx.mediaId });
    expect(state.ok && state.value).toMatchObject({ canUndo: true, canRedo: true });
    const r = await c2.call('labels.redo', { mediaId: fx.mediaId });
    expect(r.ok && r.value.action?.name).toBe('E2');
    const lab = await c2.call('labels.range', { mediaId: fx.mediaId, from: 1, to: 2 });
    expect(lab.ok && lab.value.map((f) => f.expr)).toEqual([
      { value: 2, provenance: 'human' },
      { value: 3, provenance: 'human' },
    ]);
    await b2.close();
  });
});
