// CNN-RNN model files and training checkpoints, versioned like the CNN's (../models/io.ts,
// ../models/checkpoint.ts) and written the same way (writeFileAtomicAsync of src/base/fsutil.ts; model.json
// last, with the SHA-256 of weights.bin).
//
//   model.json   { format: 'affect-workbench-rnn-model', version: 1, config: RnnNetConfig,
//                  weightSpecs, weightsBytes, weightsSha256, meta: { auThresholds?, train?, … } }
//   weights.bin  the weights in rnnWeightSpecs order (float32, little endian)
// A checkpoint folder holds those two plus optimizer.bin and checkpoint.json (the CNN's checkpoint
// format; optimizer slots named by the stable weight names, Adam's running β powers included so a
// resumed run is bit-identical to an uninterrupted one).
// config.rnnInput and config.reluAfterGru were added later within version 1: a file without them
// was written by the first implementation and is read as it was built (RNN_NET_LEGACY: 'backbone',
// no ReLU), so it predicts exactly as before; files written now always carry both.
import fs from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomicAsync } from '../../base/fsutil';
import { tf } from '../backend';
import { checkFormat, readArrayBuffer, sha256, verifyBytes } from '../models/io';
import { CHECKPOINT_FILE, readOptimizerCheckpoint, restoreOptimizer, writeOptimizerCheckpoint } from '../models/checkpoint';
import { buildRnnNet, completeRnnNetConfig, rnnWeightSpecs, type RnnNet, type RnnNetConfig, type RnnNetConfigInput } from './model';

export const RNN_MODEL_FORMAT = 'affect-workbench-rnn-model';
export const RNN_MODEL_FORMAT_VERSION = 1;
const MODEL_FILE = 'model.json';
const WEIGHTS_FILE = 'weights.bin';

export interface RnnModelMeta {
  auThresholds?: number[];
  [key: string]: unknown;
}

interface RnnModelJson {
  format: string;
  version: number;
  /** Complete when written now; older files lack rnnInput / reluAfterGru (see the header). */
  config: RnnNetConfigInput;
  weightSpecs: tf.io.WeightsManifestEntry[];
  weightsBytes: number;
  weightsSha256: string;
  meta: RnnModelMeta;
}

export async function saveRnnNet(net: RnnNet, dir: string, meta: RnnModelMeta = {}): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  const named = [...net.weights].map(([name, v]) => ({ name, tensor: v as tf.Tensor }));
  const { data, specs } = await tf.io.encodeWeights(named);
  const bytes = new Uint8Array(tf.io.CompositeArrayBuffer.join(data));
  const json: RnnModelJson = {
    format: RNN_MODEL_FORMAT,
    version: RNN_MODEL_FORMAT_VERSION,
    config: net.config,
    weightSpecs: specs,
    weightsBytes: bytes.byteLength,
    weightsSha256: sha256(bytes),
    meta,
  };
  await writeFileAtomicAsync(path.join(dir, WEIGHTS_FILE), bytes);
  await writeFileAtomicAsync(path.join(dir, MODEL_FILE), JSON.stringify(json));
}

async function readJson(dir: string): Promise<RnnModelJson> {
  const file = path.join(dir, MODEL_FILE);
  const json = JSON.parse(await fs.readFile(file, 'utf8')) as RnnModelJson;
  checkFormat(file, json, RNN_MODEL_FORMAT, RNN_MODEL_FORMAT_VERSION);
  return { ...json, config: completeRnnNetConfig(json.config) };
}

export async function loadRnnNet(dir: string): Promise<{ net: RnnNet; meta: RnnModelMeta }> {
  const json = await readJson(dir);
  const wfile = path.join(dir, WEIGHTS_FILE);
  const data = await readArrayBuffer(wfile);
  verifyBytes(wfile, data, json.weightsBytes, json.weightsSha256);
  const decoded = tf.io.decodeWeights(data, json.weightSpecs);
  try {
    const expected = rnnWeightSpecs(json.config).map((s) => s.name);
    const extra = Object.keys(decoded).filter((k) => !expected.includes(k));
    if (extra.length) throw new Error(`${wfile}: unexpected weights ${extra.join(', ')}`);
    return { net: buildRnnNet(json.config, new Map(Object.entries(decoded))), meta: json.meta };
  } finally {
    tf.dispose(Object.values(decoded));
  }
}

export async function readRnnMeta(dir: string): Promise<{ config: RnnNetConfig; meta: RnnModelMeta }> {
  const json = await readJson(dir);
  return { config: completeRnnNetConfig(json.config), meta: json.meta };
}

// ---------------------------------------------------------------------------------------------
// Checkpoints

export async function saveRnnCheckpoint<S>(dir: string, net: RnnNet, optimizer: tf.Optimizer, trainerState: S, meta: RnnModelMeta = {}): Promise<void> {
  await saveRnnNet(net, dir, meta);
  const stable = new Map([...net.weights].map(([name, v]) => [v.name, name]));
  await writeOptimizerCheckpoint(dir, optimizer, stable, trainerState, 'saving a CNN-RNN');
}

export async function hasRnnCheckpoint(dir: string): Promise<boolean> {
  return fs.access(path.join(dir, CHECKPOINT_FILE)).then(
    () => true,
    () => false,
  );
}

export async function loadRnnCheckpoint<S>(dir: string): Promise<{ net: RnnNet; meta: RnnModelMeta; optimizer: tf.Optimizer; trainerState: S }> {
  const files = await readOptimizerCheckpoint(dir);
  const { net, meta } = await loadRnnNet(dir);
  const toLocal = new Map([...net.weights].map(([name, v]) => [name, v.name]));
  const { optimizer, trainerState } = await restoreOptimizer<S>(files, toLocal, 'loading a CNN-RNN');
  return { net, meta, optimizer, trainerState };
}
