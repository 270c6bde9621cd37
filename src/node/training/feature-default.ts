// The CNN a CNN-RNN takes its frozen features from when the user names none, computed in the
// backend for the training dialogs' picker. The engine makes the same choice in the worker
// (src/node/training/engine/features.ts defaultFeatureModel), but that module loads TensorFlow.js, which the
// backend process never does; this reads only the meta block of model.json. A unit test checks
// that both pick the same model.
import fs from 'node:fs';
import path from 'node:path';
import type { Db } from '../store/database';
import { listModels, type ModelRow } from '../store/models';

/** The saved-model format whose meta block holds the training history (src/ml/models/io.ts). */
const MODEL_FORMAT = 'affect-workbench-model';

/** The sum of the last epoch's validation scores a saved CNN recorded; null without any (or without files). */
export function validationScore(projectDir: string, m: Pick<ModelRow, 'id' | 'path'>): number | null {
  try {
    const file = path.join(projectDir, m.path ?? path.join('models', String(m.id)), 'model.json');
    const json = JSON.parse(fs.readFileSync(file, 'utf8')) as { format?: string; meta?: { history?: { val?: Record<string, unknown> | null }[] } };
    if (json.format !== MODEL_FORMAT) return null;
    const history = json.meta?.history ?? [];
    const val = history[history.length - 1]?.val;
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
