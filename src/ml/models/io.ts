// Model files on disk, versioned (DESIGN.md §6.7), written with fs (no tfjs-node file:// handler).
//
// A model folder holds:
//   weights.bin  the weights, as tfjs' weight manifest describes them (float32, little endian)
//   model.json   { format: 'affect-workbench-model', version: 1, modelTopology, weightsManifest,
//                  weightsBytes, weightsSha256, meta: { config, featureDim, auThresholds?, … } }
// Each file is written atomically (writeFileAtomicAsync in src/base/fsutil.ts: a temporary of its own,
// fsync, rename, stale temporaries of killed runs swept), weights first: model.json is the
// commit point. A crash between the two renames leaves a new weights.bin beside an old model.json;
// the SHA-256 in model.json detects that (and any truncation) instead of loading mixed weights.

import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomicAsync } from '../../base/fsutil';
import { tf } from '../backend';
import { assembleNet, resolveConfig, setBackboneTrainable } from './build';
import { backboneKey } from './fingerprint';
import './layers'; // registers the custom layer classes that model.json names
import type { ModelConfig, MultitaskNet } from './types';

export const MODEL_FORMAT = 'affect-workbench-model';
export const MODEL_FORMAT_VERSION = 1;
export const MODEL_FILE = 'model.json';
export const WEIGHTS_FILE = 'weights.bin';

/** What is stored in model.json's `meta` block. Extra keys (training info) are kept as given. */
export interface ModelMeta {
  config: ModelConfig;
  featureDim: number;
  /** Tuned decision threshold per AU (MODEL_AUS order); absent means 0.5. */
  auThresholds?: number[];
  /** The feature cache's key of its backbone's features (./fingerprint.ts); absent in models saved before issue 14. */
  backboneKey?: string;
  [key: string]: unknown;
}

interface ModelFileJson {
  format: string;
  version: number;
  modelTopology: object;
  weightsManifest: tf.io.WeightsManifestConfig;
  weightsBytes: number;
  weightsSha256: string;
  meta: ModelMeta;
  tfjsVersion: string;
}

export function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Reads a file as a fresh ArrayBuffer (tfjs wants an ArrayBuffer, not a Node Buffer view). */
export async function readArrayBuffer(file: string): Promise<ArrayBuffer> {
  const b = await fs.readFile(file);
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
}

/** Checks a saved file's size and hash; throws a message naming the file. */
export function verifyBytes(file: string, data: ArrayBuffer, bytes: number, hash: string): void {
  if (data.byteLength !== bytes) throw new Error(`${file}: ${data.byteLength} bytes, expected ${bytes} (truncated or from another save)`);
  if (sha256(new Uint8Array(data)) !== hash) throw new Error(`${file}: checksum mismatch (corrupt or from another save)`);
}

/** Refuses files of another format or an unsupported version, with a message saying which. */
export function checkFormat(file: string, json: { format?: unknown; version?: unknown }, format: string, version: number): void {
  if (json.format !== format) throw new Error(`${file}: not an ${format} file (format: ${JSON.stringify(json.format)})`);
  if (json.version !== version) {
    const newer = typeof json.version === 'number' && json.version > version;
    throw new Error(
      `${file}: ${format} version ${JSON.stringify(json.version)} is not supported (this build reads version ${version})` +
        (newer ? '; it was written by a newer Affect Workbench — update the app to open it' : ''),
    );
  }
}

/** Saves `net` (weights, topology, config) and `meta` into `dir` (created if needed). */
export async function saveModel(net: MultitaskNet, dir: string, meta: Partial<ModelMeta> = {}): Promise<ModelMeta> {
  await fs.mkdir(dir, { recursive: true });
  const fullMeta: ModelMeta = { ...meta, config: net.config, featureDim: net.featureDim, backboneKey: backboneKey(net, !net.config.freezeBackbone) };
  await net.model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weights = new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData ?? new ArrayBuffer(0)));
      const json: ModelFileJson = {
        format: MODEL_FORMAT,
        version: MODEL_FORMAT_VERSION,
        modelTopology: artifacts.modelTopology as object,
        weightsManifest: [{ paths: [WEIGHTS_FILE], weights: artifacts.weightSpecs ?? [] }],
        weightsBytes: weights.byteLength,
        weightsSha256: sha256(weights),
        meta: fullMeta,
        tfjsVersion: tf.version.tfjs,
      };
      await writeFileAtomicAsync(path.join(dir, WEIGHTS_FILE), weights);
      await writeFileAtomicAsync(path.join(dir, MODEL_FILE), JSON.stringify(json));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', weightDataBytes: weights.byteLength } };
    }),
  );
  return fullMeta;
}

/** Reads and checks a model folder; returns the parsed model.json and the weights. */
async function readModelFiles(dir: string): Promise<{ json: ModelFileJson; weights: ArrayBuffer }> {
  const file = path.join(dir, MODEL_FILE);
  const json = JSON.parse(await fs.readFile(file, 'utf8')) as ModelFileJson;
  checkFormat(file, json, MODEL_FORMAT, MODEL_FORMAT_VERSION);
  const wfile = path.join(dir, WEIGHTS_FILE);
  const weights = await readArrayBuffer(wfile);
  verifyBytes(wfile, weights, json.weightsBytes, json.weightsSha256);
  return { json, weights };
}

/** Loads a model saved by `saveModel` (backbone frozen or not as saved). */
export async function loadModel(dir: string): Promise<{ net: MultitaskNet; meta: ModelMeta }> {
  const { json, weights } = await readModelFiles(dir);
  const config = resolveConfig(json.meta.config);
  const weightSpecs = json.weightsManifest.flatMap((g) => g.weights);
  const model = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs, weightData: weights }));
  const net = assembleNet(model, config);
  setBackboneTrainable(net, !config.freezeBackbone);
  return { net, meta: { ...json.meta, config } };
}

/** Reads only the meta block of a saved model (cheap: no weights). */
export async function readModelMeta(dir: string): Promise<ModelMeta> {
  const file = path.join(dir, MODEL_FILE);
  const json = JSON.parse(await fs.readFile(file, 'utf8')) as ModelFileJson;
  checkFormat(file, json, MODEL_FORMAT, MODEL_FORMAT_VERSION);
  return json.meta;
}
