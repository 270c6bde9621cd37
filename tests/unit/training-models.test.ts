// models.list / rename / delete / reviewModel / setReviewModel over the contract, against a project
// whose models, soft labels, evaluations and model folders are written here.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createModel, setModelStatus } from '../../src/node/store/models';
import { putRecords } from './helpers';
import { saveEvaluation } from '../../src/node/training/evaluations';
import { REVIEW_MODEL_KEY } from '../../src/node/training/models';
import { SOFT_LABEL_WIDTH } from '../../src/shared/labels';
import type { Db } from '../../src/node/store/database';
import { tempDir } from './helpers';
import { fakeBackend } from './training-helpers';

const tmp = tempDir('aw-train-models-');
afterAll(() => tmp.cleanup());
process.env.AW_HOME = path.join(tmp.dir, 'home');

/** A teacher with 2 students and their ensemble; soft labels for `frames` frames of the teacher and student 1. */
function seed(db: Db, dir: string, frames = 3) {
  db.prepare(`INSERT INTO datasets(name, source_format, created_at) VALUES ('d', 'test', 'now')`).run();
  db.prepare(`INSERT INTO media(dataset_id, name, kind, path, frame_count, created_at) VALUES (1, 'm', 'sequence', 'm', ?, 'now')`).run(frames);
  const fids = Array.from({ length: frames }, (_, i) => Number(db.prepare('INSERT INTO frames(media_id, idx) VALUES (1, ?)').run(i).lastInsertRowid));
  const teacher = createModel(db, { kind: 'teacher', backbone: 'small', config: {} }).id;
  const s1 = createModel(db, { kind: 'student', backbone: 'small', parentId: teacher, config: {} }).id;
  const s2 = createModel(db, { kind: 'student', backbone: 'small', parentId: teacher, config: {} }).id;
  const ens = createModel(db, { kind: 'ensemble', parentId: teacher, members: [s1, s2], config: {} }).id;
  for (const id of [teacher, s1, s2, ens]) {
    setModelStatus(db, id, 'ready', new Array(8).fill(0.5));
    fs.mkdirSync(path.join(dir, 'models', String(id)), { recursive: true });
    fs.writeFileSync(path.join(dir, 'models', String(id), 'model.json'), '{}');
  }
  const rec = new Array(SOFT_LABEL_WIDTH).fill(0);
  putRecords(db, teacher, fids.map((frameId) => ({ frameId, values: rec })));
  putRecords(db, s1, fids.map((frameId) => ({ frameId, values: rec })));
  saveEvaluation(db, { modelId: s1, dataset: null, split: 'val', result: {}, points: null, runId: null });
  return { teacher, s1, s2, ens };
}

describe('models.* contract methods', () => {
  it('lists models with soft-label and evaluation counts, the review choice and the recorded config', async () => {
    const t = fakeBackend(tmp.dir, 'list');
    const ids = seed(t.db, t.project.dir);
    await t.call('models.setReviewModel', { modelId: ids.teacher });
    const list = await t.call('models.list', {});
    expect(list.map((m) => [m.id, m.kind, m.softLabels, m.evaluations, m.review])).toEqual([
      [ids.teacher, 'teacher', 3, 0, true],
      [ids.s1, 'student', 3, 1, false],
      [ids.s2, 'student', 0, 0, false],
      [ids.ens, 'ensemble', 0, 0, false],
    ]);
    expect(list[3].members).toEqual([ids.s1, ids.s2]);
    expect(list[1].parentId).toBe(ids.teacher);
    expect(list[0].thresholds).toEqual(new Array(8).fill(0.5));
    await t.backend.close();
  });

  it('renames a model, refusing an empty name and a name another model has', async () => {
    const t = fakeBackend(tmp.dir, 'rename');
    const ids = seed(t.db, t.project.dir);
    const events: string[] = [];
    t.backend.subscribe((m) => events.push(m.event));
    const d = await t.call('models.rename', { modelId: ids.s1, name: '  student A  ' });
    expect(d.name).toBe('student A');
    expect(t.db.prepare('SELECT name FROM models WHERE id = ?').pluck().get(ids.s1)).toBe('student A');
    expect(events).toContain('project.changed');
    expect((await t.fail('models.rename', { modelId: ids.s2, name: 'student A' })).code).toBe('conflict');
    expect((await t.fail('models.rename', { modelId: ids.s2, name: '   ' })).code).toBe('invalid-input');
    expect((await t.fail('models.rename', { modelId: 999, name: 'x' })).code).toBe('not-found');
    await t.backend.close();
  });

  it('deletes a model with its folder, soft labels and evaluations; refuses an ensemble member and a model a job uses', async () => {
    const t = fakeBackend(tmp.dir, 'delete');
    const ids = seed(t.db, t.project.dir);
    const count = (sql: string, id: number) => t.db.prepare(sql).pluck().get(id) as number;

    // A student inside an ensemble cannot go before the ensemble.
    const member = await t.fail('models.delete', { modelId: ids.s1 });
    expect(member.code).toBe('conflict');
    expect(member.message).toContain(`#${ids.ens}`);

    // A queued job that reads the teacher blocks its deletion.
    const run = Number(
      t.db.prepare(`INSERT INTO runs(kind, params, status, created_at) VALUES ('soft-labels', ?, 'queued', 'now')`).run(JSON.stringify({ model: ids.teacher }))
        .lastInsertRowid,
    );
    const busy = await t.fail('models.delete', { modelId: ids.teacher });
    expect(busy.code).toBe('conflict');
    expect(busy.message).toContain(`#${run}`);
    t.db.prepare(`UPDATE runs SET status = 'done' WHERE id = ?`).run(run);

    expect(await t.call('models.delete', { modelId: ids.ens })).toEqual({ deleted: ids.ens, softLabels: 0 });
    expect(fs.existsSync(path.join(t.project.dir, 'models', String(ids.ens)))).toBe(false);

    await t.call('models.setReviewModel', { modelId: ids.s1 });
    expect(await t.call('models.delete', { modelId: ids.s1 })).toEqual({ deleted: ids.s1, softLabels: 3 });
    expect(count('SELECT COUNT(*) FROM soft_labels WHERE model_id = ?', ids.s1)).toBe(0);
    expect(count('SELECT COUNT(*) FROM evaluations WHERE model_id = ?', ids.s1)).toBe(0);
    expect(fs.existsSync(path.join(t.project.dir, 'models', String(ids.s1)))).toBe(false);
    // The review choice went with the model; the teacher's soft labels are untouched.
    expect(await t.call('models.reviewModel', {})).toEqual({ modelId: null });
    expect(t.db.prepare('SELECT value FROM meta WHERE key = ?').get(REVIEW_MODEL_KEY)).toBeUndefined();
    expect(count('SELECT COUNT(*) FROM soft_labels WHERE model_id = ?', ids.teacher)).toBe(3);
    expect((await t.call('models.list', {})).map((m) => m.id)).toEqual([ids.teacher, ids.s2]);
    expect((await t.fail('models.delete', { modelId: ids.s1 })).code).toBe('not-found');
    await t.backend.close();
  });

  it('stores the review model in the project, accepts only ready models, and clears it with null', async () => {
    const t = fakeBackend(tmp.dir, 'review');
    const ids = seed(t.db, t.project.dir);
    expect(await t.call('models.reviewModel', {})).toEqual({ modelId: null });
    expect(await t.call('models.setReviewModel', { modelId: ids.ens })).toEqual({ modelId: ids.ens });
    expect(t.db.prepare('SELECT value FROM meta WHERE key = ?').pluck().get(REVIEW_MODEL_KEY)).toBe(String(ids.ens));
    setModelStatus(t.db, ids.s2, 'training');
    expect((await t.fail('models.setReviewModel', { modelId: ids.s2 })).code).toBe('conflict');
    expect((await t.fail('models.setReviewModel', { modelId: 4242 })).code).toBe('not-found');
    expect(await t.call('models.reviewModel', {})).toEqual({ modelId: ids.ens });
    expect(await t.call('models.setReviewModel', { modelId: null })).toEqual({ modelId: null });
    expect(await t.call('models.reviewModel', {})).toEqual({ modelId: null });
    await t.backend.close();
  });
});
