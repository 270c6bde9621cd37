// The paper's losses for windows of frames. The sequence model's outputs are flattened to
// [B·T, K] (row b·T + t), so each step is one "sample" of the per-frame losses in ../losses:
//
// - Teacher (Eq. 4): padded steps carry no label (every label mask is 0 there), and every term of
//   teacherLoss averages only over labelled samples (CCC too is computed over the labelled
//   subset), so teacherLoss on the flattened batch ignores padding as it is.
// - Student (Eq. 7): the distillation terms apply to every step, labelled or not, so padded steps
//   must be masked out explicitly: the loss is the per-step Eq. 7 averaged over the real steps,
//     L_k = Σ_j v_j·[D_j + m_j·λ·(G_j − D_j)] / Σ_j v_j      (v_j = 1 for a real frame)
//   which is exactly ../losses studentLoss when no step is padded.
import { tf } from '../backend';
import {
  auDistillPerSample,
  auLossPerSample,
  crossEntropyPerSample,
  DEFAULT_LOSS_WEIGHTS,
  DEFAULT_STUDENT_OPTIONS,
  klDistillPerSample,
  maskedMean,
  teacherLoss,
  vaLossParts,
  type BatchTargets,
  type HeadOutputs,
  type LossWeights,
  type StudentLossOptions,
  type StudentLossTerms,
  type TeacherLossTerms,
} from '../losses';
import { NUM_EXPR, SOFT_LABEL_WIDTH } from '../../shared/labels';
import { perTask } from '../../shared/train-config';
import type { SampleSet } from '../../shared/samples';
import { headsFromRecords, targetsOf } from '../train/batch';

/** Rows of `s` per window (fewer than T at a sequence end) → targets of the B·T steps. */
export function windowTargets(s: SampleSet, windows: readonly ArrayLike<number>[], T: number): BatchTargets {
  const rows: number[] = [];
  for (const w of windows) {
    if (w.length > T) throw new Error(`window of ${w.length} frames is longer than ${T}`);
    for (let t = 0; t < T; t++) rows.push(t < w.length ? w[t] : -1);
  }
  return targetsOf(s, rows);
}

/** [B·T]: 1 for the real steps of each window, 0 for padding. */
export function validSteps(lengths: readonly number[], T: number): tf.Tensor1D {
  const m = new Float32Array(lengths.length * T);
  lengths.forEach((l, b) => m.fill(1, b * T, b * T + Math.min(l, T)));
  return tf.tensor1d(m);
}

/** Teacher records (55 floats) of the window steps as [B·T, K] logits; zeros on padded steps. */
export function windowTeacherHeads(records: readonly (Float32Array | null)[]): HeadOutputs {
  const zero = new Float32Array(SOFT_LABEL_WIDTH);
  return headsFromRecords(records.map((r) => r ?? zero));
}

/** Eq. 4 over the flattened steps (padding is unlabelled, hence ignored; see the header). */
export function sequenceTeacherLoss(out: HeadOutputs, t: BatchTargets, weights?: Partial<LossWeights>): TeacherLossTerms {
  return teacherLoss(out, t, weights);
}

/** Σ v·[D + m·λ·(G − D)] / Σ v. */
function mixValid(gt: tf.Tensor1D, distill: tf.Tensor1D, has: tf.Tensor1D, lambda: number, valid: tf.Tensor1D): tf.Scalar {
  return maskedMean(tf.add(distill, tf.mul(tf.mul(has, lambda), tf.sub(gt, distill))), valid);
}

/** Eq. 7 over the real steps of the flattened windows (see the header). */
export function sequenceStudentLoss(
  out: HeadOutputs,
  teacher: HeadOutputs,
  t: BatchTargets,
  valid: tf.Tensor1D,
  options: StudentLossOptions = {},
): StudentLossTerms {
  const n = out.au.shape[0];
  for (const x of [out.au, out.expr, out.v, out.a, teacher.au, teacher.expr, teacher.v, teacher.a]) {
    if (x.shape[0] !== n) throw new Error(`all outputs need ${n} rows, got [${x.shape}]`);
  }
  if (valid.shape[0] !== n) throw new Error(`valid mask has ${valid.shape[0]} rows, outputs ${n}`);
  const lambda = options.lambda ?? DEFAULT_STUDENT_OPTIONS.lambda;
  const T = options.temperature ?? DEFAULT_STUDENT_OPTIONS.temperature;
  const [lAu, lExpr, lVa] = [perTask(lambda, 'au'), perTask(lambda, 'expr'), perTask(lambda, 'va')];
  const [tExpr, tVa] = [perTask(T, 'expr'), perTask(T, 'va')];
  const t2 = options.scaleByT2 ?? DEFAULT_STUDENT_OPTIONS.scaleByT2;
  const w = { ...DEFAULT_LOSS_WEIGHTS, ...(options.weights ?? {}) };
  return tf.tidy(() => {
    const v = valid.toFloat() as tf.Tensor1D;
    const auGt = auLossPerSample(out.au, t.auTarget, t.auMask);
    const auD = auDistillPerSample(teacher.au, out.au);
    const au = mixValid(auGt.loss, auD, tf.mul(auGt.has, v) as tf.Tensor1D, lAu, v);

    const exprMask = tf.mul(t.exprMask.toFloat(), v) as tf.Tensor1D;
    const classes = tf.clipByValue(tf.round(tf.where(tf.greater(exprMask, 0.5), t.exprTarget.toFloat(), tf.zerosLike(exprMask))), 0, NUM_EXPR - 1).toInt() as tf.Tensor1D;
    const exprGt = crossEntropyPerSample(out.expr, classes);
    const exprD = klDistillPerSample(teacher.expr, out.expr, tExpr, t2);
    const expr = mixValid(exprGt, exprD, exprMask, lExpr, v);

    const vaMask = tf.mul(t.vaMask.toFloat(), v) as tf.Tensor1D;
    const vaTerm = (logits: tf.Tensor2D, tLogits: tf.Tensor2D, target: tf.Tensor1D) => {
      const { cePerSample, cccTerm } = vaLossParts(logits, target, vaMask);
      const d = klDistillPerSample(tLogits, logits, tVa, t2);
      return { loss: mixValid(tf.add(cePerSample, cccTerm) as tf.Tensor1D, d, vaMask, lVa, v), d };
    };
    const va = vaTerm(out.v, teacher.v, t.vTarget);
    const aa = vaTerm(out.a, teacher.a, t.aTarget);

    const total = tf.addN([tf.mul(au, w.au), tf.mul(expr, w.expr), tf.mul(va.loss, w.v), tf.mul(aa.loss, w.a)]) as tf.Scalar;
    return {
      total,
      au,
      expr,
      v: va.loss,
      a: aa.loss,
      auDistill: maskedMean(auD, v),
      exprDistill: maskedMean(exprD, v),
      vDistill: maskedMean(va.d, v),
      aDistill: maskedMean(aa.d, v),
    };
  });
}
