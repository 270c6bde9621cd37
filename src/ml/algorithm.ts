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
import type { Arch, LoopConfig, ThresholdsTunedOn, TrainHooks, TrainInputBase, TrainResult } from './train/arch';
import { archTrainer, trainModel } from './train/archs';
import { evaluatePredictions, tunePooledThresholds } from './train/evaluate';
import { threadsAtOnce, trainRunsInThreads } from './threads/train-runs';
import type { ThreadTrainResult } from './threads/protocol';

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
  /** Learning threads the job may use for models that train independently (students); default 1. */
  threads?: number;
}

/** The configuration fields Algorithm 1 reads (both architectures' resolved configs have them). */
export type JobConfig = LoopConfig & { datasets: string[]; lambda: Lambda; temperature: Temperature };

/** A trained model of the job: the trainer's result (src/ml/train/arch.ts TrainResult) without the net. */
export type TrainedModel = Omit<TrainResult<unknown>, 'net'> & { modelId: number };

type ModelRun = { modelId: number; cfg: JobConfig; role: 'teacher' | 'student'; teacherRecords?: Map<number, Float32Array>; epochOffset: number };

/** The trainer's input of one model of a job. */
function runInput(store: AlgorithmStore, job: TrainJob, run: ModelRun): TrainInputBase {
  return { ...job.input, config: run.cfg, role: run.role, ...job.sets, teacherRecords: run.teacherRecords, modelDir: store.modelDir(run.modelId), modelId: run.modelId };
}

/** A run's epochs go to its learning curve, numbered from its offset. */
function recordEpochs(store: AlgorithmStore, run: ModelRun): TrainHooks['epochDone'] {
  return (epoch, metrics) => store.recordEpoch(run.modelId, run.epochOffset + epoch, { ...metrics, modelId: run.modelId });
}

/** A trained run's result, its model marked ready. */
function finish(store: AlgorithmStore, run: ModelRun, r: ThreadTrainResult): TrainedModel {
  store.setReady(run.modelId, r.thresholds);
  return { modelId: run.modelId, thresholds: r.thresholds, thresholdsTunedOn: r.thresholdsTunedOn, val: r.val, epochs: r.epochs, keptEpoch: r.keptEpoch, resumedFrom: r.resumedFrom };
}

/** Trains one model of a job in this thread with its architecture's registered trainer, records its curve and marks it ready. */
async function trainOne(store: AlgorithmStore, job: TrainJob, run: ModelRun, hooks: Omit<TrainHooks, 'epochDone'>): Promise<TrainedModel> {
  const trainer = archTrainer(job.arch);
  const { net, ...r } = await trainModel(trainer, runInput(store, job, run), { ...hooks, epochDone: recordEpochs(store, run) });
  trainer.dispose(net);
  return finish(store, run, r);
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
 * Steps 3–4: every student on ground truth plus the teacher's soft labels (Eq. 7); student k's
 * curve is numbered k × epochs + epoch. Then the ensemble of the students. Students are
 * independent, so with `job.threads` > 1 they train side by side in learning threads, one per
 * thread (../threads/train-runs.ts; a frozen backbone's: they read cached features), with the
 * same result as one after another in this thread, which is what happens otherwise.
 */
export async function trainStudentModels(
  store: AlgorithmStore,
  job: TrainJob,
  teacherRecords: Map<number, Float32Array>,
  plans: StudentPlan[],
  hooks: AlgorithmHooks,
  label = '',
): Promise<StudentsOutcome> {
  const trained = new Map<number, StudentsOutcome['students'][number]>();
  const todo: { k: number; p: StudentPlan; run: ModelRun }[] = [];
  for (const [k, p] of plans.entries()) {
    if (p.done) {
      hooks.log(`${p.name} already trained`);
      trained.set(p.modelId, { modelId: p.modelId, thresholds: p.done.thresholds, val: null });
    } else todo.push({ k, p, run: { modelId: p.modelId, cfg: p.cfg, role: 'student', teacherRecords, epochOffset: k * p.cfg.epochs } });
  }
  const intro = ({ k, p }: (typeof todo)[number]) =>
    `${label}student ${k + 1}/${plans.length}: ${p.name}, seed ${p.cfg.seed}, λ ${formatPerTask(p.cfg.lambda)}, T ${formatPerTask(p.cfg.temperature)}`;

  // Side by side: the job's progress is the students' steps added up (each reports its own), under
  // one stage name (a log's progress lines are throttled per stage: src/cli/progress.ts).
  const steps = new Map<number, { done: number; total: number }>();
  const stage = `${todo.length} students in ${threadsAtOnce(todo.length, job.threads ?? 1)} threads`;
  const together = (k: number, d: number, t: number, m?: Record<string, number> | null) => {
    steps.set(k, { done: d, total: t });
    const known = [...steps.values()];
    const per = Math.max(...known.map((s) => s.total));
    hooks.progress(known.reduce((a, s) => a + s.done, 0), per * todo.length, stage, m);
  };
  const inThreads = await trainRunsInThreads(
    job.arch,
    job.threads ?? 1,
    todo.map((u) => ({
      input: runInput(store, job, u.run),
      started(thread) {
        hooks.meta?.({ modelId: u.p.modelId });
        hooks.log(`${intro(u)} (learning thread ${thread + 1})`);
      },
      hooks: {
        progress: (d, t, _stage, m) => together(u.k, d, t, m),
        log: (line) => hooks.log(`${u.p.name}: ${line}`),
        epochDone: recordEpochs(store, u.run),
      },
    })),
    hooks.checkpoint,
    hooks,
  );
  if (inThreads)
    inThreads.forEach((r, i) => {
      const m = finish(store, todo[i].run, r);
      trained.set(m.modelId, { modelId: m.modelId, thresholds: m.thresholds, val: m.val });
    });
  else {
    for (const u of todo) {
      hooks.meta?.({ modelId: u.p.modelId });
      hooks.log(intro(u));
      const { k } = u;
      const r = await trainOne(store, job, u.run, {
        ...hooks,
        // The loop's steps (reported with their metrics) add up over the students; a stage before the
        // loop (computing backbone features) counts its own frames, not N times them.
        progress: (d, t, st, m) =>
          m ? hooks.progress(k * t + d, plans.length * t, `student ${k + 1}/${plans.length}, ${st}`, m) : hooks.progress(d, t, `student ${k + 1}/${plans.length}, ${st}`, m),
      });
      trained.set(r.modelId, { modelId: r.modelId, thresholds: r.thresholds, val: r.val });
    }
  }
  const students = plans.map((p) => trained.get(p.modelId)!);
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
