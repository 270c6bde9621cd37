// Writing the human layer. Every change of a human row goes through here:
//  - `HumanHistory`: a named, undoable action (DESIGN.md §6.8) — one `actions` row per media item,
//    a before/after `label_history` entry per changed (frame, task) (`face_history` for face marks),
//    unchanged values skipped, an action that changed nothing dropped, and the media's redo stack
//    superseded. Review edits (src/node/review/edits.ts) and the merged import
//    (src/node/importers/merged.ts: one action per media item it changes) write this way.
//  - `humanWriter`: the raw statements, for undo/redo restoring a history side.
// Callers own the transaction (IMMEDIATE for edits; the import's single transaction).
import type { Task } from '../../shared/labels';
import type { FaceState } from '../../shared/review-contract';
import type { Db } from '../store/database';
import { COLS, humanFromJson, humanOf, humanToJson, sameHuman, type HumanRow, type RawRow } from './rows';

/** Prepared writers of the human layer and of frames.face, without history (undo/redo). */
export function humanWriter(db: Db) {
  const put = db.prepare(
    `INSERT OR REPLACE INTO labels(frame_id, task, layer, au_mask, au_bits, expr, valence, arousal, provenance, model_id, author, updated_at)
     VALUES (?, ?, 'human', ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const del = db.prepare(`DELETE FROM labels WHERE frame_id = ? AND task = ? AND layer = 'human'`);
  const face = db.prepare('UPDATE frames SET face = ? WHERE id = ?');
  return {
    set(frameId: number, task: Task, r: HumanRow | null): void {
      if (r === null) del.run(frameId, task);
      else put.run(frameId, task, r.auMask, r.auBits, r.expr, r.valence, r.arousal, r.provenance, r.modelId, r.author, r.updatedAt);
    },
    face(frameId: number, value: FaceState): void {
      face.run(value, frameId);
    },
  };
}

export interface ActionInfo {
  name: string;
  mediaId: number;
  author: string | null;
  /** ISO time of the action. */
  at: string;
  /** The frame the action was made at (the review's cursor); default: the first frame changed. */
  atFrame?: number | null;
}

/** The statements of the history writer, prepared once per connection use. */
function historyStatements(db: Db) {
  const read = db.prepare(`SELECT ${COLS} FROM labels l WHERE l.frame_id = ? AND l.task = ? AND l.layer = 'human'`);
  return {
    read: read.safeIntegers(true),
    action: db.prepare(`INSERT INTO actions(name, media_id, frame_from, frame_to, author, at, at_frame) VALUES (?, ?, ?, ?, ?, ?, ?)`),
    hist: db.prepare(`INSERT INTO label_history(action_id, frame_id, task, layer, before, after) VALUES (?, ?, ?, 'human', ?, ?)`),
    faceHist: db.prepare(`INSERT INTO face_history(action_id, frame_id, before, after) VALUES (?, ?, ?, ?)`),
    finish: db.prepare('UPDATE actions SET frame_from = ?, frame_to = ?, at_frame = COALESCE(at_frame, ?) WHERE id = ?'),
    supersede: db.prepare('UPDATE actions SET superseded = 1 WHERE media_id = ? AND undone = 1 AND superseded = 0 AND id < ?'),
    drop: db.prepare('DELETE FROM actions WHERE id = ?'),
  };
}

/**
 * One undoable action over the human layer of one media item. Open it inside the caller's
 * transaction, `set` / `face` each change, then `finish` (in the same transaction).
 */
export class HumanHistory {
  readonly id: number;
  private readonly s: ReturnType<typeof historyStatements>;
  private readonly w: ReturnType<typeof humanWriter>;
  private lo = Infinity;
  private hi = -Infinity;
  private n = 0;

  constructor(
    private readonly db: Db,
    private readonly info: ActionInfo,
  ) {
    this.s = historyStatements(db);
    this.w = humanWriter(db);
    this.id = Number(this.s.action.run(info.name, info.mediaId, null, null, info.author, info.at, info.atFrame ?? null).lastInsertRowid);
  }

  /** Changes recorded so far. */
  get changes(): number {
    return this.n;
  }

  /** The stored human row of (frame, task), or null. */
  current(frameId: number, task: Task): HumanRow | null {
    const r = this.s.read.get(frameId, task) as RawRow | undefined;
    return r ? humanOf(r) : null;
  }

  /**
   * Sets the human row of (frame, task) to `next` (null = no human row: the imported label is back
   * in force), recording before → after. `before` is the row now stored (read when not given).
   * Returns false, writing nothing, when the values would not change.
   */
  set(frameId: number, idx: number, task: Task, next: HumanRow | null, before: HumanRow | null | undefined = undefined): boolean {
    const b = before === undefined ? this.current(frameId, task) : before;
    if (sameHuman(b, next)) return false;
    this.w.set(frameId, task, next);
    this.s.hist.run(this.id, frameId, task, humanToJson(b), humanToJson(next));
    this.touch(idx);
    return true;
  }

  /** Sets a frame's face mark, recording before → after; false when unchanged. */
  face(frameId: number, idx: number, before: FaceState, after: FaceState): boolean {
    if (before === after) return false;
    this.w.face(frameId, after);
    this.s.faceHist.run(this.id, frameId, before, after);
    this.touch(idx);
    return true;
  }

  private touch(idx: number): void {
    this.n++;
    if (idx < this.lo) this.lo = idx;
    if (idx > this.hi) this.hi = idx;
  }

  /** Closes the action: its frame range, and the media's redo stack superseded. Null (and no action) when nothing changed. */
  finish(): number | null {
    if (!this.n) {
      this.s.drop.run(this.id);
      return null;
    }
    this.s.finish.run(this.lo, this.hi, this.lo, this.id);
    this.s.supersede.run(this.info.mediaId, this.id);
    return this.id;
  }
}

export { humanFromJson, humanToJson, sameHuman };
