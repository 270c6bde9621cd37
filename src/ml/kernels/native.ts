// Native kernels (src/native/aw_conv.c) where the addon was built and loads: the wasm backend's
// Conv2D, FusedConv2D and the conv gradients as im2col + OpenBLAS SGEMM (AVX2 / AVX-512), and the
// batch-norm passes of ./batch-norm-wasm as C loops (the same arithmetic, bit for bit).
//
// Why: a convolution in XNNPACK's wasm kernels runs on 128-bit SIMD without FMA (28–37 GFLOP/s
// here); the same products in OpenBLAS's native kernels run at 2–3× that, and the convolutions
// are most of a training step of the CNN backbones (docs/ARCHITECTURE.md §6).
//
// Where from: `npm run build` builds the addon into out/native/aw_conv.node (scripts/build-native.mjs;
// it needs a C compiler and Debian's libopenblas-dev, linked statically). Without it — another
// platform, no compiler, AW_NATIVE_KERNELS=0 — every kernel here answers null and the wasm
// kernels run as before; `nativeKernelsStatus()` says which and why (the job logs and `probe` show it).
// The tensors stay in the wasm heap: the addon reads and writes them through Float32Array views of
// it, so nothing is copied in or out.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as tf from '@tensorflow/tfjs';
import { convGeometry, type ConvGeometry, type TensorInfo, type WasmBackendLike } from './wasm-ops';

interface ConvAddon {
  /**
   * mode 0: x, w → y; 1: dy, w → dx; 2: x, dy → dw. geom = [n, h, w, cin, ho, wo, cout, kh, kw,
   * sh, sw, top, left]. Mode 0 may add a bias and apply an activation (ACTIVATIONS; else null,
   * 0, 0). The output rows (mode 1: the images) are split over at most `threads` threads.
   */
  conv(mode: 0 | 1 | 2, a: Float32Array, b: Float32Array, out: Float32Array, geom: Int32Array, bias: Float32Array | null, act: number, alpha: number, threads: number): void;
  /** The batch-norm passes of ./batch-norm-wasm (which 0–4), the same arithmetic as the JS ones. */
  bnPass(which: number, c: number, ...arrays: (Float32Array | Float64Array)[]): void;
  info(): string;
}

export const NATIVE_ADDON_FILE = 'aw_conv.node';

interface Loaded {
  addon: ConvAddon | null;
  /** The file loaded, or why none was. */
  detail: string;
}

let loaded: Loaded | undefined;
let enabled = process.env.AW_NATIVE_KERNELS !== '0';
/** Threads one product may use, in this JS thread (each worker thread has its own module state). */
let threads = 1;

/**
 * Where the addon is looked for: `native/` beside the running bundle's folder (out/main/x.js →
 * out/native) or `out/native/` of a folder above this module (the TypeScript sources), inside
 * app.asar.unpacked when the app is packaged.
 */
export function nativeAddonCandidates(from = path.dirname(fileURLToPath(import.meta.url))): string[] {
  const out: string[] = [];
  let dir = from;
  for (let i = 0; i < 6; i++) {
    out.push(path.join(dir, 'native', NATIVE_ADDON_FILE), path.join(dir, 'out', 'native', NATIVE_ADDON_FILE));
    const up = path.dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return out.map((f) => f.replace(`app.asar${path.sep}`, `app.asar.unpacked${path.sep}`));
}

function load(): Loaded {
  if (process.env.AW_NATIVE_KERNELS === '0') return { addon: null, detail: 'off (AW_NATIVE_KERNELS=0)' };
  if (process.platform !== 'linux' || process.arch !== 'x64') return { addon: null, detail: `not built for ${process.platform}-${process.arch}` };
  const file = nativeAddonCandidates().find((f) => fs.existsSync(f));
  if (file == null) return { addon: null, detail: `not built (no ${NATIVE_ADDON_FILE}; npm run build makes it where a C compiler and libopenblas-dev are installed)` };
  try {
    const addon = createRequire(import.meta.url)(file) as ConvAddon;
    return { addon, detail: `${file} (${addon.info()})` };
  } catch (e) {
    return { addon: null, detail: `${file} did not load: ${e instanceof Error ? e.message : String(e)}` };
  }
}

function addon(): ConvAddon | null {
  if (!enabled) return null;
  loaded ??= load();
  return loaded.addon;
}

/** Whether the native kernels run, and the addon's file and BLAS build (or why they do not). */
export function nativeKernelsStatus(): { active: boolean; detail: string } {
  loaded ??= load();
  return { active: enabled && loaded.addon != null, detail: enabled ? loaded.detail : 'off (disabled in this process)' };
}

/** Turns the native kernels off or back on in this thread (A/B benchmarks and tests). */
export function setNativeKernelsEnabled(on: boolean): void {
  enabled = on;
}

/**
 * How many threads each native product may split its output rows over (the input gradient: its
 * images), in this JS thread: 1 (the default) where other learning threads share the cores; the
 * cores a run has to itself where it runs alone (the trainer sets it for a one-thread run and puts
 * it back after). Returns the old value.
 */
export function setNativeConvThreads(n: number): number {
  const old = threads;
  threads = Math.max(1, Math.floor(n));
  return old;
}

/** The geometry the native kernels handle: float32, NHWC, dilation 1 (convGeometry refuses the rest). */
export function nativeConvApplies(attrs: tf.NamedAttrMap, ...dtypes: tf.DataType[]): boolean {
  if (dtypes.some((d) => d !== 'float32')) return false;
  if ((attrs.dataFormat ?? 'NHWC') !== 'NHWC') return false;
  const d = attrs.dilations as number | number[] | undefined;
  return d == null || (typeof d === 'number' ? d === 1 : d.every((v) => v === 1));
}

function geometry(g: ConvGeometry): Int32Array {
  return Int32Array.of(g.batch, g.inHeight, g.inWidth, g.inChannels, g.outHeight, g.outWidth, g.outChannels, g.filterHeight, g.filterWidth, g.strideHeight, g.strideWidth, g.padTop, g.padLeft);
}

/** The fused activations the native forward product applies, by their tfjs names. */
const ACTIVATIONS: Record<string, number> = { linear: 0, relu: 1, relu6: 2, leakyrelu: 3 };

/** A forward product's bias and activation (FusedConv2D). */
export interface Epilogue {
  bias: TensorInfo | null;
  activation: string;
  leakyreluAlpha: number;
}

/**
 * One native product into a new tensor of `outShape`: mode 0 (x, w → y, with `epilogue`'s bias
 * and activation), 1 (dy, w → dx), 2 (x, dy → dw). Null when the addon is not active; the caller
 * then runs its wasm kernel.
 */
export function nativeConv(
  backend: WasmBackendLike,
  mode: 0 | 1 | 2,
  a: TensorInfo,
  b: TensorInfo,
  g: ConvGeometry,
  outShape: number[],
  epilogue?: Epilogue,
): TensorInfo | null {
  const native = addon();
  if (native == null) return null;
  const out = backend.makeOutput(outShape, 'float32');
  // Views only after the allocation: growing the heap replaces its buffer.
  const heap = (t: TensorInfo) => backend.typedArrayFromHeap(t) as Float32Array;
  try {
    const bias = epilogue?.bias ? heap(epilogue.bias) : null;
    native.conv(mode, heap(a), heap(b), heap(out), geometry(g), bias, ACTIVATIONS[epilogue?.activation ?? 'linear'], epilogue?.leakyreluAlpha ?? 0, threads);
  } catch (e) {
    backend.disposeData(out.dataId);
    throw e;
  }
  return out;
}

/**
 * Conv2D and FusedConv2D (conv, bias, activation: the layers' forward pass): the native forward
 * product where it applies — an activation of ACTIVATIONS, no PReLU weights; Conv2D has neither
 * bias nor activation — else the package's own kernel (`own`).
 */
export function conv2DNativeConfig(own: tf.KernelConfig): tf.KernelConfig {
  return {
    ...own,
    kernelFunc: (args) => {
      const { x, filter, bias, preluActivationWeights } = args.inputs as { x: TensorInfo; filter: TensorInfo; bias?: TensorInfo; preluActivationWeights?: TensorInfo };
      const attrs = args.attrs as tf.NamedAttrMap;
      const activation = String(attrs.activation ?? 'linear');
      const fits =
        preluActivationWeights == null &&
        activation in ACTIVATIONS &&
        (bias == null || (bias.dtype === 'float32' && bias.shape.length === 1 && bias.shape[0] === filter.shape[3])) &&
        nativeConvApplies(attrs, x.dtype, filter.dtype);
      if (fits && addon() != null) {
        const g = convGeometry(x.shape, filter.shape, attrs, false);
        const epilogue = { bias: bias ?? null, activation, leakyreluAlpha: Number(attrs.leakyreluAlpha ?? 0.2) };
        const y = nativeConv(args.backend as WasmBackendLike, 0, x, filter, g, [g.batch, g.outHeight, g.outWidth, g.outChannels], epilogue);
        if (y != null) return y;
      }
      return own.kernelFunc(args);
    },
  };
}

/** The native batch-norm passes, or null (the JS passes run). */
export function nativeBatchNormPass(): ConvAddon['bnPass'] | null {
  const native = addon();
  return native == null ? null : native.bnPass;
}
