// The training dialogs' validation (src/renderer/src/training/form.ts) and the shared schemas it
// shares with the worker (src/shared/train-config.ts): the paper's defaults, what a form turns into,
// and every refusal attached to its field.
import { describe, expect, it } from 'vitest';
import { resolveStoredTrainConfig, resolveTrainConfig } from '../../src/ml/train/config';
import { StudentParams, TeacherParams, TrainConfig, learningRate } from '../../src/shared/train-config';
import { defaultBackbone, defaultTrainForm, evaluateParams, newestFamily, setTrainField, softLabelParams, trainEstimate, trainParams } from '../../src/renderer/src/training/form';
import type { DatasetSummary } from '../../src/shared/contract';

describe('shared training schemas', () => {
  it('follow the paper by default; a stored config from before the options keeps its old behaviour', () => {
    expect(resolveTrainConfig({}, 'student')).toMatchObject({ batching: 'per-task', studentTaskWeights: 'none', auThresholds: 'half', balance: { vaMode: 'marginals' } });
    expect(resolveStoredTrainConfig({ backbone: 'small', seed: 3 }, 'student')).toMatchObject({ backbone: 'small', seed: 3, batching: 'proportional', studentTaskWeights: 'teacher', auThresholds: 'tuned' });
    expect(resolveStoredTrainConfig({ backbone: 'small', batching: 'per-task', auThresholds: 'half' }, 'teacher')).toMatchObject({ batching: 'per-task', auThresholds: 'half', studentTaskWeights: 'teacher' });
  });
  it('default to the paper: Adam 1e-4 ÷10 every 3 epochs, teacher 8 / students 3 epochs, 5 students, λ 0.6, T 1.5', () => {
    const t = resolveTrainConfig(TeacherParams.parse({}), 'teacher');
    expect([t.lr, t.lrFactor, t.lrStepEpochs, t.epochs, t.batch]).toEqual([1e-4, 0.1, 3, 8, 32]);
    const s = StudentParams.parse({ teacher: 1 });
    expect([resolveTrainConfig(s, 'student').epochs, s.count, s.lambda, s.temperature]).toEqual([3, 5, 0.6, 1.5]);
    expect([0, 2, 3, 5, 6].map((e) => learningRate(t, e))).toEqual([1e-4, 1e-4, 1e-4 * 0.1, 1e-4 * 0.1, 1e-4 * 0.1 * 0.1]);
  });
  it('default to the pretrained face backbone at its 112-pixel input, not frozen', () => {
    expect(TrainConfig.parse({})).toMatchObject({ backbone: 'face', inputSize: 112, freezeBackbone: false });
    expect(resolveTrainConfig(TeacherParams.parse({}), 'teacher')).toMatchObject({ backbone: 'face', inputSize: 112 });
    // Students have no model defaults of their own: they take their teacher's (train-student-settings.test.ts).
    expect(StudentParams.parse({ teacher: 1 }).backbone).toBeUndefined();
    expect(resolveTrainConfig(StudentParams.parse({ teacher: 1 }), 'student')).toMatchObject({ backbone: 'face', inputSize: 112, freezeBackbone: false });
  });
  it('refuse the face backbone at another input size (the engine and the dialog alike)', () => {
    expect(() => resolveTrainConfig({ backbone: 'face', inputSize: 64 }, 'teacher')).toThrow('112');
  });
});

describe('training dialog forms', () => {
  it('turn the default teacher form into the paper-default params the worker accepts', () => {
    const r = trainParams('teacher', defaultTrainForm('teacher'));
    expect(r.ok).toBe(true);
    if (!r.ok || r.start.kind !== 'train.teacher') throw new Error('expected a train.teacher start');
    expect(r.start.params).toMatchObject({ backbone: 'face', inputSize: 112, freezeBackbone: false, epochs: 8, batch: 32, lr: 1e-4, lrStepEpochs: 3, lrFactor: 0.1, balance: { au: true, expr: true, va: true } });
    // What the dialog sends parses to what the engine resolves from no params at all, but for the epochs it states.
    expect(resolveTrainConfig(TeacherParams.parse(r.start.params), 'teacher')).toEqual(resolveTrainConfig(TeacherParams.parse({}), 'teacher'));
  });

  it('attach each problem to its field: empty, not a number, out of range, across fields', () => {
    const f = { ...defaultTrainForm('teacher'), epochs: '', lr: 'fast', batch: '1', lrDivisor: '0.5', backbone: 'face' as const, inputSize: '64' };
    const r = trainParams('teacher', f);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.issues.epochs).toBe('required');
    expect(r.issues.lr).toBe('not a number: "fast"');
    expect(r.issues.batch).toMatch(/2/);
    expect(r.issues.lrDivisor).toMatch(/at least 1/);
    // The face check runs only once the schema passes.
    const face = trainParams('teacher', { ...defaultTrainForm('teacher'), backbone: 'face', inputSize: '64' });
    expect(face.ok ? null : face.issues.inputSize).toMatch('112');
  });

  it('students need a teacher and carry count, λ and T', () => {
    const none = trainParams('student', defaultTrainForm('student'));
    expect(none.ok ? null : Object.keys(none.issues)).toEqual(['teacher']);
    const r = trainParams('student', { ...defaultTrainForm('student', { backbone: 'small', teacher: 7 }), count: '2', lambda: '1.5' });
    expect(r.ok ? null : r.issues.lambda).toMatch(/1/);
    const ok = trainParams('student', { ...defaultTrainForm('student', { backbone: 'small', teacher: 7 }), count: '2' });
    expect(ok.ok && ok.start.kind).toBe('train.students');
    expect(ok.ok && ok.start.params).toMatchObject({ teacher: 7, count: 2, lambda: 0.6, temperature: 1.5, epochs: 3, backbone: 'small' });
  });

  it('carry the test-time augmentation the user chose, validated by the shared schema', () => {
    const flip = trainParams('student', { ...defaultTrainForm('student', { teacher: 7 }), tta: 'flip' });
    expect(flip.ok && flip.start.params).toMatchObject({ tta: 'flip' });
    expect(trainParams('teacher', defaultTrainForm('teacher'))).toMatchObject({ ok: true, start: { params: { tta: 'none' } } });
    const bad = trainParams('teacher', { ...defaultTrainForm('teacher'), tta: 'mirror' as 'flip' });
    expect(bad.ok ? null : bad.issues.tta).toMatch(/none|flip/);
  });

  it('carry the learning switches: trained blocks, backbone lr scale, head dropout, bagging, per-task λ and T; contradictions at their field', () => {
    const f = { ...defaultTrainForm('student', { teacher: 7 }), trainBlocks: '1', backboneLrScale: '0.1', headDropout: '0.2', bagging: true, lambda: 'au=0.8,expr=0.6,va=0.5', temperature: 'expr=1.5,va=2' };
    const r = trainParams('student', f);
    expect(r.ok && r.start.params).toMatchObject({ trainBlocks: 1, backboneLrScale: 0.1, headDropout: 0.2, bagging: true, lambda: { au: 0.8, expr: 0.6, va: 0.5 }, temperature: { expr: 1.5, va: 2 } });
    // 'all' (the default) is not sent: a frozen backbone then stays consistent.
    const frozen = trainParams('teacher', { ...defaultTrainForm('teacher'), freezeBackbone: true });
    expect(frozen.ok && 'trainBlocks' in frozen.start.params).toBe(false);
    const both = trainParams('teacher', { ...defaultTrainForm('teacher'), freezeBackbone: true, trainBlocks: '2' });
    expect(both.ok ? null : both.issues.trainBlocks).toMatch(/a frozen backbone trains no blocks/);
    const bad = trainParams('student', { ...f, trainBlocks: 'some', lambda: 'au=0.8', temperature: 'au=1,expr=1,va=1' });
    expect(bad.ok ? null : [bad.issues.trainBlocks, bad.issues.lambda, bad.issues.temperature]).toEqual([expect.stringMatching(/0–4/), expect.stringMatching(/missing expr, va/), expect.stringMatching(/expr, va/)]);
  });

  it('follow the face backbone with its 112-pixel input size', () => {
    const f = setTrainField({ ...defaultTrainForm('teacher'), inputSize: '64' }, 'backbone', 'face');
    expect([f.backbone, f.inputSize]).toEqual(['face', '112']);
    expect(setTrainField(f, 'backbone', 'small').inputSize).toBe('112');
  });

  it('default the backbone to the pretrained face net on every backend, teacher and students alike', () => {
    expect(defaultBackbone()).toBe('face');
    expect([defaultTrainForm('teacher').backbone, defaultTrainForm('student').backbone]).toEqual(['face', 'face']);
    expect(defaultTrainForm('teacher').inputSize).toBe('112');
    expect(defaultTrainForm('teacher').freezeBackbone).toBe(false);
  });

  it('estimate the run’s time next to the backbone: a warning from random weights, from the project’s labelled frames', () => {
    const ds = (name: string, train: number, val: number, labels: DatasetSummary['labels']): DatasetSummary => ({
      id: 1,
      name,
      sourceFormat: 'test',
      settings: {},
      frames: train + val,
      splits: { train, val },
      labels,
      media: [],
    });
    // 10,000 of 12,000 frames train: 6,000 AU + 6,000 EXPR labels × 10/12 = 10,000 training images per epoch.
    const datasets = [ds('big', 10_000, 2_000, { au: 6_000, expr: 6_000, va: 0 }), ds('other', 100, 0, { au: 100, expr: 0, va: 0 })];
    const teacher = { ...defaultTrainForm('teacher'), datasets: ['big'] };
    const face = trainEstimate('teacher', teacher, datasets, 'wasm');
    expect(face?.fromScratch).toBe(false);
    expect(face?.text).toMatch(/^face pretrained: about 27 images\/s on this machine’s wasm backend → about .+ for 8 epochs of 10,000 frames$/);
    const r18 = trainEstimate('teacher', setTrainField(teacher, 'backbone', 'resnet18'), datasets, 'wasm');
    expect(r18?.fromScratch).toBe(true);
    // 8 × (10,000 / 2.5 + 2,000 / 11.5) s ≈ 9 h 17 min, up to twice that.
    expect(r18?.text).toMatch(/^resnet18 from random weights: about 2\.5 images\/s on this machine’s wasm backend → about 9 h 20 min – 19 h for 8 epochs of 10,000 frames; the pretrained face backbone \(face-api expression net\) trains at about 27 images\/s → about /);
    // Epochs, the step cap and the students' count as typed; all datasets when none is ticked.
    const students = { ...defaultTrainForm('student', { backbone: 'small', teacher: 1 }), count: '2', epochs: '1', maxStepsPerEpoch: '10' };
    expect(trainEstimate('student', students, datasets, null)?.text).toMatch(/^small from random weights: about 220 images\/s on the wasm CPU backend → .+ for 2 runs × 1 epoch of 320 frames;/);
    // Nothing to estimate for the CNN-RNN form, or a project without labels.
    expect(trainEstimate('teacher', { ...teacher, arch: 'cnn-rnn' }, datasets, null)).toBeNull();
    expect(trainEstimate('teacher', teacher, [], null)).toBeNull();
  });

  it('soft labels need a model; evaluation makes one job per model with the dataset only when one is chosen', () => {
    expect(softLabelParams({ model: '', datasets: [] })).toEqual({ ok: false, issues: { model: 'choose a model' } });
    expect(softLabelParams({ model: '3', datasets: ['a'] })).toEqual({ ok: true, params: { model: 3, datasets: ['a'] } });
    expect(evaluateParams({ models: [], dataset: '', split: 'val' }).ok).toBe(false);
    expect(evaluateParams({ models: [1, 4], dataset: '', split: 'test' })).toEqual({ ok: true, params: [{ model: 1, split: 'test' }, { model: 4, split: 'test' }] });
    expect(evaluateParams({ models: [2], dataset: 'synth', split: 'val' })).toEqual({ ok: true, params: [{ model: 2, split: 'val', dataset: 'synth' }] });
  });

  it('propose the newest teacher’s family for evaluation', () => {
    const m = (id: number, kind: 'teacher' | 'student' | 'ensemble', parentId: number | null, status: 'ready' | 'training' = 'ready') => ({
      id,
      name: `m${id}`,
      kind,
      arch: 'cnn' as const,
      backbone: null,
      parentId,
      status,
      createdAt: '',
      softLabels: 0,
    });
    const models = [m(1, 'teacher', null), m(2, 'student', 1), m(3, 'teacher', null), m(4, 'student', 3), m(5, 'student', 3, 'training'), m(6, 'ensemble', 3)];
    expect(newestFamily(models)).toEqual([3, 4, 6]);
    expect(newestFamily([m(2, 'student', null)])).toEqual([2]);
  });
});
