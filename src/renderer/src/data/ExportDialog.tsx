// File → Export…: the merged labels as a CSV, JSON Lines or Aff-Wild2 annotation files — format,
// output path, merge policy, the model that fills gaps (and its probabilities), dataset and split
// filters — written by the worker job 'export' with progress and cancel (contract: data.export).
import { useState, type FormEvent } from 'react';
import { EXPORT_FORMATS, type ExportFormat, type ExportRequest } from '../../../shared/export-options';
import { jobResultOf, type JobResult } from '../../../shared/jobs-contract';
import { SPLITS, type Split } from '../../../shared/labels';
import { transport } from '../api';
import { fmtInt } from '../format';
import { chooseFolder } from '../session';
import { closeDialog, useApp } from '../store';
import { startExport } from './data-jobs';
import { JobProgress, useJob } from './JobProgress';

const FORMAT_LABELS: Record<ExportFormat, string> = {
  csv: 'Merged CSV (one row per frame)',
  jsonl: 'JSON Lines (one object per frame)',
  affwild2: 'Aff-Wild2 annotation files (a folder)',
};
const POLICIES = [
  { value: 'gt+human+model', label: 'ground truth, human corrections, gaps filled by the model' },
  { value: 'gt+human', label: 'ground truth and human corrections' },
  { value: 'gt+model', label: 'ground truth, gaps filled by the model' },
  { value: 'gt', label: 'imported ground truth only' },
];
const DEFAULT_POLICY = 'gt+human+model';

function defaultOut(dir: string, format: ExportFormat): string {
  const sep = dir.includes('\\') && !dir.includes('/') ? '\\' : '/';
  return `${dir}${sep}exports${sep}${format === 'affwild2' ? 'affwild2' : `merged-labels.${format}`}`;
}

function Summary({ s }: { s: JobResult<'export'> }) {
  return (
    <div className="data-summary" data-testid="export-summary">
      <p>
        Wrote <strong data-testid="export-rows">{fmtInt(s.rows)}</strong> frames to <code data-testid="export-out">{s.out}</code>
        {s.files.length > 1 ? ` (${fmtInt(s.files.length)} files)` : ''} with policy {s.policy}
        {s.modelId !== null ? ` and model #${s.modelId}` : ''}.
      </p>
      {s.warnings.length > 0 && (
        <ul className="data-warnings" data-testid="export-warnings">
          {s.warnings.map((w) => (
            <li key={w}>{w}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

export function ExportDialog() {
  const info = useApp((s) => s.info);
  const dir = useApp((s) => s.project?.dir ?? '');
  const [format, setFormat] = useState<ExportFormat>('csv');
  const [out, setOut] = useState(() => defaultOut(dir, 'csv'));
  const [outEdited, setOutEdited] = useState(false);
  const [policy, setPolicy] = useState(DEFAULT_POLICY);
  const [model, setModel] = useState('ensemble');
  const [probabilities, setProbabilities] = useState(false);
  const [datasets, setDatasets] = useState<string[] | null>(null); // null = all
  const [splits, setSplits] = useState<Split[]>([...SPLITS]);
  const [labelledOnly, setLabelledOnly] = useState(false);
  const [overwrite, setOverwrite] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [jobId, setJobId] = useState<number | null>(null);
  const job = useJob(jobId);

  const noModel = model === 'none';
  const policies = noModel ? POLICIES.filter((p) => !p.value.includes('model')) : POLICIES;
  const effectivePolicy = policies.some((p) => p.value === policy) ? policy : policies[0].value;
  const allDatasets = info?.datasets.map((d) => d.name) ?? [];
  const chosen = datasets ?? allDatasets;

  const pickFormat = (f: ExportFormat) => {
    setFormat(f);
    if (!outEdited) setOut(defaultOut(dir, f));
  };
  const browse = async () => {
    const r = await chooseFolder(format === 'affwild2' ? 'Folder for the Aff-Wild2 files' : 'Folder for the export');
    if (r?.path) {
      setOut(format === 'affwild2' ? r.path : `${r.path}/merged-labels.${format}`);
      setOutEdited(true);
    }
  };
  const toggle = <T,>(list: T[], v: T, on: boolean): T[] => (on ? [...list, v] : list.filter((x) => x !== v));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (busy || !out.trim()) return;
    setError(null);
    const req: ExportRequest = {
      format,
      out: out.trim(),
      options: {
        ...(effectivePolicy !== DEFAULT_POLICY ? { policy: effectivePolicy } : {}),
        model: /^\d+$/.test(model) ? Number(model) : model,
        probabilities: !noModel && probabilities,
        ...(datasets !== null && chosen.length < allDatasets.length ? { datasets: chosen } : {}),
        ...(splits.length < SPLITS.length ? { splits: SPLITS.filter((s) => splits.includes(s)) } : {}),
        labelledOnly,
        overwrite,
      },
    };
    setBusy(true);
    try {
      setJobId(await startExport(req));
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  if (jobId !== null) {
    const done = job?.status === 'done';
    const result = done ? jobResultOf('export', job) : null;
    return (
      <div className="form" data-testid="export-running">
        <JobProgress jobId={jobId} label="export" unit="frames" />
        {result && <Summary s={result} />}
        {job?.status === 'cancelled' && <p className="muted">Cancelled: nothing was written under the output path.</p>}
        <div className="form-actions">
          {job && job.status !== 'queued' && job.status !== 'running' && (
            <button type="button" className="button" data-testid="export-again" onClick={() => setJobId(null)}>
              Change and export again
            </button>
          )}
          <button type="button" className="button primary" data-testid="export-close" onClick={closeDialog}>
            {done ? 'Done' : 'Close'}
          </button>
        </div>
      </div>
    );
  }

  const emptyFilter = chosen.length === 0 || splits.length === 0;
  return (
    <form className="form data-form" onSubmit={submit} data-testid="export-form">
      <div className="data-grid">
        <label className="field">
          <span className="field-label">Format</span>
          <select className="input" data-testid="export-format" value={format} onChange={(e) => pickFormat(e.target.value as ExportFormat)}>
            {EXPORT_FORMATS.map((f) => (
              <option key={f} value={f}>
                {FORMAT_LABELS[f]}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span className="field-label">Model</span>
          <select className="input" data-testid="export-model" value={model} onChange={(e) => setModel(e.target.value)}>
            <option value="ensemble">newest ready ensemble</option>
            <option value="none">none (no model labels)</option>
            {info?.models.map((m) => (
              <option key={m.id} value={String(m.id)}>
                #{m.id} {m.name} ({m.kind}, {m.status})
              </option>
            ))}
          </select>
        </label>
      </div>
      <label className="field">
        <span className="field-label">{format === 'affwild2' ? 'Output folder' : 'Output file'}</span>
        <span className="field-row">
          <input
            className="input mono grow"
            data-testid="export-out"
            value={out}
            onChange={(e) => {
              setOut(e.target.value);
              setOutEdited(true);
            }}
            spellCheck={false}
            required
          />
          {transport === 'ipc' && (
            <button type="button" className="button" onClick={browse}>
              Browse…
            </button>
          )}
        </span>
      </label>
      <label className="field">
        <span className="field-label">Merge policy (human corrections beat ground truth; the model only fills gaps)</span>
        <select className="input" data-testid="export-policy" value={effectivePolicy} onChange={(e) => setPolicy(e.target.value)}>
          {policies.map((p) => (
            <option key={p.value} value={p.value}>
              {p.value} — {p.label}
            </option>
          ))}
        </select>
      </label>
      <div className="data-grid">
        <fieldset className="field data-checks" data-testid="export-datasets">
          <legend className="field-label">Datasets</legend>
          {allDatasets.length === 0 && <span className="muted">The project has no datasets.</span>}
          {allDatasets.map((d) => (
            <label key={d} className="check">
              <input type="checkbox" checked={chosen.includes(d)} onChange={(e) => setDatasets(toggle(chosen, d, e.target.checked))} /> {d}
            </label>
          ))}
        </fieldset>
        <fieldset className="field data-checks" data-testid="export-splits">
          <legend className="field-label">Splits</legend>
          {SPLITS.map((s) => (
            <label key={s} className="check">
              <input type="checkbox" data-testid={`export-split-${s}`} checked={splits.includes(s)} onChange={(e) => setSplits(toggle(splits, s, e.target.checked))} /> {s}
            </label>
          ))}
        </fieldset>
      </div>
      <div className="data-options">
        <label className="check">
          <input type="checkbox" data-testid="export-probabilities" disabled={noModel || format === 'affwild2'} checked={!noModel && probabilities} onChange={(e) => setProbabilities(e.target.checked)} />{' '}
          model probability columns
        </label>
        <label className="check">
          <input type="checkbox" data-testid="export-labelled-only" disabled={format === 'affwild2'} checked={labelledOnly} onChange={(e) => setLabelledOnly(e.target.checked)} /> only
          frames with a label
        </label>
        <label className="check">
          <input type="checkbox" data-testid="export-overwrite" checked={overwrite} onChange={(e) => setOverwrite(e.target.checked)} /> replace an existing output
        </label>
      </div>
      {error && (
        <div className="callout error" role="alert" data-testid="export-error">
          {error}
        </div>
      )}
      <div className="form-actions">
        <button type="button" className="button" onClick={closeDialog}>
          Cancel
        </button>
        <button type="submit" className="button primary" data-testid="export-submit" disabled={busy || !out.trim() || emptyFilter}>
          {busy ? 'Starting…' : 'Export'}
        </button>
      </div>
    </form>
  );
}
