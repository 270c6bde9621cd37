// Undo and redo of review actions, per (media item, annotator) (issue 15: one annotator's undo never
// touches another's actions), straight from the database so they survive a reload: undo restores
// every history entry's `before` of the annotator's newest action in force into the layer (annotator,
// role) the entry records, re-materialising the resolved row; redo re-applies the `after` of their
// oldest undone action not superseded by a later edit of theirs. A face mark is restored only while
// it still holds the value the action left (another annotator's later mark is kept). Both leave the
// history rows in place (the audit trail) and only flip `actions.undone`.
// Both take the write lock first (IMMEDIATE): a deferred transaction that reads and then writes
// fails at once with SQLITE_BUSY when another process wrote meanwhile.
import type { AnnotatorRole } from '../../shared/annotators';
import { FACE_STATES, type ActionSummary, type HistoryEntry, type LabelSnapshot } from '../../shared/review-contract';
import type { Task } from '../../shared/labels';
import type { Db } from '../store/database';
import { humanFromJson, humanWriter } from '../labels/human';
import type { HumanRow } from '../labels/rows';
import type { FaceState } from '../../shared/review-contract';

interface ActionRaw {
  id: number;
  name: string;
  media_id: number;
  frame_from: number;
  frame_to: number;
  at_frame: number | null;
  author: string | null;
  at: string;
  undone: number;
  changes: number;
}

const SUMMARY_SQL = `
  SELECT a.id, a.name, a.media_id, a.frame_from, a.frame_to, a.at_frame, a.author, a.at, a.undone,
         (SELECT COUNT(*) FROM label_history h WHERE h.action_id = a.id) + (SELECT COUNT(*) FROM face_history h WHERE h.action_id = a.id) AS changes
  FROM actions a`;

function toSummary(r: ActionRaw): ActionSummary {
  return {
    id: r.id,
    name: r.name,
    mediaId: r.media_id,
    from: r.frame_from,
    to: r.frame_to,
    frame: r.at_frame ?? r.frame_from,
    author: r.author,
    at: r.at,
    undone: r.undone === 1,
    changes: r.changes,
  };
}

export function actionSummary(db: Db, id: number): ActionSummary | null {
  const r = db.prepare(`${SUMMARY_SQL} WHERE a.id = ?`).get(id) as ActionRaw | undefined;
  return r ? toSummary(r) : null;
}

function lastInForce(db: Db, mediaId: number, annotator: string): number | undefined {
  return db.prepare('SELECT id FROM actions WHERE media_id = ? AND undone = 0 AND author = ? ORDER BY id DESC LIMIT 1').pluck().get(mediaId, annotator) as
    | number
    | undefined;
}

function firstRedoable(db: Db, mediaId: number, annotator: string): number | undefined {
  return db
    .prepare('SELECT id FROM actions WHERE media_id = ? AND undone = 1 AND superseded = 0 AND author = ? ORDER BY id ASC LIMIT 1')
    .pluck()
    .get(mediaId, annotator) as number | undefined;
}

/** Whether `annotator` has an action of this media item to undo / to redo. */
export function undoState(db: Db, mediaId: number, annotator: string): { canUndo: boolean; canRedo: boolean } {
  return { canUndo: lastInForce(db, mediaId, annotator) !== undefined, canRedo: firstRedoable(db, mediaId, annotator) !== undefined };
}

/** Writes one side (before or after) of every history entry of an action, each into the layer it records. */
function restore(db: Db, actionId: number, side: 'before' | 'after'): { tasks: Set<Task> } {
  const w = humanWriter(db);
  const order = side === 'before' ? 'DESC' : 'ASC';
  const rows = db
    .prepare(
      `SELECT h.frame_id, h.task, h.before, h.after, COALESCE(h.annotator, a.author) AS annotator, h.role
       FROM label_history h JOIN actions a ON a.id = h.action_id WHERE h.action_id = ? ORDER BY h.id ${order}`,
    )
    .all(actionId) as { frame_id: number; task: Task; before: string | null; after: string | null; annotator: string; role: AnnotatorRole }[];
  const tasks = new Set<Task>();
  for (const r of rows) {
    w.set(r.frame_id, r.task, r.annotator, r.role, humanFromJson(r[side]));
    tasks.add(r.task);
  }
  const faces = db.prepare(`SELECT frame_id, before, after FROM face_history WHERE action_id = ? ORDER BY id ${order}`).all(actionId) as {
    frame_id: number;
    before: FaceState;
    after: FaceState;
  }[];
  for (const f of faces) w.face(f.frame_id, f[side], f[side === 'before' ? 'after' : 'before']);
  return { tasks };
}

export interface UndoOutcome {
  action: ActionSummary | null;
  tasks: Task[];
}

/** Undoes `annotator`'s newest action in force on this media item (nothing when they have none). */
export function undo(db: Db, mediaId: number, annotator: string): UndoOutcome {
  return db.transaction((): UndoOutcome => {
    const id = lastInForce(db, mediaId, annotator);
    if (id === undefined) return { action: null, tasks: [] };
    const { tasks } = restore(db, id, 'before');
    db.prepare('UPDATE actions SET undone = 1, undone_at = ? WHERE id = ?').run(new Date().toISOString(), id);
    return { action: actionSummary(db, id), tasks: [...tasks] };
  }).immediate();
}

/** Redoes `annotator`'s oldest undone action of this media item not superseded by a later edit of theirs. */
export function redo(db: Db, mediaId: number, annotator: string): UndoOutcome {
  return db.transaction((): UndoOutcome => {
    const id = firstRedoable(db, mediaId, annotator);
    if (id === undefined) return { action: null, tasks: [] };
    const { tasks } = restore(db, id, 'after');
    db.prepare('UPDATE actions SET undone = 0, undone_at = NULL WHERE id = ?').run(id);
    return { action: actionSummary(db, id), tasks: [...tasks] };
  }).immediate();
}

/** Newest actions of a media item first. */
export function listActions(db: Db, mediaId: number, limit: number): ActionSummary[] {
  return (db.prepare(`${SUMMARY_SQL} WHERE a.media_id = ? ORDER BY a.id DESC LIMIT ?`).all(mediaId, limit) as ActionRaw[]).map(toSummary);
}

/** Every recorded change of one frame (labels and face), newest first: who, when, before, after. */
export function frameHistory(db: Db, mediaId: number, frame: number, limit: number): HistoryEntry[] {
  const rows = db
    .prepare(
      `SELECT * FROM (
         SELECT h.id AS hid, 0 AS kind, a.id AS actionId, a.name, COALESCE(h.annotator, a.author) AS author, h.role, a.at, a.undone, h.task, h.before, h.after
         FROM frames f JOIN label_history h ON h.frame_id = f.id JOIN actions a ON a.id = h.action_id
         WHERE f.media_id = ? AND f.idx = ?
         UNION ALL
         SELECT h.id AS hid, 1 AS kind, a.id, a.name, a.author, 'annotator', a.at, a.undone, 'face', h.before, h.after
         FROM frames f JOIN face_history h ON h.frame_id = f.id JOIN actions a ON a.id = h.action_id
         WHERE f.media_id = ? AND f.idx = ?)
       ORDER BY actionId DESC, kind, hid DESC LIMIT ?`,
    )
    .all(mediaId, frame, mediaId, frame, limit) as HistoryRaw[];
  return rows.map((r): HistoryEntry => {
    const base = { actionId: r.actionId, name: r.name, author: r.author, role: r.role, at: r.at, undone: r.undone === 1, frame };
    if (r.task === 'face') return { ...base, task: 'face', before: faceStateOf(r.before), after: faceStateOf(r.after) };
    return { ...base, task: r.task, before: snapshotOf(humanFromJson(r.before)), after: snapshotOf(humanFromJson(r.after)) };
  });
}

interface HistoryRaw {
  actionId: number;
  name: string;
  author: string | null;
  role: AnnotatorRole;
  at: string;
  undone: number;
  task: Task | 'face';
  /** The stored snapshot: a human row as JSON (labels), a face state (face). */
  before: string | null;
  after: string | null;
}

/** A stored face_history value (CHECKed by the schema to be a face state). */
function faceStateOf(s: string | null): FaceState | null {
  if (s === null) return null;
  const state = FACE_STATES.find((f) => f === s);
  if (state === undefined) throw new Error(`face history holds an unknown face state "${s}"`);
  return state;
}

/** A history entry's human row as the contract carries it: AU bit sets decoded into AU values (bit n = AU n). */
function snapshotOf(r: HumanRow | null): LabelSnapshot | null {
  if (!r) return null;
  let au: Record<string, 0 | 1> | null = null;
  if (r.auMask !== null) {
    au = {};
    for (let n = 0; n < 63; n++) if ((r.auMask >> BigInt(n)) & 1n) au[`AU${n}`] = ((r.auBits ?? 0n) >> BigInt(n)) & 1n ? 1 : 0;
  }
  return { au, expr: r.expr, valence: r.valence, arousal: r.arousal, provenance: r.provenance, modelId: r.modelId, author: r.author, updatedAt: r.updatedAt };
}
