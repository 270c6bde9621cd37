// The project's models: teachers, students and ensembles with their status and soft-label counts.
import type { ModelSummary } from '../../../shared/contract';
import { fmtDate, fmtInt } from '../format';

export function ModelTable({ models }: { models: ModelSummary[] }) {
  return (
    <table className="table" data-testid="model-list">
      <thead>
        <tr>
          <th>Model</th>
          <th>Kind</th>
          <th>Architecture</th>
          <th>Status</th>
          <th className="num">Soft labels</th>
          <th>Created</th>
        </tr>
      </thead>
      <tbody>
        {models.map((m) => (
          <tr key={m.id} data-testid="model-row">
            <td>
              <strong>{m.name}</strong>
              {m.parentId !== null && <span className="muted"> ← #{m.parentId}</span>}
            </td>
            <td>{m.kind}</td>
            <td className="muted">
              {m.arch}
              {m.backbone ? ` · ${m.backbone}` : ''}
            </td>
            <td>
              <span className={`status-badge status-${m.status}`}>{m.status}</span>
            </td>
            <td className="num">{fmtInt(m.softLabels)}</td>
            <td className="muted">{fmtDate(m.createdAt)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
