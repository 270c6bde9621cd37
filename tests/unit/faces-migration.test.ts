// Migration 2 (faces, media pts offsets) applied over a version-1 database with data in it.
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, userVersion } from '../../src/node/store/database';
import { MIGRATIONS } from '../../src/node/store/migrations';
import { tempDir } from './helpers';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

describe('migration 2: faces', () => {
  it('upgrades a version-1 database with media and frames, and the faces table follows its frames', () => {
    const tmp = tempDir('aw-mig2-');
    cleanups.push(tmp.cleanup);
    const file = path.join(tmp.dir, 'project.sqlite');
    const v1 = openDatabase(file, { create: true, migrations: MIGRATIONS.filter((m) => m.version === 1) });
    v1.prepare(`INSERT INTO datasets (name, source_format, created_at) VALUES ('d', 'video', 'now')`).run();
    v1.prepare(`INSERT INTO media (dataset_id, name, kind, path, frame_count, created_at) VALUES (1, 'v', 'video', 'v.mp4', 2, 'now')`).run();
    v1.prepare('INSERT INTO frames (media_id, idx) VALUES (1, 0), (1, 1)').run();
    v1.close();

    const db = openDatabase(file, { migrations: MIGRATIONS.filter((m) => m.version <= 2) });
    expect(userVersion(db)).toBe(2);
    expect(db.prepare('SELECT pts_offset, source_offset FROM media').get()).toEqual({ pts_offset: 0, source_offset: 0 });
    const lm = Buffer.from(new Float32Array(136).buffer);
    const put = db.prepare('INSERT INTO faces (frame_id, x, y, w, h, score, detector, landmarks) VALUES (?, 1, 2, 30, 40, ?, ?, ?)');
    put.run(1, 0.9, 'ssd', lm);
    put.run(2, 1, 'given', null);
    expect(() => put.run(1, 0.9, 'ssd', lm)).toThrow(/UNIQUE|PRIMARY/);
    expect(() => put.run(99, 0.9, 'ssd', lm)).toThrow(/FOREIGN KEY/);
    expect(() => db.prepare(`UPDATE faces SET landmarks = ? WHERE frame_id = 1`).run(Buffer.alloc(10))).toThrow(/CHECK/);
    expect(() => db.prepare(`UPDATE faces SET detector = 'guess' WHERE frame_id = 1`).run()).toThrow(/CHECK/);
    expect(() => db.prepare(`UPDATE faces SET score = 1.5 WHERE frame_id = 1`).run()).toThrow(/CHECK/);
    db.prepare('DELETE FROM frames WHERE id = 1').run();
    expect(db.prepare('SELECT frame_id FROM faces').pluck().all()).toEqual([2]);
    db.prepare('DELETE FROM media').run();
    expect(db.prepare('SELECT COUNT(*) FROM faces').pluck().get()).toBe(0);
    db.close();
  });
});
