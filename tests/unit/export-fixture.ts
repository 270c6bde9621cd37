// Builds small projects for the export tests straight through SQL: datasets, media with timestamps,
// frames, both label layers, models and soft labels, so each test states exactly what is stored.
import { encodeSoftLabel } from '../../src/shared/softlabels';
import { auLabelFrom, SOFT_LABEL_WIDTH, NUM_AUS, NUM_EXPR, VA_BINS } from '../../src/shared/labels';
import type { Project } from '../../src/node/store/project';

const NOW = '2024-01-01T00:00:00.000Z';

export function addDataset(p: Project, name: string, format = 'test'): number {
  return Number(p.db.prepare('INSERT INTO datasets(name, source_format, created_at) VALUES (?, ?, ?)').run(name, format, NOW).lastInsertRowid);
}

export function addMedia(
  p: Project,
  datasetId: number,
  name: string,
  frames: number,
  o: { kind?: 'video' | 'sequence' | 'images'; timestamps?: number[] | null; subject?: string | null; split?: string; files?: (i: number) => string | null } = {},
): number[] {
  const ts = o.timestamps === undefined ? Array.from({ length: frames }, (_, i) => i / 25) : o.timestamps;
  const blob = ts ? Buffer.from(new Float64Array(ts).buffer) : null;
  const id = Number(
    p.db
      .prepare('INSERT INTO media(dataset_id, name, kind, path, frame_count, timestamps, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(datasetId, name, o.kind ?? 'video', `${name}.mp4`, frames, blob, NOW).lastInsertRowid,
  );
  const ins = p.db.prepare('INSERT INTO frames(media_id, idx, path, subject, split) VALUES (?, ?, ?, ?, ?)');
  const ids: number[] = [];
  for (let i = 0; i < frames; i++) ids.push(Number(ins.run(id, i, o.files?.(i) ?? null, o.subject ?? null, o.split ?? 'train').lastInsertRowid));
  return ids;
}

type Layer = 'imported' | 'human';
interface LabelOpts {
  layer?: Layer;
  provenance?: 'imported' | 'human' | 'accepted';
  modelId?: number | null;
}

function put(p: Project, frameId: number, task: string, vals: { mask?: bigint | null; bits?: bigint | null; expr?: number | null; v?: number | null; a?: number | null }, o: LabelOpts): void {
  const layer = o.layer ?? 'imported';
  p.db
    .prepare(
      `INSERT INTO labels(frame_id, task, layer, au_mask, au_bits, expr, valence, arousal, provenance, model_id, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(frameId, task, layer, vals.mask ?? null, vals.bits ?? null, vals.expr ?? null, vals.v ?? null, vals.a ?? null, o.provenance ?? (layer === 'imported' ? 'imported' : 'human'), o.modelId ?? null, NOW);
}

/** AU label from a map AU number → 0/1; null = a human clearing. */
export function putAu(p: Project, frameId: number, aus: Record<number, 0 | 1> | null, o: LabelOpts = {}): void {
  const l = aus ? auLabelFrom(aus) : null;
  put(p, frameId, 'au', { mask: l?.mask ?? null, bits: l?.bits ?? null }, o);
}
export function putExpr(p: Project, frameId: number, expr: number | null, o: LabelOpts = {}): void {
  put(p, frameId, 'expr', { expr }, o);
}
export function putVa(p: Project, frameId: number, va: [number, number] | null, o: LabelOpts = {}): void {
  put(p, frameId, 'va', { v: va?.[0] ?? null, a: va?.[1] ?? null }, o);
}

export function addModel(p: Project, kind: 'teacher' | 'student' | 'ensemble', o: { status?: string; thresholds?: number[] | null; createdAt?: string; name?: string } = {}): number {
  return Number(
    p.db
      .prepare('INSERT INTO models(name, kind, arch, status, thresholds, created_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(o.name ?? kind, kind, 'cnn', o.status ?? 'ready', o.thresholds ? JSON.stringify(o.thresholds) : null, o.createdAt ?? NOW).lastInsertRowid,
  );
}

const logit = (q: number) => Math.log(q / (1 - q));

/**
 * A soft label from probabilities: AU probabilities (8), the expression class that wins, and the V/A
 * bins that take (almost) all the mass.
 */
export function softRecord(auProbs: number[], expr: number, vBin: number, aBin: number): number[] {
  const v = new Array<number>(SOFT_LABEL_WIDTH).fill(0);
  auProbs.forEach((q, k) => (v[k] = logit(q)));
  v[NUM_AUS + expr] = 8;
  v[NUM_AUS + NUM_EXPR + vBin] = 40;
  v[NUM_AUS + NUM_EXPR + VA_BINS + aBin] = 40;
  return v;
}

export function putSoft(p: Project, modelId: number, frameId: number, values: number[]): void {
  p.db.prepare('INSERT INTO soft_labels(model_id, frame_id, data) VALUES (?, ?, ?)').run(modelId, frameId, encodeSoftLabel(values));
}
