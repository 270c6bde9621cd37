// The contract methods of training and the runs/models dashboard: models (list, rename, delete, the
// model the review screen overlays), runs (per-epoch metrics, the stored log, resume) and the
// stored evaluations (the paper's Table 2, the valence/arousal scatter). Spread into `methods` in
// contract.ts. Kept in its own file so it imports nothing from contract.ts (no import cycle).
import { z } from 'zod';
import { SPLITS } from './labels';

const id = z.number().int().positive();
const score = z.number();

export const AuEvaluation = z.object({
  f1: score,
  acc: score,
  score,
  threshold: z.array(z.number()),
  perAU: z.record(z.string(), z.number()),
});
export const ExprEvaluation = z.object({
  f1: score,
  acc: score,
  score,
  confusion: z.array(z.array(z.number())),
  perClass: z.record(z.string(), z.number()),
});

/** Per-task metrics of a set of frames (src/shared/metrics.ts EvaluationBlock); null for a task without labels. */
export const EvaluationBlock = z.object({
  n: z.object({ au: z.number().int().min(0), expr: z.number().int().min(0), va: z.number().int().min(0) }),
  au: AuEvaluation.nullable(),
  expr: ExprEvaluation.nullable(),
  valence: z.object({ ccc: score }).nullable(),
  arousal: z.object({ ccc: score }).nullable(),
});

/**
 * What an evaluation's predictions were compared with: 'labels', the ground truth present in the
 * split (what the evaluate job measures); 'complete-truth', the demo's complete truth, which its
 * partial labels only partly reveal (src/node/demo/truth-table.ts).
 */
export const EvaluationReference = z.enum(['labels', 'complete-truth']);
export type EvaluationReference = z.infer<typeof EvaluationReference>;

/**
 * Which frames of the split count for each task: 'labelled', the frames that carry a label for it
 * (the only choice against the labels); 'all', every frame (complete truth); 'unlabelled', the
 * frames whose labels lack the task (complete truth: how well a model completes missing labels).
 */
export const MeasuredOn = z.enum(['labelled', 'all', 'unlabelled']);
export type MeasuredOn = z.infer<typeof MeasuredOn>;

/** The evaluate job's report (the CLI's `evaluate --json` document), and the demo's evaluations against its complete truth. */
export const EvaluationResult = EvaluationBlock.extend({
  model: z.object({ id: z.number().int(), name: z.string(), kind: z.string() }),
  dataset: z.string().nullable(),
  split: z.enum(SPLITS),
  /** Absent in reports from before issue 16: 'labels'. */
  reference: EvaluationReference.optional(),
  /** Absent in reports from before issue 16: 'labelled'. */
  measuredOn: MeasuredOn.optional(),
  /**
   * AU metrics at the fixed 0.5 threshold. Since issue 18 `au` is the same figure (the main
   * number); in reports from before it, `au` used the model's thresholds (tuned on val).
   */
  auAtHalf: AuEvaluation.nullable().optional(),
  /**
   * AU metrics at the model's tuned thresholds: only when they were tuned on another split than the
   * one evaluated, else null. Absent in reports from before issue 18.
   */
  auTuned: AuEvaluation.nullable().optional(),
  /** The split the model's AU thresholds were tuned on; null: 0.5, nothing tuned. Absent in reports from before issue 18. */
  auThresholdsTunedOn: z.enum(SPLITS).nullable().optional(),
});
export type EvaluationResult = z.infer<typeof EvaluationResult>;

export const ModelKind = z.enum(['teacher', 'student', 'ensemble']);
export const ModelArch = z.enum(['cnn', 'cnn-rnn']);

export const ModelDetail = z.object({
  id,
  name: z.string(),
  kind: ModelKind,
  arch: ModelArch,
  backbone: z.string().nullable(),
  parentId: z.number().int().nullable(),
  members: z.array(z.number().int()).nullable(),
  status: z.enum(['training', 'ready', 'failed']),
  createdAt: z.string(),
  /** The training configuration recorded with the model. */
  config: z.record(z.string(), z.unknown()),
  thresholds: z.array(z.number()).nullable(),
  softLabels: z.number().int(),
  evaluations: z.number().int(),
  /** The model the review screen overlays. */
  review: z.boolean(),
});
export type ModelDetail = z.infer<typeof ModelDetail>;

export const EvaluationRow = z.object({
  id,
  modelId: id,
  name: z.string(),
  kind: ModelKind,
  /** The model's architecture: Table 2 shows CNN and CNN-RNN rows side by side. */
  arch: ModelArch,
  parentId: z.number().int().nullable(),
  runId: z.number().int().nullable(),
  at: z.string(),
  /** What the predictions were compared with, and on which frames (the stored row's columns). */
  reference: EvaluationReference,
  measuredOn: MeasuredOn,
  result: EvaluationResult,
});
export type EvaluationRow = z.infer<typeof EvaluationRow>;

/** Per-task validation scores of an epoch (AU and EXPR ABAW scores, V and A CCC). */
export const TaskScores = z.object({ au: z.number().nullable(), expr: z.number().nullable(), valence: z.number().nullable(), arousal: z.number().nullable() });

export const EpochRow = z.object({
  epoch: z.number().int(),
  /** The model the epoch trained (a students run trains several). */
  modelId: z.number().int().nullable(),
  at: z.string(),
  lr: z.number().nullable(),
  seconds: z.number().nullable(),
  samplesPerSecond: z.number().nullable(),
  /** The CNN-RNN's throughput: training windows (sequences) per second. */
  windowsPerSecond: z.number().nullable(),
  /** Mean training losses of the epoch: total and per task. */
  train: z.record(z.string(), z.number()),
  val: TaskScores.nullable(),
});
export type EpochRow = z.infer<typeof EpochRow>;

export const LogLine = z.object({ seq: z.number().int(), level: z.enum(['info', 'warn', 'error']), line: z.string(), at: z.string() });
export type LogLine = z.infer<typeof LogLine>;

export const VaPoints = z.object({
  /** How many labelled frames there were; the arrays hold an evenly spaced sample of them. */
  total: z.number().int(),
  valence: z.array(z.number()),
  arousal: z.array(z.number()),
  labelValence: z.array(z.number().nullable()),
  labelArousal: z.array(z.number().nullable()),
});
export type VaPoints = z.infer<typeof VaPoints>;

const none = z.strictObject({});
/** '' = every dataset of the project. */
const datasetName = z.string().max(200);

export const trainingMethods = {
  'models.list': { input: none, output: z.array(ModelDetail) },
  'models.rename': {
    input: z.strictObject({ modelId: id, name: z.string().trim().min(1, 'the name is empty').max(200) }),
    output: ModelDetail,
  },
  /** Deletes a model, its files, soft labels and evaluations; refused while a job uses it or an ensemble contains it. */
  'models.delete': { input: z.strictObject({ modelId: id }), output: z.object({ deleted: id, softLabels: z.number().int() }) },
  'models.reviewModel': { input: none, output: z.object({ modelId: z.number().int().nullable() }) },
  'models.setReviewModel': { input: z.strictObject({ modelId: id.nullable() }), output: z.object({ modelId: z.number().int().nullable() }) },
  /** The CNN whose features a CNN-RNN reads when the user names none (the engine's choice: the best CNN student); null when there is no trained CNN. */
  'models.featureDefault': { input: none, output: z.object({ modelId: z.number().int().nullable() }) },
  'runs.epochs': {
    input: z.strictObject({ jobId: id }),
    output: z.object({ jobId: id, modelId: z.number().int().nullable(), epochs: z.array(EpochRow) }),
  },
  'runs.log': {
    input: z.strictObject({ jobId: id, after: z.number().int().min(-1).default(-1), limit: z.number().int().min(1).max(5000).default(1000) }),
    output: z.object({ lines: z.array(LogLine) }),
  },
  /**
   * Starts a new job that continues an interrupted, cancelled or failed training run (by its job
   * id, like the CLI's --resume JOB_ID) from its checkpoint; 'conflict' while a live process still
   * runs that job or already trains its model (the message names the process).
   */
  'runs.resume': { input: z.strictObject({ jobId: id }), output: z.object({ jobId: id }) },
  'evaluations.table': {
    input: z.strictObject({ dataset: datasetName.default(''), split: z.enum(SPLITS).default('val') }),
    output: z.object({
      dataset: z.string(),
      split: z.enum(SPLITS),
      /**
       * The newest evaluation of each model on this dataset and split, per reference and frames
       * measured on (one Table 2 each: src/shared/table2.ts groupTables).
       */
      rows: z.array(EvaluationRow),
      /** Every (dataset, split) with at least one stored evaluation. */
      available: z.array(z.object({ dataset: z.string(), split: z.enum(SPLITS), models: z.number().int() })),
    }),
  },
  'evaluations.points': { input: z.strictObject({ evaluationId: id }), output: VaPoints },
} as const;
