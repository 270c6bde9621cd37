// Per-channel y = x·scale + shift over channels-last x, as one op: the models' input
// normalisation ((x − mean)/std = x·(1/std) − mean/std per RGB channel). On wasm two broadcast
// kernels (Multiply, Add) took ~10 ms for a [32, 112, 112, 3] batch; one JS pass over the heap
// ~1.5 ms. Each element is x·scale + shift in double, stored as float32 (one rounding instead
// of two).

import * as tf from '@tensorflow/tfjs';
import { asWasmBackend, type TensorInfo } from './wasm-ops';

export const SCALE_SHIFT_CHANNELS = 'AwScaleShiftChannels';

/** y[r, k] = x[r, k]·scale[k] + shift[k] for x viewed as rows × c. */
export function scaleShiftLoop(x: Float32Array, c: number, scale: ArrayLike<number>, shift: ArrayLike<number>, y: Float32Array): void {
  const n = x.length;
  if (c === 3) {
    // RGB, unrolled: one sequential sweep (measured 1.4 ms for 1.2 M elements vs 2.4 strided).
    const s0 = scale[0];
    const s1 = scale[1];
    const s2 = scale[2];
    const t0 = shift[0];
    const t1 = shift[1];
    const t2 = shift[2];
    for (let o = 0; o < n; o += 3) {
      y[o] = x[o] * s0 + t0;
      y[o + 1] = x[o + 1] * s1 + t1;
      y[o + 2] = x[o + 2] * s2 + t2;
    }
    return;
  }
  // One channel at a time with scalar constants (faster in V8 than indexing per element).
  for (let k = 0; k < c; k++) {
    const s = scale[k];
    const t = shift[k];
    for (let o = k; o < n; o += c) y[o] = x[o] * s + t;
  }
}

/** Inputs x, scale [C], shift [C]; output y like x. */
export const scaleShiftChannelsConfig: tf.KernelConfig = {
  kernelName: SCALE_SHIFT_CHANNELS,
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend }) => {
    const { x, scale, shift } = inputs as Record<'x' | 'scale' | 'shift', TensorInfo>;
    const b = asWasmBackend(backend);
    const out = b.makeOutput(x.shape, 'float32');
    // Views only after the allocation (it may grow the heap).
    const s = Float64Array.from(b.typedArrayFromHeap(scale));
    const t = Float64Array.from(b.typedArrayFromHeap(shift));
    scaleShiftLoop(b.typedArrayFromHeap(x) as Float32Array, x.shape[x.shape.length - 1], s, t, b.typedArrayFromHeap(out) as Float32Array);
    return out;
  },
};

function channelSum(t: tf.Tensor): tf.Tensor {
  return tf.sum(t, t.shape.slice(0, -1).map((_, i) => i));
}

/** dx = dy·scale, dscale = Σ dy·x, dshift = Σ dy (per channel). */
export const scaleShiftChannelsGradConfig: tf.GradConfig = {
  kernelName: SCALE_SHIFT_CHANNELS,
  inputsToSave: ['x', 'scale'],
  gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
    const g = dy as tf.Tensor;
    const [x, scale] = saved;
    return {
      x: () => tf.mul(g, scale),
      scale: () => channelSum(tf.mul(g, x)),
      shift: () => channelSum(g),
    };
  },
};

let gradRegistered = false;

/** Installs the op's gradient (idempotent). */
export function registerScaleShiftGradient(): void {
  if (gradRegistered) return;
  tf.registerGradient(scaleShiftChannelsGradConfig);
  gradRegistered = true;
}

/**
 * x·scale + shift per channel (last axis; scale and shift [C]). One kernel where the backend has
 * ours (wasm), two broadcast ops elsewhere.
 */
export function scaleShiftChannels(x: tf.Tensor, scale: tf.Tensor1D, shift: tf.Tensor1D): tf.Tensor {
  if (x.dtype === 'float32' && tf.getKernel(SCALE_SHIFT_CHANNELS, tf.getBackend()) != null) {
    registerScaleShiftGradient();
    return tf.engine().runKernel(SCALE_SHIFT_CHANNELS, { x, scale, shift }) as tf.Tensor;
  }
  return tf.add(tf.mul(x, scale), shift);
}
