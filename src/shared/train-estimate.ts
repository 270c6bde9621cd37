// How long a CNN training run will take, said before it starts: the CLI prints it for a backbone
// without pretrained weights, the Train dialog shows it next to the backbone field. One pure
// function over a small table of measured throughputs per backbone and mode (fine-tuned or frozen)
// on the wasm CPU backend, the backend every install has. An estimate, never a promise: the figures
// are best-of runs, the epoch length follows the balancing, so the result is a range.
import type { DatasetSummary } from './contract';
import type { TrainBackbone } from './train-config';

/**
 * Backbones whose weights come pretrained: only `face` (src/ml/models/build.ts loads face-api's
 * expression net from @vladmandic/face-api's model/ folder, shipped in the npm package); resnet50,
 * resnet18 and small start from random weights (src/ml/models/init.ts, seeded).
 */
export const PRETRAINED_BACKBONES: readonly TrainBackbone[] = ['face'];
export const isPretrained = (b: TrainBackbone): boolean => PRETRAINED_BACKBONES.includes(b);

export type TrainMode = 'fine-tuned' | 'frozen';

export interface Throughput {
  /** Images/s of a full training step (forward, multitask loss, backward, Adam update). */
  train: number;
  /** Images/s of inference (the val pass of every epoch; the feature cache of a frozen run). */
  infer: number;
  /** Where the figures come from. */
  source: string;
  /** false: `train` is derived from other measurements, not measured itself. */
  measured: boolean;
}

const ARCH_6 = 'docs/ARCHITECTURE.md §6, "Per backbone on wasm" (npm run bench -- models: wasm SIMD, 1 thread, batch 32, 112², best of a shared session, 2 cores)';

/** Measured on the wasm backend. Every training figure here is for batch 32 at 112×112. */
export const WASM_THROUGHPUT: Record<TrainBackbone, Throughput> = {
  // 143 ms/step → 224 img/s training, 898 img/s inference (after the batch-norm kernels, 2026-12-04; 214 ms/step before).
  small: { train: 224, infer: 898, source: ARCH_6, measured: true },
  // 1,180 ms/step with our depthwise-conv gradients → 27 img/s; 222 img/s inference.
  face: { train: 27, infer: 222, source: ARCH_6, measured: true },
  // 12,819 ms/step → 2.5 img/s; 11.5 img/s inference. (DESIGN.md §5's 329–1,551 ms/step are the
  // ResNet-18 *layout at width 16* of bench/train-step.ts, a 4× narrower net than this backbone.)
  resnet18: { train: 2.5, infer: 11.5, source: ARCH_6, measured: true },
  // Training refused above batch 4 on wasm (4 GB heap), so never timed at batch 32; inference 3.4
  // img/s. Training derived: resnet18's 2.5 img/s × resnet50/resnet18 inference (3.4 / 11.5).
  resnet50: { train: 0.74, infer: 3.4, source: `${ARCH_6}; training derived from the resnet18 row`, measured: false },
};

/**
 * One fine-tuned training step's time on one wasm thread, in ms, from the measured throughput
 * (batch 32 at 112 px) scaled by batch and input area: what data-parallel replicas weigh
 * (src/ml/threads/replicas.ts).
 */
export function wasmStepMs(backbone: TrainBackbone, batch: number, inputSize: number): number {
  return ((batch / WASM_THROUGHPUT[backbone].train) * 1000 * (inputSize * inputSize)) / (112 * 112);
}

/**
 * A heads-only step on cached backbone features (a frozen backbone after its one feature pass):
 * 20 ms/step → 1,624 img/s, measured on the face backbone's 256-d features (ARCHITECTURE.md §6);
 * the ResNets' wider features (512-d, 2,048-d) make the heads a little slower, still negligible
 * beside the feature pass.
 */
export const WASM_HEADS_IMAGES_PER_S = 1624;

/** DESIGN.md §5: "Pure-JS cpu backend trains ~90× slower than wasm". */
export const CPU_SLOWDOWN = 90;

/**
 * The measured runs are best-of on a shared machine: a loaded machine took 1.3–1.4× longer in §6
 * (the face pipeline 30.2 → 21.9 frames/s), and up to ~5× on one step (DESIGN.md §5's re-measure).
 * The range runs from the measured rate to twice its time.
 */
export const SLOW_FACTOR = 2;

export interface EstimateInput {
  backbone: TrainBackbone;
  freezeBackbone: boolean;
  epochs: number;
  /** Labelled training images per epoch (a frame labelled for two tasks counts once per task). */
  frames: number;
  /** Validation frames, predicted after every epoch (and cached once by a frozen run). */
  valFrames?: number;
  /** The batch and the cap on steps per epoch (0 = the whole epoch): a capped epoch is shorter. */
  batch?: number;
  maxStepsPerEpoch?: number;
  /** Models trained one after another (students: their count). */
  runs?: number;
  /** The compute backend that will run (a probe's, a recent job's); null when not known yet. */
  backend?: string | null;
}

export interface TrainEstimate {
  backbone: TrainBackbone;
  mode: TrainMode;
  pretrained: boolean;
  /** Training images/s on the backend (fine-tuned: the full step; frozen: the one feature pass). */
  imagesPerSecond: number;
  /** Seconds, [measured rate, SLOW_FACTOR × that]. */
  seconds: [number, number];
  /** Training images per epoch after the step cap, and epochs × runs. */
  frames: number;
  epochs: number;
  runs: number;
  /** How the wasm figures apply: 'wasm' as measured (also when the backend is not known), 'cpu' scaled by CPU_SLOWDOWN, 'faster' (tfjs-node, GPU): an upper bound. */
  basis: 'wasm' | 'cpu' | 'faster';
  /** The backend named in the text. */
  backend: string;
  /** Whether imagesPerSecond was measured (resnet50's training rate is derived). */
  measured: boolean;
}

/** The estimate of one run configuration (pure: the table above and the input only). */
export function estimateTraining(i: EstimateInput): TrainEstimate {
  const t = WASM_THROUGHPUT[i.backbone];
  const backend = i.backend ?? 'wasm';
  const basis: TrainEstimate['basis'] = backend === 'cpu' ? 'cpu' : backend.startsWith('tfjs-node') ? 'faster' : 'wasm';
  const scale = basis === 'cpu' ? 1 / CPU_SLOWDOWN : 1;
  const cap = i.maxStepsPerEpoch && i.maxStepsPerEpoch > 0 ? i.maxStepsPerEpoch * (i.batch ?? 32) : Infinity;
  const frames = Math.max(0, Math.min(i.frames, cap));
  const val = Math.max(0, i.valFrames ?? 0);
  const epochs = Math.max(0, i.epochs);
  const runs = Math.max(1, i.runs ?? 1);
  const train = t.train * scale;
  const infer = t.infer * scale;
  const heads = WASM_HEADS_IMAGES_PER_S * scale;
  const mode: TrainMode = i.freezeBackbone ? 'frozen' : 'fine-tuned';
  // Frozen: one feature pass over the training and validation frames, then heads-only steps.
  // Fine-tuned: full steps, and the val frames predicted after every epoch.
  const perRun = i.freezeBackbone ? (frames + val) / infer + (epochs * frames) / heads : epochs * (frames / train + val / infer);
  const s = perRun * runs;
  return {
    backbone: i.backbone,
    mode,
    pretrained: isPretrained(i.backbone),
    imagesPerSecond: i.freezeBackbone ? infer : train,
    seconds: [s, s * SLOW_FACTOR],
    frames,
    epochs,
    runs,
    basis,
    backend,
    measured: i.freezeBackbone || t.measured,
  };
}

/** A rate with the precision the measurements have: 2.5, 27, 150, 1,600. */
export function formatRate(r: number): string {
  if (r < 10) return String(Math.round(r * 10) / 10);
  const digits = Math.floor(Math.log10(r)) + 1;
  const unit = 10 ** Math.max(0, digits - 2);
  return (Math.round(r / unit) * unit).toLocaleString('en-US');
}

/** A duration rounded to what an estimate can say: "under a minute", "25 min", "3 h 40 min", "4 days". */
export function formatDuration(seconds: number): string {
  const min = seconds / 60;
  if (min < 1) return 'under a minute';
  if (min < 10) return `${Math.round(min)} min`;
  if (min < 60 - 2.5) return `${Math.round(min / 5) * 5} min`;
  const h = min / 60;
  if (h < 10) {
    const total = Math.round(min / 10) * 10;
    const hh = Math.floor(total / 60);
    const mm = total % 60;
    return mm ? `${hh} h ${mm} min` : `${hh} h`;
  }
  if (h < 48) return `${Math.round(h)} h`;
  return `${Math.round(h / 24)} days`;
}

/** "about 2 h 50 min – 5 h 40 min", or "about 20 min" when both ends round alike ("under a minute" as such). */
export function formatRange([lo, hi]: [number, number]): string {
  const a = formatDuration(lo);
  const b = formatDuration(hi);
  if (a === b) return a === 'under a minute' ? a : `about ${a}`;
  return a === 'under a minute' ? `at most about ${b}` : `about ${a} – ${b}`;
}

const count = (n: number) => Math.round(n).toLocaleString('en-US');

function what(e: TrainEstimate): string {
  const runs = e.runs > 1 ? `${e.runs} runs × ` : '';
  return `${runs}${e.epochs} epoch${e.epochs === 1 ? '' : 's'} of ${count(e.frames)} frames`;
}

function rateText(e: TrainEstimate): string {
  const r = `about ${formatRate(e.imagesPerSecond)} images/s`;
  if (e.mode === 'frozen') return `${r} (features once, then the heads on cached features)`;
  return e.measured ? r : `${r} (derived, not measured)`;
}

function backendText(e: TrainEstimate, known: boolean): string {
  if (e.basis === 'cpu') return 'on the pure-JS cpu backend (wasm figures ÷ 90)';
  if (e.basis === 'faster') return `measured on wasm; ${e.backend} is faster, so at most this`;
  return known ? 'on this machine’s wasm backend' : 'on the wasm CPU backend';
}

export interface EstimateTextOptions {
  /** How the pretrained backbone is chosen where the text is shown: '--backbone face' in the CLI. */
  faceChoice?: string;
}

/**
 * The one line shown before a run starts, e.g. "resnet18 from random weights: about 2.5 images/s
 * on the wasm CPU backend → about 2 h 50 min – 5 h 40 min for 8 epochs of 3,000 frames; the
 * pretrained face backbone (--backbone face) trains at about 27 images/s → about 20–40 min".
 */
export function estimateText(i: EstimateInput, o: EstimateTextOptions = {}): string {
  const e = estimateTraining(i);
  const known = i.backend != null;
  const origin = e.pretrained ? 'pretrained' : 'from random weights';
  const frozen = e.mode === 'frozen' ? ', frozen' : '';
  const head = `${e.backbone} ${origin}${frozen}: ${rateText(e)} ${backendText(e, known)} → ${formatRange(e.seconds)} for ${what(e)}`;
  if (e.pretrained) return head;
  const face = estimateTraining({ ...i, backbone: 'face' });
  const choice = o.faceChoice ? ` (${o.faceChoice})` : '';
  return `${head}; the pretrained face backbone${choice}${frozen ? ', frozen,' : ''} trains at ${rateText(face)} → ${formatRange(face.seconds)}`;
}

/** Labelled frames per epoch of the chosen datasets (none = all), from project.info's counts. */
export interface EpochFrames {
  /** Training images per epoch: each task's labelled frames on the train split (a frame counts once per task it is labelled for). */
  train: number;
  /** Validation frames (the val split). */
  val: number;
}

/**
 * project.info counts labels per task over every split and frames per split; the train share of a
 * dataset's frames stands in for the train share of its labels (an estimate, as the rest is).
 */
export function epochFrames(datasets: readonly Pick<DatasetSummary, 'name' | 'frames' | 'splits' | 'labels'>[], chosen: readonly string[] = []): EpochFrames {
  let train = 0;
  let val = 0;
  for (const d of datasets) {
    if (chosen.length && !chosen.includes(d.name)) continue;
    const share = d.frames > 0 ? (d.splits.train ?? 0) / d.frames : 0;
    train += (d.labels.au + d.labels.expr + d.labels.va) * share;
    val += d.splits.val ?? 0;
  }
  return { train: Math.round(train), val };
}
