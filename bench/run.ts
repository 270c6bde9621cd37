// `npm run bench` runs the summary (bench/summary.ts: one table, bench-results.json); so do
// `npm run bench -- summary|all [options]` and `npm run bench -- --option …`.
// `npm run bench -- NAME [options]` runs bench/NAME.ts; `npm run bench -- list` lists them.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const here = import.meta.dirname;
const names = fs.readdirSync(here).filter((f) => f.endsWith('.ts') && f !== 'run.ts').map((f) => f.slice(0, -3)).sort();
const argv = process.argv.slice(2);
const first = argv[0];
const summary = first === undefined || first === 'all' || first === 'summary' || first.startsWith('--');
const [name, ...rest] = summary ? ['summary', ...(first === 'all' || first === 'summary' ? argv.slice(1) : argv)] : argv;
if (!names.includes(name)) {
  console.log(
    `usage: npm run bench [-- options]          the summary table and bench-results.json (bench/summary.ts)\n` +
      `       npm run bench -- NAME [options]    one benchmark\n` +
      `benchmarks: ${names.join(', ')}\n(figures and what each measures: docs/ARCHITECTURE.md §6)`,
  );
  process.exit(name === 'list' ? 0 : 1);
}
const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(here, `${name}.ts`), ...rest], { stdio: 'inherit', cwd: path.resolve(here, '..') });
process.exit(r.status ?? 1);
