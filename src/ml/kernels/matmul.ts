// BatchMatMul with transposed operands, for the wasm backend: tfjs-backend-wasm 4.22 runs a product
// with transposeA/transposeB 15–50× slower than the plain one (1024×512×1152: 38 ms plain, 583 ms
// with B transposed, 2,145 ms with A transposed), and tfjs's matMul gradient asks for exactly
// those, so every dense layer's training step paid for it. Transposing the operand explicitly
// (a fast memory shuffle) and running the plain product is the same arithmetic.
import * as tf from '@tensorflow/tfjs';
import { withScope, type TensorInfo } from './wasm-ops';

function swapLast(rank: number): number[] {
  const perm = Array.from({ length: rank }, (_, i) => i);
  [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1], perm[rank - 2]];
  return perm;
}

export function batchMatMulConfig(fallback: tf.KernelConfig): tf.KernelConfig {
  return {
    kernelName: 'BatchMatMul',
    backendName: 'wasm',
    kernelFunc: (args) => {
      const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
      const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean };
      if (!transposeA && !transposeB) return fallback.kernelFunc(args);
      return withScope(args.backend, (s) => {
        const a2 = transposeA ? s.transpose(a, swapLast(a.shape.length)) : a;
        const b2 = transposeB ? s.transpose(b, swapLast(b.shape.length)) : b;
        const out = fallback.kernelFunc({ ...args, inputs: { a: a2, b: b2 }, attrs: { ...args.attrs, transposeA: false, transposeB: false } });
        return out as TensorInfo;
      });
    },
  };
}
