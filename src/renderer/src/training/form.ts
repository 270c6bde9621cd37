// The training dialogs' forms as plain data: one training form for both architectures (the CNN's
// backbone/input/freeze/balancing fields, the CNN-RNN's feature model/window/stride/GRU fields, the
// schedule and the students' fields they share), the paper's defaults, and the conversion of what was
// typed into a typed job start ('train.teacher', 'train.students', 'train.rnn-teacher',
// 'train.rnn-students') validated by the job map's own schemas (src/shared/jobs-contract.ts), with
// every problem attached to the field it concerns. Pure: no DOM, no React.
import { z } from 'zod';
import type { DatasetSummary, ModelSummary } from '../../../shared/contract';
import { jobParamsIssues, type JobParamsInput } from '../../../shared/jobs-contract';
import type { Split } from '../../../shared/labels';
import {
  RNN_HIDDEN,
  RNN_STUDENT_EPOCHS,
  RNN_TEACHER_EPOCHS,
  RNN_WINDOW,
  rnnConfigIssues,
  rnnStrides,
  type ModelType,
} from '../../../shared/rnn-config';
import {
  DEFAULT_BACKBONE,
  DEFAULT_FEATURE_MAPS,
  DEFAULT_TTA,
  EvaluateParams,
  FACE_INPUT_SIZE,
  SoftLabelParams,
  STUDENT_COUNT,
  STUDENT_EPOCHS,
  TEACHER_EPOCHS,
  parseLambda,
  parseTemperature,
  studentModelSettings,
  trainConfigIssues,
  type TrainBackbone,
  type TtaMode,
  type TrainBlocks,
} from '../../../shared/train-config';
import { epochFrames, estimateText, isPretrained } from '../../../shared/train-estimate';

export type Role = 'teacher' | 'student';

/** Text fields hold what the user typed; they become numbers only on submit. */
export interface TrainForm {
  /** The architecture: the CNN, or the CNN-RNN over a CNN's frozen features. */
  arch: ModelType;
  // ---- both architectures: the schedule and the data
  epochs: string;
  /** Images per batch (CNN), windows per batch (CNN-RNN). */
  batch: string;
  lr: string;
  lrStepEpochs: string;
  /** The divisor of the step schedule (paper: ÷10), shown as such rather than as a factor 0.1. */
  lrDivisor: string;
  seed: string;
  maxStepsPerEpoch: string;
  /** Dataset names; empty = every dataset of the project (the CNN-RNN trains on its video and sequence media). */
  datasets: string[];
  // ---- students only (both architectures)
  teacher: string;
  count: string;
  /** One number for every task, or per task: au=0.8,expr=0.6,va=0.5. */
  lambda: string;
  /** One number, or per task: expr=1.5,va=2. */
  temperature: string;
  /** CNN students: a bootstrap resample of each task's pool per student. */
  bagging: boolean;
  // ---- the CNN
  backbone: TrainBackbone;
  freezeBackbone: boolean;
  /** 'all', or how many of the backbone's last blocks train (0–4). */
  trainBlocks: string;
  backboneLrScale: string;
  headDropout: string;
  inputSize: string;
  /** Stage maps pooled into the backbone's features (students: the teacher's). */
  featureMaps: string;
  balanceAu: boolean;
  balanceExpr: boolean;
  balanceVa: boolean;
  augment: boolean;
  /** Test-time augmentation of every inference of the model (TTA_MODES). */
  tta: TtaMode;
  auClonePercentage: string;
  // ---- the CNN-RNN
  /** Id of the CNN whose frozen features the RNN reads; '' = the engine's default (the best CNN student). Teacher only. */
  featuresFrom: string;
  window: string;
  trainStride: string;
  evalStride: string;
  hidden: string;
  /** The strides are the window's defaults and follow it (until the user types one). */
  stridesFollow: boolean;
}

export type TrainField = keyof TrainForm;
export type Issues<F extends string = string> = Partial<Record<F, string>>;
export type Checked<T, F extends string = string> = { ok: true; params: T } | { ok: false; issues: Issues<F> };

/** The training jobs, and a start of one with its params typed by the jobs map. */
export type TrainKind = 'train.teacher' | 'train.students' | 'train.rnn-teacher' | 'train.rnn-students';
export type TrainStart = { [K in TrainKind]: { kind: K; params: JobParamsInput<K> } }[TrainKind];

/** The job each model type starts from each dialog. */
export function jobKindOf(arch: ModelType, role: Role): TrainKind {
  if (arch === 'cnn-rnn') return role === 'teacher' ? 'train.rnn-teacher' : 'train.rnn-students';
  return role === 'teacher' ? 'train.teacher' : 'train.students';
}

/** Numeric fields per architecture (the students' fields added for students). */
const SCHEDULE: TrainField[] = ['epochs', 'batch', 'lr', 'lrStepEpochs', 'lrDivisor', 'seed', 'maxStepsPerEpoch'];
export const ARCH_FIELDS: Record<ModelType, { numeric: TrainField[] }> = {
  cnn: { numeric: ['inputSize', 'featureMaps', ...SCHEDULE, 'auClonePercentage', 'backboneLrScale', 'headDropout'] },
  'cnn-rnn': { numeric: ['window', 'trainStride', 'evalStride', 'hidden', ...SCHEDULE] },
};
const STUDENT_NUMERIC: TrainField[] = ['count'];

/**
 * The backbone offered first, on every backend: the engine's default, the pretrained `face` (a GPU
 * makes the ResNets faster, not pretrained). The ResNets and `small` start from random weights and
 * are chosen by name, with the time estimate beside them (trainEstimate).
 */
export function defaultBackbone(): TrainBackbone {
  return DEFAULT_BACKBONE;
}

/** What the Model section says about the backbone before the run starts: how long it will take, and whether it starts from random weights. */
export interface BackboneEstimate {
  /** The backbone has no pretrained weights: the estimate is a warning. */
  fromScratch: boolean;
  text: string;
}

/**
 * The time estimate of the form's CNN run on the project's datasets (src/shared/train-estimate.ts):
 * the frames from project.info's counts for the chosen datasets, the epochs, batch and step cap as
 * typed (the paper's defaults while a field does not hold a number), students × their count.
 */
export function trainEstimate(role: Role, f: TrainForm, datasets: readonly DatasetSummary[], backend: string | null): BackboneEstimate | null {
  if (f.arch !== 'cnn') return null;
  const { train, val } = epochFrames(datasets, f.datasets);
  if (train === 0) return null;
  const n = (text: string, fallback: number) => {
    const v = Number(text.trim());
    return text.trim() !== '' && Number.isFinite(v) && v >= 0 ? v : fallback;
  };
  const text = estimateText(
    {
      backbone: f.backbone,
      freezeBackbone: f.freezeBackbone,
      epochs: n(f.epochs, role === 'teacher' ? TEACHER_EPOCHS : STUDENT_EPOCHS),
      frames: train,
      valFrames: val,
      batch: n(f.batch, 32),
      maxStepsPerEpoch: n(f.maxStepsPerEpoch, 0),
      runs: role === 'student' ? Math.max(1, Math.round(n(f.count, STUDENT_COUNT))) : 1,
      backend,
    },
    { faceChoice: 'face-api expression net' },
  );
  return { fromScratch: !isPretrained(f.backbone), text };
}

export interface TrainFormDefaults {
  arch?: ModelType;
  backbone?: TrainBackbone;
  teacher?: number | null;
  featuresFrom?: number | null;
}

/** The form with the paper's defaults for the architecture (CNN: teacher 8 epochs, students 3; CNN-RNN: windows of 32, strides 16/32, 64 GRU units, teacher 8 epochs, students 3). */
export function defaultTrainForm(role: Role, o: TrainFormDefaults = {}): TrainForm {
  const arch = o.arch ?? 'cnn';
  const s = rnnStrides({ window: RNN_WINDOW });
  const epochs = arch === 'cnn' ? (role === 'teacher' ? TEACHER_EPOCHS : STUDENT_EPOCHS) : role === 'teacher' ? RNN_TEACHER_EPOCHS : RNN_STUDENT_EPOCHS;
  return {
    arch,
    epochs: String(epochs),
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
    bagging: false,
    backbone: o.backbone ?? DEFAULT_BACKBONE,
    freezeBackbone: false,
    trainBlocks: 'all',
    backboneLrScale: '1',
    headDropout: '0',
    inputSize: '112',
    featureMaps: String(DEFAULT_FEATURE_MAPS),
    balanceAu: true,
    balanceExpr: true,
    balanceVa: true,
    augment: true,
    tta: DEFAULT_TTA,
    auClonePercentage: '25',
    featuresFrom: o.featuresFrom == null ? '' : String(o.featuresFrom),
    window: String(RNN_WINDOW),
    trainStride: String(s.trainStride),
    evalStride: String(s.evalStride),
    hidden: String(RNN_HIDDEN),
    stridesFollow: true,
  };
}

/** A model as the students form reads it: the teacher's backbone column and its stored config (models.list's ModelDetail). */
export interface TeacherSettingsSource {
  backbone: string | null;
  config: Record<string, unknown>;
}

/**
 * The students form with its teacher's backbone, input size, freezing and feature maps (what the students job
 * takes when they are left out: studentModelSettings); the user may change them afterwards.
 */
export function withTeacherSettings(f: TrainForm, teacher: TeacherSettingsSource): TrainForm {
  const s = studentModelSettings({ ...(teacher.backbone ? { backbone: teacher.backbone } : {}), ...teacher.config }, {});
  return {
    ...f,
    backbone: s.backbone,
    inputSize: String(s.inputSize),
    freezeBackbone: s.freezeBackbone,
    featureMaps: String(s.featureMaps),
    trainBlocks: String(s.trainBlocks ?? 'all'),
  };
}

/** The trained blocks typed: 'all' or a whole number (the schema checks the range). */
function parseTrainBlocks(text: string, issues: Issues): TrainBlocks {
  const t = text.trim();
  if (t === 'all') return 'all';
  if (!/^\d+$/.test(t)) issues.trainBlocks = 'a number of blocks (0–4), or all';
  return Number(t);
}

/** λ or T typed: one number, or TASK=VALUE for each task. */
function parsePerTaskField<T>(text: string, field: 'lambda' | 'temperature', parse: (text: string) => T, issues: Issues): T | number {
  try {
    return parse(text);
  } catch (e) {
    issues[field] = (e as Error).message;
    return Number.NaN;
  }
}

const isCount = (t: string) => /^\s*\d+\s*$/.test(t) && Number(t) >= 1;

/**
 * The form after the user set one field. The face backbone takes 112-pixel inputs (the input size
 * follows it); a backbone without pretrained weights is not frozen; the strides follow the window (half of it, all of it) until the user types a
 * stride, and from then on stay as typed.
 */
export function setTrainField<K extends TrainField>(f: TrainForm, k: K, v: TrainForm[K]): TrainForm {
  const next: TrainForm = { ...f, [k]: v };
  if (k === 'backbone' && v === 'face') next.inputSize = String(FACE_INPUT_SIZE);
  // Only a pretrained backbone may be frozen (trainConfigIssues): another one starts unfrozen; ticking Freeze then says why not.
  if (k === 'backbone' && typeof v === 'string' && !isPretrained(v as TrainBackbone)) next.freezeBackbone = false;
  if (k === 'trainStride' || k === 'evalStride') next.stridesFollow = false;
  if (k === 'window' && f.stridesFollow && typeof v === 'string' && isCount(v)) {
    const s = rnnStrides({ window: Number(v) });
    next.trainStride = String(s.trainStride);
    next.evalStride = String(s.evalStride);
  }
  return next;
}

/** A typed number: '' and text that is not a finite number are problems of that field. */
export function parseNumber(text: string, field: string, issues: Issues): number {
  const t = text.trim();
  if (t === '') {
    issues[field] = 'required';
    return Number.NaN;
  }
  const n = Number(t);
  if (!Number.isFinite(n)) issues[field] = `not a number: "${t}"`;
  return n;
}

/** zod issue path → form field (balance.au → balanceAu, lrFactor → lrDivisor, …). */
function fieldOf(path: string): string {
  const map: Record<string, string> = {
    'balance.au': 'balanceAu',
    'balance.expr': 'balanceExpr',
    'balance.va': 'balanceVa',
    lrFactor: 'lrDivisor',
    '(params)': 'form',
  };
  return map[path] ?? (path.split('.')[0] || 'form');
}

export function schemaIssues(error: z.ZodError, into: Issues): void {
  for (const i of error.issues) into[fieldOf(i.path.map(String).join('.') || '(params)')] ??= i.message;
}

/** The problems the job map's schema finds in a start, attached to the form's fields. */
function startIssues(start: TrainStart, into: Issues): boolean {
  const found = jobParamsIssues(start.kind, start.params);
  for (const i of found) into[fieldOf(i.path)] ??= i.message;
  return found.length === 0;
}

/** The job start (kind and params) the form describes, or the problems per field. */
export function trainParams(role: Role, f: TrainForm): { ok: true; start: TrainStart } | { ok: false; issues: Issues<TrainField | 'form'> } {
  const issues: Issues = {};
  const fields = [...ARCH_FIELDS[f.arch].numeric, ...(role === 'student' ? STUDENT_NUMERIC : [])];
  const n: Partial<Record<TrainField, number>> = {};
  for (const k of fields) {
    const text = f[k];
    if (typeof text === 'string') n[k] = parseNumber(text, k, issues);
  }
  const num = (k: TrainField) => n[k] ?? Number.NaN;
  if (Number.isFinite(num('lrDivisor')) && num('lrDivisor') < 1) issues.lrDivisor ??= 'the learning rate is divided by at least 1';
  const schedule = {
    epochs: num('epochs'),
    batch: num('batch'),
    lr: num('lr'),
    lrStepEpochs: num('lrStepEpochs'),
    lrFactor: num('lrDivisor') > 0 ? 1 / num('lrDivisor') : num('lrDivisor'),
    seed: num('seed'),
    datasets: f.datasets,
    maxStepsPerEpoch: num('maxStepsPerEpoch'),
  };
  const student = () => {
    if (f.teacher === '') issues.teacher = `choose the ${f.arch === 'cnn' ? '' : 'CNN-RNN '}teacher whose soft labels the students learn from`;
    return {
      teacher: Number(f.teacher),
      count: num('count'),
      lambda: parsePerTaskField(f.lambda, 'lambda', parseLambda, issues),
      temperature: parsePerTaskField(f.temperature, 'temperature', parseTemperature, issues),
    };
  };
  let start: TrainStart;
  if (f.arch === 'cnn') {
    // 'all' (the field's default) is what an unfrozen backbone trains anyway: sent only when a count is typed.
    const blocks = parseTrainBlocks(f.trainBlocks, issues);
    const cnn = {
      ...schedule,
      backbone: f.backbone,
      freezeBackbone: f.freezeBackbone,
      ...(blocks !== 'all' ? { trainBlocks: blocks } : {}),
      backboneLrScale: num('backboneLrScale'),
      headDropout: num('headDropout'),
      inputSize: num('inputSize'),
      featureMaps: num('featureMaps'),
      balance: { au: f.balanceAu, expr: f.balanceExpr, va: f.balanceVa },
      augment: f.augment,
      tta: f.tta,
      auClonePercentage: num('auClonePercentage'),
    };
    start = role === 'teacher' ? { kind: 'train.teacher', params: cnn } : { kind: 'train.students', params: { ...cnn, ...student(), bagging: f.bagging } };
    // The cross-field rules once the schema passes (the backbone and input size are then valid).
    if (startIssues(start, issues)) for (const i of trainConfigIssues({ ...cnn, inputSize: num('inputSize') })) issues[i.path] ??= i.message;
  } else {
    const rnn = { ...schedule, window: num('window'), trainStride: num('trainStride'), evalStride: num('evalStride'), hidden: num('hidden') };
    start =
      role === 'teacher'
        ? { kind: 'train.rnn-teacher', params: f.featuresFrom === '' ? rnn : { ...rnn, featuresFrom: Number(f.featuresFrom) } }
        : { kind: 'train.rnn-students', params: { ...rnn, ...student() } };
    startIssues(start, issues);
    // The cross-field rule whenever its own fields are numbers, so it shows with any other problem.
    if ([rnn.window, rnn.trainStride, rnn.evalStride].every(Number.isFinite)) for (const i of rnnConfigIssues(rnn)) issues[i.path] ??= i.message;
  }
  return Object.keys(issues).length ? { ok: false, issues } : { ok: true, start };
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

export interface ModelJobForm {
  model: string;
  datasets: string[];
}

export function softLabelParams(f: ModelJobForm): Checked<JobParamsInput<'soft-labels'>, 'model' | 'datasets' | 'form'> {
  if (f.model === '') return { ok: false, issues: { model: 'choose a model' } };
  const params = { model: Number(f.model), datasets: f.datasets };
  const parsed = SoftLabelParams.safeParse(params);
  if (parsed.success) return { ok: true, params };
  const issues: Issues = {};
  schemaIssues(parsed.error, issues);
  return { ok: false, issues };
}

export interface EvaluateForm {
  models: number[];
  /** '' = every dataset. */
  dataset: string;
  split: Split;
}

/** One evaluate job per chosen model (they queue one after another). */
export function evaluateParams(f: EvaluateForm): Checked<JobParamsInput<'evaluate'>[], 'models' | 'dataset' | 'split' | 'form'> {
  if (f.models.length === 0) return { ok: false, issues: { models: 'choose at least one model' } };
  const list: JobParamsInput<'evaluate'>[] = f.models.map((model) => ({ model, split: f.split, ...(f.dataset ? { dataset: f.dataset } : {}) }));
  const issues: Issues = {};
  for (const p of list) {
    const r = EvaluateParams.safeParse(p);
    if (!r.success) schemaIssues(r.error, issues);
  }
  return Object.keys(issues).length ? { ok: false, issues } : { ok: true, params: list };
}

/** The newest teacher with everything trained from it: the models Table 2 compares. */
export function newestFamily(models: ModelSummary[]): number[] {
  const ready = models.filter((m) => m.status === 'ready');
  const teacher = ready.filter((m) => m.kind === 'teacher').at(-1);
  if (!teacher) return ready.map((m) => m.id);
  return ready.filter((m) => m.id === teacher.id || m.parentId === teacher.id).map((m) => m.id);
}
