// ms per training step of a small ResNet-18-like multitask net (batch 32, 112×112×3) on the wasm
// backend, with and without our kernels (src/ml/kernels), plus the same step in PyTorch when
// `import torch` works.  Run: npx tsx bench/train-step.ts [--steps 5] [--width 16] [--batch 32]
//
// Configurations (cumulative; interleaved step by step in this process, except the threaded one,
// which needs a fresh backend):
//   stock      wasm as shipped + only our Conv2DBackpropFilter (without it training cannot run),
//              tfjs-core's batch-norm gradient (with Tile), batch norm as tf.moments + tf.batchNorm
//   +phase     + our Conv2DBackpropInput (phase convolution)
//   +bn-grad   + the Tile-free FusedBatchNorm gradient
//   +bn-op     + batchNormTraining (closed-form batch-norm gradient)
//   +maxpool   + our MaxPoolGrad
//   +reduce    + per-channel Sum/Mean as matMul = everything src/ml/kernels ships
//   threads=2  everything, threaded SIMD wasm build with 2 XNNPACK threads (child process)

import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { batchNormTraining, initBackend, tf } from '../src/ml/backend';
import { registerWasmTrainingKernels, restoreOriginalWasmKernel } from '../src/ml/kernels/index';
import { fusedBatchNormGradConfig } from '../src/ml/kernels/batch-norm';
import { findTorch, runTorch, type TorchArch } from './lib/torch';

interface Args {
  steps: number;
  width: number;
  batch: number;
  child?: string;
  threads: number;
}

function parseArgs(argv: string[]): Args {
  const get = (name: string): string | undefined => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  return {
    steps: Number(get('steps') ?? 5),
    width: Number(get('width') ?? 16),
    batch: Number(get('batch') ?? 32),
    child: get('child'),
    threads: Number(get('threads') ?? 1),
  };
}

// ---- the model: ResNet-18 layout (2-2-2-2 basic blocks), widths w, 2w, 4w, 8w ---------------

export type BnMode = 'core' | 'custom';
const HEADS = { au: 8, expr: 7, v: 20, a: 20 } as const;

export class Net {
  readonly vars: tf.Variable[] = [];
  private n = 0;
  private readonly params = new Map<string, tf.Variable>();

  constructor(readonly width: number) {}

  private variable(shape: number[], init: 'he' | 'one' | 'zero', fanIn = 1): tf.Variable {
    const key = `v${this.n++}`;
    let v = this.params.get(key);
    if (v == null) {
      const t =
        init === 'he'
          ? tf.randomNormal(shape, 0, Math.sqrt(2 / fanIn), 'float32', this.n)
          : init === 'one'
            ? tf.ones(shape)
            : tf.zeros(shape);
      v = tf.variable(t, true, key);
      t.dispose();
      this.params.set(key, v);
      this.vars.push(v);
    }
    return v;
  }

  private conv(x: tf.Tensor4D, k: number, cout: number, stride: number): tf.Tensor4D {
    const cin = x.shape[3];
    return tf.conv2d(x, this.variable([k, k, cin, cout], 'he', k * k * cin) as tf.Tensor4D, stride, 'same');
  }

  private bn(x: tf.Tensor, mode: BnMode): tf.Tensor {
    const c = x.shape[x.rank - 1];
    const gamma = this.variable([c], 'one') as tf.Tensor1D;
    const beta = this.variable([c], 'zero') as tf.Tensor1D;
    if (mode === 'custom') return batchNormTraining(x, gamma, beta, 1e-5).y;
    const axes = x.shape.slice(0, -1).map((_, i) => i);
    const { mean, variance } = tf.moments(x, axes);
    return tf.batchNorm(x, mean, variance, beta, gamma, 1e-5);
  }

  private dense(x: tf.Tensor2D, out: number): tf.Tensor2D {
    const w = this.variable([x.shape[1], out], 'he', x.shape[1]) as tf.Tensor2D;
    return tf.add(tf.matMul(x, w), this.variable([out], 'zero')) as tf.Tensor2D;
  }

  private block(x: tf.Tensor4D, cout: number, stride: number, mode: BnMode): tf.Tensor4D {
    let y = tf.relu(this.bn(this.conv(x, 3, cout, stride), mode)) as tf.Tensor4D;
    y = this.bn(this.conv(y, 3, cout, 1), mode) as tf.Tensor4D;
    const shortcut = stride !== 1 || x.shape[3] !== cout ? (this.bn(this.conv(x, 1, cout, stride), mode) as tf.Tensor4D) : x;
    return tf.relu(tf.add(y, shortcut)) as tf.Tensor4D;
  }

  forward(x: tf.Tensor4D, mode: BnMode): Record<keyof typeof HEADS, tf.Tensor2D> {
    this.n = 0;
    let y = tf.relu(this.bn(this.conv(x, 7, this.width, 2), mode)) as tf.Tensor4D;
    y = tf.maxPool(y, 3, 2, 'same');
    [1, 2, 4, 8].forEach((m, stage) => {
      y = this.block(y, this.width * m, stage === 0 ? 1 : 2, mode);
      y = this.block(y, this.width * m, 1, mode);
    });
    const feat = tf.mean(y, [1, 2]) as tf.Tensor2D;
    const head = (out: number): tf.Tensor2D => {
      const h = tf.relu(this.dense(this.bn(feat, mode) as tf.Tensor2D, 128)) as tf.Tensor2D;
      return this.dense(this.bn(h, mode) as tf.Tensor2D, out);
    };
    return { au: head(HEADS.au), expr: head(HEADS.expr), v: head(HEADS.v), a: head(HEADS.a) };
  }
}

export interface Batch {
  x: tf.Tensor4D;
  au: tf.Tensor2D;
  expr: tf.Tensor2D;
  v: tf.Tensor2D;
  a: tf.Tensor2D;
}

export function makeBatch(n: number): Batch {
  const oneHot = (k: number, seed: number): tf.Tensor2D =>
    tf.tidy(() => tf.oneHot(tf.randomUniform([n], 0, k, 'int32', seed), k).toFloat() as tf.Tensor2D);
  return {
    x: tf.randomNormal([n, 112, 112, 3], 0, 1, 'float32', 1),
    au: tf.tidy(() => tf.randomUniform([n, 8], 0, 1, 'float32', 2).round() as tf.Tensor2D),
    expr: oneHot(7, 3),
    v: oneHot(20, 4),
    a: oneHot(20, 5),
  };
}

/** Teacher loss shape of the paper (8·AU + EXPR + V + A), CE terms only. */
export function loss(net: Net, b: Batch, mode: BnMode): tf.Scalar {
  const out = net.forward(b.x, mode);
  const au = tf.losses.sigmoidCrossEntropy(b.au, out.au);
  const ce = (labels: tf.Tensor2D, logits: tf.Tensor2D): tf.Scalar => tf.losses.softmaxCrossEntropy(labels, logits);
  return tf.addN([tf.mul(au, 8), ce(b.expr, out.expr), ce(b.v, out.v), ce(b.a, out.a)]) as tf.Scalar;
}

interface StepTime {
  /** Median wall-clock ms per step. */
  wall: number;
  /** Median process CPU ms per step (all threads): steadier than wall time on a shared machine. */
  cpu: number;
}

/**
 * Median times per configuration, the configurations interleaved step by step (round robin) so
 * that load from other processes and V8's background tier-up of the wasm code hit all alike.
 */
async function timeConfigs(net: Net, b: Batch, configs: string[], steps: number, warmup = 2): Promise<Map<string, StepTime>> {
  const opt = tf.train.adam(1e-4);
  const step = async (config: string): Promise<StepTime> => {
    const mode = configure(config);
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const cost = opt.minimize(() => loss(net, b, mode), true, net.vars);
    await cost!.data();
    cost!.dispose();
    const c = process.cpuUsage(c0);
    return { wall: performance.now() - t0, cpu: (c.user + c.system) / 1000 };
  };
  const times = new Map<string, StepTime[]>(configs.map((c) => [c, []]));
  for (let round = 0; round < warmup + steps; round++) {
    for (const c of configs) {
      const t = await step(c);
      if (round >= warmup) times.get(c)!.push(t);
    }
  }
  opt.dispose();
  const median = (xs: number[]): number => xs.sort((x, y) => x - y)[Math.floor(xs.length / 2)];
  const result = new Map<string, StepTime>();
  for (const [c, ts] of times) {
    if (process.env.BENCH_VERBOSE) console.error(c, ts.map((t) => `${t.wall.toFixed(0)}/${t.cpu.toFixed(0)}`).join(' '));
    result.set(c, { wall: median(ts.map((t) => t.wall)), cpu: median(ts.map((t) => t.cpu)) });
  }
  return result;
}

// ---- configurations ---------------------------------------------------------------------------

const coreBnGrad = tf.getGradient(tf.FusedBatchNorm);

/** Cumulative configurations, each adding one remedy to the previous. */
export const CONFIGS = ['stock', '+phase', '+bn-grad', '+bn-op', '+maxpool', '+reduce'] as const;
const ALL = '+reduce';

/** Installs configuration `name`'s kernels and gradient; returns the batch-norm style to use. */
export function configure(name: string): BnMode {
  const level = CONFIGS.indexOf(name as (typeof CONFIGS)[number]);
  if (level < 0) throw new Error(`unknown configuration ${name}`);
  registerWasmTrainingKernels();
  if (level < 1) restoreOriginalWasmKernel(tf.Conv2DBackpropInput);
  if (level < 2 && coreBnGrad != null) tf.registerGradient(coreBnGrad);
  if (level >= 2) tf.registerGradient(fusedBatchNormGradConfig);
  if (level < 4) restoreOriginalWasmKernel(tf.MaxPoolGrad);
  if (level < 5) {
    restoreOriginalWasmKernel(tf.Sum);
    restoreOriginalWasmKernel(tf.Mean);
  }
  return level >= 3 ? 'custom' : 'core';
}

async function runInProcess(args: Args, configs: string[]): Promise<Map<string, StepTime>> {
  const info = await initBackend({ threads: args.threads });
  if (info.name !== 'wasm') throw new Error(`expected the wasm backend, got ${info.name}`);
  const net = new Net(args.width);
  const batch = makeBatch(args.batch);
  // Create the variables (minimize needs the list before its first call).
  tf.tidy(() => void net.forward(batch.x, 'core'));
  const results = await timeConfigs(net, batch, configs, args.steps);
  for (const [c, t] of results) {
    console.error(`  ${c.padEnd(10)} ${t.wall.toFixed(0)} ms/step wall, ${t.cpu.toFixed(0)} ms CPU (threads=${info.threads})`);
  }
  return results;
}

function runThreadedChild(args: Args): StepTime | string {
  const self = fileURLToPath(import.meta.url);
  const r = spawnSync(
    process.execPath,
    [...process.execArgv, self, '--child', 'threads', '--threads', '2', '--steps', String(args.steps), '--width', String(args.width), '--batch', String(args.batch)],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 600_000 },
  );
  const m = /^RESULT (\d+(?:\.\d+)?) (\d+(?:\.\d+)?)$/m.exec(r.stdout ?? '');
  return m ? { wall: Number(m[1]), cpu: Number(m[2]) } : `failed (exit ${r.status})`;
}

/** This file's network in PyTorch (bench/lib/torch_models.py): ResNet-18 layout with a max-pool after the stem, four heads. */
function runTorchPeer(args: Args): StepTime | string {
  const torch = findTorch();
  if (!torch) return 'not available (no python3 with torch: apt-get install python3-torch, or set AW_PYTHON; `npm run bench` installs it)';
  const w = args.width;
  const arch: TorchArch = {
    kind: 'resnet',
    stem: { filters: w, kernel: 7, stride: 2, maxpool: true },
    block: 'basic',
    stages: [1, 2, 4, 8].map((m, i) => ({ filters: w * m, blocks: 2, stride: i === 0 ? 1 : 2 })),
    shared_va: false,
    bn_eps: 1e-5,
  };
  const r = runTorch(torch.python, { batch: args.batch, size: 112, steps: args.steps, warmup: 2, models: [{ name: 'pytorch', arch, modes: ['train'] }] });
  if (typeof r === 'string') return r;
  const row = r.rows[0];
  return row.trainMs != null && row.trainCpuMs != null ? { wall: row.trainMs, cpu: row.trainCpuMs } : 'failed: no training time';
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.child === 'threads') {
    const t = (await runInProcess(args, [ALL])).get(ALL)!;
    console.log(`RESULT ${t.wall.toFixed(1)} ${t.cpu.toFixed(1)}`);
    return;
  }
  console.error(
    `train step: ResNet-18 layout, widths ${[1, 2, 4, 8].map((m) => m * args.width).join('/')}, batch ${args.batch}, ` +
      `112x112x3, Adam; median of ${args.steps} steps per configuration after 2 warm-up rounds, interleaved`,
  );
  const rows = new Map<string, StepTime | string>(await runInProcess(args, [...CONFIGS]));
  rows.set('threads=2', runThreadedChild(args));
  rows.set('pytorch', runTorchPeer(args));

  const base = rows.get('stock') as StepTime;
  const ours = rows.get(ALL) as StepTime;
  console.log('\nconfig        wall ms   CPU ms   stock/this (CPU)   stock/this (wall)   ours/this (wall)');
  for (const [name, v] of rows) {
    if (typeof v === 'string') {
      console.log(`${name.padEnd(12)} ${v}`);
      continue;
    }
    // CPU time of a multi-threaded run sums its threads: no CPU ratio for those.
    const oneThread = name !== 'threads=2' && name !== 'pytorch';
    const cols = [
      v.wall.toFixed(0).padStart(8),
      v.cpu.toFixed(0).padStart(8),
      (oneThread ? `${(base.cpu / v.cpu).toFixed(2)}x` : '-').padStart(18),
      `${(base.wall / v.wall).toFixed(2)}x`.padStart(19),
      `${(ours.wall / v.wall).toFixed(2)}x`.padStart(18),
    ];
    console.log(`${name.padEnd(12)}${cols.join(' ')}`);
  }
  console.log(
    '\nCPU ms = process CPU time per step (all threads). On a shared machine it is the steadier figure\n' +
      'for single-threaded runs; wall time is what a multi-threaded run saves.',
  );
}

// Run only as a script (the profiler and tests may import the model).
if (process.argv[1] != null && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  await main();
}
