// What the CNN-RNN reads: frozen per-frame outputs of a CNN (computed and cached by the Node layer,
// src/node/training/engine/features.ts), either its backbone features or its heads' embeddings.
import { tf } from '../backend';
import { extractFeatures, HEAD_HIDDEN, type MultitaskNet } from '../models';
import { RNN_GROUPS } from './model';

/** Reads the features of frames (n × dim) — what the RNN trainer and inference need. */
export interface FeatureSource {
  modelId: number;
  dim: number;
  read(frameIds: ArrayLike<number>, out?: Float32Array, offset?: number): Float32Array;
}

/** Per frame, the width of the heads' embeddings side by side (AU, EXPR, VA: 3 × 128). */
export const HEAD_EMBEDDING_DIM = RNN_GROUPS.length * HEAD_HIDDEN;

/**
 * A task head's layers up to its embedding (src/ml/models/heads.ts: BN → FC128 → ReLU → BN, then
 * the last FC, which is left out). The embedding is the second BN's output: what the reference
 * code's Head returns as its 'feature' and Seq_Model feeds the task's GRU
 * (Multitask-CNN-RNN/utils/model_utils.py, Head.forward and Seq_Model.forward).
 */
export function headEmbeddingLayers(task: (typeof RNN_GROUPS)[number]): string[] {
  return [`head_${task}_bn1`, `head_${task}_fc1`, `head_${task}_relu`, `head_${task}_bn2`];
}

/**
 * The AU, EXPR and VA heads' 128-d embeddings of images, side by side: [B, 3·128], columns
 * [g·128, (g+1)·128) for task g of RNN_GROUPS. Inference mode (batch norms use their moving
 * statistics), like extractFeatures.
 */
export function extractHeadEmbeddings(net: MultitaskNet, images: tf.Tensor): tf.Tensor2D {
  return tf.tidy(() => headEmbeddingsOf(net, extractFeatures(net, images)));
}

/** The heads' embeddings from backbone features [B, featureDim] (cached features of a frozen backbone). */
export function headEmbeddingsOf(net: MultitaskNet, features: tf.Tensor): tf.Tensor2D {
  return tf.tidy(() => {
    const parts = RNN_GROUPS.map((task) => {
      let y: tf.Tensor = features;
      for (const name of headEmbeddingLayers(task)) y = net.model.getLayer(name).apply(y, { training: false }) as tf.Tensor;
      return y;
    });
    return tf.concat(parts, 1) as tf.Tensor2D;
  });
}
