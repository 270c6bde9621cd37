// Algorithm 1 of the paper (§3): a teacher trained on the partial labels (Eq. 4), N students
// trained on ground truth plus the teacher's soft labels (Eq. 7), each with its own seed, and their
// ensemble (mean probabilities; AU thresholds 0.5, or, when the students' config says auThresholds
// 'tuned', tuned on the students' validation predictions pooled; its validation metrics at 0.5 either way). Pure learning: samples arrive in
// memory, and what needs a project (model folders, status, learning curves, stored soft labels)
// goes through `AlgorithmStore`, kept in a project by src/node/training/engine/store.ts.
import { NUM_AUS } from '../shared/labels';
import type { EvaluationBlock } from '../shared/metrics';
import type { SampleSet } from '../shared/samples';
import { ensembleRecords } from '../shared/softlabels';
import { formatPerTask, type Lambda, type Temperature } from '../shared/train-config';
import type { Arch, LoopConfig, ThresholdsTunedOn, TrainHooks, TrainResult } from './train/arch';
import { archTrainer, trainModel } from './train/archs';
import { evaluatePredictions, tunePooledThresholds } from './train/evaluate';

export interface TrainSets {
  train: SampleSet;
  val: SampleSet;
}

export interface AlgorithmHooks {
  progress(done: number, total: number, stage: string | null, metrics?: Record<string, number> | null): void;
  log(line: string, level?: 'info' | 'warn' | 'error'): void;
  /** Throws to cancel; called between work units. */
  checkpoint(): Promise<void>;
  meta?(m: { modelId?: number }): void;
}

/** What Algorithm 1 needs from storage. */
export interface AlgorithmStore {
  /** The folder of a model's files (its checkpoint and final weights). */
  modelDir(modelId: number): string;
  /** A model finished training, with its tuned AU thresholds. */
  setReady(modelId: number, thresholds: number[]): void;
  /** One epoch of a model's learning curve; `step` is unique within the job (every student's curve is kept). */
  recordEpoch(modelId: number, step: number, metrics: Record<string, unknown>): void;
  /** A trained model's records (55 floats a row of `s`, in row order): stored soft labels, else inference. */
  records(modelId: number, s: SampleSet, hooks: AlgorithmHooks): Promise<Float32Array>;
}

/** What one job trains on: an architecture, its sample sets and what its trainer reads (crops, cached features). */
export interface TrainJob {
  arch: Arch;
  sets: TrainSets;
  input: object;
}

/** The configuration fields Algorithm 1 reads (both architectures' resolved configs have them). */
export type JobConfig = LoopConfig & { datasets: string[]; lambda: Lambda; temperature: Temperature };

/** A trained model of the job: the trainer's result (src/ml/train/arch.ts TrainResult) without the net. */
export type TrainedModel = Omit<TrainResult<unknown>, 'net'> & { modelId: number };

/** Trains one model of a job with its architecture's registered trainer, records its curve and marks it ready. */
async function trainOne(
  store: AlgorithmStore,
  job: TrainJob,
  run: { modelId: number; cfg: JobConfig; role: 'teacher' | 'student'; teacherRecords?: Map<number, Float32Array>; epochOffset: number },
  hooks: Omit<TrainHooks, 'epochDone'>,
): Promise<TrainedModel> {
  const trainer = archTrainer(job.arch);
  const r = await trainModel(
    trainer,
    { ...job.input, config: run.cfg, role: run.role, ...job.sets, teacherRecords: run.teacherRecords, modelDir: store.modelDir(run.modelId), modelId: run.modelId },
    { ...hooks, epochDone: (epoch, metrics) => store.recordEpoch(run.modelId, run.epochOffset + epoch, { ...metrics, modelId: run.modelId }) },
  );
  store.setReady(run.modelId, r.thresholds);
  trainer.dispose(r.net);
  return { modelId: run.modelId, thresholds: r.thresholds, thresholdsTunedOn: r.thresholdsTunedOn, val: r.val, epochs: r.epochs, keptEpoch: r.keptEpoch, resumedFrom: r.resumedFrom };
}

/** Step 1: the teacher, on the partial labels alone (Eq. 4). */
export function trainTeacherModel(store: AlgorithmStore, job: TrainJob, modelId: number, cfg: JobConfig, hooks: AlgorithmHooks): Promise<TrainedModel> {
  return trainOne(store, job, { modelId, cfg, role: 'teacher', epochOffset: 0 }, { ...hooks, progress: (d, t, st, m) => hooks.progress(d, t, st, m) });
}

/** A student of the job: its model, its configuration (own seed), and whether an earlier run finished it. */
export interface StudentPlan {
  modelId: number;
  name: string;
  cfg: JobConfig;
  /** Thresholds of a student an interrupted job already trained (it is not trained again). */
  done: { thresholds: number[] } | null;
}

export interface StudentsOutcome {
  students: { modelId: number; thresholds: number[]; val: EvaluationBlock | null }[];
  /**
   * The ensemble's thresholds (0.5; tuned on the validation split when the students' config says
   * 'tuned' and there is one), the split they were tuned on, and its validation metrics at 0.5.
   */
  ensemble: { thresholds: number[]; thresholdsTunedOn: ThresholdsTunedOn; val: EvaluationBlock | null };
}

/**
 * Steps 3–4: every student on ground truth plus the teacher's soft labels (Eq. 7), one after
 * another; student k's curve is numbered k × epochs + epoch. Then the ensemble of the students.
 */
export async function trainStudentModels(
  store: AlgorithmStore,
  job: TrainJob,
  teacherRecords: Map<number, Float32Array>,
  plans: StudentPlan[],
  hooks: AlgorithmHooks,
  label = '',
): Promise<StudentsOutcome> {
  const students: StudentsOutcome['students'] = [];
  for (const [k, p] of plans.entries()) {
    if (p.done) {
      hooks.log(`${p.name} already trained`);
      students.push({ modelId: p.modelId, thresholds: p.done.thresholds, val: null });
      continue;
    }
    hooks.meta?.({ modelId: p.modelId });
    hooks.log(`${label}student ${k + 1}/${plans.length}: ${p.name}, seed ${p.cfg.seed}, λ ${formatPerTask(p.cfg.lambda)}, T ${formatPerTask(p.cfg.temperature)}`);
    const r = await trainOne(store, job, { modelId: p.modelId, cfg: p.cfg, role: 'student', teacherRecords, epochOffset: k * p.cfg.epochs }, {
      ...hooks,
      // The loop's steps (reported with their metrics) add up over the students; a stage before the
      // loop (computing backbone features) counts its own frames, not N times them.
      progress: (d, t, st, m) =>
        m ? hooks.progress(k * t + d, plans.length * t, `student ${k + 1}/${plans.length}, ${st}`, m) : hooks.progress(d, t, `student ${k + 1}/${plans.length}, ${st}`, m),
    });
    students.push({ modelId: r.modelId, thresholds: r.thresholds, val: r.val });
  }
  const tune = plans.some((p) => p.cfg.auThresholds === 'tuned');
  return { students, ensemble: await ensembleThresholds(store, students.map((s) => s.modelId), job.sets.val, tune, hooks) };
}

/**
 * The ensemble's mean-probability records on validation: its metrics there at AU threshold 0.5 and,
 * with `tune` (the students' auThresholds 'tuned'), per-AU thresholds tuned on the students'
 * validation records pooled (tunePooledThresholds).
 */
async function ensembleThresholds(store: AlgorithmStore, members: number[], val: SampleSet, tune: boolean, hooks: AlgorithmHooks): Promise<StudentsOutcome['ensemble']> {
  const half = new Array<number>(NUM_AUS).fill(0.5);
  if (!val.n) return { thresholds: half, thresholdsTunedOn: null, val: null };
  const rows = Array.from({ length: val.n }, (_, i) => i);
  const parts: Float32Array[] = [];
  for (const id of members) parts.push(await store.records(id, val, hooks));
  const rec = ensembleRecords(parts);
  const thresholds = tune ? tunePooledThresholds(val, rows, parts) : half;
  return { thresholds, thresholdsTunedOn: tune ? 'val' : null, val: evaluatePredictions(val, rows, rec) };
}
