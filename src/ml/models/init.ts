// Deterministic, per-layer weight initialisers.
//
// tfjs initialisers take a `seed`; one seed for every layer would give layers of equal shape the
// same initial weights (correlated, and a student would match its siblings layer for layer). So
// each layer's seed is derived from the model seed and the layer's (stable, explicit) name.

import { tf } from '../backend';
import { deriveSeed } from '../../shared/random';

type Initializer = ReturnType<typeof tf.initializers.heNormal>;

/** A seed in the range tfjs' seedrandom accepts, unique per (model seed, layer name). */
export function layerSeed(seed: number, layerName: string): number {
  return deriveSeed(seed, layerName) % 2147483647;
}

/** He-normal (fan-in, truncated) for convolutions followed by ReLU. */
export function convInit(seed: number, layerName: string): Initializer {
  return tf.initializers.heNormal({ seed: layerSeed(seed, layerName) });
}

/** Glorot-uniform for fully connected layers. */
export function denseInit(seed: number, layerName: string): Initializer {
  return tf.initializers.glorotUniform({ seed: layerSeed(seed, layerName) });
}
