// Training checkpoints: the model files of io.ts plus the optimizer's state and the trainer's,
// so a killed run resumes exactly where its last checkpoint was taken.
//
// A checkpoint folder holds model.json + weights.bin (saveModel), and
//   optimizer.bin    the optimizer's weights (Adam: iteration count, first and second moments)
//   checkpoint.json  { format: 'affect-workbench-checkpoint', version: 1,
//                      optimizer: { className, config, weightSpecs, bytes, sha256 },
//                      trainer: <any JSON: epoch, step, rng state, lr schedule, …> }
// checkpoint.json is written last (the commit point) and carries the checksum of optimizer.bin.
//
// tfjs optimizers keep their per-variable state by position (the i-th variable of the var list
// passed to minimize/applyGradients), named after the variable's process-unique name
// ("conv/kernel_3" when several models were built). We store the layer-stable `originalName`
// instead and rename on load, keeping the order. So: always pass the same var list in the same
// order — `trainableVariables(net.model)` (or `(net.heads)`) from build.ts.

import fs from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomicAsync } from '../../base/fsutil';
import { tf } from '../backend';
import { checkFormat, loadModel, readArrayBuffer, saveModel, sha256, verifyBytes, type ModelMeta } from './io';
import type { MultitaskNet } from './types';

export const CHECKPOINT_FORMAT = 'affect-workbench-checkpoint';
export const CHECKPOINT_FORMAT_VERSION = 1;
export const CHECKPOINT_FILE = 'checkpoint.json';
export const OPTIMIZER_FILE = 'optimizer.bin';

/**
 * Private running products some tfjs optimizers keep (Adam, Adamax: β1^t, β2^t). Their
 * setWeights recomputes them as pow(β, t + 1), which differs from the running product in the
 * last float32 bits; saving them makes the resumed run bit-identical.
 */
const RUNNING_SCALARS = ['accBeta1', 'accBeta2'] as const;
const SCALAR_PREFIX = '__optimizer__/';

function runningScalars(opt: tf.Optimizer): Map<string, tf.Variable> {
  const o = opt as unknown as Record<string, unknown>;
  const out = new Map<string, tf.Variable>();
  for (const k of RUNNING_SCALARS) if (o[k] instanceof tf.Variable) out.set(k, o[k] as tf.Variable);
  return out;
}

/** Suffixes tfjs optimizers append to a variable's name for its slots (Adam m/v, RMSProp, …). */
const SLOT_SUFFIX = /^(.*)\/([^/]+)$/;

export interface CheckpointJson {
  format: string;
  version: number;
  optimizer: {
    className: string;
    config: tf.serialization.ConfigDict;
    weightSpecs: tf.io.WeightsManifestEntry[];
    bytes: number;
    sha256: string;
  };
  trainer: unknown;
}

export interface CheckpointInput<S> {
  net: MultitaskNet;
  optimizer: tf.Optimizer;
  /** JSON-serialisable trainer state (epoch, step, rng state, …); returned as is by loadCheckpoint. */
  trainerState: S;
  /** Extra model meta (e.g. auThresholds), as saveModel. */
  meta?: Partial<ModelMeta>;
}

export interface LoadedCheckpoint<S> {
  net: MultitaskNet;
  meta: ModelMeta;
  /** A new optimizer of the saved class and config with the saved state. */
  optimizer: tf.Optimizer;
  trainerState: S;
}

/** tfjs-core's NamedTensor (not re-exported by @tensorflow/tfjs). */
type NamedTensor = { name: string; tensor: tf.Tensor };

/** variable name (unique in the process) → originalName (stable, as saved), for every model weight. */
function originalNames(net: MultitaskNet): Map<string, string> {
  return new Map(net.model.weights.map((w) => [w.name, w.originalName]));
}

function renameSlots(entries: NamedTensor[], map: Map<string, string>, what: string): NamedTensor[] {
  return entries.map((e, i) => {
    if (i === 0 && e.name === 'iter') return e; // the iteration counter (Optimizer.saveIterations)
    const m = SLOT_SUFFIX.exec(e.name);
    const mapped = m == null ? undefined : map.get(m[1]);
    if (m == null || mapped == null) throw new Error(`optimizer state '${e.name}' does not belong to a variable of this model (${what})`);
    return { name: `${mapped}/${m[2]}`, tensor: e.tensor };
  });
}

/**
 * Writes optimizer.bin and then checkpoint.json (the commit point, carrying the checksum) into
 * `dir`. `toStable` maps the process-unique variable names the optimizer knows to the stable
 * names the model files use. Shared by the CNN and the CNN-RNN checkpoints.
 */
export async function writeOptimizerCheckpoint<S>(dir: string, optimizer: tf.Optimizer, toStable: Map<string, string>, trainerState: S, what: string): Promise<void> {
  const state = renameSlots(await optimizer.getWeights(), toStable, what);
  const scalars = [...runningScalars(optimizer)].map(([k, v]) => ({ name: SCALAR_PREFIX + k, tensor: v as tf.Tensor }));
  const { data, specs } = await tf.io.encodeWeights([...state, ...scalars]);
  // getWeights returns the optimizer's own variables plus a new iteration scalar: free only that.
  const iter = state.find((e) => e.name === 'iter');
  if (iter != null) iter.tensor.dispose();
  const bytes = new Uint8Array(tf.io.CompositeArrayBuffer.join(data));
  await writeFileAtomicAsync(path.join(dir, OPTIMIZER_FILE), bytes);
  const json: CheckpointJson = {
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_FORMAT_VERSION,
    optimizer: { className: optimizer.getClassName(), config: optimizer.getConfig(), weightSpecs: specs, bytes: bytes.byteLength, sha256: sha256(bytes) },
    trainer: trainerState ?? null,
  };
  await writeFileAtomicAsync(path.join(dir, CHECKPOINT_FILE), JSON.stringify(json));
}

/** Writes a checkpoint into `dir` (created if needed), overwriting an older one there. */
export async function saveCheckpoint<S>(dir: string, input: CheckpointInput<S>): Promise<void> {
  const { net, optimizer, trainerState, meta } = input;
  await saveModel(net, dir, meta);
  await writeOptimizerCheckpoint(dir, optimizer, originalNames(net), trainerState, 'saving');
}

export interface OptimizerCheckpointFiles {
  json: CheckpointJson;
  data: ArrayBuffer;
}

/** Reads checkpoint.json and optimizer.bin and checks format, version, size and checksum. */
export async function readOptimizerCheckpoint(dir: string): Promise<OptimizerCheckpointFiles> {
  const file = path.join(dir, CHECKPOINT_FILE);
  const json = JSON.parse(await fs.readFile(file, 'utf8')) as CheckpointJson;
  checkFormat(file, json, CHECKPOINT_FORMAT, CHECKPOINT_FORMAT_VERSION);
  const ofile = path.join(dir, OPTIMIZER_FILE);
  const data = await readArrayBuffer(ofile);
  verifyBytes(ofile, data, json.optimizer.bytes, json.optimizer.sha256);
  return { json, data };
}

/** A new optimizer of the saved class and config with the saved state; `toLocal` maps stable names to this process's variables. */
export async function restoreOptimizer<S>(files: OptimizerCheckpointFiles, toLocal: Map<string, string>, what: string): Promise<{ optimizer: tf.Optimizer; trainerState: S }> {
  const { json, data } = files;
  const decoded = tf.io.decodeWeights(data, json.optimizer.weightSpecs);
  // Same order as saved (decodeWeights keeps the spec order).
  const entries = renameSlots(
    json.optimizer.weightSpecs.filter((s) => !s.name.startsWith(SCALAR_PREFIX)).map((s) => ({ name: s.name, tensor: decoded[s.name] })),
    toLocal,
    what,
  );
  const optimizer = optimizerFromConfig(json.optimizer.className, json.optimizer.config);
  await optimizer.setWeights(entries);
  for (const [k, v] of runningScalars(optimizer)) {
    const saved = decoded[SCALAR_PREFIX + k];
    if (saved != null) v.assign(saved);
  }
  // setWeights made variables of the slot tensors (sharing their data) and read the counter.
  tf.dispose(Object.values(decoded));
  return { optimizer, trainerState: json.trainer as S };
}

/** Creates an optimizer from its registered class name and config (Adam, SGD, RMSProp, …). */
export function optimizerFromConfig(className: string, config: tf.serialization.ConfigDict): tf.Optimizer {
  const entry = tf.serialization.SerializationMap.getMap().classNameMap[className];
  if (entry == null) throw new Error(`unknown optimizer class '${className}'`);
  const [cls, fromConfig] = entry;
  return fromConfig(cls, config) as tf.Optimizer;
}

/** Loads a checkpoint written by saveCheckpoint: model, a restored optimizer and the trainer state. */
export async function loadCheckpoint<S = unknown>(dir: string): Promise<LoadedCheckpoint<S>> {
  const files = await readOptimizerCheckpoint(dir);
  const { net, meta } = await loadModel(dir);
  const byOriginal = new Map(net.model.weights.map((w) => [w.originalName, w.name]));
  const { optimizer, trainerState } = await restoreOptimizer<S>(files, byOriginal, 'loading');
  return { net, meta, optimizer, trainerState };
}
