// Model administration for the dashboard: the list with soft-label and evaluation counts, rename,
// delete (files, soft labels, evaluations and cached CNN features go with the model) with the
// guards that keep the project consistent, and the model the review screen overlays (a project
// meta key).
import fs from 'node:fs';
import path from 'node:path';
import type { Db } from '../store/database';
// The feature cache's own module: it imports fs, path and better-sqlite3 only (no TensorFlow.js),
// so the backend can use it; a unit test keeps it that way.
import { FEATURE_FILE, FeatureCache } from '../store/feature-cache';
import { deleteModel, getModel, listModels, renameModel, type ModelRow } from '../store/models';
import { AppError } from '../../shared/result';
import type { ModelDetail } from '../../shared/training-contract';

/** meta key holding the id of the model whose soft labels the review screen overlays. */
export const REVIEW_MODEL_KEY = 'review.model';

/** The review screen's model: the stored choice while that model exists, else null. */
export function getReviewModel(db: Db): number | null {
  const v = db.prepare('SELECT value FROM meta WHERE key = ?').pluck().get(REVIEW_MODEL_KEY) as string | undefined;
  if (v === undefined || !/^\d+$/.test(v)) return null;
  const id = Number(v);
  return getModel(db, id) ? id : null;
}

export function setReviewModel(db: Db, modelId: number | null): number | null {
  if (modelId === null) {
    db.prepare('DELETE FROM meta WHERE key = ?').run(REVIEW_MODEL_KEY);
    return null;
  }
  const m = getModel(db, modelId);
  if (!m) throw new AppError('not-found', `No model with id ${modelId}`);
  if (m.status !== 'ready') throw new AppError('conflict', `Model ${m.name} is not ready (${m.status}); the review screen overlays a trained model.`);
  db.prepare('INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)').run(REVIEW_MODEL_KEY, String(modelId));
  return modelId;
}

function detail(m: ModelRow, review: number | null, counts: Map<number, { soft: number; evals: number }>): ModelDetail {
  const c = counts.get(m.id) ?? { soft: 0, evals: 0 };
  return {
    id: m.id,
    name: m.name,
    kind: m.kind,
    arch: m.arch,
    backbone: m.backbone,
    parentId: m.parentId,
    members: m.members,
    status: m.status,
    createdAt: m.createdAt,
    config: m.config,
    thresholds: m.thresholds,
    softLabels: c.soft,
    evaluations: c.evals,
    review: review === m.id,
  };
}

export function modelDetails(db: Db): ModelDetail[] {
  const counts = new Map<number, { soft: number; evals: number }>();
  for (const r of db
    .prepare(
      `SELECT m.id, (SELECT COUNT(*) FROM soft_labels s WHERE s.model_id = m.id) AS soft,
              (SELECT COUNT(*) FROM evaluations e WHERE e.model_id = m.id) AS evals FROM models m`,
    )
    .all() as { id: number; soft: number; evals: number }[])
    counts.set(r.id, { soft: r.soft, evals: r.evals });
  const review = getReviewModel(db);
  return listModels(db).map((m) => detail(m, review, counts));
}

export function modelDetail(db: Db, id: number): ModelDetail {
  const d = modelDetails(db).find((m) => m.id === id);
  if (!d) throw new AppError('not-found', `No model with id ${id}`);
  return d;
}

export function renameModelChecked(db: Db, id: number, name: string): ModelDetail {
  if (!getModel(db, id)) throw new AppError('not-found', `No model with id ${id}`);
  const clash = db.prepare('SELECT id FROM models WHERE name = ? AND id <> ?').pluck().get(name, id) as number | undefined;
  if (clash !== undefined) throw new AppError('conflict', `Model #${clash} is already called "${name}"; choose another name.`);
  renameModel(db, id, name);
  return modelDetail(db, id);
}

/** Jobs queued or running that read or write the model: deleting it under them would break them. */
function jobsUsing(db: Db, id: number): number[] {
  const rows = db.prepare(`SELECT id, params, model_id FROM runs WHERE status IN ('queued', 'running')`).all() as {
    id: number;
    params: string;
    model_id: number | null;
  }[];
  return rows
    .filter((r) => {
      if (r.model_id === id) return true;
      const p = JSON.parse(r.params) as Record<string, unknown>;
      return [p.model, p.teacher, p.resume, p.featuresFrom].some((v) => v === id || v === String(id));
    })
    .map((r) => r.id);
}

/** CNN-RNN models that read their frozen features from CNN `id` (their config's featuresFrom). */
function featureUsers(db: Db, id: number): ModelRow[] {
  return listModels(db).filter((m) => m.arch === 'cnn-rnn' && m.config.featuresFrom === id);
}

/** Drops the project's cached features (cache/features.sqlite, when there is one) that only this model used. */
export function dropCachedFeatures(projectDir: string, id: number): void {
  if (!fs.existsSync(path.join(projectDir, FEATURE_FILE))) return;
  const cache = FeatureCache.open(projectDir);
  try {
    cache.deleteModel(id);
  } finally {
    cache.close();
  }
}

/** Deletes a model with its folder, soft labels (cascade), evaluations (cascade) and cached features. */
export function deleteModelChecked(db: Db, projectDir: string, id: number): { deleted: number; softLabels: number } {
  const m = getModel(db, id);
  if (!m) throw new AppError('not-found', `No model with id ${id}`);
  const busy = jobsUsing(db, id);
  if (busy.length) throw new AppError('conflict', `Job #${busy[0]} uses ${m.name}: cancel it or let it finish before deleting the model.`);
  const ensembles = listModels(db).filter((e) => e.kind === 'ensemble' && e.members?.includes(id));
  if (ensembles.length)
    throw new AppError('conflict', `${m.name} is a member of the ensemble ${ensembles[0].name} (#${ensembles[0].id}): delete the ensemble first.`);
  const readers = featureUsers(db, id);
  if (readers.length)
    throw new AppError('conflict', `${m.name} gives the features of the CNN-RNN model ${readers[0].name} (#${readers[0].id}): delete the CNN-RNN models first.`);
  const softLabels = db.prepare('SELECT COUNT(*) FROM soft_labels WHERE model_id = ?').pluck().get(id) as number;
  if (getReviewModel(db) === id) setReviewModel(db, null);
  deleteModel(db, projectDir, id);
  dropCachedFeatures(projectDir, id);
  return { deleted: id, softLabels };
}
