// Evaluation of per-frame predictions (soft-label records) against a sample set's labels with the
// ABAW metrics; per-AU threshold tuning on validation data; the score that picks the kept epoch.
import { evaluationBlock, tuneAuThresholds, type EvaluationBlock } from '../../shared/metrics';
import { NUM_AUS } from '../../shared/labels';
import { recordProbabilities, type RecordProbabilities } from '../../shared/softlabels';
import type { SampleSet } from '../../shared/samples';

export type Probabilities = RecordProbabilities;

/** Records (n × 55 logits) → probabilities and VA expectations over the bin centres (the soft-label codec's). */
export const probabilitiesOf = recordProbabilities;

function auLabels(s: SampleSet, rows: readonly number[]): (number | null)[][] {
  return rows.map((r) => Array.from({ length: NUM_AUS }, (_, k) => (s.au[r * NUM_AUS + k] >= 0 ? s.au[r * NUM_AUS + k] : null)));
}

/** ABAW metrics of predictions for sample rows `rows` (records in the same order). */
export function evaluatePredictions(s: SampleSet, rows: readonly number[], records: Float32Array, thresholds?: readonly number[]): EvaluationBlock {
  const p = probabilitiesOf(records);
  return evaluationBlock({
    au: { probs: p.au, labels: auLabels(s, rows), thresholds },
    expr: { probs: p.expr, labels: rows.map((r) => (s.expr[r] >= 0 ? s.expr[r] : null)) },
    va: {
      valence: p.valence,
      arousal: p.arousal,
      labelValence: rows.map((r) => (Number.isNaN(s.valence[r]) ? null : s.valence[r])),
      labelArousal: rows.map((r) => (Number.isNaN(s.arousal[r]) ? null : s.arousal[r])),
    },
  });
}

/** Per-AU thresholds maximising F1 on the given (validation) rows; 0.5 where an AU has no labels. */
export function tuneThresholds(s: SampleSet, rows: readonly number[], records: Float32Array): number[] {
  return tuneAuThresholds(probabilitiesOf(records).au, auLabels(s, rows));
}

/**
 * Per-AU thresholds for an ensemble, tuned on its members' validation records pooled (every
 * member's prediction of every row counts as one case: N × the rows), not on the ensemble's own
 * averaged records: N times the cases to tune 8 thresholds on, so they over-fit a small validation
 * split less (issue 17). `members`: one records array per member, each in `rows` order.
 */
export function tunePooledThresholds(s: SampleSet, rows: readonly number[], members: readonly Float32Array[]): number[] {
  if (members.length === 0) throw new Error('tunePooledThresholds: no members');
  const pooled = new Float32Array(members.reduce((n, m) => n + m.length, 0));
  let at = 0;
  for (const m of members) {
    pooled.set(m, at);
    at += m.length;
  }
  return tuneThresholds(s, members.flatMap(() => rows), pooled);
}

/** The compact per-task scores of a block (for logs, epoch rows and tables). */
export function scoresOf(b: EvaluationBlock): { au: number | null; expr: number | null; valence: number | null; arousal: number | null } {
  return { au: b.au?.score ?? null, expr: b.expr?.score ?? null, valence: b.valence?.ccc ?? null, arousal: b.arousal?.ccc ?? null };
}

/**
 * The score the training loop keeps the best epoch by: the sum of the task scores (AU and EXPR
 * ABAW scores, valence and arousal CCC) of a validation block at AU threshold 0.5, as the
 * reference code's `_validate` sums its task metrics. A task without validation labels adds 0.
 */
export function selectionScore(b: EvaluationBlock): number {
  const s = scoresOf(b);
  return (s.au ?? 0) + (s.expr ?? 0) + (s.valence ?? 0) + (s.arousal ?? 0);
}
