// Every test file gets its own per-user settings folder: AW_HOME (and XDG_CONFIG_HOME, for code that
// would look there) point at a fresh temporary folder before the test file is imported, so nothing a
// test runs — in process, or in the CLI runs and job workers it starts, which inherit process.env —
// can write the real recent-projects list (src/node/app/config.ts). A test that wants its own home
// may still set AW_HOME itself. tests/unit/home-isolation.test.ts proves it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';

/** Where the settings would live without this setup (AW_HOME, else $XDG_CONFIG_HOME or ~/.config), for the isolation test. */
process.env.AW_TEST_REAL_CONFIG_DIR ??=
  process.env.AW_HOME || path.join(process.env.XDG_CONFIG_HOME || path.join(os.homedir(), '.config'), 'affect-workbench');

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'aw-test-home-'));
process.env.AW_HOME = path.join(root, 'aw-home');
process.env.XDG_CONFIG_HOME = path.join(root, 'xdg-config');
fs.mkdirSync(process.env.AW_HOME);
fs.mkdirSync(process.env.XDG_CONFIG_HOME);

afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
