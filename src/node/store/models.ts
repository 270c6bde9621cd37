// Model rows: teachers, students and ensembles, with their config, thresholds and folder, and the
// status a training run leaves them in when it stops before the end.
import fs from 'node:fs';
import path from 'node:path';
import { AppError } from '../../shared/result';
import type { Db } from './database';

export interface ModelRow {
  id: number;
  name: string;
  kind: 'teacher' | 'student' | 'ensemble';
  arch: 'cnn' | 'cnn-rnn';
  backbone: string | null;
  parentId: number | null;
  members: number[] | null;
  config: Record<string, unknown>;
  thresholds: number[] | null;
  path: string | null;
  status: 'training' | 'ready' | 'failed';
  createdAt: string;
}

interface Raw {
  id: number;
  name: string;
  kind: ModelRow['kind'];
  arch: ModelRow['arch'];
  backbone: string | null;
  parent_id: number | null;
  members: string | null;
  config: string;
  thresholds: string | null;
  path: string | null;
  status: ModelRow['status'];
  created_at: string;
}

function fromRaw(r: Raw): ModelRow {
  return {
    id: r.id,
    name: r.name,
    kind: r.kind,
    arch: r.arch,
    backbone: r.backbone,
    parentId: r.parent_id,
    members: r.members ? (JSON.parse(r.members) as number[]) : null,
    config: JSON.parse(r.config) as Record<string, unknown>,
    thresholds: r.thresholds ? (JSON.parse(r.thresholds) as number[]) : null,
    path: r.path,
    status: r.status,
    createdAt: r.created_at,
  };
}

/**
 * A new model in status 'training'. With `runId` (the job creating it) the model is tied to that
 * job in the same transaction (runs.model_id, the first model of a job), and it is created only
 * while the job is 'running': a worker whose job was already found interrupted (its owner was
 * killed) cannot leave a model 'training' that no run accounts for.
 */
export function createModel(
  db: Db,
  m: { name?: string; kind: ModelRow['kind']; arch?: ModelRow['arch']; backbone?: string | null; parentId?: number | null; members?: number[]; config: object; runId?: number },
): ModelRow {
  return db.transaction(() => insertModel(db, m)).immediate();
}

function insertModel(db: Db, m: Parameters<typeof createModel>[1]): ModelRow {
  if (m.runId !== undefined) {
    const run = db.prepare('SELECT status FROM runs WHERE id = ?').get(m.runId) as { status: string } | undefined;
    if (run && run.status !== 'running') throw new AppError('conflict', `job #${m.runId} is ${run.status}: no model is created for it`);
  }
  const now = new Date().toISOString();
  const id = Number(
    db
      .prepare(
        `INSERT INTO models(name, kind, arch, backbone, parent_id, members, config, status, created_at, run_id)
         VALUES ('', ?, ?, ?, ?, ?, ?, 'training', ?, ?)`,
      )
      .run(m.kind, m.arch ?? 'cnn', m.backbone ?? null, m.parentId ?? null, m.members ? JSON.stringify(m.members) : null, JSON.stringify(m.config), now, m.runId ?? null)
      .lastInsertRowid,
  );
  const name = m.name ?? `${m.kind}-${id}`;
  db.prepare('UPDATE models SET name = ?, path = ? WHERE id = ?').run(name, path.join('models', String(id)), id);
  if (m.runId !== undefined) db.prepare('UPDATE runs SET model_id = COALESCE(model_id, ?) WHERE id = ?').run(id, m.runId);
  return getModel(db, id)!;
}

export function getModel(db: Db, id: number): ModelRow | null {
  const r = db.prepare('SELECT * FROM models WHERE id = ?').get(id) as Raw | undefined;
  return r ? fromRaw(r) : null;
}

export function listModels(db: Db): ModelRow[] {
  return (db.prepare('SELECT * FROM models ORDER BY id').all() as Raw[]).map(fromRaw);
}

/** Resolves a model reference: an id, or 'ensemble' (the newest ready ensemble), or 'teacher'. */
export function resolveModelRef(db: Db, ref: string | number): ModelRow {
  if (typeof ref === 'number' || /^\d+$/.test(ref)) {
    const m = getModel(db, Number(ref));
    if (!m) throw new Error(`no model with id ${ref}`);
    return m;
  }
  if (ref === 'ensemble' || ref === 'teacher' || ref === 'student') {
    const id = db.prepare(`SELECT id FROM models WHERE kind = ? AND status = 'ready' ORDER BY id DESC LIMIT 1`).pluck().get(ref) as number | undefined;
    if (id === undefined) throw new Error(`no ready ${ref} model in this project`);
    return getModel(db, id)!;
  }
  throw new Error(`not a model reference: "${ref}" (an id, "teacher", "student" or "ensemble")`);
}

export function setModelStatus(db: Db, id: number, status: ModelRow['status'], thresholds?: number[] | null): void {
  if (thresholds) db.prepare('UPDATE models SET status = ?, thresholds = ? WHERE id = ?').run(status, JSON.stringify(thresholds), id);
  else db.prepare('UPDATE models SET status = ? WHERE id = ?').run(status, id);
}

/**
 * The models a training run left unfinished: its model (runs.model_id), every model it created
 * (models.run_id: the students and the ensemble), and for a students run the other students of the
 * same group, where still 'training'. Marked 'failed' (the models table knows
 * 'training', 'ready', 'failed'): 'training' means a live job is training it; a failed model keeps
 * its checkpoint and resumes through its run (runs.resume / --resume JOB_ID). Models that another
 * queued or running run trains are left alone. Returns how many rows changed.
 */
export function stopRunModels(db: Db, runId: number): number {
  return db
    .prepare(
      `WITH run AS (SELECT model_id FROM runs WHERE id = ? AND kind LIKE 'train.%' AND model_id IS NOT NULL),
            own AS (SELECT * FROM models WHERE id = (SELECT model_id FROM run))
       UPDATE models SET status = 'failed'
       WHERE status = 'training'
         AND (id = (SELECT model_id FROM run)
              OR run_id = ?
              OR (kind = 'student' AND parent_id = (SELECT parent_id FROM own) AND (SELECT kind FROM own) = 'student'
                  AND json_extract(config, '$.group') = (SELECT json_extract(config, '$.group') FROM own)))
         AND id NOT IN (SELECT model_id FROM runs WHERE id != ? AND status IN ('queued', 'running') AND model_id IS NOT NULL)`,
    )
    .run(runId, runId, runId).changes;
}

/** A run reports the model it trains now: a model left 'failed' by an earlier stop is 'training' again. */
export function resumeModelStatus(db: Db, modelId: number): void {
  db.prepare(`UPDATE models SET status = 'training' WHERE id = ? AND status = 'failed'`).run(modelId);
}

export function renameModel(db: Db, id: number, name: string): void {
  db.prepare('UPDATE models SET name = ? WHERE id = ?').run(name, id);
}

/** Deletes a model row (its soft labels go with it by cascade) and its folder. */
export function deleteModel(db: Db, projectDir: string, id: number): void {
  const m = getModel(db, id);
  if (!m) throw new Error(`no model with id ${id}`);
  db.prepare('DELETE FROM models WHERE id = ?').run(id);
  if (m.path) fs.rmSync(path.join(projectDir, m.path), { recursive: true, force: true });
}
