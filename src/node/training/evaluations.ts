// Stored evaluations: the evaluate job writes its report here (with a bounded sample of per-frame
// valence/arousal predictions for the scatter plot), and the demo its evaluations against its
// complete truth (src/node/demo/truth-table.ts); the dashboard reads the paper's Table 2 — the
// newest evaluation of each model on one dataset and split, per reference — back from it.
import type { Db } from '../store/database';
import { AppError } from '../../shared/result';
import { EvaluationResult, type EvaluationReference, type EvaluationRow, type MeasuredOn, type VaPoints } from '../../shared/training-contract';
import type { Split } from '../../shared/labels';

/** At most this many frames go into the stored scatter sample (the table keeps the exact metrics). */
export const MAX_VA_POINTS = 1000;

const round = (v: number) => Math.round(v * 1e4) / 1e4;
const labelOf = (v: number) => (Number.isFinite(v) ? round(v) : null);

/**
 * An evenly spaced sample (at most `max`) of the frames that have a valence or an arousal label:
 * predictions next to labels. Deterministic, so the same evaluation gives the same picture.
 */
export function vaPoints(
  pred: { valence: ArrayLike<number>; arousal: ArrayLike<number> },
  label: { valence: ArrayLike<number>; arousal: ArrayLike<number> },
  n: number,
  max = MAX_VA_POINTS,
): VaPoints {
  const rows: number[] = [];
  for (let i = 0; i < n; i++) if (Number.isFinite(label.valence[i]) || Number.isFinite(label.arousal[i])) rows.push(i);
  const k = Math.min(max, rows.length);
  const pick = Array.from({ length: k }, (_, j) => rows[Math.floor((j * rows.length) / k)]);
  return {
    total: rows.length,
    valence: pick.map((i) => round(pred.valence[i])),
    arousal: pick.map((i) => round(pred.arousal[i])),
    labelValence: pick.map((i) => labelOf(label.valence[i])),
    labelArousal: pick.map((i) => labelOf(label.arousal[i])),
  };
}

export interface StoredEvaluation {
  modelId: number;
  /** null = every dataset of the project. */
  dataset: string | null;
  split: Split;
  /** What the predictions were compared with; 'labels' (the evaluate job's) when not given. */
  reference?: EvaluationReference;
  /** The frames each task was measured on; 'labelled' when not given (the only choice against the labels). */
  measuredOn?: MeasuredOn;
  result: unknown;
  points: VaPoints | null;
  runId: number | null;
}

/** Records one evaluation; returns its id. */
export function saveEvaluation(db: Db, e: StoredEvaluation): number {
  const info = db
    .prepare('INSERT INTO evaluations(model_id, dataset, split, reference, measured_on, result, points, run_id, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
    .run(
      e.modelId,
      e.dataset ?? '',
      e.split,
      e.reference ?? 'labels',
      e.measuredOn ?? 'labelled',
      JSON.stringify(e.result),
      e.points ? JSON.stringify(e.points) : null,
      e.runId,
      new Date().toISOString(),
    );
  return Number(info.lastInsertRowid);
}

interface TableRaw {
  id: number;
  model_id: number;
  name: string;
  kind: EvaluationRow['kind'];
  arch: EvaluationRow['arch'];
  parent_id: number | null;
  run_id: number | null;
  at: string;
  reference: EvaluationReference;
  measured_on: MeasuredOn;
  result: string;
}

/**
 * Table 2 order: the CNN rows (the paper's Table 2), then the CNN-RNN rows (its Table 3) right
 * below them; within an architecture teachers, then students, then ensembles; by id within a kind.
 */
const KIND_ORDER: Record<EvaluationRow['kind'], number> = { teacher: 0, student: 1, ensemble: 2 };
const ARCH_ORDER: Record<EvaluationRow['arch'], number> = { cnn: 0, 'cnn-rnn': 1 };

/**
 * The newest evaluation of every model on `dataset` ('' = all datasets) and `split`, for each
 * reference and frames measured on (one Table 2 each: src/shared/table2.ts groupTables).
 */
export function evaluationTable(db: Db, dataset: string, split: Split): EvaluationRow[] {
  const raw = db
    .prepare(
      `SELECT e.id, e.model_id, m.name, m.kind, m.arch, m.parent_id, e.run_id, e.at, e.reference, e.measured_on, e.result
       FROM evaluations e JOIN models m ON m.id = e.model_id
       WHERE e.id IN (SELECT MAX(id) FROM evaluations WHERE dataset = ? AND split = ? GROUP BY model_id, reference, measured_on)`,
    )
    .all(dataset, split) as TableRaw[];
  const rows: EvaluationRow[] = [];
  for (const r of raw) {
    // A report from an older engine that no longer parses is left out rather than failing the table.
    const parsed = EvaluationResult.safeParse(JSON.parse(r.result));
    if (!parsed.success) continue;
    rows.push({
      id: r.id,
      modelId: r.model_id,
      name: r.name,
      kind: r.kind,
      arch: r.arch,
      parentId: r.parent_id,
      runId: r.run_id,
      at: r.at,
      reference: r.reference,
      measuredOn: r.measured_on,
      result: parsed.data,
    });
  }
  return rows.sort((a, b) => ARCH_ORDER[a.arch] - ARCH_ORDER[b.arch] || KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || a.modelId - b.modelId || a.id - b.id);
}

/** Every (dataset, split) that has stored evaluations, with how many models. */
export function availableEvaluations(db: Db): { dataset: string; split: Split; models: number }[] {
  return db
    .prepare('SELECT dataset, split, COUNT(DISTINCT model_id) AS models FROM evaluations GROUP BY dataset, split ORDER BY dataset, split')
    .all() as { dataset: string; split: Split; models: number }[];
}

export function evaluationPoints(db: Db, evaluationId: number): VaPoints {
  const r = db.prepare('SELECT points FROM evaluations WHERE id = ?').get(evaluationId) as { points: string | null } | undefined;
  if (!r) throw new AppError('not-found', `No evaluation with id ${evaluationId}`);
  return r.points ? (JSON.parse(r.points) as VaPoints) : { total: 0, valence: [], arousal: [], labelValence: [], labelArousal: [] };
}
