// Migration 4 (evaluations, run logs) applied over a version-2 database with a model and a run, its
// constraints and cascades, and the query plan of the dashboard's Table 2 lookup.
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, userVersion } from '../../src/node/store/database';
import { MIGRATIONS } from '../../src/node/store/migrations';
import { tempDir } from './helpers';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

describe('migration 4: evaluations and run logs', () => {
  it('upgrades a version-2 database; evaluations follow their model, logs their run', () => {
    const tmp = tempDir('aw-mig4-');
    cleanups.push(tmp.cleanup);
    const file = path.join(tmp.dir, 'project.sqlite');
    const v2 = openDatabase(file, { create: true, migrations: MIGRATIONS.filter((m) => m.version <= 2) });
    v2.prepare(`INSERT INTO models (name, kind, arch, created_at) VALUES ('t', 'teacher', 'cnn', 'now'), ('s', 'student', 'cnn', 'now')`).run();
    v2.prepare(`INSERT INTO runs (kind, status, created_at) VALUES ('evaluate', 'done', 'now')`).run();
    expect(userVersion(v2)).toBe(2);
    v2.close();

    const db = openDatabase(file, { migrations: MIGRATIONS.filter((m) => m.version <= 4) });
    expect(userVersion(db)).toBe(4);
    const ev = db.prepare('INSERT INTO evaluations (model_id, dataset, split, result, points, run_id, at) VALUES (?, ?, ?, ?, ?, ?, ?)');
    ev.run(1, '', 'val', '{}', null, 1, 'now');
    ev.run(2, 'd', 'test', '{"a":1}', '{"total":0}', null, 'now');
    expect(() => ev.run(1, '', 'validation', '{}', null, null, 'now')).toThrow(/CHECK/);
    expect(() => ev.run(1, '', 'val', 'not json', null, null, 'now')).toThrow(/CHECK/);
    expect(() => ev.run(9, '', 'val', '{}', null, null, 'now')).toThrow(/FOREIGN KEY/);
    const log = db.prepare('INSERT INTO run_logs (run_id, seq, level, line, at) VALUES (?, ?, ?, ?, ?)');
    log.run(1, 0, 'info', 'a', 'now');
    expect(() => log.run(1, 0, 'info', 'again', 'now')).toThrow(/UNIQUE|PRIMARY/);
    expect(() => log.run(1, 1, 'debug', 'b', 'now')).toThrow(/CHECK/);

    // Table 2 reads the newest evaluation per model of one dataset and split through the index.
    const plan = db
      .prepare(`EXPLAIN QUERY PLAN SELECT MAX(id) FROM evaluations WHERE dataset = ? AND split = ? GROUP BY model_id`)
      .all('', 'val') as { detail: string }[];
    expect(plan.map((p) => p.detail).join(' ')).toMatch(/USING COVERING INDEX evaluations_table/);

    // Deleting a run keeps its evaluation (run_id cleared) and drops its log; deleting a model drops its evaluations.
    db.prepare('DELETE FROM runs WHERE id = 1').run();
    expect(db.prepare('SELECT run_id FROM evaluations WHERE model_id = 1').pluck().get()).toBeNull();
    expect(db.prepare('SELECT COUNT(*) FROM run_logs').pluck().get()).toBe(0);
    db.prepare('DELETE FROM models WHERE id = 2').run();
    expect(db.prepare('SELECT model_id FROM evaluations').pluck().all()).toEqual([1]);
    db.close();
  });
});

describe('migration 8: what an evaluation is measured against', () => {
  it('keeps earlier evaluations as against the labels, checks the pairs, and serves Table 2 per reference from the index', () => {
    const tmp = tempDir('aw-mig8-');
    cleanups.push(tmp.cleanup);
    const file = path.join(tmp.dir, 'project.sqlite');
    const v7 = openDatabase(file, { create: true, migrations: MIGRATIONS.filter((m) => m.version <= 7) });
    v7.prepare(`INSERT INTO models (name, kind, arch, created_at) VALUES ('t', 'teacher', 'cnn', 'now')`).run();
    v7.prepare(`INSERT INTO evaluations (model_id, dataset, split, result, at) VALUES (1, 'demo', 'test', '{}', 'now')`).run();
    v7.close();

    const db = openDatabase(file, { migrations: MIGRATIONS.filter((m) => m.version <= 8) });
    expect(userVersion(db)).toBe(8);
    expect(db.prepare('SELECT reference, measured_on FROM evaluations').get()).toEqual({ reference: 'labels', measured_on: 'labelled' });
    const ev = db.prepare(`INSERT INTO evaluations (model_id, dataset, split, reference, measured_on, result, at) VALUES (1, 'demo', ?, ?, ?, '{}', 'now')`);
    ev.run('test', 'complete-truth', 'all');
    ev.run('train', 'complete-truth', 'unlabelled');
    expect(() => ev.run('test', 'truth', 'all')).toThrow(/CHECK/);
    expect(() => ev.run('test', 'labels', 'all')).toThrow(/CHECK/); // the labels are measured on the frames they label
    expect(() => ev.run('test', 'complete-truth', 'labelled')).toThrow(/CHECK/);
    expect(() => ev.run('test', 'complete-truth', 'some')).toThrow(/CHECK/);
    const plan = db
      .prepare(`EXPLAIN QUERY PLAN SELECT MAX(id) FROM evaluations WHERE dataset = ? AND split = ? GROUP BY model_id, reference, measured_on`)
      .all('demo', 'test') as { detail: string }[];
    expect(plan.map((p) => p.detail).join(' ')).toMatch(/USING COVERING INDEX evaluations_table/);
    expect(plan.map((p) => p.detail).join(' ')).not.toMatch(/TEMP B-TREE/);
    db.close();
  });
});
