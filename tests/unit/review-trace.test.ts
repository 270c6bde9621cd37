// The backend of continuous valence/arousal tracing on a real SQLite project: `labels.trace` writes
// a pass as ONE undoable action over [first sample, last sample] (frames the player skipped lose the
// annotator's earlier value, frames outside are untouched), a second pass over part of it replaces
// that part in one action, one-axis passes keep the other axis, bad input is refused with nothing
// written; `review.annotatorVa` gives every annotator's layer per bucket; the smoothed layer is
// stored apart and put in force only by `trace.applySmoothed` (again one undoable action).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { importedOf, reviewFixture, type ReviewFixture } from './review-fixture';

let fx: ReviewFixture;
beforeEach(async () => {
  fx = await reviewFixture(60);
});
afterEach(async () => {
  await fx.close();
});

const range = (from = 0, to = 59) => fx.call('labels.range', { mediaId: fx.mediaId, from, to });
/** A circle traced over frames [from, to], skipping `skip`. */
function circle(from: number, to: number, skip: number[] = []) {
  const out: { frame: number; valence: number; arousal: number }[] = [];
  for (let f = from; f <= to; f++) {
    if (skip.includes(f)) continue;
    const t = ((f - from) / (to - from)) * 2 * Math.PI;
    out.push({ frame: f, valence: Math.round(0.6 * Math.cos(t) * 1e4) / 1e4 + 0, arousal: Math.round(0.6 * Math.sin(t) * 1e4) / 1e4 + 0 });
  }
  return out;
}

describe('labels.trace', () => {
  it('writes a pass as the annotator\'s valence/arousal in one action; undo removes it in one step', async () => {
    const before = await range();
    const samples = circle(10, 30, [17]);
    const r = await fx.call('labels.trace', { mediaId: fx.mediaId, author: 'alice', speed: 0.5, samples });
    expect(r.action).toMatchObject({ name: 'Trace valence/arousal at 0.5× (frames 10–30)', from: 10, to: 30, author: 'alice', changes: 20 });
    expect([r.written, r.cleared, r.skipped]).toEqual([20, 0, 0]);
    const after = await range();
    for (const s of samples) expect(after[s.frame].va).toMatchObject({ valence: s.valence, arousal: s.arousal });
    // every frame without a sample — outside the pass, or the one the player skipped — is as it was
    const sampled = new Set(samples.map((s) => s.frame));
    for (let f = 0; f < 60; f++) if (!sampled.has(f)) expect(after[f]).toEqual(before[f]);
    const h = await fx.call('labels.history', { mediaId: fx.mediaId });
    expect(h.actions).toHaveLength(1);
    const u = await fx.call('labels.undo', { mediaId: fx.mediaId, author: 'alice' });
    expect(u.action?.id).toBe(r.action!.id);
    expect(await range()).toEqual(before);
    expect(u.canUndo).toBe(false);
  });

  it('a second pass over part of the range replaces it (a skipped frame loses the first pass\'s value), one more action', async () => {
    await fx.call('labels.trace', { mediaId: fx.mediaId, author: 'alice', samples: circle(10, 30) });
    const first = await range();
    const second = circle(20, 25, [22]).map((s) => ({ ...s, valence: Math.round(s.valence * 5e3) / 1e4 + 0 }));
    const r = await fx.call('labels.trace', { mediaId: fx.mediaId, author: 'alice', samples: second });
    expect(r.action).toMatchObject({ from: 20, to: 25 });
    expect([r.written, r.cleared]).toEqual([5, 1]);
    const now = await range();
    for (const s of second) expect(now[s.frame].va).toMatchObject({ valence: s.valence, arousal: s.arousal });
    // frame 22: the first pass's value is gone; its imported label is back in force
    expect(first[22].va?.provenance).toBe('human');
    expect(now[22].va).toEqual({ valence: importedOf(22).va![0], arousal: importedOf(22).va![1], provenance: 'imported' });
    for (let f = 0; f < 60; f++) if (f < 20 || f > 25) expect(now[f]).toEqual(first[f]);
    await fx.call('labels.undo', { mediaId: fx.mediaId, author: 'alice' });
    expect(await range()).toEqual(first);
  });

  it('a one-axis pass keeps the other axis: the annotator\'s own, else the value in force, else skips the frame', async () => {
    // frame 2 and 7 have imported VA; frame 4 gets alice's own value first
    expect(importedOf(2).va).not.toBeNull();
    expect(importedOf(7).va).not.toBeNull();
    await fx.call('labels.trace', { mediaId: fx.mediaId, author: 'alice', samples: [{ frame: 4, valence: 0.1, arousal: 0.8 }] });
    const samples = [2, 3, 4, 7].map((frame) => ({ frame, valence: 0.5, arousal: null }));
    const r = await fx.call('labels.trace', { mediaId: fx.mediaId, author: 'alice', axes: 'valence', samples });
    expect(r.action?.name).toBe('Trace valence (frames 2–7)');
    expect([r.written, r.cleared, r.skipped]).toEqual([3, 0, 1]);
    const now = await range(0, 9);
    expect(now[2].va).toMatchObject({ valence: 0.5, arousal: importedOf(2).va![1] });
    expect(now[3].va).toBeNull();
    expect(now[4].va).toMatchObject({ valence: 0.5, arousal: 0.8 });
    expect(now[7].va).toMatchObject({ valence: 0.5, arousal: importedOf(7).va![1] });
  });

  it('refuses bad passes with a clear message and writes nothing', async () => {
    const before = await range();
    const bad = async (input: Record<string, unknown>) => {
      const r = await fx.client.call('labels.trace', { mediaId: fx.mediaId, ...input } as never);
      expect(r.ok).toBe(false);
      return r.ok ? '' : r.error.message;
    };
    expect(await bad({ samples: [] })).toMatch(/samples/);
    expect(await bad({ samples: [{ frame: 5, valence: 0, arousal: 0 }, { frame: 5, valence: 0, arousal: 0 }] })).toMatch(/increasing frame order/);
    expect(await bad({ samples: [{ frame: 5, valence: 1.5, arousal: 0 }] })).toMatch(/valence/);
    expect(await bad({ samples: [{ frame: 5, valence: null, arousal: 0 }] })).toMatch(/valence is traced/);
    expect(await bad({ axes: 'arousal', samples: [{ frame: 5, valence: 0.2, arousal: 0 }] })).toMatch(/not traced by a arousal pass|must be null/);
    expect(await bad({ speed: 0.3, samples: [{ frame: 5, valence: 0, arousal: 0 }] })).toMatch(/speed/);
    expect(await bad({ samples: [{ frame: 58, valence: 0, arousal: 0 }, { frame: 61, valence: 0, arousal: 0 }] })).toMatch(/no frame 61/);
    expect(await range()).toEqual(before);
    expect((await fx.call('labels.history', { mediaId: fx.mediaId })).actions).toEqual([]);
  });
});

describe('review.annotatorVa and the smoothed layer', () => {
  /** An annotator's trace pass over [frame, valence, arousal] rows (through labels.trace: their layer in annotations). */
  const trace = (author: string, rows: [number, number, number][]) =>
    fx.call('labels.trace', { mediaId: fx.mediaId, author, samples: rows.map(([frame, valence, arousal]) => ({ frame, valence, arousal })) });

  it('gives each annotator\'s valence/arousal per frame, and as bucket means zoomed out', async () => {
    await trace('alice', [[10, 0.2, 0.4], [11, 0.4, 0.6], [12, 0.6, 0.8]]);
    await fx.call('labels.edit', { mediaId: fx.mediaId, name: 'VA', frames: [11], author: 'bob', change: { kind: 'va', valence: -0.5, arousal: 0 } });
    const w = await fx.call('review.annotatorVa', { mediaId: fx.mediaId, from: 10, to: 13, buckets: 4 });
    expect(w.tracks).toEqual([
      { annotator: 'alice', role: 'annotator', frames: 3, traced: 3, valence: [0.2, 0.4, 0.6, null], arousal: [0.4, 0.6, 0.8, null] },
      { annotator: 'bob', role: 'annotator', frames: 1, traced: 0, valence: [null, -0.5, null, null], arousal: [null, 0, null, null] },
    ]);
    const z = await fx.call('review.annotatorVa', { mediaId: fx.mediaId, from: 10, to: 13, buckets: 2 });
    expect(z.tracks[0].valence).toEqual([0.3, 0.6]);
    expect(z.tracks[0].arousal).toEqual([0.5, 0.8]);
  });

  it('stores a moving average apart from the trace, and applies it only on request, as one undoable action', async () => {
    await trace('alice', [[10, 0, 0], [11, 0.3, 0.3], [12, 0.6, 0.6], [13, 0.3, 0.9]]);
    const traced = await range();
    const s = await fx.call('trace.smooth', { mediaId: fx.mediaId, annotator: 'alice', from: 0, to: 59, smoothing: { method: 'moving-average', window: 3 } });
    expect(s).toEqual({ frames: 4, params: 'window 3 frames' });
    const w = await fx.call('review.annotatorVa', { mediaId: fx.mediaId, from: 10, to: 13, buckets: 4 });
    expect(w.derived).toEqual([{ annotator: 'alice', method: 'moving-average', params: 'window 3 frames', valence: [0.15, 0.3, 0.4, 0.45], arousal: [0.15, 0.3, 0.6, 0.75] }]);
    // the raw trace is untouched and the smoothed layer is not in force
    expect(w.tracks[0].valence).toEqual([0, 0.3, 0.6, 0.3]);
    expect(await range()).toEqual(traced);
    const before = traced;
    const r = await fx.call('trace.applySmoothed', { mediaId: fx.mediaId, author: 'alice', method: 'moving-average', from: 0, to: 59 });
    expect(r.action?.name).toBe('Apply smoothed trace (moving-average window 3 frames, frames 10–13)');
    // frame 11's mean equals its trace: unchanged, no history entry
    expect(r.written).toBe(3);
    expect((await range(10, 13)).map((f) => [f.va?.valence, f.va?.arousal])).toEqual([
      [0.15, 0.15],
      [0.3, 0.3],
      [0.4, 0.6],
      [0.45, 0.75],
    ]);
    await fx.call('labels.undo', { mediaId: fx.mediaId, author: 'alice' });
    expect(await range()).toEqual(before);
    // recomputing replaces the derived rows of its range
    await fx.call('trace.smooth', { mediaId: fx.mediaId, annotator: 'alice', from: 0, to: 59, smoothing: { method: 'moving-average', window: 5 } });
    const w5 = await fx.call('review.annotatorVa', { mediaId: fx.mediaId, from: 10, to: 13, buckets: 4 });
    expect(w5.derived.map((d) => d.params)).toEqual(['window 5 frames']);
    // undoing the pass takes its smoothed layer out of sight (and out of reach of apply)
    await fx.call('labels.undo', { mediaId: fx.mediaId, author: 'alice' });
    expect((await fx.call('review.annotatorVa', { mediaId: fx.mediaId, from: 10, to: 13, buckets: 4 })).derived).toEqual([]);
    const gone = await fx.client.call('trace.applySmoothed', { mediaId: fx.mediaId, author: 'alice', method: 'moving-average', from: 0, to: 59 });
    expect(gone.ok).toBe(false);
    const noTrace = await fx.client.call('trace.applySmoothed', { mediaId: fx.mediaId, author: 'bob', method: 'moving-average', from: 0, to: 59 });
    expect(noTrace.ok ? '' : noTrace.error.message).toMatch(/No smoothed trace of bob/);
  });
});
