// File → Export…: the merged labels as a CSV, JSON Lines or Aff-Wild2 annotation files — format,
// output path, merge policy, the model that fills gaps (and its probabilities), dataset and split
// filters, how the annotators' layers appear (none, per-annotator columns, one row per annotation) and
// the annotator policy of the human label (the project's, or another resolved on the fly) — written by
// the worker job 'export' with progress and cancel (contract: data.export).
// Browser mode: the file is written on the server, so the dialog asks only for a file name, writes it
// into the project's exports folder and, when the job is done, downloads it (GET /exports/<name>,
// src/node/server/exports.ts) and offers a link per file written (the CSV and its sidecar).
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { ANNOTATOR_LAYOUTS, EXPORT_FORMATS, EXPORTS_FOLDER, EXPORTS_URL_PREFIX, type AnnotatorLayout, type ExportFormat, type ExportRequest } from '../../../shared/export-options';
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
const LAYOUT_LABELS: Record<AnnotatorLayout, string> = {
  none: 'no: the label in force only',
  wide: 'per-annotator columns (<annotator>:AU1, …) in each frame row',
  long: 'long: one row per annotation (frame, annotator, role, task, values)',
};
/** '' = the project's policy; 'annotator' = one annotator's layer (name typed beside it). */
const ANNOTATOR_POLICIES = [
  { value: '', label: "the project's policy" },
  { value: 'consensus', label: 'consensus: adjudicated > majority vote > mean' },
  { value: 'latest', label: 'latest: adjudicated > the most recent annotator' },
  { value: 'annotator', label: "one annotator's layer:" },
];

const separatorOf = (dir: string) => (dir.includes('\\') && !dir.includes('/') ? '\\' : '/');
const defaultName = (format: ExportFormat) => (format === 'affwild2' ? 'affwild2' : `merged-labels.${format}`);

function defaultOut(dir: string, format: ExportFormat): string {
  // browser mode: a name in the project's exports folder (the server resolves it against the project)
  if (transport === 'http') return defaultName(format);
  const sep = separatorOf(dir);
  return `${dir}${sep}${EXPORTS_FOLDER}${sep}${defaultName(format)}`;
}

/**
 * Browser mode: a plain name is a file of the project's exports folder (downloaded when done); a path
 * with a separator is a place on the server's disk (the server runs on this machine), as in the app.
 */
function browserOut(text: string): { out: string; problem: string | null } {
  if (/[/\\]/.test(text)) return { out: text, problem: null };
  if (text.startsWith('.')) return { out: text, problem: 'The file name must not start with a dot.' };
  return { out: `${EXPORTS_FOLDER}/${text}`, problem: null };
}

/** The download URL of a file the export wrote, when it lies directly in the project's exports folder (browser mode). */
function downloadUrl(dir: string, file: string): { url: string; name: string } | null {
  const sep = separatorOf(dir);
  const folder = `${dir}${sep}${EXPORTS_FOLDER}${sep}`;
  if (!file.startsWith(folder)) return null;
  const name = file.slice(folder.length);
  if (name === '' || /[/\\]/.test(name)) return null;
  return { url: `${EXPORTS_URL_PREFIX}${encodeURIComponent(name)}`, name };
}

/** Starts a browser download of `url` (same origin: the session cookie goes with it). */
function download(url: string, name: string): void {
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.rel = 'noopener';
  document.body.appendChild(a);
  a.click();
  a.remove();
}

function Downloads({ s, dir }: { s: JobResult<'export'>; dir: string }) {
  const links = s.files.map((f) => downloadUrl(dir, f)).filter((l): l is { url: string; name: string } => l !== null);
  if (s.format === 'affwild2' || links.length === 0) {
    return <p className="muted" data-testid="export-no-download">This export is a folder on the server ({s.out}); only single files of the project&apos;s exports folder can be downloaded.</p>;
  }
  return (
    <ul className="data-downloads" data-testid="export-downloads">
      {links.map((l) => (
        <li key={l.url}>
          <a href={l.url} download={l.name} data-testid="export-download">
            Download {l.name}
          </a>
        </li>
      ))}
    </ul>
  );
}

function Summary({ s }: { s: JobResult<'export'> }) {
  return (
    <div className="data-summary" data-testid="export-summary">
      <p>
        Wrote <strong data-testid="export-rows">{fmtInt(s.rows)}</strong> frames to <code data-testid="export-out">{s.out}</code>
        {s.files.length > 1 ? ` (${fmtInt(s.files.length)} files)` : ''} with policy {s.policy}
        {s.modelId !== null ? ` and model #${s.modelId}` : ''}; human labels by annotator policy {s.annotatorPolicy}
        {s.annotators !== 'none' ? `, annotators ${s.annotators}` : ''}.
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
  const [commentHeader, setCommentHeader] = useState(false);
  const [layout, setLayout] = useState<AnnotatorLayout>('none');
  const [annotatorPolicy, setAnnotatorPolicy] = useState('');
  const [policyAnnotator, setPolicyAnnotator] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [jobId, setJobId] = useState<number | null>(null);
  const job = useJob(jobId);
  const browser = transport === 'http';
  const downloaded = useRef<number | null>(null);
  const finished = job?.status === 'done' ? jobResultOf('export', job) : null;

  // Browser mode: the finished export's file is downloaded once (the sidecar has its own link).
  useEffect(() => {
    if (!browser || !finished || jobId === null || downloaded.current === jobId || finished.format === 'affwild2') return;
    downloaded.current = jobId;
    const first = downloadUrl(dir, finished.out);
    if (first) download(first.url, first.name);
  }, [browser, finished, jobId, dir]);

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
    const target = browser ? browserOut(out.trim()) : { out: out.trim(), problem: null };
    if (target.problem) {
      setError(target.problem);
      return;
    }
    if (annotatorPolicy === 'annotator' && !policyAnnotator.trim()) {
      setError("Name the annotator whose layer the export takes the human label from.");
      return;
    }
    const chosenPolicy = annotatorPolicy === 'annotator' ? `annotator:${policyAnnotator.trim()}` : annotatorPolicy;
    const req: ExportRequest = {
      format,
      out: target.out,
      options: {
        ...(effectivePolicy !== DEFAULT_POLICY ? { policy: effectivePolicy } : {}),
        model: /^\d+$/.test(model) ? Number(model) : model,
        probabilities: !noModel && probabilities && layout !== 'long',
        ...(datasets !== null && chosen.length < allDatasets.length ? { datasets: chosen } : {}),
        ...(splits.length < SPLITS.length ? { splits: SPLITS.filter((s) => splits.includes(s)) } : {}),
        labelledOnly,
        overwrite,
        ...(format === 'csv' && commentHeader ? { commentHeader: true } : {}),
        ...(format !== 'affwild2' && layout !== 'none' ? { annotators: layout } : {}),
        ...(chosenPolicy ? { annotatorPolicy: chosenPolicy } : {}),
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
    const result = finished;
    return (
      <div className="form" data-testid="export-running">
        <JobProgress jobId={jobId} label="export" unit="frames" />
        {result && <Summary s={result} />}
        {result && browser && <Downloads s={result} dir={dir} />}
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
        <span className="field-label">
          {browser
            ? format === 'affwild2'
              ? "Folder name (in the project's exports folder on the server) or a folder path on the server"
              : "File name (written to the project's exports folder, then downloaded) or a file path on the server"
            : format === 'affwild2'
              ? 'Output folder'
              : 'Output file'}
        </span>
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
        <label className="field">
          <span className="field-label">Annotators&apos; own labels</span>
          <select
            className="input"
            data-testid="export-annotators"
            value={format === 'affwild2' ? 'none' : layout}
            disabled={format === 'affwild2'}
            onChange={(e) => setLayout(e.target.value as AnnotatorLayout)}
          >
            {ANNOTATOR_LAYOUTS.map((l) => (
              <option key={l} value={l}>
                {LAYOUT_LABELS[l]}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span className="field-label">Human label from the annotators by</span>
          <span className="field-row">
            <select className="input" data-testid="export-annotator-policy" value={annotatorPolicy} onChange={(e) => setAnnotatorPolicy(e.target.value)}>
              {ANNOTATOR_POLICIES.map((p) => (
                <option key={p.value} value={p.value}>
                  {p.label}
                </option>
              ))}
            </select>
            {annotatorPolicy === 'annotator' && (
              <input
                className="input grow"
                data-testid="export-policy-annotator"
                value={policyAnnotator}
                placeholder="annotator name"
                maxLength={120}
                onChange={(e) => setPolicyAnnotator(e.target.value)}
              />
            )}
          </span>
        </label>
      </div>
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
          <input type="checkbox" data-testid="export-probabilities" disabled={noModel || format === 'affwild2' || layout === 'long'} checked={!noModel && probabilities && layout !== 'long'} onChange={(e) => setProbabilities(e.target.checked)} />{' '}
          model probability columns
        </label>
        <label className="check">
          <input type="checkbox" data-testid="export-labelled-only" disabled={format === 'affwild2'} checked={labelledOnly} onChange={(e) => setLabelledOnly(e.target.checked)} /> only
          frames with a label
        </label>
        <label className="check" title="Off: the CSV starts with its header row (spreadsheets, pandas, R); the provenance is in the sidecar <file>.json either way">
          <input type="checkbox" data-testid="export-comment-header" disabled={format !== 'csv'} checked={format === 'csv' && commentHeader} onChange={(e) => setCommentHeader(e.target.checked)} /> start
          the CSV with a # provenance line
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
