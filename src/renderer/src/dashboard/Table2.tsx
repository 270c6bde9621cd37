// The paper's Table 2: teacher, each student, the ensemble × FAU (0.5·F1 + 0.5·Acc at threshold
// 0.5, or at thresholds tuned on val where the split is another one), EXPR
// (0.67·F1 + 0.33·Acc), valence and arousal (CCC), the best value of each column in bold; CNN-RNN
// rows (the paper's Table 3) follow the CNN ones with their architecture badge. A row is a model's
// newest evaluation on the chosen dataset and split; clicking one details it below.
import type { EvaluationRow } from '../../../shared/training-contract';
import { ArchBadge } from './ArchBadge';
import { cell, COLUMNS, NO_SUPPORT, rowLabels, scoreText, type Column } from './table2-data';
import { frameCount } from '../../../shared/table2';

export { cell, rowLabels } from './table2-data';

export function Table2({ rows, selected, onSelect, tuned }: { rows: EvaluationRow[]; selected: number | null; onSelect: (id: number) => void; tuned: boolean }) {
  const labels = rowLabels(rows);
  const best = Object.fromEntries(
    COLUMNS.map((c) => {
      const vals = rows.map((r) => cell(r, c.key, tuned)).filter((v): v is number => v !== null);
      return [c.key, vals.length ? Math.max(...vals) : null];
    }),
  ) as Record<Column, number | null>;
  return (
    <table className="table table2" data-testid="table2">
      <thead>
        <tr>
          <th>Methods</th>
          <th>Arch</th>
          <th>Model</th>
          {COLUMNS.map((c) => (
            <th key={c.key} className="num" title={c.hint}>
              {c.label}
              {c.key === 'au' && tuned ? ' (tuned on val)' : ''}
            </th>
          ))}
          <th className="num" title="frames with a label for AU / EXPR / VA">
            n (AU / EXPR / VA)
          </th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r, i) => (
          <tr
            key={r.id}
            data-testid="table2-row"
            data-kind={r.kind}
            data-arch={r.arch}
            data-model-id={r.modelId}
            className={`clickable${selected === r.id ? ' selected' : ''}`}
            onClick={() => onSelect(r.id)}
          >
            <td className="nowrap">{labels[i]}</td>
            <td>
              <ArchBadge arch={r.arch} />
            </td>
            <td className="muted nowrap">
              {r.name} #{r.modelId}
            </td>
            {COLUMNS.map((c) => {
              const v = cell(r, c.key, tuned);
              return (
                <td
                  key={c.key}
                  className={`num${v !== null && v === best[c.key] && rows.length > 1 ? ' best' : ''}${v === null ? ' muted' : ''}`}
                  data-testid={`t2-${c.key}`}
                  title={v === null ? NO_SUPPORT : undefined}
                >
                  {scoreText(v)}
                </td>
              );
            })}
            <td className="num muted">
              {frameCount(r.result.n.au)} / {frameCount(r.result.n.expr)} / {frameCount(r.result.n.va)}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
