// Annotator layers for the export / import tests, straight through SQL (like export-fixture.ts), and
// a dump of the `annotations` table in a comparable form.
import { auLabelFrom, type Task } from '../../src/shared/labels';
import type { AnnotationProvenance, AnnotatorRole } from '../../src/shared/annotators';
import { setProjectPolicy, type RawAnnotation } from '../../src/node/labels/annotations';
import type { Db } from '../../src/node/store/database';
import type { Project } from '../../src/node/store/project';

const NOW = '2024-01-01T00:00:00.000Z';

export interface AnnotationValues {
  au?: Record<number, 0 | 1> | null;
  expr?: number | null;
  va?: [number, number] | null;
}

/** One annotator's row; a task's value null (or absent) = that annotator cleared it. */
export function putAnnotation(
  p: Project,
  frameId: number,
  annotator: string,
  task: Task,
  v: AnnotationValues,
  o: { role?: AnnotatorRole; provenance?: AnnotationProvenance; modelId?: number | null; at?: string } = {},
): void {
  const au = task === 'au' && v.au ? auLabelFrom(v.au) : null;
  p.db
    .prepare(
      `INSERT INTO annotations(frame_id, task, annotator, role, au_mask, au_bits, expr, valence, arousal, provenance, model_id, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(
      frameId, task, annotator, o.role ?? 'annotator', au?.mask ?? null, au?.bits ?? null,
      task === 'expr' ? (v.expr ?? null) : null, task === 'va' ? (v.va?.[0] ?? null) : null, task === 'va' ? (v.va?.[1] ?? null) : null,
      o.provenance ?? 'human', o.modelId ?? null, o.at ?? NOW,
    );
}

/** The resolved human layer of `labels` from the annotations (the label module materialises every (frame, task) under the default policy). */
export function materialiseAll(db: Db): void {
  setProjectPolicy(db, 'consensus');
}

/** An annotation as the tests compare them: frame index, layer, values (AU as a map), provenance. */
export interface AnnotationRow {
  frame: number;
  annotator: string;
  role: AnnotatorRole;
  task: Task;
  au: Record<number, 0 | 1> | null;
  expr: number | null;
  va: [number, number] | null;
  provenance: string;
  modelId: number | null;
  cleared: boolean;
  updatedAt: string | null;
}

/** Every annotation of the project (frames by media then index), comparable across projects. */
export function annotationRows(db: Db, opts: { withTime?: boolean; media?: string } = {}): AnnotationRow[] {
  const rows = db
    .prepare(
      `SELECT f.idx, m.name AS media, a.* FROM annotations a JOIN frames f ON f.id = a.frame_id JOIN media m ON m.id = f.media_id
       ORDER BY m.name, f.idx, a.task, a.annotator, a.role`,
    )
    .safeIntegers(true)
    .all() as (RawAnnotation & { idx: bigint; media: string })[];
  return rows
    .filter((r) => opts.media === undefined || r.media === opts.media)
    .map((r) => {
      const au: Record<number, 0 | 1> | null = r.au_mask === null || r.au_mask === 0n ? null : {};
      if (au) for (let n = 1; n < 63; n++) if ((r.au_mask! >> BigInt(n)) & 1n) au[n] = Number((r.au_bits! >> BigInt(n)) & 1n) as 0 | 1;
      const va: [number, number] | null = r.valence === null ? null : [r.valence, r.arousal!];
      const cleared = r.task === 'au' ? au === null : r.task === 'expr' ? r.expr === null : va === null;
      return {
        frame: Number(r.idx),
        annotator: r.annotator,
        role: r.role,
        task: r.task,
        au,
        expr: r.expr === null ? null : Number(r.expr),
        va,
        provenance: cleared ? 'human' : r.provenance,
        modelId: r.model_id === null ? null : Number(r.model_id),
        cleared,
        updatedAt: opts.withTime === false ? null : r.updated_at,
      };
    });
}
