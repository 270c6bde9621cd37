// The threaded SIMD wasm build under Node.
//
// @tensorflow/tfjs-backend-wasm never enables threads in Node (its WASM_HAS_MULTITHREAD_SUPPORT
// flag returns false there, tfjs issue #3830) and, in browsers, hands Emscripten its pthread worker
// as a Blob URL, which Node's worker_threads cannot run. The Emscripten module itself supports
// Node, so we instantiate it ourselves: the worker script written to a file on disk, the factory
// script given as a file path (the worker `importScripts` it with fs), and the resulting module
// wrapped in the package's own BackendWasm class under the name 'wasm', so every wasm kernel
// (and ours) applies unchanged. Idle pthread workers are unref()ed so they never keep the process
// alive. DESIGN.md §5 measured 505 ms/step with 2 threads against 683 single-threaded.

import * as tf from '@tensorflow/tfjs';
import * as tfwasm from '@tensorflow/tfjs-backend-wasm';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { writeFileAtomic } from '../../base/fsutil';

interface NodeWorkerLike {
  unref(): void;
}

/** The parts of the Emscripten module we touch; BackendWasm uses the rest. */
interface ThreadedModule {
  cwrap(name: string, ret: string | null, args: string[]): (...a: number[]) => number;
  PThread: { unusedWorkers: NodeWorkerLike[]; runningWorkers: NodeWorkerLike[] };
  tfjs?: unknown;
}

type Factory = (config: Record<string, unknown>) => Promise<ThreadedModule>;

/** Folder of the Emscripten output inside the installed package. */
function wasmOutDir(): string {
  const require = createRequire(import.meta.url);
  return path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'wasm-out');
}

/**
 * Writes the pthread worker script to a file named by its content hash (so concurrent processes
 * and package upgrades never see a half-written or stale file) and returns its path. `.cjs`: the
 * script uses `require`, and a `.js` file under a "type": "module" package would be ESM.
 */
function workerFile(contents: string): string {
  const hash = createHash('sha256').update(contents).digest('hex').slice(0, 16);
  const dir = path.join(os.tmpdir(), 'affect-workbench-tfjs-wasm');
  const file = path.join(dir, `threaded-simd-${hash}.worker.cjs`);
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true });
    writeFileAtomic(file, contents);
  }
  return file;
}

/** Lets the process exit while pthread workers exist (Emscripten refs a worker while it runs). */
function unrefWasmWorkers(module: ThreadedModule): void {
  for (const w of [...module.PThread.unusedWorkers, ...module.PThread.runningWorkers]) w.unref();
}

type WasmImports = Record<string, Record<string, unknown>>;

/** The slice of the WebAssembly JS API used here (this project's lib has no DOM typings). */
interface Instantiated {
  instance: unknown;
  module: unknown;
}
const webAssembly = (globalThis as unknown as { WebAssembly: { instantiate(b: Uint8Array, i: object): Promise<Instantiated> } })
  .WebAssembly;

/**
 * Instantiates the binary with `emscripten_num_logical_cores` answering `cores`. The C++ side
 * sizes its thread pool at static-init time as min(requested, logical cores ÷ 2) (it assumes
 * hyper-threading), which caps a 2-core machine at 1 thread; reporting 2 × requested lifts that
 * cap to exactly what was asked. Only the main thread runs static constructors, so the pthread
 * workers need no such change.
 */
async function instantiateWithCoreCount(
  binaryPath: string,
  imports: WasmImports,
  cores: number,
): Promise<Instantiated> {
  const env = imports.env;
  if (env == null || typeof env.emscripten_num_logical_cores !== 'function') {
    throw new Error('threaded wasm: emscripten_num_logical_cores import not found (package layout changed?)');
  }
  const patchedEnv = { ...env, emscripten_num_logical_cores: () => cores };
  const patched: WasmImports = { ...imports, env: patchedEnv };
  if (imports.wasi_snapshot_preview1 === env) patched.wasi_snapshot_preview1 = patchedEnv;
  const binary = await readFile(binaryPath);
  return webAssembly.instantiate(binary, patched);
}

/**
 * Replaces the 'wasm' backend by the threaded SIMD build with `threads` XNNPACK threads and makes
 * it current. Throws (leaving the backend unset) if the build cannot start here.
 */
export async function initThreadedWasm(threads: number, distDir: string): Promise<void> {
  const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) as boolean;
  if (!simd) throw new Error('the threaded wasm build needs WebAssembly SIMD');
  const require = createRequire(import.meta.url);
  const outDir = wasmOutDir();
  const factoryPath = path.join(outDir, 'tfjs-backend-wasm-threaded-simd.js');
  const factory = require(factoryPath) as Factory;
  const { wasmWorkerContents } = require(path.join(outDir, 'tfjs-backend-wasm-threaded-simd.worker.js')) as {
    wasmWorkerContents: string;
  };
  // The exported template literal turned the script's "\n" escapes into real line breaks inside
  // string literals; put the escapes back (the package does the same before making its Blob).
  const worker = workerFile(wasmWorkerContents.replace(/\n/g, '\\n'));
  const wasmBinary = path.join(distDir, 'tfjs-backend-wasm-threaded-simd.wasm');

  const module = await new Promise<ThreadedModule>((resolve, reject) => {
    factory({
      locateFile: (p: string) => (p.endsWith('.worker.js') ? worker : p.endsWith('.wasm') ? wasmBinary : path.join(outDir, p)),
      mainScriptUrlOrBlob: factoryPath,
      instantiateWasm: (imports: WasmImports, receive: (instance: unknown, module: unknown) => void) => {
        instantiateWithCoreCount(wasmBinary, imports, 2 * threads).then(
          (r) => receive(r.instance, r.module),
          (e: unknown) => reject(e),
        );
        return {};
      },
      onAbort: (msg: unknown) => reject(new Error(`threaded wasm aborted: ${String(msg)}`)),
    }).then(resolve, reject);
  });
  // The same bridge tfjs-backend-wasm's init() builds for its own modules.
  module.tfjs = {
    init: module.cwrap('init', null, []),
    initWithThreadsCount: module.cwrap('init_with_threads_count', null, ['number']),
    getThreadsCount: module.cwrap('get_threads_count', 'number', []),
    registerTensor: module.cwrap('register_tensor', null, ['number', 'number', 'number']),
    disposeData: module.cwrap('dispose_data', null, ['number']),
    dispose: module.cwrap('dispose', null, []),
  };
  tfwasm.setThreadsCount(threads);
  tf.removeBackend('wasm');
  // Priority 2 = the package's own; BackendWasm's constructor creates the XNNPACK thread pool.
  tf.registerBackend('wasm', () => new tfwasm.BackendWasm(module as never), 2);
  const ok = await tf.setBackend('wasm');
  if (!ok) throw new Error("tf.setBackend('wasm') failed for the threaded build");
  unrefWasmWorkers(module);
  // The pool's worker threads take a few hundred ms to reach full speed (measured: the first
  // convs after start ran at single-thread speed when the event loop never turned); give them
  // a moment off the critical path. Correctness never depends on this.
  await new Promise((r) => setTimeout(r, 100));
}
