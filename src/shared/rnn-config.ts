// The CNN-RNN's training configuration and job parameters as pure zod schemas (the worker
// validates job params with them; the renderer's training dialogs can validate the same fields).
//
// The model: frozen per-frame CNN outputs → per task a bidirectional GRU over windows → ReLU → the
// task's output layer. Defaults: windows of 32 frames (the paper's sequence length), training
// windows every 16 frames (half the window: each frame is seen in two temporal contexts),
// evaluation windows every 32 (the window: one prediction per frame, the cheapest), 64 hidden units per
// direction, teacher 8 epochs (the paper's), students 3.
// Schedule and losses are the CNN's (Adam 1e-4, ÷10 every 3 epochs, Eq. 4 weights 8/1/1/1, λ 0.6,
// T 1.5). Every value is recorded with the model, so inference re-uses its window settings.
//
// Where the first implementation differed from the paper and the reference code
// (Multitask-CNN-RNN/utils/model_utils.py GRU_Head and Seq_Model, models/resnet50.py, train.py),
// the paper's way is the default and the earlier behaviour stays available under a name:
//   rnnInput       'head-embedding': each task's GRU reads that task's 128-d head embedding of the
//                  feature CNN (BN → FC128 → ReLU → BN, the input of the head's last FC), as
//                  Seq_Model feeds GRU_Head; 'backbone': every GRU reads the backbone features.
//   reluAfterGru   true: ReLU on the GRU outputs before the output layer (GRU_Head).
//   epochs         teacher 8 (the paper; the reference's teacher_nepochs default is 3).
//   studentTargets 'own-windows': the teacher RNN runs (inference mode) on the windows the student
//                  trains on and its outputs are the soft labels (optimize_parameters_kd);
//                  'stored': the teacher's stored per-frame soft labels (stride-32 windows, merged).
// A configuration stored before these fields existed ran with the earlier behaviour: reading a
// stored one (resolveStoredRnnConfig in src/ml/rnn/config.ts) fills missing fields with
// RNN_LEGACY, while a new job gets the defaults below.
import { z } from 'zod';
import { AU_THRESHOLDS, ResumeOf, STUDENT_COUNT, STUDENT_TASK_WEIGHTS, TrainConfig } from './train-config';

/** Model types of the training dialogs and the CLI's --model-type. */
export const MODEL_TYPES = ['cnn', 'cnn-rnn'] as const;
export type ModelType = (typeof MODEL_TYPES)[number];

export const RNN_WINDOW = 32;
/** The stride defaults at the default window (in general: half the window, and the window). */
export const RNN_TRAIN_STRIDE = RNN_WINDOW / 2;
export const RNN_EVAL_STRIDE = RNN_WINDOW;
export const RNN_HIDDEN = 64;
export const RNN_TEACHER_EPOCHS = 8;
export const RNN_STUDENT_EPOCHS = 3;

/** What each task's GRU reads (see the header). */
export const RNN_INPUTS = ['head-embedding', 'backbone'] as const;
export type RnnInput = (typeof RNN_INPUTS)[number];
/** Where a student's soft labels come from (see the header). */
export const RNN_STUDENT_TARGETS = ['own-windows', 'stored'] as const;
export type RnnStudentTargets = (typeof RNN_STUDENT_TARGETS)[number];

/** The behaviour of configurations (and model files) stored before the fields above existed. */
export const RNN_LEGACY = {
  rnnInput: 'backbone',
  reluAfterGru: false,
  studentTargets: 'stored',
  teacherEpochs: 3,
  studentTaskWeights: 'teacher',
  auThresholds: 'tuned',
} as const satisfies {
  rnnInput: RnnInput;
  reluAfterGru: boolean;
  studentTargets: RnnStudentTargets;
  teacherEpochs: number;
  studentTaskWeights: (typeof STUDENT_TASK_WEIGHTS)[number];
  auThresholds: (typeof AU_THRESHOLDS)[number];
};

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
  studentTaskWeights: true,
  auThresholds: true,
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
  /** What each task's GRU reads: 'head-embedding' (the paper's: the task head's 128-d embedding) or 'backbone' (the shared features). */
  rnnInput: z.enum(RNN_INPUTS).default('head-embedding'),
  /** ReLU on the GRU outputs before each output layer (the reference's GRU_Head). */
  reluAfterGru: z.boolean().default(true),
  /** Students: soft labels from the teacher run on the student's own windows ('own-windows') or its stored per-frame records ('stored'). */
  studentTargets: z.enum(RNN_STUDENT_TARGETS).default('own-windows'),
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

/** Job 'train.rnn-students' (the features, and what the GRUs read of them, are the teacher's). */
export const RnnStudentParams = RnnTrainConfig.omit({ featuresFrom: true, rnnInput: true }).extend({
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
