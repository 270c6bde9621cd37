// The backend side of the CNN-RNN in the training UI: resuming 'train.rnn-teacher' and
// 'train.rnn-students' runs with the params the RNN jobs accept; deleting a model drops its rows
// from the feature cache and refuses a CNN that CNN-RNN models read; the default feature model
// (the same choice as the engine's); Table 2 rows carry the architecture, CNN rows first.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createModel, setModelStatus } from '../../src/node/store/models';
import { FEATURE_FILE, FeatureCache } from '../../src/node/store/feature-cache';
import { defaultFeatureModel } from '../../src/node/training/engine/features';
import { saveEvaluation } from '../../src/node/training/evaluations';
import { epochRow } from '../../src/node/training/runs';
import { RnnStudentParams, RnnTeacherParams } from '../../src/shared/rnn-config';
import type { Db } from '../../src/node/store/database';
import { tempDir } from './helpers';
import { fakeBackend } from './training-helpers';

const tmp = tempDir('aw-train-rnn-');
afterAll(() => tmp.cleanup());
process.env.AW_HOME = path.join(tmp.dir, 'home');

const tick = () => new Promise((r) => setImmediate(r));

function stoppedRun(db: Db, kind: string, params: object, status: string, modelId: number | null): number {
  return Number(
    db.prepare(`INSERT INTO runs(kind, params, status, model_id, created_at) VALUES (?, ?, ?, ?, 'now')`).run(kind, JSON.stringify(params), status, modelId).lastInsertRowid,
  );
}

describe('runs.resume for the CNN-RNN', () => {
  it('resumes a CNN-RNN teacher as train.rnn-teacher with params.resume = its model, which RnnTeacherParams accepts', async () => {
    const t = fakeBackend(tmp.dir, 'resume-rnn-teacher');
    const cnn = createModel(t.db, { kind: 'teacher', config: {} }).id;
    const rnn = createModel(t.db, { kind: 'teacher', arch: 'cnn-rnn', config: { featuresFrom: cnn } }).id;
    const params = { featuresFrom: cnn, window: 32, epochs: 3, maxStepsPerEpoch: 2 };
    const old = stoppedRun(t.db, 'train.rnn-teacher', params, 'cancelled', rnn);
    const { jobId } = await t.call('runs.resume', { jobId: old });
    await tick();
    expect(t.workers[0].start).toMatchObject({ kind: 'train.rnn-teacher', params: { ...params, resume: rnn } });
    // The worker's schema of the job takes the resumed params as they are.
    expect(RnnTeacherParams.parse(t.workers[0].start!.params)).toMatchObject({ resume: rnn, featuresFrom: cnn, window: 32 });
    t.workers[0].say({ type: 'done', jobId, result: {} });
    t.workers[0].exit(0);
    await tick();
    // Finished, or stopped before its model existed: nothing to resume.
    setModelStatus(t.db, rnn, 'ready');
    expect((await t.fail('runs.resume', { jobId: old })).message).toContain('finished training');
    const early = stoppedRun(t.db, 'train.rnn-teacher', params, 'failed', null);
    expect((await t.fail('runs.resume', { jobId: early })).code).toBe('conflict');
    await t.backend.close();
  });

  it('resumes CNN-RNN students as train.rnn-students with params.resume = true, which RnnStudentParams accepts', async () => {
    const t = fakeBackend(tmp.dir, 'resume-rnn-students');
    const teacher = createModel(t.db, { kind: 'teacher', arch: 'cnn-rnn', config: {} }).id;
    const student = createModel(t.db, { kind: 'student', arch: 'cnn-rnn', parentId: teacher, config: {} }).id;
    const params = { teacher, count: 2, epochs: 1 };
    const old = stoppedRun(t.db, 'train.rnn-students', params, 'interrupted', student);
    await t.call('runs.resume', { jobId: old });
    await tick();
    expect(t.workers[0].start).toMatchObject({ kind: 'train.rnn-students', params: { ...params, resume: true } });
    expect(RnnStudentParams.parse(t.workers[0].start!.params)).toMatchObject({ teacher, count: 2, resume: true });
    const never = stoppedRun(t.db, 'train.rnn-students', params, 'cancelled', null);
    expect((await t.fail('runs.resume', { jobId: never })).message).toContain('first student');
    await t.backend.close();
  });

  it('reads the CNN-RNN epochs’ windows per second', () => {
    expect(epochRow(1, 'now', { windowsPerSecond: 12.5, train: { loss: 2 } })).toMatchObject({ windowsPerSecond: 12.5, samplesPerSecond: null, train: { loss: 2 } });
  });
});

describe('models.delete and the feature cache', () => {
  it('drops the deleted CNN’s cached features, keeps rows another model uses, and refuses a CNN that a CNN-RNN reads', async () => {
    const t = fakeBackend(tmp.dir, 'delete-features');
    const dir = t.project.dir;
    const a = createModel(t.db, { kind: 'teacher', config: {} }).id;
    const b = createModel(t.db, { kind: 'student', parentId: a, config: {} }).id;
    const cache = FeatureCache.open(dir);
    // a and b share a frozen backbone's rows; each has its own head embeddings.
    cache.source('backbone:shared', 2, 'float32', a);
    cache.source('backbone:shared', 2, 'float32', b);
    cache.put('backbone:shared', [1, 2, 3], new Float32Array([1, 2, 3, 4, 5, 6]));
    cache.source('heads:a', 2, 'float32', a);
    cache.put('heads:a', [1], new Float32Array([11, 12]));
    cache.source('heads:b', 2, 'float32', b);
    cache.put('heads:b', [1, 2], new Float32Array([7, 8, 9, 10]));
    cache.close();
    const rnn = createModel(t.db, { kind: 'teacher', arch: 'cnn-rnn', config: { featuresFrom: b } }).id;

    const refused = await t.fail('models.delete', { modelId: b });
    expect(refused.code).toBe('conflict');
    expect(refused.message).toContain(`#${rnn}`);
    // A queued CNN-RNN run that takes features from `a` holds it too.
    const run = stoppedRun(t.db, 'train.rnn-teacher', { featuresFrom: a }, 'queued', null);
    expect((await t.fail('models.delete', { modelId: a })).message).toContain(`#${run}`);
    t.db.prepare(`UPDATE runs SET status = 'done' WHERE id = ?`).run(run);

    await t.call('models.delete', { modelId: a });
    const c = FeatureCache.open(dir);
    const rows = (key: string) => c.db.prepare('SELECT COUNT(*) FROM features WHERE key = ?').pluck().get(key);
    const sources = () => c.db.prepare('SELECT key FROM sources ORDER BY key').pluck().all();
    // a's own rows are gone; the backbone rows b still uses stay.
    expect([rows('heads:a'), rows('backbone:shared'), rows('heads:b'), sources()]).toEqual([0, 3, 2, ['backbone:shared', 'heads:b']]);
    c.close();

    // Once the CNN-RNN is gone, its feature model can go, with its rows.
    await t.call('models.delete', { modelId: rnn });
    await t.call('models.delete', { modelId: b });
    const d = FeatureCache.open(dir);
    expect(d.db.prepare('SELECT COUNT(*) FROM features').pluck().get()).toBe(0);
    d.close();
    await t.backend.close();
  });

  it('creates no feature cache when the project has none', async () => {
    const t = fakeBackend(tmp.dir, 'delete-no-cache');
    const a = createModel(t.db, { kind: 'teacher', config: {} }).id;
    await t.call('models.delete', { modelId: a });
    expect(fs.existsSync(path.join(t.project.dir, FEATURE_FILE))).toBe(false);
    await t.backend.close();
  });

  it('uses a feature-cache module that loads no TensorFlow.js (the backend imports it)', () => {
    // Every module the feature cache reaches, following relative imports: none is TensorFlow.js or the learning core.
    const seen = new Set<string>();
    const packages = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      for (const m of fs.readFileSync(file, 'utf8').matchAll(/^(?:import|export) [^;]*? from '([^']+)';$/gms)) {
        const base = path.resolve(path.dirname(file), m[1]);
        if (m[1].startsWith('.')) visit(fs.existsSync(`${base}.ts`) ? `${base}.ts` : path.join(base, 'index.ts'));
        else packages.add(m[1]);
      }
    };
    visit(path.resolve(import.meta.dirname, '../../src/node/store/feature-cache.ts'));
    expect(seen.size).toBeGreaterThan(1); // it does follow the opener (cache-db.ts)
    expect([...seen].filter((f) => f.includes(`${path.sep}ml${path.sep}`))).toEqual([]);
    expect([...packages].filter((p) => p.startsWith('@tensorflow'))).toEqual([]);
    expect(packages.has('better-sqlite3')).toBe(true);
  });
});

/** A saved-model stub with a training history whose last validation scores sum to `score`. */
function savedModel(dir: string, id: number, score: number | null): void {
  const folder = path.join(dir, 'models', String(id));
  fs.mkdirSync(folder, { recursive: true });
  const history = score === null ? [] : [{ val: { au: 0, expr: 0, valence: 0, arousal: 0 } }, { val: { au: score / 2, expr: score / 2, valence: null, arousal: null } }];
  fs.writeFileSync(path.join(folder, 'model.json'), JSON.stringify({ format: 'affect-workbench-model', version: 1, meta: { history } }));
}

describe('models.featureDefault', () => {
  it('picks the engine’s default feature model: the best CNN student, else the newest student, else a teacher; null without a CNN', async () => {
    const t = fakeBackend(tmp.dir, 'feature-default');
    const dir = t.project.dir;
    const engineChoice = async () => {
      try {
        return (await defaultFeatureModel(t.db, dir)).id;
      } catch {
        return null;
      }
    };
    const both = async () => [(await t.call('models.featureDefault', {})).modelId, await engineChoice()];
    expect(await both()).toEqual([null, null]);

    const ready = (o: Parameters<typeof createModel>[1], score: number | null) => {
      const id = createModel(t.db, o).id;
      setModelStatus(t.db, id, 'ready');
      savedModel(dir, id, score);
      return id;
    };
    const t1 = ready({ kind: 'teacher', config: {} }, 0.4);
    const t2 = ready({ kind: 'teacher', config: {} }, 0.9);
    expect(await both()).toEqual([t2, t2]);
    const s1 = ready({ kind: 'student', parentId: t1, config: {} }, null);
    const s2 = ready({ kind: 'student', parentId: t1, config: {} }, null);
    expect(await both()).toEqual([s2, s2]); // students without scores: the newest
    const s3 = ready({ kind: 'student', parentId: t1, config: {} }, 1.2);
    ready({ kind: 'student', parentId: t1, config: {} }, 0.7);
    expect(await both()).toEqual([s3, s3]);
    // Neither an ensemble, a CNN-RNN, nor a model still training gives features.
    ready({ kind: 'ensemble', parentId: t1, members: [s1, s3], config: {} }, 5);
    ready({ kind: 'student', arch: 'cnn-rnn', parentId: t1, config: {} }, 5);
    savedModel(dir, createModel(t.db, { kind: 'student', parentId: t1, config: {} }).id, 5);
    expect(await both()).toEqual([s3, s3]);
    await t.backend.close();
  });
});

describe('evaluations.table with CNN-RNN models', () => {
  it('gives each row its architecture, the CNN rows first, then the CNN-RNN rows, teacher → students → ensemble within each', async () => {
    const t = fakeBackend(tmp.dir, 'table-arch');
    const rnnT = createModel(t.db, { kind: 'teacher', arch: 'cnn-rnn', config: {} }).id;
    const cnnT = createModel(t.db, { kind: 'teacher', config: {} }).id;
    const rnnS = createModel(t.db, { kind: 'student', arch: 'cnn-rnn', parentId: rnnT, config: {} }).id;
    const cnnS = createModel(t.db, { kind: 'student', parentId: cnnT, config: {} }).id;
    const rnnE = createModel(t.db, { kind: 'ensemble', arch: 'cnn-rnn', parentId: rnnT, members: [rnnS], config: {} }).id;
    const result = (id: number) => ({
      model: { id, name: `m${id}`, kind: 'teacher' },
      dataset: null,
      split: 'val',
      n: { au: 0, expr: 0, va: 1 },
      au: null,
      expr: null,
      valence: { ccc: id / 10 },
      arousal: null,
    });
    for (const id of [rnnE, rnnS, cnnS, rnnT, cnnT]) saveEvaluation(t.db, { modelId: id, dataset: null, split: 'val', result: result(id), points: null, runId: null });
    const table = await t.call('evaluations.table', { dataset: '', split: 'val' });
    expect(table.rows.map((r) => [r.modelId, r.arch, r.kind])).toEqual([
      [cnnT, 'cnn', 'teacher'],
      [cnnS, 'cnn', 'student'],
      [rnnT, 'cnn-rnn', 'teacher'],
      [rnnS, 'cnn-rnn', 'student'],
      [rnnE, 'cnn-rnn', 'ensemble'],
    ]);
    expect((await t.call('models.list', {})).map((m) => m.arch)).toEqual(['cnn-rnn', 'cnn', 'cnn-rnn', 'cnn', 'cnn-rnn']);
    await t.backend.close();
  });
});
