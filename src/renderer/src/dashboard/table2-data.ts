// Table 2's columns, cells and row names as pure functions (unit-tested).
import type { EvaluationResult, EvaluationRow } from '../../../shared/training-contract';

export type Column = 'au' | 'expr' | 'valence' | 'arousal';
export const COLUMNS: { key: Column; label: string; hint: string }[] = [
  { key: 'au', label: 'FAU', hint: '0.5·F1 + 0.5·Acc over the 8 AUs, at threshold 0.5' },
  { key: 'expr', label: 'EXPR', hint: '0.67·F1 + 0.33·Acc, macro F1 over the classes present in truth or prediction' },
  { key: 'valence', label: 'Valence', hint: 'CCC' },
  { key: 'arousal', label: 'Arousal', hint: 'CCC' },
];

type AuFigures = NonNullable<EvaluationResult['au']>;

/**
 * A report's AU figures. At threshold 0.5 (the main number, the paper's Table 2) by default; with
 * `tuned`, those at the model's thresholds tuned on the validation split — only where the report is
 * of another split (the evaluate job stores them then, `auTuned`), else null. Reports from before
 * issue 18 have `au` at the model's thresholds and `auAtHalf` at 0.5: their `au` counts as tuned
 * off the val split when its thresholds are not all 0.5.
 */
export function auOf(x: EvaluationResult, tuned = false): AuFigures | null {
  if (!tuned) return (x.auAtHalf !== undefined ? x.auAtHalf : x.au) ?? null;
  if (x.auThresholdsTunedOn !== undefined) return x.auTuned ?? null;
  if (x.split === 'val' || x.auAtHalf === undefined || !x.au || x.au.threshold.every((t) => t === 0.5)) return null;
  return x.au;
}

/** A row's value in a column; `tuned` reads the AU score at thresholds tuned on another split (auOf). */
export function cell(r: EvaluationRow, c: Column, tuned = false): number | null {
  const x = r.result;
  if (c === 'au') return auOf(x, tuned)?.score ?? null;
  if (c === 'expr') return x.expr?.score ?? null;
  return x[c]?.ccc ?? null;
}

/**
 * Paper-style row names: Teacher, Student0…, Student Ensemble (students numbered in table order
 * within each architecture, as the paper's Tables 2 and 3 number the CNN and the CNN-RNN students).
 */
export function rowLabels(rows: EvaluationRow[]): string[] {
  const students = new Map<string, number>();
  return rows.map((r) => {
    if (r.kind === 'teacher') return 'Teacher';
    if (r.kind === 'ensemble') return 'Student Ensemble';
    const k = students.get(r.arch) ?? 0;
    students.set(r.arch, k + 1);
    return `Student${k}`;
  });
}

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

/** A Table 2 cell's text: the score, or "n/a" (with NO_SUPPORT as its tooltip) for a task the split has no labels for. */
export const scoreText = (v: number | null): string => (v === null ? 'n/a' : v.toFixed(4));
