// The full fault-injection round: ≥ 100 SIGKILLs of the built CLI, its worker and an editing
// process during import, training, soft labels, export and edits, every check after every kill
// (tests/fault/harness.ts). Seeded and repeatable.
//   npm run build && npm run bench -- fault-injection [--seed N] [--scale K]
import { formatReport, runFaultInjection } from '../tests/fault/harness';

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};
const seed = arg('seed', 2026);
const k = arg('scale', 1);
const report = await runFaultInjection({
  seed,
  kills: { import: 25 * k, 'train-cli': 10 * k, 'train-worker': 10 * k, 'soft-labels': 15 * k, export: 20 * k, edits: 25 * k },
  importLines: 60_000,
  log: (l) => console.log(l),
});
console.log(formatReport(report));
process.exitCode = report.failures.length ? 1 : 0;
