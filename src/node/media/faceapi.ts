// The face models of @vladmandic/face-api on the project's one TensorFlow.js engine.
//
// Coexistence with src/ml/backend.ts: `dist/face-api.node-wasm.js` bundles no TensorFlow.js; it
// `require`s '@tensorflow/tfjs' and '@tensorflow/tfjs-backend-wasm' — the very packages
// src/ml/backend imports. Under Node both resolve to the same CommonJS module instances (tfjs has
// no ESM "exports" entry, so an ESM `import` loads the same dist/tf.node.js), hence one tfjs-core
// engine, one backend registry: initBackend() chooses the backend (tfjs-node-gpu → tfjs-node →
// wasm → cpu; wasm binaries from disk, never setWasmPaths with a URL) and face-api simply runs on
// it. A bundler must keep both packages external for that to hold; loadFaceModels checks it and
// refuses to run on a second engine. Weights load from the package's model/ folder with
// loadFromDisk (face-api's Node environment reads them with fs).
import { createRequire } from 'node:module';
import path from 'node:path';
import type * as TF from '@tensorflow/tfjs';
import type { ThreadedBackendName } from '../../ml/threads/pool';

export interface FaceBox {
  x: number;
  y: number;
  w: number;
  h: number;
  score: number;
}

export interface Region {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** A face cut out of a frame for the landmark net; `dx, dy` map its pixels back to the frame. */
export interface FacePatch {
  tensor: TF.Tensor3D;
  dx: number;
  dy: number;
}

export interface FaceModels {
  tf: typeof TF;
  /** One line naming the backend, e.g. "wasm (SIMD, 1 thread)". */
  backend: string;
  /** SSD-MobileNet v1 on the whole frame (face-api resizes it to 512×512 inside). */
  ssd(frame: TF.Tensor3D, minScore: number): Promise<FaceBox[]>;
  /** The tiny face detector on `region` of the frame (whole frame when omitted), boxes in frame pixels. */
  tiny(frame: TF.Tensor3D, minScore: number, inputSize: number, region?: Region): Promise<FaceBox[]>;
  /** Cuts the box (clipped to the frame, whole pixels) out of the frame. */
  patch(frame: TF.Tensor3D, box: Region): FacePatch | null;
  /** 68 landmarks per patch, as [x0, y0, …, x67, y67] in frame pixels; disposes the patches. */
  landmarks(patches: FacePatch[]): Promise<Float32Array[]>;
}

/** The slice of face-api's API used here (its own typings embed a private copy of tfjs's types). */
interface Detection {
  score: number;
  box: { x: number; y: number; width: number; height: number };
}
interface Landmarks {
  positions: { x: number; y: number }[];
}
interface Net {
  loadFromDisk(dir: string): Promise<void>;
  isLoaded: boolean;
}
interface FaceApi {
  version: string;
  tf: { engine(): unknown };
  nets: {
    ssdMobilenetv1: Net & { locateFaces(input: unknown, options: unknown): Promise<Detection[]> };
    tinyFaceDetector: Net & { locateFaces(input: unknown, options: unknown): Promise<Detection[]> };
    faceLandmark68Net: Net & { detectLandmarks(input: unknown): Promise<Landmarks | Landmarks[]> };
  };
  SsdMobilenetv1Options: new (o: { minConfidence: number; maxResults?: number }) => unknown;
  TinyFaceDetectorOptions: new (o: { inputSize: number; scoreThreshold: number }) => unknown;
}

export interface LoadFaceModelsOptions {
  /** wasm threads for initBackend (1 is fastest for these small nets on 2 cores). */
  threads?: number;
  prefer?: 'tfjs-node-gpu' | 'tfjs-node' | 'wasm' | 'cpu';
}

let loading: Promise<FaceModels> | null = null;

/** Initialises the backend (once per process) and loads SSD-MobileNet, the tiny detector and the 68-landmark net. */
export function loadFaceModels(opts: LoadFaceModelsOptions = {}): Promise<FaceModels> {
  loading ??= load(opts);
  loading.catch(() => {
    loading = null;
  });
  return loading;
}

/** The backends on which face threads run, an engine each (src/ml/threads/pool.ts's rule). */
export type FaceThreadBackend = ThreadedBackendName;

/**
 * The engine face threads (./face-threads.ts) would run: this process's backend (initialised here,
 * once, as loadFaceModels would) when it is one that runs an engine per thread (wasm, cpu), else
 * null (tfjs-node spreads its own work over the cores; a GPU is one device).
 */
export async function threadedFaceBackend(opts: LoadFaceModelsOptions = {}): Promise<FaceThreadBackend | null> {
  const { initBackend } = await import('../../ml/backend');
  const { threadedBackend } = await import('../../ml/threads/pool');
  await initBackend({ threads: opts.threads ?? 1, ...(opts.prefer ? { prefer: opts.prefer } : {}) });
  return threadedBackend();
}

/** The folder of face-api's shipped weights. */
export function faceModelDir(): string {
  const require = createRequire(import.meta.url);
  return path.join(path.dirname(require.resolve('@vladmandic/face-api/package.json')), 'model');
}

async function load(opts: LoadFaceModelsOptions): Promise<FaceModels> {
  // Lazily: the backend process must not load TensorFlow.js just because it imports this module.
  const { initBackend, describeBackend, tf } = await import('../../ml/backend');
  const info = await initBackend({ threads: opts.threads ?? 1, ...(opts.prefer ? { prefer: opts.prefer } : {}) });
  const require = createRequire(import.meta.url);
  const faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js') as FaceApi;
  if (faceapi.tf.engine() !== tf.engine()) {
    throw new Error('face-api loaded a second copy of TensorFlow.js; keep @tensorflow/tfjs and @vladmandic/face-api external (unbundled)');
  }
  const dir = faceModelDir();
  const { ssdMobilenetv1, tinyFaceDetector, faceLandmark68Net } = faceapi.nets;
  for (const net of [ssdMobilenetv1, tinyFaceDetector, faceLandmark68Net]) if (!net.isLoaded) await net.loadFromDisk(dir);

  const toBox = (d: Detection, dx = 0, dy = 0): FaceBox => ({ x: d.box.x + dx, y: d.box.y + dy, w: d.box.width, h: d.box.height, score: d.score });

  return {
    tf,
    backend: describeBackend(info),
    async ssd(frame, minScore) {
      const dets = await ssdMobilenetv1.locateFaces(frame, new faceapi.SsdMobilenetv1Options({ minConfidence: minScore, maxResults: 20 }));
      return dets.map((d) => toBox(d));
    },
    async tiny(frame, minScore, inputSize, region) {
      const options = new faceapi.TinyFaceDetectorOptions({ inputSize, scoreThreshold: minScore });
      if (!region) return (await tinyFaceDetector.locateFaces(frame, options)).map((d) => toBox(d));
      const [height, width] = frame.shape;
      const r = clipRegion(region, width, height);
      if (!r) return [];
      const sub = tf.slice(frame, [r.y, r.x, 0], [r.h, r.w, 3]);
      try {
        return (await tinyFaceDetector.locateFaces(sub, options)).map((d) => toBox(d, r.x, r.y));
      } finally {
        sub.dispose();
      }
    },
    patch(frame, box) {
      const [height, width] = frame.shape;
      const r = clipRegion(box, width, height);
      if (!r) return null;
      return { tensor: tf.slice(frame, [r.y, r.x, 0], [r.h, r.w, 3]), dx: r.x, dy: r.y };
    },
    async landmarks(patches) {
      if (patches.length === 0) return [];
      try {
        const res = await faceLandmark68Net.detectLandmarks(patches.length === 1 ? patches[0].tensor : patches.map((p) => p.tensor));
        const list = Array.isArray(res) ? res : [res];
        return list.map((lm, i) => {
          const out = new Float32Array(136);
          lm.positions.forEach((p, k) => {
            out[2 * k] = p.x + patches[i].dx;
            out[2 * k + 1] = p.y + patches[i].dy;
          });
          return out;
        });
      } finally {
        for (const p of patches) p.tensor.dispose();
      }
    },
  };
}

/** The whole-pixel part of `r` inside a width × height frame, or null when none is. */
export function clipRegion(r: Region, width: number, height: number): Region | null {
  const x0 = Math.max(0, Math.floor(r.x));
  const y0 = Math.max(0, Math.floor(r.y));
  const x1 = Math.min(width, Math.ceil(r.x + r.w));
  const y1 = Math.min(height, Math.ceil(r.y + r.h));
  return x1 - x0 >= 2 && y1 - y0 >= 2 ? { x: x0, y: y0, w: x1 - x0, h: y1 - y0 } : null;
}
