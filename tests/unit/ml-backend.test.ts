import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  BACKEND_ORDER,
  backendOrder,
  chooseBackend,
  describeBackend,
  describeError,
  initBackend,
  tf,
  wasmBinaryDir,
  type BackendName,
} from '../../src/ml/backend';
import { runProbe } from '../../src/ml/probe';

describe('backend order and choice (pure)', () => {
  it('tries tfjs-node-gpu, tfjs-node, wasm, cpu by default and puts `prefer` first', () => {
    expect(BACKEND_ORDER).toEqual(['tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu']);
    expect(backendOrder()).toEqual(['tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu']);
    expect(backendOrder('cpu')).toEqual(['cpu', 'tfjs-node-gpu', 'tfjs-node', 'wasm']);
  });

  it('returns the first backend that starts and records why the earlier ones did not', async () => {
    const failing = new Set<BackendName>(['tfjs-node-gpu', 'tfjs-node', 'wasm']);
    const calls: BackendName[] = [];
    const result = await chooseBackend(BACKEND_ORDER, async (name) => {
      calls.push(name);
      if (failing.has(name)) throw new Error(`${name} broke`);
    });
    expect(calls).toEqual(['tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu']);
    expect(result).toEqual({
      name: 'cpu',
      tried: [
        { name: 'tfjs-node-gpu', error: 'tfjs-node-gpu broke' },
        { name: 'tfjs-node', error: 'tfjs-node broke' },
        { name: 'wasm', error: 'wasm broke' },
        { name: 'cpu' },
      ],
    });
  });

  it('throws with every reason when nothing starts', async () => {
    await expect(
      chooseBackend(['wasm', 'cpu'], async (n) => {
        throw new Error(`no ${n}`);
      }),
    ).rejects.toThrow('wasm: no wasm; cpu: no cpu');
  });

  it('says "not installed" for a missing package and keeps one line otherwise', () => {
    const missing = Object.assign(new Error("Cannot find package '@tensorflow/tfjs-node'\nmore"), { code: 'ERR_MODULE_NOT_FOUND' });
    expect(describeError(missing)).toBe("not installed (Cannot find package '@tensorflow/tfjs-node')");
    expect(describeError(new Error('libtensorflow.so: cannot open shared object file\nstack'))).toBe(
      'libtensorflow.so: cannot open shared object file',
    );
    expect(describeError('plain')).toBe('plain');
  });
});

describe('initBackend on this machine', () => {
  it('points wasm at file-system paths inside node_modules', () => {
    const dir = wasmBinaryDir();
    expect(path.isAbsolute(dir)).toBe(true);
    expect(existsSync(path.join(dir, 'tfjs-backend-wasm-simd.wasm'))).toBe(true);
  });

  it('falls back from the uninstalled tfjs-node packages to wasm and says why', async () => {
    const handlers = (): unknown[] => [...process.listeners('uncaughtException'), ...process.listeners('unhandledRejection')];
    const before = handlers();
    const info = await initBackend();
    // Emscripten's rethrowing process handlers are removed again (the worker's own must run).
    expect(handlers()).toEqual(before);
    expect(info.name).toBe('wasm');
    expect(info.tfBackend).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(info.tried.map((t) => t.name)).toEqual(['tfjs-node-gpu', 'tfjs-node', 'wasm']);
    expect(info.tried[0].error).toMatch(/tfjs-node-gpu/);
    expect(info.tried[1].error).toMatch(/tfjs-node/);
    expect(info.tried[2].error).toBeUndefined();
    expect(info.threads).toBe(1);
    expect(info.simd).toBe(true);
    expect(info.nativeConv).toMatchObject({ active: true, detail: expect.stringMatching(/aw_conv\.node \(OpenBLAS/) });
    expect(describeBackend(info)).toMatch(/^wasm \(SIMD, 1 thread\), native conv kernels \(OpenBLAS [\d.]+, \w+ kernels\); tfjs-node-gpu: .*; tfjs-node: /);
  });

  it('is idempotent: a second call returns the same result object', async () => {
    const a = await initBackend();
    const b = await initBackend({ prefer: 'cpu' });
    expect(b).toBe(a);
    expect(tf.getBackend()).toBe('wasm');
  });

  it('computes on wasm', async () => {
    const t = tf.tensor1d([1, 2, 3]);
    const s = tf.sum(tf.mul(t, t));
    expect(await s.data()).toEqual(new Float32Array([14]));
    tf.dispose([t, s]);
  });
});

describe('runProbe', () => {
  it('runs a conv forward and backward on wasm without leaking', async () => {
    const before = tf.memory().numTensors;
    const r = await runProbe();
    expect(r.ok).toBe(true);
    expect(r.backend.name).toBe('wasm');
    expect(r.forwardMs).toBeGreaterThan(0);
    expect(r.backwardMs).toBeGreaterThanOrEqual(0);
    expect(r.numTensorsLeaked).toBe(0);
    expect(tf.memory().numTensors).toBe(before);
  });
});
