// Training and inference time per backbone on the active TensorFlow.js backend: the measurements of
// bench/models.ts and of the summary (bench/summary.ts), whose PyTorch peers are bench/lib/torch.ts.
//
// Train = one Adam step (the trainer's fused Adam unless `adam: 'tfjs'`) (forward in training mode + a multitask loss of the teacher's shape + backward
// + update); infer = a forward pass in inference mode; batch of random pixels (speed does not depend
// on the content). "face-frozen" is the frozen-backbone step: backbone inference on the batch, then a
// heads step on its features (the trainer caches those features instead; the heads-only step is
// reported on its own row). Each figure is the median of `steps` timed steps after one warm-up (more
// steps while the timed ones took less than `minSeconds`, at most 50), in wall-clock and process-CPU
// milliseconds (the CPU figure is the steadier one on a shared machine
// for a single-threaded run; a multi-threaded run's CPU time sums its threads).
import { performance } from 'node:perf_hooks';
import { tf } from '../../src/ml/backend';
import { adam } from '../../src/ml/train/fused-adam';
import { buildModel, disposeNet, extractFeatures, forward, trainableVariables, type ModelOutputs } from '../../src/ml/models';

export const BACKBONE_ROWS = ['small', 'resnet18', 'face-frozen', 'heads', 'face', 'resnet50'] as const;
export type BackboneRowName = (typeof BACKBONE_ROWS)[number];

export interface StepTime {
  /** Median wall-clock ms. */
  wall: number;
  /** Median process CPU ms (all threads). */
  cpu: number;
}

export interface BackboneTimes {
  name: BackboneRowName;
  params: number;
  train?: StepTime;
  infer?: StepTime;
  note?: string;
}

export interface MeasureOptions {
  batch: number;
  steps: number;
  /** Keep timing steps (up to 50) until they took this long: steadier medians for the fast rows. */
  minSeconds?: number;
  size?: number;
  /** resnet50: time training too (on wasm a batch-32 step exceeds the 4 GB heap and aborts the process). */
  train50?: boolean;
  /** 'fused' (default): the trainer's Adam (src/ml/train/fused-adam.ts); 'tfjs': tf.train.adam, for comparison. */
  adam?: 'fused' | 'tfjs';
}

/** The optimizer a row times: the trainer's by default. */
function optimizerOf(o: MeasureOptions): tf.Optimizer {
  return o.adam === 'tfjs' ? tf.train.adam(1e-4) : adam(1e-4);
}

/** A stand-in for the teacher loss with the same shape of work: BCE (AU) + CE (EXPR, V, A). */
function syntheticLoss(o: ModelOutputs, t: Targets): tf.Scalar {
  const ce = (logits: tf.Tensor, onehot: tf.Tensor) => tf.losses.softmaxCrossEntropy(onehot, logits);
  return tf.addN([tf.mul(8, tf.losses.sigmoidCrossEntropy(t.au, o.au)), ce(o.expr, t.expr), ce(o.v, t.v), ce(o.a, t.a)]) as tf.Scalar;
}

type Targets = { au: tf.Tensor; expr: tf.Tensor; v: tf.Tensor; a: tf.Tensor };

function targets(b: number): Targets {
  return tf.tidy(() => {
    const onehot = (n: number) => tf.oneHot(tf.randomUniform([b], 0, n, 'int32') as tf.Tensor1D, n).toFloat();
    return { au: tf.randomUniform([b, 8]).round(), expr: onehot(7), v: onehot(20), a: onehot(20) };
  });
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * Median wall and CPU ms of at least `n` calls after one warm-up call (kernel set-up, first
 * allocation), more (up to 50) until the timed calls took `minSeconds`.
 */
export async function timeSteps(fn: () => void | Promise<void>, n: number, minSeconds = 0): Promise<StepTime> {
  await fn();
  const walls: number[] = [];
  const cpus: number[] = [];
  const start = performance.now();
  for (let i = 0; i < n || (i < 50 && performance.now() - start < minSeconds * 1000); i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await fn();
    walls.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpus.push((c.user + c.system) / 1000);
  }
  return { wall: median(walls), cpu: median(cpus) };
}

function trainStep(model: tf.LayersModel, opt: tf.Optimizer, x: tf.Tensor, t: Targets): () => Promise<void> {
  const vars = trainableVariables(model);
  return async () => {
    const loss = opt.minimize(() => syntheticLoss(forward(model, x, { training: true }), t), true, vars);
    await loss!.data();
    loss!.dispose();
  };
}

function inferStep(model: tf.LayersModel, x: tf.Tensor): () => Promise<void> {
  return async () => {
    const o = forward(model, x);
    await o.au.data();
    tf.dispose(Object.values(o));
  };
}

async function measureBackbone(name: 'small' | 'resnet18' | 'resnet50' | 'face', o: MeasureOptions): Promise<BackboneTimes> {
  const net = await buildModel({ backbone: name, seed: 1, inputSize: o.size });
  const x = tf.randomUniform([o.batch, net.config.inputSize, net.config.inputSize, 3]);
  const t = targets(o.batch);
  const opt = optimizerOf(o);
  const row: BackboneTimes = { name, params: net.model.countParams() };
  try {
    if (name !== 'resnet50' || o.train50) row.train = await timeSteps(trainStep(net.model, opt, x, t), o.steps, o.minSeconds);
  } catch (e) {
    row.note = `training fails: ${(e as Error).message.split('\n')[0]}`;
  }
  row.infer = await timeSteps(inferStep(net.model, x), o.steps, o.minSeconds);
  opt.dispose();
  tf.dispose([x, ...Object.values(t)]);
  disposeNet(net);
  return row;
}

/** The frozen face backbone: features + heads step, and the heads step alone. */
async function measureFaceFrozen(o: MeasureOptions): Promise<BackboneTimes[]> {
  const net = await buildModel({ backbone: 'face', seed: 1, freezeBackbone: true });
  const x = tf.randomUniform([o.batch, 112, 112, 3]);
  const t = targets(o.batch);
  const opt = optimizerOf(o);
  const feats = extractFeatures(net, x);
  const feat = await timeSteps(async () => {
    const f = extractFeatures(net, x);
    await f.data();
    f.dispose();
  }, o.steps, o.minSeconds);
  const heads = await timeSteps(trainStep(net.heads, opt, feats, t), o.steps * 3, o.minSeconds);
  const params = net.heads.countParams();
  opt.dispose();
  tf.dispose([x, feats, ...Object.values(t)]);
  disposeNet(net);
  return [
    { name: 'face-frozen', params, train: { wall: feat.wall + heads.wall, cpu: feat.cpu + heads.cpu }, note: 'trainable params = heads' },
    { name: 'heads', params, train: heads },
  ];
}

/** Times the rows of `names` (in BACKBONE_ROWS order) on the backend already initialised. */
export async function measureBackbones(names: readonly BackboneRowName[], o: MeasureOptions): Promise<BackboneTimes[]> {
  const rows: BackboneTimes[] = [];
  const want = (n: BackboneRowName) => names.includes(n);
  if (want('small')) rows.push(await measureBackbone('small', o));
  if (want('resnet18')) rows.push(await measureBackbone('resnet18', o));
  if (want('face-frozen') || want('heads')) rows.push(...(await measureFaceFrozen(o)).filter((r) => want(r.name)));
  if (want('face')) rows.push(await measureBackbone('face', o));
  if (want('resnet50')) rows.push(await measureBackbone('resnet50', o));
  return rows;
}

// ---- profile ------------------------------------------------------------------------------------

export interface KernelShare {
  kernel: string;
  ms: number;
  /** Share of the summed kernel time of the step. */
  share: number;
  calls: number;
}

/**
 * The kernels of one training step (after a warm-up step) by summed time, largest first: tf.profile
 * around the step, each kernel timed by the backend (on wasm: wall time around the synchronous call;
 * tfjs' own kernels and ours from src/ml/kernels alike).
 */
export async function profileTrainStep(name: 'small' | 'resnet18' | 'face' | 'face-frozen', o: MeasureOptions, top = 6): Promise<KernelShare[]> {
  const frozen = name === 'face-frozen';
  const net = await buildModel({ backbone: frozen ? 'face' : name, seed: 1, freezeBackbone: frozen, inputSize: o.size });
  const x = tf.randomUniform([o.batch, net.config.inputSize, net.config.inputSize, 3]);
  const t = targets(o.batch);
  const opt = optimizerOf(o);
  const step = trainStep(net.model, opt, x, t);
  await step();
  const info = await tf.profile(step);
  const byKernel = new Map<string, { ms: number; calls: number }>();
  let total = 0;
  const backend = tf.getBackend();
  for (const k of info.kernels) {
    // Custom-gradient ops and scopes are recorded too, around the kernels they run: kernels only.
    if (tf.getKernel(k.name, backend) == null) continue;
    // tf.profile has awaited every kernel's time: a number, or { error } where the backend has no timer.
    const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    const e = byKernel.get(k.name) ?? { ms: 0, calls: 0 };
    e.ms += ms;
    e.calls++;
    byKernel.set(k.name, e);
    total += ms;
  }
  opt.dispose();
  tf.dispose([x, ...Object.values(t)]);
  disposeNet(net);
  return [...byKernel]
    .map(([kernel, e]) => ({ kernel, ms: e.ms, calls: e.calls, share: total > 0 ? e.ms / total : 0 }))
    .sort((a, b) => b.ms - a.ms)
    .slice(0, top);
}
