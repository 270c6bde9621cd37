// The training loop of Algorithm 1, for a teacher (Eq. 4) or a student (Eq. 7), of any
// architecture (./arch.ts: the CNN in ./cnn.ts, the CNN-RNN in ../rnn/trainer.ts).
//
// Per epoch: the architecture's batches (fetched one ahead while the previous step runs), Adam
// with the paper's step schedule, a validation pass, a checkpoint. A run resumes from its last
// checkpoint at the next epoch (epoch order is a function of seed and epoch, so a resumed run draws
// exactly the batches the uninterrupted one would have). At the end the per-AU thresholds are tuned
// on the validation split and stored with the model.
import path from 'node:path';
import { tf } from '../backend';
import { NUM_AUS } from '../../shared/labels';
import type { EvaluationBlock } from '../../shared/metrics';
import { learningRate } from './config';
import { evaluatePredictions, scoresOf, tuneThresholds } from './evaluate';
import type { ArchTrainer, TrainerState, TrainHooks, TrainInputBase, TrainResult } from './arch';

export async function trainModel<In extends TrainInputBase, Net, Batch>(arch: ArchTrainer<In, Net, Batch>, inp: In, hooks: TrainHooks): Promise<TrainResult<Net>> {
  const { config: c, val } = inp;
  const ckptDir = path.join(inp.modelDir, 'checkpoint');
  let net: Net;
  let optimizer: tf.Optimizer;
  let state: TrainerState = { epochsDone: 0, history: [] };
  let resumedFrom: number | null = null;
  if (await arch.hasCheckpoint(ckptDir)) {
    const ck = await arch.loadCheckpoint(ckptDir);
    net = ck.net;
    optimizer = ck.optimizer;
    state = ck.trainerState;
    resumedFrom = state.epochsDone;
    hooks.log(`resuming from the checkpoint after epoch ${state.epochsDone}`);
  } else {
    net = await arch.build(inp);
    optimizer = tf.train.adam(c.lr);
  }
  let run: Awaited<ReturnType<typeof arch.prepare>>;
  try {
    run = await arch.prepare(net, inp, hooks);
  } catch (e) {
    arch.dispose(net);
    optimizer.dispose();
    throw e;
  }
  const valRows = Array.from({ length: val.n }, (_, i) => i);

  let valBlock: EvaluationBlock | null = null;
  for (let epoch = state.epochsDone; epoch < c.epochs; epoch++) {
    const lr = learningRate(c, epoch);
    (optimizer as unknown as { learningRate: number }).learningRate = lr;
    const plan = run.epoch(epoch);
    let steps = Math.ceil(plan.items / c.batch);
    if (c.maxStepsPerEpoch > 0) steps = Math.min(steps, c.maxStepsPerEpoch);
    const sums: Record<string, number> = {};
    let next = steps > 0 ? plan.batch(0) : null;
    const t0 = Date.now();
    for (let k = 0; k < steps; k++) {
      const b = await next!;
      if (k + 1 < steps) next = plan.batch(k + 1); // prefetch while this step runs
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
      const lossNow = (await total!.data())[0];
      if (!Number.isFinite(lossNow)) throw new Error(`loss became ${lossNow} at epoch ${epoch + 1}, step ${k + 1} (lower the learning rate)`);
      sums.loss = (sums.loss ?? 0) + lossNow;
      for (const [name, t] of Object.entries(kept)) sums[name] = (sums[name] ?? 0) + (await t.data())[0];
      tf.dispose([total!, ...Object.values(kept)]);
      run.disposeBatch(b);
      const avg = Object.fromEntries(Object.entries(sums).map(([n, v]) => [n, v / (k + 1)]));
      hooks.progress(epoch * steps + k + 1, c.epochs * steps, `epoch ${epoch + 1}/${c.epochs}`, { ...avg, lr, epoch: epoch + 1 });
      await hooks.checkpoint();
    }
    const seconds = (Date.now() - t0) / 1000;
    // Validation with the default 0.5 thresholds (tuned thresholds come at the end).
    if (valRows.length) valBlock = evaluatePredictions(val, valRows, await run.predictVal(hooks.checkpoint));
    const rate = (steps * c.batch) / Math.max(seconds, 1e-9);
    const metrics = {
      epoch: epoch + 1,
      lr,
      steps,
      seconds,
      [`${arch.unit}PerSecond`]: rate,
      train: Object.fromEntries(Object.entries(sums).map(([n, v]) => [n, v / steps])),
      val: valBlock ? scoresOf(valBlock) : null,
    };
    state = { epochsDone: epoch + 1, history: [...state.history, metrics] };
    await arch.saveCheckpoint(ckptDir, net, optimizer, state, { role: inp.role, train: c });
    hooks.epochDone(epoch + 1, metrics);
    hooks.log(
      `epoch ${epoch + 1}/${c.epochs}: loss ${metrics.train.loss?.toFixed(4)} ` +
        (metrics.val ? `val AU ${fmt(metrics.val.au)} EXPR ${fmt(metrics.val.expr)} V ${fmt(metrics.val.valence)} A ${fmt(metrics.val.arousal)}` : '(no validation split)') +
        ` (${rate.toFixed(1)} ${arch.unit}/s)`,
    );
  }

  // Per-AU thresholds tuned on the validation split and stored with the model.
  let thresholds = new Array<number>(NUM_AUS).fill(0.5);
  if (valRows.length) {
    const rec = await run.predictVal(hooks.checkpoint);
    thresholds = tuneThresholds(val, valRows, rec);
    valBlock = evaluatePredictions(val, valRows, rec, thresholds);
  }
  await arch.saveModel(net, inp.modelDir, { auThresholds: thresholds, role: inp.role, train: c, history: state.history });
  optimizer.dispose();
  return { net, thresholds, val: valBlock, epochs: c.epochs, resumedFrom };
}

function fmt(v: number | null): string {
  return v === null ? '–' : v.toFixed(3);
}
