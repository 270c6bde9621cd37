// Label edits as named actions: values written to the human layer, provenance (who, when, previous
// value) in the history, no-op edits kept off the undo stack, accept-model from the teacher's soft
// labels, face marks, and the training engine reading corrections as ground truth.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadSamples } from '../../src/node/labels/samples';
import { softLabelProbabilities, decodeSoftLabel, encodeSoftLabel } from '../../src/shared/softlabels';
import { MODEL_AUS } from '../../src/shared/labels';
import { AU_MASK, importedOf, logitsOf, reviewFixture, THRESHOLDS, type ReviewFixture } from './review-fixture';

let fx: ReviewFixture;
beforeEach(async () => {
  fx = await reviewFixture(60);
});
afterEach(async () => {
  await fx.close();
});

const range = (from: number, to: number) => fx.call('labels.range', { mediaId: fx.mediaId, from, to });

describe('labels.edit', () => {
  it('sets single AUs on a list of frames, keeping the other AUs of the label in force', async () => {
    const r = await fx.call('labels.edit', { mediaId: fx.mediaId, name: 'Set AU12', frames: [3, 4], author: 'alice', change: { kind: 'au', values: { AU12: 1, AU1: 1 } } });
    expect(r.action).toMatchObject({ name: 'Set AU12', from: 3, to: 4, frame: 3, author: 'alice', undone: false, changes: 2 });
    expect(r.canUndo).toBe(true);
    expect(r.canRedo).toBe(false);
    const [f3, f4] = await range(3, 4);
    // Frame 3 had imported AU1, AU2, AU4, AU9, AU12 with only AU12 active.
    expect(importedOf(3).auBits).toBe(1 << 12);
    expect(f3.au).toEqual({ value: { AU1: 1, AU2: 0, AU4: 0, AU9: 0, AU12: 1 }, provenance: 'human' });
    expect(f4.au).toEqual({ value: { AU1: 1, AU12: 1 }, provenance: 'human' });
    const w = await fx.call('review.window', { mediaId: fx.mediaId, from: 3, to: 4 });
    // Model AU order: 1, 2, 4, 6, 12, 15, 20, 25.
    expect(w.frames[0].au).toEqual({ v: [1, 0, 0, -1, 1, -1, -1, -1], p: 'human' });
    expect(w.frames[0].gt?.au).toEqual([0, 0, 0, -1, 1, -1, -1, -1]);
    expect(w.frames[1].au).toEqual({ v: [1, -1, -1, -1, 1, -1, -1, -1], p: 'human' });
    expect(w.frames[1].gt).toBeNull();
  });

  it('unlabels an AU with null, and an AU label with nothing left becomes a cleared label', async () => {
    await fx.call('labels.edit', { mediaId: fx.mediaId, name: 'Unlabel', frames: [4], change: { kind: 'au', values: { AU6: 1 } } });
    await fx.call('labels.edit', { mediaId: fx.mediaId, name: 'Unlabel', frames: [4], change: { kind: 'au', values: { AU6: null } } });
    const [f4] = await range(4, 4);
    expect(f4.au).toBeNull();
    const w = await fx.call('review.window', { mediaId: fx.mediaId, from: 4, to: 4 });
    expect(w.frames[0].au).toEqual({ v: null, p: 'human' });
  });

  it('records who, when and the previous value of every change, newest first', async () => {
    await fx.call('labels.edit', { mediaId: fx.mediaId, name: 'Expression: Happiness', from: 10, to: 19, author: 'alice', change: { kind: 'expr', value: 4 } });
    const second = await fx.call('labels.edit', { mediaId: fx.mediaId, name: 'Expression: Disgust', frames: [13], at: 13, author: 'bob', change: { kind: 'expr', value: 2 } });
    expect(second.action?.frame).toBe(13);
    const h = await fx.call('labels.history', { mediaId: fx.mediaId, frame: 13 });
    expect(h.frame.map((e) => [e.name, e.author, e.task])).toEqual([
      ['Expression: Disgust', 'bob', 'expr'],
      ['Expression: Happiness', 'alice', 'expr'],
    ]);
    const [newest, oldest] = h.frame;
    expect(oldest.before).toBeNull(); // the imported label was in force
    expect(oldest.after).toMatchObject({ expr: 4, provenance: 'human', author: 'alice' });
    // each annotator's history is of their own layer (issue 15): bob had no label of his own there
    expect(newest.before).toBeNull();
    expect(newest.after).toMatchObject({ expr: 2, author: 'bob' });
    expect(Date.parse(newest.at)).toBeGreaterThan(Date.now() - 60_000);
    expect(h.actions.map((a) => [a.name, a.from, a.to, a.changes])).toEqual([
      ['Expression: Disgust', 13, 13, 1],
      ['Expression: Happiness', 10, 19, 10],
    ]);
    const w = await fx.call('review.window', { mediaId: fx.mediaId, from: 12, to: 13 });
    expect(importedOf(13).expr).toBe(6);
    expect(w.frames[0].expr).toEqual({ v: 4, p: 'human' }); // alice alone
    // alice 4 against bob 2 under the consensus policy: a tie, so the imported label stays in force
    expect(w.frames[1].expr).toEqual({ v: 6, p: 'imported' });
  });

  it('records no action for an edit that changes nothing', async () => {
    await fx.call('labels.edit', { mediaId: fx.mediaId, name: 'Expr', from: 10, to: 12, change: { kind: 'expr', value: 4 } });
    const again = await fx.call('labels.edit', { mediaId: fx.mediaId, name: 'Expr again', from: 10, to: 12, change: { kind: 'expr', value: 4 } });
    expect(again.action).toBeNull();
    const h = await fx.call('labels.history', { mediaId: fx.mediaId });
    expect(h.actions.map((a) => a.name)).toEqual(['Expr']);
  });

  it('sets valence/arousal, clears a task (hiding the import) and reverts to the import', async () => {
    expect(importedOf(2).va).not.toBeNull();
    await fx.call('labels.edit', { mediaId: fx.mediaId, name: 'VA', frames: [1], change: { kind: 'va', valence: 0.25, arousal: -0.5 } });
    await fx.call('labels.edit', { mediaId: fx.mediaId, name: 'Clear VA', frames: [2], change: { kind: 'clear', tasks: ['va'] } });
    let [f1, f2] = await range(1, 2);
    expect(f1.va).toEqual({ valence: 0.25, arousal: -0.5, provenance: 'human' });
    expect(f2.va).toBeNull();
    const w = await fx.call('review.window', { mediaId: fx.mediaId, from: 2, to: 2 });
    expect(w.frames[0].va).toEqual({ v: null, a: null, p: 'human' });
    expect(w.frames[0].gt?.va).toEqual(importedOf(2).va);
    await fx.call('labels.edit', { mediaId: fx.mediaId, name: 'Revert', from: 1, to: 2, change: { kind: 'revert', tasks: ['va'] } });
    [f1, f2] = await range(1, 2);
    expect(f1.va).toBeNull();
    expect(f2.va).toEqual({ valence: importedOf(2).va![0], arousal: importedOf(2).va![1], provenance: 'imported' });
  });

  it('accepts the model labels of a range: AU over the tuned thresholds, EXPR argmax, VA expectation', async () => {
    const r = await fx.call('labels.edit', { mediaId: fx.mediaId, name: 'Accept model', from: 0, to: 5, change: { kind: 'accept-model', tasks: ['au', 'expr', 'va'] } });
    expect(r.action?.changes).toBe(18);
    const got = await range(0, 5);
    for (const f of got) {
      const p = softLabelProbabilities(decodeSoftLabel(encodeSoftLabel(logitsOf(f.frame))));
      const au: Record<string, number> = {};
      MODEL_AUS.forEach((n, k) => (au[`AU${n}`] = p.au[k] >= THRESHOLDS[k] ? 1 : 0));
      // AU9 is not a model AU: it keeps the imported value where there was one.
      const imp = importedOf(f.frame).auBits;
      if (imp !== null) au.AU9 = imp & (1 << 9) ? 1 : 0;
      expect(f.au).toEqual({ value: au, provenance: 'accepted' });
      expect(f.expr).toEqual({ value: p.expr.indexOf(Math.max(...p.expr)), provenance: 'accepted' });
      expect(f.va?.provenance).toBe('accepted');
      expect(f.va!.valence).toBeCloseTo(p.valence, 5);
      expect(f.va!.arousal).toBeCloseTo(p.arousal, 5);
    }
    const row = fx.backend.currentProject!.db.prepare(`SELECT model_id, provenance FROM labels l JOIN frames f ON f.id = l.frame_id WHERE f.idx = 0 AND l.layer = 'human' AND l.task = 'expr'`).get();
    expect(row).toEqual({ model_id: fx.teacherId, provenance: 'accepted' });
    expect(AU_MASK & (1 << 9)).toBeTruthy();
  });

  it('marks frames as no face, which the training engine then leaves out, and reads corrections as ground truth', async () => {
    await fx.call('labels.edit', { mediaId: fx.mediaId, name: 'No face', from: 30, to: 34, change: { kind: 'face', value: 'none' } });
    await fx.call('labels.edit', { mediaId: fx.mediaId, name: 'Expr', frames: [40], change: { kind: 'expr', value: 5 } });
    const w = await fx.call('review.window', { mediaId: fx.mediaId, from: 29, to: 35 });
    expect(w.frames.map((f) => f.face)).toEqual(['unknown', 'none', 'none', 'none', 'none', 'none', 'unknown']);
    const h = await fx.call('labels.history', { mediaId: fx.mediaId, frame: 31 });
    expect(h.frame).toMatchObject([{ task: 'face', before: 'unknown', after: 'none', name: 'No face' }]);
    const s = loadSamples(fx.backend.currentProject!.db);
    const idx = Array.from(s.idx.subarray(0, s.n));
    expect(idx).not.toContain(32);
    expect(s.n).toBe(55);
    expect(s.expr[idx.indexOf(40)]).toBe(5);
  });

  it('refuses edits of unknown media, frames outside the media and unknown AUs', async () => {
    const bad = async (input: object) => fx.client.call('labels.edit', input as never);
    expect((await bad({ mediaId: 999, name: 'x', frames: [1], change: { kind: 'expr', value: 1 } })).ok).toBe(false);
    const r = await bad({ mediaId: fx.mediaId, name: 'x', from: 500, to: 600, change: { kind: 'expr', value: 1 } });
    expect(r.ok ? null : r.error.code).toBe('not-found');
    const a = await bad({ mediaId: fx.mediaId, name: 'x', frames: [1], change: { kind: 'au', values: { AU99: 1 } } });
    expect(a.ok ? null : a.error.code).toBe('invalid-input');
    const both = await bad({ mediaId: fx.mediaId, name: 'x', frames: [1], from: 1, to: 2, change: { kind: 'expr', value: 1 } });
    expect(both.ok ? null : both.error.code).toBe('invalid-input');
  });
});
