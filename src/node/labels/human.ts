// Writing the human layer. Every change of a human label goes through here:
//  - `HumanHistory`: a named, undoable action (DESIGN.md §6.8) of ONE annotator (and role) — one
//    `actions` row per media item, a before/after `label_history` entry per changed (frame, task)
//    of that annotator's own row in `annotations` (`face_history` for face marks), unchanged values
//    skipped, an action that changed nothing dropped, and that annotator's redo stack of the media
//    superseded. Each write re-materialises the resolved `labels` row of its (frame, task)
//    (annotations.ts), so one annotator never overwrites another. Review edits
//    (src/node/review/edits.ts) and the merged import (src/node/importers/merged.ts: one action per
//    media item it changes) write this way.
//  - `humanWriter`: the raw statements (annotator row + re-materialising), for undo/redo restoring a history side.
// Callers own the transaction (IMMEDIATE for edits; the import's single transaction).
import type { Annotation, AnnotatorPolicy, AnnotatorRole } from '../../shared/annotators';
import type { Task } from '../../shared/labels';
import type { FaceState } from '../../shared/review-contract';
import { AppError } from '../../shared/result';
import type { Db } from '../store/database';
import { materialise, ownOf, projectPolicy, readOwn, withOwn, writeOwn } from './annotations';
import { COLS, humanFromJson, humanOf, humanToJson, sameHuman, type HumanRow, type RawRow } from './rows';

/** Writers of annotators' rows (each re-materialising the resolved row) and of frames.face, without history (undo/redo). */
export function humanWriter(db: Db, policy: AnnotatorPolicy = projectPolicy(db)) {
  const face = db.prepare('UPDATE frames SET face = ? WHERE id = ?');
  const faceIf = db.prepare('UPDATE frames SET face = ? WHERE id = ? AND face = ?');
  return {
    /**
     * Sets (row) or removes (null) `annotator`'s row of (frame, task) and re-materialises the
     * resolved row; `stored`: every annotator's rows of (frame, task) as stored before (read in this
     * transaction), so they are not read again.
     */
    set(frameId: number, task: Task, annotator: string, role: AnnotatorRole, r: HumanRow | null, stored?: readonly Annotation[]): void {
      writeOwn(db, frameId, task, annotator, role, r);
      materialise(db, frameId, task, policy, stored && withOwn(stored, annotator, role, r));
    },
    /** Sets a frame's face mark; with `expected`, only while it still holds that value (false when it did not). */
    face(frameId: number, value: FaceState, expected?: FaceState): boolean {
      if (expected === undefined) return face.run(value, frameId).changes > 0;
      return faceIf.run(value, frameId, expected).changes > 0;
    },
  };
}

export interface ActionInfo {
  name: string;
  mediaId: number;
  /** The annotator whose layer the action changes (non-empty). */
  author: string;
  /** Default 'annotator'; an adjudicator's final word is a row with role 'adjudicator'. */
  role?: AnnotatorRole;
  /** ISO time of the action. */
  at: string;
  /** The frame the action was made at (the review's cursor); default: the first frame changed. */
  atFrame?: number | null;
}

/** The statements of the history writer, prepared once per connection use. */
function historyStatements(db: Db) {
  return {
    resolved: db.prepare(`SELECT ${COLS} FROM labels l WHERE l.frame_id = ? AND l.task = ? AND l.layer = 'human'`).safeIntegers(true),
    action: db.prepare(`INSERT INTO actions(name, media_id, frame_from, frame_to, author, at, at_frame) VALUES (?, ?, ?, ?, ?, ?, ?)`),
    hist: db.prepare(`INSERT INTO label_history(action_id, frame_id, task, layer, before, after, annotator, role) VALUES (?, ?, ?, 'human', ?, ?, ?, ?)`),
    faceHist: db.prepare(`INSERT INTO face_history(action_id, frame_id, before, after) VALUES (?, ?, ?, ?)`),
    finish: db.prepare('UPDATE actions SET frame_from = ?, frame_to = ?, at_frame = COALESCE(at_frame, ?) WHERE id = ?'),
    supersede: db.prepare('UPDATE actions SET superseded = 1 WHERE media_id = ? AND author = ? AND undone = 1 AND superseded = 0 AND id < ?'),
    drop: db.prepare('DELETE FROM actions WHERE id = ?'),
  };
}

/**
 * The time stamped on a human edit (its action and the rows it writes): now, or 1 ms after the
 * project's last action where the clock has not passed it (two edits in one millisecond, another
 * process's clock a little ahead). So the order of the stamps is the order the edits committed,
 * which the 'latest' policy compares. Call it inside the edit's write transaction.
 */
export function editTime(db: Db): string {
  const last = db.prepare('SELECT at FROM actions WHERE id = (SELECT MAX(id) FROM actions)').pluck().get() as string | undefined;
  const lastMs = last === undefined ? NaN : Date.parse(last);
  return new Date(Number.isNaN(lastMs) ? Date.now() : Math.max(Date.now(), lastMs + 1)).toISOString();
}

/**
 * One undoable action of one annotator (and role) over their layer of one media item. Open it
 * inside the caller's transaction, `set` / `face` each change, then `finish` (in the same transaction).
 */
export class HumanHistory {
  readonly id: number;
  private readonly s: ReturnType<typeof historyStatements>;
  private readonly w: ReturnType<typeof humanWriter>;
  private lo = Infinity;
  private hi = -Infinity;
  private n = 0;
  readonly role: AnnotatorRole;

  constructor(
    private readonly db: Db,
    private readonly info: ActionInfo,
  ) {
    if (!info.author || info.author.length > 120) throw new AppError('invalid-input', 'An annotator name (1 to 120 characters) is needed to write labels');
    this.role = info.role ?? 'annotator';
    this.s = historyStatements(db);
    this.w = humanWriter(db);
    this.id = Number(this.s.action.run(info.name, info.mediaId, null, null, info.author, info.at, info.atFrame ?? null).lastInsertRowid);
  }

  /** The annotator whose layer this action changes. */
  get annotator(): string {
    return this.info.author;
  }

  /** Changes recorded so far. */
  get changes(): number {
    return this.n;
  }

  /** The resolved human row of (frame, task) in force (any annotator's, merged), or null. */
  resolved(frameId: number, task: Task): HumanRow | null {
    const r = this.s.resolved.get(frameId, task) as RawRow | undefined;
    return r ? humanOf(r) : null;
  }

  /** This annotator's stored row of (frame, task) in this action's role, or null. */
  current(frameId: number, task: Task): HumanRow | null {
    return readOwn(this.db, frameId, task, this.info.author, this.role);
  }

  /**
   * Sets this annotator's row of (frame, task) to `next` (null = no row of theirs: the others'
   * rows, else the imported label, are in force) and re-materialises the resolved row, recording
   * before → after with annotator and role. `before` is this annotator's row now stored (read when
   * not given). `stored`: every annotator's rows of (frame, task) as stored now, when the caller
   * read them in this transaction (readLayerRows; then `before` comes from them), so they are not
   * read again. Returns false, writing nothing, when the values would not change.
   */
  set(frameId: number, idx: number, task: Task, next: HumanRow | null, before: HumanRow | null | undefined = undefined, stored?: readonly Annotation[]): boolean {
    const b = before !== undefined ? before : stored ? ownOf(stored, this.info.author, this.role) : this.current(frameId, task);
    if (sameHuman(b, next)) return false;
    const row = next && next.author !== this.info.author ? { ...next, author: this.info.author } : next;
    this.w.set(frameId, task, this.info.author, this.role, row, stored);
    this.s.hist.run(this.id, frameId, task, humanToJson(b), humanToJson(row), this.info.author, this.role);
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

  /** Closes the action: its frame range, and this annotator's redo stack of the media superseded. Null (and no action) when nothing changed. */
  finish(): number | null {
    if (!this.n) {
      this.s.drop.run(this.id);
      return null;
    }
    this.s.finish.run(this.lo, this.hi, this.lo, this.id);
    this.s.supersede.run(this.info.mediaId, this.info.author, this.id);
    return this.id;
  }
}

export { humanFromJson, humanToJson, sameHuman };
