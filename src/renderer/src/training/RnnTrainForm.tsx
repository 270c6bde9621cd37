// The CNN-RNN body of Train teacher… and Train students…: the CNN whose frozen features the GRUs
// read (the engine's choice, the best CNN student, preselected), windows and strides, GRU size, the
// schedule, and for students the CNN-RNN teacher with count, λ and T. Starts 'train.rnn-teacher'
// or 'train.rnn-students'; validated by the worker's own schemas (src/shared/rnn-config.ts).
import { useEffect, useState } from 'react';
import type { ModelSummary } from '../../../shared/contract';
import { call } from '../api';
import { startJob } from '../session';
import { reportError, useApp } from '../store';
import { DatasetChooser, Field, Select, TextInput } from './fields';
import type { Issues, Role } from './form';
import { defaultRnnForm, featureModels, jobKindOf, rnnParams, setRnnField, teachersOfType, type RnnField, type RnnForm } from './rnn-form';
import { closeTrainingDialog, showStartedJob } from './ui-state';

/** The engine's default is marked: the best CNN student, or a teacher while there are no CNN students. */
const modelLabel = (m: ModelSummary, best: number | null) =>
  `${m.name} (#${m.id}, ${m.kind}, ${m.backbone ?? '?'})${m.id !== best ? '' : m.kind === 'student' ? ' · best CNN student' : ' · default (no CNN student yet)'}`;

/** The engine's default feature model, asked from the backend once per dialog. */
function useFeatureDefault(): number | null {
  const [id, setId] = useState<number | null>(null);
  useEffect(() => {
    let live = true;
    call('models.featureDefault', {})
      .then((r) => live && setId(r.modelId))
      .catch(reportError);
    return () => {
      live = false;
    };
  }, []);
  return id;
}

export function RnnTrainForm({ role }: { role: Role }) {
  const info = useApp((s) => s.info);
  const models = info?.models ?? [];
  const cnns = featureModels(models);
  const teachers = teachersOfType(models, 'cnn-rnn');
  const best = useFeatureDefault();
  const [form, setForm] = useState<RnnForm>(() => defaultRnnForm(role, { teacher: teachers.at(-1)?.id ?? null }));
  const [issues, setIssues] = useState<Issues<RnnField | 'form'>>({});
  const kind = jobKindOf('cnn-rnn', role);
  const starting = useApp((s) => s.busy[`jobs.start:${kind}`] ?? false);
  // The default arrives after the first render: it fills the picker unless the user chose already.
  useEffect(() => {
    if (best !== null) setForm((f) => (f.featuresFrom === '' ? { ...f, featuresFrom: String(best) } : f));
  }, [best]);
  const set = <K extends RnnField>(k: K, v: RnnForm[K]) => {
    setForm((f) => setRnnField(f, k, v));
    setIssues((i) => ({ ...i, [k]: undefined }));
  };
  const text = (k: RnnField, label: string, hint?: string) => (
    <Field name={k} label={label} hint={hint} issue={issues[k]}>
      <TextInput name={k} value={form[k] as string} onChange={(v) => set(k, v)} />
    </Field>
  );
  const teacher = teachers.find((t) => String(t.id) === form.teacher);

  const submit = async () => {
    const r = rnnParams(role, form);
    if (!r.ok) return setIssues(r.issues);
    if (role === 'teacher' && cnns.length === 0) return setIssues({ featuresFrom: 'no trained CNN to take features from: train a CNN teacher first' });
    if (role === 'student' && teacher && teacher.softLabels === 0)
      return setIssues({ teacher: `${teacher.name} has no soft labels yet: Training → Generate soft labels… first` });
    showStartedJob(await startJob(kind, r.params));
  };

  return (
    <form
      className="form train-form"
      data-model-type="cnn-rnn"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <div className={role === 'teacher' ? 'form-grid single' : 'form-grid'}>
        {role === 'teacher' ? (
          <Field name="featuresFrom" label="Features from (frozen CNN)" issue={issues.featuresFrom} hint="paper: the best CNN student; its features are cached per frame">
            <Select
              name="featuresFrom"
              value={form.featuresFrom}
              options={[
                { value: '', label: cnns.length ? 'The best CNN student (engine’s choice)' : 'No trained CNN yet' },
                ...cnns.map((m) => ({ value: String(m.id), label: modelLabel(m, best) })),
              ]}
              onChange={(v) => set('featuresFrom', v)}
            />
          </Field>
        ) : (
          <>
            <Field
              name="teacher"
              label="CNN-RNN teacher"
              issue={issues.teacher}
              hint={teacher ? `${teacher.softLabels.toLocaleString('en-US')} soft labels; the students read the teacher’s features` : undefined}
            >
              <Select
                name="teacher"
                value={form.teacher}
                options={[
                  { value: '', label: teachers.length ? 'Choose a teacher…' : 'No trained CNN-RNN teacher yet' },
                  ...teachers.map((t) => ({ value: String(t.id), label: `${t.name} (#${t.id})` })),
                ]}
                onChange={(v) => set('teacher', v)}
              />
            </Field>
            {text('count', 'Number of students', 'paper: 5, each with its own seed')}
            {text('lambda', 'λ (ground truth vs. distillation)', 'Eq. 7, paper: 0.6')}
            {text('temperature', 'Temperature T', 'paper: 1.5')}
          </>
        )}
      </div>
      <fieldset className="form-section">
        <legend>Sequence model</legend>
        <div className="form-grid four">
          {text('window', 'Window (frames)', 'paper: 32')}
          {text('trainStride', 'Training stride', 'half the window: 16')}
          {text('evalStride', 'Evaluation stride', 'the window: 32; overlaps are averaged')}
          {text('hidden', 'GRU units per direction', 'bidirectional, 64 each way')}
        </div>
      </fieldset>
      <fieldset className="form-section">
        <legend>Schedule</legend>
        <div className="form-grid four">
          {text('epochs', 'Epochs', role === 'teacher' ? 'reference code: 3' : 'paper: 3')}
          {text('batch', 'Batch (windows)', '32')}
          {text('lr', 'Learning rate', 'Adam, paper: 1e-4')}
          {text('seed', 'Seed')}
          {text('lrDivisor', 'Divide lr by', 'paper: ÷10')}
          {text('lrStepEpochs', 'every … epochs', 'paper: 3')}
          {text('maxStepsPerEpoch', 'Max steps per epoch', '0 = the whole epoch')}
        </div>
      </fieldset>
      <fieldset className="form-section">
        <legend>Datasets</legend>
        <DatasetChooser datasets={info?.datasets ?? []} value={form.datasets} onChange={(v) => set('datasets', v)} />
        <span className="field-hint">The CNN-RNN trains on video and image-sequence media only (image datasets have no sequences).</span>
      </fieldset>
      {Object.keys(issues).some((k) => issues[k as RnnField]) && (
        <p className="callout error" data-testid="form-invalid">
          Some values need attention before the job can start.
        </p>
      )}
      <div className="form-actions">
        <button type="button" className="button" onClick={closeTrainingDialog}>
          Cancel
        </button>
        <button type="submit" className="button primary" data-testid="train-submit" disabled={starting}>
          {role === 'teacher' ? 'Start CNN-RNN teacher' : 'Start CNN-RNN students'}
        </button>
      </div>
    </form>
  );
}
