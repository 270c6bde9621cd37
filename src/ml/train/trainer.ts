// The training loop of Algorithm 1, for a teacher (Eq. 4) or a student (Eq. 7), of any
// architecture (./arch.ts: the CNN in ./cnn.ts, the CNN-RNN in ../rnn/trainer.ts).
//
// Per epoch: the architecture's batches (fetched one ahead while the previous step runs), Adam
// (./fused-adam.ts: tfjs's Adam numerics in one fused update per variable) with the paper's step schedule, a validation pass (AU threshold 0.5), a checkpoint. A run resumes
// from its last checkpoint at the next epoch (epoch order is a function of seed and epoch, so a
// resumed run draws exactly the batches the uninterrupted one would have). A run that offers
// data-parallel replicas (ArchRun.replicas: a fine-tuned CNN) and may use 2+ threads splits every
// step's batch over them (../threads/replicas.ts); the loop is the same either way.
//
// The kept model is the epoch with the best validation score (./evaluate.ts selectionScore: the
// sum of the task scores at 0.5, as the reference code saves the model whenever its `_validate`
// sum improves; ties keep the earlier epoch); without a validation split, the last epoch. Each new
// best epoch is saved as a checkpoint of its own, <checkpoint>/best-epoch-N, with its validation
// records (val-records.bin), BEFORE the epoch's main checkpoint, whose trainer state names it: the
// main checkpoint.json stays the one commit point, so a killed run resumes with the best epoch
// that state names, and folders of other epochs are leftovers (swept). At the end the best epoch's
// weights are loaded back when a later epoch was worse.
//
// AU thresholds: config.auThresholds 'half' (the default, the paper's Table 2) stores 0.5; 'tuned'
// tunes per-AU thresholds on the validation split (the kept epoch's records) and stores them with
// the model, recorded as tuned on 'val' (meta auThresholdsTunedOn). The validation metrics the loop
// reports stay at 0.5 either way: thresholds tuned on a split say nothing fair about that split.
import fs from 'node:fs/promises';
import path from 'node:path';
import { tf } from '../backend';
import { writeFileAtomicAsync } from '../../base/fsutil';
import { readArrayBuffer, sha256, verifyBytes } from '../models/io';
import { NUM_AUS } from '../../shared/labels';
import type { EvaluationBlock } from '../../shared/metrics';
import { learningRate } from './config';
import { adam, FusedAdam } from './fused-adam';
import { evaluatePredictions, scoresOf, selectionScore, tuneThresholds } from './evaluate';
import type { ArchRun, ArchTrainer, BestEpoch, ThresholdsTunedOn, TrainerState, TrainHooks, TrainInputBase, TrainResult } from './arch';
import { nativeKernelsStatus, setNativeConvThreads } from '../kernels/native';
import { REPLICA_MIN_STEPS, startReplicas, type Replicas } from '../threads/replicas';

/** The best epoch's folder inside the checkpoint folder, and its validation records file. */
export const bestEpochDir = (epoch: number) => `best-epoch-${epoch}`;
export const VAL_RECORDS_FILE = 'val-records.bin';
const BEST_DIR = /^best-epoch-\d+$/;

export async function trainModel<In extends TrainInputBase, Net, Batch>(arch: ArchTrainer<In, Net, Batch>, inp: In, hooks: TrainHooks): Promise<TrainResult<Net>> {
  const { config: c, val } = inp;
  const ckptDir = path.join(inp.modelDir, 'checkpoint');
  let net: Net;
  let optimizer: tf.Optimizer;
  let state: TrainerState = { epochsDone: 0, history: [], best: null };
  let resumedFrom: number | null = null;
  if (await arch.hasCheckpoint(ckptDir)) {
    const ck = await arch.loadCheckpoint(ckptDir);
    net = ck.net;
    optimizer = ck.optimizer;
    state = ck.trainerState;
    resumedFrom = state.epochsDone;
    hooks.log(`resuming from the checkpoint after epoch ${state.epochsDone}` + (state.best ? ` (best validation epoch so far: ${state.best.epoch})` : ''));
  } else {
    net = await arch.build(inp);
    optimizer = adam(c.lr);
  }
  let run: Awaited<ReturnType<typeof arch.prepare>>;
  try {
    run = await arch.prepare(net, inp, hooks);
  } catch (e) {
    arch.dispose(net);
    optimizer.dispose();
    throw e;
  }
  // What the run started beside its epochs (a background feature pass, replicas) ends with it, however it ends.
  let replicas: Replicas<Batch> | null | undefined;
  let restoreKernelThreads: number | undefined;
  try {
    if (run.lrScales?.size) {
      if (!(optimizer instanceof FusedAdam)) throw new Error(`a per-layer learning rate needs the trainer's Adam; this checkpoint's optimizer is ${optimizer.getClassName()}`);
      optimizer.lrScales = run.lrScales;
    }
    const valRows = Array.from({ length: val.n }, (_, i) => i);
    const meta = { role: inp.role, train: c };

    /** Saves the live net as the best epoch `epoch` (its checkpoint and validation records); returns its record. */
    const saveBest = async (epoch: number, score: number, rec: Float32Array, trainerState: TrainerState): Promise<BestEpoch> => {
      const dir = bestEpochDir(epoch);
      await arch.saveCheckpoint(path.join(ckptDir, dir), net, optimizer, trainerState, { ...meta, epoch });
      const bytes = new Uint8Array(rec.buffer, rec.byteOffset, rec.byteLength);
      await writeFileAtomicAsync(path.join(ckptDir, dir, VAL_RECORDS_FILE), bytes);
      return { epoch, score, dir, recordsSha256: sha256(bytes), recordsBytes: bytes.byteLength };
    };

    // The kept epoch's validation records, when this process has them in memory.
    let bestRec: Float32Array | null = null;
    if (resumedFrom !== null && valRows.length) {
      if (state.best && !(await arch.hasCheckpoint(path.join(ckptDir, state.best.dir)))) {
        hooks.log(`the best epoch's checkpoint (${state.best.dir}) is missing; the resumed weights count as the best so far`);
        state = { ...state, best: undefined };
      }
      if (state.best === undefined && state.epochsDone > 0) {
        // A checkpoint from before the loop kept the best epoch: its weights are the best we have.
        const rec = await run.predictVal(hooks.checkpoint);
        const score = selectionScore(evaluatePredictions(val, valRows, rec));
        state = { ...state, best: await saveBest(state.epochsDone, score, rec, state) };
        bestRec = rec;
      }
    }
    await sweepBestDirs(ckptDir, state.best?.dir ?? null);

    for (let epoch = state.epochsDone; epoch < c.epochs; epoch++) {
      const lr = learningRate(c, epoch);
      (optimizer as unknown as { learningRate: number }).learningRate = lr;
      const plan = run.epoch(epoch);
      let steps = Math.ceil(plan.items / c.batch);
      if (c.maxStepsPerEpoch > 0) steps = Math.min(steps, c.maxStepsPerEpoch);
      // Data-parallel replicas, decided once, when the run's length is known (the first epoch's steps).
      if (replicas === undefined) {
        const threads = inp.threads ?? 1;
        const mode = inp.dataParallel ?? 'auto';
        const wanted = mode === 'on' || (mode === 'auto' && run.replicas?.worthSplitting === true && steps * (c.epochs - epoch) >= REPLICA_MIN_STEPS);
        replicas = threads > 1 && wanted ? await startReplicas(arch.arch, run, threads, hooks) : null;
        if (replicas) hooks.log(`data-parallel: each batch split by rows over ${replicas.size} replicas (this thread and ${replicas.size - 1} learning thread${replicas.size > 2 ? 's' : ''}), their gradients summed every step`);
        // A run alone on its cores (no replicas): each native convolution splits its work over them.
        else if (threads > 1 && nativeKernelsStatus().active) {
          restoreKernelThreads = setNativeConvThreads(threads);
          hooks.log(`native conv kernels: each convolution split over up to ${threads} threads`);
        }
      }
      const sums: Record<string, number> = {};
      let next = steps > 0 ? plan.batch(0) : null;
      const t0 = Date.now();
      for (let k = 0; k < steps; k++) {
        const b = await next!;
        if (k + 1 < steps) next = plan.batch(k + 1); // prefetch while this step runs
        let terms: Record<string, number>;
        try {
          terms = replicas ? await replicas.step(b, optimizer) : await stepHere(run, b, optimizer);
        } finally {
          run.disposeBatch(b);
        }
        if (!Number.isFinite(terms.loss)) throw new Error(`loss became ${terms.loss} at epoch ${epoch + 1}, step ${k + 1} (lower the learning rate)`);
        for (const [name, v] of Object.entries(terms)) sums[name] = (sums[name] ?? 0) + v;
        const avg = Object.fromEntries(Object.entries(sums).map(([n, v]) => [n, v / (k + 1)]));
        hooks.progress(epoch * steps + k + 1, c.epochs * steps, `epoch ${epoch + 1}/${c.epochs}`, { ...avg, lr, epoch: epoch + 1 });
        await hooks.checkpoint();
      }
      const seconds = (Date.now() - t0) / 1000;
      // Validation at AU threshold 0.5 (the reported figure, and what picks the kept epoch).
      const rec = valRows.length ? await run.predictVal(hooks.checkpoint) : null;
      const valBlock = rec ? evaluatePredictions(val, valRows, rec) : null;
      const score = valBlock ? selectionScore(valBlock) : null;
      const improved = score !== null && (!state.best || score > state.best.score);
      const rate = (steps * c.batch) / Math.max(seconds, 1e-9);
      const metrics = {
        epoch: epoch + 1,
        lr,
        steps,
        seconds,
        [`${arch.unit}PerSecond`]: rate,
        train: Object.fromEntries(Object.entries(sums).map(([n, v]) => [n, v / steps])),
        val: valBlock ? scoresOf(valBlock) : null,
        /** The selection score (sum of the val scores at 0.5) and whether this epoch is the best so far. */
        valScore: score,
        best: improved,
      };
      const history = [...state.history, metrics];
      let best = state.best ?? null;
      if (improved) {
        best = await saveBest(epoch + 1, score!, rec!, { epochsDone: epoch + 1, history, best: null });
        bestRec = rec;
      }
      state = { epochsDone: epoch + 1, history, best };
      await arch.saveCheckpoint(ckptDir, net, optimizer, state, meta); // the commit point
      if (improved) await sweepBestDirs(ckptDir, best!.dir);
      hooks.epochDone(epoch + 1, metrics);
      hooks.log(
        `epoch ${epoch + 1}/${c.epochs}: loss ${metrics.train.loss?.toFixed(4)} ` +
          (metrics.val
            ? `val AU ${fmt(metrics.val.au)} EXPR ${fmt(metrics.val.expr)} V ${fmt(metrics.val.valence)} A ${fmt(metrics.val.arousal)}, sum ${fmt(score)}` +
              (improved ? ' (best so far)' : ` (best: epoch ${best?.epoch})`)
            : '(no validation split)') +
          ` (${rate.toFixed(1)} ${arch.unit}/s)`,
      );
    }

    // The kept epoch: the best validation epoch's weights (loaded back when a later epoch was worse).
    let keptEpoch = state.epochsDone;
    let rec: Float32Array | null = null;
    const best = valRows.length ? state.best : null;
    if (best) {
      keptEpoch = best.epoch;
      rec = bestRec ?? (await readBestRecords(path.join(ckptDir, best.dir), best));
      if (best.epoch !== state.epochsDone) {
        arch.dispose(net);
        const ck = await arch.loadCheckpoint(path.join(ckptDir, best.dir));
        ck.optimizer.dispose();
        net = ck.net;
      }
      hooks.log(`keeping epoch ${best.epoch} of ${state.epochsDone}: the best validation score (${best.score.toFixed(4)}, the sum of the AU, EXPR, V and A scores at AU threshold 0.5)`);
    }

    // AU thresholds: 0.5 (the paper) unless the config asks for tuning on the validation split.
    let thresholds = new Array<number>(NUM_AUS).fill(0.5);
    let tunedOn: ThresholdsTunedOn = null;
    if (c.auThresholds === 'tuned') {
      if (rec) {
        thresholds = tuneThresholds(val, valRows, rec);
        tunedOn = 'val';
        hooks.log(`AU thresholds tuned on the validation split: ${thresholds.map((t) => t.toFixed(2)).join(' ')} (the validation figures stay at 0.5)`);
      } else hooks.log('AU thresholds stay 0.5: no validation split to tune them on');
    }
    const valBlock: EvaluationBlock | null = rec ? evaluatePredictions(val, valRows, rec) : null;
    await arch.saveModel(net, inp.modelDir, { auThresholds: thresholds, auThresholdsTunedOn: tunedOn, keptEpoch, ...meta, history: state.history });
    optimizer.dispose();
    return { net, thresholds, thresholdsTunedOn: tunedOn, val: valBlock, epochs: c.epochs, keptEpoch, resumedFrom };
  } finally {
    if (restoreKernelThreads !== undefined) setNativeConvThreads(restoreKernelThreads);
    await replicas?.close();
    await run.finish?.();
  }
}

/** One optimizer step of batch b in this thread; answers the loss terms (loss: the total). */
async function stepHere<Batch>(run: ArchRun<Batch>, b: Batch, optimizer: tf.Optimizer): Promise<Record<string, number>> {
  let kept: Record<string, tf.Scalar> = {};
  const total = optimizer.minimize(
    () => {
      const terms = run.loss(b);
      kept = { au: tf.keep(terms.au), expr: tf.keep(terms.expr), v: tf.keep(terms.v), a: tf.keep(terms.a) };
      return terms.total;
    },
    true,
    run.vars,
  );
  const out: Record<string, number> = { loss: (await total!.data())[0] };
  for (const [name, t] of Object.entries(kept)) out[name] = (await t.data())[0];
  tf.dispose([total!, ...Object.values(kept)]);
  return out;
}

/** Removes best-epoch folders other than `keep` (left by superseded bests or a killed run). */
async function sweepBestDirs(ckptDir: string, keep: string | null): Promise<void> {
  const names = await fs.readdir(ckptDir).catch(() => [] as string[]);
  for (const n of names) if (BEST_DIR.test(n) && n !== keep) await fs.rm(path.join(ckptDir, n), { recursive: true, force: true });
}

async function readBestRecords(dir: string, best: BestEpoch): Promise<Float32Array> {
  const file = path.join(dir, VAL_RECORDS_FILE);
  const data = await readArrayBuffer(file);
  verifyBytes(file, data, best.recordsBytes, best.recordsSha256);
  return new Float32Array(data);
}

function fmt(v: number | null): string {
  return v === null ? '–' : v.toFixed(3);
}
