// The training loop of Algorithm 1, for a teacher (Eq. 4) or a student (Eq. 7).
//
// Per epoch: the merged multitask epoch of the samplers (ML-ROS for AUs, class-balanced EXPR,
// VA-bin balancing, each switchable), batches of crops loaded with a one-batch prefetch while the
// previous step runs, Adam with the paper's step schedule, a validation pass, a checkpoint. A run
// resumes from its last checkpoint at the next epoch (epoch order is a function of seed and epoch,
// so a resumed run draws exactly the batches the uninterrupted one would have).
//
// Frozen backbone (the CPU fast path): backbone features are computed once per frame (inference
// mode, no augmentation) and only the heads are trained on them.
import fs from 'node:fs';
import path from 'node:path';
import { tf } from '../backend';
import { studentLoss, teacherLoss, type BatchTargets, type HeadOutputs } from '../losses';
import { mergedEpoch, type TaskPools } from '../samplers';
import { buildModel, disposeNet, extractFeatures, forward, loadCheckpoint, saveCheckpoint, saveModel, trainableVariables, type MultitaskNet } from '../models';
import type { DownsampleFactors, SampleSet } from '../../shared/samples';
import { mulberry32, deriveSeed } from '../../shared/random';
import { NUM_AUS, SOFT_LABEL_WIDTH, type Task } from '../../shared/labels';
import { disposeTargets, headsFromRecords, recordsOf, targetsOf } from './batch';
import { learningRate, type TrainConfig } from './config';
import { evaluatePredictions, scoresOf, tuneThresholds } from './evaluate';
import type { CropReader } from './images';
import type { EvaluationBlock } from '../../shared/metrics';

export interface TrainHooks {
  progress(done: number, total: number, stage: string, metrics?: Record<string, number>): void;
  log(line: string): void;
  /** Throws to stop (cancel); called between batches. */
  checkpoint(): Promise<void>;
  epochDone(epoch: number, metrics: Record<string, unknown>): void;
}

export interface TrainInput {
  /** Per-dataset downsampling of the task pools (src/node/labels/samples.ts downsampleFactors). */
  downsample: DownsampleFactors;
  crops: CropReader;
  config: TrainConfig & { epochs: number };
  role: 'teacher' | 'student';
  train: SampleSet;
  val: SampleSet;
  /** Student: teacher soft-label records per frame id. */
  teacherRecords?: Map<number, Float32Array>;
  /** Folder of the model (final files) — the checkpoint lives in <modelDir>/checkpoint. */
  modelDir: string;
  /**
   * Backbone features shared between runs whose frozen backbone has identical weights (the
   * pretrained `face` backbone: the N students of one job compute them once).
   */
  sharedFeatures?: Map<number, Float32Array>;
}

export interface TrainResult {
  net: MultitaskNet;
  thresholds: number[];
  val: EvaluationBlock | null;
  epochs: number;
  resumedFrom: number | null;
}

interface TrainerState {
  epochsDone: number;
  history: Record<string, unknown>[];
}

/** Task pools of one epoch: the rows of `s` labelled for each task, after per-dataset downsampling. */
export function taskPools(s: SampleSet, factors: DownsampleFactors): TaskPools {
  const keep = (i: number, task: Task) => {
    const f = factors.get(s.datasetId[i])?.[task] ?? 1;
    return f <= 1 || s.idx[i] % f === 0;
  };
  const au: number[] = [];
  const auLabels: number[][] = [];
  const expr: number[] = [];
  const classes: number[] = [];
  const va: number[] = [];
  const v: number[] = [];
  const a: number[] = [];
  for (let i = 0; i < s.n; i++) {
    let hasAu = false;
    for (let k = 0; k < NUM_AUS; k++) if (s.au[i * NUM_AUS + k] >= 0) hasAu = true;
    if (hasAu && keep(i, 'au')) {
      au.push(i);
      auLabels.push(Array.from(s.au.subarray(i * NUM_AUS, (i + 1) * NUM_AUS), (x) => (x < 0 ? -1 : x)));
    }
    if (s.expr[i] >= 0 && keep(i, 'expr')) {
      expr.push(i);
      classes.push(s.expr[i]);
    }
    if (!Number.isNaN(s.valence[i]) && keep(i, 'va')) {
      va.push(i);
      v.push(s.valence[i]);
      a.push(s.arousal[i]);
    }
  }
  return {
    au: au.length ? { samples: au, labels: auLabels } : undefined,
    expr: expr.length ? { samples: expr, classes } : undefined,
    va: va.length ? { samples: va, valence: v, arousal: a } : undefined,
  };
}

/** Runs `fn` over batches of rows of `s`, in order; returns the concatenated 55-float records. */
async function predictRows(
  net: MultitaskNet,
  rows: readonly number[],
  input: (rows: readonly number[]) => Promise<tf.Tensor>,
  useHeads: boolean,
  batch: number,
  onBatch?: () => Promise<void>,
): Promise<Float32Array> {
  const out = new Float32Array(rows.length * SOFT_LABEL_WIDTH);
  for (let i = 0; i < rows.length; i += batch) {
    const part = rows.slice(i, i + batch);
    const x = await input(part);
    const o = tf.tidy(() => forward(useHeads ? net.heads : net.model, x, { training: false }) as unknown as tf.NamedTensorMap) as unknown as HeadOutputs;
    out.set(await recordsOf(o), i * SOFT_LABEL_WIDTH);
    tf.dispose([x, o.au, o.expr, o.v, o.a]);
    if (onBatch) await onBatch();
  }
  return out;
}

export async function train(inp: TrainInput, hooks: TrainHooks): Promise<TrainResult> {
  const { config: c, train: s, val, crops } = inp;
  const ckptDir = path.join(inp.modelDir, 'checkpoint');
  let net: MultitaskNet;
  let optimizer: tf.Optimizer;
  let state: TrainerState = { epochsDone: 0, history: [] };
  let resumedFrom: number | null = null;
  if (fs.existsSync(path.join(ckptDir, 'checkpoint.json'))) {
    const ck = await loadCheckpoint<TrainerState>(ckptDir);
    net = ck.net;
    optimizer = ck.optimizer;
    state = ck.trainerState;
    resumedFrom = state.epochsDone;
    hooks.log(`resuming from the checkpoint after epoch ${state.epochsDone}`);
  } else {
    net = await buildModel({ backbone: c.backbone, inputSize: c.inputSize, freezeBackbone: c.freezeBackbone, seed: c.seed });
    optimizer = tf.train.adam(c.lr);
  }
  const frozen = net.config.freezeBackbone;
  // wasm has a 4 GB heap: ResNet-50 training activations at batch > 4 abort the process outright
  // (measured: batch 8 and 32 crash, 4 runs), so refuse with a way forward instead.
  if (net.config.backbone === 'resnet50' && !frozen && tf.getBackend() === 'wasm' && c.batch > 4) {
    disposeNet(net);
    throw new Error('fine-tuning resnet50 on the wasm backend needs --batch 4 or less (wasm memory); use --freeze-backbone, resnet18/small, or a GPU (tfjs-node-gpu)');
  }
  const size = net.config.inputSize;
  const rows = (set: SampleSet) => Array.from({ length: set.n }, (_, i) => i);
  const valRows = rows(val);

  // Frozen backbone: features once per frame, then heads only.
  let features: Map<number, Float32Array> | null = null;
  const imageInput = (set: SampleSet, rng?: () => number) => async (r: readonly number[]) => {
    const ids = r.map((i) => set.frameId[i]);
    const data = await crops.batch(ids, size, rng);
    return tf.tensor4d(data, [ids.length, size, size, 3]);
  };
  if (frozen) {
    const shareable = net.config.backbone === 'face' && inp.sharedFeatures !== undefined;
    features = shareable ? inp.sharedFeatures! : new Map();
    const all = [...new Set([...Array.from(s.frameId.subarray(0, s.n)), ...Array.from(val.frameId.subarray(0, val.n))])].filter(
      (id) => !features!.has(id),
    );
    for (let i = 0; i < all.length; i += c.batch) {
      const ids = all.slice(i, i + c.batch);
      const x = tf.tensor4d(await crops.batch(ids, size), [ids.length, size, size, 3]);
      const f = extractFeatures(net, x);
      const data = (await f.data()) as Float32Array;
      ids.forEach((id, k) => features!.set(id, data.slice(k * net.featureDim, (k + 1) * net.featureDim)));
      tf.dispose([x, f]);
      hooks.progress(Math.min(i + c.batch, all.length), all.length, 'caching backbone features');
      await hooks.checkpoint();
    }
  }
  const featureInput = (set: SampleSet) => async (r: readonly number[]) => {
    const buf = new Float32Array(r.length * net.featureDim);
    r.forEach((i, k) => buf.set(features!.get(set.frameId[i])!, k * net.featureDim));
    return tf.tensor2d(buf, [r.length, net.featureDim]);
  };
  const model = frozen ? net.heads : net.model;
  const vars = trainableVariables(model);

  const pools = taskPools(s, inp.downsample);
  if (!pools.au && !pools.expr && !pools.va) throw new Error('no labelled training frames in the chosen datasets (train split)');
  if (inp.role === 'student') {
    const missing = Array.from(s.frameId.subarray(0, s.n)).filter((id) => !inp.teacherRecords?.has(id)).length;
    if (missing > 0) throw new Error(`${missing} training frames have no soft labels of the teacher: generate soft labels for these datasets first`);
  }

  let valBlock: EvaluationBlock | null = null;
  for (let epoch = state.epochsDone; epoch < c.epochs; epoch++) {
    const lr = learningRate(c, epoch);
    (optimizer as unknown as { learningRate: number }).learningRate = lr;
    const items = mergedEpoch(pools, {
      seed: deriveSeed(c.seed, `epoch-${epoch}`),
      balance: c.balance,
      auClonePercentage: c.auClonePercentage,
    });
    let steps = Math.ceil(items.length / c.batch);
    if (c.maxStepsPerEpoch > 0) steps = Math.min(steps, c.maxStepsPerEpoch);
    const rng = mulberry32(deriveSeed(c.seed, `augment-${epoch}`));
    const makeInput = frozen ? featureInput(s) : imageInput(s, c.augment ? rng : undefined);
    const batchRows = (k: number) => items.slice(k * c.batch, (k + 1) * c.batch).map((it) => it.sample);
    const sums: Record<string, number> = {};
    let next = makeInput(batchRows(0));
    const t0 = Date.now();
    for (let k = 0; k < steps; k++) {
      const r = batchRows(k);
      const x = await next;
      if (k + 1 < steps) next = makeInput(batchRows(k + 1)); // prefetch while this step runs
      const targets = targetsOf(s, r);
      const teacher: HeadOutputs | null = inp.role === 'student' ? headsFromRecords(r.map((i) => inp.teacherRecords!.get(s.frameId[i])!)) : null;
      let kept: Record<string, tf.Scalar> = {};
      const total = optimizer.minimize(
        () => {
          const out = forward(model, x, { training: true });
          const terms = teacher
            ? studentLoss(out, teacher, targets, { lambda: c.lambda, temperature: c.temperature, weights: c.weights })
            : teacherLoss(out, targets, c.weights);
          kept = { au: tf.keep(terms.au), expr: tf.keep(terms.expr), v: tf.keep(terms.v), a: tf.keep(terms.a) };
          return terms.total;
        },
        true,
        vars,
      );
      const lossNow = (await total!.data())[0];
      if (!Number.isFinite(lossNow)) throw new Error(`loss became ${lossNow} at epoch ${epoch + 1}, step ${k + 1} (lower the learning rate)`);
      sums.loss = (sums.loss ?? 0) + lossNow;
      for (const [name, t] of Object.entries(kept)) sums[name] = (sums[name] ?? 0) + (await t.data())[0];
      tf.dispose([x, total!, ...Object.values(kept)]);
      disposeTargets(targets as BatchTargets);
      if (teacher) tf.dispose(Object.values(teacher));
      const avg = Object.fromEntries(Object.entries(sums).map(([n, v]) => [n, v / (k + 1)]));
      hooks.progress(epoch * steps + k + 1, c.epochs * steps, `epoch ${epoch + 1}/${c.epochs}`, { ...avg, lr, epoch: epoch + 1 });
      await hooks.checkpoint();
    }
    const seconds = (Date.now() - t0) / 1000;
    // Validation with the default 0.5 thresholds (tuned thresholds come at the end).
    if (valRows.length) {
      const rec = await predictRows(net, valRows, frozen ? featureInput(val) : imageInput(val), frozen, c.batch, hooks.checkpoint);
      valBlock = evaluatePredictions(val, valRows, rec);
    }
    const metrics = {
      epoch: epoch + 1,
      lr,
      steps,
      seconds,
      samplesPerSecond: (steps * c.batch) / Math.max(seconds, 1e-9),
      train: Object.fromEntries(Object.entries(sums).map(([n, v]) => [n, v / steps])),
      val: valBlock ? scoresOf(valBlock) : null,
    };
    state = { epochsDone: epoch + 1, history: [...state.history, metrics] };
    await saveCheckpoint(ckptDir, { net, optimizer, trainerState: state, meta: { role: inp.role, train: c } });
    hooks.epochDone(epoch + 1, metrics);
    hooks.log(
      `epoch ${epoch + 1}/${c.epochs}: loss ${metrics.train.loss?.toFixed(4)} ` +
        (metrics.val ? `val AU ${fmt(metrics.val.au)} EXPR ${fmt(metrics.val.expr)} V ${fmt(metrics.val.valence)} A ${fmt(metrics.val.arousal)}` : '(no validation split)') +
        ` (${metrics.samplesPerSecond.toFixed(1)} samples/s)`,
    );
  }

  // Per-AU thresholds tuned on the validation split and stored with the model.
  let thresholds = new Array<number>(NUM_AUS).fill(0.5);
  if (valRows.length) {
    const rec = await predictRows(net, valRows, frozen ? featureInput(val) : imageInput(val), frozen, c.batch);
    thresholds = tuneThresholds(val, valRows, rec);
    valBlock = evaluatePredictions(val, valRows, rec, thresholds);
  }
  await saveModel(net, inp.modelDir, { auThresholds: thresholds, role: inp.role, train: c, history: state.history });
  optimizer.dispose();
  return { net, thresholds, val: valBlock, epochs: c.epochs, resumedFrom };
}

function fmt(v: number | null): string {
  return v === null ? '–' : v.toFixed(3);
}

/** Predicts 55-float records for sample rows (inference; batches of images from the crop source). */
export async function predictSamples(net: MultitaskNet, crops: CropReader, s: SampleSet, batch = 64, onBatch?: (done: number) => Promise<void>): Promise<Float32Array> {
  const rows = Array.from({ length: s.n }, (_, i) => i);
  let done = 0;
  return predictRows(
    net,
    rows,
    async (r) => {
      const ids = r.map((i) => s.frameId[i]);
      return tf.tensor4d(await crops.batch(ids, net.config.inputSize), [ids.length, net.config.inputSize, net.config.inputSize, 3]);
    },
    false,
    batch,
    async () => {
      done = Math.min(s.n, done + batch);
      if (onBatch) await onBatch(done);
    },
  );
}

export { disposeNet };
