// Stored evaluations: the scatter sample against hand-picked rows, Table 2 (newest evaluation per
// model, teacher → students → ensemble) over the contract, and the real evaluate job of the engine
// writing what the dashboard reads (a tiny teacher on rendered faces, run in this process).
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createModel, getModel, setModelStatus } from '../../src/node/store/models';
import { evaluateModel, generateSoftLabels, thresholdsTunedOn, trainTeacher } from '../../src/node/training/engine/pipeline';
import type { EngineSession } from '../../src/node/training/engine/context';
import { Project } from '../../src/node/store/project';
import { readModelMeta } from '../../src/ml/models';
import { Backend } from '../../src/node/app/backend';
import { inProcessClient } from '../../src/node/app/inprocess';
import { unwrap } from '../../src/shared/result';
import { probabilitiesOf } from '../../src/ml/train/evaluate';
import { getSoftLabels } from '../../src/node/store/softlabels';
import { saveEvaluation, vaPoints } from '../../src/node/training/evaluations';
import { EvaluationResult } from '../../src/shared/training-contract';
import { buildEngineFixture } from './engine-fixture';
import { tempDir } from './helpers';
import { fakeBackend } from './training-helpers';

const tmp = tempDir('aw-train-evals-');
afterAll(() => tmp.cleanup());
process.env.AW_HOME = path.join(tmp.dir, 'home');

const report = (id: number, name: string, kind: string, auScore: number) => ({
  model: { id, name, kind },
  dataset: null,
  split: 'val',
  n: { au: 10, expr: 10, va: 10 },
  au: { f1: auScore, acc: auScore, score: auScore, threshold: new Array(8).fill(0.5), perAU: { AU1: auScore } },
  expr: null,
  valence: { ccc: 0.5 },
  arousal: null,
});

describe('vaPoints', () => {
  it('samples frames with a valence or arousal label evenly and keeps labels next to predictions', () => {
    const nan = Number.NaN;
    const label = { valence: [0.1, nan, 0.3, nan, 0.5, 0.6], arousal: [nan, nan, -0.3, 0.4, nan, -0.6] };
    const pred = { valence: [1, 2, 3, 4, 5, 6].map((v) => v / 10 + 0.00004), arousal: [-1, -2, -3, -4, -5, -6].map((v) => v / 10) };
    // Labelled rows: 0, 2, 3, 4, 5 (row 1 has neither). All fit:
    expect(vaPoints(pred, label, 6)).toEqual({
      total: 5,
      valence: [0.1, 0.3, 0.4, 0.5, 0.6],
      arousal: [-0.1, -0.3, -0.4, -0.5, -0.6],
      labelValence: [0.1, 0.3, null, 0.5, 0.6],
      labelArousal: [null, -0.3, 0.4, null, -0.6],
    });
    // Two of five: rows at j·5/2 → labelled rows #0 and #2 → frames 0 and 3.
    const two = vaPoints(pred, label, 6, 2);
    expect(two.total).toBe(5);
    expect(two.valence).toEqual([0.1, 0.4]);
    // Only the first n rows count.
    expect(vaPoints(pred, label, 2).total).toBe(1);
  });
});

describe('evaluations.table / evaluations.points', () => {
  it('answers the newest evaluation of each model for one dataset and split, teacher → students → ensemble', async () => {
    const t = fakeBackend(tmp.dir, 'table');
    const teacher = createModel(t.db, { kind: 'teacher', config: {} }).id;
    const ens = createModel(t.db, { kind: 'ensemble', parentId: teacher, config: {} }).id;
    const student = createModel(t.db, { kind: 'student', parentId: teacher, config: {} }).id;
    const save = (id: number, kind: string, score: number, dataset: string | null, split: 'val' | 'test' = 'val') =>
      saveEvaluation(t.db, { modelId: id, dataset, split, result: report(id, `m${id}`, kind, score), points: null, runId: null });
    save(ens, 'ensemble', 0.7, null);
    save(teacher, 'teacher', 0.4, null);
    save(teacher, 'teacher', 0.45, null); // newer: replaces 0.4 in the table
    save(student, 'student', 0.6, null);
    save(student, 'student', 0.9, 'other');
    save(teacher, 'teacher', 0.1, null, 'test');

    const all = await t.call('evaluations.table', { dataset: '', split: 'val' });
    expect(all.rows.map((r) => [r.kind, r.modelId, r.result.au?.score])).toEqual([
      ['teacher', teacher, 0.45],
      ['student', student, 0.6],
      ['ensemble', ens, 0.7],
    ]);
    expect(all.rows[1].parentId).toBe(teacher);
    expect(all.available).toEqual([
      { dataset: '', split: 'test', models: 1 },
      { dataset: '', split: 'val', models: 3 },
      { dataset: 'other', split: 'val', models: 1 },
    ]);
    expect((await t.call('evaluations.table', { dataset: 'other', split: 'val' })).rows.map((r) => r.result.au?.score)).toEqual([0.9]);
    expect((await t.call('evaluations.table', { dataset: '', split: 'test' })).rows.map((r) => r.result.au?.score)).toEqual([0.1]);
    // No points stored: an empty sample, not an error; an unknown id is not found.
    expect(await t.call('evaluations.points', { evaluationId: all.rows[0].id })).toEqual({ total: 0, valence: [], arousal: [], labelValence: [], labelArousal: [] });
    expect((await t.fail('evaluations.points', { evaluationId: 999 })).code).toBe('not-found');
    await t.backend.close();
  });

  it('keeps the newest evaluation of each model per reference: against the labels and against the complete truth side by side', async () => {
    const t = fakeBackend(tmp.dir, 'references');
    const teacher = createModel(t.db, { kind: 'teacher', config: {} }).id;
    const truth = (score: number, measuredOn: 'all' | 'unlabelled') => ({ ...report(teacher, 'm', 'teacher', score), split: 'test', reference: 'complete-truth', measuredOn });
    saveEvaluation(t.db, { modelId: teacher, dataset: 'demo', split: 'test', result: { ...report(teacher, 'm', 'teacher', 0.3), split: 'test' }, points: null, runId: null });
    saveEvaluation(t.db, { modelId: teacher, dataset: 'demo', split: 'test', reference: 'complete-truth', measuredOn: 'all', result: truth(0.5, 'all'), points: null, runId: null });
    saveEvaluation(t.db, { modelId: teacher, dataset: 'demo', split: 'test', reference: 'complete-truth', measuredOn: 'all', result: truth(0.55, 'all'), points: null, runId: null });
    saveEvaluation(t.db, { modelId: teacher, dataset: 'demo', split: 'test', reference: 'complete-truth', measuredOn: 'unlabelled', result: truth(0.2, 'unlabelled'), points: null, runId: null });
    const table = await t.call('evaluations.table', { dataset: 'demo', split: 'test' });
    expect(table.rows.map((r) => [r.reference, r.measuredOn, r.result.au?.score])).toEqual([
      ['labels', 'labelled', 0.3],
      ['complete-truth', 'all', 0.55],
      ['complete-truth', 'unlabelled', 0.2],
    ]);
    // One model, whatever it was measured against.
    expect(table.available).toEqual([{ dataset: 'demo', split: 'test', models: 1 }]);
    await t.backend.close();
  });

  it('the engine evaluate job stores its report and a scatter sample that match its predictions', async () => {
    const dir = path.join(tmp.dir, 'engine');
    (await buildEngineFixture(dir, { videos: 3, frames: 12 })).close();
    const hooks = { progress: () => {}, log: () => {}, checkpoint: async () => {} };
    const cfg = { backbone: 'small' as const, inputSize: 32, epochs: 1, batch: 8, maxStepsPerEpoch: 2 };
    const { modelId } = await trainTeacher(dir, cfg, hooks);
    await generateSoftLabels(dir, { model: modelId }, hooks);
    const rep = await evaluateModel(dir, { model: modelId, split: 'val' }, hooks);
    // auThresholds 'half' (the default): AU at 0.5 is the figure, nothing tuned to report.
    expect(rep.au?.threshold).toEqual(new Array(8).fill(0.5));
    expect(rep.auAtHalf).toEqual(rep.au);
    expect([rep.auTuned, rep.auThresholdsTunedOn]).toEqual([null, null]);

    const b = new Backend({ transport: 'inprocess' });
    b.openProject(dir, false);
    const c = inProcessClient(b);
    const table = unwrap(await c.call('evaluations.table', { dataset: '', split: 'val' }));
    expect(table.rows).toHaveLength(1);
    expect(table.rows[0].result).toEqual(EvaluationResult.parse(JSON.parse(JSON.stringify(rep))));
    // Measured against the ground truth present in the split, each task on the frames labelled for it.
    expect([rep.reference, rep.measuredOn, table.rows[0].reference, table.rows[0].measuredOn]).toEqual(['labels', 'labelled', 'labels', 'labelled']);
    expect(table.rows[0].result.expr?.confusion.flat().reduce((a, v) => a + v, 0)).toBe(rep.n.expr);

    // The fixture's validation media (one of three, 12 frames) carry every task: 12 labelled frames.
    const pts = unwrap(await c.call('evaluations.points', { evaluationId: table.rows[0].id }));
    expect(pts.total).toBe(12);
    const db = b.currentProject!.db;
    const val = db.prepare(`SELECT f.id, l.valence FROM frames f JOIN labels l ON l.frame_id = f.id AND l.task = 'va' WHERE f.split = 'val' ORDER BY f.id`).all() as {
      id: number;
      valence: number;
    }[];
    expect(pts.labelValence).toEqual(val.map((r) => Math.round(r.valence * 1e4) / 1e4));
    // Predictions: the teacher's soft labels of the same frames give the same expectations.
    const soft = getSoftLabels(db, modelId, val.map((r) => r.id));
    const recs = new Float32Array(val.flatMap((r) => Array.from(soft.get(r.id)!)));
    const expected = Array.from(probabilitiesOf(recs).valence, (v) => Math.round(v * 1e4) / 1e4);
    pts.valence.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 3));
    await b.close();
  });

  it('reports AU at 0.5 first, and at thresholds tuned on val only for another split (issue 18)', async () => {
    const dir = path.join(tmp.dir, 'tuned');
    (await buildEngineFixture(dir, { videos: 3, frames: 12 })).close();
    const hooks = { progress: () => {}, log: () => {}, checkpoint: async () => {} };
    const cfg = { backbone: 'small' as const, inputSize: 32, epochs: 1, batch: 8, maxStepsPerEpoch: 2, auThresholds: 'tuned' as const };
    const { modelId } = await trainTeacher(dir, cfg, hooks);
    expect((await readModelMeta(path.join(dir, 'models', String(modelId)))).auThresholdsTunedOn).toBe('val');
    // Thresholds away from 0.5 whatever the tiny model's tuning found (stored as the trainer stores them).
    const tuned = [0.3, 0.35, 0.4, 0.45, 0.55, 0.6, 0.65, 0.7];
    const p = Project.open(dir);
    setModelStatus(p.db, modelId, 'ready', tuned);
    p.close();
    await generateSoftLabels(dir, { model: modelId }, hooks);

    // On the split they were tuned on: the 0.5 figure only.
    const onVal = await evaluateModel(dir, { model: modelId, split: 'val' }, hooks);
    expect(onVal.auThresholdsTunedOn).toBe('val');
    expect(onVal.au?.threshold).toEqual(new Array(8).fill(0.5));
    expect(onVal.auAtHalf).toEqual(onVal.au);
    expect(onVal.auTuned).toBeNull();
    // On another split: both, 0.5 first.
    const onTrain = await evaluateModel(dir, { model: modelId, split: 'train' }, hooks);
    expect(onTrain.au?.threshold).toEqual(new Array(8).fill(0.5));
    expect(onTrain.auAtHalf).toEqual(onTrain.au);
    expect(onTrain.auTuned?.threshold).toEqual(tuned);
    // What the dashboard reads back keeps both (the stored report's schema has the new fields).
    const b = new Backend({ transport: 'inprocess' });
    b.openProject(dir, false);
    const table = unwrap(await inProcessClient(b).call('evaluations.table', { dataset: '', split: 'train' }));
    expect(table.rows[0].result.auTuned?.threshold).toEqual(tuned);
    expect(table.rows[0].result.auThresholdsTunedOn).toBe('val');
    await b.close();
  }, 120_000);

  it("knows which split a model's thresholds were tuned on: its meta, else val for tuned-looking thresholds", async () => {
    const sess = { project: { dir: path.join(tmp.dir, 'no-such-project') } } as unknown as EngineSession;
    const tuned = [0.3, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5];
    // No files (an ensemble, or a model from before the option): thresholds away from 0.5 were tuned on val.
    expect(await thresholdsTunedOn(sess, { id: 1, kind: 'ensemble', arch: 'cnn', thresholds: tuned })).toBe('val');
    expect(await thresholdsTunedOn(sess, { id: 2, kind: 'teacher', arch: 'cnn', thresholds: tuned })).toBe('val');
    // 0.5 everywhere, or none: nothing tuned.
    expect(await thresholdsTunedOn(sess, { id: 1, kind: 'ensemble', arch: 'cnn', thresholds: new Array(8).fill(0.5) })).toBeNull();
    expect(await thresholdsTunedOn(sess, { id: 1, kind: 'teacher', arch: 'cnn-rnn', thresholds: null })).toBeNull();
    // A model whose meta says 'half' (auThresholdsTunedOn null) is believed over its thresholds.
    const dir = path.join(tmp.dir, 'engine');
    const p = Project.open(dir);
    const m = getModel(p.db, 1)!;
    p.close();
    const real = { project: { dir } } as unknown as EngineSession;
    expect((await readModelMeta(path.join(dir, 'models', String(m.id)))).auThresholdsTunedOn).toBeNull();
    expect(await thresholdsTunedOn(real, { ...m, thresholds: tuned })).toBeNull();
  });
});
