// The training loop of Algorithm 1 for the CNN-RNN (teacher: Eq. 4, student: Eq. 7) and its
// inference. Same shape as ../train/trainer.ts: Adam with the paper's step schedule, a validation
// pass and a checkpoint after every epoch, resume from the last checkpoint at the next epoch (the
// epoch's window order is a function of seed and epoch, so a resumed run draws the same batches).
//
// An epoch is every training window (stride `trainStride`) that holds at least one labelled
// frame, in a seeded random order. The CNN's per-frame balancing samplers are not applied: a
// window carries the label mix of a stretch of video, and resampling windows by one frame's
// label would duplicate its neighbours too (the reference CNN-RNN code trains on plain sequences).
import path from 'node:path';
import { tf } from '../backend';
import type { HeadOutputs } from '../losses';
import type { SampleSet } from '../../shared/samples';
import { deriveSeed, mulberry32 } from '../../shared/random';
import { NUM_AUS } from '../../shared/labels';
import type { EvaluationBlock } from '../../shared/metrics';
import { recordsOf } from '../train/batch';
import { learningRate } from '../train/config';
import { evaluatePredictions, scoresOf, tuneThresholds } from '../train/evaluate';
import type { TrainHooks } from '../train/trainer';
import type { ResolvedRnnConfig } from './config';
import type { FeatureSource } from './features';
import { hasRnnCheckpoint, loadRnnCheckpoint, saveRnnCheckpoint, saveRnnNet } from './io';
import { sequenceStudentLoss, sequenceTeacherLoss, validSteps, windowTargets, windowTeacherHeads } from './losses';
import { buildRnnNet, rnnForward, rnnPredict, rnnVariables, type RnnNet } from './model';
import { sequencesOf, windowsOf, WindowMerger, type Window } from './windows';

export interface RnnTrainInput {
  features: FeatureSource;
  config: ResolvedRnnConfig;
  role: 'teacher' | 'student';
  train: SampleSet;
  val: SampleSet;
  /** Whether a media's frames form a sequence (video, image sequence). */
  isSequence: (mediaId: number) => boolean;
  /** Student: the teacher's records per frame id. */
  teacherRecords?: Map<number, Float32Array>;
  /** Model folder; the checkpoint lives in <modelDir>/checkpoint. */
  modelDir: string;
}

export interface RnnTrainResult {
  net: RnnNet;
  thresholds: number[];
  val: EvaluationBlock | null;
  epochs: number;
  resumedFrom: number | null;
}

interface TrainerState {
  epochsDone: number;
  history: Record<string, unknown>[];
}

/** Windows' features as [B, T, F], zero after each window's frames; and the window lengths. */
export function windowInput(features: FeatureSource, s: SampleSet, windows: readonly Window[], T: number): { x: tf.Tensor3D; lengths: number[] } {
  const F = features.dim;
  const buf = new Float32Array(windows.length * T * F);
  windows.forEach((w, b) => features.read(Array.from(w.rows, (r) => s.frameId[r]), buf, b * T * F));
  return { x: tf.tensor3d(buf, [windows.length, T, F]), lengths: windows.map((w) => w.rows.length) };
}

function hasLabel(s: SampleSet, r: number): boolean {
  if (s.expr[r] >= 0 || !Number.isNaN(s.valence[r])) return true;
  for (let k = 0; k < NUM_AUS; k++) if (s.au[r * NUM_AUS + k] >= 0) return true;
  return false;
}

function shuffled(n: number, seed: number): number[] {
  const rng = mulberry32(seed);
  const a = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

export interface PredictOptions {
  stride: number;
  isSequence: (mediaId: number) => boolean;
  /** Rows of `s` to predict (default all); the result is in this order. */
  rows?: readonly number[];
  batch?: number;
  onBatch?: (done: number, total: number) => Promise<void>;
}

/**
 * Per-frame records (one 55-float record per row, in `rows` order) from windows of `stride` over
 * the sequences of the rows, overlapping predictions averaged (WindowMerger).
 */
export async function predictRnn(net: RnnNet, features: FeatureSource, s: SampleSet, o: PredictOptions): Promise<Float32Array> {
  const rows = o.rows ?? Array.from({ length: s.n }, (_, i) => i);
  const position = new Map<number, number>();
  rows.forEach((r, k) => position.set(r, k));
  const T = net.config.window;
  const windows = windowsOf(sequencesOf(s, o.isSequence, rows), T, o.stride);
  const merger = new WindowMerger(rows.length);
  const batch = o.batch ?? 32;
  for (let i = 0; i < windows.length; i += batch) {
    const part = windows.slice(i, i + batch);
    const { x, lengths } = windowInput(features, s, part, T);
    const out = rnnPredict(net, x, lengths);
    const rec = await recordsOf(out);
    tf.dispose([x, out.au, out.expr, out.v, out.a]);
    part.forEach((w, k) => merger.add(Array.from(w.rows, (r) => position.get(r)!), rec, k * T));
    if (o.onBatch) await o.onBatch(Math.min(i + batch, windows.length), windows.length);
  }
  return merger.finish();
}

export async function trainRnn(inp: RnnTrainInput, hooks: TrainHooks): Promise<RnnTrainResult> {
  const { config: c, train: s, val } = inp;
  const ckptDir = path.join(inp.modelDir, 'checkpoint');
  const T = c.window;
  let net: RnnNet;
  let optimizer: tf.Optimizer;
  let state: TrainerState = { epochsDone: 0, history: [] };
  let resumedFrom: number | null = null;
  if (await hasRnnCheckpoint(ckptDir)) {
    const ck = await loadRnnCheckpoint<TrainerState>(ckptDir);
    net = ck.net;
    optimizer = ck.optimizer;
    state = ck.trainerState;
    resumedFrom = state.epochsDone;
    hooks.log(`resuming from the checkpoint after epoch ${state.epochsDone}`);
  } else {
    net = buildRnnNet({ featureDim: inp.features.dim, hidden: c.hidden, window: T, seed: c.seed });
    optimizer = tf.train.adam(c.lr);
  }
  if (net.config.featureDim !== inp.features.dim) throw new Error(`the checkpoint takes ${net.config.featureDim} features, the feature model gives ${inp.features.dim}`);
  const vars = rnnVariables(net);

  const windows = windowsOf(sequencesOf(s, inp.isSequence), T, c.trainStride).filter((w) => w.rows.some((r) => hasLabel(s, r)));
  if (!windows.length) throw new Error('no labelled training frames in video or image-sequence media of the chosen datasets (train split)');
  if (inp.role === 'student') {
    const missing = windows.reduce((n, w) => n + Array.from(w.rows).filter((r) => !inp.teacherRecords?.has(s.frameId[r])).length, 0);
    if (missing > 0) throw new Error(`${missing} training frames have no soft labels of the teacher: generate soft labels for these datasets first`);
  }
  const valRows = Array.from({ length: val.n }, (_, i) => i);
  const predictVal = () => predictRnn(net, inp.features, val, { stride: c.evalStride, isSequence: inp.isSequence, batch: c.batch, onBatch: () => hooks.checkpoint() });

  let valBlock: EvaluationBlock | null = null;
  for (let epoch = state.epochsDone; epoch < c.epochs; epoch++) {
    const lr = learningRate(c, epoch);
    (optimizer as unknown as { learningRate: number }).learningRate = lr;
    const order = shuffled(windows.length, deriveSeed(c.seed, `rnn-epoch-${epoch}`));
    let steps = Math.ceil(order.length / c.batch);
    if (c.maxStepsPerEpoch > 0) steps = Math.min(steps, c.maxStepsPerEpoch);
    const sums: Record<string, number> = {};
    const t0 = Date.now();
    for (let k = 0; k < steps; k++) {
      const part = order.slice(k * c.batch, (k + 1) * c.batch).map((i) => windows[i]);
      const { x, lengths } = windowInput(inp.features, s, part, T);
      const targets = windowTargets(s, part.map((w) => w.rows), T);
      const valid = validSteps(lengths, T);
      let teacher: HeadOutputs | null = null;
      if (inp.role === 'student') {
        const recs: (Float32Array | null)[] = [];
        for (const w of part) for (let t = 0; t < T; t++) recs.push(t < w.rows.length ? inp.teacherRecords!.get(s.frameId[w.rows[t]])! : null);
        teacher = windowTeacherHeads(recs);
      }
      let kept: Record<string, tf.Scalar> = {};
      const total = optimizer.minimize(
        () => {
          const out = rnnForward(net, x, lengths);
          const terms = teacher
            ? sequenceStudentLoss(out, teacher, targets, valid, { lambda: c.lambda, temperature: c.temperature, weights: c.weights })
            : sequenceTeacherLoss(out, targets, c.weights);
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
      tf.dispose([x, valid, total!, ...Object.values(kept), ...Object.values(targets)]);
      if (teacher) tf.dispose(Object.values(teacher));
      const avg = Object.fromEntries(Object.entries(sums).map(([n, v]) => [n, v / (k + 1)]));
      hooks.progress(epoch * steps + k + 1, c.epochs * steps, `epoch ${epoch + 1}/${c.epochs}`, { ...avg, lr, epoch: epoch + 1 });
      await hooks.checkpoint();
    }
    const seconds = (Date.now() - t0) / 1000;
    if (valRows.length) valBlock = evaluatePredictions(val, valRows, await predictVal());
    const metrics = {
      epoch: epoch + 1,
      lr,
      steps,
      seconds,
      windowsPerSecond: (steps * c.batch) / Math.max(seconds, 1e-9),
      train: Object.fromEntries(Object.entries(sums).map(([n, v]) => [n, v / steps])),
      val: valBlock ? scoresOf(valBlock) : null,
    };
    state = { epochsDone: epoch + 1, history: [...state.history, metrics] };
    await saveRnnCheckpoint(ckptDir, net, optimizer, state, { role: inp.role, train: c });
    hooks.epochDone(epoch + 1, metrics);
    hooks.log(
      `epoch ${epoch + 1}/${c.epochs}: loss ${metrics.train.loss?.toFixed(4)} ` +
        (metrics.val ? `val AU ${fmt(metrics.val.au)} EXPR ${fmt(metrics.val.expr)} V ${fmt(metrics.val.valence)} A ${fmt(metrics.val.arousal)}` : '(no validation split)') +
        ` (${metrics.windowsPerSecond.toFixed(1)} windows/s)`,
    );
  }

  let thresholds = new Array<number>(NUM_AUS).fill(0.5);
  if (valRows.length) {
    const rec = await predictVal();
    thresholds = tuneThresholds(val, valRows, rec);
    valBlock = evaluatePredictions(val, valRows, rec, thresholds);
  }
  await saveRnnNet(net, inp.modelDir, { auThresholds: thresholds, role: inp.role, train: c, history: state.history });
  optimizer.dispose();
  return { net, thresholds, val: valBlock, epochs: c.epochs, resumedFrom };
}

function fmt(v: number | null): string {
  return v === null ? '–' : v.toFixed(3);
}
