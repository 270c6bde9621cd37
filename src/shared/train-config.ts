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

/** Blocks of every backbone that `trainBlocks` counts from the end: face's dense blocks face_dense0..3, the ResNets' (and small's) four stages. */
export const BACKBONE_BLOCKS = 4;

/**
 * How many of the backbone's last blocks are trained: 'all' (the whole backbone), 1..4 (the last
 * blocks; a ResNet's stem trains only with 'all'), 0 (none: the same as freezeBackbone, the
 * cached-feature path). freezeBackbone stays the one switch for "frozen": trainBlocks 0 resolves
 * to it (resolveTrainBlocks), and a frozen backbone with blocks to train is refused.
 */
export const TrainBlocks = z.union([z.number().int().min(0).max(BACKBONE_BLOCKS), z.literal('all')]);
export type TrainBlocks = z.output<typeof TrainBlocks>;

/** Distillation tasks of Eq. 7 (the VA terms share one value). */
export const DISTILL_TASKS = ['au', 'expr', 'va'] as const;
export type DistillTask = (typeof DISTILL_TASKS)[number];

/** λ of Eq. 7: one number for every task, or one per task. */
export const Lambda = z.union([z.number().min(0).max(1), z.object({ au: z.number().min(0).max(1), expr: z.number().min(0).max(1), va: z.number().min(0).max(1) }).strict()]);
export type Lambda = z.output<typeof Lambda>;
/** T of Eq. 5: one number, or one per task with a KL term (AU distillation, Eq. 6, is a BCE with no temperature). */
export const Temperature = z.union([z.number().positive(), z.object({ expr: z.number().positive(), va: z.number().positive() }).strict()]);
export type Temperature = z.output<typeof Temperature>;

/** The value of a per-task setting (λ or T) for one task. */
export function perTask(v: number | Partial<Record<DistillTask, number>>, task: DistillTask): number {
  if (typeof v === 'number') return v;
  const x = v[task];
  if (x === undefined) throw new Error(`no value for task ${task}`);
  return x;
}

/** A per-task setting as one short phrase: `0.6`, or `au 0.8, expr 0.6, va 0.5`. */
export function formatPerTask(v: number | Partial<Record<DistillTask, number>>): string {
  return typeof v === 'number' ? String(v) : DISTILL_TASKS.filter((k) => v[k] !== undefined).map((k) => `${k} ${v[k]}`).join(', ');
}

/**
 * Parses `0.6` or `au=0.8,expr=0.6,va=0.5` (the CLI's --lambda and --temperature); the tasks
 * allowed are `tasks`, every one of them required. Throws a one-line message.
 */
function parsePerTaskText(text: string, tasks: readonly DistillTask[]): number | Record<string, number> {
  const t = text.trim();
  if (!t.includes('=')) {
    const n = Number(t);
    if (t === '' || !Number.isFinite(n)) throw new Error(`not a number: ${text}`);
    return n;
  }
  const out: Record<string, number> = {};
  for (const part of t.split(',')) {
    const [k, v, ...more] = part.split('=').map((x) => x.trim());
    const n = Number(v);
    if (more.length || !(tasks as readonly string[]).includes(k)) throw new Error(`'${part}': expected TASK=VALUE with TASK one of ${tasks.join(', ')}`);
    if (v === '' || !Number.isFinite(n)) throw new Error(`'${part}': not a number`);
    if (k in out) throw new Error(`task ${k} given twice`);
    out[k] = n;
  }
  const missing = tasks.filter((k) => !(k in out));
  if (missing.length) throw new Error(`a value for every task (${tasks.join(', ')}) is needed; missing ${missing.join(', ')}`);
  return out;
}

function checked<S extends z.ZodTypeAny>(schema: S, v: unknown, what: string): z.output<S> {
  const r = schema.safeParse(v);
  if (!r.success) throw new Error(`${what}: ${r.error.issues[0].message}`);
  return r.data;
}

/** λ as typed (`0.6` or `au=0.8,expr=0.6,va=0.5`), checked by the schema; throws a one-line message. */
export function parseLambda(text: string): Lambda {
  return checked(Lambda, parsePerTaskText(text, DISTILL_TASKS), 'λ');
}

/** T as typed (`1.5` or `expr=1.5,va=2`: the AU term has no temperature), checked; throws a one-line message. */
export function parseTemperature(text: string): Temperature {
  return checked(Temperature, parsePerTaskText(text, ['expr', 'va']), 'temperature');
}
/** Stage maps pooled into the features when none is chosen (why: docs/ARCHITECTURE.md §7). */
export const DEFAULT_FEATURE_MAPS = 2;

export const TrainConfig = z.object({
  backbone: z.enum(TRAIN_BACKBONES).default(DEFAULT_BACKBONE),
  freezeBackbone: z.boolean().default(false),
  /** How many of the backbone's last blocks are trained (TrainBlocks); absent: 'all' unless frozen. */
  trainBlocks: TrainBlocks.optional(),
  /** The trained backbone layers learn at lr × backboneLrScale (the heads at lr). */
  backboneLrScale: z.number().positive().max(1).default(1),
  /** Dropout rate before each head's last FC (training passes only); 0 = none. */
  headDropout: z.number().min(0).max(0.9).default(0),
  /** Students only: each student trains on a bootstrap resample of each task's pool, from its own seed. */
  bagging: z.boolean().default(false),
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
  lambda: Lambda.default(0.6),
  temperature: Temperature.default(1.5),
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
export function trainConfigIssues(
  c: Pick<TrainConfig, 'backbone' | 'inputSize'> & { freezeBackbone?: boolean; trainBlocks?: TrainBlocks; backboneLrScale?: number },
): { path: string; message: string }[] {
  const issues: { path: string; message: string }[] = [];
  if (c.freezeBackbone && c.trainBlocks !== undefined && c.trainBlocks !== 0) {
    issues.push({ path: 'trainBlocks', message: `a frozen backbone trains no blocks: leave out --freeze-backbone to train ${c.trainBlocks === 'all' ? 'all of it' : `its last ${c.trainBlocks}`}, or give --train-blocks 0` });
  }
  if (backboneFrozen(c) && c.backboneLrScale !== undefined && c.backboneLrScale !== 1) {
    issues.push({ path: 'backboneLrScale', message: 'a backbone learning-rate scale needs a trained backbone (it is frozen): leave it at 1, or train some blocks (--train-blocks)' });
  }
  if (c.backbone === 'face' && c.inputSize !== FACE_INPUT_SIZE) issues.push({ path: 'inputSize', message: `the face backbone takes ${FACE_INPUT_SIZE}×${FACE_INPUT_SIZE} inputs` });
  if (backboneFrozen(c) && !isPretrained(c.backbone)) issues.push({ path: 'freezeBackbone', message: frozenFromScratchMessage(c.backbone) });
  return issues;
}

/** Whether the backbone is frozen (heads on cached features): freezeBackbone, or trainBlocks 0. */
export function backboneFrozen(c: { freezeBackbone?: boolean; trainBlocks?: TrainBlocks }): boolean {
  return c.freezeBackbone === true || c.trainBlocks === 0;
}

/** The blocks a config trains: 0 when frozen, else trainBlocks ('all' when absent). */
export function resolveTrainBlocks(c: { freezeBackbone?: boolean; trainBlocks?: TrainBlocks }): TrainBlocks {
  return backboneFrozen(c) ? 0 : (c.trainBlocks ?? 'all');
}

/** The model settings students inherit from their teacher. */
export type StudentModelSettings = Pick<TrainConfig, 'backbone' | 'freezeBackbone' | 'inputSize' | 'featureMaps' | 'trainBlocks'>;

/** A teacher's stored config: one stored before featureMaps existed pooled its last map only. */
const TeacherModelSettings = TrainConfig.pick({ backbone: true, freezeBackbone: true, inputSize: true, trainBlocks: true }).extend({
  featureMaps: z.number().int().min(1).max(4).default(1),
});

/**
 * The backbone, input size and freezing (and trained blocks) of students: what the user gave, else their teacher's
 * (`teacherConfig`: the teacher model's stored config). A backbone other than the teacher's takes
 * the teacher's input size (112 for face), and the teacher's freezing only if it is pretrained, so
 * that choosing another backbone never inherits a combination the rules refuse. A config that does
 * not read as a CNN's (missing fields) counts as the defaults of the time.
 */
export function studentModelSettings(teacherConfig: unknown, given: Partial<StudentModelSettings>): StudentModelSettings {
  const parsed = TeacherModelSettings.safeParse(teacherConfig ?? {});
  const t: StudentModelSettings = parsed.success ? parsed.data : { backbone: DEFAULT_BACKBONE, freezeBackbone: false, inputSize: FACE_INPUT_SIZE, featureMaps: 1 };
  const backbone = given.backbone ?? t.backbone;
  // The teacher's trained blocks go with its backbone and freezing, unless the student chose either.
  const trainBlocks = given.trainBlocks ?? (given.freezeBackbone === undefined && backbone === t.backbone ? t.trainBlocks : undefined);
  return {
    backbone,
    inputSize: given.inputSize ?? (backbone === 'face' ? FACE_INPUT_SIZE : t.inputSize),
    // Blocks given without a freezing choice say it: 0 frozen, any other count trained.
    freezeBackbone: given.freezeBackbone ?? (given.trainBlocks !== undefined ? given.trainBlocks === 0 : t.freezeBackbone && isPretrained(backbone)),
    featureMaps: given.featureMaps ?? t.featureMaps,
    ...(trainBlocks !== undefined ? { trainBlocks } : {}),
  };
}

/** Learning rate of an epoch (0-based) under the step schedule. */
export function learningRate(c: Pick<TrainConfig, 'lr' | 'lrStepEpochs' | 'lrFactor'>, epoch: number): number {
  return c.lr * Math.pow(c.lrFactor, Math.floor(epoch / c.lrStepEpochs));
}
