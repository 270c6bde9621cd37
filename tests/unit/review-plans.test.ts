// Migration 3 (review history) and the query plans of every statement the review methods run:
// the statements are captured from real calls (not copied here), then each is EXPLAINed, so a
// query that stops using its index fails this test rather than a 50,000-frame video in use.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userVersion, type Db } from '../../src/node/store/database';
import { MIGRATIONS } from '../../src/node/store/migrations';
import { reviewFixture, type ReviewFixture } from './review-fixture';

let fx: ReviewFixture;
const captured = new Set<string>();
/** Small tables a scan of which costs nothing (a project has a handful of models and datasets, one imports row per running import). */
const SMALL = /^SCAN (models|model|datasets|meta|imports)\b|^SCAN (CONSTANT ROW|\(subquery)|^USE TEMP B-TREE/;

beforeAll(async () => {
  fx = await reviewFixture(200);
  const db = fx.backend.currentProject!.db as Db & { prepare: Db['prepare'] };
  const orig = db.prepare.bind(db);
  (db as { prepare: unknown }).prepare = (sql: string) => {
    captured.add(sql);
    return orig(sql);
  };
  const m = fx.mediaId;
  await fx.call('media.get', { mediaId: m });
  await fx.call('review.window', { mediaId: m, from: 10, to: 80 });
  await fx.call('review.overview', { mediaId: m, buckets: 50 });
  await fx.call('review.next', { mediaId: m, kind: 'disagree', task: 'any', from: 5, direction: 'next' });
  await fx.call('review.next', { mediaId: m, kind: 'uncertain', task: 'au', from: 5, direction: 'next', order: 'strength' });
  await fx.call('review.workSummary', {});
  await fx.call('labels.edit', { mediaId: m, name: 'Range', from: 10, to: 20, change: { kind: 'expr', value: 3 } });
  await fx.call('labels.edit', { mediaId: m, name: 'List', frames: [3, 9], change: { kind: 'au', values: { AU4: 1 } } });
  await fx.call('labels.edit', { mediaId: m, name: 'Accept', from: 30, to: 35, change: { kind: 'accept-model', tasks: ['au', 'va'] } });
  await fx.call('labels.edit', { mediaId: m, name: 'Face', from: 40, to: 41, change: { kind: 'face', value: 'none' } });
  await fx.call('labels.edit', { mediaId: m, name: 'Keep', from: 60, to: 70, change: { kind: 'keep', tasks: ['au', 'expr', 'va'] } });
  await fx.call('labels.undo', { mediaId: m });
  await fx.call('labels.undo', { mediaId: m });
  await fx.call('labels.redo', { mediaId: m });
  await fx.call('labels.edit', { mediaId: m, name: 'Supersede', frames: [50], change: { kind: 'expr', value: 1 } });
  await fx.call('labels.history', { mediaId: m, frame: 10 });
  (db as { prepare: unknown }).prepare = orig;
});
afterAll(async () => {
  await fx.close();
});

describe('migration 3', () => {
  it('adds the redo bookkeeping columns and the face history, in order before migration 4', () => {
    const db = fx.backend.currentProject!.db;
    expect(MIGRATIONS.map((m) => m.version)).toEqual([...MIGRATIONS.map((m) => m.version)].sort((a, b) => a - b));
    expect(MIGRATIONS.some((m) => m.version === 3)).toBe(true);
    expect(userVersion(db)).toBeGreaterThanOrEqual(3);
    const cols = (db.prepare('PRAGMA table_info(actions)').all() as { name: string }[]).map((c) => c.name);
    expect(cols).toEqual(expect.arrayContaining(['superseded', 'at_frame', 'undone_at']));
    const fh = (db.prepare('PRAGMA table_info(face_history)').all() as { name: string }[]).map((c) => c.name);
    expect(fh).toEqual(['id', 'action_id', 'frame_id', 'before', 'after']);
    expect(() => db.prepare(`INSERT INTO face_history(action_id, frame_id, before, after) VALUES (1, 1, 'ok', 'maybe')`).run()).toThrow(/CHECK|FOREIGN/);
  });
});

describe('review query plans', () => {
  it('captured the statements of every review method', () => {
    const all = [...captured].join('\n');
    for (const needle of ['soft_labels', 'label_history', 'face_history', 'actions', 'frames f JOIN labels l']) expect(all).toContain(needle);
    expect(captured.size).toBeGreaterThan(15);
  });

  it('reads frames, labels, soft labels and history through indexes only: no scan of a per-frame table', () => {
    const db = fx.backend.currentProject!.db;
    const bad: string[] = [];
    for (const sql of captured) {
      const n = (sql.match(/\?/g) ?? []).length;
      const plan = db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...Array(n).fill(1)) as { detail: string }[];
      for (const { detail } of plan) if (/^SCAN /.test(detail) && !SMALL.test(detail)) bad.push(`${detail}  ←  ${sql.replace(/\s+/g, ' ').slice(0, 160)}`);
    }
    expect(bad).toEqual([]);
    // The check itself bites: an unindexed lookup is a scan it reports.
    const scan = (db.prepare('EXPLAIN QUERY PLAN SELECT frame_id FROM labels WHERE expr = ?').all(1) as { detail: string }[]).map((r) => r.detail);
    expect(scan.some((d) => /^SCAN /.test(d) && !SMALL.test(d))).toBe(true);
  });

  it('finds the action to undo through the actions_media index without sorting', () => {
    const db = fx.backend.currentProject!.db;
    const plan = (sql: string) => (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(1) as { detail: string }[]).map((r) => r.detail);
    const undo = plan('SELECT id FROM actions WHERE media_id = ? AND undone = 0 ORDER BY id DESC LIMIT 1');
    expect(undo.join('|')).toMatch(/SEARCH actions USING (COVERING )?INDEX actions_media \(media_id=\? AND undone=\?\)/);
    expect(undo.join('|')).not.toMatch(/TEMP B-TREE/);
  });
});
