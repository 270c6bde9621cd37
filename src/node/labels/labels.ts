// The label module's entry point. Reading labels: the label in force of a frame and task follows
// the precedence rule of layers.ts (the human layer where it exists — a human row with NULL values
// = cleared — else the imported layer). Per frame with provenance: labelsInRange (on the row reader,
// rows.ts); as columns: loadSamples (samples.ts); counts: labelCountsByMedia (the rule as SQL).
// Writing the human layer, with history and undo: human.ts.
import type { FrameLabels, TaskCounts } from '../../shared/contract';
import type { Db } from '../store/database';
import { auRecord, EFFECTIVE_LABELS_SQL, inForce } from './layers';
import { framesInRange, readLayers, type LabelValues } from './rows';

export { auRecord, EFFECTIVE_LABELS_SQL };

/** Labels in force of frames [from, to] of a media item, one entry per existing frame. */
export function labelsInRange(db: Db, mediaId: number, from: number, to: number): FrameLabels[] {
  const frames = framesInRange(db, mediaId, from, to);
  const layers = readLayers(db, mediaId, frames, true);
  return frames.map((f): FrameLabels => {
    const out: FrameLabels = { frame: f.idx, au: null, expr: null, va: null };
    const fl = layers.get(f.id);
    if (!fl) return out;
    const get = (task: 'au' | 'expr' | 'va'): { v: LabelValues; provenance: string } | null => {
      const t = fl.get(task);
      const v = t ? inForce<LabelValues>(t.human, t.imported) : null;
      return v ? { v, provenance: t!.human ? t!.human.provenance : 'imported' } : null;
    };
    const au = get('au');
    if (au && au.v.auMask !== null) out.au = { value: auRecord(au.v.auMask, au.v.auBits ?? 0n), provenance: au.provenance };
    const ex = get('expr');
    if (ex && ex.v.expr !== null) out.expr = { value: ex.v.expr, provenance: ex.provenance };
    const va = get('va');
    if (va && va.v.valence !== null && va.v.arousal !== null) out.va = { valence: va.v.valence, arousal: va.v.arousal, provenance: va.provenance };
    return out;
  });
}

/** Label counts in force (clearings not counted) per media item and task. */
export function labelCountsByMedia(db: Db): Map<number, TaskCounts> {
  const rows = db
    .prepare(
      `SELECT f.media_id AS mediaId, e.task AS task, COUNT(*) AS n
       FROM (${EFFECTIVE_LABELS_SQL}) e JOIN frames f ON f.id = e.frame_id
       GROUP BY f.media_id, e.task`,
    )
    .all() as { mediaId: number; task: keyof TaskCounts; n: number }[];
  const out = new Map<number, TaskCounts>();
  for (const r of rows) {
    const c = out.get(r.mediaId) ?? { au: 0, expr: 0, va: 0 };
    c[r.task] = r.n;
    out.set(r.mediaId, c);
  }
  return out;
}
