// The CNN a CNN-RNN takes its frozen features from when the user names none: the one home of the
// rule, used by the backend for the training dialogs' picker and by the engine in the worker
// (src/node/training/engine/features.ts). It reads only the meta block of model.json, so the
// backend process never loads TensorFlow.js.
import fs from 'node:fs';
import path from 'node:path';
import type { Db } from '../store/database';
import { listModels, type ModelRow } from '../store/models';

/** The saved-model format whose meta block holds the training history (src/ml/models/io.ts). */
const MODEL_FORMAT = 'affect-workbench-model';

/** The sum of the validation scores of the epoch a saved CNN kept (meta.keptEpoch; the last one for models saved before); null without any (or without files). */
export function validationScore(projectDir: string, m: Pick<ModelRow, 'id' | 'path'>): number | null {
  try {
    const file = path.join(projectDir, m.path ?? path.join('models', String(m.id)), 'model.json');
    const json = JSON.parse(fs.readFileSync(file, 'utf8')) as { format?: string; meta?: { keptEpoch?: number; history?: { val?: Record<string, unknown> | null }[] } };
    if (json.format !== MODEL_FORMAT) return null;
    const history = json.meta?.history ?? [];
    const kept = json.meta?.keptEpoch;
    const val = history[(kept && kept <= history.length ? kept : history.length) - 1]?.val;
    if (!val) return null;
    const scores = Object.values(val).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
    return scores.length ? scores.reduce((a, b) => a + b, 0) : null;
  } catch {
    return null;
  }
}

/** Models that can give features: ready CNN teachers and students (an ensemble has no single extractor). */
export function featureCandidates(models: ModelRow[]): ModelRow[] {
  return models.filter((m) => m.arch === 'cnn' && m.status === 'ready' && m.kind !== 'ensemble');
}

/**
 * The paper's choice: the best CNN student (highest sum of its last validation scores); without
 * scores the newest student; without students the best (else newest) teacher; null without any.
 */
export function defaultFeatureModelId(db: Db, projectDir: string): number | null {
  const ready = featureCandidates(listModels(db));
  for (const kind of ['student', 'teacher'] as const) {
    const cands = ready.filter((m) => m.kind === kind);
    if (!cands.length) continue;
    let best: ModelRow | null = null;
    let bestScore = -Infinity;
    for (const m of cands) {
      const s = validationScore(projectDir, m);
      if (s !== null && s > bestScore) [best, bestScore] = [m, s];
    }
    return (best ?? cands[cands.length - 1]).id;
  }
  return null;
}

/** Checks that a model can give features: a ready CNN teacher or student with its files. */
export function checkFeatureModel(m: ModelRow): void {
  if (m.arch !== 'cnn') throw new Error(`model ${m.id} (${m.name}) is a ${m.arch} model; features come from a CNN teacher or student`);
  if (m.kind === 'ensemble') throw new Error(`model ${m.id} (${m.name}) is an ensemble, which has no single feature extractor: choose one of its students`);
  if (m.status !== 'ready') throw new Error(`model ${m.id} (${m.name}) is not ready (status ${m.status})`);
}
