// File → Import…: a dataset import as the worker job 'import' (format, sources as paths, dataset
// name, split, manifest, videos folder), then the faces job over the media that still need faces,
// in the chosen mode. Progress of both, errors and the import's summary are shown here.
import { useState, type FormEvent } from 'react';
import { IMPORT_FORMATS, type ImportFormat, type ImportRequest } from '../../../shared/import-options';
import { SPLITS, type Split } from '../../../shared/labels';
import { transport } from '../api';
import { fmtInt } from '../format';
import { chooseFolder } from '../session';
import { closeDialog } from '../store';
import { jobResultOf } from '../../../shared/jobs-contract';
import { FACES_MODES, startImport, useImportFlow, type FacesMode, type ImportResult } from './data-jobs';
import { JobProgress, isActive, useJob } from './JobProgress';

const FORMATS: Record<ImportFormat, { label: string; sources: string }> = {
  csv: { label: 'CSV manifest (path, subject, split, AU…, expression, valence, arousal)', sources: 'CSV file(s)' },
  affwild2: { label: 'Aff-Wild2 / ABAW annotations (AU_Set, EXPR_Set, VA_Set)', sources: 'annotation folder(s)' },
  disfa: { label: 'DISFA AU intensities', sources: 'DISFA label folder(s)' },
  expw: { label: 'ExpW (label.lst)', sources: 'label.lst' },
  afewva: { label: 'AFEW-VA (per-clip JSON)', sources: 'AFEW-VA folder(s)' },
  images: { label: 'Images in expression class folders', sources: 'class folder root(s)' },
  video: { label: 'Videos without labels', sources: 'video file(s)' },
  merged: { label: 'Merged labels exported by the workbench (CSV or JSON Lines)', sources: 'export file(s)' },
};

function Summary({ r }: { r: ImportResult }) {
  const s = r.summary;
  const skipped = Object.entries(s.skipped);
  return (
    <div className="data-summary" data-testid="import-summary">
      <p>
        Dataset <strong data-testid="import-dataset">{s.dataset}</strong>: <span data-testid="import-frames">{fmtInt(s.frames)}</span> frames (
        {fmtInt(s.framesCreated)} new) in {fmtInt(s.media)} media; labels AU {fmtInt(s.labels.au)} · EXPR {fmtInt(s.labels.expr)} · VA {fmtInt(s.labels.va)}
        {r.proxies ? `; ${r.proxies} playable proxies made` : ''}.
      </p>
      {skipped.length > 0 && <p className="muted">Skipped: {skipped.map(([k, v]) => `${k} ${fmtInt(v)}`).join(', ')}.</p>}
      {s.warnings.length > 0 && (
        <ul className="data-warnings" data-testid="import-warnings">
          {s.warnings.map((w) => (
            <li key={w}>{w}</li>
          ))}
          {s.moreWarnings > 0 && <li>… and {fmtInt(s.moreWarnings)} more</li>}
        </ul>
      )}
    </div>
  );
}

function Running({ jobId, onAgain }: { jobId: number; onAgain: () => void }) {
  const job = useJob(jobId);
  const flow = useImportFlow(jobId);
  const faces = useJob(flow?.facesJobId ?? null);
  const result = job?.status === 'done' ? jobResultOf('import', job) : null;
  const busy = isActive(job) || (flow?.facesJobId != null && isActive(faces));
  return (
    <div className="form" data-testid="import-running">
      <JobProgress jobId={jobId} label="import" unit="" />
      {result && <Summary r={result} />}
      {flow?.facesJobId != null && <JobProgress jobId={flow.facesJobId} label="faces" unit="frames" />}
      {flow?.note && <p className="muted" data-testid="import-note">{flow.note}</p>}
      <div className="form-actions">
        {!busy && (
          <button type="button" className="button" data-testid="import-again" onClick={onAgain}>
            Import more
          </button>
        )}
        <button type="button" className="button primary" data-testid="import-close" onClick={closeDialog}>
          {busy ? 'Close (keeps running)' : 'Done'}
        </button>
      </div>
    </div>
  );
}

function PathField({ label, value, onChange, testid, folder }: { label: string; value: string; onChange: (v: string) => void; testid: string; folder?: string }) {
  const browse = async () => {
    const r = await chooseFolder(folder ?? label);
    if (r?.path) onChange(r.path);
  };
  return (
    <label className="field">
      <span className="field-label">{label}</span>
      <span className="field-row">
        <input className="input mono grow" data-testid={testid} value={value} onChange={(e) => onChange(e.target.value)} spellCheck={false} />
        {transport === 'ipc' && folder && (
          <button type="button" className="button" onClick={browse}>
            Browse…
          </button>
        )}
      </span>
    </label>
  );
}

export function ImportDialog() {
  const [format, setFormat] = useState<ImportFormat>('csv');
  const [sources, setSources] = useState('');
  const [dataset, setDataset] = useState('');
  const [split, setSplit] = useState<Split | ''>('');
  const [manifest, setManifest] = useState('');
  const [videos, setVideos] = useState('');
  // label-only media (merged labels) have no images to find faces in: default to none there
  const [facesChoice, setFaces] = useState<FacesMode | null>(null);
  const faces: FacesMode = facesChoice ?? (format === 'merged' ? 'none' : 'detect');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [jobId, setJobId] = useState<number | null>(null);

  const list = sources
    .split('\n')
    .map((s) => s.trim())
    .filter(Boolean);
  const addSourceFolder = async () => {
    const r = await chooseFolder(`Import: ${FORMATS[format].sources}`);
    if (r?.path) setSources((s) => (s.trim() ? `${s.trim()}\n${r.path}` : r.path!));
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (busy || list.length === 0) return;
    setError(null);
    const req: ImportRequest = {
      format,
      sources: list,
      options: {
        ...(dataset.trim() ? { dataset: dataset.trim() } : {}),
        ...(split ? { split } : {}),
        ...(manifest.trim() ? { manifest: manifest.trim() } : {}),
        ...(videos.trim() ? { videos: videos.trim() } : {}),
      },
    };
    setBusy(true);
    try {
      setJobId(await startImport(req, faces));
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  if (jobId !== null) return <Running jobId={jobId} onAgain={() => setJobId(null)} />;

  return (
    <form className="form data-form" onSubmit={submit} data-testid="import-form">
      <label className="field">
        <span className="field-label">Format</span>
        <select className="input" data-testid="import-format" value={format} onChange={(e) => setFormat(e.target.value as ImportFormat)}>
          {IMPORT_FORMATS.map((f) => (
            <option key={f} value={f}>
              {f} — {FORMATS[f].label}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span className="field-label">Sources: {FORMATS[format].sources}, one path per line</span>
        <textarea className="input mono data-sources" data-testid="import-sources" value={sources} onChange={(e) => setSources(e.target.value)} rows={3} spellCheck={false} />
        {transport === 'ipc' && (
          <span>
            <button type="button" className="button small" onClick={addSourceFolder}>
              Add folder…
            </button>
          </span>
        )}
      </label>
      <div className="data-grid">
        <label className="field">
          <span className="field-label">Dataset name (created, or reused on re-import)</span>
          <input className="input" data-testid="import-dataset-name" value={dataset} onChange={(e) => setDataset(e.target.value)} placeholder={`default: ${format}`} maxLength={200} />
        </label>
        <label className="field">
          <span className="field-label">Split for sources that carry none</span>
          <select className="input" data-testid="import-split" value={split} onChange={(e) => setSplit(e.target.value as Split | '')}>
            <option value="">default (train)</option>
            {SPLITS.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
      </div>
      <div className="data-grid">
        <PathField label="Split manifest (optional)" value={manifest} onChange={setManifest} testid="import-manifest" />
        <PathField label="Videos folder (optional)" value={videos} onChange={setVideos} testid="import-videos" folder="Folder of the videos" />
      </div>
      <label className="field">
        <span className="field-label">Faces after the import</span>
        <select className="input" data-testid="import-faces" value={faces} onChange={(e) => setFaces(e.target.value as FacesMode)}>
          {FACES_MODES.map((m) => (
            <option key={m.value} value={m.value}>
              {m.label}
            </option>
          ))}
        </select>
      </label>
      {error && (
        <div className="callout error" role="alert" data-testid="import-error">
          {error}
        </div>
      )}
      <div className="form-actions">
        <button type="button" className="button" onClick={closeDialog}>
          Cancel
        </button>
        <button type="submit" className="button primary" data-testid="import-submit" disabled={busy || list.length === 0}>
          {busy ? 'Starting…' : 'Import'}
        </button>
      </div>
    </form>
  );
}
