// Models belong to the job that created them (migration 0007): a model is created 'training' only
// while its job runs, and a job that stops unfinished takes every model it created out of
// 'training'. Found by the fault-injection suite: a CLI killed while its worker was starting left
// the teacher 'training' forever (the job was swept as interrupted before the orphaned worker
// created the model, and no run named it).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { createModel, getModel, stopRunModels } from '../../src/node/store/models';
import { Project } from '../../src/node/store/project';

let p: Project | null = null;
afterEach(() => {
  if (p) fs.rmSync(p.dir, { recursive: true, force: true });
  p?.close();
  p = null;
});

function run(db: Project['db'], status: string): number {
  return Number(db.prepare(`INSERT INTO runs(kind, params, status, created_at) VALUES ('train.students', '{}', ?, ?)`).run(status, new Date().toISOString()).lastInsertRowid);
}

it('refuses to create a model for a job that is no longer running, and creates nothing', () => {
  p = Project.create(fs.mkdtempSync(path.join(os.tmpdir(), 'aw-model-run-')));
  const gone = run(p.db, 'interrupted');
  expect(() => createModel(p!.db, { kind: 'teacher', config: {}, runId: gone })).toThrow(/job #\d+ is interrupted/);
  expect(p.db.prepare('SELECT COUNT(*) FROM models').pluck().get()).toBe(0);
  expect(p.db.prepare('SELECT model_id FROM runs WHERE id = ?').pluck().get(gone)).toBeNull();
});

it("ties the job's models to it, and a stop takes all of them (students and ensemble) out of 'training'", () => {
  p = Project.create(fs.mkdtempSync(path.join(os.tmpdir(), 'aw-model-run-')));
  const db = p.db;
  const teacher = createModel(db, { kind: 'teacher', config: {} });
  const job = run(db, 'running');
  const s1 = createModel(db, { kind: 'student', parentId: teacher.id, config: { group: 1 }, runId: job });
  const s2 = createModel(db, { kind: 'student', parentId: teacher.id, config: { group: 1 }, runId: job });
  const ens = createModel(db, { kind: 'ensemble', parentId: teacher.id, members: [s1.id, s2.id], config: {}, runId: job });
  expect(db.prepare('SELECT model_id FROM runs WHERE id = ?').pluck().get(job)).toBe(s1.id);
  const other = createModel(db, { kind: 'teacher', config: {}, runId: run(db, 'running') });

  db.prepare(`UPDATE runs SET status = 'interrupted' WHERE id = ?`).run(job);
  expect(stopRunModels(db, job)).toBe(3);
  for (const m of [s1, s2, ens]) expect(getModel(db, m.id)!.status).toBe('failed');
  expect(getModel(db, other.id)!.status).toBe('training');
  expect(getModel(db, teacher.id)!.status).toBe('training'); // made by no job: not this job's to stop
});
