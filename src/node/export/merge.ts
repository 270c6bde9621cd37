// The merge policy, as pure functions over one frame and task.
//
// Precedence (fixed; the policy only says which layers take part):
//   1. human layer (when 'human' is in the policy): a correction (provenance 'human'), a model label a
//      human accepted (provenance 'accepted', source `accepted:<modelId>`), or a cleared label (a human
//      row with NULL values: the task stays unlabelled, source `cleared`, and is NOT filled from the
//      model: a human decided there is no valid label there);
//   2. imported ground truth (when 'gt' is in the policy), source `imported`;
//   3. a gap filled from the chosen model (when 'model' is in the policy and the model has a soft
//      label for the frame), source `model:<id>`: AU by the model's per-AU thresholds, expression by
//      argmax, valence/arousal by the expectation over the bin centres.
// A model only fills a task that has no label at all; a partially labelled AU set is left as it is.
import type { AnnotationProvenance, MergedFrom } from '../../shared/annotators';
import { MODEL_AUS, NUM_AUS } from '../../shared/labels';
import { inForce } from '../labels/layers';
import type { Layer, SourceKind } from './options';

export type Pick = 'human' | 'cleared' | 'imported' | 'gap';

/**
 * Which layer decides a task of a frame: the label module's precedence rule (labels/layers.ts) over
 * the layers the policy lets take part. `human` = a human-layer row exists; `humanHasValue` = it is
 * not a clearing.
 */
export function pickLayer(layers: ReadonlySet<Layer>, hasImported: boolean, human: boolean, humanHasValue: boolean): Pick {
  const h: Pick | null = human && layers.has('human') ? (humanHasValue ? 'human' : 'cleared') : null;
  const i: Pick | null = hasImported && layers.has('gt') ? 'imported' : null;
  return inForce(h, i) ?? 'gap';
}

/** `labels.merged_from` values that name the source of a resolved label themselves (several annotators' labels made it). */
export const MERGED_SOURCES = ['adjudicated', 'majority', 'mean'] as const satisfies readonly MergedFrom[];

/**
 * Source string of a resolved human-layer label (not a clearing): `adjudicated`, `majority` or `mean`
 * when several annotators' labels made it (`labels.merged_from`), else `human`, or
 * `accepted:<modelId>` (`accepted` when the model was deleted) for a model label one annotator accepted.
 */
export function humanSource(provenance: string, modelId: number | null, mergedFrom: string | null = null): string {
  if (mergedFrom !== null && (MERGED_SOURCES as readonly string[]).includes(mergedFrom)) return mergedFrom;
  if (provenance === 'accepted') return modelId === null ? 'accepted' : `accepted:${modelId}`;
  // 'imported' provenance on the human layer does not occur; treat anything else as a human edit.
  return 'human';
}

/**
 * Source string of one annotator's stored label (the per-annotator columns and the long layout):
 * `cleared` (the annotator cleared the label), `accepted:<modelId>` / `accepted`, else the row's
 * provenance: `human`, `trace` or `imported` (read from a file's annotator column or per-annotator file).
 */
export function annotationSource(provenance: AnnotationProvenance, modelId: number | null, cleared: boolean): string {
  if (cleared) return 'cleared';
  if (provenance === 'accepted') return modelId === null ? 'accepted' : `accepted:${modelId}`;
  return provenance;
}

/** The inverse of annotationSource; null for an empty cell; throws on anything else. */
export function parseAnnotationSource(source: string): { provenance: AnnotationProvenance | 'cleared'; modelId: number | null } | null {
  if (source === '') return null;
  if (source === 'human' || source === 'trace' || source === 'imported' || source === 'cleared' || source === 'accepted') return { provenance: source, modelId: null };
  const m = /^accepted:(\d+)$/.exec(source);
  if (m) return { provenance: 'accepted', modelId: Number(m[1]) };
  throw new Error(`unknown annotator label source "${source}" (human, accepted:<id>, trace, imported or cleared)`);
}

export function modelSource(modelId: number): string {
  return `model:${modelId}`;
}

/** The category of a source string, for `--source` filters. */
export function sourceKind(source: string): SourceKind {
  const head = source.split(':', 1)[0];
  if (head === 'imported' || head === 'human' || head === 'accepted' || head === 'cleared' || head === 'model') return head;
  if (head === 'adjudicated' || head === 'majority' || head === 'mean') return head;
  throw new Error(`unknown label source "${source}"`);
}

/** Parses a source string back into layer/provenance/model id (the inverse used by importers and tests). */
export function parseSource(source: string): { kind: SourceKind; modelId: number | null } | null {
  if (source === '') return null;
  const kind = sourceKind(source);
  const rest = source.slice(kind.length);
  if (rest === '') return { kind, modelId: null };
  const m = /^:(\d+)$/.exec(rest);
  if (!m || (kind !== 'accepted' && kind !== 'model')) throw new Error(`malformed label source "${source}"`);
  return { kind, modelId: Number(m[1]) };
}

export const DEFAULT_AU_THRESHOLD = 0.5;

/**
 * Per-model-AU thresholds from a models.thresholds JSON text; defaults to 0.5 per AU. Returns a
 * warning instead of throwing when the stored value is malformed (the export still runs).
 */
export function parseThresholds(json: string | null): { thresholds: number[]; warning?: string } {
  const dflt = new Array<number>(NUM_AUS).fill(DEFAULT_AU_THRESHOLD);
  if (json === null) return { thresholds: dflt };
  try {
    const v: unknown = JSON.parse(json);
    if (Array.isArray(v) && v.length === NUM_AUS && v.every((x) => typeof x === 'number' && x >= 0 && x <= 1)) return { thresholds: v as number[] };
  } catch {
    /* fall through */
  }
  return { thresholds: dflt, warning: `model thresholds ${json} are not ${NUM_AUS} numbers in [0, 1]; using ${DEFAULT_AU_THRESHOLD}` };
}

/** Column positions of the model AUs inside an export's AU column list (every model AU is always a column). */
export function modelAuPositions(auColumns: readonly number[]): number[] {
  return MODEL_AUS.map((n) => {
    const i = auColumns.indexOf(n);
    if (i < 0) throw new Error(`AU${n} missing from the export columns`);
    return i;
  });
}
