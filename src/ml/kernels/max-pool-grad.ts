// MaxPoolGrad for the wasm backend, replacing the package's kernel (measured 33 ms for the
// ResNet stem's 3×3/2 pool over 32×56×56×16: ~8 % of a training step, one call).
//
// Each pooling window routes its dy to the first maximum in row-major window order (strict
// '>', out-of-bounds taps skipped), exactly as tfjs' cpu backend does (so ties, frequent after
// ReLU, resolve identically). The loops run in JS over the wasm heap: channels innermost, so
// every access is sequential.

import * as tf from '@tensorflow/tfjs';
import { asWasmBackend, type TensorInfo } from './wasm-ops';

export const maxPoolGradConfig: tf.KernelConfig = {
  kernelName: tf.MaxPoolGrad,
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend, attrs }) => {
    const { dy, input } = inputs as { dy: TensorInfo; input: TensorInfo };
    const a = attrs as tf.NamedAttrMap;
    const info = tf.backend_util.computePool2DInfo(
      input.shape as [number, number, number, number],
      a.filterSize as [number, number] | number,
      a.strides as [number, number] | number,
      1,
      a.pad as 'same' | 'valid' | number,
      a.dimRoundingMode as 'floor' | 'round' | 'ceil' | undefined,
    );
    const b = asWasmBackend(backend);
    const out = b.makeOutput(input.shape, 'float32');
    // Views only after the allocation (it may grow the heap).
    const x = b.typedArrayFromHeap(input) as Float32Array;
    const g = b.typedArrayFromHeap(dy) as Float32Array;
    const dx = b.typedArrayFromHeap(out) as Float32Array;
    dx.fill(0);
    const { batchSize: n, inHeight: h, inWidth: w, inChannels: c, outHeight: ho, outWidth: wo } = info;
    const { strideHeight: sh, strideWidth: sw, filterHeight: kh, filterWidth: kw } = info;
    const top = info.padInfo.top;
    const left = info.padInfo.left;
    const best = new Float32Array(c);
    const where = new Int32Array(c);
    for (let bi = 0; bi < n; bi++) {
      for (let p = 0; p < ho; p++) {
        const h0 = p * sh - top;
        const i0 = Math.max(0, -h0);
        const i1 = Math.min(kh, h - h0);
        for (let q = 0; q < wo; q++) {
          const w0 = q * sw - left;
          const j0 = Math.max(0, -w0);
          const j1 = Math.min(kw, w - w0);
          best.fill(-Infinity);
          where.fill(-1);
          for (let i = i0; i < i1; i++) {
            for (let j = j0; j < j1; j++) {
              const base = ((bi * h + h0 + i) * w + w0 + j) * c;
              for (let k = 0; k < c; k++) {
                const v = x[base + k];
                if (v > best[k]) {
                  best[k] = v;
                  where[k] = base + k;
                }
              }
            }
          }
          const o = ((bi * ho + p) * wo + q) * c;
          for (let k = 0; k < c; k++) if (where[k] >= 0) dx[where[k]] += g[o + k];
        }
      }
    }
    return out;
  },
};
