// Algorithm 1 as jobs: train a teacher; generate its soft labels for every frame of the chosen
// datasets; train N students (different seeds) on ground truth + human corrections + the
// teacher's soft labels; make the ensemble; evaluate any model on any dataset and split.
import { z } from 'zod';
import { createModel, getModel, resolveModelRef, setModelStatus } from '../../store/models';
import { subsetRows, type SampleSet } from '../../../shared/samples';
import { downsampleFactors, loadSamples } from '../../labels/samples';
import { disposeNet } from '../../../ml/models';
import { TrainConfig, resolveTrainConfig } from '../../../ml/train/config';
import { EvaluateParams, SoftLabelParams, StudentParams, TeacherParams } from '../../../shared/train-config';
import { evaluatePredictions, probabilitiesOf, tuneThresholds } from '../../../ml/train/evaluate';
import { train } from '../../../ml/train/trainer';
import { modelDir, openSession, type EngineHooks, type EngineSession } from './context';
import { ensembleRecords, recordsFor, storeRecords } from './records';
import { studentGroup, teacherRecordsFor } from './students';
import { SPLITS, type Split } from '../../../shared/labels';
import { saveEvaluation, vaPoints } from '../evaluations';
import type { EvaluationBlock } from '../../../shared/metrics';

// The jobs' parameter schemas are pure zod in src/shared (the renderer's dialogs validate with them).
export { TeacherParams, SoftLabelParams, StudentParams, EvaluateParams };

function withoutCrops(sess: EngineSession, s: SampleSet, what: string, hooks: EngineHooks): SampleSet {
  const out = subsetRows(s, (i) => sess.crops.has(s.frameId[i]));
  if (out.n < s.n) hooks.log(`${s.n - out.n} ${what} frames have no face crop and are left out`, 'warn');
  return out;
}

function trainingSets(sess: EngineSession, datasets: string[], hooks: EngineHooks): { train: SampleSet; val: SampleSet } {
  const db = sess.project.db;
  const trainSet = withoutCrops(sess, loadSamples(db, { datasets, splits: ['train'] }), 'training', hooks);
  const val = withoutCrops(sess, loadSamples(db, { datasets, splits: ['val'] }), 'validation', hooks);
  hooks.log(`training frames: ${trainSet.n}; validation frames: ${val.n}`);
  if (val.n === 0) hooks.log('no validation split: AU thresholds stay at 0.5 and no validation metrics are reported', 'warn');
  return { train: trainSet, val };
}

/**
 * Writes a run's per-epoch metrics. A students job trains several models in one run: their rows are
 * numbered on (offset + epoch), offset = index × epochs, and carry the model id.
 */
function epochRecorder(sess: EngineSession, hooks: EngineHooks, modelId: number, offset = 0) {
  const put = sess.project.db.prepare('INSERT OR REPLACE INTO run_epochs(run_id, epoch, metrics, at) VALUES (?, ?, ?, ?)');
  return (epoch: number, metrics: Record<string, unknown>) => {
    if (hooks.runId) put.run(hooks.runId, offset + epoch, JSON.stringify({ ...metrics, modelId }), new Date().toISOString());
  };
}

export async function trainTeacher(projectDir: string, params: z.input<typeof TeacherParams>, hooks: EngineHooks) {
  const p = TeacherParams.parse(params);
  const sess = await openSession(projectDir, hooks);
  try {
    const db = sess.project.db;
    const config = resolveTrainConfig(p, 'teacher');
    const model = p.resume
      ? (getModel(db, p.resume) ?? (() => { throw new Error(`no model ${p.resume} to resume`); })())
      : createModel(db, { kind: 'teacher', backbone: config.backbone, config: { ...config, backend: sess.backend.name }, runId: sess.runId });
    if (p.resume && model.status === 'ready') throw new Error(`model ${model.id} has finished training; nothing to resume`);
    const cfg = p.resume ? resolveTrainConfig(model.config as z.input<typeof TrainConfig>, 'teacher') : config;
    hooks.meta?.({ modelId: model.id });
    hooks.log(`teacher ${model.name}: ${cfg.backbone}${cfg.freezeBackbone ? ' (frozen backbone)' : ''}, ${cfg.epochs} epochs, batch ${cfg.batch}, lr ${cfg.lr}`);
    const sets = trainingSets(sess, cfg.datasets, hooks);
    try {
      const r = await train(
        { downsample: downsampleFactors(db), crops: sess.crops, config: cfg, role: 'teacher', ...sets, modelDir: modelDir(sess.project, model.id) },
        { ...hooks, epochDone: epochRecorder(sess, hooks, model.id), progress: (d, t, st, m) => hooks.progress(d, t, st, m) },
      );
      setModelStatus(db, model.id, 'ready', r.thresholds);
      disposeNet(r.net);
      return { modelId: model.id, name: model.name, epochs: r.epochs, resumedFrom: r.resumedFrom, thresholds: r.thresholds, val: r.val, backend: sess.backend.name };
    } catch (e) {
      // A cancelled or crashed run keeps its checkpoint; the supervisor marks its model 'failed'; it resumes by job id.
      hooks.log(`training stopped: ${(e as Error).message}; the last checkpoint is kept (resume it with --resume ${hooks.runId ?? 'JOB_ID'}, its job id)`, 'warn');
      throw e;
    }
  } finally {
    sess.close();
  }
}

export async function generateSoftLabels(projectDir: string, params: z.input<typeof SoftLabelParams>, hooks: EngineHooks) {
  const p = SoftLabelParams.parse(params);
  const sess = await openSession(projectDir, hooks);
  try {
    const m = resolveModelRef(sess.project.db, p.model);
    hooks.meta?.({ modelId: m.id });
    const s = withoutCrops(sess, loadSamples(sess.project.db, { datasets: p.datasets, splits: [...SPLITS] }), 'usable', hooks);
    const t0 = Date.now();
    await recordsFor(sess, m, s, hooks);
    if (m.kind === 'ensemble') {
      // Ensembles store their averaged records too, so review and export read every model alike.
      storeRecords(sess, m.id, s.frameId.subarray(0, s.n), await recordsFor(sess, m, s, hooks));
    }
    const seconds = (Date.now() - t0) / 1000;
    hooks.log(`soft labels of ${m.name} for ${s.n} frames in ${seconds.toFixed(1)} s`);
    return { modelId: m.id, frames: s.n, seconds };
  } finally {
    sess.close();
  }
}

export async function trainStudents(projectDir: string, params: z.input<typeof StudentParams>, hooks: EngineHooks) {
  const p = StudentParams.parse(params);
  const sess = await openSession(projectDir, hooks);
  try {
    const db = sess.project.db;
    const teacher = resolveModelRef(db, p.teacher);
    if (teacher.kind === 'ensemble') throw new Error('students learn from a teacher model, not an ensemble');
    const base = resolveTrainConfig(p, 'student');
    const sets = trainingSets(sess, base.datasets, hooks);
    const stored = teacherRecordsFor(sess, teacher, sets.train);
    let students = studentGroup(sess, teacher, {
      resume: p.resume,
      count: p.count,
      baseSeed: base.seed,
      spec: (k) => ({ name: `student${k}-of-${teacher.id}`, backbone: base.backbone, config: base }),
    });
    const results: { modelId: number; thresholds: number[]; val: EvaluationBlock | null }[] = [];
    const sharedFeatures = new Map<number, Float32Array>();
    for (const [k, id] of students.entries()) {
      const m = getModel(db, id)!;
      if (m.status === 'ready') {
        hooks.log(`${m.name} already trained`);
        results.push({ modelId: id, thresholds: m.thresholds ?? [], val: null });
        continue;
      }
      hooks.meta?.({ modelId: id });
      const cfg = resolveTrainConfig(m.config as z.input<typeof TrainConfig>, 'student');
      hooks.log(`student ${k + 1}/${students.length}: ${m.name}, seed ${cfg.seed}, λ ${cfg.lambda}, T ${cfg.temperature}`);
      const r = await train(
        { downsample: downsampleFactors(db), crops: sess.crops, config: cfg, role: 'student', ...sets, teacherRecords: stored, modelDir: modelDir(sess.project, id), sharedFeatures },
        {
          ...hooks,
          epochDone: epochRecorder(sess, hooks, id, k * cfg.epochs),
          progress: (d, t, st, mm) => hooks.progress(k * t + d, students.length * t, `student ${k + 1}/${students.length}, ${st}`, mm),
        },
      );
      setModelStatus(db, id, 'ready', r.thresholds);
      disposeNet(r.net);
      results.push({ modelId: id, thresholds: r.thresholds, val: r.val });
    }
    students = results.map((r) => r.modelId);
    // The ensemble: mean probabilities of the students, thresholds tuned on validation.
    const ens = createModel(db, { kind: 'ensemble', name: `ensemble-of-${teacher.id}`, backbone: base.backbone, parentId: teacher.id, members: students, config: { members: students }, runId: sess.runId });
    let thresholds = new Array(8).fill(0.5);
    let val: EvaluationBlock | null = null;
    if (sets.val.n) {
      const rows = Array.from({ length: sets.val.n }, (_, i) => i);
      const rec = ensembleRecords(await Promise.all(students.map((id) => recordsFor(sess, getModel(db, id)!, sets.val, hooks))));
      thresholds = tuneThresholds(sets.val, rows, rec);
      val = evaluatePredictions(sets.val, rows, rec, thresholds);
    }
    setModelStatus(db, ens.id, 'ready', thresholds);
    hooks.log(`ensemble ${ens.name} of ${students.length} students`);
    return { teacherId: teacher.id, students: results, ensembleId: ens.id, ensembleVal: val };
  } finally {
    sess.close();
  }
}

export interface EvaluationReport extends EvaluationBlock {
  model: { id: number; name: string; kind: string };
  dataset: string | null;
  split: Split;
  /** AU metrics at the fixed 0.5 threshold, next to the tuned ones. */
  auAtHalf: EvaluationBlock['au'];
}

export async function evaluateModel(projectDir: string, params: z.input<typeof EvaluateParams>, hooks: EngineHooks): Promise<EvaluationReport> {
  const p = EvaluateParams.parse(params);
  const sess = await openSession(projectDir, hooks);
  try {
    const m = resolveModelRef(sess.project.db, p.model);
    const s = withoutCrops(sess, loadSamples(sess.project.db, { datasets: p.dataset ? [p.dataset] : [], splits: [p.split] }), 'evaluation', hooks);
    if (s.n === 0) throw new Error(`no frames to evaluate in ${p.dataset ?? 'the project'} (split ${p.split})`);
    const rec = await recordsFor(sess, m, s, hooks);
    const rows = Array.from({ length: s.n }, (_, i) => i);
    const block = evaluatePredictions(s, rows, rec, m.thresholds ?? undefined);
    const half = evaluatePredictions(s, rows, rec, new Array(8).fill(0.5));
    const report = { model: { id: m.id, name: m.name, kind: m.kind }, dataset: p.dataset ?? null, split: p.split, ...block, auAtHalf: half.au };
    // Stored for the dashboard (Table 2 and the valence/arousal scatter): src/node/training/evaluations.ts.
    const pr = probabilitiesOf(rec);
    const points = vaPoints(pr, { valence: s.valence, arousal: s.arousal }, s.n);
    saveEvaluation(sess.project.db, { modelId: m.id, dataset: report.dataset, split: p.split, result: report, points, runId: hooks.runId ?? null });
    return report;
  } finally {
    sess.close();
  }
}
