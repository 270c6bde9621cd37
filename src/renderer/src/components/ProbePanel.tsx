// "Check compute backend": starts the probe job, shows its progress and then which TensorFlow.js
// backend runs (tfjs-node-gpu → tfjs-node → wasm → cpu), why earlier ones were skipped, and how long
// a small convolution takes forward and backward.
import type { JobSummary } from '../../../shared/contract';
import { jobResultOf } from '../../../shared/jobs-contract';
import { runCommand } from '../commands';
import { fmtMs } from '../format';
import { useApp } from '../store';

function Result({ job }: { job: JobSummary }) {
  // The result as the probe's type (validated by its schema in the jobs map).
  const r = jobResultOf('probe', job);
  if (job.status === 'failed' || job.status === 'interrupted' || job.status === 'cancelled')
    return (
      <p className="callout error" data-testid="probe-failed">
        Probe #{job.id} {job.status}
        {job.error ? `: ${job.error}` : '.'}
      </p>
    );
  if (job.status !== 'done' || !r) return null;
  const wasmDetail = r.backend.name === 'wasm' ? ` (${r.backend.simd ? 'SIMD' : 'no SIMD'}, ${r.backend.threads ?? 1} thread${(r.backend.threads ?? 1) > 1 ? 's' : ''})` : '';
  return (
    <div className="probe-result" data-testid="probe-result">
      <div className="metric">
        <span className="metric-label">Backend</span>
        <span className="metric-value" data-testid="probe-backend">
          {r.backend.name}
        </span>
        <span className="metric-note">{wasmDetail}</span>
      </div>
      <div className="metric">
        <span className="metric-label">Forward</span>
        <span className="metric-value" data-testid="probe-forward">
          {fmtMs(r.forwardMs)}
        </span>
      </div>
      <div className="metric">
        <span className="metric-label">Backward</span>
        <span className="metric-value" data-testid="probe-backward">
          {fmtMs(r.backwardMs)}
        </span>
      </div>
      {r.backend.tried.length > 1 && (
        <ul className="tried">
          {r.backend.tried
            .filter((t) => t.error)
            .map((t) => (
              <li key={t.name}>
                <strong>{t.name}</strong> not used: <span className="muted">{t.error}</span>
              </li>
            ))}
        </ul>
      )}
    </div>
  );
}

export function ProbePanel() {
  const hasProject = useApp((s) => s.project !== null);
  const jobs = useApp((s) => s.jobs);
  const progress = useApp((s) => s.progress);
  const starting = useApp((s) => s.busy['jobs.start:probe'] ?? false);
  const latest = jobs.find((j) => j.kind === 'probe');
  const active = latest && (latest.status === 'queued' || latest.status === 'running') ? latest : undefined;
  const p = active ? progress[active.id] : undefined;
  return (
    <section className="panel">
      <h2 className="panel-title">Compute backend</h2>
      <p className="panel-hint">
        Runs a small convolution forward and backward in a worker process on the best TensorFlow.js backend that loads here: tfjs-node-gpu →
        tfjs-node → wasm → cpu.
      </p>
      <div className="toolbar">
        <button
          type="button"
          className="button primary"
          data-testid="probe-button"
          disabled={!hasProject || starting || !!active}
          title={hasProject ? undefined : 'Jobs are recorded in a project: open or create one first'}
          onClick={() => runCommand('jobs.probe')}
        >
          {active ? 'Checking…' : 'Check compute backend'}
        </button>
        {active && (
          <span className="muted" data-testid="probe-running">
            {p?.stage ?? active.stage ?? active.status}
            {p && p.total > 0 ? ` (${p.done}/${p.total})` : ''}
          </span>
        )}
        {!hasProject && <span className="muted">Open or create a project first: jobs are recorded in it.</span>}
      </div>
      {latest && !active && <Result job={latest} />}
    </section>
  );
}
