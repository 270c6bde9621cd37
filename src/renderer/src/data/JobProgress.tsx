// One job's progress inside a dialog: a bar from its job.progress events, its status and stage, its
// error when it failed, and Cancel while it runs.
import type { JobSummary } from '../../../shared/contract';
import { fmtInt, fmtSeconds } from '../format';
import { cancelJob } from '../session';
import { useApp } from '../store';

export function useJob(jobId: number | null): JobSummary | undefined {
  return useApp((s) => (jobId === null ? undefined : s.jobs.find((j) => j.id === jobId)));
}

export const isActive = (j: JobSummary | undefined): boolean => !j || j.status === 'queued' || j.status === 'running';

export function JobProgress({ jobId, label, unit }: { jobId: number; label: string; unit: string }) {
  const job = useJob(jobId);
  const p = useApp((s) => s.progress[jobId]);
  const status = job?.status ?? 'queued';
  const live = status === 'running' && p && p.total > 0;
  const frac = status === 'done' ? 1 : live ? p.done / p.total : (job?.progress ?? 0);
  return (
    <div className="data-job" data-testid={`${label}-job`} data-job-id={jobId} data-status={status}>
      <div className="data-job-head">
        <strong>
          {label} job #{jobId}
        </strong>
        <span className={`status-badge status-${status}`} data-testid="data-job-status">
          {status}
        </span>
        {(status === 'running' || status === 'queued') && (
          <button type="button" className="button small" data-testid="data-job-cancel" onClick={() => cancelJob(jobId)}>
            Cancel
          </button>
        )}
      </div>
      <div className="job-progress">
        <span className="meter data-meter" aria-hidden>
          <span style={{ width: `${(Math.min(1, Math.max(0, frac)) * 100).toFixed(1)}%` }} />
        </span>
        <span className="muted" data-testid="data-job-progress">
          {Math.round(frac * 100)}%{live ? ` · ${fmtInt(p.done)} / ${fmtInt(p.total)} ${unit}` : ''}
          {live && p.stage ? ` · ${p.stage}` : ''}
          {live && p.etaSeconds !== null ? ` · ${fmtSeconds(p.etaSeconds)} left` : ''}
        </span>
      </div>
      {status === 'failed' && job?.error && (
        <div className="callout error" role="alert" data-testid="data-job-error">
          {job.error}
        </div>
      )}
    </div>
  );
}
