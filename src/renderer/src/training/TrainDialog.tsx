// Train teacher… and Train students…: first the model type (the CNN, or the CNN-RNN over its frozen
// features: RnnTrainForm.tsx), then for the CNN the paper's schedule as defaults (teacher 8 epochs,
// students 3, Adam 1e-4 ÷10 every 3 epochs, batch 32, λ 0.6, T 1.5, 5 students, balancing on),
// validated by the worker's own schemas before the job starts.
import { useState } from 'react';
import { MODEL_TYPES, type ModelType } from '../../../shared/rnn-config';
import { TRAIN_BACKBONES, type TrainBackbone } from '../../../shared/train-config';
import { startJob } from '../session';
import { useApp } from '../store';
import { Check, DatasetChooser, Field, Select, TextInput } from './fields';
import { defaultBackbone, defaultTrainForm, trainParams, type Issues, type Role, type TrainField, type TrainForm } from './form';
import { TrainingModal } from './Modal';
import { defaultModelType, jobKindOf, teachersOfType } from './rnn-form';
import { RnnTrainForm } from './RnnTrainForm';
import { closeTrainingDialog, showStartedJob } from './ui-state';

const BACKBONE_LABELS: Record<TrainBackbone, string> = {
  resnet50: 'ResNet-50 (the paper’s)',
  resnet18: 'ResNet-18 (CPU-sized)',
  small: 'Small ResNet (quick checks)',
  face: 'face-api expression net (face-pretrained, 112 px)',
};

/** The newest probe's backend decides the default backbone (ResNet-50 only where a GPU runs it). */
function useProbedBackend(): string | null {
  return useApp((s) => s.jobs.find((j) => j.kind === 'probe' && j.status === 'done')?.backend ?? s.jobs.find((j) => j.backend)?.backend ?? null);
}

const TYPE_LABELS: Record<ModelType, string> = {
  cnn: 'CNN (per frame)',
  'cnn-rnn': 'CNN-RNN (GRUs over frame sequences, video only)',
};

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
      {type === 'cnn' ? <CnnTrainForm role={role} /> : <RnnTrainForm role={role} />}
    </TrainingModal>
  );
}

function CnnTrainForm({ role }: { role: Role }) {
  const info = useApp((s) => s.info);
  const backend = useProbedBackend();
  const teachers = teachersOfType(info?.models ?? [], 'cnn');
  const newest = teachers.length ? teachers[teachers.length - 1].id : null;
  const [form, setForm] = useState<TrainForm>(() => defaultTrainForm(role, defaultBackbone(backend), newest));
  const [issues, setIssues] = useState<Issues<TrainField | 'form'>>({});
  const kind = jobKindOf('cnn', role);
  const starting = useApp((s) => s.busy[`jobs.start:${kind}`] ?? false);
  const set = <K extends TrainField>(k: K, v: TrainForm[K]) => {
    setForm((f) => ({ ...f, [k]: v }));
    setIssues((i) => ({ ...i, [k]: undefined }));
  };
  const text = (k: TrainField, label: string, hint?: string) => (
    <Field name={k} label={label} hint={hint} issue={issues[k]}>
      <TextInput name={k} value={form[k] as string} onChange={(v) => set(k, v)} />
    </Field>
  );
  const teacher = teachers.find((t) => String(t.id) === form.teacher);

  const submit = async () => {
    const r = trainParams(role, form);
    if (!r.ok) {
      setIssues(r.issues);
      return;
    }
    if (role === 'student' && teacher && teacher.softLabels === 0) {
      setIssues({ teacher: `${teacher.name} has no soft labels yet: Training → Generate soft labels… first` });
      return;
    }
    showStartedJob(await startJob(kind, r.params));
  };

  return (
    <form
      className="form train-form"
      data-model-type="cnn"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      {role === 'student' && (
        <div className="form-grid">
          <Field name="teacher" label="Teacher" issue={issues.teacher} hint={teacher ? `${teacher.softLabels.toLocaleString('en-US')} soft labels` : undefined}>
            <Select
              name="teacher"
              value={form.teacher}
              options={[{ value: '', label: teachers.length ? 'Choose a teacher…' : 'No trained CNN teacher yet' }, ...teachers.map((t) => ({ value: String(t.id), label: `${t.name} (#${t.id})` }))]}
              onChange={(v) => set('teacher', v)}
            />
          </Field>
          {text('count', 'Number of students', 'paper: 5, each with its own seed')}
          {text('lambda', 'λ (ground truth vs. distillation)', 'Eq. 7, paper: 0.6')}
          {text('temperature', 'Temperature T', 'paper: 1.5')}
        </div>
      )}
      <fieldset className="form-section">
        <legend>Model</legend>
        <div className="form-grid">
          <Field name="backbone" label="Backbone" issue={issues.backbone} hint={backend ? `compute backend: ${backend}` : undefined}>
            <Select<TrainBackbone>
              name="backbone"
              value={form.backbone}
              options={TRAIN_BACKBONES.map((b) => ({ value: b, label: BACKBONE_LABELS[b] }))}
              onChange={(v) => {
                set('backbone', v);
                if (v === 'face') set('inputSize', '112');
              }}
            />
          </Field>
          {text('inputSize', 'Input size (px)', 'paper: 112')}
          <div className="field checks">
            <Check name="freezeBackbone" label="Freeze the backbone (train the heads only: fast on CPU)" checked={form.freezeBackbone} onChange={(v) => set('freezeBackbone', v)} />
            <Check name="augment" label="Augment (random crop, flip, colour jitter per sample)" checked={form.augment} onChange={(v) => set('augment', v)} />
          </div>
        </div>
      </fieldset>
      <fieldset className="form-section">
        <legend>Schedule</legend>
        <div className="form-grid four">
          {text('epochs', 'Epochs', role === 'teacher' ? 'paper: 8' : 'paper: 3')}
          {text('batch', 'Batch', 'paper: 32')}
          {text('lr', 'Learning rate', 'Adam, paper: 1e-4')}
          {text('seed', 'Seed')}
          {text('lrDivisor', 'Divide lr by', 'paper: ÷10')}
          {text('lrStepEpochs', 'every … epochs', 'paper: 3')}
          {text('maxStepsPerEpoch', 'Max steps per epoch', '0 = the whole epoch')}
          {text('auClonePercentage', 'ML-ROS clone budget %', 'of the AU pool, 25')}
        </div>
      </fieldset>
      <fieldset className="form-section">
        <legend>Balancing per task</legend>
        <div className="checks row">
          <Check name="balanceAu" label="AU: ML-ROS" checked={form.balanceAu} onChange={(v) => set('balanceAu', v)} />
          <Check name="balanceExpr" label="EXPR: equal classes" checked={form.balanceExpr} onChange={(v) => set('balanceExpr', v)} />
          <Check name="balanceVa" label="VA: 20-bin resampling" checked={form.balanceVa} onChange={(v) => set('balanceVa', v)} />
        </div>
      </fieldset>
      <fieldset className="form-section">
        <legend>Datasets</legend>
        <DatasetChooser datasets={info?.datasets ?? []} value={form.datasets} onChange={(v) => set('datasets', v)} />
      </fieldset>
      {Object.keys(issues).some((k) => issues[k as TrainField]) && (
        <p className="callout error" data-testid="form-invalid">
          Some values need attention before the job can start.
        </p>
      )}
      <div className="form-actions">
        <button type="button" className="button" onClick={closeTrainingDialog}>
          Cancel
        </button>
        <button type="submit" className="button primary" data-testid="train-submit" disabled={starting}>
          {role === 'teacher' ? 'Start teacher' : 'Start students'}
        </button>
      </div>
    </form>
  );
}
