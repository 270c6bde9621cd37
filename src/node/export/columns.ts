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
import { EXPRESSIONS, MODEL_AUS } from '../../shared/labels';
import { MERGED_FORMAT_NAME, MERGED_FORMAT_VERSION } from './options';

export const BASE_COLUMNS = ['dataset', 'media', 'frame', 'file', 'timestamp', 'subject', 'split'] as const;
export const LABEL_COLUMNS = ['expression', 'valence', 'arousal'] as const;
export const SOURCE_COLUMNS = ['au_source', 'expr_source', 'va_source'] as const;

export function probabilityColumns(): string[] {
  return [...MODEL_AUS.map((n) => `p_AU${n}`), ...EXPRESSIONS.map((e) => `p_${e}`), 'p_valence', 'p_arousal'];
}

export function mergedColumns(aus: readonly number[], probabilities: boolean): string[] {
  return [...BASE_COLUMNS, ...aus.map((n) => `AU${n}`), ...LABEL_COLUMNS, ...SOURCE_COLUMNS, ...(probabilities ? probabilityColumns() : [])];
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
  warnings: string[];
  exportedAt: string;
}

export function sidecarMeta(m: Omit<SidecarMeta, 'format' | 'version' | 'exportedAt'>): SidecarMeta {
  return { format: MERGED_FORMAT_NAME, version: MERGED_FORMAT_VERSION, ...m, exportedAt: new Date().toISOString() };
}
