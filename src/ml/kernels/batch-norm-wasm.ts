// Training-mode batch norm as two hand-written wasm kernels (JS loops over the wasm heap, or the
// same loops in C where the native addon is built: ./native, bit for bit the same results),
// replacing ~15 tf ops per layer (moments, FusedBatchNorm, the gradient's channel sums and
// broadcasts) and their full-size intermediates. Measured on the small backbone (batch 32,
// 112 px, 1 thread): FusedBatchNorm [32,28,28,16] alone took 9.2 ms for 400k elements.
//
// Channels-last x viewed as rows × C (M = rows over all processes, see ./channel-sums):
//   forward   mean = Σx / M,  variance = Σ(x − mean)² / M   (two passes: stable for large means)
//             y = (x − mean)·γ/σ + β,  σ = √(variance + ε)                      (third pass)
//   backward  dβ = Σdy,  dγ = Σdy·(x − mean)/σ                                   (one pass)
//             dx = k·dy + a·(x − mean) + b,  k = γ/σ,  a = −k·Σdy·(x − mean)/(σ²M),  b = −k·Σdy/M
// Per-channel sums accumulate in float64; each element is computed in double and stored as
// float32. Views of the heap are taken after every allocation and after each reducer call (both
// may replace the heap's buffer).

import * as tf from '@tensorflow/tfjs';
import { reduceChannelSums } from './channel-sums';
import { nativeBatchNormPass } from './native';
import { asWasmBackend, type TensorInfo } from './wasm-ops';

export const BATCH_NORM_TRAIN = 'AwBatchNormTrain';
export const BATCH_NORM_TRAIN_GRAD = 'AwBatchNormTrainGrad';
export const MOVING_AVERAGE = 'AwMovingAverage';

// Each loop has a fast form for C % 4 = 0: four channels at a time with scalar accumulators and
// constants, striding over the rows (measured ~3× faster in V8 than the row-major loop with
// per-channel arrays, which reloads and stores an array slot per element), and the row-major
// form for any other C.

/** Adds Σ over rows of x[rows, c] to sums[0 … c−1]. */
export function addChannelSums(x: Float32Array, c: number, sums: Float64Array): void {
  const native = nativeBatchNormPass();
  if (native) return native(0, c, x, sums);
  const n = x.length;
  if (c % 4 !== 0) {
    for (let o = 0; o < n; o += c) for (let k = 0; k < c; k++) sums[k] += x[o + k];
    return;
  }
  for (let k = 0; k < c; k += 4) {
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let o = k; o < n; o += c) {
      s0 += x[o];
      s1 += x[o + 1];
      s2 += x[o + 2];
      s3 += x[o + 3];
    }
    sums[k] += s0;
    sums[k + 1] += s1;
    sums[k + 2] += s2;
    sums[k + 3] += s3;
  }
}

/** Adds Σ over rows of (x − mean)² to sums[0 … c−1]. */
export function addSquaredDeviations(x: Float32Array, c: number, mean: Float64Array, sums: Float64Array): void {
  const native = nativeBatchNormPass();
  if (native) return native(1, c, x, mean, sums);
  const n = x.length;
  if (c % 4 !== 0) {
    for (let o = 0; o < n; o += c) {
      for (let k = 0; k < c; k++) {
        const d = x[o + k] - mean[k];
        sums[k] += d * d;
      }
    }
    return;
  }
  for (let k = 0; k < c; k += 4) {
    const m0 = mean[k];
    const m1 = mean[k + 1];
    const m2 = mean[k + 2];
    const m3 = mean[k + 3];
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let o = k; o < n; o += c) {
      const d0 = x[o] - m0;
      const d1 = x[o + 1] - m1;
      const d2 = x[o + 2] - m2;
      const d3 = x[o + 3] - m3;
      s0 += d0 * d0;
      s1 += d1 * d1;
      s2 += d2 * d2;
      s3 += d3 * d3;
    }
    sums[k] += s0;
    sums[k + 1] += s1;
    sums[k + 2] += s2;
    sums[k + 3] += s3;
  }
}

/** y = (x − mean)·scale + shift per channel (the normalisation). */
export function channelAffine(x: Float32Array, c: number, mean: Float64Array, scale: Float64Array, shift: Float64Array, y: Float32Array): void {
  const native = nativeBatchNormPass();
  if (native) return native(2, c, x, mean, scale, shift, y);
  const n = x.length;
  if (c % 4 !== 0) {
    for (let o = 0; o < n; o += c) for (let k = 0; k < c; k++) y[o + k] = (x[o + k] - mean[k]) * scale[k] + shift[k];
    return;
  }
  for (let k = 0; k < c; k += 4) {
    const m0 = mean[k];
    const m1 = mean[k + 1];
    const m2 = mean[k + 2];
    const m3 = mean[k + 3];
    const a0 = scale[k];
    const a1 = scale[k + 1];
    const a2 = scale[k + 2];
    const a3 = scale[k + 3];
    const b0 = shift[k];
    const b1 = shift[k + 1];
    const b2 = shift[k + 2];
    const b3 = shift[k + 3];
    for (let o = k; o < n; o += c) {
      y[o] = (x[o] - m0) * a0 + b0;
      y[o + 1] = (x[o + 1] - m1) * a1 + b1;
      y[o + 2] = (x[o + 2] - m2) * a2 + b2;
      y[o + 3] = (x[o + 3] - m3) * a3 + b3;
    }
  }
}

/** sums[k] += Σ dy, sums[c + k] += Σ dy·(x − mean) over rows. */
export function addGradientSums(dy: Float32Array, x: Float32Array, c: number, mean: Float64Array, sums: Float64Array): void {
  const native = nativeBatchNormPass();
  if (native) return native(3, c, dy, x, mean, sums);
  const n = x.length;
  if (c % 4 !== 0) {
    for (let o = 0; o < n; o += c) {
      for (let k = 0; k < c; k++) {
        const g = dy[o + k];
        sums[k] += g;
        sums[c + k] += g * (x[o + k] - mean[k]);
      }
    }
    return;
  }
  for (let k = 0; k < c; k += 4) {
    const m0 = mean[k];
    const m1 = mean[k + 1];
    const m2 = mean[k + 2];
    const m3 = mean[k + 3];
    let g0 = 0;
    let g1 = 0;
    let g2 = 0;
    let g3 = 0;
    let p0 = 0;
    let p1 = 0;
    let p2 = 0;
    let p3 = 0;
    for (let o = k; o < n; o += c) {
      const d0 = dy[o];
      const d1 = dy[o + 1];
      const d2 = dy[o + 2];
      const d3 = dy[o + 3];
      g0 += d0;
      g1 += d1;
      g2 += d2;
      g3 += d3;
      p0 += d0 * (x[o] - m0);
      p1 += d1 * (x[o + 1] - m1);
      p2 += d2 * (x[o + 2] - m2);
      p3 += d3 * (x[o + 3] - m3);
    }
    sums[k] += g0;
    sums[k + 1] += g1;
    sums[k + 2] += g2;
    sums[k + 3] += g3;
    sums[c + k] += p0;
    sums[c + k + 1] += p1;
    sums[c + k + 2] += p2;
    sums[c + k + 3] += p3;
  }
}

/** dx = k·dy + a·(x − mean) + b per channel. */
export function gradientAffine(
  dy: Float32Array,
  x: Float32Array,
  c: number,
  mean: Float64Array,
  k: Float64Array,
  a: Float64Array,
  b: Float64Array,
  dx: Float32Array,
): void {
  const native = nativeBatchNormPass();
  if (native) return native(4, c, dy, x, mean, k, a, b, dx);
  const n = x.length;
  if (c % 4 !== 0) {
    for (let o = 0; o < n; o += c) {
      for (let j = 0; j < c; j++) dx[o + j] = k[j] * dy[o + j] + a[j] * (x[o + j] - mean[j]) + b[j];
    }
    return;
  }
  for (let j = 0; j < c; j += 4) {
    const m0 = mean[j];
    const m1 = mean[j + 1];
    const m2 = mean[j + 2];
    const m3 = mean[j + 3];
    const k0 = k[j];
    const k1 = k[j + 1];
    const k2 = k[j + 2];
    const k3 = k[j + 3];
    const a0 = a[j];
    const a1 = a[j + 1];
    const a2 = a[j + 2];
    const a3 = a[j + 3];
    const b0 = b[j];
    const b1 = b[j + 1];
    const b2 = b[j + 2];
    const b3 = b[j + 3];
    for (let o = j; o < n; o += c) {
      dx[o] = k0 * dy[o] + a0 * (x[o] - m0) + b0;
      dx[o + 1] = k1 * dy[o + 1] + a1 * (x[o + 1] - m1) + b1;
      dx[o + 2] = k2 * dy[o + 2] + a2 * (x[o + 2] - m2) + b2;
      dx[o + 3] = k3 * dy[o + 3] + a3 * (x[o + 3] - m3) + b3;
    }
  }
}

function f64(v: ArrayLike<number>): Float64Array {
  return Float64Array.from(v);
}

function f32View(backend: ReturnType<typeof asWasmBackend>, t: TensorInfo): Float32Array {
  return backend.typedArrayFromHeap(t) as Float32Array;
}

/** Runs `body`; if it throws (a reducer can), frees the outputs allocated for it first. */
function releasingOnError(b: ReturnType<typeof asWasmBackend>, outputs: TensorInfo[], body: () => TensorInfo[]): TensorInfo[] {
  try {
    return body();
  } catch (e) {
    for (const t of outputs) b.disposeData(t.dataId);
    throw e;
  }
}

/** Inputs x, gamma, beta; attr epsilon. Outputs y, mean, variance (biased, as tf.moments), and [M]: the elements per channel they are over (every replica's under a reducer). */
export const batchNormTrainConfig: tf.KernelConfig = {
  kernelName: BATCH_NORM_TRAIN,
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend, attrs }) => {
    const { x, gamma, beta } = inputs as { x: TensorInfo; gamma: TensorInfo; beta: TensorInfo };
    const eps = (attrs as { epsilon: number }).epsilon;
    const b = asWasmBackend(backend);
    const c = x.shape[x.shape.length - 1];
    const yInfo = b.makeOutput(x.shape, 'float32');
    const meanInfo = b.makeOutput([c], 'float32');
    const varInfo = b.makeOutput([c], 'float32');
    const countInfo = b.makeOutput([1], 'float32');
    const rows = tf.util.sizeFromShape(x.shape) / c;
    return releasingOnError(b, [yInfo, meanInfo, varInfo, countInfo], () => {
      const first = new Float64Array(c + 1);
      addChannelSums(f32View(b, x), c, first);
      first[c] = rows;
      const sums = reduceChannelSums(first, 'mean');
      const count = sums[c];
      const mean = sums.slice(0, c).map((s) => s / count);

      const second = new Float64Array(c);
      addSquaredDeviations(f32View(b, x), c, mean, second);
      const variance = reduceChannelSums(second, 'variance').map((s) => s / count);

      const g = f64(f32View(b, gamma));
      const scale = variance.map((v, k) => g[k] / Math.sqrt(v + eps));
      const shift = f64(f32View(b, beta));
      channelAffine(f32View(b, x), c, mean, scale, shift, f32View(b, yInfo));
      f32View(b, meanInfo).set(mean);
      f32View(b, varInfo).set(variance);
      f32View(b, countInfo)[0] = count;
      return [yInfo, meanInfo, varInfo, countInfo];
    });
  },
};

/** Inputs dy, x, gamma, mean, variance; attr epsilon. Outputs dx, dgamma, dbeta (this process's share). */
export const batchNormTrainGradConfig: tf.KernelConfig = {
  kernelName: BATCH_NORM_TRAIN_GRAD,
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend, attrs }) => {
    const { dy, x, gamma, mean, variance } = inputs as Record<'dy' | 'x' | 'gamma' | 'mean' | 'variance', TensorInfo>;
    const eps = (attrs as { epsilon: number }).epsilon;
    const b = asWasmBackend(backend);
    const c = x.shape[x.shape.length - 1];
    const dxInfo = b.makeOutput(x.shape, 'float32');
    const dGammaInfo = b.makeOutput([c], 'float32');
    const dBetaInfo = b.makeOutput([c], 'float32');
    const m = f64(f32View(b, mean));
    const invStd = f64(f32View(b, variance)).map((v) => 1 / Math.sqrt(v + eps));
    const g = f64(f32View(b, gamma));
    return releasingOnError(b, [dxInfo, dGammaInfo, dBetaInfo], () => {
      const local = new Float64Array(2 * c + 1);
      addGradientSums(f32View(b, dy), f32View(b, x), c, m, local);
      local[2 * c] = tf.util.sizeFromShape(x.shape) / c;
      const dGamma = local.slice(c, 2 * c).map((s, j) => s * invStd[j]);
      const dBeta = local.slice(0, c);
      const sums = reduceChannelSums(local, 'gradient');
      const count = sums[2 * c];

      const k = g.map((v, j) => v * invStd[j]);
      const a = k.map((v, j) => (-v * invStd[j] * invStd[j] * sums[c + j]) / count);
      const shift = k.map((v, j) => (-v * sums[j]) / count);
      gradientAffine(f32View(b, dy), f32View(b, x), c, m, k, a, shift, f32View(b, dxInfo));
      f32View(b, dGammaInfo).set(dGamma);
      f32View(b, dBetaInfo).set(dBeta);
      return [dxInfo, dGammaInfo, dBetaInfo];
    });
  },
};

/**
 * Inputs moving, batch ([C]); attrs momentum, batchScale. Output momentum·moving +
 * (1 − momentum)·batchScale·batch (in double): the running-statistics update, one kernel instead
 * of five tf ops (each also cloning its inputs onto the gradient tape, as the update runs inside
 * the training forward pass).
 */
export const movingAverageConfig: tf.KernelConfig = {
  kernelName: MOVING_AVERAGE,
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend, attrs }) => {
    const { moving, batch } = inputs as { moving: TensorInfo; batch: TensorInfo };
    const { momentum, batchScale } = attrs as { momentum: number; batchScale: number };
    const b = asWasmBackend(backend);
    const out = b.makeOutput(moving.shape, 'float32');
    const old = f32View(b, moving);
    const cur = f32View(b, batch);
    const o = f32View(b, out);
    for (let k = 0; k < o.length; k++) o[k] = momentum * old[k] + (1 - momentum) * batchScale * cur[k];
    return out;
  },
};
