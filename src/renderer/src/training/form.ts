// The training dialogs' forms as plain data: the paper's defaults, and the conversion of what was
// typed into job params validated by the same zod schemas the worker applies (src/shared/
// train-config.ts), with every problem attached to the field it concerns. Pure: no DOM, no React.
import { z } from 'zod';
import {
  EvaluateParams,
  SoftLabelParams,
  STUDENT_COUNT,
  STUDENT_EPOCHS,
  StudentParams,
  TEACHER_EPOCHS,
  TeacherParams,
  trainConfigIssues,
  type TrainBackbone,
} from '../../../shared/train-config';
import type { Split } from '../../../shared/labels';
import type { ModelSummary } from '../../../shared/contract';

export type Role = 'teacher' | 'student';

/** Text fields hold what the user typed; they become numbers only on submit. */
export interface TrainForm {
  backbone: TrainBackbone;
  freezeBackbone: boolean;
  inputSize: string;
  epochs: string;
  batch: string;
  lr: string;
  lrStepEpochs: string;
  /** The divisor of the step schedule (paper: ÷10), shown as such rather than as a factor 0.1. */
  lrDivisor: string;
  seed: string;
  balanceAu: boolean;
  balanceExpr: boolean;
  balanceVa: boolean;
  augment: boolean;
  /** Dataset names; empty = every dataset of the project. */
  datasets: string[];
  maxStepsPerEpoch: string;
  auClonePercentage: string;
  // students only
  teacher: string;
  count: string;
  lambda: string;
  temperature: string;
}

export type TrainField = keyof TrainForm;
export type Issues<F extends string = string> = Partial<Record<F, string>>;
export type Checked<T, F extends string = string> = { ok: true; params: T } | { ok: false; issues: Issues<F> };

/** The backbone offered first: the paper's ResNet-50 where a GPU backend runs, else the engine's CPU default. */
export function defaultBackbone(computeBackend: string | null): TrainBackbone {
  return computeBackend === 'tfjs-node-gpu' ? 'resnet50' : 'resnet18';
}

export function defaultTrainForm(role: Role, backbone: TrainBackbone = 'resnet18', teacher: number | null = null): TrainForm {
  return {
    backbone,
    freezeBackbone: false,
    inputSize: '112',
    epochs: String(role === 'teacher' ? TEACHER_EPOCHS : STUDENT_EPOCHS),
    batch: '32',
    lr: '1e-4',
    lrStepEpochs: '3',
    lrDivisor: '10',
    seed: '0',
    balanceAu: true,
    balanceExpr: true,
    balanceVa: true,
    augment: true,
    datasets: [],
    maxStepsPerEpoch: '0',
    auClonePercentage: '25',
    teacher: teacher === null ? '' : String(teacher),
    count: String(STUDENT_COUNT),
    lambda: '0.6',
    temperature: '1.5',
  };
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
function fieldOf(path: readonly PropertyKey[]): string {
  const p = path.map(String).join('.');
  const map: Record<string, string> = {
    'balance.au': 'balanceAu',
    'balance.expr': 'balanceExpr',
    'balance.va': 'balanceVa',
    lrFactor: 'lrDivisor',
  };
  return map[p] ?? (p.split('.')[0] || 'form');
}

export function schemaIssues(error: z.ZodError, into: Issues): void {
  for (const i of error.issues) {
    const f = fieldOf(i.path);
    into[f] ??= i.message;
  }
}

const NUMERIC: TrainField[] = ['inputSize', 'epochs', 'batch', 'lr', 'lrStepEpochs', 'lrDivisor', 'seed', 'maxStepsPerEpoch', 'auClonePercentage'];
const STUDENT_NUMERIC: TrainField[] = ['count', 'lambda', 'temperature'];

/** Teacher or students params from the form, or the problems per field. */
export function trainParams(role: Role, f: TrainForm): Checked<Record<string, unknown>, TrainField | 'form'> {
  const issues: Issues = {};
  const n = Object.fromEntries([...NUMERIC, ...(role === 'student' ? STUDENT_NUMERIC : [])].map((k) => [k, parseNumber(f[k] as string, k, issues)]));
  if (n.lrDivisor !== undefined && Number.isFinite(n.lrDivisor) && n.lrDivisor < 1) issues.lrDivisor ??= 'the learning rate is divided by at least 1';
  const params: Record<string, unknown> = {
    backbone: f.backbone,
    freezeBackbone: f.freezeBackbone,
    inputSize: n.inputSize,
    epochs: n.epochs,
    batch: n.batch,
    lr: n.lr,
    lrStepEpochs: n.lrStepEpochs,
    lrFactor: n.lrDivisor > 0 ? 1 / n.lrDivisor : n.lrDivisor,
    seed: n.seed,
    datasets: f.datasets,
    balance: { au: f.balanceAu, expr: f.balanceExpr, va: f.balanceVa },
    augment: f.augment,
    maxStepsPerEpoch: n.maxStepsPerEpoch,
    auClonePercentage: n.auClonePercentage,
  };
  if (role === 'student') {
    if (f.teacher === '') issues.teacher = 'choose the teacher whose soft labels the students learn from';
    Object.assign(params, { teacher: Number(f.teacher), count: n.count, lambda: n.lambda, temperature: n.temperature });
  }
  const parsed = (role === 'teacher' ? TeacherParams : StudentParams).safeParse(params);
  if (!parsed.success) schemaIssues(parsed.error, issues);
  else for (const i of trainConfigIssues(parsed.data)) issues[i.path] ??= i.message;
  return Object.keys(issues).length ? { ok: false, issues } : { ok: true, params };
}

export interface ModelJobForm {
  model: string;
  datasets: string[];
}

export function softLabelParams(f: ModelJobForm): Checked<Record<string, unknown>, 'model' | 'datasets' | 'form'> {
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
export function evaluateParams(f: EvaluateForm): Checked<Record<string, unknown>[], 'models' | 'dataset' | 'split' | 'form'> {
  if (f.models.length === 0) return { ok: false, issues: { models: 'choose at least one model' } };
  const list = f.models.map((model) => ({ model, split: f.split, ...(f.dataset ? { dataset: f.dataset } : {}) }));
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
