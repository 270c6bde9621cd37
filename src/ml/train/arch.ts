// What the one training loop (./trainer.ts) asks of an architecture, and the registry the
// architectures put themselves in ('cnn': ./cnn.ts, 'cnn-rnn': ../rnn/trainer.ts; ./archs.ts
// loads both). The loop owns everything the two share: build-or-resume, Adam with the paper's
// step schedule, the epoch loop (prefetch, NaN check, loss sums, progress), validation,
// checkpoints, history, keeping the best validation epoch, threshold tuning and the final save.
// An architecture says how to build,
// load and save its net, how an epoch is cut into batches, the loss of a batch and how to predict
// records for the validation split.
import type { tf } from '../backend';
import type { TeacherLossTerms } from '../losses';
import type { SampleSet } from '../../shared/samples';
import type { EvaluationBlock } from '../../shared/metrics';
import type { TrainConfig } from './config';

/** The architectures of a model (models.arch). */
export type Arch = 'cnn' | 'cnn-rnn';

export interface TrainHooks {
  progress(done: number, total: number, stage: string, metrics?: Record<string, number>): void;
  log(line: string): void;
  /** Throws to stop (cancel); called between batches. */
  checkpoint(): Promise<void>;
  epochDone(epoch: number, metrics: Record<string, unknown>): void;
}

/** The configuration fields the loop reads (both architectures' resolved configs have them). */
export type LoopConfig = Pick<TrainConfig, 'lr' | 'lrStepEpochs' | 'lrFactor' | 'batch' | 'maxStepsPerEpoch' | 'seed'> & {
  epochs: number;
  /** 'half' (absent: a config without the option, e.g. the CNN-RNN's): 0.5; 'tuned': per AU on the validation split. */
  auThresholds?: TrainConfig['auThresholds'];
};

/** The split a model's AU thresholds were tuned on; null: not tuned (0.5). The trainer tunes on 'val' only. */
export type ThresholdsTunedOn = 'val' | null;

/**
 * The best validation epoch so far (the model the loop keeps): its 1-based number, its selection
 * score (sum of the validation task scores at AU threshold 0.5, ./evaluate.ts selectionScore), and
 * where its checkpoint and validation records are (`dir`, relative to the checkpoint folder).
 */
export interface BestEpoch {
  epoch: number;
  score: number;
  dir: string;
  /** SHA-256 and size of `dir`/val-records.bin (the best epoch's validation records). */
  recordsSha256: string;
  recordsBytes: number;
}

/** What every architecture's training input carries. */
export interface TrainInputBase<C extends LoopConfig = LoopConfig> {
  config: C;
  role: 'teacher' | 'student';
  train: SampleSet;
  val: SampleSet;
  /** Student: teacher soft-label records per frame id. */
  teacherRecords?: Map<number, Float32Array>;
  /** Folder of the model (final files); the checkpoint lives in <modelDir>/checkpoint. */
  modelDir: string;
  /** The model's id in its project (what it reads from shared caches is recorded as used by it). */
  modelId?: number;
  /**
   * Learning threads the run may use (default 1: this thread alone): a frozen backbone's feature
   * pass, and the data-parallel replicas of a run that offers them (ArchRun.replicas).
   */
  threads?: number;
  /**
   * Data-parallel replicas with 2+ threads: 'auto' (the default) when the run offers them, its
   * steps are worth splitting and it has REPLICA_MIN_STEPS steps or more; 'on' whenever offered;
   * 'off' never.
   */
  dataParallel?: 'auto' | 'on' | 'off';
}

export interface TrainerState {
  epochsDone: number;
  history: Record<string, unknown>[];
  /** Absent in checkpoints written before the loop kept the best epoch; null without a validation split. */
  best?: BestEpoch | null;
}

export interface TrainResult<Net> {
  /** The kept model: the best validation epoch's weights (the last epoch's without a validation split). */
  net: Net;
  /** Per-AU thresholds stored with the model: 0.5 unless the config says 'tuned' (then tuned on `thresholdsTunedOn`). */
  thresholds: number[];
  thresholdsTunedOn: ThresholdsTunedOn;
  /** The kept epoch's validation metrics at AU threshold 0.5 (the reported figure; never the tuned thresholds on the split they were tuned on). */
  val: EvaluationBlock | null;
  epochs: number;
  /** The epoch (1-based) whose weights were kept. */
  keptEpoch: number;
  resumedFrom: number | null;
}

/** One epoch cut into batches: `items` training items (steps = ⌈items / batch⌉), batch k on demand. */
export interface EpochPlan<Batch> {
  items: number;
  /** Called for k + 1 while step k trains (prefetch); called in order. */
  batch(k: number): Promise<Batch>;
}

/** A prepared run of an architecture (after build-or-resume): what the loop calls per epoch. */
export interface ArchRun<Batch> {
  /** The variables Adam updates, always in the same order (the checkpoint keeps slots by position). */
  vars: tf.Variable[];
  /** Learning-rate scale per variable name (absent: every variable at the schedule's rate); see fused-adam.ts. */
  lrScales?: ReadonlyMap<string, number>;
  epoch(epoch: number): EpochPlan<Batch>;
  /** Forward pass in training mode and the loss (Eq. 4 for a teacher, Eq. 7 for a student). */
  loss(b: Batch): TeacherLossTerms;
  disposeBatch(b: Batch): void;
  /** Records (55 floats per row) for every row of the validation split, in row order. */
  predictVal(onBatch?: () => Promise<void>): Promise<Float32Array>;
  /** Called once when the loop ends, however it ends: stops and awaits work the run started beside its epochs. */
  finish?(): Promise<void>;
  /** How this run's steps split over data-parallel replicas (../threads/replicas.ts); absent: they run in this thread only. */
  replicas?: ReplicaPlan<Batch>;
}

/**
 * A run's batches cut by rows for data-parallel replicas: this thread keeps the first rows as a
 * Batch, learning threads get theirs as portable batches, and rebuild the same model and loss from
 * `spec` (ArchTrainer.replica).
 */
export interface ReplicaPlan<Batch> {
  /**
   * Whether splitting pays (the 'auto' rule): a step must cost enough that two half batches beat
   * one whole batch despite each half paying every kernel call's fixed cost and the replicas'
   * sync points (measured: the small backbone's ~150 ms step 0.97–1.05×, the face backbone's
   * ~1.3 s step 1.88×).
   */
  worthSplitting: boolean;
  /** Structured-clone input of ArchTrainer.replica, made when replicas start (the net as it is then, the loss settings). */
  spec(): unknown;
  rows(b: Batch): number;
  /** Rows [start, start + n) of b as a Batch of this thread (released with ArchRun.disposeBatch). */
  slice(b: Batch, start: number, n: number): Batch;
  /** Rows [start, start + n) of b as plain arrays for a learning thread (ArchTrainer.replica's loss reads them). */
  portable(b: Batch, start: number, n: number): unknown;
}

/** A replica's model in a learning thread: the same trainable variables, in the same order, and the same loss. */
export interface ReplicaModel {
  vars: tf.Variable[];
  /** Called inside the gradient's scope: tensors it makes are released after the backward pass. */
  loss(portableBatch: unknown): TeacherLossTerms;
  dispose(): void;
}

export interface ArchTrainer<In extends TrainInputBase, Net, Batch = unknown, Portable = unknown> {
  arch: Arch;
  /** What one training item is, for the throughput metric and log ('samples', 'windows'). */
  unit: string;
  build(inp: In): Promise<Net>;
  hasCheckpoint(dir: string): Promise<boolean>;
  loadCheckpoint(dir: string): Promise<{ net: Net; optimizer: tf.Optimizer; trainerState: TrainerState }>;
  /** Checks, caches and the epoch's item pool; may throw (the loop then disposes the net). */
  prepare(net: Net, inp: In, hooks: TrainHooks): Promise<ArchRun<Batch>>;
  saveCheckpoint(dir: string, net: Net, optimizer: tf.Optimizer, state: TrainerState, meta: Record<string, unknown>): Promise<void>;
  saveModel(net: Net, dir: string, meta: Record<string, unknown> & { auThresholds: number[] }): Promise<void>;
  dispose(net: Net): void;
  /**
   * A run's input as it can travel to a learning thread (structured clone: no readers of this
   * thread's project, no functions), doing here what only this thread can (reading cached
   * features); null when the run needs this thread's sources (a fine-tuned backbone reads crops).
   * Absent: this architecture trains in the calling thread only. `fromPortable` is its inverse,
   * in the learning thread (../threads/train-runs.ts).
   */
  portable?(inp: In, hooks: TrainHooks): Promise<Portable | null>;
  fromPortable?(p: Portable): In;
  /** A data-parallel replica of a run in a learning thread, from its ReplicaPlan.spec. */
  replica?(spec: unknown): Promise<ReplicaModel>;
}

/** An architecture as the registry keeps it (inputs and nets are the architecture's own business). */
export type AnyArchTrainer = ArchTrainer<TrainInputBase, unknown, unknown, unknown>;

const registry = new Map<Arch, AnyArchTrainer>();

/** Called by each architecture's module when it is loaded. */
export function registerArch<In extends TrainInputBase, Net, Batch, Portable>(a: ArchTrainer<In, Net, Batch, Portable>): ArchTrainer<In, Net, Batch, Portable> {
  registry.set(a.arch, a as unknown as AnyArchTrainer);
  return a;
}

/** The registered trainer of an architecture (load ./archs.ts to have both registered). */
export function archTrainer(arch: Arch): AnyArchTrainer {
  const a = registry.get(arch);
  if (!a) throw new Error(`no trainer registered for architecture '${arch}'`);
  return a;
}

/** The missing-soft-labels check every student run makes before its first step. */
export function requireTeacherRecords(frameIds: Iterable<number>, teacherRecords: Map<number, Float32Array> | undefined): void {
  let missing = 0;
  for (const id of frameIds) if (!teacherRecords?.has(id)) missing++;
  if (missing > 0) throw new Error(`${missing} training frames have no soft labels of the teacher: generate soft labels for these datasets first`);
}
