// Our wasm conv kernels (the wasm formulations and the native addon's) against tfjs' pure-JS cpu
// backend (the reference).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '../../src/ml/backend';
import {
  conv2DBackpropFilterConfig,
  conv2dFilterGrad,
  conv2dFilterGradGemm,
  useGemmFilterGrad,
} from '../../src/ml/kernels/conv2d-backprop-filter';
import { nativeAddonCandidates, nativeConv, nativeKernelsStatus, setNativeKernelsEnabled, setNativeConvThreads } from '../../src/ml/kernels/native';
import { asWasmBackend, withScope } from '../../src/ml/kernels/wasm-ops';
import {
  conv2DBackpropInputConfig,
  depthwiseConv2dNativeBackpropInputConfig,
} from '../../src/ml/kernels/conv2d-backprop-input';
import { depthwiseConv2dNativeBackpropFilterConfig } from '../../src/ml/kernels/depthwise-backprop-filter';
import { maxPoolGradConfig } from '../../src/ml/kernels/max-pool-grad';
import { values, relError } from './kernel-fixtures';

type Shape4 = [number, number, number, number];
type Pad = 'same' | 'valid' | number;

/**
 * Gradients of sum(conv(x, w) · r) w.r.t. x and w (r a fixed non-uniform weighting, so every
 * output position matters differently) on the given backend.
 */
async function convGrads(
  backend: string,
  xShape: Shape4,
  wShape: Shape4,
  stride: number | [number, number],
  pad: Pad,
  depthwise: boolean,
): Promise<[Float32Array, Float32Array]> {
  await tf.setBackend(backend);
  const before = tf.memory().numTensors;
  const out = tf.tidy(() => {
    const x = tf.tensor4d(values(xShape, 1), xShape);
    const w = tf.tensor4d(values(wShape, 2), wShape);
    const f = (a: tf.Tensor, b: tf.Tensor): tf.Scalar => {
      const y = depthwise
        ? tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, stride, pad as 'same')
        : tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, stride, pad as 'same');
      const r = tf.tensor(values(y.shape, 3), y.shape);
      return tf.sum(tf.mul(y, r));
    };
    const [gx, gw] = tf.grads(f)([x, w]);
    return [gx.dataSync() as Float32Array, gw.dataSync() as Float32Array] as [Float32Array, Float32Array];
  });
  expect(tf.memory().numTensors).toBe(before);
  return out;
}

async function expectMatchesCpu(
  xShape: Shape4,
  wShape: Shape4,
  stride: number | [number, number],
  pad: Pad,
  depthwise: boolean,
): Promise<void> {
  const [wasmDx, wasmDw] = await convGrads('wasm', xShape, wShape, stride, pad, depthwise);
  const [cpuDx, cpuDw] = await convGrads('cpu', xShape, wShape, stride, pad, depthwise);
  expect(relError(wasmDx, cpuDx)).toBeLessThan(1e-4);
  expect(relError(wasmDw, cpuDw)).toBeLessThan(1e-4);
}

beforeAll(async () => {
  const info = await initBackend();
  expect(info.name).toBe('wasm');
});

describe('wasm training kernels are ours', () => {
  it('registers the conv-gradient, max-pool-gradient and reduction kernels for wasm', () => {
    expect(tf.getKernel('MaxPoolGrad', 'wasm')).toBe(maxPoolGradConfig);
    // The Sum/Mean wrappers are built at registration; they are not the package's kernels.
    expect(tf.getKernel('Sum', 'wasm')?.setupFunc).toBeUndefined();
    expect(tf.getKernel('Mean', 'wasm')?.setupFunc).toBeUndefined();
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBe(conv2DBackpropFilterConfig);
    expect(tf.getKernel('Conv2DBackpropInput', 'wasm')).toBe(conv2DBackpropInputConfig);
    expect(tf.getKernel('DepthwiseConv2dNativeBackpropFilter', 'wasm')).toBe(depthwiseConv2dNativeBackpropFilterConfig);
    expect(tf.getKernel('DepthwiseConv2dNativeBackpropInput', 'wasm')).toBe(depthwiseConv2dNativeBackpropInputConfig);
  });
});

// [x shape, filter shape, stride, padding]: odd and even sizes, strides 1–3, filters smaller
// than, equal to and larger than the stride, numeric padding (offset phases), rectangular.
const CONV_CASES: [Shape4, Shape4, number | [number, number], Pad][] = [
  [[2, 7, 9, 3], [3, 3, 3, 4], 1, 'same'],
  [[2, 7, 9, 3], [3, 3, 3, 4], 1, 'valid'],
  [[2, 7, 9, 3], [3, 3, 3, 4], 2, 'same'],
  [[2, 8, 8, 3], [3, 3, 3, 4], 2, 'same'],
  [[2, 7, 9, 3], [3, 3, 3, 4], 2, 'valid'],
  [[2, 7, 7, 2], [2, 2, 2, 3], 2, 'valid'],
  [[1, 8, 6, 2], [1, 1, 2, 5], 2, 'same'],
  [[3, 11, 10, 4], [7, 7, 4, 3], 2, 'same'],
  [[2, 9, 9, 3], [5, 4, 3, 2], 3, 'same'],
  [[2, 9, 8, 3], [3, 3, 3, 2], [2, 1], 'same'],
  [[2, 10, 9, 2], [5, 5, 2, 3], 2, 2],
  [[1, 6, 7, 2], [3, 3, 2, 2], 1, 1],
  // 1×1 filters (the filter gradient runs as a GEMM): x itself, subsampled, padded.
  [[2, 7, 9, 3], [1, 1, 3, 4], 1, 'same'],
  [[2, 7, 9, 3], [1, 1, 3, 4], 2, 'valid'],
  [[2, 7, 9, 3], [1, 1, 3, 4], [2, 3], 'same'],
  [[2, 5, 6, 3], [1, 1, 3, 2], 1, 1],
];

// Both implementations: the wasm formulations (the fallback where the native addon is not built)
// and the native im2col + OpenBLAS kernels (src/native), which `npm run build` builds here.
for (const native of [false, true]) {
  describe(`Conv2DBackpropInput / Conv2DBackpropFilter on wasm match cpu (${native ? 'native kernels' : 'wasm formulations'})`, () => {
    beforeAll(() => {
      if (native) expect(nativeKernelsStatus(), 'the native kernels are built by npm run build (needs a C compiler and libopenblas-dev)').toMatchObject({ active: true });
      setNativeKernelsEnabled(native);
    });
    afterAll(() => setNativeKernelsEnabled(true));
    for (const [xs, ws, stride, pad] of CONV_CASES) {
      it(`x ${xs.join('x')} w ${ws.join('x')} stride ${String(stride)} pad ${pad}`, async () => {
        await expectMatchesCpu(xs, ws, stride, pad, false);
      });
    }
  });
}

/** conv2d or fused conv2d (bias + activation) forward on a backend. */
async function forward(backend: string, xShape: Shape4, wShape: Shape4, stride: number | [number, number], pad: Pad, fused?: { activation: 'linear' | 'relu' | 'relu6' | 'leakyrelu' }): Promise<Float32Array> {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const x = tf.tensor4d(values(xShape, 5), xShape);
    const w = tf.tensor4d(values(wShape, 6), wShape);
    if (!fused) return tf.conv2d(x, w, stride, pad as 'same').dataSync() as Float32Array;
    const bias = tf.tensor1d(values([wShape[3]], 7));
    return tf.fused.conv2d({ x, filter: w, strides: stride, pad: pad as 'same', bias, activation: fused.activation, leakyreluAlpha: 0.1 }).dataSync() as Float32Array;
  });
}

describe('the native forward products (Conv2D, FusedConv2D with bias and activation) match cpu', () => {
  beforeAll(() => {
    expect(nativeKernelsStatus(), 'the native kernels are built by npm run build (needs a C compiler and libopenblas-dev)').toMatchObject({ active: true });
    setNativeKernelsEnabled(true);
  });
  for (const [xs, ws, stride, pad] of CONV_CASES) {
    it(`x ${xs.join('x')} w ${ws.join('x')} stride ${String(stride)} pad ${pad}`, async () => {
      expect(relError(await forward('wasm', xs, ws, stride, pad), await forward('cpu', xs, ws, stride, pad))).toBeLessThan(1e-5);
      for (const activation of ['linear', 'relu', 'relu6', 'leakyrelu'] as const) {
        expect(relError(await forward('wasm', xs, ws, stride, pad, { activation }), await forward('cpu', xs, ws, stride, pad, { activation })), activation).toBeLessThan(1e-5);
      }
    });
  }
  it('splits a product over threads (rows; the input gradient by whole images) with the one-thread result, to float rounding (OpenBLAS blocks a product by its size)', async () => {
    // 6 images (2, 3 and 8 threads: equal, unequal and more threads than images), 44 M
    // multiply-adds: above the kernels' 2 M per thread (smaller products stay in one thread)
    const xs: Shape4 = [6, 40, 40, 16];
    const ws: Shape4 = [3, 3, 16, 32];
    /** `body`'s result with each native product split over `threads`. */
    const withThreads = async <T>(threads: number, body: () => Promise<T>): Promise<T> => {
      const old = setNativeConvThreads(threads);
      try {
        return await body();
      } finally {
        setNativeConvThreads(old);
      }
    };
    const run = (threads: number) =>
      withThreads(threads, async () => [await forward('wasm', xs, ws, 1, 'same', { activation: 'relu' }), ...(await convGrads('wasm', xs, ws, 1, 'same', false))]);
    const [y1, dx1, dw1] = await run(1);
    for (const threads of [2, 3, 8]) {
      const [y, dx, dw] = await run(threads);
      expect(relError(y, y1), `y, ${threads} threads`).toBeLessThan(1e-6);
      expect(relError(dx, dx1), `dx, ${threads} threads`).toBeLessThan(1e-6);
      expect(relError(dw, dw1), `dw, ${threads} threads`).toBeLessThan(1e-6);
    }
    // one image (a detector's pass): its rows are split
    const one = (threads: number) => withThreads(threads, () => forward('wasm', [1, 96, 96, 16], ws, 1, 'same', { activation: 'relu6' }));
    const single = await one(1);
    for (const threads of [2, 3]) expect(relError(await one(threads), single), `1 image, ${threads} threads`).toBeLessThan(1e-6);
  });

  it('a product whose tensors do not fit its geometry throws a RangeError and leaks no heap block', async () => {
    await tf.setBackend('wasm');
    const backend = asWasmBackend(tf.backend());
    const x = tf.zeros([1, 4, 4, 2]);
    const w = tf.zeros([3, 3, 2, 2]);
    const g = { batch: 1, inHeight: 4, inWidth: 4, inChannels: 2, outHeight: 4, outWidth: 4, outChannels: 2, filterHeight: 3, filterWidth: 3, strideHeight: 1, strideWidth: 1, padTop: 1, padLeft: 1 };
    const before = tf.engine().backend.numDataIds();
    expect(() => nativeConv(backend, 0, x, w, { ...g, inHeight: 5 }, [1, 4, 4, 2])).toThrow(/conv forward: lengths of x, w, y do not match the geometry/);
    expect(() => nativeConv(backend, 2, x, w, g, [3, 3, 2, 2])).toThrow(/filter gradient: lengths/);
    expect(tf.engine().backend.numDataIds()).toBe(before);
    const y = nativeConv(backend, 0, x, w, g, [1, 4, 4, 2])!;
    expect(y.shape).toEqual([1, 4, 4, 2]);
    backend.disposeData(y.dataId);
    tf.dispose([x, w]);
  });
  it('is looked for beside the bundle, above the sources, and unpacked from app.asar', () => {
    expect(nativeAddonCandidates('/opt/app/out/main').slice(0, 4)).toEqual([
      '/opt/app/out/main/native/aw_conv.node',
      '/opt/app/out/main/out/native/aw_conv.node',
      '/opt/app/out/native/aw_conv.node',
      '/opt/app/out/out/native/aw_conv.node',
    ]);
    expect(nativeAddonCandidates('/opt/AW/resources/app.asar/out/main')[2]).toBe('/opt/AW/resources/app.asar.unpacked/out/native/aw_conv.node');
  });
});

describe('the GEMM (im2col) filter gradient matches the conv formulation for every shape', () => {
  // the wasm formulations themselves (their convs in XNNPACK, not the native kernels)
  beforeAll(() => setNativeKernelsEnabled(false));
  afterAll(() => setNativeKernelsEnabled(true));
  for (const [xs, ws, stride, pad] of CONV_CASES) {
    it(`x ${xs.join('x')} w ${ws.join('x')} stride ${String(stride)} pad ${pad}`, async () => {
      await tf.setBackend('wasm');
      const before = tf.memory().numTensors;
      const x = tf.tensor4d(values(xs, 1), xs);
      const w = tf.zeros(ws) as tf.Tensor4D;
      const y = tf.conv2d(x, w, stride, pad as 'same');
      const dy = tf.tensor(values(y.shape, 3), y.shape);
      const attrs = { strides: stride, pad, dataFormat: 'NHWC', dilations: 1, filterShape: ws };
      const grad = (f: typeof conv2dFilterGrad): Float32Array => {
        const backend = tf.backend();
        const out = withScope(backend, (s) => f(s, x, dy, ws, attrs));
        expect(out.shape).toEqual(ws);
        const v = asWasmBackend(backend).typedArrayFromHeap(out).slice() as Float32Array;
        asWasmBackend(backend).disposeData(out.dataId);
        return v;
      };
      expect(relError(grad(conv2dFilterGradGemm), grad(conv2dFilterGrad))).toBeLessThan(1e-5);
      tf.dispose([x, w, y, dy]);
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it('uses the GEMM for 1×1 filters only', () => {
    expect(useGemmFilterGrad([1, 1, 16, 32])).toBe(true);
    expect(useGemmFilterGrad([3, 3, 16, 16])).toBe(false);
    expect(useGemmFilterGrad([1, 3, 16, 16])).toBe(false);
  });
});

describe('DepthwiseConv2dNative gradients on wasm match cpu', () => {
  for (const [xs, ws, stride, pad] of CONV_CASES) {
    // Filter [kh, kw, C, multiplier]: multiplier 1 (face-api's nets) and 2.
    for (const m of [1, 2]) {
      const dws: Shape4 = [ws[0], ws[1], xs[3], m];
      const equalStrides = typeof stride === 'number' || stride[0] === stride[1];
      if (!equalStrides) continue; // tf.depthwiseConv2d requires equal strides
      it(`x ${xs.join('x')} w ${dws.join('x')} stride ${String(stride)} pad ${pad}`, async () => {
        await expectMatchesCpu(xs, dws, stride, pad, true);
      });
    }
  }
});

describe('a ResNet-sized layer', () => {
  it('matches cpu for a 3×3 stride-2 conv on 16×28×28 activations', async () => {
    await expectMatchesCpu([4, 28, 28, 16], [3, 3, 16, 32], 2, 'same', false);
  });
});

/**
 * Gradient of sum(maxPool(a) · r) w.r.t. a = relu(x): the zeros make tied window maxima, and
 * which tie receives dy is visible in the result.
 */
async function maxPoolGrad(backend: string, xShape: Shape4, size: number, stride: number, pad: 'same' | 'valid'): Promise<Float32Array> {
  await tf.setBackend(backend);
  const before = tf.memory().numTensors;
  const out = tf.tidy(() => {
    const x = tf.relu(tf.tensor4d(values(xShape, 4), xShape));
    const f = (a: tf.Tensor): tf.Scalar => {
      const y = tf.maxPool(a as tf.Tensor4D, size, stride, pad);
      return tf.sum(tf.mul(y, tf.tensor(values(y.shape, 5), y.shape)));
    };
    return tf.grad(f)(x).dataSync() as Float32Array;
  });
  expect(tf.memory().numTensors).toBe(before);
  return out;
}

describe('MaxPoolGrad on wasm matches cpu, ties included', () => {
  const cases: [Shape4, number, number, 'same' | 'valid'][] = [
    [[2, 9, 9, 3], 3, 2, 'same'],
    [[2, 8, 8, 3], 3, 2, 'same'],
    [[2, 7, 9, 2], 2, 2, 'valid'],
    [[1, 7, 7, 4], 3, 1, 'same'],
    [[2, 10, 7, 3], 3, 3, 'valid'],
  ];
  for (const [xs, size, stride, pad] of cases) {
    it(`x ${xs.join('x')} pool ${size} stride ${stride} ${pad}`, async () => {
      const wasm = await maxPoolGrad('wasm', xs, size, stride, pad);
      const cpu = await maxPoolGrad('cpu', xs, size, stride, pad);
      expect(relError(wasm, cpu)).toBeLessThan(1e-6);
    });
  }
});

describe('Sum and Mean on wasm (per-channel fast path and fallback) match cpu', () => {
  const cases: [number[], number[] | number | undefined, boolean][] = [
    [[4, 9, 7, 5], [0, 1, 2], false], // fast path
    [[4, 9, 7, 5], [2, 0, 1], true], // fast path, keepDims, axes in any order
    [[33, 6], [0], false], // fast path, 2-D (dense-layer bias gradient)
    [[33, 6], 0, true],
    [[4, 9, 7, 5], [1, 2], false], // fallback
    [[4, 9, 7, 5], [3], false], // fallback: last axis
    [[4, 9, 7, 5], undefined, false], // fallback: all axes
    [[1, 1, 1, 5], [0, 1, 2], false],
  ];
  for (const [shape, axis, keepDims] of cases) {
    it(`shape ${shape.join('x')} axis ${JSON.stringify(axis)} keepDims ${keepDims}`, async () => {
      const run = async (backend: string): Promise<[Float32Array, number[], Float32Array]> => {
        await tf.setBackend(backend);
        const x = tf.tensor(values(shape, 6), shape);
        const sum = tf.sum(x, axis, keepDims);
        const mean = tf.mean(x, axis, keepDims);
        const result: [Float32Array, number[], Float32Array] = [
          sum.dataSync() as Float32Array,
          sum.shape,
          mean.dataSync() as Float32Array,
        ];
        tf.dispose([x, sum, mean]);
        return result;
      };
      const before = tf.memory().numTensors;
      const [ws, wShape, wm] = await run('wasm');
      const [cs, cShape, cm] = await run('cpu');
      expect(wShape).toEqual(cShape);
      expect(relError(ws, cs)).toBeLessThan(1e-5);
      expect(relError(wm, cm)).toBeLessThan(1e-5);
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it('leaves int32 sums to the package kernel', async () => {
    await tf.setBackend('wasm');
    const x = tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2], 'int32');
    const s = tf.sum(x, 0);
    expect(s.dtype).toBe('int32');
    expect(Array.from(await s.data())).toEqual([9, 12]);
    tf.dispose([x, s]);
  });
});
