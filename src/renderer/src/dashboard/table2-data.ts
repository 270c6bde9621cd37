// Table 2's breakdown cells and the Results tab's choices as pure functions (unit-tested). The
// table's cells, row names and captions are src/shared/table2.ts's (the demo prints with them too).
import type { EvaluationResult } from '../../../shared/training-contract';
import type { Split } from '../../../shared/labels';

export { auOf, cell, COLUMNS, commonCounts, countsText, groupTables, referenceText, rowLabels, scoreText, tableCaption, type Column, type Table2Group } from '../../../shared/table2';

type AuFigures = NonNullable<EvaluationResult['au']>;

/** Why a metric shows "n/a": its tooltip. */
export const NO_SUPPORT = 'no frames with this label in the split';

/** One F1 of a breakdown: its text ("0.812", or "n/a" where the split has no frame with that label), the value for shading, a tooltip. */
export interface F1Cell {
  text: string;
  value: number | null;
  title?: string;
}

const f1Cell = (v: number | undefined, title?: string): F1Cell => (v === undefined ? { text: 'n/a', value: null, title: NO_SUPPORT } : { text: v.toFixed(3), value: v, title });

/**
 * F1 per AU in AU_NAMES order. An AU no frame of the split labels is absent from the report
 * (src/shared/metrics.ts auMetrics): "n/a". An AU labelled but never active keeps its F1 (0 by
 * scikit-learn's rule, counted in the mean: the report has no per-AU positive count to tell it apart).
 */
export function auF1Cells(au: AuFigures, names: readonly string[]): F1Cell[] {
  return names.map((n, k) => f1Cell(au.perAU[n], `threshold ${au.threshold[k]?.toFixed(2) ?? '–'}`));
}

/**
 * F1 per expression class in `names` order: "n/a" for a class with no true frame in the split (its
 * confusion row is empty), whether the report leaves it out (absent from truth and predictions) or
 * lists it with F1 0 (predicted but never true).
 */
export function exprF1Cells(expr: NonNullable<EvaluationResult['expr']>, names: readonly string[]): F1Cell[] {
  return names.map((n, i) => {
    const support = expr.confusion[i]?.reduce((a, b) => a + b, 0) ?? 0;
    return support === 0 ? f1Cell(undefined) : f1Cell(expr.perClass[n]);
  });
}

/** What the Results tab shows first: where it points now if that has evaluations, else a split with some (test, then val, then train). */
export function preferredResults(
  available: readonly { dataset: string; split: Split }[],
  current: { dataset: string; split: Split },
): { dataset: string; split: Split } | null {
  if (available.length === 0 || available.some((a) => a.dataset === current.dataset && a.split === current.split)) return null;
  const order: Split[] = ['test', 'val', 'train'];
  const best = [...available].sort((a, b) => order.indexOf(a.split) - order.indexOf(b.split))[0];
  return { dataset: best.dataset, split: best.split };
}
