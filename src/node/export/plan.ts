// Resolving an export request against a project database: the layers of the policy, the model that
// fills gaps (and its thresholds), the AU columns, the media to visit and the frame count. Everything
// here is a handful of small queries; the per-frame work is in frames.ts.
import type { AnnotatorPolicy, AnnotatorRole } from '../../shared/annotators';
import { MODEL_AUS, MAX_AU_NUMBER, type Split } from '../../shared/labels';
import { AppError } from '../../shared/result';
import { projectPolicy } from '../labels/annotations';
import type { Db } from '../store/database';
import { GROUND_TRUTH_KEY } from './columns';
import { parseThresholds } from './merge';
import { parseExportAnnotatorPolicy, parsePolicy, policyName, type AnnotatorLayout, type ExportOptions, type Layer, type SourceKind } from './options';

export interface ExportModel {
  id: number;
  name: string;
  kind: string;
  thresholds: number[];
}

export interface ExportMedia {
  id: number;
  name: string;
  kind: string;
  datasetId: number;
  dataset: string;
  frameCount: number;
  /** Frames of this media that pass the split filter. */
  frames: number;
}

/** One annotator layer's columns in a wide export. */
export interface AnnotatorColumns {
  annotator: string;
  role: AnnotatorRole;
  /** The column prefix: the name (role annotator) or `<name>:adjudicator`. */
  key: string;
  /** The AUs this layer labelled in the exported frames (its AU columns), ascending. */
  aus: number[];
}

/** Suffix of an adjudicator layer's key in wide column names. */
export const ADJUDICATOR_SUFFIX = ':adjudicator';

/** The key of a layer in wide column names: `<name>` or `<name>:adjudicator`. */
export function layerKey(annotator: string, role: AnnotatorRole): string {
  return role === 'adjudicator' ? `${annotator}${ADJUDICATOR_SUFFIX}` : annotator;
}

export interface ExportPlan {
  layers: Set<Layer>;
  policy: string;
  /** The model whose soft labels fill gaps and/or give probabilities; null = none. */
  model: ExportModel | null;
  probabilities: boolean;
  /** Final AU columns over the whole project (FACS numbers, ascending, always ⊇ the 8 model AUs). */
  aus: number[];
  media: ExportMedia[];
  splits: Split[] | undefined;
  sources: ReadonlySet<SourceKind> | undefined;
  labelledOnly: boolean;
  total: number;
  warnings: string[];
  /** How the annotators' layers appear in the file. */
  annotators: AnnotatorLayout;
  /** The annotator policy of the human label in force. */
  annotatorPolicy: AnnotatorPolicy;
  /** Another policy than the project's: the human label in force is resolved on the fly from `annotations`. */
  resolveOnTheFly: boolean;
  /** Wide: the annotator layers of the exported frames, by name then role. */
  annotatorColumns: AnnotatorColumns[];
  /** Long: the AU columns (every AU an annotator labelled in the exported frames). */
  longAus: number[];
  /** Wide: the AU columns of the ground-truth group (every AU the imported layer labelled in the exported datasets). */
  groundTruthAus: number[];
}

/** AU numbers of a bit set (bit n = AU n). */
export function ausOfMask(mask: bigint): number[] {
  const out: number[] = [];
  for (let n = 1; n <= MAX_AU_NUMBER; n++) if (mask & (1n << BigInt(n))) out.push(n);
  return out;
}

/** Every AU the imported layer (ground truth) labelled in the given datasets. */
function groundTruthAus(db: Db, datasetIds: readonly number[]): number[] {
  const masks = db
    .prepare(
      `SELECT DISTINCT l.au_mask FROM media m JOIN frames f ON f.media_id = m.id
       JOIN labels l ON l.frame_id = f.id AND l.task = 'au' AND l.layer = 'imported'
       WHERE l.au_mask IS NOT NULL AND m.dataset_id IN (SELECT value FROM json_each(?))`,
    )
    .pluck()
    .safeIntegers(true)
    .all(JSON.stringify(datasetIds)) as bigint[];
  return ausOfMask(masks.reduce((u, m) => u | m, 0n));
}

/** Every AU labelled anywhere in the given datasets (all when omitted), plus the 8 model AUs. */
export function auColumns(db: Db, datasetIds?: readonly number[]): number[] {
  let union = 0n;
  const masks = datasetIds
    ? (db
        .prepare(
          `SELECT DISTINCT l.au_mask FROM media m JOIN frames f ON f.media_id = m.id
           JOIN labels l ON l.frame_id = f.id AND l.task = 'au'
           WHERE l.au_mask IS NOT NULL AND m.dataset_id IN (SELECT value FROM json_each(?))`,
        )
        .pluck()
        .safeIntegers(true)
        .all(JSON.stringify(datasetIds)) as bigint[])
    : (db.prepare(`SELECT DISTINCT au_mask FROM labels WHERE task = 'au' AND au_mask IS NOT NULL`).pluck().safeIntegers(true).all() as bigint[]);
  for (const m of masks) union |= m;
  return [...new Set([...MODEL_AUS, ...ausOfMask(union)])].sort((a, b) => a - b);
}

interface ModelRow {
  id: number;
  name: string;
  kind: string;
  status: string;
  thresholds: string | null;
}

function resolveModel(db: Db, opts: ExportOptions, layers: Set<Layer>, warnings: string[]): ExportModel | null {
  const wanted = opts.model ?? 'ensemble';
  const needModel = layers.has('model') || !!opts.probabilities;
  if (wanted === 'none') {
    if (opts.probabilities) throw new AppError('invalid-input', 'Probability columns need a model: pass --model ID or ensemble.');
    if (layers.has('model') && opts.policy !== undefined) {
      throw new AppError('invalid-input', `Policy ${opts.policy} fills gaps from a model, but --model none was given.`);
    }
    layers.delete('model');
    return null;
  }
  if (!needModel) return null;
  let row: ModelRow | undefined;
  if (wanted === 'ensemble') {
    row = db
      .prepare(`SELECT id, name, kind, status, thresholds FROM models WHERE kind = 'ensemble' AND status = 'ready' ORDER BY created_at DESC, id DESC LIMIT 1`)
      .get() as ModelRow | undefined;
    if (!row) {
      if (opts.probabilities) throw new AppError('not-found', 'Probability columns need a model, and the project has no ready ensemble: pass --model ID.');
      warnings.push(`The project has no ready ensemble model: gaps are not filled from a model (policy ${policyName(new Set([...layers].filter((l) => l !== 'model')))}).`);
      layers.delete('model');
      return null;
    }
  } else {
    const id = typeof wanted === 'number' ? wanted : Number(wanted);
    if (!Number.isInteger(id) || id <= 0) throw new AppError('invalid-input', `--model must be a model id, "ensemble" or "none", not "${wanted}".`);
    row = db.prepare('SELECT id, name, kind, status, thresholds FROM models WHERE id = ?').get(id) as ModelRow | undefined;
    if (!row) throw new AppError('not-found', `No model #${id} in this project.`);
    if (row.status !== 'ready') warnings.push(`Model #${row.id} (${row.name}) is ${row.status}, not ready; its soft labels may be incomplete.`);
  }
  const th = parseThresholds(row.thresholds);
  if (th.warning) warnings.push(`Model #${row.id}: ${th.warning}.`);
  const has = db.prepare('SELECT 1 FROM soft_labels WHERE model_id = ? LIMIT 1').get(row.id);
  if (!has) warnings.push(`Model #${row.id} (${row.name}) has no soft labels: nothing is filled from it.`);
  return { id: row.id, name: row.name, kind: row.kind, thresholds: th.thresholds };
}

function resolveDatasets(db: Db, names: readonly string[] | undefined): { id: number; name: string }[] {
  const all = db.prepare("SELECT id, name FROM datasets WHERE state = 'ready' ORDER BY name").all() as { id: number; name: string }[];
  if (!names) return all;
  return names.map((n) => {
    const d = all.find((x) => x.name === n) ?? (/^\d+$/.test(n) ? all.find((x) => x.id === Number(n)) : undefined);
    if (!d) throw new AppError('not-found', `No dataset "${n}" in this project (have: ${all.map((x) => x.name).join(', ') || 'none'}).`);
    return d;
  });
}

/**
 * The annotator layers of the given datasets' frames (split filter applied) with the AUs each labelled.
 * `wide`: names that per-annotator columns would read back as something else are refused.
 */
function annotatorLayers(db: Db, datasetIds: readonly number[], splits: readonly Split[] | undefined, wide: boolean): AnnotatorColumns[] {
  const rows = db
    .prepare(
      `SELECT DISTINCT a.annotator, a.role, a.au_mask FROM media m JOIN frames f ON f.media_id = m.id JOIN annotations a ON a.frame_id = f.id
       WHERE m.dataset_id IN (SELECT value FROM json_each(?))${splitFilterSql(splits)}`,
    )
    .raw(true)
    .safeIntegers(true)
    .all(JSON.stringify(datasetIds)) as [string, AnnotatorRole, bigint | null][];
  const byKey = new Map<string, { annotator: string; role: AnnotatorRole; mask: bigint }>();
  for (const [annotator, role, mask] of rows) {
    const key = `${role}\u0000${annotator}`;
    const l = byKey.get(key) ?? { annotator, role, mask: 0n };
    if (mask !== null) l.mask |= mask;
    byKey.set(key, l);
  }
  const out = [...byKey.values()]
    .sort((a, b) => (a.annotator < b.annotator ? -1 : a.annotator > b.annotator ? 1 : a.role === 'annotator' ? -1 : 1))
    .map((l) => ({ annotator: l.annotator, role: l.role, key: layerKey(l.annotator, l.role), aus: ausOfMask(l.mask) }));
  for (const l of wide ? out : []) {
    if (l.role === 'annotator' && l.annotator === GROUND_TRUTH_KEY) {
      throw new AppError('invalid-input', `Annotator "${l.annotator}": per-annotator columns of that name would read back as the imported ground truth's columns; use --annotators long.`);
    }
    if (l.role === 'annotator' && l.annotator.endsWith(ADJUDICATOR_SUFFIX)) {
      throw new AppError('invalid-input', `Annotator "${l.annotator}": a name ending in "${ADJUDICATOR_SUFFIX}" would read back as an adjudicator's layer in per-annotator columns; use --annotators long.`);
    }
  }
  return out;
}

export function splitFilterSql(splits: readonly Split[] | undefined): string {
  return splits ? ` AND f.split IN (${splits.map((s) => `'${s}'`).join(', ')})` : '';
}

export function planExport(db: Db, opts: ExportOptions): ExportPlan {
  const warnings: string[] = [];
  const layers = parsePolicy(opts.policy);
  const model = resolveModel(db, opts, layers, warnings);
  const datasets = resolveDatasets(db, opts.datasets);
  const ids = datasets.map((d) => d.id);
  // Frames per media item, counted per item: an index range count each, ~5x cheaper than one
  // grouped count over a join (the export's fixed cost before its first row).
  const count = db.prepare(`SELECT COUNT(*) FROM frames f WHERE f.media_id = ?${splitFilterSql(opts.splits)}`).pluck();
  const media = (
    db
      .prepare(
        `SELECT m.id, m.name, m.kind, m.dataset_id AS datasetId, d.name AS dataset, m.frame_count AS frameCount
         FROM media m JOIN datasets d ON d.id = m.dataset_id
         WHERE m.dataset_id IN (SELECT value FROM json_each(?)) ORDER BY d.name, m.name`,
      )
      .all(JSON.stringify(ids)) as Omit<ExportMedia, 'frames'>[]
  ).map((m) => ({ ...m, frames: count.get(m.id) as number }));
  if (datasets.length === 0) warnings.push('The project has no datasets: nothing to export.');
  const ownPolicy = projectPolicy(db);
  const annotatorPolicy = parseExportAnnotatorPolicy(opts.annotatorPolicy) ?? ownPolicy;
  const resolveOnTheFly = annotatorPolicy !== ownPolicy;
  const annotators = opts.annotators ?? 'none';
  const layersOf = annotators !== 'none' || resolveOnTheFly ? annotatorLayers(db, ids, opts.splits, annotators === 'wide') : [];
  let aus = auColumns(db, ids);
  const annotated = ausOfMask(layersOf.reduce((m, l) => l.aus.reduce((x, n) => x | (1n << BigInt(n)), m), 0n));
  // Resolved on the fly, the label in force may have any AU an annotator labelled.
  if (resolveOnTheFly) aus = [...new Set([...aus, ...annotated])].sort((a, b) => a - b);
  return {
    layers,
    policy: policyName(layers),
    model,
    probabilities: !!opts.probabilities,
    // Always the chosen (published) datasets: a dataset still being imported has AU masks too.
    aus,
    media,
    splits: opts.splits,
    sources: opts.sources ? new Set(opts.sources) : undefined,
    labelledOnly: !!opts.labelledOnly,
    total: media.reduce((s, m) => s + m.frames, 0),
    warnings,
    annotators,
    annotatorPolicy,
    resolveOnTheFly,
    annotatorColumns: annotators === 'wide' ? layersOf : [],
    longAus: annotators === 'long' ? annotated : [],
    groundTruthAus: annotators === 'wide' ? groundTruthAus(db, ids) : [],
  };
}
