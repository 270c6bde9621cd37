// The CNN-RNN as an architecture of the one training loop (../train/trainer.ts, ../train/arch.ts;
// teacher: Eq. 4, student: Eq. 7), and its inference. The epoch's window order is a function of
// seed and epoch, so a resumed run draws the same batches.
//
// An epoch is every training window (stride `trainStride`) that holds at least one labelled
// frame, in a seeded random order. The CNN's per-frame balancing samplers are not applied: a
// window carries the label mix of a stretch of video, and resampling windows by one frame's
// label would duplicate its neighbours too (the reference CNN-RNN code trains on plain sequences).
//
// A student's soft labels (config.studentTargets): 'own-windows' runs the teacher RNN, in inference
// mode, on each batch's windows and distils from those outputs, as the reference code does
// (Multitask-CNN-RNN/models/resnet50.py optimize_parameters_kd: teacher_model on the same
// input_image under no_grad; train.py puts the teacher in eval mode); 'stored' reads the teacher's
// stored per-frame records (predicted over stride-evalStride windows and merged).
import { tf } from '../backend';
import type { BatchTargets, HeadOutputs } from '../losses';
import type { SampleSet } from '../../shared/samples';
import { deriveSeed, mulberry32 } from '../../shared/random';
import { NUM_AUS } from '../../shared/labels';
import { recordsOf } from '../train/batch';
import { registerArch, requireTeacherRecords, type ArchTrainer, type TrainerState, type TrainInputBase, type TrainResult } from '../train/arch';
import type { ResolvedRnnConfig } from './config';
import type { FeatureSource } from './features';
import { hasRnnCheckpoint, loadRnnCheckpoint, saveRnnCheckpoint, saveRnnNet } from './io';
import { studentTaskWeights } from '../losses';
import { sequenceStudentLoss, sequenceTeacherLoss, validSteps, windowTargets, windowTeacherHeads } from './losses';
import { buildRnnNet, disposeRnnNet, gruInputWidth, rnnForward, rnnInputWidth, rnnPredict, rnnVariables, type RnnNet } from './model';
import { sequencesOf, windowsOf, WindowMerger, type Window } from './windows';

export interface RnnTrainInput extends TrainInputBase<ResolvedRnnConfig> {
  features: FeatureSource;
  /** Whether a media's frames form a sequence (video, image sequence). */
  isSequence: (mediaId: number) => boolean;
  /**
   * Student with studentTargets 'own-windows': the trained teacher RNN (it reads the same features).
   * The caller owns it (loads it once for all students, disposes it after).
   */
  teacherNet?: () => Promise<RnnNet>;
}

export type RnnTrainResult = TrainResult<RnnNet>;

interface RnnBatch {
  x: tf.Tensor3D;
  lengths: number[];
  targets: BatchTargets;
  valid: tf.Tensor1D;
  teacher: HeadOutputs | null;
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

export const rnnTrainer: ArchTrainer<RnnTrainInput, RnnNet, RnnBatch> = registerArch({
  arch: 'cnn-rnn',
  unit: 'windows',
  build: async (inp) =>
    buildRnnNet({
      featureDim: gruInputWidth(inp.config.rnnInput, inp.features.dim),
      hidden: inp.config.hidden,
      window: inp.config.window,
      seed: inp.config.seed,
      rnnInput: inp.config.rnnInput,
      reluAfterGru: inp.config.reluAfterGru,
    }),
  hasCheckpoint: hasRnnCheckpoint,
  loadCheckpoint: (dir) => loadRnnCheckpoint<TrainerState>(dir),
  saveCheckpoint: saveRnnCheckpoint,
  saveModel: saveRnnNet,
  dispose: disposeRnnNet,

  async prepare(net, inp) {
    const { config: c, train: s, val } = inp;
    const T = c.window;
    if (net.config.rnnInput !== c.rnnInput) throw new Error(`the checkpoint's GRUs read ${net.config.rnnInput} inputs, the configuration says ${c.rnnInput}`);
    if (rnnInputWidth(net.config) !== inp.features.dim) throw new Error(`the checkpoint takes ${rnnInputWidth(net.config)} features, the feature model gives ${inp.features.dim}`);
    const vars = rnnVariables(net);
    const windows = windowsOf(sequencesOf(s, inp.isSequence), T, c.trainStride).filter((w) => w.rows.some((r) => hasLabel(s, r)));
    if (!windows.length) throw new Error('no labelled training frames in video or image-sequence media of the chosen datasets (train split)');
    const ownWindows = inp.role === 'student' && c.studentTargets === 'own-windows';
    let teacherNet: RnnNet | null = null;
    if (ownWindows) {
      if (!inp.teacherNet) throw new Error('students with studentTargets own-windows need the teacher model');
      teacherNet = await inp.teacherNet();
      const tc = teacherNet.config;
      if (tc.rnnInput !== net.config.rnnInput || rnnInputWidth(tc) !== inp.features.dim) {
        throw new Error(`the teacher's GRUs read ${tc.rnnInput} inputs of width ${rnnInputWidth(tc)}, the student's ${net.config.rnnInput} of width ${inp.features.dim}`);
      }
    } else if (inp.role === 'student') requireTeacherRecords(windows.flatMap((w) => Array.from(w.rows, (r) => s.frameId[r])), inp.teacherRecords);
    return {
      vars,
      epoch(epoch) {
        const order = shuffled(windows.length, deriveSeed(c.seed, `rnn-epoch-${epoch}`));
        return {
          items: order.length,
          async batch(k) {
            const part = order.slice(k * c.batch, (k + 1) * c.batch).map((i) => windows[i]);
            const { x, lengths } = windowInput(inp.features, s, part, T);
            const targets = windowTargets(s, part.map((w) => w.rows), T);
            const valid = validSteps(lengths, T);
            let teacher: HeadOutputs | null = null;
            if (teacherNet) {
              // The teacher on the very windows the student sees, as constants (no gradient).
              teacher = rnnPredict(teacherNet, x, lengths);
            } else if (inp.role === 'student') {
              const recs: (Float32Array | null)[] = [];
              for (const w of part) for (let t = 0; t < T; t++) recs.push(t < w.rows.length ? inp.teacherRecords!.get(s.frameId[w.rows[t]])! : null);
              teacher = windowTeacherHeads(recs);
            }
            return { x, lengths, targets, valid, teacher };
          },
        };
      },
      loss({ x, lengths, targets, valid, teacher }) {
        const out = rnnForward(net, x, lengths);
        return teacher
          ? sequenceStudentLoss(out, teacher, targets, valid, { lambda: c.lambda, temperature: c.temperature, weights: studentTaskWeights(c.studentTaskWeights, c.weights) })
          : sequenceTeacherLoss(out, targets, c.weights);
      },
      disposeBatch({ x, targets, valid, teacher }) {
        tf.dispose([x, valid, ...Object.values(targets)]);
        if (teacher) tf.dispose(Object.values(teacher));
      },
      predictVal: (onBatch) =>
        predictRnn(net, inp.features, val, { stride: c.evalStride, isSequence: inp.isSequence, batch: c.batch, onBatch: onBatch && (() => onBatch()) }),
    };
  },
});
