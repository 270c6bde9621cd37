// What an export is asked to do: the format, the merge policy, the model that fills gaps, filters.
// Pure: the CLI, the worker job 'export', the contract method data.export and the renderer's
// File → Export… dialog share these names, defaults and the ExportRequest schema.
import { z } from 'zod';
import { AppError } from './result';
import { SPLITS, type Split } from './labels';
import { parseAnnotatorPolicy, type AnnotatorPolicy } from './annotators';

export const EXPORT_FORMATS = ['csv', 'affwild2', 'jsonl'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** Version of the merged-label formats (CSV and JSON Lines); bumped when a column changes meaning. */
export const MERGED_FORMAT_VERSION = 1;
/** The format's name: in a merged CSV's sidecar (and its optional `#` comment line), and in JSON Lines' first line. */
export const MERGED_FORMAT_NAME = 'affect-workbench merged-labels';

/**
 * A merged CSV starts with its header row (so pandas, Excel and R read it as it is); its provenance
 * (format, version, policy, model, columns, rows) is in a sidecar JSON file beside it: `<file>.json`
 * (`labels.csv` → `labels.csv.json`; appending, never replacing the extension, so no export's sidecar
 * is ever another export's file). `commentHeader` puts the older `# affect-workbench …` line first as well.
 */
export function sidecarPath(csvFile: string): string {
  return `${csvFile}.json`;
}

/** The project's folder for exports (`<project>/exports`): what browser mode writes into and serves at GET /exports/<name>. */
export const EXPORTS_FOLDER = 'exports';
/** URL prefix of the browser-mode download endpoint: `/exports/<file name>` (one path segment, no folders). */
export const EXPORTS_URL_PREFIX = '/exports/';

/** The label layers a policy may use; precedence is fixed: human over imported, the model only fills gaps. */
export const LAYERS = ['gt', 'human', 'model'] as const;
export type Layer = (typeof LAYERS)[number];

/**
 * Source categories of a final per-task label (what `--source` filters on):
 * imported ground truth, a human correction, a model label a human accepted, a label a human
 * cleared (the frame stays unlabelled for that task), a gap filled from the chosen model, and the
 * human label in force merged from several annotators (issue 15; `labels.merged_from`): an
 * adjudicator's label, a majority vote (AU, expression), a mean (valence/arousal).
 */
export const SOURCE_KINDS = ['imported', 'human', 'accepted', 'cleared', 'model', 'adjudicated', 'majority', 'mean'] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];

/**
 * How the annotators' own layers (table `annotations`) appear in a merged CSV / JSON Lines export:
 *  - 'none' (default): one row per frame with the resolved label only (the format before issue 15);
 *  - 'wide': one row per frame, the resolved label and its source, then per annotator layer the
 *    columns `<annotator>:AU<n>`…, `<annotator>:expression`, `<annotator>:valence`,
 *    `<annotator>:arousal`, `<annotator>:au_source`, `<annotator>:expr_source`,
 *    `<annotator>:va_source` (an adjudicator's layer is keyed `<name>:adjudicator`);
 *  - 'long': one row per stored annotation: the frame's identity, annotator, role, task, the value
 *    columns of that task, its source and time (frames nobody annotated have no row).
 * Both re-import through `import merged` (annotator layers identical).
 */
export const ANNOTATOR_LAYOUTS = ['none', 'wide', 'long'] as const;
export type AnnotatorLayout = (typeof ANNOTATOR_LAYOUTS)[number];

export interface ExportOptions {
  /**
   * Which layers to merge, `+`-joined from gt, human, model (e.g. 'gt+human', 'gt+human+model');
   * 'gt-only' is an alias of 'gt'. Default 'gt+human+model': imported ground truth, overridden by
   * human corrections, gaps filled from the model (silently 'gt+human' with a warning when no
   * model can be found and none was named).
   */
  policy?: string;
  /** 'ensemble' (default: the newest ready ensemble), 'none', or a model id. */
  model?: number | 'ensemble' | 'none' | string;
  /** Add the chosen model's probabilities: p_AU…, p_<expression>…, and its V/A expectation. */
  probabilities?: boolean;
  /** Dataset names (or numeric ids) to export; default all. */
  datasets?: string[];
  splits?: Split[];
  /** Keep only frames where at least one task's final label has one of these sources. */
  sources?: SourceKind[];
  /** Skip frames without any final label (CSV/JSONL; Aff-Wild2 files always have a line per frame). */
  labelledOnly?: boolean;
  /** Replace an existing output file (csv/jsonl) or non-empty folder (affwild2). */
  overwrite?: boolean;
  /**
   * CSV: open the file with the `# affect-workbench merged-labels v1 policy=… model=…` comment line
   * before the header row (the format before v1's header-first default). Off by default: pandas,
   * Excel and R would take that line for the header. The sidecar is written either way.
   */
  commentHeader?: boolean;
  /** Annotator layers in the file (csv, jsonl): 'none' (default), 'wide' or 'long'; see ANNOTATOR_LAYOUTS. */
  annotators?: AnnotatorLayout;
  /**
   * The annotator policy of the resolved human label ('consensus', 'latest', 'annotator:<name>');
   * default: the project's. Another policy than the project's is resolved on the fly from the
   * annotators' layers (src/shared/annotators.ts `resolve`), the project is not changed.
   */
  annotatorPolicy?: string;
}

export interface ExportSummary {
  format: ExportFormat;
  out: string;
  /** Frames written (for affwild2: frames covered by the written files). */
  rows: number;
  /** Absolute paths of the files written. */
  files: string[];
  warnings: string[];
  policy: string;
  /** The annotator policy the human label in force was resolved with. */
  annotatorPolicy: string;
  /** The annotator layout of the file ('none' for affwild2). */
  annotators: AnnotatorLayout;
  /** Model used to fill gaps / give probabilities, or null. */
  modelId: number | null;
  /** The final AU columns (FACS numbers). */
  aus: number[];
  elapsedMs: number;
}

export type ProgressFn = (done: number, total: number) => void;

/** The request as the UI sends it (File → Export…): validated with the same rules as the CLI. */
export const ExportRequest = z.object({
  format: z.enum(EXPORT_FORMATS),
  out: z.string().min(1),
  options: z
    .object({
      policy: z.string().optional(),
      model: z.union([z.number().int().positive(), z.string()]).optional(),
      probabilities: z.boolean().optional(),
      datasets: z.array(z.string().min(1)).optional(),
      splits: z.array(z.enum(SPLITS)).optional(),
      sources: z.array(z.enum(SOURCE_KINDS)).optional(),
      labelledOnly: z.boolean().optional(),
      overwrite: z.boolean().optional(),
      commentHeader: z.boolean().optional(),
      annotators: z.enum(ANNOTATOR_LAYOUTS).optional(),
      annotatorPolicy: z.string().min(1).max(200).optional(),
    })
    .strict()
    .default({}),
});
export type ExportRequest = z.infer<typeof ExportRequest>;

export function parsePolicy(s: string | undefined): Set<Layer> {
  const text = (s ?? 'gt+human+model').trim().toLowerCase();
  const alias: Record<string, string> = { 'gt-only': 'gt', 'imported': 'gt', 'imported-only': 'gt', 'merged': 'gt+human' };
  const parts = (alias[text] ?? text).split('+').map((p) => p.trim());
  const out = new Set<Layer>();
  for (const p of parts) {
    if (!(LAYERS as readonly string[]).includes(p)) {
      throw new AppError('invalid-input', `Unknown merge policy "${s}": use layers gt, human, model joined by "+" (e.g. gt+human+model) or gt-only.`);
    }
    out.add(p as Layer);
  }
  return out;
}

export function policyName(layers: ReadonlySet<Layer>): string {
  return LAYERS.filter((l) => layers.has(l)).join('+');
}

export function parseSplits(v: readonly string[] | undefined): Split[] | undefined {
  if (!v || v.length === 0) return undefined;
  for (const s of v) if (!(SPLITS as readonly string[]).includes(s)) throw new AppError('invalid-input', `Unknown split "${s}" (train, val, test).`);
  return v as Split[];
}

export function parseSources(v: readonly string[] | undefined): SourceKind[] | undefined {
  if (!v || v.length === 0) return undefined;
  for (const s of v) {
    if (!(SOURCE_KINDS as readonly string[]).includes(s)) throw new AppError('invalid-input', `Unknown source "${s}" (${SOURCE_KINDS.join(', ')}).`);
  }
  return v as SourceKind[];
}

export function parseAnnotatorLayout(v: string | undefined): AnnotatorLayout | undefined {
  if (v === undefined) return undefined;
  if (!(ANNOTATOR_LAYOUTS as readonly string[]).includes(v)) throw new AppError('invalid-input', `Unknown annotator layout "${v}" (${ANNOTATOR_LAYOUTS.join(', ')}).`);
  return v as AnnotatorLayout;
}

/** An export's annotator policy by name; undefined = the project's. */
export function parseExportAnnotatorPolicy(v: string | undefined): AnnotatorPolicy | undefined {
  if (v === undefined) return undefined;
  const p = parseAnnotatorPolicy(v);
  if (p === null) throw new AppError('invalid-input', `Unknown annotator policy "${v}" (consensus, latest or annotator:<name>).`);
  return p;
}

/** The annotator layout fits the format: the per-annotator layouts are merged CSV / JSON Lines only. */
export function checkAnnotatorLayout(format: ExportFormat, layout: AnnotatorLayout | undefined, probabilities: boolean | undefined): void {
  if (!layout || layout === 'none') return;
  if (format === 'affwild2') throw new AppError('invalid-input', `Annotator layout "${layout}" needs a merged CSV or JSON Lines export; Aff-Wild2 files hold one label per frame.`);
  if (layout === 'long' && probabilities) throw new AppError('invalid-input', 'The long annotator layout has one row per annotation: probability columns (per frame) need --annotators none or wide.');
}

/** Splits comma-separated CLI values and repeated options into one list. */
export function listOption(v: string | string[] | undefined): string[] | undefined {
  if (v === undefined) return undefined;
  const out = (Array.isArray(v) ? v : [v]).flatMap((s) => s.split(',')).map((s) => s.trim()).filter((s) => s !== '');
  return out.length ? out : undefined;
}
