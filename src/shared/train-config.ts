// The training configuration and the parameters of the engine's jobs, as pure zod schemas: the
// worker validates a job's params with them, and the renderer's dialogs validate the same fields
// before a job starts. Defaults are the paper's schedule (Adam 1e-4, ÷10 every 3 epochs, teacher
// 8 epochs, students 3, 5 students, λ = 0.6, T = 1.5); every value is overridable and recorded
// with the run and the model. Pure TypeScript (imports zod and the label schema only).
import { z } from 'zod';
import { SPLITS } from './labels';
import { isPretrained } from './train-estimate';

/** Backbones the engine builds (src/ml/models/build.ts); the one list every layer offers. */
export const TRAIN_BACKBONES = ['resnet50', 'resnet18', 'small', 'face'] as const;
export type TrainBackbone = (typeof TRAIN_BACKBONES)[number];

/** How VA-labelled frames are balanced (src/ml/samplers.ts vaBalanceWeights). */
export const VA_BALANCE_MODES = ['marginals', 'cells', 'valence', 'arousal'] as const;

export const BalanceConfig = z.object({
  au: z.boolean().default(true),
  expr: z.boolean().default(true),
  va: z.boolean().default(true),
  /** 'marginals': valence and arousal bins each as even as the data allow; 'cells': uniform over occupied 2-D (v, a) bins. */
  vaMode: z.enum(VA_BALANCE_MODES).default('marginals'),
});

// Where this implementation may differ from the paper, the paper's way is the default and today's
// earlier behaviour stays available under a name, recorded in the model's config
// (docs/ARCHITECTURE.md "Paper vs here").

/** How a step's batch is made: 'per-task' a fixed share of every task's pool each step (the reference code: batch_size per task); 'proportional' drawn from the merged epoch, so tasks appear in proportion to their pools. */
export const BATCHINGS = ['per-task', 'proportional'] as const;
/** Task weights of the student loss (Eq. 7): 'none' (the paper; the reference averages the terms) or 'teacher' (Eq. 4's weights, e.g. AU ×8). */
export const STUDENT_TASK_WEIGHTS = ['none', 'teacher'] as const;
/** AU decision thresholds: 'half' (0.5, the paper's Table 2) or 'tuned' (per AU on the validation split; reported only on other splits). */
export const AU_THRESHOLDS = ['half', 'tuned'] as const;
/**
 * Test-time augmentation: 'none' (one view) or 'flip' (the records of the face and of its mirror
 * image, averaged as probabilities like an ensemble's members: src/ml/train/cnn.ts predictRows).
 * Applies to every inference of the model: validation, soft labels, evaluation, ensembles.
 */
export const TTA_MODES = ['none', 'flip'] as const;
export type TtaMode = (typeof TTA_MODES)[number];
/** The TTA of a new run when none is chosen (the CLI, the dialogs); a stored config without the field reads as 'none' (TRAIN_LEGACY). */
export const DEFAULT_TTA: TtaMode = 'none';

/**
 * The backbone when none is chosen: the best pretrained one available offline, `face` (face-api's
 * expression net, weights in the npm package, 112×112 input, the inputSize default). The ResNets
 * and `small` start from random weights (hours per epoch on a CPU): only when asked for by name.
 */
export const DEFAULT_BACKBONE: TrainBackbone = 'face';

/** Stage maps pooled into the features when none is chosen (why: docs/ARCHITECTURE.md §7). */
export const DEFAULT_FEATURE_MAPS = 1;

export const TrainConfig = z.object({
  backbone: z.enum(TRAIN_BACKBONES).default(DEFAULT_BACKBONE),
  freezeBackbone: z.boolean().default(false),
  inputSize: z.number().int().min(16).max(512).default(112),
  /** How many of the backbone's last stage maps are pooled into its features (1: the last, the paper's; 2 adds the mid-level map). */
  featureMaps: z.number().int().min(1).max(4).default(DEFAULT_FEATURE_MAPS),
  epochs: z.number().int().min(1).max(1000).optional(),
  batch: z.number().int().min(2).max(1024).default(32),
  lr: z.number().positive().max(1).default(1e-4),
  /** The learning rate is divided by lrFactor⁻¹ every lrStepEpochs epochs (paper: ÷10 every 3). */
  lrStepEpochs: z.number().int().min(1).default(3),
  lrFactor: z.number().positive().max(1).default(0.1),
  seed: z.number().int().min(0).default(0),
  /** Dataset names to train on (all when empty). */
  datasets: z.array(z.string()).default([]),
  balance: BalanceConfig.default({ au: true, expr: true, va: true, vaMode: 'marginals' }),
  /** ML-ROS clone budget, % of the AU pool (Charte et al.: 10–25 %). */
  auClonePercentage: z.number().min(0).max(400).default(25),
  /** Per-sample augmentation; includes the horizontal flip (the mirrored view, AU labels through AU_MIRROR_PAIRS). */
  augment: z.boolean().default(true),
  /** Loss weights of Eq. 4. */
  weights: z.object({ au: z.number(), expr: z.number(), v: z.number(), a: z.number() }).default({ au: 8, expr: 1, v: 1, a: 1 }),
  /** Student only (Eq. 7). */
  lambda: z.number().min(0).max(1).default(0.6),
  temperature: z.number().positive().default(1.5),
  /** Cap on training steps per epoch (0 = the whole epoch); for quick checks and tests. */
  maxStepsPerEpoch: z.number().int().min(0).default(0),
  batching: z.enum(BATCHINGS).default('per-task'),
  studentTaskWeights: z.enum(STUDENT_TASK_WEIGHTS).default('none'),
  auThresholds: z.enum(AU_THRESHOLDS).default('half'),
  tta: z.enum(TTA_MODES).default(DEFAULT_TTA),
});
export type TrainConfig = z.output<typeof TrainConfig>;
export type TrainConfigInput = z.input<typeof TrainConfig>;

export const TEACHER_EPOCHS = 8;
export const STUDENT_EPOCHS = 3;
export const STUDENT_COUNT = 5;
/** The face backbone is face-api's expression net: it takes 112×112 faces only. */
export const FACE_INPUT_SIZE = 112;

const modelRef = z.union([z.number().int().positive(), z.string()]);

/**
 * How a job continues an earlier run. Users resume by job id (runs.resume, the CLI's --resume
 * JOB_ID, the dashboard): src/node/training/runs.ts resumeJob turns that id into these worker
 * params, which are internal: a teacher's `resume` is the model it continues, a students job's
 * `resume` says "the newest unfinished set of the teacher"; `resumeOf` records the job resumed.
 */
export const ResumeOf = z.number().int().positive().optional();

export const TeacherParams = TrainConfig.extend({
  /** Internal: the model id to continue (set by resumeJob from the job id). */
  resume: z.number().int().positive().optional(),
  resumeOf: ResumeOf,
});
export const SoftLabelParams = z.object({ model: modelRef, datasets: z.array(z.string()).default([]) });
/**
 * Students take their teacher's backbone, input size, freezing and feature maps unless told
 * otherwise: those four have no defaults here (a default would be indistinguishable from a choice); the students
 * job fills what was left out from the teacher's stored config (studentModelSettings), so the job's
 * params record what the user chose and the models' configs what ran.
 */
export const StudentParams = TrainConfig.extend({
  backbone: z.enum(TRAIN_BACKBONES).optional(),
  freezeBackbone: z.boolean().optional(),
  inputSize: z.number().int().min(16).max(512).optional(),
  featureMaps: z.number().int().min(1).max(4).optional(),
  teacher: modelRef,
  count: z.number().int().min(1).max(50).default(STUDENT_COUNT),
  /** Internal: continue the newest unfinished set of students of this teacher (set by resumeJob). */
  resume: z.boolean().default(false),
  resumeOf: ResumeOf,
});
export const EvaluateParams = z.object({
  model: modelRef,
  dataset: z.string().optional(),
  split: z.enum(SPLITS).default('val'),
});

/** Why freezing `backbone` is refused, with the fix (the CLI's flags and the dialog's fields). */
export function frozenFromScratchMessage(backbone: TrainBackbone): string {
  return (
    `the ${backbone} backbone has no pretrained weights, so freezing it would train the heads on random features: ` +
    `fine-tune it (leave out --freeze-backbone, or untick "Freeze the backbone") or choose the pretrained face backbone (--backbone face)`
  );
}

/**
 * Rules across fields that the schemas alone do not express; [] when the config is consistent.
 * The face backbone takes 112-pixel inputs; only a pretrained backbone (isPretrained) may be frozen.
 */
export function trainConfigIssues(c: Pick<TrainConfig, 'backbone' | 'inputSize'> & { freezeBackbone?: boolean }): { path: string; message: string }[] {
  const issues: { path: string; message: string }[] = [];
  if (c.backbone === 'face' && c.inputSize !== FACE_INPUT_SIZE) issues.push({ path: 'inputSize', message: `the face backbone takes ${FACE_INPUT_SIZE}×${FACE_INPUT_SIZE} inputs` });
  if (c.freezeBackbone && !isPretrained(c.backbone)) issues.push({ path: 'freezeBackbone', message: frozenFromScratchMessage(c.backbone) });
  return issues;
}

/** The model settings students inherit from their teacher. */
export type StudentModelSettings = Pick<TrainConfig, 'backbone' | 'freezeBackbone' | 'inputSize' | 'featureMaps'>;

/** A teacher's stored config: one stored before featureMaps existed pooled its last map only. */
const TeacherModelSettings = TrainConfig.pick({ backbone: true, freezeBackbone: true, inputSize: true }).extend({
  featureMaps: z.number().int().min(1).max(4).default(1),
});

/**
 * The backbone, input size and freezing of students: what the user gave, else their teacher's
 * (`teacherConfig`: the teacher model's stored config). A backbone other than the teacher's takes
 * the teacher's input size (112 for face), and the teacher's freezing only if it is pretrained, so
 * that choosing another backbone never inherits a combination the rules refuse. A config that does
 * not read as a CNN's (missing fields) counts as the defaults of the time.
 */
export function studentModelSettings(teacherConfig: unknown, given: Partial<StudentModelSettings>): StudentModelSettings {
  const parsed = TeacherModelSettings.safeParse(teacherConfig ?? {});
  const t: StudentModelSettings = parsed.success ? parsed.data : { backbone: DEFAULT_BACKBONE, freezeBackbone: false, inputSize: FACE_INPUT_SIZE, featureMaps: 1 };
  const backbone = given.backbone ?? t.backbone;
  return {
    backbone,
    inputSize: given.inputSize ?? (backbone === 'face' ? FACE_INPUT_SIZE : t.inputSize),
    freezeBackbone: given.freezeBackbone ?? (t.freezeBackbone && isPretrained(backbone)),
    featureMaps: given.featureMaps ?? t.featureMaps,
  };
}

/** Learning rate of an epoch (0-based) under the step schedule. */
export function learningRate(c: Pick<TrainConfig, 'lr' | 'lrStepEpochs' | 'lrFactor'>, epoch: number): number {
  return c.lr * Math.pow(c.lrFactor, Math.floor(epoch / c.lrStepEpochs));
}
