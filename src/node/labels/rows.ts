// The row reader: per frame and task both stored layers (imported, human) with the human row's
// provenance, model id, author and time, and the value in force under the precedence rule
// (layers.ts). The review edits, their history and labelsInRange read labels through it. Also the
// JSON snapshot a history entry keeps of a human row (AU bit sets as decimal strings: bit 62 does
// not fit a JSON number).
import type { Task } from '../../shared/labels';
import type { FaceState } from '../../shared/review-contract';
import type { AnnotationProvenance } from '../../shared/annotators';
import type { Db } from '../store/database';
import { inForce } from './layers';

export interface FrameRef {
  id: number;
  idx: number;
  face: FaceState;
}

/** The stored values of one label row (either layer). All NULL on a human row = "cleared". */
export interface LabelValues {
  auMask: bigint | null;
  auBits: bigint | null;
  expr: number | null;
  valence: number | null;
  arousal: number | null;
}

/**
 * A human row: the resolved row of `labels` (provenance human / accepted, author = the one annotator
 * it comes from, else null), or one annotator's row of `annotations` (any annotation provenance,
 * author = that annotator). History entries keep the annotator's row.
 */
export interface HumanRow extends LabelValues {
  provenance: AnnotationProvenance;
  modelId: number | null;
  author: string | null;
  updatedAt: string;
}

export interface TaskLayers {
  imported: LabelValues | null;
  human: HumanRow | null;
}

export type FrameLayers = Map<Task, TaskLayers>;

/** A `labels` row as read with safeIntegers (AU bit sets exceed 2^53). */
export interface RawRow {
  frame_id: bigint;
  task: Task;
  layer: 'imported' | 'human';
  au_mask: bigint | null;
  au_bits: bigint | null;
  expr: bigint | null;
  valence: number | null;
  arousal: number | null;
  provenance: string;
  model_id: bigint | null;
  author: string | null;
  updated_at: string;
}

export const COLS = 'l.frame_id, l.task, l.layer, l.au_mask, l.au_bits, l.expr, l.valence, l.arousal, l.provenance, l.model_id, l.author, l.updated_at';

export function framesInRange(db: Db, mediaId: number, from: number, to: number): FrameRef[] {
  return db.prepare('SELECT id, idx, face FROM frames WHERE media_id = ? AND idx BETWEEN ? AND ? ORDER BY idx').all(mediaId, from, to) as FrameRef[];
}

export function framesInList(db: Db, mediaId: number, list: readonly number[]): FrameRef[] {
  const stmt = db.prepare('SELECT id, idx, face FROM frames WHERE media_id = ? AND idx = ?');
  const out: FrameRef[] = [];
  for (const idx of [...new Set(list)].sort((a, b) => a - b)) {
    const r = stmt.get(mediaId, idx) as FrameRef | undefined;
    if (r) out.push(r);
  }
  return out;
}

function toValues(r: RawRow): LabelValues {
  return { auMask: r.au_mask, auBits: r.au_bits, expr: r.expr === null ? null : Number(r.expr), valence: r.valence, arousal: r.arousal };
}

/** A human-layer row's values with provenance, model, author and time. */
export function humanOf(r: RawRow): HumanRow {
  return {
    ...toValues(r),
    provenance: r.provenance === 'accepted' ? 'accepted' : 'human',
    modelId: r.model_id === null ? null : Number(r.model_id),
    author: r.author,
    updatedAt: r.updated_at,
  };
}

function add(out: Map<number, FrameLayers>, r: RawRow): void {
  const fid = Number(r.frame_id);
  let f = out.get(fid);
  if (!f) out.set(fid, (f = new Map()));
  const t = f.get(r.task) ?? { imported: null, human: null };
  if (r.layer === 'imported') t.imported = toValues(r);
  else t.human = humanOf(r);
  f.set(r.task, t);
}

/** Both layers of every task of the given frames (frame id → task → layers). */
export function readLayers(db: Db, mediaId: number, frames: readonly FrameRef[], contiguous: boolean): Map<number, FrameLayers> {
  const out = new Map<number, FrameLayers>();
  if (!frames.length) return out;
  if (contiguous) {
    const rows = db
      .prepare(`SELECT ${COLS} FROM frames f JOIN labels l ON l.frame_id = f.id WHERE f.media_id = ? AND f.idx BETWEEN ? AND ?`)
      .safeIntegers(true)
      .all(mediaId, frames[0].idx, frames[frames.length - 1].idx) as RawRow[];
    for (const r of rows) add(out, r);
  } else {
    const stmt = db.prepare(`SELECT ${COLS} FROM labels l WHERE l.frame_id = ?`).safeIntegers(true);
    for (const f of frames) for (const r of stmt.all(f.id) as RawRow[]) add(out, r);
  }
  return out;
}

/** The values in force: the human row where there is one (all NULL when cleared), else imported. */
export function effective(t: TaskLayers | undefined): LabelValues | null {
  return t ? inForce<LabelValues>(t.human, t.imported) : null;
}

export function sameHuman(a: HumanRow | null, b: HumanRow | null): boolean {
  if (a === null || b === null) return a === b;
  return (
    a.auMask === b.auMask &&
    a.auBits === b.auBits &&
    a.expr === b.expr &&
    a.valence === b.valence &&
    a.arousal === b.arousal &&
    a.provenance === b.provenance &&
    a.modelId === b.modelId
  );
}

export function humanToJson(r: HumanRow | null): string | null {
  if (!r) return null;
  return JSON.stringify({
    au_mask: r.auMask === null ? null : r.auMask.toString(),
    au_bits: r.auBits === null ? null : r.auBits.toString(),
    expr: r.expr,
    valence: r.valence,
    arousal: r.arousal,
    provenance: r.provenance,
    model_id: r.modelId,
    author: r.author,
    updated_at: r.updatedAt,
  });
}

export function humanFromJson(s: string | null): HumanRow | null {
  if (s === null) return null;
  const j = JSON.parse(s) as Record<string, unknown>;
  return {
    auMask: j.au_mask === null ? null : BigInt(j.au_mask as string),
    auBits: j.au_bits === null ? null : BigInt(j.au_bits as string),
    expr: j.expr as number | null,
    valence: j.valence as number | null,
    arousal: j.arousal as number | null,
    provenance: j.provenance as HumanRow['provenance'],
    modelId: j.model_id as number | null,
    author: j.author as string | null,
    updatedAt: j.updated_at as string,
  };
}
