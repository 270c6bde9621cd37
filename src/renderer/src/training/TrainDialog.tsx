// Train teacher… and Train students…: the model type, then one training form (form.ts) whose
// sections follow the architecture: for the CNN the backbone (the pretrained `face` by default, the
// run's time estimate beside it: a warning for a backbone from random weights), input size, freezing and balancing,
// for the CNN-RNN the CNN whose frozen features the GRUs read (the engine's choice, the best CNN
// student, preselected), windows, strides and GRU size; for both the schedule with the paper's
// defaults (CNN teacher 8 epochs, CNN-RNN 3, students 3, Adam 1e-4 ÷10 every 3 epochs, batch 32,
// λ 0.6, T 1.5, 5 students) and the datasets, and for students the teacher of that type with
// count, λ and T. Validated by the job map's own schemas before the job starts.
import { useEffect, useRef, useState } from 'react';
import type { ModelSummary } from '../../../shared/contract';
import { MODEL_TYPES, type ModelType } from '../../../shared/rnn-config';
import { TRAIN_BACKBONES, TTA_MODES, type TrainBackbone, type TtaMode } from '../../../shared/train-config';
import { isPretrained } from '../../../shared/train-estimate';
import { call } from '../api';
import { startJob } from '../session';
import { reportError, useApp } from '../store';
import { Check, DatasetChooser, Field, Select, TextInput } from './fields';
import {
  defaultBackbone,
  defaultModelType,
  defaultTrainForm,
  featureModels,
  jobKindOf,
  setTrainField,
  teachersOfType,
  trainEstimate,
  trainParams,
  withTeacherSettings,
  type Issues,
  type Role,
  type TrainField,
  type TrainForm,
} from './form';
import { TrainingModal } from './Modal';
import { useModelDetails } from '../dashboard/data';
import { closeTrainingDialog, showStartedJob } from './ui-state';

const BACKBONE_LABELS: Record<TrainBackbone, string> = {
  resnet50: 'ResNet-50 (the paper’s layout, random weights)',
  resnet18: 'ResNet-18 (random weights)',
  small: 'Small ResNet (random weights, quick checks)',
  face: 'face-api expression net (face-pretrained, 112 px)',
};
/** The pretrained backbone first (the default), then those that start from random weights. */
const BACKBONE_OPTIONS = [...TRAIN_BACKBONES].sort((a, b) => Number(isPretrained(b)) - Number(isPretrained(a))).map((b) => ({ value: b, label: BACKBONE_LABELS[b] }));
const TTA_LABELS: Record<TtaMode, string> = { none: 'none (one view)', flip: 'flip (face and mirror image, averaged)' };
const TTA_OPTIONS = TTA_MODES.map((t) => ({ value: t, label: TTA_LABELS[t] }));

const TYPE_LABELS: Record<ModelType, string> = {
  cnn: 'CNN (per frame)',
  'cnn-rnn': 'CNN-RNN (GRUs over frame sequences, video only)',
};

/** What differs between the architectures' forms besides their own sections: labels, hints, button text. */
const ARCH_TEXT: Record<ModelType, { teacher: string; noTeacher: string; teacherHint: string; epochsHint: Record<Role, string>; batch: [string, string]; start: Record<Role, string> }> = {
  cnn: {
    teacher: 'Teacher',
    noTeacher: 'No trained CNN teacher yet',
    teacherHint: 'soft labels',
    epochsHint: { teacher: 'paper: 8', student: 'paper: 3' },
    batch: ['Batch', 'paper: 32'],
    start: { teacher: 'Start teacher', student: 'Start students' },
  },
  'cnn-rnn': {
    teacher: 'CNN-RNN teacher',
    noTeacher: 'No trained CNN-RNN teacher yet',
    teacherHint: 'soft labels; the students read the teacher’s features',
    epochsHint: { teacher: 'paper: 8', student: 'paper: 3' },
    batch: ['Batch (windows)', '32'],
    start: { teacher: 'Start CNN-RNN teacher', student: 'Start CNN-RNN students' },
  },
};

/** The newest probe's backend (else a recent job's): shown by the backbone, and the basis of the time estimate. */
function useProbedBackend(): string | null {
  return useApp((s) => s.jobs.find((j) => j.kind === 'probe' && j.status === 'done')?.backend ?? s.jobs.find((j) => j.backend)?.backend ?? null);
}

/** The engine's default feature model, asked from the backend once per CNN-RNN form. */
function useFeatureDefault(arch: ModelType): number | null {
  const [id, setId] = useState<number | null>(null);
  useEffect(() => {
    if (arch !== 'cnn-rnn') return;
    let live = true;
    call('models.featureDefault', {})
      .then((r) => live && setId(r.modelId))
      .catch(reportError);
    return () => {
      live = false;
    };
  }, [arch]);
  return id;
}

/** The engine's default is marked: the best CNN student, or a teacher while there are no CNN students. */
const featureLabel = (m: ModelSummary, best: number | null) =>
  `${m.name} (#${m.id}, ${m.kind}, ${m.backbone ?? '?'})${m.id !== best ? '' : m.kind === 'student' ? ' · best CNN student' : ' · default (no CNN student yet)'}`;

export function TrainDialog({ role }: { role: Role }) {
  const info = useApp((s) => s.info);
  const [type, setType] = useState<ModelType>(() => defaultModelType(role, info?.models ?? []));
  return (
    <TrainingModal title={role === 'teacher' ? 'Train teacher' : 'Train students'} onClose={closeTrainingDialog} testid={role === 'teacher' ? 'train-teacher' : 'train-students'}>
      <div className="form-grid model-type">
        <Field name="modelType" label="Model type" hint={type === 'cnn-rnn' ? 'frozen CNN features per frame, a bidirectional GRU per task over windows of frames' : undefined}>
          <Select<ModelType> name="modelType" value={type} options={MODEL_TYPES.map((t) => ({ value: t, label: TYPE_LABELS[t] }))} onChange={setType} />
        </Field>
      </div>
      {/* A new type starts from that type's defaults. */}
      <TrainFormBody key={type} role={role} arch={type} />
    </TrainingModal>
  );
}

function TrainFormBody({ role, arch }: { role: Role; arch: ModelType }) {
  const info = useApp((s) => s.info);
  const models = info?.models ?? [];
  const backend = useProbedBackend();
  const best = useFeatureDefault(arch);
  const cnns = featureModels(models);
  const teachers = teachersOfType(models, arch);
  const text = ARCH_TEXT[arch];
  const [form, setForm] = useState<TrainForm>(() => defaultTrainForm(role, { arch, backbone: defaultBackbone(), teacher: teachers.at(-1)?.id ?? null }));
  const [issues, setIssues] = useState<Issues<TrainField | 'form'>>({});
  const kind = jobKindOf(arch, role);
  const starting = useApp((s) => s.busy[`jobs.start:${kind}`] ?? false);
  // The default feature model arrives after the first render: it fills the picker unless the user chose already.
  useEffect(() => {
    if (best !== null) setForm((f) => (f.featuresFrom === '' ? { ...f, featuresFrom: String(best) } : f));
  }, [best]);
  // CNN students take their teacher's backbone, input size and freezing: filled in when a teacher is chosen (and its config has arrived).
  // students start from their teacher's model settings
  const configs = useModelDetails(role === 'student' && arch === 'cnn');
  const inheritedFrom = useRef<string | null>(null);
  const modelTouched = useRef(false);
  useEffect(() => {
    const source = configs?.find((m) => String(m.id) === form.teacher);
    if (!source || inheritedFrom.current === form.teacher) return;
    const first = inheritedFrom.current === null;
    inheritedFrom.current = form.teacher;
    // The configs arrived after the user set the model fields of the preselected teacher: those stay.
    if (first && modelTouched.current) return;
    setForm((f) => withTeacherSettings(f, source));
    setIssues((i) => ({ ...i, backbone: undefined, inputSize: undefined, freezeBackbone: undefined, featureMaps: undefined, trainBlocks: undefined }));
  }, [configs, form.teacher]);
  const set = <K extends TrainField>(k: K, v: TrainForm[K]) => {
    if (k === 'backbone' || k === 'inputSize' || k === 'freezeBackbone' || k === 'featureMaps' || k === 'trainBlocks') modelTouched.current = true;
    setForm((f) => setTrainField(f, k, v));
    setIssues((i) => ({ ...i, [k]: undefined }));
  };
  const input = (k: TrainField, label: string, hint?: string) => {
    const value = form[k];
    return (
      <Field name={k} label={label} hint={hint} issue={issues[k]}>
        <TextInput name={k} value={typeof value === 'string' ? value : ''} onChange={(v) => set(k, v)} />
      </Field>
    );
  };
  const teacher = teachers.find((t) => String(t.id) === form.teacher);
  const estimate = trainEstimate(role, form, info?.datasets ?? [], backend);

  const submit = async () => {
    const r = trainParams(role, form);
    if (!r.ok) return setIssues(r.issues);
    if (arch === 'cnn-rnn' && role === 'teacher' && cnns.length === 0) return setIssues({ featuresFrom: 'no trained CNN to take features from: train a CNN teacher first' });
    if (role === 'student' && teacher && teacher.softLabels === 0)
      return setIssues({ teacher: `${teacher.name} has no soft labels yet: Training → Generate soft labels… first` });
    showStartedJob(await startJob(r.start.kind, r.start.params));
  };

  return (
    <form
      className="form train-form"
      data-model-type={arch}
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      {role === 'student' ? (
        <div className="form-grid">
          <Field name="teacher" label={text.teacher} issue={issues.teacher} hint={teacher ? `${teacher.softLabels.toLocaleString('en-US')} ${text.teacherHint}` : undefined}>
            <Select
              name="teacher"
              value={form.teacher}
              options={[{ value: '', label: teachers.length ? 'Choose a teacher…' : text.noTeacher }, ...teachers.map((t) => ({ value: String(t.id), label: `${t.name} (#${t.id})` }))]}
              onChange={(v) => set('teacher', v)}
            />
          </Field>
          {input('count', 'Number of students', 'paper: 5, each with its own seed')}
          {input('lambda', 'λ (ground truth vs. distillation)', 'Eq. 7, paper: 0.6; per task: au=0.8,expr=0.6,va=0.5')}
          {input('temperature', 'Temperature T', 'paper: 1.5; per task: expr=1.5,va=2')}
          {arch === 'cnn' && (
            <div className="field checks">
              <Check name="bagging" label="Bagging (each student trains on a bootstrap resample of each task's data, from its own seed)" checked={form.bagging} onChange={(v) => set('bagging', v)} />
            </div>
          )}
        </div>
      ) : (
        arch === 'cnn-rnn' && (
          <div className="form-grid single">
            <Field name="featuresFrom" label="Features from (frozen CNN)" issue={issues.featuresFrom} hint="paper: the best CNN student; its features are cached per frame">
              <Select
                name="featuresFrom"
                value={form.featuresFrom}
                options={[
                  { value: '', label: cnns.length ? 'The best CNN student (engine’s choice)' : 'No trained CNN yet' },
                  ...cnns.map((m) => ({ value: String(m.id), label: featureLabel(m, best) })),
                ]}
                onChange={(v) => set('featuresFrom', v)}
              />
            </Field>
          </div>
        )
      )}
      {arch === 'cnn' ? (
        <fieldset className="form-section">
          <legend>Model</legend>
          <div className="form-grid">
            <Field
              name="backbone"
              label="Backbone"
              issue={issues.backbone}
              hint={[role === 'student' && teacher ? 'as the teacher unless changed' : null, backend ? `compute backend: ${backend}` : null].filter(Boolean).join(' · ') || undefined}
            >
              <Select<TrainBackbone> name="backbone" value={form.backbone} options={BACKBONE_OPTIONS} onChange={(v) => set('backbone', v)} />
            </Field>
            {input('inputSize', 'Input size (px)', 'paper: 112')}
            {input('featureMaps', 'Feature maps pooled', "1: the last stage's (the paper); 2 adds the one before")}
            <Field name="tta" label="Test-time augmentation" issue={issues.tta} hint="every prediction of the model: flip averages the face and its mirror image">
              <Select<TtaMode> name="tta" value={form.tta} options={TTA_OPTIONS} onChange={(v) => set('tta', v)} />
            </Field>
            {input('trainBlocks', 'Blocks to fine-tune', "all, or the backbone's last 1–4 blocks (0 = frozen)")}
            {input('backboneLrScale', 'Backbone lr ×', 'of the heads’ lr: 1 (e.g. 0.1)')}
            {input('headDropout', 'Head dropout', 'before each head’s last layer: 0')}
            {estimate && (
              <p className={`backbone-estimate${estimate.fromScratch ? ' from-scratch' : ''}`} data-testid="backbone-estimate" data-from-scratch={estimate.fromScratch}>
                {estimate.text}
              </p>
            )}
            <div className="field checks">
              <Check name="freezeBackbone" label="Freeze the backbone (train the heads only: fast on CPU; pretrained backbones only)" checked={form.freezeBackbone} onChange={(v) => set('freezeBackbone', v)} />
              {issues.freezeBackbone && (
                <span className="field-issue" data-testid="issue-freezeBackbone">
                  {issues.freezeBackbone}
                </span>
              )}
              <Check name="augment" label="Augment (random crop, mirrored face, colour jitter per sample)" checked={form.augment} onChange={(v) => set('augment', v)} />
            </div>
          </div>
        </fieldset>
      ) : (
        <fieldset className="form-section">
          <legend>Sequence model</legend>
          <div className="form-grid four">
            {input('window', 'Window (frames)', 'paper: 32')}
            {input('trainStride', 'Training stride', 'half the window: 16')}
            {input('evalStride', 'Evaluation stride', 'the window: 32; overlaps are averaged')}
            {input('hidden', 'GRU units per direction', 'bidirectional, 64 each way')}
          </div>
        </fieldset>
      )}
      <fieldset className="form-section">
        <legend>Schedule</legend>
        <div className="form-grid four">
          {input('epochs', 'Epochs', text.epochsHint[role])}
          {input('batch', ...text.batch)}
          {input('lr', 'Learning rate', 'Adam, paper: 1e-4')}
          {input('seed', 'Seed')}
          {input('lrDivisor', 'Divide lr by', 'paper: ÷10')}
          {input('lrStepEpochs', 'every … epochs', 'paper: 3')}
          {input('maxStepsPerEpoch', 'Max steps per epoch', '0 = the whole epoch')}
          {arch === 'cnn' && input('auClonePercentage', 'ML-ROS clone budget %', 'of the AU pool, 25')}
        </div>
      </fieldset>
      {arch === 'cnn' && (
        <fieldset className="form-section">
          <legend>Balancing per task</legend>
          <div className="checks row">
            <Check name="balanceAu" label="AU: ML-ROS" checked={form.balanceAu} onChange={(v) => set('balanceAu', v)} />
            <Check name="balanceExpr" label="EXPR: equal classes" checked={form.balanceExpr} onChange={(v) => set('balanceExpr', v)} />
            <Check name="balanceVa" label="VA: 20-bin resampling" checked={form.balanceVa} onChange={(v) => set('balanceVa', v)} />
          </div>
        </fieldset>
      )}
      <fieldset className="form-section">
        <legend>Datasets</legend>
        <DatasetChooser datasets={info?.datasets ?? []} value={form.datasets} onChange={(v) => set('datasets', v)} />
        {arch === 'cnn-rnn' && <span className="field-hint">The CNN-RNN trains on video and image-sequence media only (image datasets have no sequences).</span>}
      </fieldset>
      {Object.values(issues).some(Boolean) && (
        <p className="callout error" data-testid="form-invalid">
          Some values need attention before the job can start.
        </p>
      )}
      <div className="form-actions">
        <button type="button" className="button" onClick={closeTrainingDialog}>
          Cancel
        </button>
        <button type="submit" className="button primary" data-testid="train-submit" disabled={starting}>
          {text.start[role]}
        </button>
      </div>
    </form>
  );
}
