// The two custom tf.layers layers of our models, registered for (de)serialisation.
//
// - InputNormalization: the per-backbone input normalisation lives inside the model, so every
//   caller feeds the same thing (RGB in [0, 1]) whatever the backbone.
// - TrainableBatchNorm: batch normalisation whose training mode does not depend on the `training`
//   kwarg reaching it. tfjs-layers' `model.apply(x, {training: true})` does NOT pass `training`
//   down to the layers of a functional model (Container.runInternalGraph uses the kwargs recorded
//   at graph-construction time), so a custom training loop (optimizer.minimize around
//   model.apply) would silently run tf.layers.batchNormalization in inference mode. Ours reads a
//   per-layer flag that `withTraining()` (build.ts) sets around one forward pass. It also uses the
//   closed-form batch-norm gradient of src/ml/backend (faster than autodiff through tf.moments),
//   and — as Keras 2 does — runs in inference mode whenever the layer is frozen.
// - HeadDropout: dropout before each head's last FC (TrainConfig.headDropout), on the same flag.

import { tf, batchNormTraining, movingAverage, scaleShiftChannels } from '../backend';

type LayerArgs = NonNullable<ConstructorParameters<typeof tf.layers.Layer>[0]>;
type Kwargs = Record<string, unknown>;
type Shape = (number | null)[];

function single(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
  return Array.isArray(inputs) ? inputs[0] : inputs;
}

export interface InputNormalizationArgs extends LayerArgs {
  /** Per-channel mean (in the [0, 1] input scale). */
  mean: number[];
  /** Per-channel standard deviation (in the [0, 1] input scale). */
  std: number[];
}

/** y = (x − mean) / std per channel (last axis), as x·(1/std) − mean/std in one op. No weights. */
export class InputNormalization extends tf.layers.Layer {
  static className = 'AwInputNormalization';
  readonly mean: number[];
  readonly std: number[];

  constructor(args: InputNormalizationArgs) {
    super(args);
    this.mean = [...args.mean];
    this.std = [...args.std];
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = single(inputs);
      const scale = tf.tensor1d(this.std.map((s) => 1 / s));
      const shift = tf.tensor1d(this.mean.map((m, i) => -m / this.std[i]));
      return scaleShiftChannels(x, scale, shift);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), mean: this.mean, std: this.std };
  }
}

export interface TrainableBatchNormArgs extends LayerArgs {
  /** Moving-average momentum (Keras convention: new = m·old + (1−m)·batch). Default 0.9 (PyTorch's 0.1). */
  momentum?: number;
  epsilon?: number;
  /** Initial gamma (1 by default; 0 for the last norm of a residual branch). */
  gammaInit?: number;
}

/**
 * Batch normalisation over the last axis ([B, C] or [B, H, W, C]).
 * Training mode = (`kwargs.training` if given, else the `trainingMode` flag) AND `trainable`.
 * Momentum 0.9 (not tfjs' 0.99): our runs are short, and with 0.99 the moving statistics are
 * still far from the data after a few hundred steps, which wrecks evaluation.
 */
export class TrainableBatchNorm extends tf.layers.Layer {
  static className = 'AwBatchNorm';
  readonly momentum: number;
  readonly epsilon: number;
  readonly gammaInit: number;
  /** Set by `withTraining()` around a training forward pass. */
  trainingMode = false;
  private gamma!: tf.LayerVariable;
  private beta!: tf.LayerVariable;
  private movingMean!: tf.LayerVariable;
  private movingVariance!: tf.LayerVariable;

  constructor(args: TrainableBatchNormArgs = {}) {
    super(args);
    this.momentum = args.momentum ?? 0.9;
    this.epsilon = args.epsilon ?? 1e-3;
    this.gammaInit = args.gammaInit ?? 1;
    this.supportsMasking = true;
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    const c = shape[shape.length - 1];
    if (c == null) throw new Error(`${this.name}: the channel dimension must be known`);
    this.gamma = this.addWeight('gamma', [c], 'float32', tf.initializers.constant({ value: this.gammaInit }));
    this.beta = this.addWeight('beta', [c], 'float32', tf.initializers.zeros());
    this.movingMean = this.addWeight('moving_mean', [c], 'float32', tf.initializers.zeros(), undefined, false);
    this.movingVariance = this.addWeight('moving_variance', [c], 'float32', tf.initializers.ones(), undefined, false);
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor {
    const x = single(inputs);
    const requested = typeof kwargs?.training === 'boolean' ? kwargs.training : this.trainingMode;
    if (!(requested && this.trainable)) {
      return tf.tidy(() =>
        tf.batchNorm(x, this.movingMean.read(), this.movingVariance.read(), this.beta.read(), this.gamma.read(), this.epsilon),
      );
    }
    // count: the whole batch's (every data-parallel replica's rows), for the unbiased variance below.
    const { y, mean, variance, count } = batchNormTraining(x, this.gamma.read() as tf.Tensor1D, this.beta.read() as tf.Tensor1D, this.epsilon);
    tf.tidy(() => {
      const m = this.momentum;
      // Unbiased variance for the moving average (as PyTorch), biased for normalising the batch.
      // One kernel per statistic on wasm (the update runs on the gradient tape: every tf op here
      // also cloned its inputs there).
      this.movingMean.write(movingAverage(this.movingMean.read() as tf.Tensor1D, mean, m));
      this.movingVariance.write(movingAverage(this.movingVariance.read() as tf.Tensor1D, variance, m, count > 1 ? count / (count - 1) : 1));
    });
    mean.dispose();
    variance.dispose();
    return y;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), momentum: this.momentum, epsilon: this.epsilon, gammaInit: this.gammaInit };
  }
}

export interface InputConv2DArgs extends LayerArgs {
  filters: number;
  kernelSize: number;
  strides: number;
  useBias: boolean;
  kernelInitializer?: ReturnType<typeof tf.initializers.heNormal>;
}

/**
 * A 'same'-padded conv2d for the first layer (the one applied to the image). tf.layers' Conv2D
 * runs tf.fused.conv2d, whose gradient computes the input gradient eagerly even when nothing
 * needs it; for the first layer that is a full-resolution Conv2DBackpropInput per step (8 % of
 * the small net's training step on wasm) thrown away. tf.conv2d's gradient is lazy per input.
 * Weights are named as Conv2D's: kernel [k, k, in, filters], bias [filters].
 */
export class InputConv2D extends tf.layers.Layer {
  static className = 'AwInputConv2D';
  readonly filters: number;
  readonly kernelSize: number;
  readonly strides: number;
  readonly useBias: boolean;
  private readonly kernelInitializer: ReturnType<typeof tf.initializers.heNormal>;
  private kernel!: tf.LayerVariable;
  private bias?: tf.LayerVariable;

  constructor(args: InputConv2DArgs) {
    super(args);
    this.filters = args.filters;
    this.kernelSize = args.kernelSize;
    this.strides = args.strides;
    this.useBias = args.useBias;
    this.kernelInitializer = args.kernelInitializer ?? tf.initializers.heNormal({});
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    const c = shape[shape.length - 1];
    if (c == null) throw new Error(`${this.name}: the channel dimension must be known`);
    const k = this.kernelSize;
    this.kernel = this.addWeight('kernel', [k, k, c, this.filters], 'float32', this.kernelInitializer);
    if (this.useBias) this.bias = this.addWeight('bias', [this.filters], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    const out = (n: number | null) => (n == null ? null : Math.ceil(n / this.strides));
    return [shape[0], out(shape[1]), out(shape[2]), this.filters];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const y = tf.conv2d(single(inputs) as tf.Tensor4D, this.kernel.read() as tf.Tensor4D, this.strides, 'same');
      return this.bias == null ? y : tf.add(y, this.bias.read());
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      filters: this.filters,
      kernelSize: this.kernelSize,
      strides: this.strides,
      useBias: this.useBias,
    };
  }
}

export interface HeadDropoutArgs extends LayerArgs {
  rate: number;
  /** Seed of the masks (the model seed and the layer name give it: layerSeed). */
  seed: number;
}

/**
 * Dropout that is active only in training passes (the `trainingMode` flag withTraining() sets, as
 * TrainableBatchNorm: tf.layers' dropout never sees `training` in a functional model), with
 * seeded masks: the k-th training pass of a layer draws from seed + k, so a run is reproducible.
 * Inference passes are the identity.
 */
export class HeadDropout extends tf.layers.Layer {
  static className = 'AwHeadDropout';
  readonly rate: number;
  readonly seed: number;
  trainingMode = false;
  private calls = 0;

  constructor(args: HeadDropoutArgs) {
    super(args);
    if (!(args.rate >= 0 && args.rate < 1)) throw new Error(`${this.name}: dropout rate must be in [0, 1), got ${args.rate}`);
    this.rate = args.rate;
    this.seed = args.seed;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = single(inputs);
    if (!this.trainingMode || this.rate === 0) return tf.clone(x);
    return tf.dropout(x, this.rate, undefined, (this.seed + this.calls++) % 2147483647);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), rate: this.rate, seed: this.seed };
  }
}

tf.serialization.registerClass(HeadDropout);
tf.serialization.registerClass(InputNormalization);
tf.serialization.registerClass(InputConv2D);
tf.serialization.registerClass(TrainableBatchNorm);

/** Every TrainableBatchNorm among `layers`. */
export function batchNormLayers(layers: readonly tf.layers.Layer[]): TrainableBatchNorm[] {
  return layers.filter((l): l is TrainableBatchNorm => l instanceof TrainableBatchNorm);
}

/** Every layer among `layers` whose training-pass behaviour withTraining() switches (batch norms, head dropout). */
export function trainingModeLayers(layers: readonly tf.layers.Layer[]): (TrainableBatchNorm | HeadDropout)[] {
  return layers.filter((l): l is TrainableBatchNorm | HeadDropout => l instanceof TrainableBatchNorm || l instanceof HeadDropout);
}
