// Conv2DBackpropFilter for the wasm backend, which ships without it (so conv training fails).
//
// dW[i, j, ci, co] = Σ_{n, p, q} xpad[n, p·sh + i, q·sw + j, ci] · dy[n, p, q, co]
//
// Read with ci as the batch, (p, q) as the kernel taps and n as the contracted channel, this is
// itself a forward convolution, which runs in XNNPACK's fast conv kernel:
//   input  x  → [Cin, H, W, N]       (transpose)
//   filter dy → [Ho, Wo, N, Cout]    (transpose)
//   conv with dilation = stride, stride 1, the forward padding folded into the conv's explicit
//   padding → [Cin, kh, kw, Cout] → transpose → [kh, kw, Cin, Cout].

import * as tf from '@tensorflow/tfjs';
import { convGeometry, withScope, type TensorInfo, type WasmScope } from './wasm-ops';

/**
 * The filter gradient of an NHWC conv (dilation 1). `depthwise` = false: dW [kh, kw, Cin, Cout].
 * Shared with nothing else; exported for the benchmark's A/B comparison.
 */
export function conv2dFilterGrad(
  s: WasmScope,
  x: TensorInfo,
  dy: TensorInfo,
  filterShape: number[],
  attrs: tf.NamedAttrMap,
): TensorInfo {
  const g = convGeometry(x.shape, filterShape, attrs, false);
  const xT = s.transpose(x, [3, 1, 2, 0]);
  const dyT = s.transpose(dy, [1, 2, 0, 3]);
  // Output rows of the dilated conv = H + top + bottom − (Ho − 1)·sh; choose bottom so that this
  // is exactly kh (a negative value drops input rows the forward conv never read).
  const bottom = g.filterHeight + (g.outHeight - 1) * g.strideHeight - g.inHeight - g.padTop;
  const right = g.filterWidth + (g.outWidth - 1) * g.strideWidth - g.inWidth - g.padLeft;
  const out = s.convCropped(
    xT,
    dyT,
    [
      [0, 0],
      [g.padTop, bottom],
      [g.padLeft, right],
      [0, 0],
    ],
    [g.strideHeight, g.strideWidth],
    false,
  );
  return s.transpose(out, [1, 2, 0, 3]);
}

export const conv2DBackpropFilterConfig: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropFilter,
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend, attrs }) => {
    const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
    const a = attrs as tf.NamedAttrMap;
    return withScope(backend, (s) => conv2dFilterGrad(s, x, dy, a.filterShape as number[], a));
  },
};
