import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, userVersion } from '../../src/node/store/database';
import { MIGRATIONS, SCHEMA_VERSION } from '../../src/node/store/migrations';
import { labelsInRange } from '../../src/node/labels/labels';
import { Project } from '../../src/node/store/project';
import { projectInfo } from '../../src/node/store/info';

const dirs: string[] = [];
function tmp(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'aw-db-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function seed(db: Database.Database, frames = 1000): number {
  const now = new Date().toISOString();
  db.prepare(`INSERT INTO datasets(name, source_format, created_at) VALUES ('d', 'test', ?)`).run(now);
  const mediaId = Number(
    db.prepare(`INSERT INTO media(dataset_id, name, kind, path, frame_count, created_at) VALUES (1, 'v', 'video', 'v.mp4', ?, ?)`).run(frames, now)
      .lastInsertRowid,
  );
  const f = db.prepare('INSERT INTO frames(media_id, idx) VALUES (?, ?)');
  const l = db.prepare(
    `INSERT INTO labels(frame_id, task, layer, au_mask, au_bits, expr, valence, arousal, provenance, updated_at)
     VALUES (?, ?, 'imported', ?, ?, ?, ?, ?, 'imported', ?)`,
  );
  db.transaction(() => {
    for (let i = 0; i < frames; i++) {
      const id = Number(f.run(mediaId, i).lastInsertRowid);
      l.run(id, 'au', (1n << 1n) | (1n << 12n), 1n << 12n, null, null, null, now);
      if (i % 2 === 0) l.run(id, 'expr', null, null, i % 7, null, null, now);
    }
  })();
  return mediaId;
}

describe('project database', () => {
  it('creates a project folder with WAL, STRICT tables and the latest schema version', () => {
    const dir = path.join(tmp(), 'proj');
    const p = Project.create(dir, 'My project');
    expect(fs.existsSync(path.join(dir, 'project.sqlite'))).toBe(true);
    for (const sub of ['media', 'models', 'cache']) expect(fs.statSync(path.join(dir, sub)).isDirectory()).toBe(true);
    expect(p.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(userVersion(p.db)).toBe(SCHEMA_VERSION);
    const tables = p.db.prepare(`SELECT name, sql FROM sqlite_schema WHERE type = 'table'`).all() as { name: string; sql: string }[];
    for (const t of ['datasets', 'media', 'frames', 'labels', 'label_history', 'actions', 'models', 'runs', 'run_epochs', 'soft_labels']) {
      const row = tables.find((x) => x.name === t);
      expect(row, t).toBeDefined();
      expect(row!.sql).toMatch(/STRICT/);
    }
    expect(p.summary().name).toBe('My project');
    p.close();
    expect(() => Project.create(dir)).toThrow(/already exists/);
  });

  it('applies each migration in order, and every prefix of the list opens cleanly', () => {
    for (let k = 1; k <= MIGRATIONS.length; k++) {
      const file = path.join(tmp(), `m${k}.sqlite`);
      const db = openDatabase(file, { create: true, migrations: MIGRATIONS.slice(0, k) });
      expect(userVersion(db)).toBe(MIGRATIONS[k - 1].version);
      expect(db.pragma('foreign_key_check')).toEqual([]);
      db.close();
      // reopening with the full list migrates forward to the latest
      const db2 = openDatabase(file);
      expect(userVersion(db2)).toBe(SCHEMA_VERSION);
      db2.close();
    }
  });

  it('refuses a database written by a newer version and leaves it untouched', () => {
    const file = path.join(tmp(), 'newer.sqlite');
    const raw = new Database(file);
    raw.exec('CREATE TABLE x(a INTEGER) STRICT');
    raw.pragma(`user_version = ${SCHEMA_VERSION + 5}`);
    raw.close();
    const before = fs.readFileSync(file);
    expect(() => openDatabase(file)).toThrow(/newer Affect Workbench/);
    expect(fs.readFileSync(file).equals(before)).toBe(true);
  });

  it('rolls a failing migration back to the previous version', () => {
    const file = path.join(tmp(), 'fail.sqlite');
    const bad = [...MIGRATIONS, { version: SCHEMA_VERSION + 1, name: 'broken', sql: 'CREATE TABLE ok_table(a INTEGER) STRICT; SELECT nonsense FROM nowhere;' }];
    expect(() => openDatabase(file, { create: true, migrations: bad })).toThrow(/Migration .* failed/);
    const db = openDatabase(file);
    expect(userVersion(db)).toBe(SCHEMA_VERSION);
    expect(db.prepare(`SELECT name FROM sqlite_schema WHERE name = 'ok_table'`).get()).toBeUndefined();
    db.close();
  });

  it('enforces label constraints (range, AU bits within mask, task/value agreement)', () => {
    const p = Project.create(path.join(tmp(), 'c'));
    seed(p.db, 3);
    const ins = p.db.prepare(
      `INSERT INTO labels(frame_id, task, layer, au_mask, au_bits, expr, valence, arousal, provenance, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?)`,
    );
    const now = new Date().toISOString();
    expect(() => ins.run(1, 'va', 'imported', null, null, null, 1.5, 0, 'imported', now)).toThrow(/CHECK/);
    expect(() => ins.run(1, 'expr', 'human', null, null, 9, null, null, 'human', now)).toThrow(/CHECK/);
    expect(() => ins.run(2, 'au', 'human', 2n, 6n, null, null, null, 'human', now)).toThrow(/CHECK/);
    expect(() => ins.run(2, 'va', 'imported', 2n, 2n, null, 0, 0, 'imported', now)).toThrow(/CHECK/);
    expect(() => ins.run(999, 'expr', 'human', null, null, 1, null, null, 'human', now)).toThrow(/FOREIGN KEY/);
    p.close();
  });

  it('looks labels up per (media, frame range) through indexes, not scans', () => {
    const p = Project.create(path.join(tmp(), 'qp'));
    seed(p.db, 50);
    p.db.exec('ANALYZE');
    const plan = p.db
      .prepare(
        `EXPLAIN QUERY PLAN SELECT f.idx, l.task, l.layer FROM frames f JOIN labels l ON l.frame_id = f.id
         WHERE f.media_id = ? AND f.idx BETWEEN ? AND ?`,
      )
      .all(1, 10, 20) as { detail: string }[];
    const details = plan.map((r) => r.detail);
    expect(details.some((d) => /SEARCH f USING (COVERING )?INDEX sqlite_autoindex_frames_1 \(media_id=\? AND idx>\? AND idx<\?\)/.test(d))).toBe(true);
    expect(details.some((d) => /SEARCH l USING PRIMARY KEY \(frame_id=\?\)/.test(d))).toBe(true);
    expect(details.some((d) => /^SCAN/.test(d))).toBe(false);
    const soft = p.db
      .prepare(`EXPLAIN QUERY PLAN SELECT s.data FROM frames f JOIN soft_labels s ON s.frame_id = f.id AND s.model_id = ? WHERE f.media_id = ? AND f.idx BETWEEN ? AND ?`)
      .all(1, 1, 0, 10) as { detail: string }[];
    expect(soft.map((r) => r.detail).some((d) => /^SCAN/.test(d))).toBe(false);
    p.close();
  });

  it('returns the effective label per frame: human over imported, cleared human hides imported', () => {
    const p = Project.create(path.join(tmp(), 'eff'));
    const mediaId = seed(p.db, 10);
    const now = new Date().toISOString();
    const ins = p.db.prepare(
      `INSERT INTO labels(frame_id, task, layer, au_mask, au_bits, expr, valence, arousal, provenance, author, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)`,
    );
    ins.run(1, 'expr', 'human', null, null, 4, null, null, 'human', 'ann', now); // overrides imported 0
    ins.run(3, 'expr', 'human', null, null, null, null, null, 'human', 'ann', now); // clears imported 2
    ins.run(2, 'va', 'human', null, null, null, 0.5, -0.25, 'accepted', 'ann', now);
    const got = labelsInRange(p.db, mediaId, 0, 3);
    expect(got.map((g) => g.frame)).toEqual([0, 1, 2, 3]);
    expect(got[0].expr).toEqual({ value: 4, provenance: 'human' });
    expect(got[0].au).toEqual({ value: { AU1: 0, AU12: 1 }, provenance: 'imported' });
    expect(got[1].expr).toBeNull();
    expect(got[1].va).toEqual({ valence: 0.5, arousal: -0.25, provenance: 'accepted' });
    expect(got[2].expr).toBeNull();
    const info = projectInfo(p);
    expect(info.datasets[0].labels).toEqual({ au: 10, expr: 4, va: 1 });
    expect(info.datasets[0].frames).toBe(10);
    p.close();
  });
});
