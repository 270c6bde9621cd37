// The one place ML code gets TensorFlow.js from, and the backend choice of the worker process.
//
// Order tried (DESIGN.md §5): tfjs-node-gpu → tfjs-node → wasm → cpu. The tfjs-node packages are
// optionalDependencies whose native part usually does not install, so every attempt may fail; the
// result records which backend runs and why each earlier one did not, for the UI/CLI to show.
//
// All ML code must `import { tf } from '…/ml/backend'` so there is exactly one tfjs-core engine
// (a second copy would hold its own backend registry and kernels).

import * as tf from '@tensorflow/tfjs';
import * as tfwasm from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import path from 'node:path';
import { registerBatchNormGradient, registerWasmTrainingKernels } from './kernels/index';
import { nativeKernelsStatus } from './kernels/native';
import { initThreadedWasm } from './kernels/wasm-threaded';

export { tf };
export {
  batchNormTraining,
  movingAverage,
  setChannelSumReducer,
  type BatchNormTrainingResult,
  type ChannelSumReducer,
  type ChannelSumStage,
} from './kernels/batch-norm';
export { scaleShiftChannels } from './kernels/scale-shift';

export type BackendName = 'tfjs-node-gpu' | 'tfjs-node' | 'wasm' | 'cpu';
export const BACKEND_ORDER: readonly BackendName[] = ['tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu'];

export interface BackendAttempt {
  name: BackendName;
  /** Why this backend was not used; absent for the one that runs. */
  error?: string;
}

export interface BackendInfo {
  /** The backend that runs. */
  name: BackendName;
  /** tfjs-core's name for it: 'tensorflow' (both tfjs-node packages), 'wasm' or 'cpu'. */
  tfBackend: string;
  /** Every backend tried, in order, ending with the one that runs. */
  tried: BackendAttempt[];
  /** wasm only: threads XNNPACK uses (1 = the single-threaded build). */
  threads?: number;
  /** wasm only: whether the SIMD build runs. */
  simd?: boolean;
  /** wasm only: why more than one thread was asked for but the threaded build did not start. */
  threadsError?: string;
  /** wasm only: the native convolution kernels (kernels/native): active, and their BLAS or why not. */
  nativeConv?: { active: boolean; detail: string };
}

export interface InitBackendOptions {
  /** Try this backend first; the others follow in the default order. */
  prefer?: BackendName;
  /**
   * wasm only: XNNPACK threads. 1 (default) runs the single-threaded SIMD build; more than 1 tries
   * the threaded SIMD build (worker_threads) and falls back to single-threaded if it fails.
   */
  threads?: number;
}

/** The order to try backends in, `prefer` first. */
export function backendOrder(prefer?: BackendName): BackendName[] {
  if (prefer == null) return [...BACKEND_ORDER];
  return [prefer, ...BACKEND_ORDER.filter((b) => b !== prefer)];
}

/**
 * Tries `order` one by one with `attempt` (which throws when a backend is unusable) and returns the
 * first that works with the record of every try. Pure apart from `attempt`, so tests can drive it.
 */
export async function chooseBackend(
  order: readonly BackendName[],
  attempt: (name: BackendName) => Promise<void>,
): Promise<{ name: BackendName; tried: BackendAttempt[] }> {
  const tried: BackendAttempt[] = [];
  for (const name of order) {
    try {
      await attempt(name);
      tried.push({ name });
      return { name, tried };
    } catch (e) {
      tried.push({ name, error: describeError(e) });
    }
  }
  const why = tried.map((t) => `${t.name}: ${t.error}`).join('; ');
  throw new Error(`no TensorFlow.js backend could be initialised (${why})`);
}

/** One line for an import/initialisation failure; "not installed" for a missing package. */
export function describeError(e: unknown): string {
  const err = e as { code?: string; message?: string } | undefined;
  const message = err?.message ?? String(e);
  if (err?.code === 'ERR_MODULE_NOT_FOUND' || err?.code === 'MODULE_NOT_FOUND') {
    return `not installed (${firstLine(message)})`;
  }
  return firstLine(message);
}

function firstLine(s: string): string {
  const line = s.split('\n')[0] ?? s;
  return line.length > 300 ? `${line.slice(0, 297)}...` : line;
}

/** File-system folder (with trailing separator) holding the tfjs wasm binaries. */
export function wasmBinaryDir(): string {
  const require = createRequire(import.meta.url);
  const pkg = require.resolve('@tensorflow/tfjs-backend-wasm/package.json');
  return path.join(path.dirname(pkg), 'dist') + path.sep;
}

let wasmPathsSet = false;
let wasmThreads: number | undefined;
let wasmThreadsError: string | undefined;

async function attemptBackend(name: BackendName, opts: InitBackendOptions): Promise<void> {
  switch (name) {
    case 'tfjs-node-gpu':
    case 'tfjs-node': {
      // A variable specifier keeps bundlers from resolving a package that may not exist.
      const spec = name === 'tfjs-node-gpu' ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node';
      await import(/* @vite-ignore */ spec);
      if (tf.findBackendFactory('tensorflow') == null) {
        throw new Error(`${spec} loaded but registered no 'tensorflow' backend in this tfjs-core (version mismatch?)`);
      }
      await setBackendOrThrow('tensorflow');
      return;
    }
    case 'wasm': {
      const threads = Math.max(1, Math.floor(opts.threads ?? 1));
      if (threads > 1) {
        try {
          await withoutAddedProcessHandlers(() => initThreadedWasm(threads, wasmBinaryDir()));
          wasmThreads = tfwasm.getThreadsCount();
          registerWasmTrainingKernels();
          return;
        } catch (e) {
          // Fall back to the single-threaded build; the record says which one runs and why.
          wasmThreadsError = describeError(e);
          tf.removeBackend('wasm');
          tf.registerBackend('wasm', async () => defaultWasmFactory(), 2);
        }
      }
      if (!wasmPathsSet) {
        tfwasm.setWasmPaths(wasmBinaryDir());
        wasmPathsSet = true;
      }
      tfwasm.setThreadsCount(1);
      await withoutAddedProcessHandlers(() => setBackendOrThrow('wasm'));
      wasmThreads = tfwasm.getThreadsCount();
      registerWasmTrainingKernels();
      return;
    }
    case 'cpu':
      await setBackendOrThrow('cpu');
      return;
  }
}

/** The factory the wasm package registers (kept so a failed threaded start can restore it). */
const wasmFactoryAtLoad = tf.findBackendFactory('wasm') as () => Promise<tf.KernelBackend>;
function defaultWasmFactory(): Promise<tf.KernelBackend> {
  return wasmFactoryAtLoad();
}

/**
 * Runs `init` and then removes the process 'uncaughtException'/'unhandledRejection' listeners it
 * added. Emscripten's Node glue (the wasm module factories) installs listeners that rethrow, which
 * kills the process with a screenful of minified source before the worker's own handlers can
 * report the error; without them Node's defaults apply (and the worker's handlers work).
 */
async function withoutAddedProcessHandlers<T>(init: () => Promise<T>): Promise<T> {
  type Listener = (...args: unknown[]) => void;
  const emitter = process as unknown as {
    listeners(event: string): Listener[];
    removeListener(event: string, l: Listener): void;
  };
  const events = ['uncaughtException', 'unhandledRejection'];
  const before = events.map((e) => new Set(emitter.listeners(e)));
  try {
    return await init();
  } finally {
    events.forEach((e, i) => {
      for (const l of emitter.listeners(e)) if (!before[i].has(l)) emitter.removeListener(e, l);
    });
  }
}

async function setBackendOrThrow(tfName: string): Promise<void> {
  const ok = await tf.setBackend(tfName);
  if (!ok || tf.getBackend() !== tfName) {
    throw new Error(`tf.setBackend('${tfName}') failed`);
  }
}

let initPromise: Promise<BackendInfo> | undefined;

/**
 * Selects and initialises the backend. Idempotent: later calls return the first call's result
 * (their options are ignored), so every module may call it before touching tensors.
 */
export function initBackend(opts: InitBackendOptions = {}): Promise<BackendInfo> {
  initPromise ??= (async () => {
    const { name, tried } = await chooseBackend(backendOrder(opts.prefer), (n) => attemptBackend(n, opts));
    // Backend-agnostic: the Tile-free batch-norm gradient (see kernels/batch-norm).
    registerBatchNormGradient();
    const info: BackendInfo = { name, tfBackend: tf.getBackend(), tried };
    if (name === 'wasm') {
      info.threads = wasmThreads;
      info.simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) as boolean;
      if (wasmThreadsError != null) info.threadsError = wasmThreadsError;
      info.nativeConv = nativeKernelsStatus();
    }
    return info;
  })();
  initPromise.catch(() => {
    initPromise = undefined;
  });
  return initPromise;
}

/** "OpenBLAS 0.3.21, Haswell kernels" out of the addon's detail line, else the line. */
function blasName(detail: string): string {
  const m = /\((OpenBLAS [\d.]+).*kernels (\S+)\)$/.exec(detail);
  return m ? `${m[1]}, ${m[2]} kernels` : detail;
}

/** A one-line description for logs and the UI, e.g. "wasm (SIMD, 1 thread); tfjs-node-gpu: not installed". */
export function describeBackend(info: BackendInfo): string {
  let head: string = info.name;
  if (info.name === 'wasm') {
    head += ` (${info.simd ? 'SIMD' : 'no SIMD'}, ${info.threads ?? 1} thread${info.threads === 1 ? '' : 's'})`;
    if (info.nativeConv) head += info.nativeConv.active ? `, native conv kernels (${blasName(info.nativeConv.detail)})` : `, native conv kernels: ${info.nativeConv.detail}`;
  }
  const others = info.tried.filter((t) => t.error != null).map((t) => `${t.name}: ${t.error}`);
  return others.length > 0 ? `${head}; ${others.join('; ')}` : head;
}
