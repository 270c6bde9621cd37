// Algorithm 1 as jobs: train a teacher; generate its soft labels for every frame of the chosen
// datasets; train N students (different seeds) on ground truth + human corrections + the
// teacher's soft labels; make the ensemble; evaluate any model on any dataset and split.
// The CNN's training jobs are ./algorithm.ts's, with the CNN (./cnn-arch.ts); soft labels and
// evaluation serve models of every architecture (./records.ts).
import { z } from 'zod';
import { resolveModelRef, type ModelRow } from '../../store/models';
import { loadSamples } from '../../labels/samples';
import { EvaluateParams, SoftLabelParams, StudentParams, TeacherParams } from '../../../shared/train-config';
import { evaluatePredictions, probabilitiesOf } from '../../../ml/train/evaluate';
import { modelDir, openSession, type EngineHooks, type EngineSession } from './context';
import { recordsFor } from './records';
import { putSoftLabels } from '../../store/softlabels';
import { studentsJob, teacherJob } from './algorithm';
import { cnnEngine } from './archs';
import { withoutCrops } from './sets';
import { SPLITS, type Split } from '../../../shared/labels';
import { saveEvaluation, vaPoints } from '../evaluations';
import { thresholdsAreTuned, type EvaluationBlock } from '../../../shared/metrics';
import { NUM_AUS } from '../../../shared/labels';
import { readModelMeta } from '../../../ml/models';
import { readRnnMeta } from '../../../ml/rnn/io';

// The jobs' parameter schemas are pure zod in src/shared (the renderer's dialogs validate with them).
export { TeacherParams, SoftLabelParams, StudentParams, EvaluateParams };

export async function trainTeacher(projectDir: string, params: z.input<typeof TeacherParams>, hooks: EngineHooks) {
  return teacherJob(cnnEngine, projectDir, TeacherParams.parse(params), hooks);
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
      putSoftLabels(sess.project.db, m.id, s.frameId.subarray(0, s.n), await recordsFor(sess, m, s, hooks));
    }
    const seconds = (Date.now() - t0) / 1000;
    hooks.log(`soft labels of ${m.name} for ${s.n} frames in ${seconds.toFixed(1)} s`);
    return { modelId: m.id, frames: s.n, seconds };
  } finally {
    sess.close();
  }
}

export async function trainStudents(projectDir: string, params: z.input<typeof StudentParams>, hooks: EngineHooks) {
  return studentsJob(cnnEngine, projectDir, StudentParams.parse(params), hooks);
}

/**
 * The evaluate job's report. What it says about AUs (issue 18): the AU score at threshold 0.5 is
 * the main number (`au`, and `auAtHalf`, the same figure, kept for readers of older reports); the
 * figures at the model's tuned thresholds (`auTuned`) only when those were tuned on another split
 * than the one evaluated — on their own split they are optimistic and not comparable with the
 * paper's Table 2 — else null.
 */
export interface EvaluationReport extends EvaluationBlock {
  model: { id: number; name: string; kind: string };
  dataset: string | null;
  split: Split;
  /** Measured against the ground truth present in the split, each task on the frames labelled for it. */
  reference: 'labels';
  measuredOn: 'labelled';
  /** AU metrics at the fixed 0.5 threshold (= `au`). */
  auAtHalf: EvaluationBlock['au'];
  /** AU metrics at the model's tuned thresholds; null unless tuned on another split than `split`. */
  auTuned: EvaluationBlock['au'];
  /** The split the model's AU thresholds were tuned on; null: 0.5, nothing tuned. */
  auThresholdsTunedOn: Split | null;
}

/**
 * The split a model's AU thresholds were tuned on; null when they are 0.5 (nothing tuned, or tuned
 * to 0.5 everywhere: nothing to report twice). Teachers and students record it in their meta
 * (auThresholdsTunedOn, written by src/ml/train/trainer.ts); an ensemble's thresholds are tuned on
 * the validation split when its students' config says 'tuned' (src/ml/algorithm.ts), and models
 * trained before the option always had theirs tuned on the validation split.
 */
export async function thresholdsTunedOn(sess: EngineSession, m: Pick<ModelRow, 'id' | 'kind' | 'arch' | 'thresholds'>): Promise<Split | null> {
  if (!thresholdsAreTuned(m.thresholds)) return null;
  if (m.kind !== 'ensemble') {
    const dir = modelDir(sess.project, m.id);
    const meta: Record<string, unknown> | null = await (m.arch === 'cnn-rnn' ? readRnnMeta(dir).then((r) => r.meta) : readModelMeta(dir)).catch(() => null);
    if (meta && 'auThresholdsTunedOn' in meta) return (meta.auThresholdsTunedOn as Split | null) ?? null;
  }
  return 'val';
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
    const half = evaluatePredictions(s, rows, rec, new Array<number>(NUM_AUS).fill(0.5));
    const tunedOn = await thresholdsTunedOn(sess, m);
    // Tuned thresholds are reported only off the split they were tuned on (issue 18).
    const auTuned = tunedOn !== null && tunedOn !== p.split ? evaluatePredictions(s, rows, rec, m.thresholds!).au : null;
    const report: EvaluationReport = {
      model: { id: m.id, name: m.name, kind: m.kind },
      dataset: p.dataset ?? null,
      split: p.split,
      reference: 'labels',
      measuredOn: 'labelled',
      ...half,
      auAtHalf: half.au,
      auTuned,
      auThresholdsTunedOn: tunedOn,
    };
    // Stored for the dashboard (Table 2 and the valence/arousal scatter): src/node/training/evaluations.ts.
    const pr = probabilitiesOf(rec);
    const points = vaPoints(pr, { valence: s.valence, arousal: s.arousal }, s.n);
    saveEvaluation(sess.project.db, {
      modelId: m.id,
      dataset: report.dataset,
      split: p.split,
      reference: report.reference,
      measuredOn: report.measuredOn,
      result: report,
      points,
      runId: hooks.runId ?? null,
    });
    return report;
  } finally {
    sess.close();
  }
}
