// How jobs read in the panel: a title from kind and params, and progress as a fraction with its
// stage, ETA and throughput (steps/s for training, with images/s from the batch size; windows/s
// for the CNN-RNN, whose batch is a number of frame windows).
import type { EventPayload, JobSummary } from '../../../shared/contract';
import { fmtSeconds } from '../format';

/**
 * How long a job ran ("3 min 05 s"), or has been running at `now` (the jobs panel's one clock,
 * ./clock.ts, so the list and the detail show the same time); "–" before it started.
 */
export function elapsedAt(job: Pick<JobSummary, 'startedAt' | 'finishedAt'>, now: number): string {
  if (!job.startedAt) return '–';
  const ms = (job.finishedAt ? new Date(job.finishedAt).getTime() : now) - new Date(job.startedAt).getTime();
  return ms < 1000 ? `${Math.max(0, ms)} ms` : fmtSeconds(ms / 1000);
}

const str = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v) : null);

/**
 * " (resumes job #12)": a resumed run names the job it continues (params.resumeOf; resume is by job
 * id everywhere). params.resume is the worker's internal detail (a teacher's model id); runs from
 * before resumeOf existed keep their old title.
 */
export function resumeNote(p: Record<string, unknown>): string {
  if (typeof p.resumeOf === 'number') return ` (resumes job #${p.resumeOf})`;
  if (typeof p.resume === 'number') return ` (resume #${p.resume})`;
  return p.resume ? ' (resume)' : '';
}

export function jobTitle(job: JobSummary): string {
  const p = job.params;
  switch (job.kind) {
    case 'train.teacher':
      // Without a backbone in its params a run took the engine's default of its day (resnet18 before `face`): not named.
      return p.resume ? `Teacher${resumeNote(p)}` : `Teacher · ${str(p.backbone) ?? 'default backbone'}`;
    case 'train.students':
      return `Students${p.count ? ` ×${str(p.count)}` : ''} of #${str(p.teacher) ?? '?'}${resumeNote(p)}`;
    case 'train.rnn-teacher':
      return p.resume ? `CNN-RNN teacher${resumeNote(p)}` : `CNN-RNN teacher · features of ${p.featuresFrom === undefined ? 'the best CNN' : `#${str(p.featuresFrom)}`}`;
    case 'train.rnn-students':
      return `CNN-RNN students${p.count ? ` ×${str(p.count)}` : ''} of #${str(p.teacher) ?? '?'}${resumeNote(p)}`;
    case 'soft-labels':
      return `Soft labels of #${str(p.model) ?? '?'}`;
    case 'evaluate':
      return `Evaluate #${str(p.model) ?? '?'} · ${str(p.dataset) ?? 'all'} / ${str(p.split) ?? 'val'}`;
    case 'probe':
      return 'Compute backend check';
    default:
      return job.kind;
  }
}

const TRAINING_KINDS = new Set(['train.teacher', 'train.students', 'train.rnn-teacher', 'train.rnn-students']);

/** Training runs: loss curves, epochs, resume from a checkpoint. */
export const isTraining = (kind: string) => TRAINING_KINDS.has(kind);

/** CNN-RNN runs count windows (frame sequences), not images. */
export const isRnnKind = (kind: string) => kind === 'train.rnn-teacher' || kind === 'train.rnn-students';

export interface ProgressView {
  frac: number;
  /** "45% · epoch 2/8 · 1 min 05 s left" */
  text: string;
  eta: string | null;
  /** "12.3 steps/s · 394 images/s" */
  rate: string | null;
}

export function progressOf(job: JobSummary, p: EventPayload<'job.progress'> | undefined): ProgressView {
  const live = job.status === 'running' && p && p.total > 0;
  const frac = Math.min(1, Math.max(0, live ? p.done / p.total : job.progress));
  const stage = (job.status === 'running' ? p?.stage : null) ?? job.stage;
  const eta = live && p.etaSeconds !== null ? `${fmtSeconds(p.etaSeconds)} left` : null;
  let rate: string | null = null;
  if (live && p.rate !== null && p.rate > 0) {
    const training = isTraining(job.kind) && p.metrics && 'loss' in p.metrics;
    const batch = typeof job.params.batch === 'number' ? job.params.batch : 32;
    const unit = isRnnKind(job.kind) ? 'windows/s' : 'images/s';
    rate = training ? `${p.rate.toFixed(p.rate < 10 ? 2 : 1)} steps/s · ${Math.round(p.rate * batch)} ${unit}` : `${p.rate.toFixed(1)}/s`;
  }
  const parts = [`${Math.round(frac * 100)}%`, stage, eta].filter(Boolean);
  return { frac, text: parts.join(' · '), eta, rate };
}
