// Jobs of the open project (jobs.list), kept live by job.state and job.progress events.
import type { JobSummary } from '../../../shared/contract';
import { cancelJob } from '../session';
import { fmtDate, fmtElapsed, fmtSeconds } from '../format';
import { useApp } from '../store';

function Progress({ job }: { job: JobSummary }) {
  const p = useApp((s) => s.progress[job.id]);
  const live = job.status === 'running' && p && p.total > 0;
  const frac = live ? p.done / p.total : job.progress;
  const stage = (job.status === 'running' ? p?.stage : null) ?? job.stage;
  return (
    <div className="job-progress">
      <span className="meter wide" aria-hidden>
        <span style={{ width: `${(Math.min(1, Math.max(0, frac)) * 100).toFixed(1)}%` }} />
      </span>
      <span className="muted">
        {Math.round(frac * 100)}%{stage ? ` · ${stage}` : ''}
        {live && p.etaSeconds !== null ? ` · ${fmtSeconds(p.etaSeconds)} left` : ''}
      </span>
    </div>
  );
}

export function JobTable() {
  const jobs = useApp((s) => s.jobs);
  if (!jobs.length)
    return (
      <p className="empty" data-testid="jobs-empty">
        No jobs yet. Check the compute backend above; training jobs arrive with the training issues.
      </p>
    );
  return (
    <table className="table" data-testid="job-list">
      <thead>
        <tr>
          <th className="num">#</th>
          <th>Kind</th>
          <th>Status</th>
          <th>Progress</th>
          <th>Backend</th>
          <th>Started</th>
          <th>Time</th>
          <th />
        </tr>
      </thead>
      <tbody>
        {jobs.map((j) => (
          <tr key={j.id} data-testid="job-row" data-job-id={j.id} data-status={j.status}>
            <td className="num">{j.id}</td>
            <td>{j.kind}</td>
            <td>
              <span className={`status-badge status-${j.status}`} data-testid="job-status" title={j.error ?? undefined}>
                {j.status}
              </span>
            </td>
            <td>
              <Progress job={j} />
            </td>
            <td>{j.backend ?? '–'}</td>
            <td className="muted">{fmtDate(j.startedAt)}</td>
            <td className="muted">{fmtElapsed(j.startedAt, j.finishedAt)}</td>
            <td>
              {(j.status === 'running' || j.status === 'queued') && (
                <button type="button" className="button small" data-testid="job-cancel" onClick={() => cancelJob(j.id)}>
                  Cancel
                </button>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
