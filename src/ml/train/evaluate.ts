// Evaluation of per-frame predictions (soft-label records) against a sample set's labels with the
// ABAW metrics; per-AU threshold tuning on validation data.
import { evaluationBlock, tuneAuThresholds, type EvaluationBlock } from '../../shared/metrics';
import { NUM_AUS, NUM_EXPR, SOFT_LABEL_WIDTH, VA_BINS, VA_BIN_CENTRES } from '../../shared/labels';
import type { SampleSet } from '../../shared/samples';

export interface Probabilities {
  au: number[][];
  expr: number[][];
  valence: Float32Array;
  arousal: Float32Array;
}

function softmaxAt(src: Float32Array, off: number, n: number): number[] {
  let m = -Infinity;
  for (let i = 0; i < n; i++) m = Math.max(m, src[off + i]);
  const e: number[] = [];
  let s = 0;
  for (let i = 0; i < n; i++) {
    const v = Math.exp(src[off + i] - m);
    e.push(v);
    s += v;
  }
  return e.map((v) => v / s);
}

/** Records (n × 55 logits) → probabilities and VA expectations over the bin centres. */
export function probabilitiesOf(records: Float32Array): Probabilities {
  const n = records.length / SOFT_LABEL_WIDTH;
  const p: Probabilities = { au: [], expr: [], valence: new Float32Array(n), arousal: new Float32Array(n) };
  for (let i = 0; i < n; i++) {
    const o = i * SOFT_LABEL_WIDTH;
    const au: number[] = [];
    for (let k = 0; k < NUM_AUS; k++) au.push(1 / (1 + Math.exp(-records[o + k])));
    p.au.push(au);
    p.expr.push(softmaxAt(records, o + NUM_AUS, NUM_EXPR));
    const vb = softmaxAt(records, o + NUM_AUS + NUM_EXPR, VA_BINS);
    const ab = softmaxAt(records, o + NUM_AUS + NUM_EXPR + VA_BINS, VA_BINS);
    p.valence[i] = vb.reduce((acc, q, b) => acc + q * VA_BIN_CENTRES[b], 0);
    p.arousal[i] = ab.reduce((acc, q, b) => acc + q * VA_BIN_CENTRES[b], 0);
  }
  return p;
}

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

/** The compact per-task scores of a block (for logs, epoch rows and tables). */
export function scoresOf(b: EvaluationBlock): { au: number | null; expr: number | null; valence: number | null; arousal: number | null } {
  return { au: b.au?.score ?? null, expr: b.expr?.score ?? null, valence: b.valence?.ccc ?? null, arousal: b.arousal?.ccc ?? null };
}
