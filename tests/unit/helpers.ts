// Test helpers: temp folders that are removed after each test. (Every test file already has its own
// AW_HOME: tests/setup-home.ts.)
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { vi } from 'vitest';
import { SOFT_LABEL_WIDTH } from '../../src/shared/labels';
import { putSoftLabels } from '../../src/node/store/softlabels';

export function tempDir(prefix = 'aw-test-'): { dir: string; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** Stores one model's records given as rows (test fixtures): src/node/store/softlabels.ts putSoftLabels. */
export function putRecords(db: import('../../src/node/store/database').Db, modelId: number, rows: readonly { frameId: number; values: ArrayLike<number> }[]): number {
  const flat = new Float32Array(rows.length * SOFT_LABEL_WIDTH);
  rows.forEach((r, k) => {
    if (r.values.length !== SOFT_LABEL_WIDTH) throw new Error(`a record has ${SOFT_LABEL_WIDTH} values, got ${r.values.length}`);
    flat.set(r.values, k * SOFT_LABEL_WIDTH);
  });
  return putSoftLabels(db, modelId, Int32Array.from(rows, (r) => r.frameId), flat);
}

/** Runs one CLI verb in-process (commander, errors thrown instead of exiting) and returns what it printed on stdout. */
export async function runVerb(register: (program: Command) => unknown, args: string[]): Promise<string> {
  const program = new Command('affect-workbench').exitOverride();
  register(program);
  let out = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => ((out += String(s)), true));
  try {
    await program.parseAsync(['node', 'affect-workbench', ...args]);
  } finally {
    vi.restoreAllMocks();
  }
  return out;
}

/**
 * Runs `code` (an ES module, TypeScript through tsx, from the repository root) in a child process
 * and SIGKILLs it as soon as its stdout says `marker`: what it had written by then, and its stderr.
 */
export function killWhenSaid(code: string, marker: string): Promise<{ out: string; err: string }> {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes(marker)) child.kill('SIGKILL');
    });
    child.on('exit', () => resolve({ out, err }));
    child.on('error', reject);
  });
}

