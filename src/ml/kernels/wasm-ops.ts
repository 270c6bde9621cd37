// Building blocks for kernels composed from the wasm backend's own kernels.
//
// A kernel runs below the tensor layer: it receives and returns TensorInfo (data id + shape), and
// cannot call tf ops (those would create engine-tracked tensors inside a kernel). So composite
// kernels call the registered wasm kernel functions directly, and every intermediate they make is
// released exactly once through `WasmScope.dispose` (wasm Reshape shares its input's data with a
// reference count, so releasing each result once is always right).

import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

type TensorInfo = tf.TensorInfo;
export type { TensorInfo };

/** The BackendWasm methods composite kernels use (its .d.ts marks some as internal). */
export interface WasmBackendLike {
  makeOutput(shape: number[], dtype: tf.DataType, memoryOffset?: number, values?: tf.TypedArray): TensorInfo;
  typedArrayFromHeap(t: TensorInfo): Float32Array | Int32Array | Uint8Array;
  disposeData(dataId: tf.DataId, force?: boolean): boolean;
  /** One more reference to the data (the wasm backend frees it when every reference is disposed). */
  incRef(dataId: tf.DataId): void;
}

export function asWasmBackend(backend: unknown): WasmBackendLike {
  return backend as BackendWasm as unknown as WasmBackendLike;
}

export type Pads = [[number, number], [number, number], [number, number], [number, number]];

/** Tracks the intermediates of one composite kernel call and runs wasm kernels on them. */
export class WasmScope {
  private readonly owned: TensorInfo[] = [];

  constructor(readonly backend: WasmBackendLike) {}

  /** Runs the registered wasm kernel `name`; the result is owned by this scope. */
  run(name: string, inputs: tf.NamedTensorInfoMap | TensorInfo[], attrs: tf.NamedAttrMap = {}): TensorInfo {
    const kernel = tf.getKernel(name, 'wasm');
    if (kernel == null) throw new Error(`wasm kernel '${name}' is not registered`);
    const out = kernel.kernelFunc({ inputs: inputs as tf.NamedTensorInfoMap, backend: this.backend as never, attrs });
    const info = (Array.isArray(out) ? out[0] : out) as TensorInfo;
    this.owned.push(info);
    return info;
  }

  /** A new float32 tensor holding `values` (copied into the wasm heap). */
  make(shape: number[], values: Float32Array): TensorInfo {
    const info = this.backend.makeOutput(shape, 'float32', undefined, values);
    this.owned.push(info);
    return info;
  }

  /** Makes this scope own `t` (a tensor made directly with the backend). */
  adopt(t: TensorInfo): TensorInfo {
    this.owned.push(t);
    return t;
  }

  /** Removes `t` from this scope (it becomes the kernel's result) and returns it. */
  keep(t: TensorInfo): TensorInfo {
    const i = this.owned.indexOf(t);
    if (i >= 0) this.owned.splice(i, 1);
    return t;
  }

  dispose(): void {
    for (const t of this.owned) this.backend.disposeData(t.dataId);
    this.owned.length = 0;
  }

  // --- thin typed wrappers -------------------------------------------------------------------

  reshape(x: TensorInfo, shape: number[]): TensorInfo {
    return this.run('Reshape', { x }, { shape });
  }

  transpose(x: TensorInfo, perm: number[]): TensorInfo {
    return this.run('Transpose', { x }, { perm });
  }

  slice(x: TensorInfo, begin: number[], size: number[]): TensorInfo {
    return this.run('Slice', { x }, { begin, size });
  }

  stridedSlice(x: TensorInfo, begin: number[], end: number[], strides: number[]): TensorInfo {
    return this.run(
      'StridedSlice',
      { x },
      { begin, end, strides, beginMask: 0, endMask: 0, ellipsisMask: 0, newAxisMask: 0, shrinkAxisMask: 0 },
    );
  }

  /**
   * Slice of an NHWC float32 tensor over H and W (all batches and channels) by row copies: the
   * wasm Slice kernel copies element by element in JS (measured 16 ms for 3 M elements).
   */
  crop(x: TensorInfo, top: number, left: number, height: number, width: number): TensorInfo {
    const [n, h, w, c] = x.shape;
    if (top === 0 && left === 0 && height === h && width === w) return x;
    if (x.dtype !== 'float32') return this.slice(x, [0, top, left, 0], [n, height, width, c]);
    const out = this.backend.makeOutput([n, height, width, c], 'float32');
    this.owned.push(out);
    // Views only after the allocation: growing the heap replaces its buffer.
    const src = this.backend.typedArrayFromHeap(x);
    const dst = this.backend.typedArrayFromHeap(out);
    const rowLen = width * c;
    for (let b = 0; b < n; b++) {
      for (let r = 0; r < height; r++) {
        const from = ((b * h + top + r) * w + left) * c;
        dst.set(src.subarray(from, from + rowLen), (b * height + r) * rowLen);
      }
    }
    return out;
  }

  pad(x: TensorInfo, paddings: number[][]): TensorInfo {
    return this.run('PadV2', { x }, { paddings, constantValue: 0 });
  }

  concat(xs: TensorInfo[], axis: number): TensorInfo {
    return this.run('Concat', xs, { axis });
  }

  sum(x: TensorInfo, axis: number[]): TensorInfo {
    return this.run('Sum', { x }, { axis, keepDims: false });
  }

  mul(a: TensorInfo, b: TensorInfo): TensorInfo {
    return this.run('Multiply', { a, b });
  }

  zeros(shape: number[]): TensorInfo {
    return this.run('Fill', {}, { shape, value: 0, dtype: 'float32' });
  }

  /** NHWC conv (or depthwise conv) with stride 1, explicit non-negative pads and dilation. */
  conv(x: TensorInfo, filter: TensorInfo, pads: Pads, dilations: [number, number], depthwise: boolean): TensorInfo {
    const attrs = { strides: [1, 1], pad: pads, dilations, dataFormat: 'NHWC', dimRoundingMode: undefined };
    return this.run(depthwise ? 'DepthwiseConv2dNative' : 'Conv2D', { x, filter }, attrs as unknown as tf.NamedAttrMap);
  }

  /**
   * `conv` that also accepts negative pads (= rows/columns of x to drop), which the explicit
   * padding of the conv kernels does not.
   */
  convCropped(x: TensorInfo, filter: TensorInfo, pads: Pads, dilations: [number, number], depthwise: boolean): TensorInfo {
    const [, [t, b], [l, r]] = pads;
    let input = x;
    if (t < 0 || b < 0 || l < 0 || r < 0) {
      const [, h, w] = x.shape;
      const top = Math.max(0, -t);
      const left = Math.max(0, -l);
      input = this.crop(x, top, left, h - top - Math.max(0, -b), w - left - Math.max(0, -r));
    }
    const clamped: Pads = [
      [0, 0],
      [Math.max(0, t), Math.max(0, b)],
      [Math.max(0, l), Math.max(0, r)],
      [0, 0],
    ];
    return this.conv(input, filter, clamped, dilations, depthwise);
  }
}

/** Runs `body` with a fresh scope, releasing every intermediate except the returned tensor. */
export function withScope(backend: unknown, body: (s: WasmScope) => TensorInfo): TensorInfo {
  const scope = new WasmScope(asWasmBackend(backend));
  try {
    return scope.keep(body(scope));
  } finally {
    scope.dispose();
  }
}

/** Common NHWC conv geometry of the gradient kernels, read from tfjs-core's own computation. */
export interface ConvGeometry {
  batch: number;
  inHeight: number;
  inWidth: number;
  inChannels: number;
  outHeight: number;
  outWidth: number;
  outChannels: number;
  filterHeight: number;
  filterWidth: number;
  strideHeight: number;
  strideWidth: number;
  padTop: number;
  padLeft: number;
}

export function convGeometry(
  xShape: number[],
  filterShape: number[],
  attrs: tf.NamedAttrMap,
  depthwise: boolean,
): ConvGeometry {
  const dataFormat = tf.backend_util.convertConv2DDataFormat((attrs.dataFormat as 'NHWC' | 'NCHW') ?? 'NHWC');
  if (dataFormat !== 'channelsLast') {
    throw new Error(`wasm conv gradients support NHWC only, got dataFormat ${String(attrs.dataFormat)}`);
  }
  const dilations = (attrs.dilations as number | [number, number] | undefined) ?? 1;
  const info = tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides as number | [number, number],
    dilations,
    attrs.pad as 'same' | 'valid' | number,
    attrs.dimRoundingMode as 'floor' | 'round' | 'ceil' | undefined,
    depthwise,
    dataFormat,
  );
  if (info.dilationHeight !== 1 || info.dilationWidth !== 1) {
    throw new Error('wasm conv gradients support dilation 1 only');
  }
  return {
    batch: info.batchSize,
    inHeight: info.inHeight,
    inWidth: info.inWidth,
    inChannels: info.inChannels,
    outHeight: info.outHeight,
    outWidth: info.outWidth,
    outChannels: info.outChannels,
    filterHeight: info.filterHeight,
    filterWidth: info.filterWidth,
    strideHeight: info.strideHeight,
    strideWidth: info.strideWidth,
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
  };
}
