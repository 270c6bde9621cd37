// Table 2's columns, cells and row names as pure functions (unit-tested).
import type { EvaluationRow } from '../../../shared/training-contract';

export type Column = 'au' | 'expr' | 'valence' | 'arousal';
export const COLUMNS: { key: Column; label: string; hint: string }[] = [
  { key: 'au', label: 'FAU', hint: '0.5·F1 + 0.5·Acc over the 8 AUs' },
  { key: 'expr', label: 'EXPR', hint: '0.67·F1 + 0.33·Acc, macro F1 over 7 classes' },
  { key: 'valence', label: 'Valence', hint: 'CCC' },
  { key: 'arousal', label: 'Arousal', hint: 'CCC' },
];

/** A row's value in a column; `atHalf` reads the AU score at the fixed 0.5 threshold. */
export function cell(r: EvaluationRow, c: Column, atHalf = false): number | null {
  const x = r.result;
  if (c === 'au') return (atHalf ? x.auAtHalf : x.au)?.score ?? null;
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
