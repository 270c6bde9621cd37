// What the CNN-RNN reads: frozen CNN features of frames (computed and cached by the Node layer,
// src/node/training/engine/features.ts).

/** Reads the features of frames (n × dim) — what the RNN trainer and inference need. */
export interface FeatureSource {
  modelId: number;
  dim: number;
  read(frameIds: ArrayLike<number>, out?: Float32Array, offset?: number): Float32Array;
}
