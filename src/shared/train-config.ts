// The training configuration and the parameters of the engine's jobs, as pure zod schemas: the
// worker validates a job's params with them, and the renderer's dialogs validate the same fields
// before a job starts. Defaults are the paper's schedule (Adam 1e-4, ÷10 every 3 epochs, teacher
// 8 epochs, students 3, 5 students, λ = 0.6, T = 1.5); every value is overridable and recorded
// with the run and the model. Pure TypeScript (imports zod and the label schema only).
import { z } from 'zod';
import { SPLITS } from './labels';

/** Backbones the engine builds (src/ml/models/build.ts); the one list every layer offers. */
export const TRAIN_BACKBONES = ['resnet50', 'resnet18', 'small', 'face'] as const;
export type TrainBackbone = (typeof TRAIN_BACKBONES)[number];

export const BalanceConfig = z.object({
  au: z.boolean().default(true),
  expr: z.boolean().default(true),
  va: z.boolean().default(true),
});

export const TrainConfig = z.object({
  backbone: z.enum(TRAIN_BACKBONES).default('resnet18'),
  freezeBackbone: z.boolean().default(false),
  inputSize: z.number().int().min(16).max(512).default(112),
  epochs: z.number().int().min(1).max(1000).optional(),
  batch: z.number().int().min(2).max(1024).default(32),
  lr: z.number().positive().max(1).default(1e-4),
  /** The learning rate is divided by lrFactor⁻¹ every lrStepEpochs epochs (paper: ÷10 every 3). */
  lrStepEpochs: z.number().int().min(1).default(3),
  lrFactor: z.number().positive().max(1).default(0.1),
  seed: z.number().int().min(0).default(0),
  /** Dataset names to train on (all when empty). */
  datasets: z.array(z.string()).default([]),
  balance: BalanceConfig.default({ au: true, expr: true, va: true }),
  /** ML-ROS clone budget, % of the AU pool (Charte et al.: 10–25 %). */
  auClonePercentage: z.number().min(0).max(400).default(25),
  augment: z.boolean().default(true),
  /** Loss weights of Eq. 4. */
  weights: z.object({ au: z.number(), expr: z.number(), v: z.number(), a: z.number() }).default({ au: 8, expr: 1, v: 1, a: 1 }),
  /** Student only (Eq. 7). */
  lambda: z.number().min(0).max(1).default(0.6),
  temperature: z.number().positive().default(1.5),
  /** Cap on training steps per epoch (0 = the whole epoch); for quick checks and tests. */
  maxStepsPerEpoch: z.number().int().min(0).default(0),
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
export const StudentParams = TrainConfig.extend({
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

/** Rules across fields that the schemas alone do not express; [] when the config is consistent. */
export function trainConfigIssues(c: Pick<TrainConfig, 'backbone' | 'inputSize'>): { path: string; message: string }[] {
  if (c.backbone === 'face' && c.inputSize !== FACE_INPUT_SIZE) return [{ path: 'inputSize', message: `the face backbone takes ${FACE_INPUT_SIZE}×${FACE_INPUT_SIZE} inputs` }];
  return [];
}

/** Learning rate of an epoch (0-based) under the step schedule. */
export function learningRate(c: Pick<TrainConfig, 'lr' | 'lrStepEpochs' | 'lrFactor'>, epoch: number): number {
  return c.lr * Math.pow(c.lrFactor, Math.floor(epoch / c.lrStepEpochs));
}
