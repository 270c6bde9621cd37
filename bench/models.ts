// Training and inference throughput of every backbone on the active backend (bench/lib/backbones.ts).
//
//   npm run bench -- models [--batch 32] [--steps 3] [--min-seconds 0] [--threads 1] [--backend wasm|cpu|…]
//                           [--only small,resnet18,face-frozen,heads,face,resnet50] [--train50 1]
//                           [--adam fused|tfjs]   the trainer's fused Adam (default) or tf.train.adam
//                           [--native-threads 1]  threads of each native convolution (src/ml/kernels/native.ts)
//                           [--spec small:stemK:stemS:c1,c2,c3,c4:blocks]   (tries another small net)
//                           [--profile]   also the top kernels of one training step per row, and
//                                         PyTorch's top operators for the same step when it is here
//                           [--json]      a BENCH_RESULT line for the summary (bench/summary.ts)
//
// Rows: images/s for one Adam training step and for inference, batch 32, 112×112, random pixels;
// medians of --steps timed steps after one warm-up, wall clock and process CPU.
// resnet50 is timed for inference only unless --train50 1: on wasm a batch-32 training step
// needs more than the 4 GB wasm heap and aborts the whole process (not a catchable error).
// PyTorch's figures for the same layouts: `npm run bench` (the summary).
import { describeBackend, initBackend, tf, type BackendName } from '../src/ml/backend';
import { setNativeConvThreads } from '../src/ml/kernels/native';
import { RESNET_SPECS } from '../src/ml/models';
import { BACKBONE_ROWS, measureBackbones, profileTrainStep, type BackboneRowName, type KernelShare } from './lib/backbones';
import { emitResult } from './lib/result';
import { useSourceThreads } from '../src/worker/dev-threads';

useSourceThreads();
import { archOf, findTorch, runTorch } from './lib/torch';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : def;
}

const batch = Number(arg('batch', '32'));
const steps = Number(arg('steps', '3'));
const minSeconds = Number(arg('min-seconds', '0'));
const only = arg('only', '').split(',').filter(Boolean);
const spec = arg('spec', '');
const adamKind = arg('adam', 'fused') === 'tfjs' ? 'tfjs' : 'fused';
const bad = only.filter((n) => !(BACKBONE_ROWS as readonly string[]).includes(n));
if (bad.length > 0) {
  console.error(`unknown rows ${bad.join(', ')} (rows: ${BACKBONE_ROWS.join(', ')})`);
  process.exit(2);
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
// The native convolutions' threads (src/ml/kernels/native.ts): what a training run alone on its
// cores uses is the cores; 1 times them in one thread.
const nativeThreads = Number(arg('native-threads', '1'));
setNativeConvThreads(nativeThreads);
applySpec();
const backend = describeBackend(info);
console.log(`backend: ${backend}${info.nativeConv?.active ? ` over ${nativeThreads} thread${nativeThreads === 1 ? '' : 's'}` : ''}; ${adamKind === 'tfjs' ? 'tf.train.adam' : 'fused Adam'}; batch ${batch}, 112×112, median of ${steps} timed steps${minSeconds ? ` (more until ${minSeconds} s)` : ''} after one warm-up`);
const names = (only.length > 0 ? only : BACKBONE_ROWS) as readonly BackboneRowName[];
const rows = await measureBackbones(names, { batch, steps, minSeconds, train50: arg('train50', '') === '1', adam: adamKind });

const ips = (ms?: number) => (ms == null ? '—' : ((batch * 1000) / ms).toFixed(1));
const ms = (v?: number) => (v == null ? '—' : v.toFixed(0));
console.log('\n| row | params | train ms/step (CPU) | train img/s | infer ms/batch (CPU) | infer img/s | note |');
console.log('|---|---:|---:|---:|---:|---:|---|');
for (const r of rows) {
  console.log(
    `| ${r.name} | ${r.params.toLocaleString('en-US')} | ${ms(r.train?.wall)} (${ms(r.train?.cpu)}) | ${ips(r.train?.wall)} | ` +
      `${ms(r.infer?.wall)} (${ms(r.infer?.cpu)}) | ${ips(r.infer?.wall)} | ${r.note ?? ''} |`,
  );
}

const profiles: Record<string, KernelShare[]> = {};
if (process.argv.includes('--profile')) {
  console.log('\ntop kernels of one training step (tf.profile; share of the summed kernel time):');
  for (const n of names) {
    if (n !== 'small' && n !== 'resnet18' && n !== 'face' && n !== 'face-frozen') continue;
    profiles[n] = await profileTrainStep(n, { batch, steps, adam: adamKind });
    console.log(`  ${n.padEnd(12)} ${profiles[n].map((k) => `${k.kernel} ${(k.share * 100).toFixed(0)} % (${k.ms.toFixed(0)} ms)`).join(', ')}`);
  }
  const torch = findTorch();
  if (torch) {
    const rowsOf = names.filter((n) => n === 'small' || n === 'resnet18' || n === 'face');
    const r = runTorch(torch.python, { batch, size: 112, steps: 1, profile: true, models: rowsOf.map((n) => ({ name: n, arch: archOf(n), modes: ['train'] })) });
    console.log(`PyTorch ${torch.version} (${torch.threads} thread${torch.threads === 1 ? '' : 's'}), the same steps (torch.profiler, self CPU time):`);
    if (typeof r === 'string') console.log(`  ${r}`);
    else for (const row of r.rows) console.log(`  ${row.name.padEnd(12)} ${(row.profile ?? []).map((o) => `${o.op} ${(o.share * 100).toFixed(0)} % (${o.ms.toFixed(0)} ms)`).join(', ')}`);
  }
}
console.log(`tensors alive at exit: ${tf.memory().numTensors}`);
emitResult({ backend: backend.split(';')[0], backendName: info.name, threads: info.threads ?? null, nativeThreads: info.nativeConv?.active ? nativeThreads : null, batch, steps, rows, profiles });
