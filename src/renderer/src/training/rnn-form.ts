// The CNN-RNN half of Train teacher… and Train students…: the model-type choice, the form with the
// CNN-RNN's defaults (windows of 32 frames, training stride 16, evaluation stride 32, 64 GRU units
// per direction, 3 epochs) and its conversion into 'train.rnn-teacher' / 'train.rnn-students'
// params, validated by the schemas the worker applies (src/shared/rnn-config.ts). Pure: no DOM.
import type { ModelSummary } from '../../../shared/contract';
import {
  RNN_HIDDEN,
  RNN_STUDENT_EPOCHS,
  RNN_TEACHER_EPOCHS,
  RNN_WINDOW,
  RnnStudentParams,
  RnnTeacherParams,
  rnnConfigIssues,
  rnnStrides,
  type ModelType,
} from '../../../shared/rnn-config';
import { STUDENT_COUNT } from '../../../shared/train-config';
import { parseNumber, schemaIssues, type Checked, type Issues, type Role } from './form';

export interface RnnForm {
  /** Id of the CNN whose frozen features the RNN reads; '' = the engine's default (the best CNN student). */
  featuresFrom: string;
  window: string;
  trainStride: string;
  evalStride: string;
  hidden: string;
  epochs: string;
  /** Windows per batch. */
  batch: string;
  lr: string;
  lrStepEpochs: string;
  lrDivisor: string;
  seed: string;
  maxStepsPerEpoch: string;
  /** Dataset names; empty = every dataset (video and image-sequence media only are trained on). */
  datasets: string[];
  // students only
  teacher: string;
  count: string;
  lambda: string;
  temperature: string;
  /** The strides are the window's defaults and follow it (until the user types one). */
  stridesFollow: boolean;
}

export type RnnField = keyof RnnForm;

/** The job each model type starts from each dialog. */
export function jobKindOf(type: ModelType, role: Role): 'train.teacher' | 'train.students' | 'train.rnn-teacher' | 'train.rnn-students' {
  if (type === 'cnn-rnn') return role === 'teacher' ? 'train.rnn-teacher' : 'train.rnn-students';
  return role === 'teacher' ? 'train.teacher' : 'train.students';
}

export function defaultRnnForm(role: Role, o: { featuresFrom?: number | null; teacher?: number | null } = {}): RnnForm {
  const s = rnnStrides({ window: RNN_WINDOW });
  return {
    featuresFrom: o.featuresFrom == null ? '' : String(o.featuresFrom),
    window: String(RNN_WINDOW),
    trainStride: String(s.trainStride),
    evalStride: String(s.evalStride),
    hidden: String(RNN_HIDDEN),
    epochs: String(role === 'teacher' ? RNN_TEACHER_EPOCHS : RNN_STUDENT_EPOCHS),
    batch: '32',
    lr: '1e-4',
    lrStepEpochs: '3',
    lrDivisor: '10',
    seed: '0',
    maxStepsPerEpoch: '0',
    datasets: [],
    teacher: o.teacher == null ? '' : String(o.teacher),
    count: String(STUDENT_COUNT),
    lambda: '0.6',
    temperature: '1.5',
    stridesFollow: true,
  };
}

const isCount = (t: string) => /^\s*\d+\s*$/.test(t) && Number(t) >= 1;

/**
 * The form after the user set one field. The strides follow the window (half of it, all of it)
 * until the user types a stride; from then on they stay as typed.
 */
export function setRnnField<K extends RnnField>(f: RnnForm, k: K, v: RnnForm[K]): RnnForm {
  const next: RnnForm = { ...f, [k]: v };
  if (k === 'trainStride' || k === 'evalStride') next.stridesFollow = false;
  if (k === 'window' && f.stridesFollow && isCount(v as string)) {
    const s = rnnStrides({ window: Number(v) });
    next.trainStride = String(s.trainStride);
    next.evalStride = String(s.evalStride);
  }
  return next;
}

const NUMERIC: RnnField[] = ['window', 'trainStride', 'evalStride', 'hidden', 'epochs', 'batch', 'lr', 'lrStepEpochs', 'lrDivisor', 'seed', 'maxStepsPerEpoch'];
const STUDENT_NUMERIC: RnnField[] = ['count', 'lambda', 'temperature'];

/** 'train.rnn-teacher' or 'train.rnn-students' params from the form, or the problems per field. */
export function rnnParams(role: Role, f: RnnForm): Checked<Record<string, unknown>, RnnField | 'form'> {
  const issues: Issues = {};
  const n = Object.fromEntries([...NUMERIC, ...(role === 'student' ? STUDENT_NUMERIC : [])].map((k) => [k, parseNumber(f[k] as string, k, issues)]));
  if (Number.isFinite(n.lrDivisor) && n.lrDivisor < 1) issues.lrDivisor ??= 'the learning rate is divided by at least 1';
  const params: Record<string, unknown> = {
    window: n.window,
    trainStride: n.trainStride,
    evalStride: n.evalStride,
    hidden: n.hidden,
    epochs: n.epochs,
    batch: n.batch,
    lr: n.lr,
    lrStepEpochs: n.lrStepEpochs,
    lrFactor: n.lrDivisor > 0 ? 1 / n.lrDivisor : n.lrDivisor,
    seed: n.seed,
    datasets: f.datasets,
    maxStepsPerEpoch: n.maxStepsPerEpoch,
  };
  if (role === 'teacher') {
    if (f.featuresFrom !== '') params.featuresFrom = Number(f.featuresFrom);
  } else {
    if (f.teacher === '') issues.teacher = 'choose the CNN-RNN teacher whose soft labels the students learn from';
    Object.assign(params, { teacher: Number(f.teacher), count: n.count, lambda: n.lambda, temperature: n.temperature });
  }
  const parsed = (role === 'teacher' ? RnnTeacherParams : RnnStudentParams).safeParse(params);
  if (!parsed.success) schemaIssues(parsed.error, issues);
  // The cross-field rule whenever its own fields are numbers, so it shows with any other problem.
  if ([n.window, n.trainStride, n.evalStride].every(Number.isFinite))
    for (const i of rnnConfigIssues({ window: n.window, trainStride: n.trainStride, evalStride: n.evalStride })) issues[i.path] ??= i.message;
  return Object.keys(issues).length ? { ok: false, issues } : { ok: true, params };
}

/** CNN models that can give the features: ready teachers and students (an ensemble has no single extractor). */
export function featureModels(models: ModelSummary[]): ModelSummary[] {
  return models.filter((m) => m.arch === 'cnn' && m.status === 'ready' && m.kind !== 'ensemble');
}

/** Ready teachers of one architecture: the students of a type learn from a teacher of that type. */
export function teachersOfType(models: ModelSummary[], type: ModelType): ModelSummary[] {
  return models.filter((m) => m.kind === 'teacher' && m.status === 'ready' && m.arch === type);
}

/** Train teacher… opens on the CNN; Train students… on the type of the newest ready teacher (the one just trained). */
export function defaultModelType(role: Role, models: ModelSummary[]): ModelType {
  if (role === 'teacher') return 'cnn';
  return models.filter((m) => m.kind === 'teacher' && m.status === 'ready').at(-1)?.arch ?? 'cnn';
}
