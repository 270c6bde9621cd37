// tests/setup-home.ts gives every test file a fresh AW_HOME before anything runs: a CLI run (a child
// process, which starts a job worker of its own) that records a recent project writes it there, and
// the real per-user recent-projects list stays untouched.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tsxLoaderUrl } from '../../src/node/app/dev-runtime';
import { configDir, readRecent } from '../../src/node/app/config';

const ROOT = path.resolve(import.meta.dirname, '..', '..');

/** Content and mtime of a file, or null when it does not exist. */
function snapshot(file: string): { text: string; mtimeMs: number } | null {
  try {
    return { text: fs.readFileSync(file, 'utf8'), mtimeMs: fs.statSync(file).mtimeMs };
  } catch {
    return null;
  }
}

describe('per-test-file settings folder', () => {
  it('AW_HOME and XDG_CONFIG_HOME point at a fresh temporary folder, not the real settings folder', () => {
    const real = process.env.AW_TEST_REAL_CONFIG_DIR!;
    expect(real).toBeTruthy();
    expect(configDir()).toBe(process.env.AW_HOME);
    expect(path.relative(os.tmpdir(), process.env.AW_HOME!)).not.toMatch(/^\.\./);
    expect(path.relative(os.tmpdir(), process.env.XDG_CONFIG_HOME!)).not.toMatch(/^\.\./);
    expect(path.resolve(configDir())).not.toBe(path.resolve(real));
    expect(readRecent()).toEqual([]); // fresh: no other test file's projects
  });

  it('a CLI run that records a recent project writes the temporary list; the real one is untouched', () => {
    const realRecent = path.join(process.env.AW_TEST_REAL_CONFIG_DIR!, 'recent.json');
    const before = snapshot(realRecent);
    // A job command opens its project through the backend, which remembers it (the job itself may
    // fail: here it names a model that does not exist). The CLI gets no env of its own.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aw-isolation-'));
    const cli = (...args: string[]) =>
      spawnSync(process.execPath, ['--import', tsxLoaderUrl(), path.join(ROOT, 'src/cli/dev.ts'), ...args], { cwd: ROOT, encoding: 'utf8', timeout: 50_000 });
    try {
      expect(cli('init', path.join(dir, 'p')).status).toBe(0);
      expect(readRecent()).toEqual([]); // init alone records nothing
      const r = cli('evaluate', path.join(dir, 'p'), '--model', '9');
      expect(r.stderr).toMatch(/no model with id 9/);
      // read while the project exists: the list drops projects whose folder is gone
      const recent = readRecent();
      expect(recent.map((e) => e.name)).toEqual(['p']);
      expect(recent[0].dir).toBe(path.join(dir, 'p'));
      // The real list never got this project (other programs of the user may write it meanwhile).
      expect(snapshot(realRecent)?.text ?? '').not.toContain(recent[0].dir);
      if (before) expect(before.text).not.toContain(recent[0].dir);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
