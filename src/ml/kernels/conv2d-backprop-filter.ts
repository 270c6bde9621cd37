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
//
// 1×1 filters instead run as one GEMM, dWᵀ[Cout, Cin] = dyᵀ[Cout, M] · x'[M, Cin] (M = N·Ho·Wo,
// x' = x subsampled by the stride). Measured per call on the small backbone's layers (batch 32,
// wasm, 1 thread, ms conv → GEMM): 1×1/2 16→32 at 28 px 1.54 → 0.69, 32→64 at 14 px
// 0.86 → 0.44, 64→128 at 7 px 0.90 → 0.70. The same GEMM over an im2col copy
// (dWᵀ[Cout, kh·kw·Cin] = dyᵀ · col(x)) loses for every larger filter — 3×3 16→16 at 28 px
// 6.4 → 18.9, 3×3 at 4 px 128→128 5.8 → 6.7, the 5×5/4 stem 5.3 → 10.2 — because building col
// in JS (≥ 1.3 ns per copied float) costs more than the conv formulation loses to the GEMM; and
// XNNPACK's batched BatchMatMul (one product per tap) is ~50× slower than single products.

import * as tf from '@tensorflow/tfjs';
import { nativeConv, nativeConvApplies } from './native';
import { asWasmBackend, convGeometry, withScope, type ConvGeometry, type TensorInfo, type WasmScope } from './wasm-ops';

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

/**
 * Fills col[M, kh·kw·Cin] (M = N·Ho·Wo, row-major) with the im2col rows of x:
 *   col[(n, p, q), (i, j, ci)] = x[n, p·sh + i − top, q·sw + j − left, ci]   (0 outside x).
 * For fixed (n, p, q, i) the (j, ci) run is contiguous in both x and col, so each is one copy
 * (clipped at the left/right border).
 */
export function im2col(x: Float32Array, g: ConvGeometry, col: Float32Array): void {
  const { inHeight: h, inWidth: w, inChannels: c, outHeight: ho, outWidth: wo, filterHeight: kh, filterWidth: kw } = g;
  const rowLen = kw * c;
  const k = kh * rowLen;
  let m = 0;
  for (let n = 0; n < g.batch; n++) {
    for (let p = 0; p < ho; p++) {
      for (let q = 0; q < wo; q++, m++) {
        const w0 = q * g.strideWidth - g.padLeft;
        const j0 = Math.max(0, -w0);
        const j1 = Math.min(kw, w - w0);
        for (let i = 0; i < kh; i++) {
          const hh = p * g.strideHeight + i - g.padTop;
          const dst = m * k + i * rowLen;
          if (hh < 0 || hh >= h || j1 <= j0) {
            col.fill(0, dst, dst + rowLen);
            continue;
          }
          if (j0 > 0) col.fill(0, dst, dst + j0 * c);
          if (j1 < kw) col.fill(0, dst + j1 * c, dst + rowLen);
          const src = ((n * h + hh) * w + w0 + j0) * c;
          const len = (j1 - j0) * c;
          const d = dst + j0 * c;
          for (let e = 0; e < len; e++) col[d + e] = x[src + e];
        }
      }
    }
  }
}

/** The filter gradient as dWᵀ[Cout, kh·kw·Cin] = dyᵀ[Cout, M] · col(x)[M, kh·kw·Cin] (one GEMM). */
export function conv2dFilterGradGemm(
  s: WasmScope,
  x: TensorInfo,
  dy: TensorInfo,
  filterShape: number[],
  attrs: tf.NamedAttrMap,
): TensorInfo {
  const g = convGeometry(x.shape, filterShape, attrs, false);
  const m = g.batch * g.outHeight * g.outWidth;
  const k = g.filterHeight * g.filterWidth * g.inChannels;
  const dyT = s.transpose(s.reshape(dy, [m, g.outChannels]), [1, 0]);
  let col: TensorInfo;
  if (k === g.inChannels && g.strideHeight === 1 && g.strideWidth === 1 && g.padTop === 0 && g.padLeft === 0 && m * k === tf.util.sizeFromShape(x.shape)) {
    col = s.reshape(x, [1, m, k]); // 1×1, stride 1, no padding: col(x) is x
  } else {
    col = s.adopt(s.backend.makeOutput([1, m, k], 'float32'));
    // Views only after the allocation (it may grow the heap).
    im2col(s.backend.typedArrayFromHeap(x) as Float32Array, g, s.backend.typedArrayFromHeap(col) as Float32Array);
  }
  const prod = s.run('BatchMatMul', { a: s.reshape(dyT, [1, g.outChannels, m]), b: col }, { transposeA: false, transposeB: false });
  return s.reshape(s.transpose(s.reshape(prod, [g.outChannels, k]), [1, 0]), filterShape);
}

/** The faster formulation for a filter shape (see the header): GEMM for 1×1 filters, else the conv. */
export function useGemmFilterGrad(filterShape: number[]): boolean {
  return filterShape[0] === 1 && filterShape[1] === 1;
}

export const conv2DBackpropFilterConfig: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropFilter,
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend, attrs }) => {
    const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
    const a = attrs as tf.NamedAttrMap;
    const filterShape = a.filterShape as number[];
    if (nativeConvApplies(a, x.dtype, dy.dtype)) {
      const dw = nativeConv(asWasmBackend(backend), 2, x, dy, convGeometry(x.shape, filterShape, a, false), filterShape);
      if (dw != null) return dw;
    }
    const grad = useGemmFilterGrad(filterShape) && x.dtype === 'float32' ? conv2dFilterGradGemm : conv2dFilterGrad;
    return withScope(backend, (s) => grad(s, x, dy, filterShape, a));
  },
};
