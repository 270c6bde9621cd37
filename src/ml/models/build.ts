// buildModel: backbone + heads as one tf.layers functional model, plus the backbone-only and
// heads-only views that share its layers. And the helpers a trainer needs to run it.
//
// Input: float32 [B, S, S, 3], RGB in [0, 1] (S = inputSize, 112 by default). The per-backbone
// normalisation is the model's first layer (`input_norm`):
//   face     (x − face-api mean RGB / 255)       exactly face-api's (255·x − mean) / 255
//   resnets  (x − ImageNet mean) / ImageNet std  (trained from scratch; any fixed scaling works)
// Outputs: [au [B,8], expr [B,7], v [B,20], a [B,20]] logits, model.outputNames in that order.

import { tf } from '../backend';
import { FACE_CHANNELS, FACE_INPUT_SIZE, FACE_MEAN_RGB, faceTrunk, loadFaceWeights, readFaceApiWeights } from './face';
import { applyHeads, createLayers, headDropoutOf, isHeadLayerName, layersFrom } from './heads';
import { InputNormalization, trainingModeLayers } from './layers';
import { RESNET_SPECS, resnetStageChannels, resnetTrunk } from './resnet';
import {
  BACKBONES,
  DEFAULT_INPUT_SIZE,
  FEATURES_LAYER,
  type ModelConfig,
  type ModelConfigInput,
  type ModelOutputs,
  type MultitaskNet,
} from './types';

const IMAGENET_MEAN = [0.485, 0.456, 0.406];
const IMAGENET_STD = [0.229, 0.224, 0.225];

export interface BuildOptions {
  /** face only: where face-api's model files are (default: inside node_modules). */
  faceWeightsDir?: string;
  /** face only: false leaves the trunk randomly initialised from the seed (tests). Default true. */
  facePretrained?: boolean;
  /** Dropout rate before each head's last FC (training passes only; heads.ts). Default 0: no dropout layer. */
  headDropout?: number;
}

/** Fills the defaults of a model config and checks it. */
export function resolveConfig(cfg: ModelConfigInput): ModelConfig {
  if (!(BACKBONES as readonly string[]).includes(cfg.backbone)) {
    throw new Error(`unknown backbone '${String(cfg.backbone)}' (one of ${BACKBONES.join(', ')})`);
  }
  const inputSize = cfg.inputSize ?? DEFAULT_INPUT_SIZE;
  if (!Number.isInteger(inputSize) || inputSize < 16) throw new Error(`inputSize must be an integer >= 16, got ${inputSize}`);
  if (cfg.backbone === 'face' && inputSize !== FACE_INPUT_SIZE) {
    throw new Error(`the face backbone's pretrained weights take ${FACE_INPUT_SIZE}×${FACE_INPUT_SIZE} faces, got inputSize ${inputSize}`);
  }
  const seed = cfg.seed ?? 0;
  if (!Number.isInteger(seed) || seed < 0) throw new Error(`seed must be a non-negative integer, got ${seed}`);
  const featureMaps = cfg.featureMaps ?? 1;
  const stages = stageChannels(cfg.backbone).length;
  if (!Number.isInteger(featureMaps) || featureMaps < 1 || featureMaps > stages) {
    throw new Error(`featureMaps must be an integer from 1 to ${stages} (the ${cfg.backbone} backbone's stages), got ${featureMaps}`);
  }
  return { backbone: cfg.backbone, inputSize, freezeBackbone: cfg.freezeBackbone ?? false, seed, featureMaps };
}

/** Channels of each stage's output map of a backbone, first to last. */
function stageChannels(backbone: ModelConfig['backbone']): number[] {
  return backbone === 'face' ? [...FACE_CHANNELS] : resnetStageChannels(RESNET_SPECS[backbone]);
}

/**
 * The feature vector: the global average pool of the last `featureMaps` stages' output maps,
 * concatenated (earlier stages first). One map is the paper's (the pool of the last map); two add
 * the mid-level map, which on the frozen face backbone raised FER2013 held-out accuracy by about
 * a point (docs/ARCHITECTURE.md §7).
 */
function poolFeatures(maps: tf.SymbolicTensor[], featureMaps: number): tf.SymbolicTensor {
  if (featureMaps === 1) return tf.layers.globalAveragePooling2d({ name: FEATURES_LAYER }).apply(maps.at(-1)!) as tf.SymbolicTensor;
  const pooled = maps.slice(-featureMaps).map((m, i) => tf.layers.globalAveragePooling2d({ name: `${FEATURES_LAYER}_pool${i}` }).apply(m) as tf.SymbolicTensor);
  return tf.layers.concatenate({ name: FEATURES_LAYER, axis: -1 }).apply(pooled) as tf.SymbolicTensor;
}

/** Builds the multitask model. Deterministic given the config (weights depend only on `seed`). */
export async function buildModel(cfgIn: ModelConfigInput, opts: BuildOptions = {}): Promise<MultitaskNet> {
  const config = resolveConfig(cfgIn);
  const { backbone, inputSize, seed, featureMaps } = config;
  const image = tf.input({ shape: [inputSize, inputSize, 3], name: 'image', dtype: 'float32' });
  const normArgs =
    backbone === 'face'
      ? { mean: FACE_MEAN_RGB.map((m) => m / 255), std: [1, 1, 1] }
      : { mean: IMAGENET_MEAN, std: IMAGENET_STD };
  const normed = new InputNormalization({ name: 'input_norm', ...normArgs }).apply(image) as tf.SymbolicTensor;
  const maps = backbone === 'face' ? faceTrunk(normed, seed) : resnetTrunk(normed, RESNET_SPECS[backbone], seed);
  const features = poolFeatures(maps, featureMaps);
  const outputs = applyHeads(features, seed, createLayers, opts.headDropout ?? 0);
  const model = tf.model({ inputs: image, outputs, name: `multitask_${backbone}` });
  if (backbone === 'face' && opts.facePretrained !== false) {
    loadFaceWeights(model, await readFaceApiWeights(opts.faceWeightsDir));
  }
  const net = assembleNet(model, config);
  setBackboneTrainable(net, !config.freezeBackbone);
  return net;
}

/** Feature width of a backbone pooling its last `featureMaps` stages. */
export function featureDimOf(backbone: ModelConfig['backbone'], featureMaps = 1): number {
  return stageChannels(backbone)
    .slice(-featureMaps)
    .reduce((a, b) => a + b, 0);
}

/**
 * The backbone and heads views of a full model (built or loaded): the backbone ends at the
 * `features` layer, the heads model re-applies the model's own head layers to a new input.
 */
export function assembleNet(model: tf.LayersModel, config: ModelConfig): MultitaskNet {
  const featLayer = model.getLayer(FEATURES_LAYER);
  const featureDim = (featLayer.outputShape as number[])[1];
  const backbone = tf.model({ inputs: model.inputs, outputs: featLayer.getOutputAt(0) as tf.SymbolicTensor, name: 'backbone' });
  const featuresIn = tf.input({ shape: [featureDim], name: 'features_in' });
  const heads = tf.model({ inputs: featuresIn, outputs: applyHeads(featuresIn, config.seed, layersFrom(model), headDropoutOf(model)), name: 'heads' });
  return { model, backbone, heads, config, featureDim };
}

/** The layers of the backbone (every layer with weights that is not a head layer). */
export function backboneLayers(net: MultitaskNet): tf.layers.Layer[] {
  return net.model.layers.filter((l) => !isHeadLayerName(l.name));
}

/**
 * Freezes (false) or unfreezes (true) the backbone. Frozen layers are left out of
 * `trainableVariables` and their batch norms run in inference mode even in training passes.
 * Records the state in `net.config.freezeBackbone` (saved with the model).
 */
export function setBackboneTrainable(net: MultitaskNet, trainable: boolean): void {
  for (const layer of backboneLayers(net)) layer.trainable = trainable;
  net.config = { ...net.config, freezeBackbone: !trainable };
}

/** The variables an optimizer should update for `model` (net.model, or net.heads for the cached-feature path), in a stable order. */
export function trainableVariables(model: tf.LayersModel): tf.Variable[] {
  return model.trainableWeights.map((w) => w.read() as tf.Variable);
}

/** Runs `fn` with every batch norm (and head dropout) of `model` in training (true) or inference (false) mode. */
export function withTraining<T>(model: tf.LayersModel, training: boolean, fn: () => T): T {
  const bns = trainingModeLayers(model.layers);
  const before = bns.map((l) => l.trainingMode);
  for (const l of bns) l.trainingMode = training;
  try {
    return fn();
  } finally {
    bns.forEach((l, i) => (l.trainingMode = before[i]));
  }
}

/**
 * One forward pass of net.model (images) or net.heads (features) returning named logits.
 * `training: true` uses batch statistics (and updates the moving averages) in the trainable
 * batch norms; call it inside optimizer.minimize / tf.variableGrads. Result tensors belong to the
 * caller (wrap in tf.tidy).
 */
export function forward(model: tf.LayersModel, x: tf.Tensor, opts: { training?: boolean } = {}): ModelOutputs {
  const outs = withTraining(model, opts.training ?? false, () => model.apply(x) as tf.Tensor[]);
  if (!Array.isArray(outs) || outs.length !== 4) throw new Error(`expected the 4 outputs [au, expr, v, a], got ${Array.isArray(outs) ? outs.length : 1}`);
  const [au, expr, v, a] = outs as tf.Tensor2D[];
  return { au, expr, v, a };
}

/** Backbone features [B, featureDim] in inference mode (for caching when the backbone is frozen). */
export function extractFeatures(net: MultitaskNet, images: tf.Tensor): tf.Tensor2D {
  return withTraining(net.backbone, false, () => net.backbone.apply(images) as tf.Tensor2D);
}

/**
 * Disposes the weights of a net. The head layers are referenced by both `model` and `heads`
 * (tf.layers counts one reference per graph a layer is applied in), so both are disposed;
 * `backbone` holds no layer `model` does not.
 */
export function disposeNet(net: MultitaskNet): void {
  net.model.dispose();
  net.heads.dispose();
}
