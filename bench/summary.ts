// The summary bench: what `npm run bench` runs without a name (also `npm run bench -- summary`).
// One table on stdout and bench-results.json in the repository root:
//   - per backbone (small, resnet18, face fine-tuned, face frozen): training and inference images/s on
//     our active backend (bench/models.ts, in a child process) against PyTorch on CPU for the same
//     layout, batch, input and thread count (bench/lib/torch.ts; Debian's python3-torch, installed
//     with apt-get when missing and allowed), with train_ratio / infer_ratio = ours / PyTorch;
//   - one model's training split over every core (bench/data-parallel.ts: the face backbone
//     fine-tuned, data-parallel replicas against one thread, and PyTorch at its default and at the
//     same thread count);
//   - Algorithm 1 end to end (bench/algorithm.ts): teacher → soft labels → 3 students → ensemble →
//     evaluate on FER2013 faces, face backbone frozen; by default 100 faces per class and 1 epoch,
//     --full for the whole set at 3 epochs (the issue's ≤ 10 minutes target);
//   - the face pipeline's frames/s (bench/faces.ts);
//   - import and export rows/s (bench/import-speed.ts, bench/export-speed.ts), each beside the same
//     rows through a bare better-sqlite3 prepared INSERT / SELECT in the same run, as a ratio.
// The default run fits in ~10 minutes on 2 idle cores.
//
//   npm run bench [-- --only models,parallel,algorithm,faces,import,export] [--parallel-steps 40] [--threads N] [--steps 3] [--min-seconds 3] [--rounds 3]
//                 [--full | --limit 100 --epochs 1] [--students 3] [--import-lines 300000]
//                 [--export-frames 200000] [--no-install] [--torch-device cpu|cuda] [--out bench-results.json]
//   --threads: our backend's threads (wasm: XNNPACK threads); default PyTorch's default thread count
//   --native-threads: threads of each native convolution; default the cores (a training run's own)
//   here, so both sides use the same number (1 if PyTorch is unavailable).
//   --torch-device cuda: the reference on the GPU (needs a CUDA build of PyTorch: AW_PYTHON=its python),
//   e.g. beside tfjs-node-gpu on a GPU machine (README, "Benchmarks").
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BackboneTimes } from './lib/backbones';
import { runBench } from './lib/result';
import { benchResults, formatSummary, medianRows, type Failed, type FacesFigures, type ParallelFigures, type StepFigures, type SummaryInput } from './lib/summary';
import { archOf, describeTorch, ensureTorch, runTorch, type TorchMode } from './lib/torch';

const argv = process.argv.slice(2);
const arg = (name: string, def: string): string => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < argv.length ? argv[i + 1] : def;
};
const PARTS = ['models', 'parallel', 'algorithm', 'faces', 'import', 'export'] as const;
const only = arg('only', PARTS.join(',')).split(',');
const unknown = only.filter((p) => !(PARTS as readonly string[]).includes(p));
if (unknown.length > 0) {
  console.error(`unknown parts ${unknown.join(', ')} (parts: ${PARTS.join(', ')})`);
  process.exit(2);
}
const want = (p: (typeof PARTS)[number]) => only.includes(p);
const full = argv.includes('--full');
const steps = arg('steps', '3');
const minSeconds = arg('min-seconds', '3');
const root = path.resolve(import.meta.dirname, '..');
const out = path.resolve(root, arg('out', 'bench-results.json'));
const BATCH = 32;
const SIZE = 112;
const BACKBONES = ['small', 'resnet18', 'face', 'face-frozen'] as const;
const say = (s: string) => console.error(`\n== ${s}`);

const started = performance.now();
const loadStart = os.loadavg()[0];
const m: SummaryInput = {
  date: new Date().toISOString(),
  machine: { cores: os.availableParallelism(), cpu: os.cpus()[0]?.model ?? '?', node: process.version, loadStart, loadEnd: loadStart },
  batch: BATCH,
  size: SIZE,
  backbones: want('models') ? BACKBONES : [],
};

if (want('models')) {
  say('PyTorch');
  const torch = ensureTorch({ install: !argv.includes('--no-install') });
  console.error(describeTorch(torch));
  const threads = arg('threads', String(torch.ok ? torch.info.threads : 1));

  // The native convolutions split over the cores, as in a training run alone in its process (and
  // as PyTorch's OpenBLAS does by default: its process CPU time is about twice its wall time here).
  const nativeThreads = arg('native-threads', String(os.availableParallelism()));
  // Ours and PyTorch alternate, `rounds` times: on a shared machine either one's step time swings
  // (PyTorch's small step: 31–91 ms in 8 runs of one hour), so one reading each would compare two
  // different machines. Each figure is the median over the rounds; the table notes each round's ratio.
  const rounds = Math.max(1, Number(arg('rounds', '3')));
  const oursRounds: Record<string, StepFigures>[] = [];
  const torchRounds: Record<string, StepFigures>[] = [];
  let oursInfo: { backend: string; threads: number | null; nativeThreads: number | null } | null = null;
  let torchInfo: { version: string; threads: number } | null = null;
  const device = arg('torch-device', 'cpu');
  for (let round = 1; round <= rounds; round++) {
    say(`round ${round}/${rounds}: our backbones (bench/models.ts, ${threads} thread${threads === '1' ? '' : 's'}; native convolutions over ${nativeThreads})`);
    const ours = await runBench<{ backend: string; threads: number | null; nativeThreads: number | null; rows: BackboneTimes[] }>(
      'models',
      ['--only', BACKBONES.join(','), '--batch', String(BATCH), '--steps', steps, '--min-seconds', minSeconds, '--threads', threads, '--native-threads', nativeThreads],
      { timeoutMs: 30 * 60_000 },
    );
    if (!ours.result) {
      m.ours = { error: `bench/models.ts: ${ours.error}` };
      break;
    }
    const rows: Record<string, StepFigures> = {};
    for (const r of ours.result.rows) rows[r.name] = { trainMs: r.train?.wall, trainCpuMs: r.train?.cpu, inferMs: r.infer?.wall, inferCpuMs: r.infer?.cpu };
    oursRounds.push(rows);
    oursInfo = { backend: ours.result.backend, threads: ours.result.threads, nativeThreads: ours.result.nativeThreads ?? null };

    if (!torch.ok) continue;
    say(`round ${round}/${rounds}: the same layouts in PyTorch (bench/lib/torch_models.py)`);
    const modes = (b: (typeof BACKBONES)[number]): TorchMode[] => (b === 'face-frozen' ? ['frozen'] : ['train', 'infer']);
    const r = runTorch(torch.info.python, {
      device,
      batch: BATCH,
      size: SIZE,
      steps: Number(steps),
      min_seconds: Number(minSeconds),
      models: BACKBONES.map((b) => ({ name: b, arch: archOf(b === 'face-frozen' ? 'face' : b), modes: modes(b) })),
    });
    if (typeof r === 'string') {
      m.torch = { error: `PyTorch ${r}` };
      break;
    }
    torchRounds.push(Object.fromEntries(r.rows.map((x) => [x.name, x])));
    torchInfo = { version: r.version, threads: r.threads };
    console.error(`done: ${r.rows.map((x) => `${x.name} ${x.trainMs?.toFixed(0) ?? '—'}/${x.inferMs?.toFixed(0) ?? '—'} ms`).join(', ')}`);
  }
  if (oursInfo && !m.ours) m.ours = { ...oursInfo, rows: medianRows(oursRounds), rounds: oursRounds };
  if (!torch.ok) m.torch = { error: torch.why };
  else if (torchInfo && !m.torch) m.torch = { ...torch.info, device, version: torchInfo.version, threads: torchInfo.threads, rows: medianRows(torchRounds), rounds: torchRounds };
}

if (want('parallel')) {
  const args = ['--backbone', 'face', '--batch', String(BATCH), '--steps', arg('parallel-steps', '40')];
  say(`data-parallel training (bench/data-parallel.ts ${args.join(' ')})`);
  const r = await runBench<ParallelFigures>('data-parallel', args, { timeoutMs: 20 * 60_000 });
  m.parallel = r.result ?? { error: `bench/data-parallel.ts: ${r.error}` };
}

if (want('algorithm')) {
  const args = full ? ['--epochs', arg('epochs', '3')] : ['--limit', arg('limit', '100'), '--epochs', arg('epochs', '1')];
  args.push('--students', arg('students', '3'));
  say(`Algorithm 1 (bench/algorithm.ts ${args.join(' ')})`);
  const r = await runBench<SummaryInput['algorithm']>('algorithm', args, { timeoutMs: full ? undefined : 30 * 60_000 });
  m.algorithm = r.result ?? { error: `bench/algorithm.ts: ${r.error}` };
}

if (want('faces')) {
  say('face pipeline (bench/faces.ts)');
  const r = await runBench<FacesFigures>('faces', [], { timeoutMs: 15 * 60_000 });
  m.faces = r.result ?? { error: `bench/faces.ts: ${r.error}` };
}

if (want('import')) {
  const lines = arg('import-lines', '300000');
  say(`label import (bench/import-speed.ts --lines ${lines})`);
  const r = await runBench<{ labelRows: number; seconds: number; limitSeconds: number }>('import-speed', ['--lines', lines], { timeoutMs: 15 * 60_000 });
  m.import = r.result
    ? { rows: r.result.labelRows, seconds: r.result.seconds, limitSeconds: r.result.limitSeconds, limit: 'the same frames + label rows, one prepared INSERT per row, one transaction' }
    : { error: `bench/import-speed.ts: ${r.error}` };
}

if (want('export')) {
  const frames = arg('export-frames', '200000');
  say(`export, default CSV (bench/export-speed.ts --frames ${frames} --case 1)`);
  type Case = { rows: number; seconds: number };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aw-bench-summary-export-'));
  const r = await runBench<{ cases: Case[]; bare: Case }>('export-speed', ['--frames', frames, '--case', '1', '--dir', dir], { timeoutMs: 15 * 60_000 });
  fs.rmSync(dir, { recursive: true, force: true });
  const c = r.result?.cases[0];
  m.export =
    r.result && c
      ? { rows: c.rows, seconds: c.seconds, limitSeconds: (r.result.bare.seconds * c.rows) / r.result.bare.rows, limit: 'frames ⋈ labels + soft labels, one prepared SELECT, nothing written' }
      : ({ error: `bench/export-speed.ts: ${r.error}` } satisfies Failed);
}

m.machine.loadEnd = os.loadavg()[0];
const results = benchResults(m);
fs.writeFileSync(out, JSON.stringify(results, null, 2) + '\n');
console.log(`\n${formatSummary(results)}\n`);
console.log(`written ${path.relative(process.cwd(), out) || out}; whole run ${((performance.now() - started) / 60_000).toFixed(1)} min`);
