// The CNN-RNN's training configuration and job parameters as pure zod schemas (the worker
// validates job params with them; the renderer's training dialogs can validate the same fields).
//
// The model: frozen per-frame CNN features → per task a bidirectional GRU over windows → the
// task's output layer. Defaults: windows of 32 frames (the paper's sequence length), training
// windows every 16 frames (half the window: each frame is seen in two temporal contexts),
// evaluation windows every 32 (the window: one prediction per frame, the cheapest), 64 hidden units per
// direction, teacher 3 epochs as the reference code (the paper's 8 are for the CNN), students 3.
// Schedule and losses are the CNN's (Adam 1e-4, ÷10 every 3 epochs, Eq. 4 weights 8/1/1/1, λ 0.6,
// T 1.5). Every value is recorded with the model, so inference re-uses its window settings.
import { z } from 'zod';
import { ResumeOf, STUDENT_COUNT, TrainConfig } from './train-config';

/** Model types of the training dialogs and the CLI's --model-type. */
export const MODEL_TYPES = ['cnn', 'cnn-rnn'] as const;
export type ModelType = (typeof MODEL_TYPES)[number];

export const RNN_WINDOW = 32;
/** The stride defaults at the default window (in general: half the window, and the window). */
export const RNN_TRAIN_STRIDE = RNN_WINDOW / 2;
export const RNN_EVAL_STRIDE = RNN_WINDOW;
export const RNN_HIDDEN = 64;
export const RNN_TEACHER_EPOCHS = 3;
export const RNN_STUDENT_EPOCHS = 3;

const modelRef = z.union([z.number().int().positive(), z.string()]);

export const RnnTrainConfig = TrainConfig.pick({
  epochs: true,
  lr: true,
  lrStepEpochs: true,
  lrFactor: true,
  seed: true,
  datasets: true,
  weights: true,
  lambda: true,
  temperature: true,
  maxStepsPerEpoch: true,
}).extend({
  /** Id of the CNN model (teacher or student) whose backbone gives the frozen per-frame features. */
  featuresFrom: z.number().int().positive().optional(),
  /** Frames per window. */
  window: z.number().int().min(2).max(1024).default(RNN_WINDOW),
  /** Start-to-start distance of training windows (≤ window: windows overlap). Default: half the window (16). */
  trainStride: z.number().int().min(1).max(1024).optional(),
  /** Start-to-start distance of evaluation/inference windows; overlaps are averaged. Default: the window (32). */
  evalStride: z.number().int().min(1).max(1024).optional(),
  /** GRU units per direction. */
  hidden: z.number().int().min(1).max(1024).default(RNN_HIDDEN),
  /** Windows per batch. */
  batch: z.number().int().min(1).max(1024).default(32),
});
export type RnnTrainConfig = z.output<typeof RnnTrainConfig>;
export type RnnTrainConfigInput = z.input<typeof RnnTrainConfig>;

/** Job 'train.rnn-teacher'. */
export const RnnTeacherParams = RnnTrainConfig.extend({
  /** The CNN (teacher or student; id or "student"/"teacher") whose features the RNN reads; default: the best CNN student. */
  featuresFrom: modelRef.optional(),
  /** Internal: the model id to continue (set by resumeJob from the job id; see train-config.ts ResumeOf). */
  resume: z.number().int().positive().optional(),
  resumeOf: ResumeOf,
});

/** Job 'train.rnn-students' (the features are the teacher's). */
export const RnnStudentParams = RnnTrainConfig.omit({ featuresFrom: true }).extend({
  teacher: modelRef,
  count: z.number().int().min(1).max(50).default(STUDENT_COUNT),
  /** Internal: continue the newest unfinished set of students of this teacher (set by resumeJob). */
  resume: z.boolean().default(false),
  resumeOf: ResumeOf,
});

/** Rules across fields that the schemas alone do not express; [] when the config is consistent. */
export function rnnConfigIssues(c: Pick<RnnTrainConfig, 'window' | 'trainStride' | 'evalStride'>): { path: string; message: string }[] {
  const out: { path: string; message: string }[] = [];
  for (const k of ['trainStride', 'evalStride'] as const) {
    const v = c[k];
    if (v !== undefined && v > c.window) out.push({ path: k, message: `the stride (${v}) must not exceed the window (${c.window}): frames would be skipped` });
  }
  return out;
}

/** The strides a config runs with: as given, else half the window (training) and the window (evaluation). */
export function rnnStrides(c: Pick<RnnTrainConfig, 'window' | 'trainStride' | 'evalStride'>): { trainStride: number; evalStride: number } {
  return { trainStride: c.trainStride ?? Math.max(1, Math.floor(c.window / 2)), evalStride: c.evalStride ?? c.window };
}
