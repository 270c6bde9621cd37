// The project's models, CNN and CNN-RNN side by side (an architecture badge, and the CNN a CNN-RNN
// reads its features from): which one the review screen overlays (one choice per project), rename
// in place, delete with a confirmation that says what goes with the model (its files, soft labels
// and evaluations).
import { useState } from 'react';
import type { ModelDetail } from '../../../shared/training-contract';
import { call } from '../api';
import { fmtDate, fmtInt } from '../format';
import { guard, refreshInfo } from '../session';
import { ArchBadge } from './ArchBadge';

async function act<T>(key: string, fn: () => Promise<T>): Promise<T | undefined> {
  const r = await guard(key, fn);
  if (r !== undefined) await refreshInfo();
  return r;
}

function NameCell({ m }: { m: ModelDetail }) {
  const [draft, setDraft] = useState<string | null>(null);
  if (draft === null)
    return (
      <span className="name-cell">
        <strong data-testid="model-name">{m.name}</strong>
        <button type="button" className="link-button" data-testid="model-rename" onClick={() => setDraft(m.name)}>
          rename
        </button>
      </span>
    );
  const save = async () => {
    const r = await act('models.rename', () => call('models.rename', { modelId: m.id, name: draft }));
    if (r) setDraft(null);
  };
  return (
    <form
      className="field-row"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <input className="input" data-testid="model-rename-input" value={draft} autoFocus onChange={(e) => setDraft(e.target.value)} onKeyDown={(e) => e.key === 'Escape' && setDraft(null)} />
      <button type="submit" className="button small primary" data-testid="model-rename-save">
        Save
      </button>
      <button type="button" className="button small" onClick={() => setDraft(null)}>
        Cancel
      </button>
    </form>
  );
}

function DeleteCell({ m }: { m: ModelDetail }) {
  const [asking, setAsking] = useState(false);
  if (!asking)
    return (
      <button type="button" className="button small" data-testid="model-delete" onClick={() => setAsking(true)}>
        Delete…
      </button>
    );
  return (
    <span className="confirm" data-testid="model-delete-confirm">
      Delete {m.name} with its files, {fmtInt(m.softLabels)} soft labels and {m.evaluations} evaluations?{' '}
      <button type="button" className="button small danger" data-testid="model-delete-yes" onClick={() => void act('models.delete', () => call('models.delete', { modelId: m.id }))}>
        Delete
      </button>{' '}
      <button type="button" className="button small" onClick={() => setAsking(false)}>
        Keep
      </button>
    </span>
  );
}

export function ModelsPanel({ models }: { models: ModelDetail[] }) {
  const review = models.find((m) => m.review)?.id ?? null;
  const setReview = (modelId: number | null) => act('models.setReviewModel', () => call('models.setReviewModel', { modelId }));
  if (!models.length) return <p className="empty" data-testid="models-none">No models yet: Training → Train teacher… makes the first.</p>;
  return (
    <table className="table compact" data-testid="dashboard-models">
      <thead>
        <tr>
          <th title="the model whose soft labels the review screen overlays">Review</th>
          <th>Model</th>
          <th>Kind</th>
          <th title="CNN: per frame; CNN-RNN: GRUs over windows of frozen CNN features">Arch</th>
          <th>Backbone</th>
          <th>Status</th>
          <th className="num">Soft labels</th>
          <th className="num">Evaluations</th>
          <th>Created</th>
          <th />
        </tr>
      </thead>
      <tbody>
        {models.map((m) => (
          <tr key={m.id} data-testid="dashboard-model-row" data-model-id={m.id} data-kind={m.kind} data-arch={m.arch}>
            <td>
              <input
                type="radio"
                name="review-model"
                data-testid="model-review"
                aria-label={`Overlay ${m.name} on the review screen`}
                checked={review === m.id}
                disabled={m.status !== 'ready'}
                onChange={() => void setReview(m.id)}
              />
            </td>
            <td>
              <NameCell key={m.name} m={m} />
              {m.parentId !== null && <span className="muted"> ← #{m.parentId}</span>}
              {m.members && <span className="muted"> = mean of {m.members.map((id) => `#${id}`).join(', ')}</span>}
            </td>
            <td>{m.kind}</td>
            <td>
              <ArchBadge arch={m.arch} />
            </td>
            <td className="muted nowrap">
              {m.backbone ?? '–'}
              {typeof m.config.featuresFrom === 'number' && <span data-testid="model-features"> · features of #{m.config.featuresFrom}</span>}
            </td>
            <td>
              <span className={`status-badge status-${m.status}`}>{m.status}</span>
            </td>
            <td className="num">{fmtInt(m.softLabels)}</td>
            <td className="num">{m.evaluations}</td>
            <td className="muted nowrap">{fmtDate(m.createdAt)}</td>
            <td>
              <DeleteCell m={m} />
            </td>
          </tr>
        ))}
        {review !== null && (
          <tr>
            <td colSpan={10}>
              <button type="button" className="link-button" data-testid="model-review-clear" onClick={() => void setReview(null)}>
                Overlay no model on the review screen
              </button>
            </td>
          </tr>
        )}
      </tbody>
    </table>
  );
}
