// The columns of the merged formats (CSV and JSON Lines share them) and the text of each cell.
//
// Merged CSV v1: the header row first (no comment line by default, so spreadsheets and data-frame
// readers take it as the header; `commentHeader` puts `# affect-workbench merged-labels v1 …` before
// it), provenance in the sidecar `<file>.json` (sidecarMeta below), then one row per frame:
//   dataset, media, frame (0-based index), file (image of the frame; empty for video frames),
//   timestamp (seconds, from the media's stored timestamps; empty when unknown, e.g. images),
//   subject, split, AU<n>… (every AU labelled in the exported datasets plus the 8 model AUs, ascending;
//   1/0, empty = unlabelled), expression (name, Aff-Wild2 order), valence, arousal (labels with every
//   digit, so a re-import gives the same doubles; model fills rounded to 6 decimals),
//   au_source, expr_source, va_source (imported | human | accepted:<modelId> | accepted | cleared |
//   model:<modelId>; empty when the task has no label),
//   and with probabilities: p_AU<n> for the 8 model AUs, p_<Expression> for the 7 expressions,
//   p_valence, p_arousal (the expectation of the model's V/A bin distributions).
// The resolved label's source is also adjudicated | majority | mean when several annotators' labels
// made it (labels.merged_from; issue 15).
// Annotator layouts (ExportOptions.annotators, issue 15):
//   wide: the columns above, then per annotator layer (by name, an annotator's before an
//     adjudicator's) `<key>:AU<n>` for every AU that layer labelled, `<key>:expression`,
//     `<key>:valence`, `<key>:arousal`, `<key>:au_source`, `<key>:expr_source`, `<key>:va_source`;
//     key = the annotator's name, or `<name>:adjudicator` for an adjudicator's layer. A layer's source
//     is human | accepted:<modelId> | accepted | trace | imported | cleared (annotationSource).
//     Before the layers, the imported ground truth as its own group (the resolved columns show it only
//     where it is in force): `ground_truth:AU<n>` for every AU the imported layer labelled,
//     `ground_truth:expression`, `ground_truth:valence`, `ground_truth:arousal`, empty where the frame
//     has no imported label; no source columns (that is how a reader tells it from an annotator's layer).
//   long: dataset, media, frame, file, timestamp, subject, split, annotator, role, task, AU<n>… (every
//     AU an annotator labelled), expression, valence, arousal (the cells of the row's task; the others
//     empty), source (as a layer's above), updated_at: one row per stored annotation, frames in order.
import { EXPRESSIONS, MODEL_AUS } from '../../shared/labels';
import { MERGED_FORMAT_NAME, MERGED_FORMAT_VERSION, type AnnotatorLayout } from './options';
import type { AnnotatorColumns, ExportPlan } from './plan';

export const BASE_COLUMNS = ['dataset', 'media', 'frame', 'file', 'timestamp', 'subject', 'split'] as const;
export const LABEL_COLUMNS = ['expression', 'valence', 'arousal'] as const;
export const SOURCE_COLUMNS = ['au_source', 'expr_source', 'va_source'] as const;

export function probabilityColumns(): string[] {
  return [...MODEL_AUS.map((n) => `p_AU${n}`), ...EXPRESSIONS.map((e) => `p_${e}`), 'p_valence', 'p_arousal'];
}

export function mergedColumns(aus: readonly number[], probabilities: boolean): string[] {
  return [...BASE_COLUMNS, ...aus.map((n) => `AU${n}`), ...LABEL_COLUMNS, ...SOURCE_COLUMNS, ...(probabilities ? probabilityColumns() : [])];
}

/** The columns one layer adds to a wide row (`<key>:AU<n>`…, `<key>:expression`, …, `<key>:va_source`). */
export function wideColumns(layers: readonly AnnotatorColumns[]): string[] {
  return layers.flatMap((l) => [...l.aus.map((n) => `${l.key}:AU${n}`), ...ANNOTATOR_FIELDS.map((c) => `${l.key}:${c}`)]);
}

/** The key of the wide layout's ground-truth group (an annotator may not have this name in a wide file). */
export const GROUND_TRUTH_KEY = 'ground_truth';

/** The wide layout's ground-truth columns: `ground_truth:AU<n>` over `aus`, expression, valence, arousal. */
export function groundTruthColumns(aus: readonly number[]): string[] {
  return [...aus.map((n) => `${GROUND_TRUTH_KEY}:AU${n}`), ...LABEL_COLUMNS.map((c) => `${GROUND_TRUTH_KEY}:${c}`)];
}

/** The fields of a wide layer's columns besides its AU<n>. */
export const ANNOTATOR_FIELDS = ['expression', 'valence', 'arousal', 'au_source', 'expr_source', 'va_source'] as const;

/** The columns after the frame's identity in a long row. */
export function longValueColumns(aus: readonly number[]): string[] {
  return [...LONG_COLUMNS.slice(0, 3), ...aus.map((n) => `AU${n}`), ...LONG_COLUMNS.slice(3)];
}

/** The long layout's own columns (its AU<n> go after task). */
export const LONG_COLUMNS = ['annotator', 'role', 'task', 'expression', 'valence', 'arousal', 'source', 'updated_at'] as const;

/** Every column of a merged file under the plan's annotator layout. */
export function fileColumns(plan: Pick<ExportPlan, 'aus' | 'probabilities' | 'annotators' | 'annotatorColumns' | 'longAus' | 'groundTruthAus'>): string[] {
  if (plan.annotators === 'long') return [...BASE_COLUMNS, ...longValueColumns(plan.longAus)];
  const cols = mergedColumns(plan.aus, plan.probabilities);
  return plan.annotators === 'wide' ? [...cols, ...groundTruthColumns(plan.groundTruthAus), ...wideColumns(plan.annotatorColumns)] : cols;
}

/** The optional comment line that opens a merged CSV (commentHeader): format name, version, and how it was made. */
export function versionLine(policy: string, modelId: number | null): string {
  return `# ${MERGED_FORMAT_NAME} v${MERGED_FORMAT_VERSION} policy=${policy} model=${modelId ?? 'none'}`;
}

/** Model values (probabilities, filled V/A) are float32 outputs: 6 decimals carry all they hold. */
export function probValue(p: number): number {
  return Math.round(p * 1e6) / 1e6;
}

/**
 * The sidecar of a merged CSV (`<file>.json`): what the comment line said (format, version, policy,
 * model) and more: the file it describes, its columns, rows and filters, and when it was written.
 * The reader (read-merged.ts) takes policy and model from it when the CSV has no comment line.
 */
export interface SidecarMeta {
  format: string;
  version: number;
  file: string;
  policy: string;
  model: number | null;
  columns: string[];
  rows: number;
  commentHeader: boolean;
  filters: { datasets: string[] | null; splits: string[] | null; sources: string[] | null; labelledOnly: boolean };
  /** The annotator policy the human label in force was resolved with (consensus, latest, annotator:<name>). */
  annotatorPolicy: string;
  /** The annotator layout: none, wide or long. */
  annotators: AnnotatorLayout;
  /** Wide: the annotator layers and their column key. */
  annotatorLayers: { annotator: string; role: string; key: string }[];
  warnings: string[];
  exportedAt: string;
}

export function sidecarMeta(m: Omit<SidecarMeta, 'format' | 'version' | 'exportedAt'>): SidecarMeta {
  return { format: MERGED_FORMAT_NAME, version: MERGED_FORMAT_VERSION, ...m, exportedAt: new Date().toISOString() };
}
