// The CNN-RNN in the training dialogs (src/renderer/src/training/form.ts, arch 'cnn-rnn'): the model-type
// choice, the CNN-RNN form's defaults and what it turns into (the params the worker's own schemas
// accept and resolve), refusals per field; the jobs panel's titles and throughput of the two RNN
// job kinds; Table 2's row names with CNN and CNN-RNN rows side by side.
import { describe, expect, it } from 'vitest';
import { resolveRnnConfig } from '../../src/ml/rnn/config';
import type { JobSummary, ModelSummary } from '../../src/shared/contract';
import { RnnStudentParams, RnnTeacherParams } from '../../src/shared/rnn-config';
import type { EvaluationRow } from '../../src/shared/training-contract';
import { isTraining, jobTitle, progressOf } from '../../src/renderer/src/training/job-format';
import {
  defaultModelType,
  defaultTrainForm,
  featureModels,
  jobKindOf,
  setTrainField,
  teachersOfType,
  trainParams,
  type Role,
  type TrainForm,
} from '../../src/renderer/src/training/form';
import { rowLabels } from '../../src/renderer/src/dashboard/table2-data';

const model = (id: number, kind: ModelSummary['kind'], arch: ModelSummary['arch'], status: ModelSummary['status'] = 'ready'): ModelSummary => ({
  id,
  name: `m${id}`,
  kind,
  arch,
  backbone: 'small',
  parentId: null,
  status,
  createdAt: '',
  softLabels: 0,
});

/** The training form on the CNN-RNN, with its defaults. */
const defaultRnnForm = (role: Role, o: { featuresFrom?: number; teacher?: number } = {}) => defaultTrainForm(role, { arch: 'cnn-rnn', ...o });
const setRnnField = setTrainField;
/** The params of a CNN-RNN start, or the issues. */
function rnnParams(role: Role, f: TrainForm) {
  const r = trainParams(role, f);
  if (!r.ok) return r;
  if (r.start.kind !== 'train.rnn-teacher' && r.start.kind !== 'train.rnn-students') throw new Error(`a CNN-RNN form started ${r.start.kind}`);
  return { ok: true as const, kind: r.start.kind, params: r.start.params };
}

describe('CNN-RNN training form', () => {
  it('defaults to windows of 32, strides 16 / 32, 64 GRU units and the paper’s 8 teacher epochs, which the worker resolves unchanged', () => {
    const r = rnnParams('teacher', defaultRnnForm('teacher', { featuresFrom: 4 }));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.params).toMatchObject({ featuresFrom: 4, window: 32, trainStride: 16, evalStride: 32, hidden: 64, epochs: 8, batch: 32, lr: 1e-4, lrFactor: 0.1, lrStepEpochs: 3 });
    const parsed = RnnTeacherParams.parse(r.params);
    expect(parsed.resume).toBeUndefined();
    // What the dialog sends resolves to what the engine resolves from nothing but the feature model.
    const { resume: _r, ...cfg } = parsed;
    expect(resolveRnnConfig({ ...cfg, featuresFrom: 4 }, 'teacher')).toEqual(resolveRnnConfig({ featuresFrom: 4 }, 'teacher'));
  });

  it('leaves the feature model to the engine when none is chosen, and sends the chosen one as a number', () => {
    const none = rnnParams('teacher', defaultRnnForm('teacher'));
    expect(none.ok && 'featuresFrom' in none.params).toBe(false);
    const chosen = rnnParams('teacher', { ...defaultRnnForm('teacher'), featuresFrom: '12' });
    expect(chosen.ok && 'featuresFrom' in chosen.params && chosen.params.featuresFrom).toBe(12);
  });

  it('attaches each problem to its field: required, not a number, schema ranges, a stride beyond the window', () => {
    const f = { ...defaultRnnForm('teacher'), window: '', hidden: 'big', batch: '0', lrDivisor: '0.5' };
    const r = rnnParams('teacher', f);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.issues.window).toBe('required');
    expect(r.issues.hidden).toBe('not a number: "big"');
    expect(r.issues.batch).toMatch(/1/);
    expect(r.issues.lrDivisor).toMatch(/at least 1/);
    // The cross-field rule of the shared schema (rnnConfigIssues), also next to other problems.
    const stride = rnnParams('teacher', { ...defaultRnnForm('teacher'), window: '8', trainStride: '16', evalStride: '8' });
    expect(stride.ok ? null : stride.issues).toEqual({ trainStride: 'the stride (16) must not exceed the window (8): frames would be skipped' });
    const both = rnnParams('teacher', { ...defaultRnnForm('teacher'), evalStride: '33', hidden: '0' });
    expect(both.ok ? null : Object.keys(both.issues).sort()).toEqual(['evalStride', 'hidden']);
  });

  it('moves the strides with the window until the user types one', () => {
    let f = defaultRnnForm('teacher');
    // Typing a new window through intermediate states ('', '1', '10'): the strides follow each valid one.
    for (const w of ['', '1', '10']) f = setRnnField(f, 'window', w);
    expect([f.window, f.trainStride, f.evalStride]).toEqual(['10', '5', '10']);
    expect(rnnParams('teacher', f).ok).toBe(true);
    f = setRnnField(f, 'window', 'x');
    expect([f.trainStride, f.evalStride]).toEqual(['5', '10']);
    // A typed stride stays, and so does the other one from then on.
    f = setRnnField(setRnnField(f, 'window', '8'), 'trainStride', '2');
    f = setRnnField(f, 'window', '64');
    expect([f.window, f.trainStride, f.evalStride]).toEqual(['64', '2', '8']);
    expect(rnnParams('teacher', f).ok).toBe(true);
  });

  it('students need a CNN-RNN teacher and carry count, λ and T, with no feature model of their own', () => {
    const none = rnnParams('student', defaultRnnForm('student'));
    expect(none.ok ? null : Object.keys(none.issues)).toEqual(['teacher']);
    const r = rnnParams('student', { ...defaultRnnForm('student', { teacher: 9 }), count: '2', epochs: '1' });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.kind).toBe('train.rnn-students');
    expect(r.params).toMatchObject({ teacher: 9, count: 2, lambda: 0.6, temperature: 1.5, epochs: 1, window: 32 });
    expect('featuresFrom' in r.params).toBe(false);
    expect(RnnStudentParams.parse(r.params).resume).toBe(false);
    const bad = rnnParams('student', { ...defaultRnnForm('student', { teacher: 9 }), lambda: '2', count: '0' });
    expect(bad.ok ? null : Object.keys(bad.issues).sort()).toEqual(['count', 'lambda']);
  });

  it('chooses the job kind, the teachers and the feature models by model type', () => {
    expect([jobKindOf('cnn', 'teacher'), jobKindOf('cnn', 'student'), jobKindOf('cnn-rnn', 'teacher'), jobKindOf('cnn-rnn', 'student')]).toEqual([
      'train.teacher',
      'train.students',
      'train.rnn-teacher',
      'train.rnn-students',
    ]);
    const models = [
      model(1, 'teacher', 'cnn'),
      model(2, 'student', 'cnn'),
      model(3, 'ensemble', 'cnn'),
      model(4, 'student', 'cnn', 'training'),
      model(5, 'teacher', 'cnn-rnn'),
      model(6, 'teacher', 'cnn-rnn', 'failed'),
    ];
    expect(featureModels(models).map((m) => m.id)).toEqual([1, 2]);
    expect(teachersOfType(models, 'cnn').map((m) => m.id)).toEqual([1]);
    expect(teachersOfType(models, 'cnn-rnn').map((m) => m.id)).toEqual([5]);
    // Train teacher… opens on the CNN; Train students… on the newest ready teacher's type.
    expect(defaultModelType('teacher', models)).toBe('cnn');
    expect(defaultModelType('student', models)).toBe('cnn-rnn');
    expect(defaultModelType('student', models.slice(0, 4))).toBe('cnn');
    expect(defaultModelType('student', [])).toBe('cnn');
  });
});

const job = (o: Partial<JobSummary>): JobSummary => ({
  id: 1,
  kind: 'train.rnn-teacher',
  status: 'running',
  params: {},
  progress: 0,
  stage: null,
  error: null,
  result: null,
  backend: 'wasm',
  startedAt: null,
  finishedAt: null,
  createdAt: '',
  ...o,
}) as JobSummary;

describe('jobs panel: the CNN-RNN kinds', () => {
  it('are training runs, titled from their params', () => {
    expect(['train.teacher', 'train.students', 'train.rnn-teacher', 'train.rnn-students', 'evaluate', 'soft-labels'].map(isTraining)).toEqual([
      true,
      true,
      true,
      true,
      false,
      false,
    ]);
    expect(jobTitle(job({ params: { featuresFrom: 2 } }))).toBe('CNN-RNN teacher · features of #2');
    expect(jobTitle(job({ params: {} }))).toBe('CNN-RNN teacher · features of the best CNN');
    expect(jobTitle(job({ params: { featuresFrom: 2, resume: 7 } }))).toBe('CNN-RNN teacher (resume #7)');
    expect(jobTitle(job({ kind: 'train.rnn-students', params: { teacher: 7, count: 2 } }))).toBe('CNN-RNN students ×2 of #7');
    expect(jobTitle(job({ kind: 'train.rnn-students', params: { teacher: 7, resume: true } }))).toBe('CNN-RNN students of #7 (resume)');
  });

  it('count their throughput in windows (the batch is a number of windows)', () => {
    const p = { jobId: 1, kind: 'train.rnn-teacher', done: 3, total: 12, stage: 'epoch 1/3', rate: 1.5, etaSeconds: 6, metrics: { loss: 2 } };
    expect(progressOf(job({ params: { batch: 8 } }), p).rate).toBe('1.50 steps/s · 12 windows/s');
    expect(progressOf(job({ kind: 'train.teacher', params: { batch: 8 } }), p).rate).toBe('1.50 steps/s · 12 images/s');
  });
});

const row = (id: number, kind: EvaluationRow['kind'], arch: EvaluationRow['arch']): EvaluationRow => ({
  id,
  modelId: id,
  name: `m${id}`,
  kind,
  arch,
  parentId: null,
  runId: null,
  at: '',
  reference: 'labels',
  measuredOn: 'labelled',
  result: { model: { id, name: `m${id}`, kind }, dataset: null, split: 'val', n: { au: 0, expr: 0, va: 0 }, au: null, expr: null, valence: null, arousal: null },
});

describe('Table 2 with CNN and CNN-RNN rows', () => {
  it('numbers the students within each architecture, as the paper’s Tables 2 and 3 do', () => {
    const rows = [
      row(1, 'teacher', 'cnn'),
      row(2, 'student', 'cnn'),
      row(3, 'student', 'cnn'),
      row(4, 'ensemble', 'cnn'),
      row(5, 'teacher', 'cnn-rnn'),
      row(6, 'student', 'cnn-rnn'),
      row(7, 'student', 'cnn-rnn'),
      row(8, 'ensemble', 'cnn-rnn'),
    ];
    expect(rowLabels(rows)).toEqual(['Teacher', 'Student0', 'Student1', 'Student Ensemble', 'Teacher', 'Student0', 'Student1', 'Student Ensemble']);
  });
});
