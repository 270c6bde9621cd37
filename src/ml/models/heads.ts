// The task heads of the reference code: per task BN → FC(feat→128) → ReLU → BN → FC(out).
//
// Three MLPs as in the paper ("we stack three MLPs"): AU (8 logits), EXPR (7) and VA. The VA
// MLP's last FC has 40 outputs in the reference code, split into 20 valence and 20 arousal bin
// logits; here it is two FC(128→20) layers `v` and `a` on the shared VA hidden layer, which is
// the same function (a 40-unit dense layer is two 20-unit ones side by side) without a slicing
// layer.

import { tf } from '../backend';
import { denseInit } from './init';
import { TrainableBatchNorm } from './layers';
import { HEAD_HIDDEN, OUTPUT_SIZES } from './types';

type Sym = tf.SymbolicTensor;

/** Returns the layer of that name: a new one while building, the model's own when rebuilding. */
export type LayerSource = <L extends tf.layers.Layer>(name: string, create: () => L) => L;

export const createLayers: LayerSource = (_name, create) => create();

export function layersFrom(model: tf.LayersModel): LayerSource {
  return <L extends tf.layers.Layer>(name: string) => model.getLayer(name) as L;
}

function hidden(x: Sym, task: string, seed: number, get: LayerSource): Sym {
  const p = `head_${task}`;
  let y = get(`${p}_bn1`, () => new TrainableBatchNorm({ name: `${p}_bn1` })).apply(x) as Sym;
  y = get(`${p}_fc1`, () => tf.layers.dense({ name: `${p}_fc1`, units: HEAD_HIDDEN, kernelInitializer: denseInit(seed, `${p}_fc1`) })).apply(y) as Sym;
  y = get(`${p}_relu`, () => tf.layers.reLU({ name: `${p}_relu` })).apply(y) as Sym;
  return get(`${p}_bn2`, () => new TrainableBatchNorm({ name: `${p}_bn2` })).apply(y) as Sym;
}

function logits(x: Sym, name: 'au' | 'expr' | 'v' | 'a', seed: number, get: LayerSource): Sym {
  return get(name, () => tf.layers.dense({ name, units: OUTPUT_SIZES[name], kernelInitializer: denseInit(seed, name) })).apply(x) as Sym;
}

/** Applies the heads to a feature tensor [B, F]; returns [au, expr, v, a] (the output layers are named so). */
export function applyHeads(features: Sym, seed: number, get: LayerSource = createLayers): Sym[] {
  const au = logits(hidden(features, 'au', seed, get), 'au', seed, get);
  const expr = logits(hidden(features, 'expr', seed, get), 'expr', seed, get);
  const va = hidden(features, 'va', seed, get);
  return [au, expr, logits(va, 'v', seed, get), logits(va, 'a', seed, get)];
}

/** Names of every head layer (for freezing, or telling heads from backbone). */
export function isHeadLayerName(name: string): boolean {
  return name.startsWith('head_') || name === 'au' || name === 'expr' || name === 'v' || name === 'a';
}
