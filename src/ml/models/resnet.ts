// ResNet backbones (He et al. 2016) as tf.layers graphs: resnet50, resnet18 and `small`.
//
// Stem adapted to 112×112 input: the ImageNet stem (7×7/2 conv, then 3×3/2 max-pool) would leave
// a 4×4 final map at 112 px (the reference code's torchvision ResNet50 on 112 px faces). We keep
// the 7×7/2 conv and drop the max-pool, so 112 px gives 56 → 56, 28, 14, 7 through the stages:
// the same 7×7 final map as ImageNet ResNets at 224 px (as face-recognition ResNets do at 112 px).
// That costs resnet50 ≈ 4.1 GMAC per image (the 224-px figure) instead of ≈ 1.0.
//
// Blocks are "v1.5" (stride on the 3×3 conv), post-activation, no conv biases (batch norm
// follows), He-normal initialisation and the last batch norm of each residual branch starting
// at gamma = 0 (each block starts as the identity: Goyal et al. 2017), which speeds up the
// short trainings this app runs.

import { tf } from '../backend';
import { convInit } from './init';
import { InputConv2D, TrainableBatchNorm } from './layers';

type Sym = tf.SymbolicTensor;

export interface ResNetSpec {
  stem: { filters: number; kernel: number; stride: number };
  block: 'basic' | 'bottleneck';
  /** Per stage: output width of the 3×3 convs (bottleneck output is 4×), block count, first stride. */
  stages: { filters: number; blocks: number; stride: number }[];
}

export const RESNET_SPECS = {
  resnet50: {
    stem: { filters: 64, kernel: 7, stride: 2 },
    block: 'bottleneck',
    stages: [
      { filters: 64, blocks: 3, stride: 1 },
      { filters: 128, blocks: 4, stride: 2 },
      { filters: 256, blocks: 6, stride: 2 },
      { filters: 512, blocks: 3, stride: 2 },
    ],
  },
  resnet18: {
    stem: { filters: 64, kernel: 7, stride: 2 },
    block: 'basic',
    stages: [
      { filters: 64, blocks: 2, stride: 1 },
      { filters: 128, blocks: 2, stride: 2 },
      { filters: 256, blocks: 2, stride: 2 },
      { filters: 512, blocks: 2, stride: 2 },
    ],
  },
  /**
   * The CPU workhorse: a 5×5/4 stem conv (112 → 28 px, 16 channels), then one basic block per
   * stage at 16/32/64/128 channels (28, 14, 7, 4 px); 128-d features. Why this shape (measured
   * on wasm, 1 thread, batch 32; bench/models.ts and the FER2013 runs in the report):
   * training time goes almost entirely into the convolution gradients at high resolution, so a
   * stem that downsamples by 4 at once trains ~5× faster than a 3×3/2 stem with a 56-px stage
   * (262 vs 1531 ms/step), and doubling every width (32…256) costs ~2× per step without
   * learning faster per step (FER2013 expressions, 250 steps: 0.283 vs 0.263 validation accuracy).
   */
  small: {
    stem: { filters: 16, kernel: 5, stride: 4 },
    block: 'basic',
    stages: [
      { filters: 16, blocks: 1, stride: 1 },
      { filters: 32, blocks: 1, stride: 2 },
      { filters: 64, blocks: 1, stride: 2 },
      { filters: 128, blocks: 1, stride: 2 },
    ],
  },
} satisfies Record<string, ResNetSpec>;

/** Channels of each stage's output map. */
export function resnetStageChannels(spec: ResNetSpec): number[] {
  return spec.stages.map((s) => (spec.block === 'bottleneck' ? 4 * s.filters : s.filters));
}

function conv(x: Sym, name: string, filters: number, kernel: number, stride: number, seed: number): Sym {
  return tf.layers
    .conv2d({ name, filters, kernelSize: kernel, strides: stride, padding: 'same', useBias: false, kernelInitializer: convInit(seed, name) })
    .apply(x) as Sym;
}

function bn(x: Sym, name: string, gammaInit = 1): Sym {
  return new TrainableBatchNorm({ name, gammaInit }).apply(x) as Sym;
}

function relu(x: Sym, name: string): Sym {
  return tf.layers.reLU({ name }).apply(x) as Sym;
}

function shortcut(x: Sym, p: string, outC: number, stride: number, seed: number): Sym {
  const inC = x.shape[x.shape.length - 1];
  if (inC === outC && stride === 1) return x;
  return bn(conv(x, `${p}_proj`, outC, 1, stride, seed), `${p}_proj_bn`);
}

function basicBlock(x: Sym, p: string, filters: number, stride: number, seed: number): Sym {
  let y = relu(bn(conv(x, `${p}_conv1`, filters, 3, stride, seed), `${p}_bn1`), `${p}_relu1`);
  y = bn(conv(y, `${p}_conv2`, filters, 3, 1, seed), `${p}_bn2`, 0);
  const sum = tf.layers.add({ name: `${p}_add` }).apply([y, shortcut(x, p, filters, stride, seed)]) as Sym;
  return relu(sum, `${p}_out`);
}

function bottleneckBlock(x: Sym, p: string, filters: number, stride: number, seed: number): Sym {
  let y = relu(bn(conv(x, `${p}_conv1`, filters, 1, 1, seed), `${p}_bn1`), `${p}_relu1`);
  y = relu(bn(conv(y, `${p}_conv2`, filters, 3, stride, seed), `${p}_bn2`), `${p}_relu2`);
  y = bn(conv(y, `${p}_conv3`, 4 * filters, 1, 1, seed), `${p}_bn3`, 0);
  const sum = tf.layers.add({ name: `${p}_add` }).apply([y, shortcut(x, p, 4 * filters, stride, seed)]) as Sym;
  return relu(sum, `${p}_out`);
}

/** The ResNet trunk on a normalised image: the output map of each stage (the last [B, h, w, C]). */
export function resnetTrunk(x: Sym, spec: ResNetSpec, seed: number): Sym[] {
  const { stem } = spec;
  const stemConv = new InputConv2D({
    name: 'stem_conv',
    filters: stem.filters,
    kernelSize: stem.kernel,
    strides: stem.stride,
    useBias: false,
    kernelInitializer: convInit(seed, 'stem_conv'),
  }).apply(x) as Sym;
  let y = relu(bn(stemConv, 'stem_bn'), 'stem_relu');
  const maps: Sym[] = [];
  spec.stages.forEach((stage, s) => {
    for (let b = 0; b < stage.blocks; b++) {
      const p = `s${s + 1}b${b + 1}`;
      const stride = b === 0 ? stage.stride : 1;
      y = spec.block === 'basic' ? basicBlock(y, p, stage.filters, stride, seed) : bottleneckBlock(y, p, stage.filters, stride, seed);
    }
    maps.push(y);
  });
  return maps;
}
