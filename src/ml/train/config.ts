// Training configuration: the paper's schedule as defaults (Adam 1e-4, ÷10 every 3 epochs, teacher
// 8 epochs, students 3, 5 students, λ = 0.6, T = 1.5), every value overridable and recorded with the
// run and the model. Validated with zod at the contract/CLI boundary.
import { z } from 'zod';
import { BACKBONES } from '../models/types';

export const BalanceConfig = z.object({
  au: z.boolean().default(true),
  expr: z.boolean().default(true),
  va: z.boolean().default(true),
});

export const TrainConfig = z.object({
  backbone: z.enum(BACKBONES).default('resnet18'),
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

export function resolveTrainConfig(input: TrainConfigInput, role: 'teacher' | 'student'): TrainConfig & { epochs: number } {
  const c = TrainConfig.parse(input);
  if (c.backbone === 'face' && c.inputSize !== 112) throw new Error('the face backbone takes 112×112 inputs');
  return { ...c, epochs: c.epochs ?? (role === 'teacher' ? TEACHER_EPOCHS : STUDENT_EPOCHS) };
}

/** Learning rate of an epoch (0-based) under the step schedule. */
export function learningRate(c: Pick<TrainConfig, 'lr' | 'lrStepEpochs' | 'lrFactor'>, epoch: number): number {
  return c.lr * Math.pow(c.lrFactor, Math.floor(epoch / c.lrStepEpochs));
}
