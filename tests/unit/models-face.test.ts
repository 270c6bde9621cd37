// Proof of the face backbone port: on a real face, our tf.layers trunk computes exactly what
// face-api's own FaceExpressionNet computes (features, logits and probabilities).
import { createRequire } from 'node:module';
import path from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '../../src/ml/backend';
import { buildModel, disposeNet, extractFeatures, faceApiModelDir, readFaceApiWeights, type MultitaskNet } from '../../src/ml/models';

const require = createRequire(import.meta.url);

/** face-api's Node build for tfjs + wasm: it require()s the same @tensorflow/tfjs we import. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type FaceApi = any;
let faceapi: FaceApi;
let net: MultitaskNet;
let face: tf.Tensor3D; // 112×112×3, 0..255 integers

/**
 * A real face: demo/sample2.jpg of the face-api package, cropped square around the face
 * face-api's tiny face detector finds there (box x 1403, y 173, 276×263), resized to 112×112.
 */
async function loadFace(): Promise<tf.Tensor3D> {
  const file = path.join(faceApiModelDir(), '..', 'demo', 'sample2.jpg');
  const { data, info } = await sharp(file)
    .extract({ left: 1391, top: 154, width: 300, height: 300 })
    .resize(112, 112)
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  expect([info.width, info.height, info.channels]).toEqual([112, 112, 3]);
  return tf.tensor3d(new Int32Array(data), [112, 112, 3], 'int32');
}

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

beforeAll(async () => {
  await initBackend({ prefer: 'wasm' });
  faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js');
  await faceapi.nets.faceExpressionNet.loadFromDisk(faceApiModelDir());
  net = await buildModel({ backbone: 'face', seed: 0, freezeBackbone: true });
  face = await loadFace();
});

describe('face backbone port', () => {
  it('shares one tfjs engine with face-api (no second TensorFlow.js instance)', () => {
    expect(faceapi.tf.engine()).toBe(tf.engine());
    expect(faceapi.tf.version.tfjs).toBe(tf.version.tfjs);
  });

  it('loads every weight of face-api’s feature extractor (dequantised manifest values)', async () => {
    const weights = await readFaceApiWeights();
    const check = (layer: string, index: number, key: string) => {
      const ours = net.model.getLayer(layer).getWeights()[index];
      expect(ours.shape).toEqual(weights[key].shape);
      expect(maxAbsDiff(ours, weights[key])).toBe(0);
    };
    check('face_dense0_conv0', 0, 'dense0/conv0/filters');
    check('face_dense0_conv0', 1, 'dense0/conv0/bias');
    check('face_dense2_conv3', 0, 'dense2/conv3/depthwise_filter');
    check('face_dense3_conv1', 1, 'dense3/conv1/pointwise_filter');
    check('face_dense3_conv3', 2, 'dense3/conv3/bias');
    // Their own loaded parameters agree with our decoding of the same files.
    expect(maxAbsDiff(faceapi.nets.faceExpressionNet.faceFeatureExtractor.params.dense1.conv2.pointwise_filter, weights['dense1/conv2/pointwise_filter'])).toBe(0);
    tf.dispose(Object.values(weights));
  });

  it('equals face-api’s FaceExpressionNet on a real face (features, logits, probabilities)', async () => {
    const expressionNet = faceapi.nets.faceExpressionNet;
    const netInput = await faceapi.toNetInput(face);
    const theirFeatures = tf.tidy(() => expressionNet.faceFeatureExtractor.forwardInput(netInput).reshape([1, 256]));
    const theirLogits = expressionNet.runNet(netInput) as tf.Tensor2D;
    const theirProbs = (await expressionNet.forward(face)) as tf.Tensor2D;

    // Ours: the same pixels scaled to [0, 1], the model's own input normalisation.
    const x = tf.tidy(() => tf.div(tf.cast(face, 'float32'), 255).expandDims(0));
    const ourFeatures = extractFeatures(net, x);
    const { weights, bias } = expressionNet.params.fc; // face-api's classifier on our features
    const ourLogits = tf.tidy(() => tf.add(tf.matMul(ourFeatures, weights), bias));
    const ourProbs = tf.softmax(ourLogits);

    const dFeat = maxAbsDiff(ourFeatures, theirFeatures);
    const dLogit = maxAbsDiff(ourLogits, theirLogits);
    const dProb = maxAbsDiff(ourProbs, theirProbs);
    expect(dFeat).toBeLessThan(1e-4);
    expect(dLogit).toBeLessThan(1e-4);
    expect(dProb).toBeLessThan(1e-4);
    // Not a degenerate match: the features are non-trivial and the net is confident about this face.
    expect(tf.tidy(() => tf.max(ourFeatures).dataSync()[0])).toBeGreaterThan(0.1);
    expect(Math.max(...theirProbs.dataSync())).toBeGreaterThan(0.3);
    console.log(
      `face port: max |Δ| features ${dFeat.toExponential(2)}, logits ${dLogit.toExponential(2)}, probabilities ${dProb.toExponential(2)}; ` +
        `face-api probabilities ${Array.from(theirProbs.dataSync(), (p) => p.toFixed(3)).join(' ')}`,
    );
    tf.dispose([theirFeatures, theirLogits, theirProbs, x, ourFeatures, ourLogits, ourProbs]);
  });

  it('builds a randomly initialised face trunk when asked (no pretrained weights)', async () => {
    const random = await buildModel({ backbone: 'face', seed: 0 }, { facePretrained: false });
    const w = random.model.getLayer('face_dense0_conv0').getWeights()[0];
    const pretrained = net.model.getLayer('face_dense0_conv0').getWeights()[0];
    expect(maxAbsDiff(w, pretrained)).toBeGreaterThan(0.01);
    disposeNet(random);
  });
});
