// Shared types and constants of the multitask model (DESIGN.md §3): backbone → features → heads.

import type { tf } from '../backend';
import { NUM_AUS, NUM_EXPR, VA_BINS } from '../../shared/labels';
import { TRAIN_BACKBONES, type TrainBackbone } from '../../shared/train-config';

/** The backbones the engine builds: one list, in src/shared (the dialogs and the CLI offer it too). */
export const BACKBONES = TRAIN_BACKBONES;
export type BackboneName = TrainBackbone;

/** How a model is built. Stored in the saved model's `meta.config`, so a model can be rebuilt. */
export interface ModelConfig {
  backbone: BackboneName;
  /** Square input side in pixels. Default 112 (the paper's). The face backbone needs 112. */
  inputSize: number;
  /** Backbone layers non-trainable (and their batch norms always in inference mode). */
  freezeBackbone: boolean;
  /** Seed of every weight initialiser (students must differ). */
  seed: number;
  /** How many of the backbone's last stage maps are pooled into the features (1 = the last only, the paper's). */
  featureMaps: number;
}

export type ModelConfigInput = Partial<Omit<ModelConfig, 'backbone'>> & { backbone: BackboneName };

export const DEFAULT_INPUT_SIZE = 112;

/** Width of the hidden layer of every head (reference code: FC(feat→128)). */
export const HEAD_HIDDEN = 128;

/** Model output names, in the order of `model.outputs`. */
export const OUTPUT_NAMES = ['au', 'expr', 'v', 'a'] as const;
export type OutputName = (typeof OUTPUT_NAMES)[number];
export const OUTPUT_SIZES: Record<OutputName, number> = { au: NUM_AUS, expr: NUM_EXPR, v: VA_BINS, a: VA_BINS };

/** Name of the layer whose output is the backbone's feature vector [B, featureDim]. */
export const FEATURES_LAYER = 'features';

/**
 * The four logit tensors (structurally the `HeadOutputs` of src/ml/losses). A type alias, not an
 * interface, so it is a tf.TensorContainer and can be returned from tf.tidy.
 */
export type ModelOutputs = {
  /** [B, 8] AU logits (sigmoid → probability), MODEL_AUS order. */
  au: tf.Tensor2D;
  /** [B, 7] expression logits (softmax), EXPRESSIONS order. */
  expr: tf.Tensor2D;
  /** [B, 20] valence bin logits over VA_BIN_CENTRES. */
  v: tf.Tensor2D;
  /** [B, 20] arousal bin logits over VA_BIN_CENTRES. */
  a: tf.Tensor2D;
};

/**
 * A built or loaded multitask network. The three LayersModels share their layers (and so their
 * weights): `model` = `heads ∘ backbone`. `backbone` lets a trainer cache features once per frame
 * while the backbone is frozen and train `heads` alone (the fast path on CPU).
 */
export interface MultitaskNet {
  /** image [B, S, S, 3] in [0, 1] → [au, expr, v, a] logits. */
  model: tf.LayersModel;
  /** image [B, S, S, 3] in [0, 1] → features [B, featureDim] (global average pool of the last map). */
  backbone: tf.LayersModel;
  /** features [B, featureDim] → [au, expr, v, a] logits. */
  heads: tf.LayersModel;
  config: ModelConfig;
  featureDim: number;
}
