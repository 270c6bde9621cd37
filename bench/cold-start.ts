// Cold start of a quick verb: `affect-workbench info P --json` on a new project, median of N runs,
// the built command (bin/affect-workbench.js → out/main/cli.js) beside the same verb run from the
// TypeScript sources through tsx (how every run started before the build; 1.1–1.3 s then).
//   npm run build && npx tsx bench/cold-start.ts [--runs 15]
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { tsxLoaderUrl } from '../src/node/app/dev-runtime';

const ROOT = path.resolve(import.meta.dirname, '..');
const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 15;
const bin = path.join(ROOT, 'bin', 'affect-workbench.js');
if (!fs.existsSync(path.join(ROOT, 'out', 'main', 'cli.js'))) throw new Error('run `npm run build` first');

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'aw-cold-'));
const project = path.join(tmp, 'P');
spawnSync(process.execPath, [bin, 'init', project], { stdio: 'ignore' });

const variants: { name: string; args: string[] }[] = [
  { name: 'built (bin → out/main/cli.js)', args: [bin, 'info', project, '--json'] },
  { name: 'sources through tsx', args: ['--import', tsxLoaderUrl(), path.join(ROOT, 'src', 'cli', 'dev.ts'), 'info', project, '--json'] },
];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const results = variants.map((v) => {
  const times: number[] = [];
  for (let i = 0; i < runs + 1; i++) {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, v.args, { cwd: tmp, encoding: 'utf8' });
    const ms = performance.now() - t0;
    if (r.status !== 0) throw new Error(`${v.name} failed: ${r.stderr}`);
    if (i > 0) times.push(ms); // the first run warms the OS file cache
  }
  return { name: v.name, median: median(times), min: Math.min(...times), max: Math.max(...times) };
});
const node = (() => {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    spawnSync(process.execPath, ['-e', '0']);
    times.push(performance.now() - t0);
  }
  return median(times);
})();

console.log(`cold start of \`affect-workbench info P --json\`, median of ${runs} runs (${os.cpus().length} cores, load ${os.loadavg()[0].toFixed(2)})`);
for (const r of results) console.log(`  ${r.name.padEnd(34)} ${r.median.toFixed(0).padStart(5)} ms  (min ${r.min.toFixed(0)}, max ${r.max.toFixed(0)})`);
console.log(`  ${'bare `node -e 0` (the floor)'.padEnd(34)} ${node.toFixed(0).padStart(5)} ms`);
console.log(`  built / sources: ${(results[0].median / results[1].median).toFixed(2)}×; target < 400 ms: ${results[0].median < 400 ? 'met' : 'NOT met'}`);
fs.rmSync(tmp, { recursive: true, force: true });
