// Batch normalisation for training, without tfjs-core's `Tile`-heavy gradient.
//
// DESIGN.md §5: 21 % of a wasm training step went to `Tile` inside tfjs-core's FusedBatchNorm
// gradient (it tiles the per-channel factor to the full activation shape before multiplying).
// Two remedies, both backend-agnostic:
//
// 1. `registerBatchNormGradient()` replaces the FusedBatchNorm gradient (used by tf.batchNorm and
//    tfjs-layers' BatchNormalization) by one that broadcasts the per-channel factors instead.
//    Same values, same inputs, any backend.
// 2. `batchNormTraining(x, gamma, beta)` — what model code should call in training mode. It
//    normalises with the batch statistics and back-propagates the closed-form gradient
//    (through the statistics) in a handful of passes, instead of autodiff through
//    tf.moments + tf.batchNorm. Returns the statistics for the running-average update.

import * as tf from '@tensorflow/tfjs';

/**
 * Per-channel sum of a channels-last tensor (Σ over every axis but the last) as a [C] tensor. On
 * wasm this is the matMul fast path of ./channel-reduce.
 */
function channelSum(x: tf.Tensor): tf.Tensor1D {
  return tf.sum(x, x.shape.slice(0, -1).map((_, i) => i)) as tf.Tensor1D;
}

/** tfjs-core's FusedBatchNorm gradient with broadcasting in place of Tile (same values). */
export const fusedBatchNormGradConfig: tf.GradConfig = {
  kernelName: tf.FusedBatchNorm,
  inputsToSave: ['x', 'mean', 'variance', 'scale'],
  gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: tf.NamedAttrMap) => {
    const g = dy as tf.Tensor;
    const [x, mean, variance, scale] = saved;
    const eps = attrs.varianceEpsilon as number;
    const axes = tf.broadcast_util.getReductionAxes(mean.shape, x.shape);
    const reduceTo = (t: tf.Tensor, shape: number[]): tf.Tensor =>
      tf.reshape(axes.length > 0 ? tf.sum(t, axes) : t, shape);
    // Computed once here (the per-input closures each run in their own tidy): small per-channel
    // tensors, plus the two reductions every input but x needs.
    const invStd = tf.rsqrt(tf.add(variance, tf.scalar(eps)));
    const factor = scale == null ? invStd : tf.mul(invStd, scale);
    const sumDy = reduceTo(g, mean.shape);
    const sumDyXc = reduceTo(tf.mul(g, tf.sub(x, mean)), mean.shape);
    return {
      x: () => tf.mul(g, factor),
      mean: () => tf.neg(tf.mul(sumDy, factor)),
      variance: () => tf.mul(tf.mul(tf.mul(tf.square(invStd), factor), sumDyXc), tf.scalar(-0.5)),
      scale: () => tf.reshape(tf.mul(invStd, sumDyXc), scale == null ? mean.shape : scale.shape),
      offset: () => sumDy,
    };
  },
};

let batchNormGradRegistered = false;

/** Installs `fusedBatchNormGradConfig` for every backend (idempotent). */
export function registerBatchNormGradient(): void {
  if (batchNormGradRegistered) return;
  tf.registerGradient(fusedBatchNormGradConfig);
  batchNormGradRegistered = true;
}

/** Sums per-channel partial sums across data-parallel replicas (../replicas.ts); null: this process's rows are the batch. */
export type ChannelSumReducer = (partial: Float64Array) => Float64Array;
let channelSumReducer: ChannelSumReducer | null = null;

/** Installs (or removes, with null) the reducer batchNormTraining sums its statistics and gradient sums with. */
export function setChannelSumReducer(r: ChannelSumReducer | null): void {
  channelSumReducer = r;
}

/** [C] sums of this replica's rows (and a count), summed across replicas as float32 tensors. */
function reduced(r: ChannelSumReducer, parts: tf.Tensor1D[], extra: number[] = []): { parts: tf.Tensor1D[]; extra: number[] } {
  const c = parts[0].shape[0];
  const partial = new Float64Array(parts.length * c + extra.length);
  parts.forEach((p, i) => partial.set(p.dataSync(), i * c));
  partial.set(extra, parts.length * c);
  const total = r(partial);
  return {
    parts: parts.map((_, i) => tf.tensor1d(Float32Array.from(total.subarray(i * c, (i + 1) * c)))),
    extra: Array.from(total.subarray(parts.length * c)),
  };
}

export interface BatchNormTrainingResult {
  /** The normalised, scaled and shifted activations (same shape as x). */
  y: tf.Tensor;
  /** Batch mean per channel (no gradient flows back through it). */
  mean: tf.Tensor1D;
  /** Biased batch variance per channel, as tf.moments (no gradient flows back through it). */
  variance: tf.Tensor1D;
  /** Elements per channel the statistics are over: across every replica's rows under a channel-sum reducer. */
  count: number;
}

/**
 * Training-mode batch norm over every axis but the last (NHWC activations or [N, C] features):
 * y = gamma·(x − mean)/√(variance + epsilon) + beta with the batch's own mean and variance.
 *
 * The gradient is the closed form through the batch statistics (M = elements per channel):
 *   dβ = Σ dy,   dγ = Σ dy·x̂,   dx = γ/σ · (dy − dβ/M − x̂·dγ/M),   x̂ = (x − mean)/σ.
 * `mean` and `variance` are returned for the running-average update; they carry no gradient
 * (use tf.moments if a loss needs differentiable statistics). Dispose them like any result.
 */
export function batchNormTraining(
  x: tf.Tensor,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  epsilon = 1e-3,
): BatchNormTrainingResult {
  const side: { mean?: tf.Tensor1D; variance?: tf.Tensor1D; count?: number } = {};
  const op = tf.customGrad((xIn, gIn, bIn, save) => {
    const xi = xIn as tf.Tensor;
    const gi = gIn as tf.Tensor1D;
    const bi = bIn as tf.Tensor1D;
    const r = channelSumReducer;
    let count = xi.size / gi.size;
    // Two-pass statistics (mean, then mean squared deviation): stable for large means.
    let mean: tf.Tensor1D;
    let variance: tf.Tensor1D;
    if (r) {
      const s1 = reduced(r, [channelSum(xi)], [count]);
      count = s1.extra[0];
      mean = tf.div(s1.parts[0], count) as tf.Tensor1D;
      variance = tf.div(reduced(r, [channelSum(tf.squaredDifference(xi, mean))]).parts[0], count) as tf.Tensor1D;
    } else {
      mean = tf.div(channelSum(xi), count) as tf.Tensor1D;
      variance = tf.div(channelSum(tf.squaredDifference(xi, mean)), count) as tf.Tensor1D;
    }
    side.count = count;
    side.mean = tf.keep(mean);
    side.variance = tf.keep(variance);
    const value = tf.batchNorm(xi, mean, variance, bi, gi, epsilon);
    (save as tf.GradSaveFunc)([xi, gi, mean, variance]);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] => {
      const [xs, gs, ms, vs] = saved;
      const invStd = tf.rsqrt(tf.add(vs, tf.scalar(epsilon)));
      const dBeta = channelSum(dy);
      const dot = channelSum(tf.mul(dy, tf.sub(xs, ms)));
      const dGamma = tf.mul(dot, invStd);
      // Under a reducer, dx needs the whole batch's sums; dγ and dβ stay this replica's (the
      // replicas' weight gradients are summed after the step).
      const [sumDy, sumDot] = r ? reduced(r, [dBeta, dot]).parts : [dBeta, dot];
      const k = tf.mul(gs, invStd);
      // dx = k·dy + (x − mean)·a + b per channel, a = −k·invStd²·dot/M, b = −k·dβ/M; the affine
      // part is one FusedBatchNorm pass (variance 1, epsilon 0: the scale is exactly a).
      const a = tf.mul(tf.mul(k, tf.square(invStd)), tf.mul(sumDot, tf.scalar(-1 / count)));
      const b = tf.mul(k, tf.mul(sumDy, tf.scalar(-1 / count)));
      const affine = tf.batchNorm(xs, ms, tf.onesLike(ms), b, a, 0);
      const dx = tf.add(tf.mul(dy, k), affine);
      return [dx, dGamma, dBeta];
    };
    return { value, gradFunc };
  });
  const y = op(x, gamma, beta) as tf.Tensor;
  // Re-home the statistics in the caller's scope: clones are tracked there, the kept originals
  // are released.
  const mean = side.mean!.clone();
  const variance = side.variance!.clone();
  side.mean!.dispose();
  side.variance!.dispose();
  return { y, mean, variance, count: side.count! };
}
