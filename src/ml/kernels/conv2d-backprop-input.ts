// Input gradients of NHWC convs (Conv2DBackpropInput, DepthwiseConv2dNativeBackpropInput) as
// sub-pixel ("phase") convolutions through the fast forward conv kernels.
//
// The wasm backend's own Conv2DBackpropInput is a scalar loop, ~10× slower than its XNNPACK
// forward conv and half of a training step (DESIGN.md §5); the depthwise one is missing.
//
// Derivation (one spatial axis; the other is the same). Forward: y[p] = Σ_i x[p·s + i − top]·W[i].
// So dx[h] = Σ_{p·s+i = u} dy[p]·W[i] with u = h + top. Split u = q·s + a (phase a ∈ [0, s)):
// only taps i = a + s·m contribute, with p = q − m, hence
//   dx[h] = Σ_{m < k_a} dy[q − m]·W[a + s·m],   k_a = ⌈(k − a)/s⌉,
// a stride-1 correlation of dy with the flipped sub-filter G_a[j] = W[a + s·(k_a − 1 − j)].
// Every phase is computed over the same q range [q0, q0 + Hq), q0 = ⌊top/s⌋, and the phases are
// interleaved (output row (q − q0)·s + a) and cropped by top mod s.

import * as tf from '@tensorflow/tfjs';
import { nativeConv, nativeConvApplies } from './native';
import { asWasmBackend, convGeometry, withScope, type ConvGeometry, type TensorInfo, type WasmScope } from './wasm-ops';

/** Taps of phase `phase` of a k-tap filter at stride s: ⌈(k − phase)/s⌉ (0 if phase ≥ k). */
function taps(k: number, s: number, phase: number): number {
  return phase >= k ? 0 : Math.ceil((k - phase) / s);
}

/** Source filter row of tap j (of ka) in phase a: the sub-filter flipped. */
function sourceTap(a: number, s: number, ka: number, j: number): number {
  return a + s * (ka - 1 - j);
}

/** The common q range of all phases: q ∈ [q0, q0 + count), per axis. */
interface PhaseRange {
  q0h: number;
  q0w: number;
  hq: number;
  wq: number;
}

function phaseRange(g: ConvGeometry): PhaseRange {
  const q0h = Math.floor(g.padTop / g.strideHeight);
  const q0w = Math.floor(g.padLeft / g.strideWidth);
  return {
    q0h,
    q0w,
    hq: Math.ceil((g.padTop + g.inHeight) / g.strideHeight) - q0h,
    wq: Math.ceil((g.padLeft + g.inWidth) / g.strideWidth) - q0w,
  };
}

/**
 * Stride-1 conv of dy with a phase filter of kh × kw taps, over the common q range: dy padded by
 * kh − 1 − q0 in front (negative: rows dropped) and to exactly hq output rows behind.
 */
function phaseConv(s: WasmScope, dy: TensorInfo, f: TensorInfo, g: ConvGeometry, r: PhaseRange, depthwise: boolean): TensorInfo {
  const [kh, kw] = f.shape;
  return s.convCropped(
    dy,
    f,
    [
      [0, 0],
      [kh - 1 - r.q0h, r.hq - g.outHeight + r.q0h],
      [kw - 1 - r.q0w, r.wq - g.outWidth + r.q0w],
      [0, 0],
    ],
    [1, 1],
    depthwise,
  );
}

/**
 * Interleaves phase outputs [N, hq, wq, …] whose channel axis is laid out as `order` (a 6-D view
 * with axes named 'a' (row phase), 'b' (column phase) and 'c' (channel)) into [N, H, W, C] and
 * crops to the input. wasm's DepthToSpace does this permutation too but measured ~4× slower.
 */
function interleave(s: WasmScope, t: TensorInfo, g: ConvGeometry, r: PhaseRange, order: 'abc' | 'cab'): TensorInfo {
  const { batch: n, inChannels: c, strideHeight: sh, strideWidth: sw } = g;
  let full = t;
  if (sh !== 1 || sw !== 1) {
    const view = order === 'abc' ? [n, r.hq, r.wq, sh, sw, c] : [n, r.hq, r.wq, c, sh, sw];
    const perm = order === 'abc' ? [0, 1, 3, 2, 4, 5] : [0, 1, 4, 2, 5, 3];
    full = s.reshape(s.transpose(s.reshape(t, view), perm), [n, r.hq * sh, r.wq * sw, c]);
  }
  return s.crop(full, g.padTop % sh, g.padLeft % sw, g.inHeight, g.inWidth);
}

/**
 * Writes the phase outputs [N, hq, wq, C] (phase (a, b) = parts[a·sw + b]; null: no taps, zeros)
 * into dx [N, H, W, C]: phase row qh is input row (qh·sh + a) − padTop mod sh, likewise columns
 * (rows and columns outside the input dropped). One pass of C-float copies over the heap, in
 * place of concat (wasm's Concat copies in JS per row: measured 4.3 ms for 4 × [32,14,14,16]),
 * the 6-D transpose and the crop.
 */
function scatterPhases(s: WasmScope, parts: (TensorInfo | null)[], g: ConvGeometry, r: PhaseRange): TensorInfo {
  const { batch: n, inHeight: h, inWidth: w, inChannels: c, strideHeight: sh, strideWidth: sw } = g;
  const out = s.backend.makeOutput([n, h, w, c], 'float32');
  s.adopt(out);
  // Views only after the allocation (it may grow the heap).
  const dx = s.backend.typedArrayFromHeap(out) as Float32Array;
  if (parts.some((p) => p == null)) dx.fill(0);
  const top = g.padTop % sh;
  const left = g.padLeft % sw;
  for (let a = 0; a < sh; a++) {
    for (let b = 0; b < sw; b++) {
      const part = parts[a * sw + b];
      if (part == null) continue;
      const src = s.backend.typedArrayFromHeap(part) as Float32Array;
      // Columns qw with 0 ≤ qw·sw + b − left < w.
      const q0 = Math.max(0, Math.ceil((left - b) / sw));
      const q1 = Math.min(r.wq, Math.floor((w - 1 + left - b) / sw) + 1);
      for (let bi = 0; bi < n; bi++) {
        for (let qh = 0; qh < r.hq; qh++) {
          const row = qh * sh + a - top;
          if (row < 0 || row >= h) continue;
          const srcRow = (bi * r.hq + qh) * r.wq;
          const dstRow = (bi * h + row) * w;
          for (let qw = q0; qw < q1; qw++) {
            const from = (srcRow + qw) * c;
            const to = (dstRow + qw * sw + b - left) * c;
            for (let k = 0; k < c; k++) dx[to + k] = src[from + k];
          }
        }
      }
    }
  }
  return out;
}

/**
 * dx of an NHWC conv (filter [kh, kw, Cin, Cout]) from dy [N, Ho, Wo, Cout]: one stride-1 conv
 * per phase with its own sub-filter size (no wasted taps: the convs are the cost here), the
 * phases scattered into dx (stride 1: the one phase is dx, cropped).
 */
function convInputGrad(s: WasmScope, dy: TensorInfo, w: Float32Array, g: ConvGeometry): TensorInfo {
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = g;
  const cin = g.inChannels;
  const cout = g.outChannels;
  const r = phaseRange(g);
  const parts: (TensorInfo | null)[] = [];
  for (let a = 0; a < sh; a++) {
    for (let b = 0; b < sw; b++) {
      const ka = taps(kh, sh, a);
      const kb = taps(kw, sw, b);
      if (ka === 0 || kb === 0) {
        parts.push(null);
        continue;
      }
      // [ka, kb, Cout, Cin]: flipped sub-filter, in/out channels swapped.
      const values = new Float32Array(ka * kb * cout * cin);
      for (let j = 0; j < ka; j++) {
        for (let l = 0; l < kb; l++) {
          const src = (sourceTap(a, sh, ka, j) * kw + sourceTap(b, sw, kb, l)) * cin * cout;
          const dst = (j * kb + l) * cout * cin;
          for (let ci = 0; ci < cin; ci++) {
            for (let co = 0; co < cout; co++) values[dst + co * cin + ci] = w[src + ci * cout + co];
          }
        }
      }
      parts.push(phaseConv(s, dy, s.make([ka, kb, cout, cin], values), g, r, false));
    }
  }
  if (parts.length === 1 && parts[0] != null) return interleave(s, parts[0], g, r, 'abc');
  return scatterPhases(s, parts, g, r);
}

/**
 * dx of an NHWC depthwise conv (filter [kh, kw, C, M]) from dy [N, Ho, Wo, C·M]: all phases in
 * ONE depthwise conv with channel multiplier P = sh·sw, every phase's sub-filter zero-padded in
 * front to the largest phase size (XNNPACK has fast depthwise kernels for square tap counts like
 * 2×2 and 3×3, not for 2×1: measured 5×), then the multiplier M summed out and phases interleaved.
 */
function depthwiseInputGrad(s: WasmScope, dy: TensorInfo, w: Float32Array, g: ConvGeometry, m: number): TensorInfo {
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = g;
  const c = g.inChannels;
  const cm = c * m;
  const p = sh * sw;
  const r = phaseRange(g);
  const kH = taps(kh, sh, 0);
  const kW = taps(kw, sw, 0);
  // [kH, kW, C·M, P]
  const values = new Float32Array(kH * kW * cm * p);
  for (let a = 0; a < sh; a++) {
    for (let b = 0; b < sw; b++) {
      const ka = taps(kh, sh, a);
      const kb = taps(kw, sw, b);
      const phase = a * sw + b;
      for (let j = 0; j < ka; j++) {
        for (let l = 0; l < kb; l++) {
          const src = (sourceTap(a, sh, ka, j) * kw + sourceTap(b, sw, kb, l)) * cm;
          const dst = ((kH - ka + j) * kW + (kW - kb + l)) * cm * p + phase;
          for (let k = 0; k < cm; k++) values[dst + k * p] = w[src + k];
        }
      }
    }
  }
  let y = phaseConv(s, dy, s.make([kH, kW, cm, p], values), g, r, true); // [N, hq, wq, C·M·P]
  if (m !== 1) {
    y = s.reshape(s.sum(s.reshape(y, [g.batch, r.hq, r.wq, c, m, p]), [4]), [g.batch, r.hq, r.wq, c * p]);
  }
  return interleave(s, y, g, r, 'cab');
}

/**
 * dx of an NHWC conv (depthwise = false: filter [kh, kw, Cin, Cout]) or depthwise conv
 * (filter [kh, kw, C, M]), from dy [N, Ho, Wo, Cout | C·M].
 */
export function phaseInputGrad(
  s: WasmScope,
  dy: TensorInfo,
  filter: TensorInfo,
  inputShape: number[],
  attrs: tf.NamedAttrMap,
  depthwise: boolean,
): TensorInfo {
  const g = convGeometry(inputShape, filter.shape, attrs, depthwise);
  // Copied out of the heap first: allocating tensors may grow the heap and detach views of it.
  const w = Float32Array.from(s.backend.typedArrayFromHeap(filter) as Float32Array);
  return depthwise ? depthwiseInputGrad(s, dy, w, g, filter.shape[3]) : convInputGrad(s, dy, w, g);
}

export const conv2DBackpropInputConfig: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropInput,
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend, attrs }) => {
    const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
    const a = attrs as tf.NamedAttrMap;
    const inputShape = a.inputShape as number[];
    if (nativeConvApplies(a, dy.dtype, filter.dtype)) {
      const dx = nativeConv(asWasmBackend(backend), 1, dy, filter, convGeometry(inputShape, filter.shape, a, false), inputShape);
      if (dx != null) return dx;
    }
    return withScope(asWasmBackend(backend), (s) => phaseInputGrad(s, dy, filter, inputShape, a, false));
  },
};

export const depthwiseConv2dNativeBackpropInputConfig: tf.KernelConfig = {
  kernelName: tf.DepthwiseConv2dNativeBackpropInput,
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend, attrs }) => {
    const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
    const a = attrs as tf.NamedAttrMap;
    return withScope(asWasmBackend(backend), (s) => phaseInputGrad(s, dy, filter, a.inputShape as number[], a, true));
  },
};
