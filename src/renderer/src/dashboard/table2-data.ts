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
