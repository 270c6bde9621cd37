// The review toolbar: which media item (by dataset), which model's output is shown, the work queue
// (uncertain / disagreeing / unlabelled frames, per task, strongest first or by frame, with how
// many are left here and in the dataset, prev/next, "keep", and the limits in force explained and
// adjustable), the edits not stored yet (pending; kept and re-sent while the database is busy),
// undo/redo and the shortcut help.
import { useEffect, useState } from 'react';
import type { DatasetSummary } from '../../../shared/contract';
import { TASKS } from '../../../shared/labels';
import type { WorkCounts, WorkKind, WorkOrder, WorkTask } from '../../../shared/review-contract';
import { WORK_KINDS, WORK_ORDERS, WORK_TASKS } from '../../../shared/review-contract';
import { call } from '../api';
import { navigate, routeHash } from '../router';
import { reportError } from '../store';
import { useReview, type ReviewController } from './controller';
import { keepLabels } from './edit-actions';
import { QueueLimits } from './QueueLimits';
import { RoleSwitch } from './adjudication/AdjudicationBar';
import './queue.css';

const KIND_NAMES: Record<WorkKind, string> = { uncertain: 'Model uncertain', disagree: 'Model disagrees', unlabelled: 'Unlabelled' };
const TASK_NAMES: Record<WorkTask, string> = { any: 'any task', au: 'AU', expr: 'EXPR', va: 'VA' };
const ORDER_NAMES: Record<WorkOrder, string> = { strength: 'Strongest first', frame: 'By frame' };

/**
 * Frames left per queue in this media item and in its dataset (each media item under its default
 * model), re-counted (debounced) whenever labels, the model or the limits change.
 */
function useCounts(c: ReviewController): { media: WorkCounts | null; dataset: WorkCounts | null } {
  const modelId = useReview(c, (s) => s.modelId);
  const labelsVersion = useReview(c, (s) => s.labelsVersion);
  const criteria = useReview(c, (s) => s.criteria);
  const [counts, setCounts] = useState<{ media: WorkCounts | null; dataset: WorkCounts | null }>({ media: null, dataset: null });
  useEffect(() => {
    let live = true;
    const { id: mediaId, datasetId } = c.snapshot.media;
    const t = setTimeout(() => {
      Promise.all([
        call('review.overview', { mediaId, buckets: 1, modelId, criteria }),
        call('review.workSummary', { datasetId, criteria }),
      ]).then(([o, w]) => live && setCounts({ media: o.counts, dataset: w.datasets[0]?.counts ?? null }), reportError);
    }, 250);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [c, modelId, labelsVersion, criteria]);
  return counts;
}

export function ReviewBar({ c, datasets }: { c: ReviewController; datasets: DatasetSummary[] }) {
  const media = c.snapshot.media;
  const modelId = useReview(c, (s) => s.modelId);
  const work = useReview(c, (s) => s.work);
  const canUndo = useReview(c, (s) => s.canUndo);
  const canRedo = useReview(c, (s) => s.canRedo);
  const saving = useReview(c, (s) => s.saving);
  const frame = useReview(c, (s) => s.frame);
  const walk = useReview(c, (s) => s.walk);
  const counts = useCounts(c);
  const dataset = datasets.find((d) => d.id === media.datasetId);
  const left = counts.media ? counts.media[work.kind][work.task] : null;
  const inDataset = counts.dataset ? counts.dataset[work.kind][work.task] : null;
  const [limitsOpen, setLimitsOpen] = useState(false);
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
      <div className="rv-group">
        <a className="rv-btn light" href={routeHash({ name: 'agreement', mediaId: media.id })} title="How the annotators agree on this media item" data-testid="open-agreement">
          Agreement
        </a>
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
        <select
          className="rv-select"
          data-testid="work-order"
          aria-label="Order"
          title="Walk the queue by how strongly the model disagrees (or how uncertain it is), or frame by frame"
          value={work.order}
          onChange={(e) => c.setWork({ order: e.target.value as WorkOrder })}
        >
          {WORK_ORDERS.map((o) => (
            <option key={o} value={o}>
              {ORDER_NAMES[o]}
            </option>
          ))}
        </select>
        <button className="rv-btn light" title="Previous (Shift+Q)" data-testid="work-previous" onClick={() => void c.nextWork('previous')}>
          ◀
        </button>
        <button className="rv-btn light" title="Next (Q)" data-testid="work-next" onClick={() => void c.nextWork('next')}>
          ▶
        </button>
        {work.kind !== 'unlabelled' && (
          <button
            className="rv-btn light"
            data-testid="work-keep"
            title="Keep the labels of this frame as they are (K): reviewed, it leaves the uncertain / disagrees queues"
            onClick={() => void c.edit(keepLabels([...TASKS]))}
          >
            ✓ Keep
          </button>
        )}
        <span className="rv-left" data-testid="work-left" data-left={left ?? ''} title="Frames left in this queue in this media item">
          {left === null ? '…' : `${left.toLocaleString()} left`}
        </span>
        {walk && walk.frame === frame && work.order === 'strength' && (
          <span className="rv-queue-rank" data-testid="work-rank" title={`Position in the queue when you jumped here, strongest first (score ${walk.score.toFixed(2)})`}>
            #{walk.rank}
          </span>
        )}
        <span className="rv-queue-dataset" data-testid="work-left-dataset" data-left={inDataset ?? ''} title={`Frames left in the dataset ${media.datasetName} (each media item under its default model)`}>
          {inDataset === null ? '' : `${inDataset.toLocaleString()} in dataset`}
        </span>
        <button
          className={`rv-btn light${limitsOpen ? ' on' : ''}`}
          data-testid="work-limits"
          aria-expanded={limitsOpen}
          title="What counts as uncertain or disagreeing, with the numbers in force; change the limits"
          onClick={() => setLimitsOpen(!limitsOpen)}
        >
          Limits…
        </button>
        {limitsOpen && <QueueLimits c={c} onClose={() => setLimitsOpen(false)} />}
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
        <RoleSwitch />
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
