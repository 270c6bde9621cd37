// Data-parallel training of one model (issue 14 item 3) against one thread, and PyTorch at its
// default thread count and at the same thread count, in one run.
//
//   npm run bench -- data-parallel [--backbone small|face|resnet18] [--batch 32] [--steps 48] [--threads N] [--json]
//
// Ours: the real training loop (src/ml/train/trainer.ts, replicas forced on: dataParallel 'on')
// fine-tuning `backbone` at 112 px on
// synthetic labelled frames (random pixels: the cost of a step does not depend on them), one epoch
// of `steps` steps, with 1 thread and with N (default: AW_THREADS, else the cores); samples/s is
// the loop's own figure (the whole epoch, batch making included). The thread start is outside it.
// PyTorch: bench/lib/torch_models.py's training step of the same layout, its default thread count
// and N threads. Figures: docs/ARCHITECTURE.md §6.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { initBackend, tf } from '../src/ml/backend';
import { cnnTrainer, type TrainInput } from '../src/ml/train/cnn';
import { resolveTrainConfig } from '../src/ml/train/config';
import { trainModel } from '../src/ml/train/trainer';
import type { TrainHooks } from '../src/ml/train/arch';
import { disposeNet } from '../src/ml/models';
import { defaultThreadCount } from '../src/base/threads';
import { useSourceThreads } from '../src/worker/dev-threads';
import { unlabelledSamples } from '../src/shared/samples';
import { NUM_AUS } from '../src/shared/labels';
import { mulberry32 } from '../src/shared/random';
import { archOf, findTorch, runTorch } from './lib/torch';
import { REPLICA_MIN_STEP_MS } from '../src/ml/threads/replicas';
import { wasmStepMs } from '../src/shared/train-estimate';
import { emitResult } from './lib/result';

useSourceThreads();

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : def;
}

const backbone = arg('backbone', 'small') as 'small' | 'face' | 'resnet18';
const batch = Number(arg('batch', '32'));
const steps = Number(arg('steps', '48'));
const threads = Number(arg('threads', String(defaultThreadCount())));
const SIZE = 112;

/** `n` frames, each labelled for every task (so each step's per-task shares are full). */
function samples(n: number) {
  const s = unlabelledSamples(n);
  const rng = mulberry32(7);
  for (let i = 0; i < n; i++) {
    s.frameId[i] = i + 1;
    s.mediaId[i] = 1;
    s.idx[i] = i;
    for (let k = 0; k < NUM_AUS; k++) s.au[i * NUM_AUS + k] = rng() < 0.3 ? 1 : 0;
    s.expr[i] = i % 7;
    s.valence[i] = rng() * 2 - 1;
    s.arousal[i] = rng() * 2 - 1;
    s.split[i] = 'train';
  }
  return s;
}

/** Random crops, the same for a frame every time. */
const crops = {
  has: () => true,
  batch: async (ids: readonly number[], size: number) => {
    const out = new Float32Array(ids.length * size * size * 3);
    ids.forEach((id, k) => {
      const rng = mulberry32(id);
      const per = size * size * 3;
      for (let i = 0; i < per; i++) out[k * per + i] = rng();
    });
    return out;
  },
};

/** Samples/s of the loop's epoch (wall), and per CPU-second of this process (every thread) from step 2 to the end. */
async function ours(n: number): Promise<{ samplesPerSecond: number; perCpuSecond: number; log: string[] }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aw-bench-dp-'));
  const log: string[] = [];
  let rate = 0;
  let cpu0: NodeJS.CpuUsage | null = null;
  let cpu = 0;
  try {
    const config = resolveTrainConfig({ backbone, inputSize: SIZE, batch, lr: 1e-4, epochs: 1, maxStepsPerEpoch: steps, augment: false }, 'teacher') as TrainInput['config'];
    const hooks: TrainHooks = {
      progress: (done) => {
        if (done === 1) cpu0 = process.cpuUsage();
      },
      log: (l) => log.push(l),
      checkpoint: async () => {},
      epochDone: (_e, m) => {
        rate = m.samplesPerSecond as number;
        const u = process.cpuUsage(cpu0 ?? undefined);
        cpu = (u.user + u.system) / 1e6;
      },
    };
    const train = samples(batch * steps);
    const r = await trainModel(cnnTrainer, { downsample: new Map(), crops, config, role: 'teacher', train, val: unlabelledSamples(0), modelDir: path.join(dir, 'm'), threads: n, dataParallel: 'on' }, hooks);
    disposeNet(r.net);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return { samplesPerSecond: rate, perCpuSecond: ((steps - 1) * batch) / cpu, log };
}

const info = await initBackend({ prefer: 'wasm', threads: 1 });
console.log(`${backbone} fine-tuned, batch ${batch}, ${SIZE}×${SIZE}, ${steps} steps; ${info.name}; ${os.availableParallelism()} cores; load ${os.loadavg()[0].toFixed(1)}`);
const estimated = wasmStepMs(backbone, batch, SIZE);
console.log(`replicas forced on here; the training loop's 'auto' rule would ${estimated >= REPLICA_MIN_STEP_MS ? '' : 'NOT '}split this run (estimated step ${estimated.toFixed(0)} ms, threshold ${REPLICA_MIN_STEP_MS} ms)`);
const one = await ours(1);
console.log(`ours, 1 thread: ${one.samplesPerSecond.toFixed(1)} samples/s (${one.perCpuSecond.toFixed(1)} per CPU-second)`);
const many = await ours(threads);
const split = many.log.find((l) => l.startsWith('data-parallel'));
console.log(`ours, ${threads} threads: ${many.samplesPerSecond.toFixed(1)} samples/s (${many.perCpuSecond.toFixed(1)} per CPU-second; ${split ?? 'NO data-parallel line in the log'}): ${(many.samplesPerSecond / one.samplesPerSecond).toFixed(2)}× one thread`);

const torch = findTorch();
const torchRows: Record<string, number> = {};
if (torch) {
  for (const t of [...new Set([torch.threads, threads])]) {
    const r = runTorch(torch.python, { batch, size: SIZE, steps: 5, min_seconds: 3, threads: t, models: [{ name: backbone, arch: archOf(backbone), modes: ['train'] }] });
    if (typeof r === 'string') {
      console.log(`PyTorch, ${t} thread(s): ${r}`);
      continue;
    }
    const ips = (batch * 1000) / r.rows[0].trainMs!;
    torchRows[String(r.threads)] = ips;
    console.log(`PyTorch ${r.version}, ${r.threads} thread${r.threads === 1 ? '' : 's'}${t === torch.threads ? ' (its default)' : ''}: ${ips.toFixed(1)} images/s; ours with ${threads} threads / this: ${(many.samplesPerSecond / ips).toFixed(2)}, ours with 1 thread / this: ${(one.samplesPerSecond / ips).toFixed(2)}`);
  }
} else console.log('PyTorch not found (npm run bench installs it)');
emitResult({ backbone, batch, steps, threads, oneThread: one.samplesPerSecond, dataParallel: many.samplesPerSecond, cpuEfficiency: many.perCpuSecond / one.perCpuSecond, speedup: many.samplesPerSecond / one.samplesPerSecond, torch: torchRows });
tf.disposeVariables();
