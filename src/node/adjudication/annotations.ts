// Reading the annotators' layers in bulk for the queue (a whole media item at once, where the label
// module reads one (frame, task)). TEMPORARY until the label module's annotations.ts (helper
// "ann-core") is on main: then projectPolicy comes from there.
import { DEFAULT_ANNOTATOR_POLICY, parseAnnotatorPolicy, type Annotation, type AnnotatorPolicy } from '../../shared/annotators';
import type { Db } from '../store/database';

/** An `annotations` row as read with safeIntegers (AU bit sets exceed 2^53). */
export interface AnnotationRaw {
  annotator: string;
  role: Annotation['role'];
  au_mask: bigint | null;
  au_bits: bigint | null;
  expr: bigint | null;
  valence: number | null;
  arousal: number | null;
  provenance: Annotation['provenance'];
  model_id: bigint | null;
  updated_at: string;
}

export function annotationOf(r: AnnotationRaw): Annotation {
  return {
    annotator: r.annotator,
    role: r.role,
    auMask: r.au_mask,
    auBits: r.au_bits,
    expr: r.expr === null ? null : Number(r.expr),
    valence: r.valence,
    arousal: r.arousal,
    provenance: r.provenance,
    modelId: r.model_id === null ? null : Number(r.model_id),
    updatedAt: r.updated_at,
  };
}

/** The project's annotator policy (meta 'annotator_policy'), the default where unset. */
export function projectPolicy(db: Db): AnnotatorPolicy {
  const v = db.prepare(`SELECT value FROM meta WHERE key = 'annotator_policy'`).pluck().get() as string | undefined;
  return (v === undefined ? null : parseAnnotatorPolicy(v)) ?? DEFAULT_ANNOTATOR_POLICY;
}
