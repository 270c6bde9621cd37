// The job queue: every job of the project (jobs.list, kept live by job.state and job.progress),
// newest first, each with its progress; clicking one shows its detail next to the list. Jobs run
// one at a time in the worker process, so queued jobs wait here for the running one.
import { useEffect } from 'react';
import type { JobSummary } from '../../../shared/contract';
import { fmtDate } from '../format';
import { cancelJob } from '../session';
import { useApp } from '../store';
import { JobDetail } from './JobDetail';
import { useJobsClock } from './clock';
import { elapsedAt, jobTitle, progressOf } from './job-format';
import { selectJob, useTrainingUi } from './ui-state';

function MiniProgress({ job }: { job: JobSummary }) {
  const p = useApp((s) => s.progress[job.id]);
  const { frac, text } = progressOf(job, p);
  return (
    <div className="job-progress">
      <span className="meter wide" aria-hidden>
        <span style={{ width: `${(frac * 100).toFixed(1)}%` }} />
      </span>
      <span className="muted">{text}</span>
      {job.error && (job.status === 'failed' || job.status === 'interrupted') && (
        <span className="row-error" data-testid="job-row-error" title={job.error}>
          {job.error}
        </span>
      )}
    </div>
  );
}

function JobRow({ job, selected, now }: { job: JobSummary; selected: boolean; now: number }) {
  return (
    <tr
      data-testid="job-row"
      data-job-id={job.id}
      data-kind={job.kind}
      data-status={job.status}
      className={`clickable${selected ? ' selected' : ''}`}
      onClick={() => selectJob(job.id)}
      aria-selected={selected}
    >
      <td className="num">{job.id}</td>
      <td className="nowrap">{jobTitle(job)}</td>
      <td>
        <span className={`status-badge status-${job.status}`} data-testid="job-status" title={job.error ?? undefined}>
          {job.status}
        </span>
      </td>
      <td>
        <MiniProgress job={job} />
      </td>
      <td>{job.backend ?? '–'}</td>
      <td className="muted nowrap">{fmtDate(job.startedAt)}</td>
      <td className="muted nowrap" data-testid="job-elapsed">
        {elapsedAt(job, now)}
      </td>
      <td>
        {(job.status === 'running' || job.status === 'queued') && (
          <button
            type="button"
            className="button small"
            data-testid="job-cancel"
            onClick={(e) => {
              e.stopPropagation();
              void cancelJob(job.id);
            }}
          >
            Cancel
          </button>
        )}
      </td>
    </tr>
  );
}

export function JobsPanel() {
  const jobs = useApp((s) => s.jobs);
  const selected = useTrainingUi((s) => s.selectedJob);
  // Nothing chosen (or the chosen job belongs to another project): detail the running job, else the newest.
  const current = jobs.find((j) => j.id === selected) ?? jobs.find((j) => j.status === 'running') ?? jobs[0] ?? null;
  useEffect(() => {
    if (selected !== null && !jobs.some((j) => j.id === selected) && jobs.length) selectJob(null);
  }, [jobs, selected]);
  const queued = jobs.filter((j) => j.status === 'queued').length;
  // One clock for the list's Time column and the detail's elapsed time.
  const now = useJobsClock(jobs.some((j) => j.status === 'running'));
  if (!jobs.length)
    return (
      <section className="panel">
        <h2 className="panel-title">Jobs</h2>
        <p className="empty" data-testid="jobs-empty">
          No jobs yet. Start one from the Training menu: Train teacher…, Generate soft labels…, Train students…, Evaluate….
        </p>
      </section>
    );
  return (
    <div className="jobs-layout">
      <section className="panel jobs-list">
        <h2 className="panel-title">
          Jobs{' '}
          <span className="panel-count" data-testid="jobs-queued">
            {queued ? `${queued} queued` : ''}
          </span>
        </h2>
        <div className="table-scroll">
          <table className="table compact" data-testid="job-list">
            <thead>
              <tr>
                <th className="num">#</th>
                <th>Job</th>
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
                <JobRow key={j.id} job={j} selected={current?.id === j.id} now={now} />
              ))}
            </tbody>
          </table>
        </div>
      </section>
      {current && <JobDetail job={current} now={now} />}
    </div>
  );
}
