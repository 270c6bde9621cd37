// The task heads of the reference code: per task BN → FC(feat→128) → ReLU → BN → FC(out), with
// optional dropout before the last FC (TrainConfig.headDropout; none by default, as the reference).
//
// Three MLPs as in the paper ("we stack three MLPs"): AU (8 logits), EXPR (7) and VA. The VA
// MLP's last FC has 40 outputs in the reference code, split into 20 valence and 20 arousal bin
// logits; here it is two FC(128→20) layers `v` and `a` on the shared VA hidden layer, which is
// the same function (a 40-unit dense layer is two 20-unit ones side by side) without a slicing
// layer.

import { tf } from '../backend';
import { denseInit, layerSeed } from './init';
import { HeadDropout, TrainableBatchNorm } from './layers';
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

/** Dropout before a head's last FC (rate 0: no layer at all, the graph of models built before it existed). */
function dropout(x: Sym, task: string, seed: number, rate: number, get: LayerSource): Sym {
  if (rate === 0) return x;
  const name = `head_${task}_dropout`;
  return get(name, () => new HeadDropout({ name, rate, seed: layerSeed(seed, name) })).apply(x) as Sym;
}

function logits(x: Sym, name: 'au' | 'expr' | 'v' | 'a', seed: number, get: LayerSource): Sym {
  return get(name, () => tf.layers.dense({ name, units: OUTPUT_SIZES[name], kernelInitializer: denseInit(seed, name) })).apply(x) as Sym;
}

/**
 * Applies the heads to a feature tensor [B, F]; returns [au, expr, v, a] (the output layers are
 * named so). `dropout` > 0 puts a HeadDropout before each last FC (the VA heads share one, after
 * their shared hidden layer).
 */
export function applyHeads(features: Sym, seed: number, get: LayerSource = createLayers, rate = 0): Sym[] {
  const au = logits(dropout(hidden(features, 'au', seed, get), 'au', seed, rate, get), 'au', seed, get);
  const expr = logits(dropout(hidden(features, 'expr', seed, get), 'expr', seed, rate, get), 'expr', seed, get);
  const va = dropout(hidden(features, 'va', seed, get), 'va', seed, rate, get);
  return [au, expr, logits(va, 'v', seed, get), logits(va, 'a', seed, get)];
}

/** The head dropout rate of a built or loaded model (0 when it has no HeadDropout layer). */
export function headDropoutOf(model: tf.LayersModel): number {
  const layer = model.layers.find((l): l is HeadDropout => l instanceof HeadDropout);
  return layer?.rate ?? 0;
}

/** Names of every head layer (for freezing, or telling heads from backbone). */
export function isHeadLayerName(name: string): boolean {
  return name.startsWith('head_') || name === 'au' || name === 'expr' || name === 'v' || name === 'a';
}
