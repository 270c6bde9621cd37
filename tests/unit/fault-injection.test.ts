// The short round of the fault-injection suite (tests/fault/harness.ts): a few SIGKILLs of the
// built CLI, its worker and an editing process in each scenario, every check after every kill.
// The full round (≥ 100 kills) is `npm run bench -- fault-injection`.
import { expect, it } from 'vitest';
import { formatReport, runFaultInjection } from '../fault/harness';

it('survives SIGKILL during import, training, soft labels, export and edits', async () => {
  const report = await runFaultInjection({
    seed: 20261203,
    kills: { import: 3, 'train-cli': 2, 'train-worker': 1, 'soft-labels': 2, export: 3, edits: 3 },
    importLines: 40_000,
    log: (l) => console.log(l),
  });
  console.log(formatReport(report));
  expect(report.failures).toEqual([]);
  expect(Object.values(report.kills).reduce((a, b) => a + b, 0)).toBe(14);
  // Most kills must land while the process works, or the round tests little.
  expect(Object.values(report.midWork).reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(10);
}, 600_000);
