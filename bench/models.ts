// Training and inference throughput of every backbone on the active backend.
//
//   npx tsx bench/models.ts [--batch 32] [--steps 3] [--threads 1] [--backend wasm|cpu|…]
//                           [--only small,resnet18,face-frozen,face,resnet50] [--train50 1]
//                           [--spec small:stemK:stemS:c1,c2,c3,c4:blocks]   (tries another small net)
//
// Rows: images/s for one Adam training step (forward in training mode + a multitask loss +
// backward + update) and for inference (forward in inference mode), batch 32, 112×112, random
// pixels (speed does not depend on the content). "face frozen" trains the heads only: per step,
// backbone inference on the batch then a heads step on its features (the trainer can cache the
// features instead; the heads-only step alone is reported on its own row).
// resnet50 is timed for inference only unless --train50 1: on wasm a batch-32 training step
// needs more than the 4 GB wasm heap and aborts the whole process (not a catchable error).
// Timings are wall-clock: run it on an otherwise idle machine.

import { performance } from 'node:perf_hooks';
import { describeBackend, initBackend, tf, type BackendName } from '../src/ml/backend';
import { buildModel, disposeNet, extractFeatures, forward, trainableVariables, RESNET_SPECS, type ModelOutputs } from '../src/ml/models';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : def;
}

const batch = Number(arg('batch', '32'));
const steps = Number(arg('steps', '3'));
const only = arg('only', '').split(',').filter(Boolean);
const spec = arg('spec', '');

/** A stand-in for the teacher loss with the same shape of work: BCE (AU) + CE (EXPR, V, A). */
function syntheticLoss(o: ModelOutputs, t: { au: tf.Tensor; expr: tf.Tensor; v: tf.Tensor; a: tf.Tensor }): tf.Scalar {
  const ce = (logits: tf.Tensor, onehot: tf.Tensor) => tf.losses.softmaxCrossEntropy(onehot, logits);
  return tf.addN([
    tf.mul(8, tf.losses.sigmoidCrossEntropy(t.au, o.au)),
    ce(o.expr, t.expr),
    ce(o.v, t.v),
    ce(o.a, t.a),
  ]) as tf.Scalar;
}

function targets(b: number) {
  return tf.tidy(() => {
    const onehot = (n: number) => tf.oneHot(tf.randomUniform([b], 0, n, 'int32') as tf.Tensor1D, n).toFloat();
    return { au: tf.randomUniform([b, 8]).round(), expr: onehot(7), v: onehot(20), a: onehot(20) };
  });
}

async function time(fn: () => void | Promise<void>, n: number): Promise<number> {
  await fn(); // warm-up (kernel set-up, first allocation)
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await fn();
  return (performance.now() - t0) / n;
}

type Row = { name: string; trainMs?: number; inferMs?: number; params?: number; note?: string };
const rows: Row[] = [];

function trainStep(model: tf.LayersModel, opt: tf.Optimizer, x: tf.Tensor, t: ReturnType<typeof targets>): () => Promise<void> {
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

async function benchBackbone(name: string, backbone: 'small' | 'resnet18' | 'resnet50' | 'face', train: boolean): Promise<void> {
  const net = await buildModel({ backbone, seed: 1 });
  const x = tf.randomUniform([batch, 112, 112, 3]);
  const t = targets(batch);
  const opt = tf.train.adam(1e-4);
  const row: Row = { name, params: net.model.countParams() };
  try {
    if (train) row.trainMs = await time(trainStep(net.model, opt, x, t), steps);
  } catch (e) {
    row.note = `training fails: ${(e as Error).message.split('\n')[0]}`;
  }
  row.inferMs = await time(inferStep(net.model, x), steps);
  rows.push(row);
  opt.dispose();
  tf.dispose([x, ...Object.values(t)]);
  disposeNet(net);
}

async function benchFaceFrozen(): Promise<void> {
  const net = await buildModel({ backbone: 'face', seed: 1, freezeBackbone: true });
  const x = tf.randomUniform([batch, 112, 112, 3]);
  const t = targets(batch);
  const opt = tf.train.adam(1e-4);
  const feats = extractFeatures(net, x);
  const headsStep = trainStep(net.heads, opt, feats, t);
  const featMs = await time(async () => {
    const f = extractFeatures(net, x);
    await f.data();
    f.dispose();
  }, steps);
  const headsMs = await time(headsStep, steps * 3);
  rows.push({ name: 'face frozen (features + heads step)', trainMs: featMs + headsMs, params: net.heads.countParams(), note: 'trainable params = heads' });
  rows.push({ name: 'heads step on cached features', trainMs: headsMs, params: net.heads.countParams() });
  opt.dispose();
  tf.dispose([x, feats, ...Object.values(t)]);
  disposeNet(net);
}

/** `--spec small:5:4:32,64,128,256:1` overrides the small net (for tuning it). */
function applySpec(): void {
  if (!spec) return;
  const [, k, s, chans, blocks] = spec.split(':');
  const c = chans.split(',').map(Number);
  const nb = Number(blocks ?? 1);
  (RESNET_SPECS as Record<string, unknown>).small = {
    stem: { filters: c[0], kernel: Number(k), stride: Number(s) },
    block: 'basic',
    stages: c.map((f, i) => ({ filters: f, blocks: nb, stride: i === 0 ? 1 : 2 })),
  };
}

const info = await initBackend({ prefer: arg('backend', '') ? (arg('backend', '') as BackendName) : undefined, threads: Number(arg('threads', '1')) });
applySpec();
console.log(`backend: ${describeBackend(info)}; batch ${batch}, 112×112, ${steps} timed steps after one warm-up`);
const want = (n: string) => only.length === 0 || only.includes(n);
if (want('small')) await benchBackbone('small', 'small', true);
if (want('resnet18')) await benchBackbone('resnet18', 'resnet18', true);
if (want('face-frozen')) await benchFaceFrozen();
if (want('face')) await benchBackbone('face fine-tune', 'face', true);
if (want('resnet50')) await benchBackbone('resnet50', 'resnet50', arg('train50', '') === '1');

const ips = (ms?: number) => (ms == null ? '—' : ((batch * 1000) / ms).toFixed(1));
const ms = (v?: number) => (v == null ? '—' : v.toFixed(0));
console.log('\n| model | params | train ms/step | train img/s | infer ms/batch | infer img/s | note |');
console.log('|---|---:|---:|---:|---:|---:|---|');
for (const r of rows) {
  console.log(`| ${r.name} | ${r.params?.toLocaleString('en-US') ?? ''} | ${ms(r.trainMs)} | ${ips(r.trainMs)} | ${ms(r.inferMs)} | ${ips(r.inferMs)} | ${r.note ?? ''} |`);
}
console.log(`tensors alive at exit: ${tf.memory().numTensors}`);
