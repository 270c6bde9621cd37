// DepthwiseConv2dNativeBackpropFilter for the wasm backend (missing there; face-api's expression
// net is built of depthwise-separable convs and we fine-tune it).
//
// dW[i, j, c, m] = Σ_{n, p, q} xpad[n, p·sh + i, q·sw + j, c] · dy[n, p, q, c·M + m]
//
// No channel is contracted, so unlike the regular filter gradient there is no GEMM to hand this
// to. Folding the batch into the channels turns it into one depthwise conv (as the regular one
// becomes a conv): input x → [1, H, W, N·C], filter dy → [Ho, Wo, N·C, M], dilation = stride,
// output [1, kh, kw, N·C·M], then Σ over n. Measured against the alternatives on face-api-sized
// layers (32×56×56×32, 3×3): this 66 ms, a plain JS loop 66 ms, strided slices × dy 177 ms
// (611 ms at stride 2). The forward depthwise conv is ~9 ms: XNNPACK has no fast kernel for
// thousands of taps, so this gradient stays the expensive part of depthwise training on wasm.

import * as tf from '@tensorflow/tfjs';
import { convGeometry, withScope, type TensorInfo, type WasmScope } from './wasm-ops';

export function depthwiseFilterGrad(
  s: WasmScope,
  x: TensorInfo,
  dy: TensorInfo,
  filterShape: number[],
  attrs: tf.NamedAttrMap,
): TensorInfo {
  const g = convGeometry(x.shape, filterShape, attrs, true);
  const { batch: n, inHeight: h, inWidth: w, inChannels: c, outHeight: ho, outWidth: wo } = g;
  const [kh, kw, , m] = filterShape;
  const xT = s.reshape(s.transpose(x, [1, 2, 0, 3]), [1, h, w, n * c]);
  const dyT = s.reshape(s.transpose(dy, [1, 2, 0, 3]), [ho, wo, n * c, m]);
  // As in the regular filter gradient: pad behind so that the dilated conv yields exactly kh rows.
  const bottom = kh + (ho - 1) * g.strideHeight - h - g.padTop;
  const right = kw + (wo - 1) * g.strideWidth - w - g.padLeft;
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
    true,
  );
  const perImage = s.reshape(out, [kh, kw, n, c * m]);
  return s.reshape(n === 1 ? perImage : s.sum(perImage, [2]), [kh, kw, c, m]);
}

export const depthwiseConv2dNativeBackpropFilterConfig: tf.KernelConfig = {
  kernelName: tf.DepthwiseConv2dNativeBackpropFilter,
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend, attrs }) => {
    const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
    const a = attrs as tf.NamedAttrMap;
    return withScope(backend, (s) => depthwiseFilterGrad(s, x, dy, a.filterShape as number[], a));
  },
};
