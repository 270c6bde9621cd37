// Playwright fixtures: every test gets the REAL backend in browser mode (Backend + startServer from
// src/node, the code `affect-workbench serve` runs), its own temporary AW_HOME (the recent-projects
// list) and temporary folders for projects, and a page opened on the server's token URL.
//
// src/node is loaded through tsx's `tsImport` (the loader the CLI and the worker use): Playwright's
// own TypeScript loader does not accept the JSON import in src/node/version.ts.
import { test as base, expect, type Page } from '@playwright/test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { tsImport } from 'tsx/esm/api';
import type { Backend as BackendClass } from '../../src/node/app/backend';
import type { RunningServer } from '../../src/node/server/server';

export const ROOT = path.resolve(import.meta.dirname, '..', '..');
export const RENDERER_DIR = path.join(ROOT, 'out', 'renderer');
export const SCREENSHOT_DIR = path.join(ROOT, 'test-results', 'screenshots');

export type NodeModules = typeof import('./node-entry');

let loaded: Promise<NodeModules> | null = null;
/** src/node through tsx, once per worker process (see node-entry.ts for why one entry). */
export function loadNode(): Promise<NodeModules> {
  loaded ??= tsImport(path.join(ROOT, 'tests/e2e/node-entry.ts'), import.meta.url) as Promise<NodeModules>;
  return loaded;
}

export interface Workbench {
  /** Server base URL (no token). */
  url: string;
  /** URL that hands the session token to the browser once (sets the cookie, redirects). */
  launchUrl: string;
  backend: BackendClass;
  server: RunningServer;
  /** This test's AW_HOME (holds recent.json). */
  home: string;
  /** A path inside this test's temporary folder (not created). */
  dir(name: string): string;
}

export interface Fixtures {
  /** The annotator name the page starts with (localStorage 'aw.annotator'); null: none, the app asks. */
  annotator: string | null;
  workbench: Workbench;
  /** The page, opened on the workbench and booted; fails the test on console errors. */
  app: Page;
}

export const test = base.extend<Fixtures>({
  annotator: ['e2e', { option: true }],
  workbench: async ({}, use) => {
    if (!fs.existsSync(path.join(RENDERER_DIR, 'index.html')))
      throw new Error(`The renderer is not built (${RENDERER_DIR}/index.html is missing). Run \`npx electron-vite build\` before \`npx playwright test\`.`);
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'aw-e2e-'));
    const home = path.join(tmp, 'aw-home');
    fs.mkdirSync(home);
    const previousHome = process.env.AW_HOME;
    process.env.AW_HOME = home;
    const mod = await loadNode();
    const backend = new mod.Backend({ transport: 'http', cancelGraceMs: 2000 });
    const server = await mod.startServer(backend, { rendererDir: RENDERER_DIR });
    try {
      await use({
        url: server.url,
        launchUrl: server.launchUrl,
        backend,
        server,
        home,
        dir: (name) => path.join(tmp, name),
      });
    } finally {
      await server.close();
      await backend.close();
      if (previousHome === undefined) delete process.env.AW_HOME;
      else process.env.AW_HOME = previousHome;
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  },

  app: async ({ page, workbench, annotator }, use) => {
    // Page code as a string: this file compiles without the DOM library.
    if (annotator !== null) await page.addInitScript(`localStorage.getItem('aw.annotator') || localStorage.setItem('aw.annotator', ${JSON.stringify(annotator)})`);
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
    });
    await page.goto(workbench.launchUrl);
    await expect(page.getByTestId('app')).toHaveAttribute('data-booted', 'true');
    await use(page);
    expect(problems, 'the page logged errors').toEqual([]);
  },
});

export { expect };

/** Saves a screenshot to test-results/screenshots/<name>.png and attaches it to the report. */
export async function screenshot(page: Page, name: string): Promise<string> {
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file });
  await test.info().attach(name, { path: file, contentType: 'image/png' });
  return file;
}
