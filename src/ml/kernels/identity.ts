// Identity (tf.clone) sharing its input's data, as tfjs's cpu backend does: one more reference
// to the same memory (the wasm backend counts them; Reshape already shares this way), where the
// wasm package's own kernel copies every element. The gradient tape clones each tensor it saves
// for the backward pass — ~180 clones of activation-sized tensors in one small-backbone training
// step — so the copies cost a training step ~3–6 ms of its ~60 (docs/ARCHITECTURE.md §6).
//
// Safe because no tensor's memory changes after the kernel that made it wrote it. The one
// exception, the fused Adam's moments and running β products (src/ml/train/fused-adam.ts, updated
// in place), are never cloned: they take no part in the forward pass. Strings keep the package's
// kernel (their values are not in the heap).
import * as tf from '@tensorflow/tfjs';
import { asWasmBackend, type TensorInfo } from './wasm-ops';

export function identityShareConfig(own: tf.KernelConfig): tf.KernelConfig {
  return {
    kernelName: 'Identity',
    backendName: 'wasm',
    kernelFunc: (args) => {
      const { x } = args.inputs as { x: TensorInfo };
      if (x.dtype === 'string') return own.kernelFunc(args);
      asWasmBackend(args.backend).incRef(x.dataId);
      return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
    },
  };
}
