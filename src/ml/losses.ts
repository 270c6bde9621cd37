// The paper's losses (Deng, Chen, Shi, ABAW 2020, Eqs. 1–7) as pure TensorFlow.js functions.
//
// Every exported function runs its body in tf.tidy: called inside an outer tidy (or inside
// optimizer.minimize) it leaks nothing, and called outside one it leaves only its result alive.
// Teacher logits are plain (non-variable) tensors, so no gradient flows into them.
//
// Batch conventions (B samples; any task may be missing on any sample — partial labels):
//   outputs  au [B,8] logits, expr [B,7] logits, v [B,20] logits, a [B,20] logits
//   targets  auTarget [B,8] 0/1 with auMask [B,8] (1 where that AU is labelled),
//            exprTarget [B] class id with exprMask [B], vTarget/aTarget [B] in [-1,1] with vaMask [B].
// Target values under a 0 mask are ignored, even NaN or -1 (they are replaced before any arithmetic).
//
// Normalisation (why): each term averages only over the samples that carry its label, so a
// batch's task mix does not rescale a task's loss; a term with no labelled sample is exactly 0
// with a finite (zero) gradient. A per-sample AU loss is the mean over that sample's labelled AUs
// (Eq. 1 when all 8 are labelled); the AU term is the mean of that over samples with >= 1 AU label.
//
// Student (Eq. 7), choice documented here: the loss is the per-sample Eq. 7 averaged over the B
// samples. For task k and sample j with distillation loss D_j and ground-truth loss G_j:
//   labelled:   lambda·G_j + (1 − lambda)·D_j        unlabelled:  D_j
//   L_k = (1/B) Σ_j [ D_j + m_j·lambda·(G_j − D_j) ]
// CCC is a batch statistic: for V and A, G_j = CE_j + (1 − CCC_S), where CCC_S is computed over the
// subset S of the batch with VA labels (population variance) — i.e. the CCC term is shared equally
// by the labelled samples and enters L_k as lambda·(|S|/B)·(1 − CCC_S). With lambda = 1 and every
// sample labelled the student loss equals the teacher loss.
// Task weights of the student: Eq. 7 has none; the reference (optimize_parameters_kd) sums the
// four heads' terms (AU, EXPR, V, A) with weight 1 and averages over the per-task sub-batches,
// i.e. over the samples: total = L_AU + L_EXPR + L_V + L_A, studentTaskWeights('none'). The
// function's own default (options.weights unset) still multiplies by Eq. 4's 8/1/1/1, which is
// studentTaskWeights('teacher') — callers pick (src/ml/train/cnn.ts follows the config).
//
// λ and T may differ per task (config: a number for all tasks, or {au, expr, va} / {expr, va}; the
// V and A terms share the va value); one number is the paper's form, and the per-task object with
// equal values gives exactly the same loss.
//
// Data-parallel replicas (./replicas.ts): every sum over the batch (masked means, CCC moments, the
// student's mean over samples) goes through acrossReplicas / batchMean, so a replica holding part
// of a batch computes the whole batch's loss; without replicas they are the plain ops.
//
// Temperature: Eq. 5 is KL(softmax(t/T) ‖ softmax(s/T)) with T = 1.5 and no T² factor; we follow
// the paper (scaleByT2 = false). Hinton et al. multiply by T² to keep soft-target gradients on the
// scale of hard-target ones; `scaleByT2: true` does that.

import { tf } from './backend';
import { acrossReplicas, batchMean } from './replicas';
import { NUM_AUS, NUM_EXPR, VA_BINS, VA_BIN_CENTRES, VA_BIN_EDGES } from '../shared/labels';
import { perTask, type Lambda, type STUDENT_TASK_WEIGHTS, type Temperature } from '../shared/train-config';

export interface HeadOutputs {
  au: tf.Tensor2D;
  expr: tf.Tensor2D;
  v: tf.Tensor2D;
  a: tf.Tensor2D;
}

export interface BatchTargets {
  auTarget: tf.Tensor2D;
  auMask: tf.Tensor2D;
  exprTarget: tf.Tensor1D;
  exprMask: tf.Tensor1D;
  vTarget: tf.Tensor1D;
  aTarget: tf.Tensor1D;
  vaMask: tf.Tensor1D;
}

/** Per-task weights of Eq. 4 (and of the student's per-task terms). */
export interface LossWeights {
  au: number;
  expr: number;
  v: number;
  a: number;
}

/** Eq. 4: 8·L_AU + L_EXPR + L_V + L_A. The 8 offsets the 1/8 of Eq. 1's mean over AUs. */
export const DEFAULT_LOSS_WEIGHTS: Readonly<LossWeights> = Object.freeze({ au: 8, expr: 1, v: 1, a: 1 });

/** Added to the CCC denominator so a constant prediction on constant targets gives CCC 0, not NaN. */
export const CCC_EPS = 1e-8;

export interface TeacherLossTerms {
  [name: string]: tf.Scalar;
  total: tf.Scalar;
  au: tf.Scalar;
  expr: tf.Scalar;
  v: tf.Scalar;
  a: tf.Scalar;
}

export interface StudentLossTerms extends TeacherLossTerms {
  /** Mean distillation loss of each task over the whole batch (unweighted), for logging. */
  auDistill: tf.Scalar;
  exprDistill: tf.Scalar;
  vDistill: tf.Scalar;
  aDistill: tf.Scalar;
}

export interface StudentLossOptions {
  /** Weight on ground truth where it exists (Eq. 7); 1 − lambda goes to the soft labels. One for every task, or per task ({au, expr, va}; V and A share va). */
  lambda?: Lambda;
  /** Distillation temperature of Eq. 5: one, or per task ({expr, va}; the AU term, Eq. 6, has none). */
  temperature?: Temperature;
  /** Multiply the KL terms by T² (Hinton); the paper does not. */
  scaleByT2?: boolean;
  weights?: Partial<LossWeights>;
}

export const DEFAULT_STUDENT_OPTIONS: Readonly<{ lambda: number; temperature: number; scaleByT2: boolean }> = Object.freeze({
  lambda: 0.6,
  temperature: 1.5,
  scaleByT2: false,
});

// ---------------------------------------------------------------------------------------------
// Building blocks

/** sum(values·mask) / max(sum(mask), 1): the mean over masked-in entries, 0 when there are none. */
export function maskedMean(values: tf.Tensor, mask: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const m = mask.toFloat();
    return tf.div(acrossReplicas(tf.sum(tf.mul(values, m))), tf.maximum(acrossReplicas(tf.sum(m)), 1)) as tf.Scalar;
  });
}

/** Element-wise BCE with logits, stable form max(x,0) − x·y + log(1 + e^−|x|); y may be soft. */
export function bceWithLogits(logits: tf.Tensor, targets: tf.Tensor): tf.Tensor {
  return tf.tidy(() =>
    tf.add(tf.sub(tf.relu(logits), tf.mul(logits, targets)), tf.log1p(tf.exp(tf.neg(tf.abs(logits))))),
  );
}

/**
 * Eq. 1 per sample over the labelled AUs. `loss[j]` = mean BCE over sample j's labelled AUs
 * (0 if none), `has[j]` = 1 when sample j has at least one labelled AU.
 */
export function auLossPerSample(
  logits: tf.Tensor2D,
  target: tf.Tensor2D,
  mask: tf.Tensor2D,
): { loss: tf.Tensor1D; has: tf.Tensor1D } {
  return tf.tidy(() => {
    const m = mask.toFloat();
    const y = tf.where(tf.greater(m, 0.5), target.toFloat(), tf.zerosLike(m));
    const count = tf.sum(m, 1);
    const loss = tf.div(tf.sum(tf.mul(bceWithLogits(logits, y), m), 1), tf.maximum(count, 1)) as tf.Tensor1D;
    const has = tf.cast(tf.greater(count, 0), 'float32') as tf.Tensor1D;
    return { loss, has };
  });
}

/** Per-sample categorical cross-entropy of logits [B,K] against integer classes [B]. */
export function crossEntropyPerSample(logits: tf.Tensor2D, classes: tf.Tensor1D): tf.Tensor1D {
  return tf.tidy(() => {
    const k = logits.shape[1];
    // Not tf.oneHot(…, 'float32'): the wasm backend's OneHot kernel (tfjs 4.22) ignores the dtype
    // and writes int32 bits into the float buffer.
    const oneHot = tf.cast(tf.equal(tf.expandDims(classes.toInt(), 1), tf.range(0, k, 1, 'int32')), 'float32');
    return tf.neg(tf.sum(tf.mul(oneHot, tf.logSoftmax(logits)), 1)) as tf.Tensor1D;
  });
}

/** Class ids safe to one-hot: masked-out entries (possibly −1 or NaN) become 0. */
function cleanClasses(classes: tf.Tensor1D, mask: tf.Tensor1D, numClasses: number): tf.Tensor1D {
  return tf.tidy(() => {
    const c = tf.where(tf.greater(mask.toFloat(), 0.5), classes.toFloat(), tf.zerosLike(classes.toFloat()));
    return tf.clipByValue(tf.round(c), 0, numClasses - 1).toInt() as tf.Tensor1D;
  });
}

/** Masked-out continuous targets (possibly NaN) become 0. */
function cleanValues(values: tf.Tensor1D, mask: tf.Tensor1D): tf.Tensor1D {
  return tf.tidy(() => tf.where(tf.greater(mask.toFloat(), 0.5), values.toFloat(), tf.zerosLike(values.toFloat())) as tf.Tensor1D);
}

/**
 * Bin index of VA values in [−1, 1]: 20 equal-width, half-open bins [lo, hi), 1.0 in the last. The
 * bin is the number of inner edges (the shared float32 VA_BIN_EDGES) at or below the value, so
 * every float32 label gets exactly the samplers' bin (labels.ts vaBin), edges in the upper bin.
 */
export function vaBinIndex(values: tf.Tensor1D): tf.Tensor1D {
  return tf.tidy(() => {
    const inner = tf.tensor1d(VA_BIN_EDGES.slice(1, VA_BINS) as number[], 'float32');
    const atOrAbove = tf.greaterEqual(tf.expandDims(values.toFloat(), 1), tf.expandDims(inner, 0));
    return tf.sum(tf.cast(atOrAbove, 'int32'), 1) as tf.Tensor1D;
  });
}

/** Continuous VA prediction: the expectation of softmax(logits) over the bin centres −0.95 … 0.95. */
export function vaExpectation(logits: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => {
    const centres = tf.tensor1d(VA_BIN_CENTRES as number[], 'float32');
    return tf.sum(tf.mul(tf.softmax(logits), centres), 1) as tf.Tensor1D;
  });
}

/**
 * Concordance correlation coefficient over the masked-in samples, population (biased) moments:
 * 2·cov / (var_p + var_t + (μ_p − μ_t)²). `n` is the number of masked-in samples. With n = 0 the
 * result is 0 (callers gate on n).
 */
export function cccMasked(
  pred: tf.Tensor1D,
  target: tf.Tensor1D,
  mask: tf.Tensor1D,
  eps = CCC_EPS,
): { ccc: tf.Scalar; n: tf.Scalar } {
  return tf.tidy(() => {
    const m = mask.toFloat();
    const y = cleanValues(target, mask);
    const n = acrossReplicas(tf.sum(m));
    const nn = tf.maximum(n, 1);
    const muP = tf.div(acrossReplicas(tf.sum(tf.mul(pred, m))), nn);
    const muT = tf.div(acrossReplicas(tf.sum(tf.mul(y, m))), nn);
    const dp = tf.mul(tf.sub(pred, muP), m);
    const dt = tf.mul(tf.sub(y, muT), m);
    const varP = tf.div(acrossReplicas(tf.sum(tf.square(dp))), nn);
    const varT = tf.div(acrossReplicas(tf.sum(tf.square(dt))), nn);
    const cov = tf.div(acrossReplicas(tf.sum(tf.mul(dp, dt))), nn);
    const denom = tf.add(tf.add(tf.add(varP, varT), tf.square(tf.sub(muP, muT))), eps);
    return { ccc: tf.div(tf.mul(cov, 2), denom) as tf.Scalar, n: n as tf.Scalar };
  });
}

/**
 * The two parts of Eq. 3 for one of V/A: per-sample CE against the target's bin (0 where
 * unlabelled) and the batch term 1 − CCC over the labelled subset (0 when fewer than 2 samples
 * carry a label: CCC is undefined there and would be a constant 1 with zero gradient).
 */
export function vaLossParts(
  logits: tf.Tensor2D,
  target: tf.Tensor1D,
  mask: tf.Tensor1D,
): { cePerSample: tf.Tensor1D; cccTerm: tf.Scalar; n: tf.Scalar } {
  return tf.tidy(() => {
    const y = cleanValues(target, mask);
    const ce = tf.mul(crossEntropyPerSample(logits, vaBinIndex(y)), mask.toFloat()) as tf.Tensor1D;
    const { ccc, n } = cccMasked(vaExpectation(logits), y, mask);
    const enough = tf.cast(tf.greaterEqual(n, 2), 'float32');
    return { cePerSample: ce, cccTerm: tf.mul(enough, tf.sub(1, ccc)) as tf.Scalar, n };
  });
}

/** Eq. 5 per sample: KL(softmax(t/T) ‖ softmax(s/T)), optionally × T². */
export function klDistillPerSample(
  teacherLogits: tf.Tensor2D,
  studentLogits: tf.Tensor2D,
  temperature: number = DEFAULT_STUDENT_OPTIONS.temperature,
  scaleByT2 = false,
): tf.Tensor1D {
  return tf.tidy(() => {
    const logPt = tf.logSoftmax(tf.div(teacherLogits, temperature));
    const logPs = tf.logSoftmax(tf.div(studentLogits, temperature));
    const kl = tf.sum(tf.mul(tf.exp(logPt), tf.sub(logPt, logPs)), 1);
    return (scaleByT2 ? tf.mul(kl, temperature * temperature) : kl) as tf.Tensor1D;
  });
}

/** Eq. 6 per sample: mean over the 8 AUs of BCE(student logits, sigmoid(teacher logits)). */
export function auDistillPerSample(teacherLogits: tf.Tensor2D, studentLogits: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => tf.mean(bceWithLogits(studentLogits, tf.sigmoid(teacherLogits)), 1) as tf.Tensor1D);
}

// ---------------------------------------------------------------------------------------------
// Per-task losses and totals

/** Eq. 1 over the batch: mean of per-sample AU loss over samples with at least one labelled AU. */
export function auLoss(logits: tf.Tensor2D, target: tf.Tensor2D, mask: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => {
    const { loss, has } = auLossPerSample(logits, target, mask);
    return maskedMean(loss, has);
  });
}

/** Eq. 2 over the batch: mean CE over samples with an expression label. */
export function exprLoss(logits: tf.Tensor2D, target: tf.Tensor1D, mask: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => maskedMean(crossEntropyPerSample(logits, cleanClasses(target, mask, NUM_EXPR)), mask));
}

/** Eq. 3 over the batch: mean bin CE over VA-labelled samples + (1 − CCC) over them. */
export function vaLoss(logits: tf.Tensor2D, target: tf.Tensor1D, mask: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    const { cePerSample, cccTerm } = vaLossParts(logits, target, mask);
    return tf.add(maskedMean(cePerSample, mask), cccTerm) as tf.Scalar;
  });
}

function weightsOf(w?: Partial<LossWeights>): LossWeights {
  return { ...DEFAULT_LOSS_WEIGHTS, ...(w ?? {}) };
}

/** The student's task weights: 'none' (Eq. 7, the reference: every head ×1) or 'teacher' (Eq. 4's `teacher` weights). */
export function studentTaskWeights(mode: (typeof STUDENT_TASK_WEIGHTS)[number], teacher?: Partial<LossWeights>): LossWeights {
  return mode === 'none' ? { au: 1, expr: 1, v: 1, a: 1 } : weightsOf(teacher);
}

function checkShapes(out: HeadOutputs): void {
  if (out.au.shape[1] !== NUM_AUS || out.expr.shape[1] !== NUM_EXPR || out.v.shape[1] !== VA_BINS || out.a.shape[1] !== VA_BINS) {
    throw new Error(
      `head shapes must be [B,${NUM_AUS}],[B,${NUM_EXPR}],[B,${VA_BINS}],[B,${VA_BINS}]; got ` +
        [out.au, out.expr, out.v, out.a].map((t) => `[${t.shape}]`).join(','),
    );
  }
}

/** Eq. 4: the teacher's total and each task's (unweighted) term. */
export function teacherLoss(out: HeadOutputs, t: BatchTargets, weights?: Partial<LossWeights>): TeacherLossTerms {
  checkShapes(out);
  const w = weightsOf(weights);
  return tf.tidy(() => {
    const au = auLoss(out.au, t.auTarget, t.auMask);
    const expr = exprLoss(out.expr, t.exprTarget, t.exprMask);
    const v = vaLoss(out.v, t.vTarget, t.vaMask);
    const a = vaLoss(out.a, t.aTarget, t.vaMask);
    const total = tf.addN([tf.mul(au, w.au), tf.mul(expr, w.expr), tf.mul(v, w.v), tf.mul(a, w.a)]) as tf.Scalar;
    return { total, au, expr, v, a };
  });
}

/** (1/B) Σ_j [ D_j + m_j·λ·(G_j − D_j) ] — the per-sample Eq. 7 mix for one task. */
function mix(gt: tf.Tensor1D, distill: tf.Tensor1D, has: tf.Tensor1D, lambda: number): tf.Scalar {
  return batchMean(tf.add(distill, tf.mul(tf.mul(has, lambda), tf.sub(gt, distill))) as tf.Tensor1D);
}

/**
 * Eq. 7 over a batch (see the header for how per-sample mixing and the CCC batch term combine).
 * `teacher` holds the teacher's logits for the same samples.
 */
export function studentLoss(
  out: HeadOutputs,
  teacher: HeadOutputs,
  t: BatchTargets,
  options: StudentLossOptions = {},
): StudentLossTerms {
  checkShapes(out);
  checkShapes(teacher);
  const lambda = options.lambda ?? DEFAULT_STUDENT_OPTIONS.lambda;
  const T = options.temperature ?? DEFAULT_STUDENT_OPTIONS.temperature;
  const [lAu, lExpr, lVa] = [perTask(lambda, 'au'), perTask(lambda, 'expr'), perTask(lambda, 'va')];
  const [tExpr, tVa] = [perTask(T, 'expr'), perTask(T, 'va')];
  const t2 = options.scaleByT2 ?? DEFAULT_STUDENT_OPTIONS.scaleByT2;
  const w = weightsOf(options.weights);
  return tf.tidy(() => {
    const auGt = auLossPerSample(out.au, t.auTarget, t.auMask);
    const auD = auDistillPerSample(teacher.au, out.au);
    const au = mix(auGt.loss, auD, auGt.has, lAu);

    const exprMask = t.exprMask.toFloat() as tf.Tensor1D;
    const exprGt = crossEntropyPerSample(out.expr, cleanClasses(t.exprTarget, exprMask, NUM_EXPR));
    const exprD = klDistillPerSample(teacher.expr, out.expr, tExpr, t2);
    const expr = mix(exprGt, exprD, exprMask, lExpr);

    const vaMask = t.vaMask.toFloat() as tf.Tensor1D;
    const vaTerm = (logits: tf.Tensor2D, tLogits: tf.Tensor2D, target: tf.Tensor1D) => {
      const { cePerSample, cccTerm } = vaLossParts(logits, target, vaMask);
      const d = klDistillPerSample(tLogits, logits, tVa, t2);
      // G_j = CE_j + (1 − CCC_S) on labelled samples.
      return { loss: mix(tf.add(cePerSample, cccTerm) as tf.Tensor1D, d, vaMask, lVa), d };
    };
    const v = vaTerm(out.v, teacher.v, t.vTarget);
    const a = vaTerm(out.a, teacher.a, t.aTarget);

    const total = tf.addN([tf.mul(au, w.au), tf.mul(expr, w.expr), tf.mul(v.loss, w.v), tf.mul(a.loss, w.a)]) as tf.Scalar;
    return {
      total,
      au,
      expr,
      v: v.loss,
      a: a.loss,
      auDistill: batchMean(auD),
      exprDistill: batchMean(exprD),
      vDistill: batchMean(v.d),
      aDistill: batchMean(a.d),
    };
  });
}

/**
 * Reads scalar loss terms as numbers (one small synchronous download each) for logging.
 * Inside optimizer.minimize only the returned total survives; to log the terms too, `tf.keep`
 * them in the closure, read them here afterwards, then `tf.dispose` them.
 */
export function readLossTerms<T extends Record<string, tf.Scalar>>(terms: T): { [K in keyof T]: number } {
  const out = {} as { [K in keyof T]: number };
  for (const k of Object.keys(terms) as (keyof T)[]) out[k] = terms[k].dataSync()[0];
  return out;
}
