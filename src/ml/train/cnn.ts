// The CNN as an architecture of the training loop (./trainer.ts, ./arch.ts), and its inference.
//
// An epoch's batches come from the samplers (ML-ROS for AUs, class-balanced EXPR, VA-bin balancing
// in the config's vaMode, each switchable): by default ('per-task') every step takes a fixed share
// of the batch from each task's own balanced stream, as the reference code's loader does;
// 'proportional' cuts the merged epoch (tasks in proportion to their lists). Each item is supervised
// only by the label of the task it was drawn for (targetsOf with tasks); a student's distillation
// terms cover every task (Eq. 7). Batches of crops are loaded (augmented when configured) while the
// previous step runs.
//
// Frozen backbone (the CPU fast path): backbone features come from the feature store, computed
// once per (backbone weights, frame) for every run that uses that backbone (./backbone-features.ts),
// and only the heads are trained on them; inference of a frozen model reads them too.
//
// The mirrored face is a second view (issue 17). With `augment` (frozen: and tta 'flip', see
// prepare) every training sample shows the plain or the mirrored face (p = 0.5, from the epoch's
// seeded augment rng: drawFlips), its AU labels and teacher record through the AU mirror rule; a frozen run reads the mirrored view's
// cached features (computed once, like the plain ones), a fine-tuned run mirrors the rendered crops.
// With `tta: 'flip'` every inference of the model (validation, soft labels, evaluation, ensemble
// members) averages the records of both views as probabilities, the ensemble's rule (ensembleRecords).
//
// Partial fine-tuning (config.trainBlocks, models/blocks.ts): only the backbone's last blocks and
// the heads train, the backbone's at lr × backboneLrScale (a per-variable scale of the fused Adam).
// Head dropout (config.headDropout) is a layer of the heads. Students with config.bagging train on
// a bootstrap resample of each task pool drawn from their own seed (samplers.ts bootstrapPools);
// the teacher never bags.
import fs from 'node:fs';
import path from 'node:path';
import { tf } from '../backend';
import { studentLoss, studentTaskWeights, teacherLoss, type BatchTargets, type HeadOutputs, type StudentLossOptions, type TeacherLossTerms } from '../losses';
import { bootstrapPools, mergedEpoch, perTaskEpoch, taskShares, type EpochItem, type MergedEpochOptions, type TaskPools } from '../samplers';
import { buildModel, disposeNet, forward, loadCheckpoint, saveCheckpoint, saveModel, setTrainedBlocks, trainableBackboneVariableNames, trainableVariables, type MultitaskNet } from '../models';
import type { DownsampleFactors, SampleSet } from '../../shared/samples';
import { mulberry32, deriveSeed } from '../../shared/random';
import { NUM_AUS, SOFT_LABEL_WIDTH, type Task } from '../../shared/labels';
import { disposeTargets, headsFromRecords, mirrorRecord, recordsOf, targetsOf } from './batch';
import type { TrainConfig } from './config';
import type { TtaMode } from '../../shared/train-config';
import { ensembleRecords } from '../../shared/softlabels';
import { drawFlips, mirrorCrops, type CropReader } from './images';
import { backgroundBackboneFeatures, describeFeaturePass, ensureBackboneViews, type BackgroundPass, loadFeatureRows, type LoadedFeatureRows, memoryFeatureStore, type FeaturePass, type FeaturePassHooks, type FeatureStore, type FeatureView } from './backbone-features';
import { registerArch, requireTeacherRecords, type ArchTrainer, type ReplicaPlan, type TrainerState, type TrainHooks, type TrainInputBase } from './arch';
import { netFromTransfer, netTransfer } from '../threads/net-transfer';
import { ThreadPool, threadedBackend } from '../threads/pool';
import { REPLICA_MIN_STEP_MS } from '../threads/replicas';
import { wasmStepMs } from '../../shared/train-estimate';
import type { NetTransfer } from '../threads/protocol';

export interface TrainInput extends TrainInputBase<TrainConfig & { epochs: number }> {
  /** Per-dataset downsampling of the task pools (src/node/labels/samples.ts downsampleFactors). */
  downsample: DownsampleFactors;
  crops: CropReader;
  /** Where a frozen backbone's features are kept (the project's feature cache); absent: in memory for this run. */
  features?: FeatureStore;
  /**
   * Frames outside train and validation whose backbone features a later stage reads (soft labels
   * predict every frame). A frozen run with 2+ threads computes them in threads − 1 learning
   * threads while its heads train (backgroundBackboneFeatures), stopped when it ends.
   */
  prefetch?: readonly number[];
}

interface CnnBatch {
  x: tf.Tensor;
  targets: BatchTargets;
  teacher: HeadOutputs | null;
}

/** A tensor as plain data (a data-parallel replica's rows travel so: ReplicaPlan.portable). */
interface PortableTensor {
  shape: number[];
  dtype: 'float32' | 'int32';
  data: Float32Array | Int32Array;
}

/** Rows of a CnnBatch for a learning thread. */
interface PortableCnnBatch {
  x: PortableTensor;
  targets: Record<keyof BatchTargets, PortableTensor>;
  teacher: Record<keyof HeadOutputs, PortableTensor> | null;
}

/** What a learning thread needs to be a replica of a fine-tuned CNN run: the whole net (frozen blocks included) and the loss settings. */
interface CnnReplicaSpec {
  net: NetTransfer;
  config: TrainConfig;
}

function mapValues<K extends string, A, B>(o: Record<K, A>, f: (a: A) => B): Record<K, B> {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, f(v as A)])) as Record<K, B>;
}

/** Rows [start, start + n) of a tensor whose first axis is the batch. */
function rowsOf<T extends tf.Tensor>(t: T, start: number, n: number): T {
  return tf.slice(t, [start, ...t.shape.slice(1).map(() => 0)], [n, ...t.shape.slice(1).map(() => -1)]) as T;
}

function portableRows(t: tf.Tensor, start: number, n: number): PortableTensor {
  const per = t.size / t.shape[0];
  const data = t.dataSync().slice(start * per, (start + n) * per) as Float32Array | Int32Array;
  return { shape: [n, ...t.shape.slice(1)], dtype: t.dtype === 'int32' ? 'int32' : 'float32', data };
}

const tensorOf = (p: PortableTensor): tf.Tensor => tf.tensor(p.data, p.shape, p.dtype);

/** The CNN's loss of a batch (Eq. 4 for a teacher, Eq. 7 for a student), forward in training mode. */
function cnnLoss(model: tf.LayersModel, c: TrainConfig, { x, targets, teacher }: CnnBatch): TeacherLossTerms {
  const out = forward(model, x, { training: true });
  return teacher ? studentLoss(out, teacher, targets, studentLossOptions(c)) : teacherLoss(out, targets, c.weights);
}

/** Splits a CnnBatch by rows for data-parallel replicas (fine-tuned runs: ../threads/replicas.ts). */
function cnnReplicaPlan(net: MultitaskNet, c: TrainConfig): ReplicaPlan<CnnBatch> {
  return {
    worthSplitting: wasmStepMs(net.config.backbone, c.batch, net.config.inputSize) >= REPLICA_MIN_STEP_MS,
    spec: (): CnnReplicaSpec => ({ net: netTransfer(net), config: c }),
    rows: (b) => b.x.shape[0],
    slice: (b, start, n) => ({
      x: rowsOf(b.x, start, n),
      targets: mapValues(b.targets, (t) => rowsOf(t, start, n)) as BatchTargets,
      teacher: b.teacher ? (mapValues(b.teacher, (t) => rowsOf(t, start, n)) as HeadOutputs) : null,
    }),
    portable: (b, start, n): PortableCnnBatch => ({
      x: portableRows(b.x, start, n),
      targets: mapValues(b.targets, (t: tf.Tensor) => portableRows(t, start, n)),
      teacher: b.teacher ? mapValues(b.teacher, (t: tf.Tensor) => portableRows(t, start, n)) : null,
    }),
  };
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

type EpochConfig = Pick<TrainConfig, 'seed' | 'batch' | 'batching' | 'balance' | 'auClonePercentage'>;

/** The samplers' options of one epoch: a function of (seed, epoch), so a resumed run draws the same batches. */
function epochOptions(c: EpochConfig, epoch: number): MergedEpochOptions {
  return { seed: deriveSeed(c.seed, `epoch-${epoch}`), balance: c.balance, vaMode: c.balance.vaMode, auClonePercentage: c.auClonePercentage };
}

/**
 * The steps of one epoch under the config's batching. 'per-task': `batch` items per step split
 * evenly over the tasks with a pool (samplers.ts perTaskEpoch says how many steps an epoch has);
 * 'proportional': the merged epoch cut into batches of `batch` (the last one shorter).
 */
export function epochBatches(pools: TaskPools, c: EpochConfig, epoch: number): EpochItem[][] {
  const o = epochOptions(c, epoch);
  if (c.batching === 'per-task') return perTaskEpoch(pools, { ...o, batch: c.batch });
  const items = mergedEpoch(pools, o);
  return Array.from({ length: Math.ceil(items.length / c.batch) }, (_, k) => items.slice(k * c.batch, (k + 1) * c.batch));
}

/** Options of the student loss (Eq. 7) from the config; task weights per `studentTaskWeights`. */
export function studentLossOptions(c: Pick<TrainConfig, 'lambda' | 'temperature' | 'weights' | 'studentTaskWeights'>): StudentLossOptions {
  return { lambda: c.lambda, temperature: c.temperature, weights: studentTaskWeights(c.studentTaskWeights, c.weights) };
}

/** A batch of model input for sample rows; row k shows the mirrored face where `mirrored[k]`. */
type RowInput = (rows: readonly number[], mirrored?: readonly boolean[]) => Promise<tf.Tensor>;
/** A batch of model input of one view of the face. */
type ViewInput = (rows: readonly number[]) => Promise<tf.Tensor>;

/** The input of a view: the rows as they are, or all of them mirrored. */
function viewOf(input: RowInput, view: FeatureView): ViewInput {
  return view === 'flip' ? (r) => input(r, r.map(() => true)) : (r) => input(r);
}

/** The views an inference under `tta` averages: the plain face alone, or it and its mirror image. */
export function ttaViews(tta: TtaMode): FeatureView[] {
  return tta === 'flip' ? ['plain', 'flip'] : ['plain'];
}

/**
 * Runs the net over batches of `rows`, once per view of `views` (each view's input), and returns
 * one 55-float record per row: the single view's, or the mean of the views' probabilities
 * re-expressed as a record (ensembleRecords: the same rule as an ensemble of models).
 */
async function predictRows(
  net: MultitaskNet,
  rows: readonly number[],
  views: ViewInput[],
  useHeads: boolean,
  batch: number,
  onBatch?: () => Promise<void>,
): Promise<Float32Array> {
  const out = new Float32Array(rows.length * SOFT_LABEL_WIDTH);
  for (let i = 0; i < rows.length; i += batch) {
    const part = rows.slice(i, i + batch);
    const recs: Float32Array[] = [];
    for (const input of views) {
      const x = await input(part);
      const o = tf.tidy(() => forward(useHeads ? net.heads : net.model, x, { training: false }) as unknown as tf.NamedTensorMap) as unknown as HeadOutputs;
      recs.push(await recordsOf(o));
      tf.dispose([x, o.au, o.expr, o.v, o.a]);
    }
    out.set(recs.length === 1 ? recs[0] : ensembleRecords(recs), i * SOFT_LABEL_WIDTH);
    if (onBatch) await onBatch();
  }
  return out;
}

/** A batch of face crops of rows of `set` as [n, size, size, 3]: augmented when `rng` is given, mirrored where asked. */
function imageInput(crops: CropReader, set: SampleSet, size: number, rng?: () => number): RowInput {
  return async (r, mirrored) => {
    const ids = r.map((i) => set.frameId[i]);
    const data = await crops.batch(ids, size, rng);
    if (mirrored) mirrorCrops(data, size, mirrored);
    return tf.tensor4d(data, [ids.length, size, size, 3]);
  };
}

/** Whether training shows mirrored faces: with augment, always when fine-tuning; frozen, only under flip TTA (see prepare). */
function flipTrains(c: Pick<TrainConfig, 'augment' | 'tta'>, frozen: boolean): boolean {
  return c.augment && (!frozen || c.tta === 'flip');
}

/** The frames whose cached features a frozen run reads, per view: every train and validation frame plain; mirrored, the train frames when it flip-trains and the validation frames under flip TTA. */
function frozenFeatureFrames(c: Pick<TrainConfig, 'augment' | 'tta'>, s: SampleSet, val: SampleSet): Record<FeatureView, number[]> {
  const trainIds = Array.from(s.frameId.subarray(0, s.n));
  const valIds = Array.from(val.frameId.subarray(0, val.n));
  return { plain: [...trainIds, ...valIds], flip: [...(flipTrains(c, true) ? trainIds : []), ...(c.tta === 'flip' ? valIds : [])] };
}

/**
 * A frozen run's input as it travels to a learning thread: its rows of cached backbone features
 * (per view, under the store key they were read from) in place of the crop and feature readers.
 */
export interface PortableTrainInput extends Omit<TrainInput, 'crops' | 'features'> {
  featureRows: { key: string; dim: number; ids: number[]; data: Float32Array }[];
}

/** Crops in a learning thread: none (a frozen run there reads its features from the rows it was given). */
const NO_CROPS: CropReader = {
  has: () => false,
  batch: async () => {
    throw new Error('a learning thread has no face crops: its backbone features were not all in the rows it was given');
  },
};

/**
 * A frozen run's backbone features: every view it reads (frozenFeatureFrames) made sure of in the
 * store (computed only where missing) and loaded into memory. Training here and making the input
 * portable for a learning thread both start from it.
 */
async function loadFrozenFeatures(net: MultitaskNet, inp: TrainInput, hooks: TrainHooks): Promise<{ store: FeatureStore; views: { view: FeatureView; pass: FeaturePass; rows: LoadedFeatureRows }[] }> {
  const c = inp.config;
  const store = inp.features ?? memoryFeatureStore();
  const needs = frozenFeatureFrames(c, inp.train, inp.val);
  const passes = await ensureBackboneViews(store, { net: async () => net, dim: net.featureDim, owner: inp.modelId }, inp.crops, needs, { batch: c.batch, hooks, threads: inp.threads });
  const views = (Object.entries(passes) as [FeatureView, FeaturePass][]).map(([view, pass]) => ({ view, pass, rows: loadFeatureRows(store, pass, needs[view]) }));
  return { store, views };
}

function buildNet(inp: TrainInput): Promise<MultitaskNet> {
  const c = inp.config;
  return buildModel({ backbone: c.backbone, inputSize: c.inputSize, freezeBackbone: c.freezeBackbone, seed: c.seed, featureMaps: c.featureMaps }, { headDropout: c.headDropout });
}

export const cnnTrainer: ArchTrainer<TrainInput, MultitaskNet, CnnBatch, PortableTrainInput> = registerArch({
  arch: 'cnn',
  unit: 'samples',
  build: buildNet,
  hasCheckpoint: async (dir) => fs.existsSync(path.join(dir, 'checkpoint.json')),
  loadCheckpoint: (dir) => loadCheckpoint<TrainerState>(dir),
  saveCheckpoint: (dir, net, optimizer, trainerState, meta) => saveCheckpoint(dir, { net, optimizer, trainerState, meta }),
  saveModel: async (net, dir, meta) => void (await saveModel(net, dir, meta)),
  dispose: disposeNet,

  // A frozen run trains in a learning thread on its rows of cached features, computed here first
  // when missing (so the owner and the counters are this project's); a fine-tuned run reads crops, here only.
  async portable(inp, hooks) {
    const c = inp.config;
    if (!c.freezeBackbone) return null;
    const net = await buildNet(inp);
    try {
      const { views } = await loadFrozenFeatures(net, inp, hooks);
      const featureRows = views.map(({ pass, rows }) => {
        if (pass.computed) hooks.log(describeFeaturePass(pass));
        return { key: pass.key, dim: pass.dim, ids: rows.ids, data: rows.data };
      });
      const { crops: _crops, features: _features, prefetch: _prefetch, ...rest } = inp;
      return { ...rest, featureRows };
    } finally {
      disposeNet(net);
    }
  },
  async replica(specAny) {
    const spec = specAny as CnnReplicaSpec;
    const net = await netFromTransfer(spec.net);
    setTrainedBlocks(net, spec.config.trainBlocks ?? 'all');
    return {
      vars: trainableVariables(net.model),
      loss(batchAny) {
        const p = batchAny as PortableCnnBatch;
        // Made inside the gradient's scope (ReplicaModel.loss runs there), which releases them after the backward pass.
        const b: CnnBatch = { x: tensorOf(p.x), targets: mapValues(p.targets, tensorOf) as BatchTargets, teacher: p.teacher ? (mapValues(p.teacher, tensorOf) as HeadOutputs) : null };
        return cnnLoss(net.model, spec.config, b);
      },
      dispose: () => disposeNet(net),
    };
  },
  fromPortable({ featureRows, ...rest }) {
    const features = memoryFeatureStore();
    for (const r of featureRows) {
      features.open(r.key, r.dim);
      features.put(r.key, r.ids, r.data);
    }
    return { ...rest, crops: NO_CROPS, features, threads: 1 };
  },

  async prepare(net, inp, hooks) {
    const { config: c, train: s, val, crops } = inp;
    const frozen = net.config.freezeBackbone;
    // wasm has a 4 GB heap: ResNet-50 training activations at batch > 4 abort the process outright
    // (measured: batch 8 and 32 crash, 4 runs), so refuse with a way forward instead.
    if (net.config.backbone === 'resnet50' && !frozen && tf.getBackend() === 'wasm' && c.batch > 4) {
      throw new Error('fine-tuning resnet50 on the wasm backend needs --batch 4 or less (wasm memory); use --freeze-backbone, resnet18/small, or a GPU (tfjs-node-gpu)');
    }
    const size = net.config.inputSize;

    // Frozen backbone: the features of every train and validation frame from the store (computed
    // only for frames no earlier run of this backbone saw), held in memory, then heads only. The
    // mirrored view: of the train frames when flip-augmenting, of the validation frames under flip TTA.
    // On the frozen path the mirrored view costs a second feature pass, so it trains on mirrored
    // faces only when the model averages the views anyway (tta 'flip': its soft labels need the
    // mirrored features of every frame); then augmentation reuses that pass. Fine-tuned runs mirror
    // pixels, at no extra cost, whenever they augment.
    const flipTrain = flipTrains(c, frozen);
    const features: Partial<Record<FeatureView, LoadedFeatureRows>> = {};
    let background: Promise<BackgroundPass> | null = null;
    let stopBackground = false;
    if (frozen) {
      const { store, views } = await loadFrozenFeatures(net, inp, hooks);
      for (const { view, pass, rows } of views) {
        hooks.log(describeFeaturePass(pass));
        features[view] = rows;
      }
      // The idle cores, while the heads train on one: the features of the frames a later stage reads.
      const threads = inp.threads ?? 1;
      if (inp.prefetch?.length && threads > 1) {
        const n = inp.prefetch.length;
        background = backgroundBackboneFeatures(store, { net: async () => net, dim: net.featureDim, owner: inp.modelId }, crops, inp.prefetch, {
          batch: c.batch,
          threads: threads - 1,
          stop: () => stopBackground,
        }).catch((e: unknown): BackgroundPass => ({ stored: 0, missing: n, note: e instanceof Error ? e.message : String(e) }));
      }
    }
    /** Frozen input: each row's cached features of its view (the mirrored view's where `mirrored`). */
    const featureInput = (set: SampleSet): RowInput => async (r, mirrored) => {
      const buf = new Float32Array(r.length * net.featureDim);
      const one = new Float32Array(net.featureDim);
      r.forEach((row, k) => {
        features[mirrored?.[k] ? 'flip' : 'plain']!.fill([set.frameId[row]], one);
        buf.set(one, k * net.featureDim);
      });
      return tf.tensor2d(buf, [r.length, net.featureDim]);
    };
    const valInput = frozen ? featureInput(val) : imageInput(crops, val, size);
    const valViews = ttaViews(c.tta).map((v) => viewOf(valInput, v));

    // Partial fine-tuning: only the last trainBlocks blocks of a trained backbone train (set on a
    // resumed net too: a loaded model comes back with its whole backbone trainable), at lr × backboneLrScale.
    if (!frozen) setTrainedBlocks(net, c.trainBlocks ?? 'all');
    const model = frozen ? net.heads : net.model;
    const vars = trainableVariables(model);
    const lrScales = !frozen && c.backboneLrScale !== 1 ? new Map(trainableBackboneVariableNames(net).map((n) => [n, c.backboneLrScale])) : undefined;

    // Bagging (students only; the teacher never bags): a bootstrap resample of each pool from the student's own seed.
    const bag = c.bagging && inp.role === 'student';
    const pools = bag ? bootstrapPools(taskPools(s, inp.downsample), deriveSeed(c.seed, 'bagging')) : taskPools(s, inp.downsample);
    if (bag) hooks.log('bagging: each task pool is a bootstrap resample of itself (this student\'s seed)');
    if (!pools.au && !pools.expr && !pools.va) throw new Error('no labelled training frames in the chosen datasets (train split)');
    if (c.batching === 'per-task') taskShares([pools.au, pools.expr, pools.va].filter(Boolean).length, c.batch); // throws if too small
    if (inp.role === 'student') requireTeacherRecords(s.frameId.subarray(0, s.n), inp.teacherRecords);
    const valRows = Array.from({ length: val.n }, (_, i) => i);

    return {
      vars,
      lrScales,
      epoch(epoch) {
        const steps = epochBatches(pools, c, epoch);
        const rng = mulberry32(deriveSeed(c.seed, `augment-${epoch}`));
        const makeInput = frozen ? featureInput(s) : imageInput(crops, s, size, c.augment ? rng : undefined);
        return {
          items: steps.reduce((n, b) => n + b.length, 0),
          async batch(k) {
            const r = steps[k].map((it) => it.sample);
            // With augment, each sample's view (plain or mirrored) is drawn from the epoch's rng as its
            // batch is made (batches are made in order, so a resumed epoch draws the same views).
            const mirrored = flipTrain ? drawFlips(rng, r.length) : undefined;
            const x = await makeInput(r, mirrored);
            const teacherRecord = (i: number, j: number) => {
              const rec = inp.teacherRecords!.get(s.frameId[i])!;
              return mirrored?.[j] ? mirrorRecord(rec) : rec;
            };
            const teacher = inp.role === 'student' ? headsFromRecords(r.map(teacherRecord)) : null;
            return { x, targets: targetsOf(s, r, steps[k].map((it) => it.task), mirrored), teacher };
          },
        };
      },
      loss: (b) => cnnLoss(model, c, b),
      disposeBatch({ x, targets, teacher }) {
        tf.dispose(x);
        disposeTargets(targets);
        if (teacher) tf.dispose(Object.values(teacher));
      },
      predictVal: (onBatch) => predictRows(net, valRows, valViews, frozen, c.batch, onBatch),
      // A fine-tuned step is heavy enough to split by rows over learning threads; with head dropout
      // each replica would draw its own masks, so such runs stay in this thread.
      replicas: !frozen && !(c.headDropout > 0) ? cnnReplicaPlan(net, c) : undefined,
      async finish() {
        if (!background) return;
        stopBackground = true;
        const r = await background;
        if (r.missing) hooks.log(`backbone features of ${r.stored} of ${r.missing} frames outside train and validation (soft labels read them) computed beside the heads' training${r.note ? ` (${r.note})` : ''}`);
      },
    };
  },
});

export interface PredictOptions {
  batch?: number;
  onBatch?: (done: number) => Promise<void>;
  features?: FeatureStore;
  owner?: number;
  log?: (line: string) => void;
  hooks?: FeaturePassHooks;
  tta?: TtaMode;
  /** Learning threads: a frozen backbone's feature pass, or a whole net's inference over the rows. */
  threads?: number;
  /** The fewest rows for which a whole net's inference starts threads (default 1024: their start-up, ~3 s, costs more below). */
  threadsFrom?: number;
}

/**
 * A whole net's records of every row of `s` computed in learning threads (each loads the net),
 * batch k to whichever thread is free, each view's crops decoded here while the threads compute;
 * records land at their rows, so the result is the one thread's, bit for bit (same kernels, same
 * batches). Null when it does not run: one thread, too few rows, a backend without learning
 * threads, or threads that fail to start (the caller predicts in its own thread).
 */
async function predictRowsInThreads(
  net: MultitaskNet,
  crops: CropReader,
  s: SampleSet,
  views: FeatureView[],
  batch: number,
  opts: PredictOptions,
  onBatch: () => Promise<void>,
): Promise<Float32Array | null> {
  const want = Math.min(opts.threads ?? 1, Math.ceil(s.n / batch));
  const backend = want > 1 && s.n >= (opts.threadsFrom ?? 1024) ? threadedBackend() : null;
  if (!backend) return null;
  let pool: ThreadPool;
  try {
    pool = await ThreadPool.start(want);
  } catch (e) {
    opts.log?.(`learning threads did not start (${(e as Error).message}); predicting in this thread`);
    return null;
  }
  // A thread's failure (start, load, a request) is not the job's: the rows are predicted here instead.
  class ThreadsDown extends Error {}
  const down = (e: Error): never => {
    throw new ThreadsDown(e.message);
  };
  try {
    const transfer = netTransfer(net);
    await pool.all(() => ({ type: 'load', backend, net: transfer }), 'loaded').catch(down);
    opts.log?.(`predicting ${s.n} frames in ${pool.size} learning threads`);
    const size = net.config.inputSize;
    const out = new Float32Array(s.n * SOFT_LABEL_WIDTH);
    let next = 0;
    await Promise.all(
      Array.from({ length: pool.size }, async (_, t) => {
        for (let start = next; start < s.n; start = next) {
          next += batch;
          const ids = Array.from(s.frameId.subarray(start, Math.min(start + batch, s.n)));
          const recs: Float32Array[] = [];
          for (const view of views) {
            const pixels = await crops.batch(ids, size);
            const x = view === 'flip' ? mirrorCrops(pixels, size) : pixels;
            recs.push((await pool.one(t, { type: 'records', n: ids.length, x }, 'records', [x.buffer as ArrayBuffer]).catch(down)).data);
          }
          out.set(recs.length === 1 ? recs[0] : ensembleRecords(recs), start * SOFT_LABEL_WIDTH);
          await onBatch();
        }
      }),
    );
    return out;
  } catch (e) {
    if (!(e instanceof ThreadsDown)) throw e; // a cancel, or the crops: the job's
    opts.log?.(`learning threads failed (${e.message}); predicting in this thread`);
    return null;
  } finally {
    await pool.close();
  }
}

/**
 * Predicts 55-float records for sample rows (inference). A model with a frozen backbone reads its
 * backbone features from `features` (computing those of frames no run has seen) and runs its heads
 * alone; otherwise batches of images from the crop source go through the whole net. Under
 * `tta: 'flip'` (the model's config) each record is the mean of the plain and the mirrored view's
 * (predictRows): a frozen model reads the mirrored view's cached features, a fine-tuned one runs
 * the mirrored crops.
 */
export async function predictSamples(
  net: MultitaskNet,
  crops: CropReader,
  s: SampleSet,
  opts: PredictOptions = {},
): Promise<Float32Array> {
  const store = net.config.freezeBackbone ? opts.features : undefined;
  const heads = store !== undefined;
  const views = ttaViews(opts.tta ?? 'none');
  // Heads alone are cheap: bigger batches (fewer calls) when they read cached features.
  const batch = heads ? Math.max(opts.batch ?? 64, 256) : (opts.batch ?? 64);
  const rows = Array.from({ length: s.n }, (_, i) => i);
  let done = 0;
  const onBatch = async () => {
    done = Math.min(s.n, done + batch);
    if (opts.onBatch) await opts.onBatch(done);
  };
  if (!store) {
    const threaded = await predictRowsInThreads(net, crops, s, views, batch, opts, onBatch);
    if (threaded) return threaded;
    const input = imageInput(crops, s, net.config.inputSize);
    return predictRows(net, rows, views.map((v) => viewOf(input, v)), false, batch, onBatch);
  }
  const ids = Array.from(s.frameId.subarray(0, s.n));
  const passes = await ensureBackboneViews(store, { net: async () => net, dim: net.featureDim, owner: opts.owner }, crops, Object.fromEntries(views.map((v) => [v, ids])), {
    batch: opts.batch ?? 64,
    hooks: opts.hooks,
    threads: opts.threads,
  });
  const features = (view: FeatureView): ViewInput => {
    const pass = passes[view]!;
    opts.log?.(describeFeaturePass(pass));
    return async (r) => {
      const buf = new Float32Array(r.length * net.featureDim);
      store.read(pass.key, r.map((i) => s.frameId[i]), buf);
      return tf.tensor2d(buf, [r.length, net.featureDim]);
    };
  };
  return predictRows(net, rows, views.map(features), true, batch, onBatch);
}
