// Training kernels the wasm backend lacks or runs slowly, registered under backend name 'wasm'.
//
// - Conv2DBackpropFilter                 missing in tfjs-backend-wasm 4.22 (conv training fails);
//                                        a forward conv, or one GEMM for 1×1 filters
// - Conv2DBackpropInput                  replaces a scalar loop with phase convolutions (strided:
//                                        phases scattered straight into dx, no Concat)
// - DepthwiseConv2dNativeBackpropFilter  missing
// - DepthwiseConv2dNativeBackpropInput   missing
// - MaxPoolGrad                          replaces a slow kernel (JS loops over the heap)
// - Sum, Mean                            per-channel reductions as one matMul; others unchanged
// - BatchMatMul                          transposed operands transposed explicitly (15–50× faster)
// - Identity                             shares its input's data instead of copying it (./identity)
// - Conv2D, FusedConv2D, their gradients native im2col + OpenBLAS SGEMM where the addon is built
//                                        (./native, src/native); else XNNPACK / the above
// - AwBatchNormTrain, AwBatchNormTrainGrad  ours: training-mode batch norm (statistics, y; dx, dγ,
//                                        dβ) as JS passes over the heap, float64 channel sums, with
//                                        the channel-sum reducer hook (./channel-sums); replaced ~15
//                                        tf ops per layer (small backbone: ~49 → ~12 ms per step)
// - AwMovingAverage                      ours: the running-statistics update in one kernel (the tf
//                                        ops also put input clones on the gradient tape)
// - AwScaleShiftChannels                 ours: per-channel x·scale + shift (input normalisation:
//                                        ~10 → ~1.8 ms for a 32×112×112×3 batch)
// plus the Tile-free FusedBatchNorm gradient (all backends) from ./batch-norm and the gradient of
// AwScaleShiftChannels (./scale-shift). Ops using our own kernels fall back to tf ops on backends
// without them.

import * as tf from '@tensorflow/tfjs';
import { registerBatchNormGradient } from './batch-norm';
export { scaleShiftChannels } from './scale-shift';
import { batchNormTrainConfig, batchNormTrainGradConfig, movingAverageConfig } from './batch-norm-wasm';
import { channelReduceConfig } from './channel-reduce';
import { conv2DBackpropFilterConfig } from './conv2d-backprop-filter';
import { conv2DBackpropInputConfig, depthwiseConv2dNativeBackpropInputConfig } from './conv2d-backprop-input';
import { depthwiseConv2dNativeBackpropFilterConfig } from './depthwise-backprop-filter';
import { identityShareConfig } from './identity';
import { maxPoolGradConfig } from './max-pool-grad';
import { conv2DNativeConfig } from './native';
import { batchMatMulConfig } from './matmul';
import { registerScaleShiftGradient, scaleShiftChannelsConfig } from './scale-shift';

export {
  batchNormTraining,
  movingAverage,
  registerBatchNormGradient,
  setChannelSumReducer,
  type BatchNormTrainingResult,
  type ChannelSumReducer,
  type ChannelSumStage,
} from './batch-norm';

export const WASM_TRAINING_KERNELS: readonly tf.KernelConfig[] = [
  conv2DBackpropFilterConfig,
  conv2DBackpropInputConfig,
  depthwiseConv2dNativeBackpropFilterConfig,
  depthwiseConv2dNativeBackpropInputConfig,
  maxPoolGradConfig,
  batchNormTrainConfig,
  batchNormTrainGradConfig,
  movingAverageConfig,
  scaleShiftChannelsConfig,
];

/** Kernels that wrap the package's own (it handles what they do not); built on first use. */
const WRAPPING: Record<string, (own: tf.KernelConfig) => tf.KernelConfig> = {
  Sum: (own) => channelReduceConfig('Sum', own),
  Mean: (own) => channelReduceConfig('Mean', own),
  BatchMatMul: batchMatMulConfig,
  Identity: identityShareConfig,
  Conv2D: conv2DNativeConfig,
  FusedConv2D: conv2DNativeConfig,
};

/** The wasm package's own kernels we replace (undefined: it had none), for fallbacks and A/B runs. */
const originals = new Map<string, tf.KernelConfig | undefined>();
const wrappers = new Map<string, tf.KernelConfig>();

function install(config: tf.KernelConfig): void {
  const current = tf.getKernel(config.kernelName, 'wasm');
  if (current === config) return;
  if (!originals.has(config.kernelName)) originals.set(config.kernelName, current);
  if (current != null) tf.unregisterKernel(config.kernelName, 'wasm');
  tf.registerKernel(config);
}

/**
 * Registers our kernels for 'wasm' (replacing the package's where it has one) and the batch-norm
 * gradient. Idempotent; safe before or after the wasm backend is initialised (none of our
 * kernels needs a setup step).
 */
export function registerWasmTrainingKernels(): void {
  registerBatchNormGradient();
  registerScaleShiftGradient();
  for (const config of WASM_TRAINING_KERNELS) install(config);
  for (const [name, wrap] of Object.entries(WRAPPING)) {
    let wrapper = wrappers.get(name);
    if (wrapper == null) {
      const own = originals.has(name) ? originals.get(name) : tf.getKernel(name, 'wasm');
      if (own == null) throw new Error(`the wasm backend has no ${name} kernel to wrap`);
      wrapper = wrap(own);
      wrappers.set(name, wrapper);
    }
    install(wrapper);
  }
}

/**
 * Puts the package's original wasm kernel back (or leaves none where it had none), for A/B
 * benchmarks. `registerWasmTrainingKernels()` installs ours again.
 */
export function restoreOriginalWasmKernel(kernelName: string): void {
  if (!originals.has(kernelName)) return;
  if (tf.getKernel(kernelName, 'wasm') != null) tf.unregisterKernel(kernelName, 'wasm');
  const original = originals.get(kernelName);
  if (original != null) tf.registerKernel(original);
}
