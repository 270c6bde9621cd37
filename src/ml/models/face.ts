// Port of face-api's FaceFeatureExtractor (the trunk of its 7-expression net) to tf.layers, with
// the weights shipped in @vladmandic/face-api's npm package (model/face_expression_model.*).
//
// face-api's forward pass (src/faceFeatureExtractor/FaceFeatureExtractor.ts, denseBlock.ts):
//   x = (rgb·255 − [122.782, 117.001, 104.298]) / 255            (input 112×112)
//   4 dense blocks, 32 → 64 → 128 → 256 channels, each halving the resolution (56, 28, 14, 7):
//     out1 = relu(conv0(x))          conv0: 3×3/2 conv in dense0, 3×3/2 separable conv after
//     out2 = sep1(out1)              sepK: 3×3/1 depthwise-separable conv + bias, no activation
//     out3 = sep2(relu(out1 + out2))
//     out4 = sep3(relu(out1 + out2 + out3))
//     y    = relu(out1 + out2 + out3 + out4)
//   avgPool 7×7 stride 2 'valid' → [B, 1, 1, 256] → flattened 256-d features → fc(256 → 7).
// Our features layer is a global average pool: identical to that avgPool at 112 px.
// The face-api classifier (fc) is not part of our model (our heads replace it); the equality
// test applies face-api's own fc to our features.
//
// We read the weights ourselves (manifest + .bin, uint8-quantised, dequantised by tfjs'
// decodeWeights) and never need face-api at run time. Loading face-api in the same process is
// nevertheless safe: dist/face-api.node-wasm.js require()s '@tensorflow/tfjs', and because that
// package has no "exports" map, Node resolves our ESM import to the same CommonJS entry
// (dist/tf.node.js): one tfjs-core engine, one backend registry (tests/unit/models-face.test.ts
// asserts it). face-api.node.js would require @tensorflow/tfjs-node instead, which does not
// install here.

import fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { tf } from '../backend';
import { convInit } from './init';
import { InputConv2D } from './layers';

type Sym = tf.SymbolicTensor;

/** face-api's mean RGB (0..255 scale) subtracted before dividing by 255. */
export const FACE_MEAN_RGB = [122.782, 117.001, 104.298] as const;
export const FACE_FEATURE_DIM = 256;
export const FACE_INPUT_SIZE = 112;
/** Output channels of the four dense blocks (56, 28, 14, 7 px at 112). */
export const FACE_CHANNELS = [32, 64, 128, 256] as const;

/** Folder of the face-api model files inside node_modules. */
export function faceApiModelDir(): string {
  const require = createRequire(import.meta.url);
  return path.join(path.dirname(require.resolve('@vladmandic/face-api/package.json')), 'model');
}

/** Layer name of face-api weight prefix `denseI/convJ`. */
export function faceLayerName(block: number, conv: number): string {
  return `face_dense${block}_conv${conv}`;
}

function add(xs: Sym[], name: string): Sym {
  return xs.length === 1 ? xs[0] : (tf.layers.add({ name }).apply([...xs]) as Sym);
}

function relu(x: Sym, name: string): Sym {
  return tf.layers.reLU({ name }).apply(x) as Sym;
}

function sepConv(x: Sym, name: string, filters: number, stride: number, seed: number): Sym {
  return tf.layers
    .separableConv2d({
      name,
      filters,
      kernelSize: 3,
      strides: stride,
      padding: 'same',
      depthMultiplier: 1,
      useBias: true,
      depthwiseInitializer: convInit(seed, `${name}_dw`),
      pointwiseInitializer: convInit(seed, `${name}_pw`),
    })
    .apply(x) as Sym;
}

function denseBlock(x: Sym, block: number, filters: number, seed: number): Sym {
  const p = `face_dense${block}`;
  const first =
    block === 0
      ? (new InputConv2D({ name: faceLayerName(0, 0), filters, kernelSize: 3, strides: 2, useBias: true, kernelInitializer: convInit(seed, faceLayerName(0, 0)) }).apply(
          x,
        ) as Sym)
      : sepConv(x, faceLayerName(block, 0), filters, 2, seed);
  const outs = [relu(first, `${p}_relu0`)];
  for (let k = 1; k <= 3; k++) {
    const input = k === 1 ? outs[0] : relu(add(outs, `${p}_sum${k}`), `${p}_relu${k}`);
    outs.push(sepConv(input, faceLayerName(block, k), filters, 1, seed));
  }
  return relu(add(outs, `${p}_sum4`), `${p}_out`);
}

/** The face-api trunk on a normalised image: the output map of each dense block (56, 28, 14, 7 px at 112; the last [B, 7, 7, 256]). */
export function faceTrunk(x: Sym, seed: number): Sym[] {
  const maps: Sym[] = [];
  FACE_CHANNELS.forEach((c, i) => {
    maps.push(denseBlock(maps.at(-1) ?? x, i, c, seed));
  });
  return maps;
}

/** Reads face-api's expression model weights (dequantised) as a name → tensor map. */
export async function readFaceApiWeights(dir = faceApiModelDir()): Promise<tf.NamedTensorMap> {
  const manifest = JSON.parse(await fs.readFile(path.join(dir, 'face_expression_model-weights_manifest.json'), 'utf8')) as tf.io.WeightsManifestConfig;
  const specs: tf.io.WeightsManifestEntry[] = [];
  const buffers: Buffer[] = [];
  for (const group of manifest) {
    specs.push(...group.weights);
    for (const p of group.paths) buffers.push(await fs.readFile(path.join(dir, p)));
  }
  const all = Buffer.concat(buffers);
  const data = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) as ArrayBuffer;
  return tf.io.decodeWeights(data, specs);
}

/**
 * Copies face-api's trunk weights into the face layers of `model` (every `face_denseI_convJ`).
 * Throws if a layer or weight is missing or a shape differs. Disposes `weights` it consumes.
 */
export function loadFaceWeights(model: tf.LayersModel, weights: tf.NamedTensorMap): void {
  FACE_CHANNELS.forEach((_, block) => {
    for (let k = 0; k <= 3; k++) {
      const layer = model.getLayer(faceLayerName(block, k));
      const p = `dense${block}/conv${k}`;
      const keys = block === 0 && k === 0 ? [`${p}/filters`, `${p}/bias`] : [`${p}/depthwise_filter`, `${p}/pointwise_filter`, `${p}/bias`];
      const values = keys.map((key) => {
        const t = weights[key];
        if (t == null) throw new Error(`face-api weights: missing ${key}`);
        return t;
      });
      // tf.layers weight order: conv2d [kernel, bias]; separableConv2d [depthwise, pointwise, bias].
      layer.setWeights(values);
    }
  });
  tf.dispose(Object.values(weights));
}
