// `npm run bench -- NAME [options]`: runs bench/NAME.ts; without a name, lists the benchmarks.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const here = import.meta.dirname;
const names = fs.readdirSync(here).filter((f) => f.endsWith('.ts') && f !== 'run.ts').map((f) => f.slice(0, -3)).sort();
const [name, ...rest] = process.argv.slice(2);
if (!name || !names.includes(name)) {
  console.log(`usage: npm run bench -- NAME [options]\nbenchmarks: ${names.join(', ')}\n(figures and what each measures: docs/ARCHITECTURE.md §6)`);
  process.exit(name ? 1 : 0);
}
const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(here, `${name}.ts`), ...rest], { stdio: 'inherit', cwd: path.resolve(here, '..') });
process.exit(r.status ?? 1);
