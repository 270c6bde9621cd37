// The annotators' own layers (table `annotations`, issue 15) as the export reads them: per media item
// ONE query, ordered like the frame stream (frame index, then task, annotator, role), iterated side
// by side with it (frames.ts), raw rows of 12 columns, never collected beyond one frame. Used by the
// per-annotator layouts (wide, long) and by an export that resolves the label in force under another
// annotator policy than the project's (src/shared/annotators.ts `resolve`, the one rule).
//
// A small reader of the export's own: the label module (src/node/labels/annotations.ts) owns the
// annotations and reads them per (frame, task); this only reads them the way the export streams.
import type { Annotation, AnnotationProvenance, AnnotatorRole } from '../../shared/annotators';
import type { Task } from '../../shared/labels';
import type { Db } from '../store/database';

/** One annotator's stored label of one (frame, task). AU bit sets: numbers below 2^53, else bigint. */
export interface ExportAnnotation {
  annotator: string;
  role: AnnotatorRole;
  task: Task;
  auMask: number | bigint | null;
  auBits: number | bigint | null;
  expr: number | null;
  valence: number | null;
  arousal: number | null;
  provenance: AnnotationProvenance;
  modelId: number | null;
  updatedAt: string;
}

const enum A { idx, task, annotator, role, mask, bits, expr, valence, arousal, provenance, model, at }
type Row = unknown[];

/** An AU bit set read as a number (below 2^53) or as decimal text (an AU ≥ 53 labelled: exact as bigint). */
const exact = (col: string) => `CASE WHEN ${col} < 9007199254740992 THEN ${col} ELSE CAST(${col} AS TEXT) END`;

function bitsOf(v: unknown): number | bigint | null {
  return v === null ? null : typeof v === 'string' ? BigInt(v) : (v as number);
}

/** The row as the resolution rule takes it (AU bit sets as bigint). */
export function toAnnotation(a: ExportAnnotation): Annotation {
  const big = (x: number | bigint | null) => (x === null ? null : BigInt(x));
  return {
    annotator: a.annotator,
    role: a.role,
    auMask: big(a.auMask),
    auBits: big(a.auBits),
    expr: a.expr,
    valence: a.valence,
    arousal: a.arousal,
    provenance: a.provenance,
    modelId: a.modelId,
    updatedAt: a.updatedAt,
  };
}

/**
 * The annotations of one media item's frames, visited in ascending frame index: `at(idx)` gives the
 * rows of frame `idx` (skipping those of frames before it). The returned array and its objects are
 * reused: copy what you keep past the next call.
 */
export class AnnotationCursor {
  private readonly stmt;
  private it: IterableIterator<Row> | null = null;
  private pending: Row | null = null;
  /** Row objects, reused; `view` holds the current frame's. */
  private readonly pool: ExportAnnotation[] = [];
  private readonly view: ExportAnnotation[] = [];

  constructor(db: Db, splitSql: string) {
    this.stmt = db
      .prepare(
        `SELECT f.idx, a.task, a.annotator, a.role, ${exact('a.au_mask')}, ${exact('a.au_bits')}, a.expr, a.valence, a.arousal, a.provenance, a.model_id, a.updated_at
         FROM frames f JOIN annotations a ON a.frame_id = f.id
         WHERE f.media_id = ?${splitSql}
         ORDER BY f.idx, a.task, a.annotator, a.role`,
      )
      .raw(true);
  }

  startMedia(mediaId: number): void {
    this.close();
    this.it = this.stmt.iterate(mediaId) as IterableIterator<Row>;
    this.pending = this.pull();
  }

  private pull(): Row | null {
    if (!this.it) return null;
    const n = this.it.next();
    if (n.done) {
      this.it = null;
      return null;
    }
    return n.value;
  }

  private slot(r: Row): void {
    let a = this.pool[this.view.length];
    if (!a) this.pool.push((a = {} as ExportAnnotation));
    this.view.push(a);
    a.annotator = r[A.annotator] as string;
    a.role = r[A.role] as AnnotatorRole;
    a.task = r[A.task] as Task;
    a.auMask = bitsOf(r[A.mask]);
    a.auBits = bitsOf(r[A.bits]);
    a.expr = r[A.expr] as number | null;
    a.valence = r[A.valence] as number | null;
    a.arousal = r[A.arousal] as number | null;
    a.provenance = r[A.provenance] as AnnotationProvenance;
    a.modelId = r[A.model] as number | null;
    a.updatedAt = r[A.at] as string;
  }

  /** The rows of frame `idx`, in task, annotator, role order (empty when none). Indices must not decrease. */
  at(idx: number): readonly ExportAnnotation[] {
    this.view.length = 0;
    while (this.pending !== null && (this.pending[A.idx] as number) < idx) this.pending = this.pull();
    while (this.pending !== null && (this.pending[A.idx] as number) === idx) {
      this.slot(this.pending);
      this.pending = this.pull();
    }
    return this.view;
  }

  /** Ends the open iteration (the statement is free again). */
  close(): void {
    this.it?.return?.();
    this.it = null;
    this.pending = null;
  }
}
