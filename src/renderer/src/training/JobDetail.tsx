// One job in detail: progress with ETA and throughput, cancel or resume, the live loss curves and
// per-epoch validation metrics of a training run, its epochs table, its log, and why it failed.
import { useEffect, useRef } from 'react';
import type { JobSummary } from '../../../shared/contract';
import type { EpochRow } from '../../../shared/training-contract';
import { call } from '../api';
import { fmtDate } from '../format';
import { cancelJob, guard, refreshJobs } from '../session';
import { useApp } from '../store';
import { EpochChart, LossChart } from './JobCharts';
import { elapsedAt, isRnnKind, isTraining, jobTitle, progressOf, resumeNote } from './job-format';
import { useJobLive, watchJob } from './live';
import { selectJob } from './ui-state';

const RESUMABLE = new Set(['interrupted', 'cancelled', 'failed']);
const f3 = (v: number | null | undefined) => (v === null || v === undefined ? '–' : v.toFixed(3));

async function resume(jobId: number): Promise<void> {
  const r = await guard('runs.resume', () => call('runs.resume', { jobId }));
  if (r) {
    await refreshJobs();
    selectJob(r.jobId);
  }
}

/** Throughput per epoch: images/s for the CNN, windows/s for the CNN-RNN. */
function EpochTable({ epochs, windows }: { epochs: EpochRow[]; windows: boolean }) {
  return (
    <table className="table compact" data-testid="epoch-table">
      <thead>
        <tr>
          <th className="num">Epoch</th>
          <th className="num">Model</th>
          <th className="num">lr</th>
          <th className="num">Train loss</th>
          <th className="num">Val AU</th>
          <th className="num">Val EXPR</th>
          <th className="num">Val V</th>
          <th className="num">Val A</th>
          <th className="num">{windows ? 'Windows/s' : 'Images/s'}</th>
        </tr>
      </thead>
      <tbody>
        {epochs.map((e) => (
          <tr key={`${e.modelId}-${e.epoch}`} data-testid="epoch-row">
            <td className="num">{e.epoch}</td>
            <td className="num">{e.modelId === null ? '–' : `#${e.modelId}`}</td>
            <td className="num">{e.lr === null ? '–' : e.lr.toExponential(0)}</td>
            <td className="num">{f3(e.train.loss)}</td>
            <td className="num">{f3(e.val?.au)}</td>
            <td className="num">{f3(e.val?.expr)}</td>
            <td className="num">{f3(e.val?.valence)}</td>
            <td className="num">{f3(e.val?.arousal)}</td>
            <td className="num">{rateOf(e, windows)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function rateOf(e: EpochRow, windows: boolean): string {
  const v = windows ? e.windowsPerSecond : e.samplesPerSecond;
  return v === null ? '–' : v.toFixed(1);
}

function Log({ jobId }: { jobId: number }) {
  const { log } = useJobLive(jobId);
  const box = useRef<HTMLPreElement>(null);
  useEffect(() => {
    const el = box.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [log.length]);
  return (
    <pre className="job-log" data-testid="job-log" data-lines={log.length} ref={box}>
      {log.length === 0 ? <span className="muted">No log lines yet.</span> : null}
      {log.map((l) => (
        <div key={l.seq} className={`log-${l.level}`}>
          {l.line}
        </div>
      ))}
    </pre>
  );
}

/** A param's value in the line: per-task values (λ, T) as au=0.8,expr=0.6,va=0.5. */
function valueText(v: unknown): string {
  return v !== null && typeof v === 'object'
    ? Object.entries(v)
        .map(([k, x]) => `${k}=${String(x)}`)
        .join(',')
    : String(v);
}

/** A compact line of the params a run was started with (a resumed run: the job it continues, by id). */
function paramsLine(job: JobSummary): string {
  const p = job.params;
  const keys = ['backbone', 'freezeBackbone', 'trainBlocks', 'backboneLrScale', 'headDropout', 'bagging', 'featuresFrom', 'window', 'trainStride', 'evalStride', 'hidden', 'epochs', 'batch', 'lr', 'count', 'lambda', 'temperature', 'datasets', 'model', 'dataset', 'split'];
  const parts = keys
    .filter((k) => p[k] !== undefined && !(Array.isArray(p[k]) && (p[k] as unknown[]).length === 0))
    .map((k) => `${k} ${Array.isArray(p[k]) ? (p[k] as unknown[]).join(',') : valueText(p[k])}`);
  const resumed = typeof p.resumeOf === 'number' ? resumeNote(p).replace(/^ \((.*)\)$/, '$1') : '';
  return [...parts, ...(resumed ? [resumed] : [])].join(' · ');
}

/** `now`: the jobs panel's clock (./clock.ts), shared with the list's Time column. */
export function JobDetail({ job, now }: { job: JobSummary; now: number }) {
  const p = useApp((s) => s.progress[job.id]);
  const live = useJobLive(job.id);
  useEffect(() => watchJob(job.id), [job.id]);
  const view = progressOf(job, p);
  const training = isTraining(job.kind);
  const active = job.status === 'running' || job.status === 'queued';
  return (
    <section className="panel job-detail" data-testid="job-detail" data-job-id={job.id} data-status={job.status}>
      <header className="job-detail-header">
        <h2 className="panel-title">
          #{job.id} {jobTitle(job)} <span className={`status-badge status-${job.status}`}>{job.status}</span>
        </h2>
        <div className="toolbar">
          {active && (
            <button type="button" className="button" data-testid="detail-cancel" onClick={() => void cancelJob(job.id)}>
              Cancel
            </button>
          )}
          {training && RESUMABLE.has(job.status) && (
            <button type="button" className="button primary" data-testid="job-resume" title={`Start a new job that continues job #${job.id} from its last checkpoint`} onClick={() => void resume(job.id)}>
              Resume from checkpoint
            </button>
          )}
        </div>
      </header>
      <div className="job-progress big">
        <span className="meter bar" aria-hidden>
          <span style={{ width: `${(view.frac * 100).toFixed(1)}%` }} />
        </span>
        <span data-testid="job-progress-text">{view.text}</span>
      </div>
      <div className="job-facts muted">
        {view.rate && <span data-testid="job-rate">{view.rate}</span>}
        {p && job.status === 'running' && (
          <span data-testid="job-done">
            {p.done}/{p.total}
          </span>
        )}
        {live.modelId !== null && <span data-testid="job-model">model #{live.modelId}</span>}
        <span>backend {job.backend ?? '–'}</span>
        <span>
          started {fmtDate(job.startedAt)} · <span data-testid="job-detail-elapsed">{elapsedAt(job, now)}</span>
        </span>
      </div>
      <p className="job-params mono">{paramsLine(job)}</p>
      {job.error && (
        <p className={`callout ${job.status === 'failed' ? 'error' : ''}`} data-testid="job-error">
          {job.status === 'interrupted' ? 'Interrupted: ' : job.status === 'failed' ? 'Failed: ' : ''}
          {job.error}
          {training && RESUMABLE.has(job.status) ? ' — the last checkpoint is kept; resume continues from it.' : ''}
        </p>
      )}
      {training && (
        <div className="chart-grid">
          {live.loss.x.length > 0 ? <LossChart series={live.loss} /> : <p className="empty chart-empty">The loss curves draw as steps arrive (this window’s session).</p>}
          {live.epochs.length > 0 ? <EpochChart epochs={live.epochs} /> : <p className="empty chart-empty">Validation metrics appear after each epoch.</p>}
        </div>
      )}
      {training && live.epochs.length > 0 && <EpochTable epochs={live.epochs} windows={isRnnKind(job.kind)} />}
      <h3 className="sub-title">Log</h3>
      <Log jobId={job.id} />
    </section>
  );
}
