// The review toolbar: which media item (by dataset), which model's output is shown, the work queue
// (uncertain / disagreeing / unlabelled frames, per task, with how many are left and prev/next),
// the edits not stored yet (pending; kept and re-sent while the database is busy), undo/redo and
// the shortcut help.
import { useEffect, useState } from 'react';
import type { DatasetSummary } from '../../../shared/contract';
import type { WorkCounts, WorkKind, WorkTask } from '../../../shared/review-contract';
import { WORK_KINDS, WORK_TASKS } from '../../../shared/review-contract';
import { call } from '../api';
import { navigate } from '../router';
import { reportError } from '../store';
import { useReview, type ReviewController } from './controller';

const KIND_NAMES: Record<WorkKind, string> = { uncertain: 'Model uncertain', disagree: 'Model disagrees', unlabelled: 'Unlabelled' };
const TASK_NAMES: Record<WorkTask, string> = { any: 'any task', au: 'AU', expr: 'EXPR', va: 'VA' };

/** Frames left per queue, re-counted (debounced) whenever labels or the model change. */
function useCounts(c: ReviewController): WorkCounts | null {
  const modelId = useReview(c, (s) => s.modelId);
  const labelsVersion = useReview(c, (s) => s.labelsVersion);
  const [counts, setCounts] = useState<WorkCounts | null>(null);
  useEffect(() => {
    let live = true;
    const t = setTimeout(() => {
      call('review.overview', { mediaId: c.snapshot.media.id, buckets: 1, modelId }).then(
        (o) => live && o.counts && setCounts(o.counts),
        reportError,
      );
    }, 250);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [c, modelId, labelsVersion]);
  return counts;
}

export function ReviewBar({ c, datasets }: { c: ReviewController; datasets: DatasetSummary[] }) {
  const media = c.snapshot.media;
  const modelId = useReview(c, (s) => s.modelId);
  const work = useReview(c, (s) => s.work);
  const canUndo = useReview(c, (s) => s.canUndo);
  const canRedo = useReview(c, (s) => s.canRedo);
  const saving = useReview(c, (s) => s.saving);
  const counts = useCounts(c);
  const dataset = datasets.find((d) => d.id === media.datasetId);
  const left = counts ? counts[work.kind][work.task] : null;
  return (
    <div className="rv-bar-top" data-testid="review-bar">
      <div className="rv-group">
        <select
          className="rv-select"
          aria-label="Dataset"
          value={media.datasetId}
          onChange={(e) => {
            const d = datasets.find((x) => x.id === Number(e.target.value));
            if (d?.media[0]) navigate({ name: 'review', mediaId: d.media[0].id });
          }}
        >
          {datasets.map((d) => (
            <option key={d.id} value={d.id}>
              {d.name}
            </option>
          ))}
        </select>
        {dataset && dataset.media.length > 1 && (
          <select className="rv-select wide" aria-label="Media item" data-testid="media-select" value={media.id} onChange={(e) => navigate({ name: 'review', mediaId: Number(e.target.value) })}>
            {dataset.media.map((m) => (
              <option key={m.id} value={m.id}>
                {m.name}
              </option>
            ))}
          </select>
        )}
        <span className="rv-meta" title={media.name}>
          <b data-testid="review-media-name">{media.name}</b> · {media.frameCount.toLocaleString()} frames · {media.fpsRational ?? (media.fps ? `${media.fps.toFixed(3)} fps` : 'images')}
        </span>
      </div>
      <div className="rv-group">
        <label className="rv-label">Model</label>
        <select
          className="rv-select"
          data-testid="model-select"
          value={modelId ?? ''}
          onChange={(e) => c.setModel(e.target.value === '' ? null : Number(e.target.value))}
        >
          <option value="">none</option>
          {media.models.map((m) => (
            <option key={m.id} value={m.id} disabled={m.softLabels === 0}>
              {m.name} ({m.kind}
              {m.softLabels ? '' : ', no soft labels here'})
            </option>
          ))}
        </select>
      </div>
      <div className="rv-group rv-work" data-testid="work-queue">
        <label className="rv-label">Find</label>
        <select className="rv-select" data-testid="work-kind" value={work.kind} onChange={(e) => c.setWork({ kind: e.target.value as WorkKind })}>
          {WORK_KINDS.map((k) => (
            <option key={k} value={k}>
              {KIND_NAMES[k]}
            </option>
          ))}
        </select>
        <select className="rv-select" data-testid="work-task" value={work.task} onChange={(e) => c.setWork({ task: e.target.value as WorkTask })}>
          {WORK_TASKS.map((t) => (
            <option key={t} value={t}>
              {TASK_NAMES[t]}
            </option>
          ))}
        </select>
        <button className="rv-btn light" title="Previous (Shift+Q)" onClick={() => void c.nextWork('previous')}>
          ◀
        </button>
        <button className="rv-btn light" title="Next (Q)" data-testid="work-next" onClick={() => void c.nextWork('next')}>
          ▶
        </button>
        <span className="rv-left" data-testid="work-left">
          {left === null ? '…' : `${left.toLocaleString()} left`}
        </span>
      </div>
      <div className="rv-group rv-right">
        {saving.pending > 0 && (
          <span
            className={`rv-saving${saving.waiting ? ' waiting' : ''}`}
            data-testid="review-saving"
            data-pending={saving.pending}
            role="status"
            title={saving.message ?? 'Sending your edits to the project'}
          >
            {saving.waiting
              ? `${saving.pending} edit${saving.pending > 1 ? 's' : ''} kept, waiting: the database is busy`
              : `Saving ${saving.pending} edit${saving.pending > 1 ? 's' : ''}…`}
          </span>
        )}
        <button className="rv-btn light" data-testid="undo" disabled={!canUndo} title="Undo (Ctrl+Z)" onClick={() => void c.undoRedo('undo')}>
          ↶ Undo
        </button>
        <button className="rv-btn light" data-testid="redo" disabled={!canRedo} title="Redo (Ctrl+Shift+Z)" onClick={() => void c.undoRedo('redo')}>
          ↷ Redo
        </button>
        <button className="rv-btn light" data-testid="help-button" title="Keyboard shortcuts (?)" onClick={() => c.toggleHelp()}>
          ?
        </button>
      </div>
    </div>
  );
}
