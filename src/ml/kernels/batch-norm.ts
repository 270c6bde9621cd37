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
//    tf.moments + tf.batchNorm. Returns the statistics for the running-average update. On wasm
//    its forward and backward are one kernel each (./batch-norm-wasm); a channel-sum reducer
//    (setChannelSumReducer, ./channel-sums) can make its statistics global across processes.

import * as tf from '@tensorflow/tfjs';
import { BATCH_NORM_TRAIN, BATCH_NORM_TRAIN_GRAD, MOVING_AVERAGE } from './batch-norm-wasm';
import { getChannelSumReducer, reduceChannelSums } from './channel-sums';

export { setChannelSumReducer, type ChannelSumReducer, type ChannelSumStage } from './channel-sums';

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

export interface BatchNormTrainingResult {
  /** The normalised, scaled and shifted activations (same shape as x). */
  y: tf.Tensor;
  /** Batch mean per channel (no gradient flows back through it). */
  mean: tf.Tensor1D;
  /** Biased batch variance per channel, as tf.moments (no gradient flows back through it). */
  variance: tf.Tensor1D;
  /** Elements per channel the statistics are over (M): every replica's under a channel-sum reducer. */
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
 *
 * Where the backend has our kernels (wasm: ./batch-norm-wasm) the forward and the backward pass
 * are one kernel each; elsewhere tf ops. Both call the channel-sum reducer (./channel-sums)
 * between passes when one is installed: M, the statistics and the sums in dx are then global,
 * dγ and dβ this process's share.
 */
export function batchNormTraining(
  x: tf.Tensor,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  epsilon = 1e-3,
): BatchNormTrainingResult {
  const side: { mean?: tf.Tensor1D; variance?: tf.Tensor1D; count?: number } = {};
  const useKernels = x.dtype === 'float32' && tf.getKernel(BATCH_NORM_TRAIN, tf.getBackend()) != null;
  const op = tf.customGrad((xIn, gIn, bIn, save) => {
    const xi = xIn as tf.Tensor;
    const gi = gIn as tf.Tensor1D;
    const bi = bIn as tf.Tensor1D;
    let value: tf.Tensor;
    let mean: tf.Tensor1D;
    let variance: tf.Tensor1D;
    let count = xi.size / gi.size; // M; the tf-ops path may make it global (reducer)
    if (useKernels) {
      let m: tf.Tensor1D;
      [value, mean, variance, m] = tf.engine().runKernel(BATCH_NORM_TRAIN, { x: xi, gamma: gi, beta: bi }, { epsilon }) as [
        tf.Tensor,
        tf.Tensor1D,
        tf.Tensor1D,
        tf.Tensor1D,
      ];
      count = m.dataSync()[0];
      m.dispose();
    } else {
      ({ mean, variance, count } = statistics(xi));
      value = tf.batchNorm(xi, mean, variance, bi, gi, epsilon);
    }
    side.count = count;
    side.mean = tf.keep(mean);
    side.variance = tf.keep(variance);
    (save as tf.GradSaveFunc)([xi, gi, mean, variance]);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] => {
      const [xs, gs, ms, vs] = saved;
      if (useKernels) {
        return tf.engine().runKernel(BATCH_NORM_TRAIN_GRAD, { dy, x: xs, gamma: gs, mean: ms, variance: vs }, { epsilon }) as tf.Tensor[];
      }
      return gradientOps(dy, xs, gs, ms, vs, epsilon, count);
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

/** `t`'s values as float64 followed by `extra`, for the reducer. */
function partialSums(t: tf.Tensor, ...extra: number[]): Float64Array {
  const v = t.dataSync();
  const out = new Float64Array(v.length + extra.length);
  out.set(v);
  out.set(extra, v.length);
  return out;
}

/**
 * Two-pass batch statistics with tf ops (mean, then mean squared deviation: stable for large
 * means), through the reducer when one is installed (then `count` is the global M).
 */
function statistics(x: tf.Tensor): { mean: tf.Tensor1D; variance: tf.Tensor1D; count: number } {
  const c = x.shape[x.shape.length - 1];
  const local = x.size / c;
  if (getChannelSumReducer() == null) {
    const mean = tf.div(channelSum(x), local) as tf.Tensor1D;
    const variance = tf.div(channelSum(tf.squaredDifference(x, mean)), local) as tf.Tensor1D;
    return { mean, variance, count: local };
  }
  const first = reduceChannelSums(partialSums(channelSum(x), local), 'mean');
  const count = first[c];
  const mean = tf.tensor1d(Float32Array.from(first.subarray(0, c), (s) => s / count));
  const second = reduceChannelSums(partialSums(channelSum(tf.squaredDifference(x, mean))), 'variance');
  const variance = tf.tensor1d(Float32Array.from(second, (s) => s / count));
  return { mean, variance, count };
}

/**
 * The closed-form gradient with tf ops. `count` is M as the forward pass saw it (global when a
 * reducer is installed, which then also combines Σdy and Σdy·(x − mean) for dx).
 */
function gradientOps(dy: tf.Tensor, xs: tf.Tensor, gs: tf.Tensor, ms: tf.Tensor, vs: tf.Tensor, epsilon: number, count: number): tf.Tensor[] {
  const invStd = tf.rsqrt(tf.add(vs, tf.scalar(epsilon)));
  const dBeta = channelSum(dy);
  const dot = channelSum(tf.mul(dy, tf.sub(xs, ms)));
  const dGamma = tf.mul(dot, invStd);
  let sumDy: tf.Tensor = dBeta;
  let sumDot: tf.Tensor = dot;
  if (getChannelSumReducer() != null) {
    const c = dBeta.size;
    const global = reduceChannelSums(partialSums(tf.concat([dBeta, dot]), xs.size / c), 'gradient');
    sumDy = tf.tensor1d(Float32Array.from(global.subarray(0, c)));
    sumDot = tf.tensor1d(Float32Array.from(global.subarray(c, 2 * c)));
    count = global[2 * c];
  }
  const k = tf.mul(gs, invStd);
  // dx = k·dy + (x − mean)·a + b per channel, a = −k·invStd²·dot/M, b = −k·dβ/M; the affine
  // part is one FusedBatchNorm pass (variance 1, epsilon 0: the scale is exactly a).
  const a = tf.mul(tf.mul(k, tf.square(invStd)), tf.mul(sumDot, tf.scalar(-1 / count)));
  const b = tf.mul(k, tf.mul(sumDy, tf.scalar(-1 / count)));
  const affine = tf.batchNorm(xs, ms as tf.Tensor1D, tf.onesLike(ms), b, a, 0);
  const dx = tf.add(tf.mul(dy, k), affine);
  return [dx, dGamma, dBeta];
}

/**
 * The running-statistics update momentum·moving + (1 − momentum)·batchScale·batch (batchScale:
 * M/(M − 1) turns a biased batch variance into the unbiased one). One kernel where the backend
 * has ours (wasm), tf ops elsewhere. Not differentiable (no gradient flows into running stats).
 */
export function movingAverage(moving: tf.Tensor1D, batch: tf.Tensor1D, momentum: number, batchScale = 1): tf.Tensor1D {
  if (moving.dtype === 'float32' && batch.dtype === 'float32' && tf.getKernel(MOVING_AVERAGE, tf.getBackend()) != null) {
    return tf.engine().runKernel(MOVING_AVERAGE, { moving, batch }, { momentum, batchScale }) as tf.Tensor1D;
  }
  return tf.tidy(() => {
    const scaled = batchScale === 1 ? batch : tf.mul(batch, batchScale);
    return tf.add(tf.mul(moving, momentum), tf.mul(scaled, 1 - momentum));
  });
}
