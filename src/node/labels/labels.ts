// Reading labels: the effective label of a frame and task is the human layer where it exists
// (a human row with NULL values = cleared), else the imported layer. And writing them while other
// processes write (writeRetrying, at the end).
import type { FrameLabels, TaskCounts } from '../../shared/contract';
import type { Db } from '../store/database';

/** Map of AU number → 0/1 from the stored bit sets. */
export function auRecord(mask: bigint, bits: bigint): Record<string, 0 | 1> {
  const out: Record<string, 0 | 1> = {};
  for (let n = 1; n <= 62; n++) {
    const b = 1n << BigInt(n);
    if (mask & b) out[`AU${n}`] = bits & b ? 1 : 0;
  }
  return out;
}

interface LabelRow {
  idx: number;
  task: 'au' | 'expr' | 'va';
  layer: 'imported' | 'human';
  au_mask: bigint | null;
  au_bits: bigint | null;
  expr: bigint | null;
  valence: number | null;
  arousal: number | null;
  provenance: string;
}

/** Effective labels of frames [from, to] of a media item, one entry per existing frame. */
export function labelsInRange(db: Db, mediaId: number, from: number, to: number): FrameLabels[] {
  const frames = db
    .prepare('SELECT idx FROM frames WHERE media_id = ? AND idx BETWEEN ? AND ? ORDER BY idx')
    .pluck()
    .all(mediaId, from, to) as number[];
  const rows = db
    .prepare(
      `SELECT f.idx, l.task, l.layer, l.au_mask, l.au_bits, l.expr, l.valence, l.arousal, l.provenance
       FROM frames f JOIN labels l ON l.frame_id = f.id
       WHERE f.media_id = ? AND f.idx BETWEEN ? AND ?
       ORDER BY f.idx, l.task, l.layer`,
    )
    .safeIntegers(true)
    .all(mediaId, from, to) as LabelRow[];
  const byIdx = new Map<number, FrameLabels>();
  for (const idx of frames) byIdx.set(idx, { frame: idx, au: null, expr: null, va: null });
  const decided = new Set<string>();
  for (const r of rows) {
    const idx = Number(r.idx);
    const key = `${idx}:${r.task}`;
    // layer sorts 'human' before 'imported': the first row seen for a task is the one in force.
    if (decided.has(key)) continue;
    decided.add(key);
    const fl = byIdx.get(idx);
    if (!fl) continue;
    if (r.task === 'au' && r.au_mask !== null) fl.au = { value: auRecord(r.au_mask, r.au_bits ?? 0n), provenance: r.provenance };
    if (r.task === 'expr' && r.expr !== null) fl.expr = { value: Number(r.expr), provenance: r.provenance };
    if (r.task === 'va' && r.valence !== null && r.arousal !== null)
      fl.va = { valence: Number(r.valence), arousal: Number(r.arousal), provenance: r.provenance };
  }
  return [...byIdx.values()];
}

/** SQL selecting (frame_id, task) of every effective, non-cleared label. */
export const EFFECTIVE_LABELS_SQL = `
  SELECT l.frame_id, l.task FROM labels l
  WHERE (l.layer = 'human' AND (l.au_mask IS NOT NULL OR l.expr IS NOT NULL OR l.valence IS NOT NULL))
     OR (l.layer = 'imported' AND NOT EXISTS (
          SELECT 1 FROM labels h WHERE h.frame_id = l.frame_id AND h.task = l.task AND h.layer = 'human'))`;

/** Effective label counts per media item and task. */
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
