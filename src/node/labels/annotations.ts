// The annotators' layers (issue 15) and the resolved human layer materialised from them.
//
// Each annotator's labels are their own rows of `annotations` (one per frame, task, annotator and
// role; all values NULL = that annotator cleared the label). Nobody's row overwrites another's. The
// `labels` table's human rows are the RESOLVED layer: per (frame, task) the one label in force under
// the project's policy (meta 'annotator_policy', default 'consensus'), by THE rule `resolve` of
// src/shared/annotators.ts, with `merged_from` saying how and `author` the one annotator it comes
// from (else NULL). Outcome 'none' / 'tie' → no human row (the imported label stays in force).
// Every reader (review, training samples, export, counts) keeps reading `labels`.
//
// Writers: HumanHistory / humanWriter (human.ts) write an annotator's row and call `materialise`
// for that (frame, task) in the caller's transaction; `setProjectPolicy` re-materialises them all.
import os from 'node:os';
import {
  ANNOTATOR_POLICY_NAMES,
  DEFAULT_ANNOTATOR_POLICY,
  parseAnnotatorPolicy,
  resolve,
  type Annotation,
  type AnnotationProvenance,
  type AnnotatorPolicy,
  type AnnotatorRole,
  type Resolution,
} from '../../shared/annotators';
import type { Task } from '../../shared/labels';
import { AppError } from '../../shared/result';
import type { Db } from '../store/database';
import type { FrameRef, HumanRow } from './rows';

export const POLICY_KEY = 'annotator_policy';

/** Who a label write is recorded as when the caller does not say (UI without a name, CLI without --annotator): the operating-system user. */
export function defaultAnnotator(): string {
  try {
    return os.userInfo().username || 'annotator';
  } catch {
    return 'annotator';
  }
}

/** An `annotations` row as read with safeIntegers (AU bit sets exceed 2^53). */
export interface RawAnnotation {
  frame_id: bigint;
  task: Task;
  annotator: string;
  role: AnnotatorRole;
  au_mask: bigint | null;
  au_bits: bigint | null;
  expr: bigint | null;
  valence: number | null;
  arousal: number | null;
  provenance: AnnotationProvenance;
  model_id: bigint | null;
  updated_at: string;
}

const ACOLS = 'a.frame_id, a.task, a.annotator, a.role, a.au_mask, a.au_bits, a.expr, a.valence, a.arousal, a.provenance, a.model_id, a.updated_at';

/** A row as read (ACOLS, safeIntegers) as the resolution rule takes it; the adjudication queue reads whole media items with it. */
export function annotationOf(r: RawAnnotation): Annotation {
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

/** An annotator's row as the history writer keeps it (author = the annotator). */
export function rowOf(a: Annotation): HumanRow {
  return {
    auMask: a.auMask,
    auBits: a.auBits,
    expr: a.expr,
    valence: a.valence,
    arousal: a.arousal,
    provenance: a.provenance,
    modelId: a.modelId,
    author: a.annotator,
    updatedAt: a.updatedAt,
  };
}

/** The statements of this module, prepared once per connection (an edit of 10,000 frames runs them 10,000 times). */
function statements(db: Db) {
  return {
    // raw rows, only the columns resolve needs: the materialiser runs this once per written (frame, task)
    readAll: db
      .prepare(`SELECT annotator, role, au_mask, au_bits, expr, valence, arousal, provenance, model_id, updated_at FROM annotations WHERE frame_id = ? AND task = ?`)
      .safeIntegers(true)
      .raw(),
    readOwn: db.prepare(`SELECT ${ACOLS} FROM annotations a WHERE a.frame_id = ? AND a.task = ? AND a.annotator = ? AND a.role = ?`).safeIntegers(true),
    readRange: db
      .prepare(`SELECT ${ACOLS} FROM frames f JOIN annotations a ON a.frame_id = f.id WHERE f.media_id = ? AND f.idx BETWEEN ? AND ?`)
      .safeIntegers(true),
    readFrame: db.prepare(`SELECT ${ACOLS} FROM annotations a WHERE a.frame_id = ?`).safeIntegers(true),
    putOwn: db.prepare(
      `INSERT OR REPLACE INTO annotations(frame_id, task, annotator, role, au_mask, au_bits, expr, valence, arousal, provenance, model_id, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    delOwn: db.prepare('DELETE FROM annotations WHERE frame_id = ? AND task = ? AND annotator = ? AND role = ?'),
    putResolved: db.prepare(
      `INSERT OR REPLACE INTO labels(frame_id, task, layer, au_mask, au_bits, expr, valence, arousal, provenance, model_id, author, updated_at, merged_from)
       VALUES (?, ?, 'human', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    delResolved: db.prepare(`DELETE FROM labels WHERE frame_id = ? AND task = ? AND layer = 'human'`),
    policy: db.prepare('SELECT value FROM meta WHERE key = ?').pluck(),
  };
}

const prepared = new WeakMap<Db, ReturnType<typeof statements>>();
function stmts(db: Db): ReturnType<typeof statements> {
  let s = prepared.get(db);
  if (!s) prepared.set(db, (s = statements(db)));
  return s;
}

/** Every annotator's (and adjudicator's) row of one (frame, task). */
export function readAnnotations(db: Db, frameId: number, task: Task): Annotation[] {
  const rows = stmts(db).readAll.all(frameId, task) as [
    string,
    AnnotatorRole,
    bigint | null,
    bigint | null,
    bigint | null,
    number | null,
    number | null,
    AnnotationProvenance,
    bigint | null,
    string,
  ][];
  return rows.map(([annotator, role, auMask, auBits, expr, valence, arousal, provenance, modelId, updatedAt]) => ({
    annotator,
    role,
    auMask,
    auBits,
    expr: expr === null ? null : Number(expr),
    valence,
    arousal,
    provenance,
    modelId: modelId === null ? null : Number(modelId),
    updatedAt,
  }));
}

/** One annotator's row of (frame, task) in the given role, or null. */
export function readOwn(db: Db, frameId: number, task: Task, annotator: string, role: AnnotatorRole): HumanRow | null {
  const r = stmts(db).readOwn.get(frameId, task, annotator, role) as RawAnnotation | undefined;
  return r ? rowOf(annotationOf(r)) : null;
}

/**
 * Every annotator's rows of the given frames (frame id → task → rows), read in one go; `contiguous`:
 * the frames are a range of a media item. An edit reads them once and hands each (frame, task)'s
 * rows to the history writer, which then re-materialises without reading them again.
 */
export function readLayerRows(db: Db, mediaId: number, frames: readonly FrameRef[], contiguous: boolean): Map<number, Map<Task, Annotation[]>> {
  const out = new Map<number, Map<Task, Annotation[]>>();
  if (!frames.length) return out;
  const s = stmts(db);
  const rows = contiguous
    ? (s.readRange.all(mediaId, frames[0].idx, frames[frames.length - 1].idx) as RawAnnotation[])
    : frames.flatMap((f) => s.readFrame.all(f.id) as RawAnnotation[]);
  for (const r of rows) {
    const fid = Number(r.frame_id);
    let m = out.get(fid);
    if (!m) out.set(fid, (m = new Map()));
    const list = m.get(r.task);
    if (list) list.push(annotationOf(r));
    else m.set(r.task, [annotationOf(r)]);
  }
  return out;
}

/** The row of `annotator` in `role` among a (frame, task)'s rows, as the history writer keeps it; null when they have none. */
export function ownOf(rows: readonly Annotation[] | undefined, annotator: string, role: AnnotatorRole): HumanRow | null {
  const a = rows?.find((r) => r.annotator === annotator && r.role === role);
  return a ? rowOf(a) : null;
}

/** A (frame, task)'s rows after `annotator` (in `role`) set their row to `row` (null: removed it). */
export function withOwn(rows: readonly Annotation[], annotator: string, role: AnnotatorRole, row: HumanRow | null): Annotation[] {
  const out = rows.filter((r) => r.annotator !== annotator || r.role !== role);
  if (row) {
    out.push({
      annotator,
      role,
      auMask: row.auMask,
      auBits: row.auBits,
      expr: row.expr,
      valence: row.valence,
      arousal: row.arousal,
      provenance: row.provenance,
      modelId: row.modelId,
      updatedAt: row.updatedAt,
    });
  }
  return out;
}

/** Writes (row) or removes (null) one annotator's row of (frame, task). No history, no materialising: see human.ts. */
export function writeOwn(db: Db, frameId: number, task: Task, annotator: string, role: AnnotatorRole, row: HumanRow | null): void {
  const s = stmts(db);
  if (row === null) s.delOwn.run(frameId, task, annotator, role);
  else s.putOwn.run(frameId, task, annotator, role, row.auMask, row.auBits, row.expr, row.valence, row.arousal, row.provenance, row.modelId, row.updatedAt);
}

/** The project's annotator policy (meta 'annotator_policy'; default consensus). */
export function projectPolicy(db: Db): AnnotatorPolicy {
  const v = stmts(db).policy.get(POLICY_KEY) as string | undefined;
  return (v === undefined ? null : parseAnnotatorPolicy(v)) ?? DEFAULT_ANNOTATOR_POLICY;
}

/** Writes the resolved human row of (frame, task) from its annotations under `policy`; returns the resolution. */
function writeResolved(db: Db, frameId: number, task: Task, rows: readonly Annotation[], policy: AnnotatorPolicy): Resolution {
  const s = stmts(db);
  // one order whatever the source (a mean's float sum depends on it): by annotator, then role
  const ordered = rows.length < 2 ? rows : [...rows].sort((a, b) => (a.annotator < b.annotator ? -1 : a.annotator > b.annotator ? 1 : a.role < b.role ? -1 : a.role > b.role ? 1 : 0));
  const r = resolve(task, ordered, policy);
  if (r.outcome !== 'label') {
    s.delResolved.run(frameId, task);
    return r;
  }
  // The resolved row's time: the newest change among the rows it was resolved from.
  let at = '';
  for (const a of rows) if (a.updatedAt > at) at = a.updatedAt;
  const v = r.values;
  s.putResolved.run(frameId, task, v.auMask, v.auBits, v.expr, v.valence, v.arousal, r.provenance, r.modelId, r.author, at, r.mergedFrom);
  return r;
}

/**
 * Materialises the resolved human row of one (frame, task) from its annotators' rows under the
 * project's policy (or `policy`, when the caller read it once for many frames). `rows`: the
 * (frame, task)'s rows as stored now, when the caller has them (read in this transaction); else
 * they are read. In the caller's transaction.
 */
export function materialise(
  db: Db,
  frameId: number,
  task: Task,
  policy: AnnotatorPolicy = projectPolicy(db),
  rows: readonly Annotation[] = readAnnotations(db, frameId, task),
): Resolution {
  return writeResolved(db, frameId, task, rows, policy);
}

/**
 * Re-materialises every resolved human row of the project under `policy`, in the caller's
 * transaction: (frame, task) pairs with annotations are resolved again, resolved rows without any
 * annotation are removed. Returns how many resolved rows there are afterwards.
 */
function rematerialiseAll(db: Db, policy: AnnotatorPolicy): number {
  db.prepare(`DELETE FROM labels WHERE layer = 'human' AND NOT EXISTS (SELECT 1 FROM annotations a WHERE a.frame_id = labels.frame_id AND a.task = labels.task)`).run();
  const it = db.prepare(`SELECT ${ACOLS} FROM annotations a ORDER BY a.frame_id, a.task`).safeIntegers(true).iterate() as IterableIterator<RawAnnotation>;
  // Iterating while writing needs a second connection in better-sqlite3: collect the groups first.
  const groups: { frameId: number; task: Task; rows: Annotation[] }[] = [];
  let cur: (typeof groups)[number] | null = null;
  for (const r of it) {
    const fid = Number(r.frame_id);
    if (!cur || cur.frameId !== fid || cur.task !== r.task) groups.push((cur = { frameId: fid, task: r.task, rows: [] }));
    cur.rows.push(annotationOf(r));
  }
  let n = 0;
  for (const g of groups) if (writeResolved(db, g.frameId, g.task, g.rows, policy).outcome === 'label') n++;
  return n;
}

/** Annotator names with rows in `annotations`, sorted; `scope` narrows to a dataset or media item, and to one role. */
export function annotatorNames(db: Db, scope: { datasetId?: number; mediaId?: number; role?: AnnotatorRole } = {}): string[] {
  const where: string[] = [];
  const args: (string | number)[] = [];
  let from = 'annotations a';
  if (scope.mediaId !== undefined || scope.datasetId !== undefined) from += ' JOIN frames f ON f.id = a.frame_id';
  if (scope.mediaId !== undefined) {
    where.push('f.media_id = ?');
    args.push(scope.mediaId);
  }
  if (scope.datasetId !== undefined) {
    from += ' JOIN media m ON m.id = f.media_id';
    where.push('m.dataset_id = ?');
    args.push(scope.datasetId);
  }
  if (scope.role !== undefined) {
    where.push('a.role = ?');
    args.push(scope.role);
  }
  const sql = `SELECT DISTINCT a.annotator FROM ${from}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY a.annotator`;
  return db.prepare(sql).pluck().all(...args) as string[];
}

/** The policy names a user can choose in a project with these annotators: the named ones and one per annotator. */
export function policyChoices(names: readonly string[]): string[] {
  return [...ANNOTATOR_POLICY_NAMES, ...names.map((n) => `annotator:${n}`)];
}

/** Validates a policy name for this project: a named policy, or 'annotator:NAME' of an annotator with labels. */
export function checkPolicy(db: Db, s: string): AnnotatorPolicy {
  const p = parseAnnotatorPolicy(s);
  if (p === null) throw new AppError('invalid-input', `Unknown annotator policy "${s}": use consensus, latest or annotator:NAME`);
  if (p.startsWith('annotator:')) {
    const who = p.slice('annotator:'.length);
    const known = db.prepare(`SELECT 1 FROM annotations WHERE annotator = ? AND role = 'annotator' LIMIT 1`).get(who);
    if (!known) {
      const names = annotatorNames(db, { role: 'annotator' });
      throw new AppError('invalid-input', `No annotator "${who}" has labels in this project${names.length ? ` (annotators: ${names.join(', ')})` : ''}`);
    }
  }
  return p;
}

/**
 * Sets the project's annotator policy and re-materialises every resolved human row under it, in
 * one IMMEDIATE transaction (training and export read the new merged layer at once; nothing is
 * half-switched). Returns the number of resolved human rows.
 */
export function setProjectPolicy(db: Db, policy: string): { policy: AnnotatorPolicy; resolved: number } {
  return db
    .transaction(() => {
      const p = checkPolicy(db, policy);
      db.prepare('INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)').run(POLICY_KEY, p);
      return { policy: p, resolved: rematerialiseAll(db, p) };
    })
    .immediate();
}

export interface AnnotatorSummary {
  name: string;
  role: AnnotatorRole;
  /** Labels per task in this annotator's layer (clearings not counted). */
  labels: { au: number; expr: number; va: number };
  /** Clearings per task. */
  cleared: { au: number; expr: number; va: number };
  /** ISO time of the newest change in the layer. */
  lastChange: string;
}

/** Every annotator (per role) with label counts per task and the time of the last change. */
export function annotatorSummaries(db: Db): AnnotatorSummary[] {
  const rows = db
    .prepare(
      `SELECT annotator, role, task,
              SUM(CASE WHEN au_mask IS NOT NULL AND au_mask != 0 OR expr IS NOT NULL OR (valence IS NOT NULL AND arousal IS NOT NULL) THEN 1 ELSE 0 END) AS n,
              COUNT(*) AS total, MAX(updated_at) AS last
       FROM annotations GROUP BY annotator, role, task ORDER BY annotator, role`,
    )
    .all() as { annotator: string; role: AnnotatorRole; task: Task; n: number; total: number; last: string }[];
  const out = new Map<string, AnnotatorSummary>();
  for (const r of rows) {
    const k = `${r.annotator}\u0000${r.role}`;
    let s = out.get(k);
    if (!s) out.set(k, (s = { name: r.annotator, role: r.role, labels: { au: 0, expr: 0, va: 0 }, cleared: { au: 0, expr: 0, va: 0 }, lastChange: r.last }));
    s.labels[r.task] = r.n;
    s.cleared[r.task] = r.total - r.n;
    if (r.last > s.lastChange) s.lastChange = r.last;
  }
  return [...out.values()];
}
