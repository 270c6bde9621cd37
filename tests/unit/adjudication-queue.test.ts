// The adjudication queue (issue 15): on a real project file, annotation rows of two or three
// annotators per (frame, task) are judged by the one rule (src/shared/adjudication.ts) — ties under
// the project's policy, disagreements beyond per-task thresholds — and listed in order with counts,
// per media item and per dataset, through the contract (in-process client, a JSON round trip).
import Database from 'better-sqlite3';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { registerAdjudicationCommand } from '../../src/cli/commands/adjudication';
import { verdict } from '../../src/shared/adjudication';
import type { Annotation } from '../../src/shared/annotators';
import type { Task } from '../../src/shared/labels';
import { reviewFixture, type ReviewFixture } from './review-fixture';
import { runVerb } from './helpers';

let fx: ReviewFixture;
let media2 = 0;
let datasetId = 0;

type Value = { au?: Record<number, 0 | 1>; expr?: number; va?: [number, number] } | null;

/** Writes one annotation row straight into the database (null value: that annotator's clearing). */
function annotate(mediaId: number, idx: number, task: Task, annotator: string, v: Value, role: 'annotator' | 'adjudicator' = 'annotator', at = '2026-02-01T00:00:00.000Z') {
  const db = fx.backend.currentProject!.db;
  const fid = db.prepare('SELECT id FROM frames WHERE media_id = ? AND idx = ?').pluck().get(mediaId, idx) as number;
  let mask: bigint | null = null;
  let bits: bigint | null = null;
  if (v?.au) {
    mask = 0n;
    bits = 0n;
    for (const [n, on] of Object.entries(v.au)) {
      mask |= 1n << BigInt(n);
      if (on) bits |= 1n << BigInt(n);
    }
  }
  db.prepare(
    `INSERT INTO annotations(frame_id, task, annotator, role, au_mask, au_bits, expr, valence, arousal, provenance, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'human', ?)`,
  ).run(fid, task, annotator, role, mask, bits, v?.expr ?? null, v?.va?.[0] ?? null, v?.va?.[1] ?? null, at);
}

beforeEach(async () => {
  fx = await reviewFixture(12, { softLabels: false });
  const db = fx.backend.currentProject!.db;
  datasetId = db.prepare('SELECT dataset_id FROM media WHERE id = ?').pluck().get(fx.mediaId) as number;
  media2 = Number(
    db
      .prepare(`INSERT INTO media(dataset_id, name, kind, path, frame_count, created_at) VALUES (?, 'clip-2', 'video', 'media/clip2.mp4', 4, '2026-01-01')`)
      .run(datasetId).lastInsertRowid,
  );
  for (let i = 0; i < 4; i++) db.prepare('INSERT INTO frames(media_id, idx) VALUES (?, ?)').run(media2, i);
  const m = fx.mediaId;
  // f2 AU: AU12 on vs off, AU1 agreed (the consensus keeps AU1, leaves AU12 unlabelled: no tie, a disagreement)
  annotate(m, 2, 'au', 'ann', { au: { 1: 1, 12: 1 } });
  annotate(m, 2, 'au', 'bob', { au: { 1: 1, 12: 0 } });
  // f3 EXPR: 2 of 3 agree (majority, no tie); 2 of the 3 pairs differ
  annotate(m, 3, 'expr', 'ann', { expr: 4 });
  annotate(m, 3, 'expr', 'bob', { expr: 4 });
  annotate(m, 3, 'expr', 'cat', { expr: 1 });
  // f5 VA: valence spread 0.25 (> 0.2)
  annotate(m, 5, 'va', 'ann', { va: [0.1, 0.1] });
  annotate(m, 5, 'va', 'bob', { va: [0.35, 0.1] });
  // f6 VA: within 0.2 on both
  annotate(m, 6, 'va', 'ann', { va: [0.1, 0.1] });
  annotate(m, 6, 'va', 'bob', { va: [0.2, 0.25] });
  // f7 EXPR: one value against one clearing: a tie, no disagreement of values
  annotate(m, 7, 'expr', 'ann', { expr: 2 });
  annotate(m, 7, 'expr', 'bob', null);
  // f8 EXPR: differ, but adjudicated (carol took ann's label)
  annotate(m, 8, 'expr', 'ann', { expr: 1 });
  annotate(m, 8, 'expr', 'bob', { expr: 2 });
  annotate(m, 8, 'expr', 'carol', { expr: 1 }, 'adjudicator', '2026-02-02T00:00:00.000Z');
  // f9: one annotator only
  annotate(m, 9, 'expr', 'ann', { expr: 3 });
  // media 2, f0 EXPR: two classes, one vote each
  annotate(media2, 0, 'expr', 'ann', { expr: 0 });
  annotate(media2, 0, 'expr', 'bob', { expr: 5 });
});
afterEach(async () => {
  await fx.close();
});

const at = (items: { mediaId: number; frame: number }[]) => items.map((i) => `${i.mediaId === fx.mediaId ? 'm1' : 'm2'}:${i.frame}`);

describe('adjudication.queue', () => {
  it('queues ties and disagreements beyond the default thresholds, in order, with counts', async () => {
    const q = await fx.call('adjudication.queue', { datasetId });
    expect(q.policy).toBe('consensus');
    expect(q.thresholds).toEqual({ au: 0, expr: 0, va: 0.2 });
    expect(at(q.items)).toEqual(['m1:2', 'm1:3', 'm1:5', 'm1:7', 'm2:0']);
    expect(q.items.map((i) => i.rank)).toEqual([1, 2, 3, 4, 5]);
    expect(q.items[0].tasks).toEqual([{ task: 'au', reason: 'disagree', score: 1, aus: [12] }]);
    expect(q.items[1].tasks[0]).toMatchObject({ task: 'expr', reason: 'disagree' });
    expect(q.items[1].tasks[0].score).toBeCloseTo(2 / 3, 12);
    expect(q.items[2].tasks[0].task).toBe('va');
    expect(q.items[2].tasks[0].score).toBeCloseTo(0.25, 12);
    expect(q.items[3].tasks).toEqual([{ task: 'expr', reason: 'tie', score: 0, aus: [] }]);
    expect(q.counts).toEqual({
      open: { au: 1, expr: 3, va: 1, any: 5 },
      ties: { au: 0, expr: 2, va: 0, any: 2 },
      adjudicated: { au: 0, expr: 1, va: 0, any: 1 },
    });
    expect(q.media).toEqual([
      { mediaId: fx.mediaId, name: 'clip', datasetId, open: 4, adjudicated: 1 },
      { mediaId: media2, name: 'clip-2', datasetId, open: 1, adjudicated: 0 },
    ]);
    // one media item: its own frames only
    const one = await fx.call('adjudication.queue', { mediaId: media2 });
    expect(at(one.items)).toEqual(['m2:0']);
    expect(one.counts.open.any).toBe(1);
  });

  it('walks next / previous from a frame, across media items, one task at a time', async () => {
    const next = await fx.call('adjudication.queue', { datasetId, from: { mediaId: fx.mediaId, frame: 3 }, limit: 2 });
    expect(at(next.items)).toEqual(['m1:5', 'm1:7']);
    expect(next.items.map((i) => i.rank)).toEqual([3, 4]);
    // from a frame that is not in the queue itself
    const after = await fx.call('adjudication.queue', { datasetId, from: { mediaId: fx.mediaId, frame: 10 }, limit: 1 });
    expect(at(after.items)).toEqual(['m2:0']);
    const prev = await fx.call('adjudication.queue', { datasetId, from: { mediaId: media2, frame: 0 }, direction: 'previous', limit: 2 });
    expect(at(prev.items)).toEqual(['m1:7', 'm1:5']);
    const last = await fx.call('adjudication.queue', { datasetId, direction: 'previous', limit: 1 });
    expect(at(last.items)).toEqual(['m2:0']);
    const end = await fx.call('adjudication.queue', { datasetId, from: { mediaId: media2, frame: 0 } });
    expect(end.items).toEqual([]);
    const va = await fx.call('adjudication.queue', { datasetId, task: 'va' });
    expect(at(va.items)).toEqual(['m1:5']);
    expect(va.media.map((m) => m.open)).toEqual([1, 0]);
    expect(va.counts.open.any).toBe(5); // counts are per task whatever the filter
  });

  it('applies the thresholds given, and refuses thresholds out of range naming the field', async () => {
    const q = await fx.call('adjudication.queue', { datasetId, thresholds: { expr: 0.7, va: 0.3 } });
    expect(q.thresholds).toEqual({ au: 0, expr: 0.7, va: 0.3 });
    // f3 (2/3 of pairs differ) and f5 (spread 0.25) leave; ties stay whatever the threshold
    expect(at(q.items)).toEqual(['m1:2', 'm1:7', 'm2:0']);
    const narrow = await fx.call('adjudication.queue', { datasetId, thresholds: { va: 0.05 } });
    expect(at(narrow.items)).toContain('m1:6');
    for (const [thresholds, field] of [
      [{ au: 1 }, 'thresholds.au'],
      [{ va: -0.1 }, 'thresholds.va'],
      [{ expr: 2 }, 'thresholds.expr'],
    ] as const) {
      const r = await fx.client.call('adjudication.queue', { datasetId, thresholds });
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.error.code).toBe('invalid-input');
        expect(r.error.message).toContain(field);
      }
    }
    const both = await fx.client.call('adjudication.queue', { datasetId, mediaId: fx.mediaId });
    expect(both.ok ? null : both.error.code).toBe('invalid-input');
    const gone = await fx.client.call('adjudication.queue', { mediaId: 999 });
    expect(gone.ok ? null : gone.error.code).toBe('not-found');
  });

  it('keeps its verdicts between calls, and sees what another process wrote (no event reaches this backend)', async () => {
    expect(at((await fx.call('adjudication.queue', { mediaId: media2 })).items)).toEqual(['m2:0']);
    const other = new Database(path.join(fx.dir, 'project.sqlite'));
    try {
      const fid = other.prepare('SELECT id FROM frames WHERE media_id = ? AND idx = 2').pluck().get(media2);
      const put = other.prepare(`INSERT INTO annotations(frame_id, task, annotator, role, expr, provenance, updated_at) VALUES (?, 'expr', ?, 'annotator', ?, 'human', '2026-03-01')`);
      put.run(fid, 'ann', 1);
      put.run(fid, 'bob', 3);
    } finally {
      other.close();
    }
    expect(at((await fx.call('adjudication.queue', { mediaId: media2 })).items)).toEqual(['m2:0', 'm2:2']);
  });

  it("follows the project's policy: under 'latest' nothing ties, disagreements stay", async () => {
    fx.backend.currentProject!.db.prepare(`INSERT OR REPLACE INTO meta(key, value) VALUES ('annotator_policy', 'latest')`).run();
    const q = await fx.call('adjudication.queue', { datasetId });
    expect(q.policy).toBe('latest');
    expect(q.counts.ties.any).toBe(0);
    // f7 (value vs clearing) was only a tie; f2 AU12 and m2 f0 still differ
    expect(at(q.items)).toEqual(['m1:2', 'm1:3', 'm1:5', 'm2:0']);
    expect(q.items[0].tasks[0].reason).toBe('disagree');
  });
});

describe('adjudication.frame', () => {
  it("shows each annotator's label side by side, the resolution, and the adjudication's provenance", async () => {
    const f = await fx.call('adjudication.frame', { mediaId: fx.mediaId, frame: 8 });
    expect(f.tasks.map((t) => t.task)).toEqual(['expr']);
    const t = f.tasks[0];
    expect(t.annotations.map((a) => [a.annotator, a.role, a.value.expr])).toEqual([
      ['ann', 'annotator', 1],
      ['bob', 'annotator', 2],
      ['carol', 'adjudicator', 1],
    ]);
    expect(t.resolved).toEqual({ outcome: 'label', mergedFrom: 'adjudicated', author: 'carol', value: { au: null, expr: 1, valence: null, arousal: null } });
    expect(t.adjudication).toEqual({ by: 'carol', at: '2026-02-02T00:00:00.000Z', from: ['ann'] });
    expect(t.verdict.status).toBe('adjudicated');
    const au = (await fx.call('adjudication.frame', { mediaId: fx.mediaId, frame: 2 })).tasks[0];
    expect(au.annotations.map((a) => a.value.au)).toEqual([
      { AU1: 1, AU12: 1 },
      { AU1: 1, AU12: 0 },
    ]);
    expect(au.resolved).toMatchObject({ outcome: 'label', mergedFrom: 'majority', value: { au: { AU1: 1 } } });
    expect(au.verdict).toMatchObject({ status: 'open', tie: false, disagree: true, aus: [12] });
    const tie = (await fx.call('adjudication.frame', { mediaId: media2, frame: 0 })).tasks[0];
    expect(tie.resolved).toEqual({ outcome: 'tie', mergedFrom: null, author: null, value: null });
    expect(tie.verdict).toMatchObject({ status: 'open', tie: true, disagree: true });
    // the imported ground truth of the frame, for context (fixture: frame 2 has an imported AU label)
    expect(au.imported?.au).not.toBeNull();
    const none = await fx.call('adjudication.frame', { mediaId: fx.mediaId, frame: 0 });
    expect(none.tasks).toEqual([]);
  });
});

describe('affect-workbench adjudication', () => {
  const cli = (args: string[]) => runVerb(registerAdjudicationCommand, args);
  it('prints the counts and the queue (or the JSON the contract answers), and refuses bad thresholds', async () => {
    const text = await cli(['adjudication', fx.dir, '--dataset', 'ds', '--va', '0.3']);
    expect(text.split('\n').slice(0, 4)).toEqual([
      'policy consensus · thresholds AU > 0, EXPR > 0, VA > 0.3',
      'open: 4 frames (AU 1, EXPR 3, VA 0)',
      'ties: 2 frames (AU 0, EXPR 2, VA 0)',
      'adjudicated: 1 frames (AU 0, EXPR 1, VA 0)',
    ]);
    expect(text).toContain('    1  clip  frame 2  AU disagree (AU12)');
    expect(text).toContain('    4  clip-2  frame 0  EXPR tie');
    const json = JSON.parse(await cli(['adjudication', fx.dir, '--media', String(fx.mediaId), '--task', 'expr', '--json'])) as { items: { frame: number }[] };
    expect(json).toEqual(await fx.call('adjudication.queue', { mediaId: fx.mediaId, task: 'expr' }));
    await expect(cli(['adjudication', fx.dir, '--va', '2'])).rejects.toThrow('--va: the va threshold');
    await expect(cli(['adjudication', fx.dir, '--au', 'x'])).rejects.toThrow('--au takes a number');
    await expect(cli(['adjudication', fx.dir, '--dataset', 'nope'])).rejects.toThrow('No dataset named "nope"');
  });
});

describe('verdict (the rule)', () => {
  const row = (annotator: string, v: Partial<Annotation>): Annotation => ({
    annotator,
    role: 'annotator',
    auMask: null,
    auBits: null,
    expr: null,
    valence: null,
    arousal: null,
    provenance: 'human',
    modelId: null,
    updatedAt: '2026-01-01T00:00:00.000Z',
    ...v,
  });
  const thr = { au: 0, expr: 0, va: 0.2 };
  it('counts an AU disagreement as the share of annotator pairs that differ, against the threshold', () => {
    const b12 = 1n << 12n;
    const rows = [row('a', { auMask: b12, auBits: b12 }), row('b', { auMask: b12, auBits: b12 }), row('c', { auMask: b12, auBits: 0n })];
    const v = verdict('au', rows, 'consensus', thr);
    expect(v).toMatchObject({ status: 'open', tie: false, disagree: true, aus: [12] });
    expect(v.score).toBeCloseTo(2 / 3, 12);
    expect(verdict('au', rows, 'consensus', { ...thr, au: 0.7 })).toMatchObject({ status: 'agree', aus: [] });
    // one AU, one vote each way: no AU is decided, so the task ties (resolve's rule) and is queued whatever the threshold
    const tied = verdict('au', rows.slice(1), 'consensus', { ...thr, au: 0.99 });
    expect(tied).toMatchObject({ status: 'open', tie: true });
  });
  it('needs two annotators, and is no disagreement where only one gave a value', () => {
    expect(verdict('expr', [row('a', { expr: 1 })], 'consensus', thr).status).toBe('agree');
    const one = verdict('va', [row('a', { valence: 0.5, arousal: 0.5 }), row('b', {}), row('c', {})], 'consensus', thr);
    // two clearings against one value: the majority clears, no tie, no values to compare
    expect(one).toMatchObject({ status: 'agree', tie: false, disagree: false, valenceSpread: null });
  });
  it('takes the VA spread on valence or arousal, strictly above the threshold', () => {
    const v = verdict('va', [row('a', { valence: 0, arousal: 0.5 }), row('b', { valence: 0.1, arousal: 0.25 })], 'consensus', thr);
    expect(v.valenceSpread).toBeCloseTo(0.1, 12);
    expect(v.arousalSpread).toBeCloseTo(0.25, 12);
    expect(v.status).toBe('open');
    expect(verdict('va', [row('a', { valence: 0, arousal: 0 }), row('b', { valence: 0.125, arousal: 0 })], 'consensus', { ...thr, va: 0.125 }).status).toBe('agree');
  });
});
