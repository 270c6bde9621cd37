// The multitask model: builders, heads, the face-api backbone port, saving and checkpoints.
export * from './types';
export {
  assembleNet,
  backboneLayers,
  buildModel,
  disposeNet,
  extractFeatures,
  featureDimOf,
  forward,
  resolveConfig,
  setBackboneTrainable,
  trainableVariables,
  withTraining,
  type BuildOptions,
} from './build';
export { backboneKey } from './fingerprint';
export { backboneBlockOf, setTrainedBlocks, trainableBackboneVariableNames } from './blocks';
export { InputNormalization, TrainableBatchNorm } from './layers';
export { FACE_CHANNELS, FACE_FEATURE_DIM, FACE_MEAN_RGB, faceApiModelDir, readFaceApiWeights } from './face';
export { RESNET_SPECS, type ResNetSpec } from './resnet';
export { loadModel, readModelMeta, saveModel, MODEL_FORMAT, MODEL_FORMAT_VERSION, type ModelMeta } from './io';
export {
  loadCheckpoint,
  saveCheckpoint,
  optimizerFromConfig,
  CHECKPOINT_FORMAT,
  CHECKPOINT_FORMAT_VERSION,
  type CheckpointInput,
  type LoadedCheckpoint,
} from './checkpoint';
