// Algorithm 1 as jobs: train a teacher; generate its soft labels for every frame of the chosen
// datasets; train N students (different seeds) on ground truth + human corrections + the
// teacher's soft labels; make the ensemble; evaluate any model on any dataset and split.
// The CNN's training jobs are ./algorithm.ts's, with the CNN (./cnn-arch.ts); soft labels and
// evaluation serve models of every architecture (./records.ts).
import { z } from 'zod';
import { resolveModelRef } from '../../store/models';
import { loadSamples } from '../../labels/samples';
import { EvaluateParams, SoftLabelParams, StudentParams, TeacherParams } from '../../../shared/train-config';
import { evaluatePredictions, probabilitiesOf } from '../../../ml/train/evaluate';
import { openSession, type EngineHooks } from './context';
import { recordsFor } from './records';
import { putSoftLabels } from '../../store/softlabels';
import { studentsJob, teacherJob } from './algorithm';
import { cnnEngine } from './archs';
import { withoutCrops } from './sets';
import { SPLITS, type Split } from '../../../shared/labels';
import { saveEvaluation, vaPoints } from '../evaluations';
import type { EvaluationBlock } from '../../../shared/metrics';

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
