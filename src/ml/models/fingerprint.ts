// The identity of a backbone's features: what the feature cache keys them by
// (src/ml/train/backbone-features.ts). A function of the weights themselves, so two models share
// cached features exactly when their backbones compute the same function.
import { createHash } from 'node:crypto';
import { backboneLayers } from './build';
import type { MultitaskNet } from './types';

const keys = new WeakMap<MultitaskNet, string>();

/**
 * 'backbone:' + SHA-256 over the input size, the feature width and every backbone weight (name,
 * shape, float32 values; moving batch-norm statistics included) in layer order. Once per net: a
 * frozen backbone never changes, and a trainable one is hashed only when its model is saved.
 */
export function backboneKey(net: MultitaskNet, fresh = false): string {
  const known = fresh ? undefined : keys.get(net);
  if (known) return known;
  const h = createHash('sha256');
  h.update(`input ${net.config.inputSize} features ${net.featureDim}\n`);
  for (const layer of backboneLayers(net)) {
    for (const w of layer.weights) {
      const v = w.read().dataSync() as Float32Array;
      h.update(`${w.originalName} ${w.shape.join('x')}\n`);
      h.update(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
    }
  }
  const key = `backbone:${h.digest('hex')}`;
  keys.set(net, key);
  return key;
}
