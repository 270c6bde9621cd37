// The paper's Table 2 as pure functions, for every place that shows one: the Results tab
// (src/renderer/src/dashboard) and the demo's printed tables (src/node/demo, src/cli/commands/demo.ts)
// read the same stored evaluations through the same cells, row names and captions, so the numbers
// and what they are measured against read alike in both.
import type { Split } from './labels';
import type { EvaluationReference, EvaluationResult, EvaluationRow, MeasuredOn } from './training-contract';

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

/** A report's value in a column; `tuned` reads the AU score at thresholds tuned on another split (auOf). */
export function resultCell(x: EvaluationResult, c: Column, tuned = false): number | null {
  if (c === 'au') return auOf(x, tuned)?.score ?? null;
  if (c === 'expr') return x.expr?.score ?? null;
  return x[c]?.ccc ?? null;
}

/** A row's value in a column (resultCell of its report). */
export const cell = (r: EvaluationRow, c: Column, tuned = false): number | null => resultCell(r.result, c, tuned);

/** A Table 2 cell's text: the score, or "n/a" for a task the frames measured on have no label for. */
export const scoreText = (v: number | null): string => (v === null ? 'n/a' : v.toFixed(4));

/**
 * Paper-style row names: Teacher, Student0…, Student Ensemble (students numbered in table order
 * within each architecture, as the paper's Tables 2 and 3 number the CNN and the CNN-RNN students).
 */
export function rowLabels(rows: Pick<EvaluationRow, 'kind' | 'arch'>[]): string[] {
  const students = new Map<string, number>();
  return rows.map((r) => {
    if (r.kind === 'teacher') return 'Teacher';
    if (r.kind === 'ensemble') return 'Student Ensemble';
    const k = students.get(r.arch) ?? 0;
    students.set(r.arch, k + 1);
    return `Student${k}`;
  });
}

// ---------------------------------------------------------------------------------------------
// One table per reference: what its figures are measured against, and on which frames

/** The tables of one dataset and split, in this order: against the labels, then the complete truth. */
export const TABLE_KINDS: readonly { reference: EvaluationReference; measuredOn: MeasuredOn }[] = [
  { reference: 'labels', measuredOn: 'labelled' },
  { reference: 'complete-truth', measuredOn: 'all' },
  { reference: 'complete-truth', measuredOn: 'unlabelled' },
];

export interface Table2Group {
  reference: EvaluationReference;
  measuredOn: MeasuredOn;
  /** The rows of this table, in the order given. */
  rows: EvaluationRow[];
}

/** Rows of one dataset and split split into one table per (reference, frames measured on), TABLE_KINDS order; empty tables left out. */
export function groupTables(rows: EvaluationRow[]): Table2Group[] {
  return TABLE_KINDS.map((k) => ({ ...k, rows: rows.filter((r) => r.reference === k.reference && r.measuredOn === k.measuredOn) })).filter((g) => g.rows.length > 0);
}

const REFERENCE_TEXT: Record<EvaluationReference, string> = {
  labels: 'the ground truth present in the split',
  'complete-truth': "the demo's complete truth",
};

/** "the ground truth present in the split", "the demo's complete truth". */
export const referenceText = (r: EvaluationReference): string => REFERENCE_TEXT[r];

const MEASURED_ON_TEXT: Record<MeasuredOn, string> = {
  labelled: 'each task on the frames labelled for it',
  all: 'every task on every frame',
  unlabelled: 'each task on the frames that had no label for it (label completion)',
};

/** "Measured against the demo's complete truth — demo / test split, every task on every frame." */
export function tableCaption(t: { reference: EvaluationReference; measuredOn: MeasuredOn; dataset: string | null; split: Split }): string {
  return `Measured against ${REFERENCE_TEXT[t.reference]} — ${t.dataset || 'all datasets'} / ${t.split} split, ${MEASURED_ON_TEXT[t.measuredOn]}.`;
}

export type TaskCounts = EvaluationResult['n'];

/** The frame counts per task every row shares; null when rows were measured on different frames (evaluated at different times). */
export function commonCounts(rows: { result: { n: TaskCounts } }[]): TaskCounts | null {
  const n = rows[0]?.result.n;
  if (!n) return null;
  return rows.every((r) => r.result.n.au === n.au && r.result.n.expr === n.expr && r.result.n.va === n.va) ? n : null;
}

/** A frame count as every table writes it (1,400). */
export const frameCount = (v: number) => v.toLocaleString('en-US');

/** "Frames with a label in the reference: AU 800, EXPR 800, VA 800" (or that they differ by row). */
export function countsText(n: TaskCounts | null): string {
  if (!n) return 'Frames with a label in the reference: they differ between rows (see each row).';
  return `Frames with a label in the reference: AU ${frameCount(n.au)}, EXPR ${frameCount(n.expr)}, VA ${frameCount(n.va)}.`;
}
