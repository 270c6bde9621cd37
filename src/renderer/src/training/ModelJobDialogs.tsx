// Generate soft labels… (a model over every frame of the chosen datasets) and Evaluate… (ABAW
// metrics of one or more models on a dataset and split: one queued job per model, whose results
// fill the Results tab's Table 2).
import { useState } from 'react';
import type { ModelSummary } from '../../../shared/contract';
import { SPLITS, type Split } from '../../../shared/labels';
import { startJob } from '../session';
import { useApp } from '../store';
import { DatasetChooser, Field, Select } from './fields';
import { evaluateParams, newestFamily, softLabelParams, type Issues } from './form';
import { TrainingModal } from './Modal';
import { closeTrainingDialog, selectJob, showResults, showTab } from './ui-state';

const modelLabel = (m: ModelSummary) => `${m.name} (#${m.id}, ${m.kind}${m.arch === 'cnn-rnn' ? ', CNN-RNN' : ''})`;

function Actions({ label, busy, testid }: { label: string; busy: boolean; testid: string }) {
  return (
    <div className="form-actions">
      <button type="button" className="button" onClick={closeTrainingDialog}>
        Cancel
      </button>
      <button type="submit" className="button primary" data-testid={testid} disabled={busy}>
        {label}
      </button>
    </div>
  );
}

export function SoftLabelsDialog() {
  const info = useApp((s) => s.info);
  const busy = useApp((s) => s.busy['jobs.start:soft-labels'] ?? false);
  const ready = (info?.models ?? []).filter((m) => m.status === 'ready');
  const teachers = ready.filter((m) => m.kind === 'teacher');
  const [model, setModel] = useState(() => String((teachers.at(-1) ?? ready.at(-1))?.id ?? ''));
  const [datasets, setDatasets] = useState<string[]>([]);
  const [issues, setIssues] = useState<Issues>({});
  const submit = async () => {
    const r = softLabelParams({ model, datasets });
    if (!r.ok) return setIssues(r.issues);
    const jobId = await startJob('soft-labels', r.params);
    if (jobId !== undefined) {
      selectJob(jobId);
      showTab('jobs');
      closeTrainingDialog();
    }
  };
  return (
    <TrainingModal title="Generate soft labels" onClose={closeTrainingDialog} testid="soft-labels">
      <form
        className="form"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <p className="muted">
          Runs the model over every frame of the chosen datasets (all splits) and stores its outputs per frame: the students learn from them and the review
          screen overlays them.
        </p>
        <Field name="model" label="Model" issue={issues.model}>
          <Select
            name="model"
            value={model}
            options={[{ value: '', label: ready.length ? 'Choose a model…' : 'No trained model yet' }, ...ready.map((m) => ({ value: String(m.id), label: modelLabel(m) }))]}
            onChange={(v) => {
              setModel(v);
              setIssues({});
            }}
          />
        </Field>
        <DatasetChooser datasets={info?.datasets ?? []} value={datasets} onChange={setDatasets} />
        <Actions label="Generate" busy={busy} testid="soft-labels-submit" />
      </form>
    </TrainingModal>
  );
}

export function EvaluateDialog() {
  const info = useApp((s) => s.info);
  const busy = useApp((s) => s.busy['jobs.start:evaluate'] ?? false);
  const ready = (info?.models ?? []).filter((m) => m.status === 'ready');
  const [models, setModels] = useState<number[]>(() => newestFamily(info?.models ?? []));
  const [dataset, setDataset] = useState('');
  const [split, setSplit] = useState<Split>('val');
  const [issues, setIssues] = useState<Issues>({});
  const toggle = (id: number, on: boolean) => {
    setModels((ms) => (on ? [...ms, id].sort((a, b) => a - b) : ms.filter((m) => m !== id)));
    setIssues({});
  };
  const submit = async () => {
    const r = evaluateParams({ models, dataset, split });
    if (!r.ok) return setIssues(r.issues);
    let first: number | undefined;
    for (const p of r.params) {
      const id = await startJob('evaluate', p);
      first ??= id;
      if (id === undefined) break;
    }
    if (first !== undefined) {
      selectJob(first);
      showResults(dataset, split);
      closeTrainingDialog();
    }
  };
  return (
    <TrainingModal title="Evaluate" onClose={closeTrainingDialog} testid="evaluate">
      <form
        className="form"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <p className="muted">ABAW metrics: AU 0.5·F1 + 0.5·Acc (per-AU thresholds tuned on val), EXPR 0.67·F1 + 0.33·Acc, CCC for valence and arousal.</p>
        <Field name="models" label="Models (one job each)" issue={issues.models}>
          <div className="model-chooser" data-testid="f-models">
            {ready.length === 0 && <span className="empty">No trained model yet.</span>}
            {ready.map((m) => (
              <label key={m.id} className="check">
                <input type="checkbox" checked={models.includes(m.id)} onChange={(e) => toggle(m.id, e.target.checked)} />
                {modelLabel(m)}
              </label>
            ))}
          </div>
        </Field>
        <div className="form-grid">
          <Field name="dataset" label="Dataset">
            <Select name="dataset" value={dataset} options={[{ value: '', label: 'All datasets' }, ...(info?.datasets ?? []).map((d) => ({ value: d.name, label: d.name }))]} onChange={setDataset} />
          </Field>
          <Field name="split" label="Split">
            <Select<Split> name="split" value={split} options={SPLITS.map((s) => ({ value: s, label: s }))} onChange={setSplit} />
          </Field>
        </div>
        <Actions label={models.length > 1 ? `Evaluate ${models.length} models` : 'Evaluate'} busy={busy} testid="evaluate-submit" />
      </form>
    </TrainingModal>
  );
}
