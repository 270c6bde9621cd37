// The CNN-RNN's trainable part: per task group (AU, EXPR, VA) a bidirectional GRU over a window of
// frozen per-frame CNN outputs, optionally a ReLU, then the task's output layer (AU 8, EXPR 7
// logits from their GRUs; V 20 and A 20 bin logits both from the VA GRU) — the paper's "three
// bidirectional GRU layers, one per task" (Fig. 4), the reference's GRU_Head (GRU → ReLU → FC).
//
// What the GRUs read (config.rnnInput):
//   'head-embedding'  x [B, T, 3·E]: per frame the AU, EXPR and VA heads' E-wide embeddings side by
//                     side (E = featureDim, 128 for the heads of src/ml/models); group g's GRUs read
//                     columns [g·E, (g+1)·E) only (the reference's Seq_Model feeds each GRU_Head its
//                     task's Head feature).
//   'backbone'        x [B, T, F]: every GRU reads the same backbone features (F = featureDim).
// Model files written before rnnInput / reluAfterGru existed are 'backbone' without ReLU
// (RNN_NET_LEGACY, filled in by ./io.ts when reading them).
//
// Input x zero-padded after each window's `lengths[b]` real frames.
// Output: the four logit tensors flattened over windows and steps, [B·T, K] with row b·T + t, so
// the CNN's losses and record layout apply unchanged (padded rows are masked by the caller).
// Padding sits at a window's end: the forward GRUs reach it only after the real frames, and the
// backward GRUs keep their zero state over it, so outputs on real frames ignore the padding
// (equal to those of the unpadded window).
//
// Weights are plain tf.Variables in a fixed, named order (names are stable across processes; the
// variables' own names carry a per-net prefix because tfjs wants them unique per process).
// Initialisation follows PyTorch's GRU and Linear (the reference code's): U(−1/√fan, 1/√fan) with
// fan = H for GRU weights and biases and fan = 2H for the output layers, drawn from the seed.
import { tf } from '../backend';
import type { HeadOutputs } from '../losses';
import { NUM_AUS, NUM_EXPR, VA_BINS } from '../../shared/labels';
import { deriveSeed, mulberry32 } from '../../shared/random';
import { RNN_LEGACY, type RnnInput } from '../../shared/rnn-config';
import { gruRun, matMul, matMulConstLeft } from './gru';

export const RNN_GROUPS = ['au', 'expr', 'va'] as const;
export type RnnGroup = (typeof RNN_GROUPS)[number];
export const RNN_DIRECTIONS = ['fwd', 'bwd'] as const;

/** Output layers: name, the GRU group that feeds it, width. */
export const RNN_OUTPUTS = [
  ['au', 'au', NUM_AUS],
  ['expr', 'expr', NUM_EXPR],
  ['v', 'va', VA_BINS],
  ['a', 'va', VA_BINS],
] as const;

export interface RnnNetConfig {
  /** Width of each GRU's input: the feature width ('backbone') or one head's embedding width ('head-embedding'). */
  featureDim: number;
  hidden: number;
  window: number;
  seed: number;
  rnnInput: RnnInput;
  reluAfterGru: boolean;
}

/** A net config as given to buildRnnNet; rnnInput and reluAfterGru default to RNN_NET_LEGACY. */
export type RnnNetConfigInput = Omit<RnnNetConfig, 'rnnInput' | 'reluAfterGru'> & Partial<Pick<RnnNetConfig, 'rnnInput' | 'reluAfterGru'>>;

/** What a model file without rnnInput / reluAfterGru was built as (the first implementation). */
export const RNN_NET_LEGACY: Pick<RnnNetConfig, 'rnnInput' | 'reluAfterGru'> = { rnnInput: RNN_LEGACY.rnnInput, reluAfterGru: RNN_LEGACY.reluAfterGru };

/** Fills a config's missing rnnInput / reluAfterGru with RNN_NET_LEGACY. */
export function completeRnnNetConfig(c: RnnNetConfigInput): RnnNetConfig {
  return { ...c, rnnInput: c.rnnInput ?? RNN_NET_LEGACY.rnnInput, reluAfterGru: c.reluAfterGru ?? RNN_NET_LEGACY.reluAfterGru };
}

/** Per frame, the width of the input x the net reads: 3 embeddings side by side, or the features. */
export function rnnInputWidth(c: Pick<RnnNetConfig, 'featureDim' | 'rnnInput'>): number {
  return c.rnnInput === 'head-embedding' ? RNN_GROUPS.length * c.featureDim : c.featureDim;
}

/** Each GRU's input width for frame features of width `dim` (inverse of rnnInputWidth). */
export function gruInputWidth(rnnInput: RnnInput, dim: number): number {
  if (rnnInput === 'backbone') return dim;
  if (dim % RNN_GROUPS.length !== 0) throw new Error(`head embeddings of width ${dim} do not split into ${RNN_GROUPS.length} tasks`);
  return dim / RNN_GROUPS.length;
}

export interface RnnNet {
  config: RnnNetConfig;
  /** Stable name → variable, in the order of rnnWeightSpecs. */
  weights: Map<string, tf.Variable>;
}

export interface WeightSpec {
  name: string;
  shape: number[];
  /** Half-width of the uniform initialiser. */
  bound: number;
}

/** Every weight of a net of this config, in the fixed order. */
export function rnnWeightSpecs(c: Pick<RnnNetConfig, 'featureDim' | 'hidden'>): WeightSpec[] {
  const H = c.hidden;
  const out: WeightSpec[] = [];
  const g = 1 / Math.sqrt(H);
  for (const group of RNN_GROUPS) {
    for (const dir of RNN_DIRECTIONS) {
      const p = `${group}/${dir}`;
      out.push({ name: `${p}/kernel`, shape: [c.featureDim, 3 * H], bound: g });
      out.push({ name: `${p}/bias`, shape: [3 * H], bound: g });
      out.push({ name: `${p}/recurrent_kernel`, shape: [H, 3 * H], bound: g });
      out.push({ name: `${p}/recurrent_bias`, shape: [3 * H], bound: g });
    }
  }
  const o = 1 / Math.sqrt(2 * H);
  for (const [name, , width] of RNN_OUTPUTS) {
    out.push({ name: `out/${name}/kernel`, shape: [2 * H, width], bound: o });
    out.push({ name: `out/${name}/bias`, shape: [width], bound: o });
  }
  return out;
}

let netCounter = 0;

/**
 * A net with the given weights (stable name → values), or freshly initialised ones from the seed.
 * Missing rnnInput / reluAfterGru mean RNN_NET_LEGACY (callers building a new model pass both).
 */
export function buildRnnNet(input: RnnNetConfigInput, values?: Map<string, tf.Tensor>): RnnNet {
  const config = completeRnnNetConfig(input);
  if (!(config.featureDim >= 1 && config.hidden >= 1 && config.window >= 1)) throw new Error(`bad CNN-RNN config ${JSON.stringify(config)}`);
  if (config.rnnInput !== 'backbone' && config.rnnInput !== 'head-embedding') throw new Error(`bad CNN-RNN input '${String(config.rnnInput)}'`);
  const prefix = `rnn${++netCounter}`;
  const weights = new Map<string, tf.Variable>();
  for (const spec of rnnWeightSpecs(config)) {
    const given = values?.get(spec.name);
    if (values && !given) throw new Error(`CNN-RNN weights lack ${spec.name}`);
    if (given && given.shape.join() !== spec.shape.join()) throw new Error(`${spec.name}: shape [${given.shape}], expected [${spec.shape}]`);
    const init = given ?? tf.tensor(uniform(spec.shape, spec.bound, deriveSeed(config.seed, spec.name)), spec.shape);
    weights.set(spec.name, tf.variable(init, true, `${prefix}/${spec.name}`));
    if (!given) init.dispose();
  }
  return { config, weights };
}

function uniform(shape: number[], bound: number, seed: number): Float32Array {
  const rng = mulberry32(seed);
  const v = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < v.length; i++) v[i] = (2 * rng() - 1) * bound;
  return v;
}

/** The variables an optimizer updates, in the fixed order (checkpoints rely on it). */
export function rnnVariables(net: RnnNet): tf.Variable[] {
  return [...net.weights.values()];
}

export function disposeRnnNet(net: RnnNet): void {
  for (const v of net.weights.values()) v.dispose();
}

/**
 * The forward pass (see the header). `lengths[b]` = real frames of window b (≤ T). Call inside
 * tf.tidy or optimizer.minimize.
 */
export function rnnForward(net: RnnNet, x: tf.Tensor3D, lengths: readonly number[]): HeadOutputs {
  const [B, T, F] = x.shape;
  const H = net.config.hidden;
  const width = rnnInputWidth(net.config);
  if (F !== width) throw new Error(`features have width ${F}, the model takes ${width}${net.config.rnnInput === 'head-embedding' ? ` (${RNN_GROUPS.length} head embeddings of ${net.config.featureDim})` : ''}`);
  if (lengths.length !== B) throw new Error(`${lengths.length} lengths for ${B} windows`);
  const w = (name: string) => net.weights.get(name)!;
  const cells = RNN_GROUPS.flatMap((g) => RNN_DIRECTIONS.map((d) => `${g}/${d}`));
  // One input projection for all six GRUs: [B·T, F] × [F, 6·3H] → per GRU, per step [B, 3H].
  // Head embeddings: the kernel is block-diagonal, group g's two GRUs seeing rows [g·E, (g+1)·E)
  // only (zeros elsewhere contribute exact zeros, so this equals three separate projections).
  const perTask = net.config.rnnInput === 'head-embedding';
  const cellKernel = (c: string, g: number) => (perTask ? blockRows(w(`${c}/kernel`) as tf.Tensor2D, g) : w(`${c}/kernel`));
  const kernel = tf.concat(
    cells.map((c, i) => cellKernel(c, Math.floor(i / RNN_DIRECTIONS.length))),
    1,
  ) as tf.Tensor2D;
  const bias = tf.concat(cells.map((c) => w(`${c}/bias`)), 0);
  const proj = tf.add(matMulConstLeft(tf.reshape(x, [B * T, F]), kernel), bias);
  const perCell = tf.unstack(tf.transpose(tf.reshape(proj, [B, T, cells.length, 3 * H]), [2, 1, 0, 3]));
  const keep = lengths.some((l) => l < T)
    ? tf.unstack(tf.tensor3d(Uint8Array.from({ length: T * B }, (_, i) => (Math.floor(i / B) < lengths[i % B] ? 1 : 0)), [T, B, 1], 'bool'))
    : null;
  const sequences = new Map<string, tf.Tensor2D>();
  for (const g of RNN_GROUPS) {
    const dirs = RNN_DIRECTIONS.map((d) => {
      const c = `${g}/${d}`;
      const steps = tf.unstack(perCell[cells.indexOf(c)]) as tf.Tensor2D[];
      const hs = gruRun(steps, w(`${c}/recurrent_kernel`) as tf.Tensor2D, w(`${c}/recurrent_bias`) as tf.Tensor1D, {
        reverse: d === 'bwd',
        keep: d === 'bwd' ? keep : null,
      });
      return tf.stack(hs, 1); // [B, T, H]
    });
    const seq = tf.reshape(tf.concat(dirs, 2), [B * T, 2 * H]) as tf.Tensor2D;
    sequences.set(g, net.config.reluAfterGru ? tf.relu(seq) : seq);
  }
  const head = (name: string, group: RnnGroup) => tf.add(matMul(sequences.get(group)!, w(`out/${name}/kernel`) as tf.Tensor2D), w(`out/${name}/bias`)) as tf.Tensor2D;
  return { au: head('au', 'au'), expr: head('expr', 'expr'), v: head('v', 'va'), a: head('a', 'va') };
}

/** A GRU kernel [E, 3H] placed at rows [g·E, (g+1)·E) of a zero [3·E, 3H] (the gradient flows to the kernel only). */
function blockRows(k: tf.Tensor2D, g: number): tf.Tensor2D {
  const [E, W] = k.shape;
  const parts: tf.Tensor2D[] = [];
  if (g > 0) parts.push(tf.zeros([g * E, W]));
  parts.push(k);
  if (g < RNN_GROUPS.length - 1) parts.push(tf.zeros([(RNN_GROUPS.length - 1 - g) * E, W]));
  return tf.concat(parts, 0);
}

/** rnnForward in a tidy scope: the four [B·T, K] logit tensors belong to the caller. */
export function rnnPredict(net: RnnNet, x: tf.Tensor3D, lengths: readonly number[]): HeadOutputs {
  return tf.tidy(() => rnnForward(net, x, lengths) as unknown as tf.NamedTensorMap) as unknown as HeadOutputs;
}
