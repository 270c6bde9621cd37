// Sum and Mean over every axis but the last ("per channel") as one matMul, for the wasm backend.
//
// That reduction is everywhere in training: bias and batch-norm gradients, tf.moments over NHWC
// activations, broadcast-add gradients. The wasm Sum/Mean kernels move the reduced axes innermost
// with a full transpose first; x[M, C]ᵀ · v[M, 1] in XNNPACK's GEMM measured 3–4× faster on
// ResNet activations (v = ones for Sum, 1/M for Mean). Every other reduction goes to the
// package's own kernel.

import * as tf from '@tensorflow/tfjs';
import { withScope, type TensorInfo } from './wasm-ops';

/** True when `axes` are exactly 0 … rank − 2 (in any order). */
export function isLeadingAxes(axes: number[], rank: number): boolean {
  if (rank < 2 || axes.length !== rank - 1) return false;
  const seen = new Set(axes);
  for (let i = 0; i < rank - 1; i++) if (!seen.has(i)) return false;
  return true;
}

/**
 * A wasm Sum or Mean kernel with the per-channel fast path; `fallback` (the package's kernel)
 * handles everything else.
 */
export function channelReduceConfig(kernelName: 'Sum' | 'Mean', fallback: tf.KernelConfig): tf.KernelConfig {
  return {
    kernelName,
    backendName: 'wasm',
    kernelFunc: (args) => {
      const x = args.inputs.x as TensorInfo;
      const { axis, keepDims } = args.attrs as { axis: number | number[]; keepDims: boolean };
      const axes = tf.util.parseAxisParam(axis, x.shape);
      const size = tf.util.sizeFromShape(x.shape);
      if (x.dtype !== 'float32' || size === 0 || !isLeadingAxes(axes, x.shape.length)) {
        return fallback.kernelFunc(args);
      }
      const c = x.shape[x.shape.length - 1];
      const m = size / c;
      const outShape = keepDims ? x.shape.map((d, i) => (i === x.shape.length - 1 ? d : 1)) : [c];
      return withScope(args.backend, (s) => {
        const weights = s.run('Fill', {}, { shape: [1, m, 1], value: kernelName === 'Mean' ? 1 / m : 1, dtype: 'float32' });
        const product = s.run('BatchMatMul', { a: s.reshape(x, [1, m, c]), b: weights }, { transposeA: true, transposeB: false });
        return s.reshape(product, outShape);
      });
    },
  };
}
