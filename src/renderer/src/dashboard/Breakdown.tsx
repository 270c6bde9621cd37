// Per-task breakdowns: F1 per AU and per expression class for every model of the table (where the
// aggregate hides which AU or class a model gets wrong), and the selected model's expression
// confusion matrix (rows: true class, columns: predicted; shaded by the share of the true class).
import { AU_NAMES, EXPRESSIONS } from '../../../shared/labels';
import type { EvaluationRow } from '../../../shared/training-contract';
import { auF1Cells, auOf, exprF1Cells, type F1Cell } from './table2-data';

const f3 = (v: number | undefined) => (v === undefined ? '–' : v.toFixed(3));

/** One breakdown cell: shaded by its F1; "n/a" (no frame with the label in the split) unshaded, with the reason as its tooltip. */
function F1Td({ c }: { c: F1Cell }) {
  return (
    <td className={`num${c.value === null ? ' muted' : ''}`} style={c.value === null ? undefined : { background: shade(c.value) }} title={c.title} data-na={c.value === null ? 'true' : undefined}>
      {c.text}
    </td>
  );
}

/** Background for a value in [0, 1]: the accent colour at that strength. */
export function shade(v: number): string {
  const a = Math.max(0, Math.min(1, v));
  return `rgba(37, 99, 201, ${(0.08 + 0.62 * a).toFixed(3)})`;
}

export function PerAuTable({ rows, labels, tuned }: { rows: EvaluationRow[]; labels: string[]; tuned: boolean }) {
  const withAu = rows.map((r, i) => ({ r, label: labels[i], au: auOf(r.result, tuned) })).filter((x) => x.au);
  if (!withAu.length) return <p className="empty">{tuned ? 'No AU figures at tuned thresholds for this split.' : 'No AU labels in this split.'}</p>;
  return (
    <table className="table compact heat" data-testid="per-au">
      <thead>
        <tr>
          <th>F1 per AU</th>
          {AU_NAMES.map((n) => (
            <th key={n} className="num">
              {n}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {withAu.map(({ r, label, au }) => (
          <tr key={r.id}>
            <td className="nowrap">{label}</td>
            {auF1Cells(au!, AU_NAMES).map((c, k) => (
              <F1Td key={AU_NAMES[k]} c={c} />
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function PerClassTable({ rows, labels }: { rows: EvaluationRow[]; labels: string[] }) {
  const withExpr = rows.map((r, i) => ({ r, label: labels[i], expr: r.result.expr })).filter((x) => x.expr);
  if (!withExpr.length) return <p className="empty">No expression labels in this split.</p>;
  return (
    <table className="table compact heat" data-testid="per-class">
      <thead>
        <tr>
          <th>F1 per class</th>
          {EXPRESSIONS.map((n) => (
            <th key={n} className="num">
              {n}
            </th>
          ))}
          <th className="num">Acc</th>
        </tr>
      </thead>
      <tbody>
        {withExpr.map(({ r, label, expr }) => (
          <tr key={r.id}>
            <td className="nowrap">{label}</td>
            {exprF1Cells(expr!, EXPRESSIONS).map((c, i) => (
              <F1Td key={EXPRESSIONS[i]} c={c} />
            ))}
            <td className="num">{f3(expr!.acc)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function ConfusionMatrix({ row }: { row: EvaluationRow }) {
  const m = row.result.expr?.confusion;
  if (!m) return <p className="empty">No expression labels: no confusion matrix.</p>;
  const totals = m.map((r) => r.reduce((a, b) => a + b, 0));
  return (
    <table className="table compact confusion" data-testid="confusion">
      <thead>
        <tr>
          <th className="corner">true ↓ / predicted →</th>
          {EXPRESSIONS.map((n) => (
            <th key={n} className="num">
              {n.slice(0, 4)}
            </th>
          ))}
          <th className="num">n</th>
        </tr>
      </thead>
      <tbody>
        {m.map((r, i) => (
          <tr key={EXPRESSIONS[i]}>
            <th className="row-head">{EXPRESSIONS[i]}</th>
            {r.map((v, j) => {
              const share = totals[i] ? v / totals[i] : 0;
              return (
                <td
                  key={j}
                  className={`num${i === j ? ' diag' : ''}`}
                  style={{ background: totals[i] ? shade(share) : undefined, color: share > 0.6 ? '#fff' : undefined }}
                  title={totals[i] ? `${(100 * share).toFixed(1)}% of ${EXPRESSIONS[i]}` : undefined}
                  data-testid="confusion-cell"
                >
                  {v}
                </td>
              );
            })}
            <td className="num muted">{totals[i]}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
