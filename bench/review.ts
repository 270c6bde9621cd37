// Review screen speed in Chromium (issue 8 targets): seek/step → overlay and timeline updated p95
// < 50 ms; an edit persisted < 50 ms; the timeline of a 50,000-frame video first drawn < 500 ms.
// Builds a project with a 50,000-frame frame-coded video (24000/1001 fps, imported with its
// per-frame timestamps), imported labels and a teacher soft label on every frame, starts the real
// backend in browser mode, drives Debian's Chromium with Playwright and reads the screen's own
// User Timing measures (src/renderer/src/review/perf.ts).
//   Run: npx electron-vite build && npx tsx bench/review.ts [--frames 50000] [--dir /tmp/aw-review-bench] [--keep]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from '@playwright/test';
import { Backend } from '../src/node/app/backend';
import { startServer } from '../src/node/server/server';
import { useSourceWorker } from '../src/node/app/dev-runtime';
import { reviewBenchProject } from './lib/review-project';
import { measures, settle, stats } from './lib/review-page';

useSourceWorker(); // jobs start their worker from the TypeScript sources

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : dflt;
};
const FRAMES = Number(arg('frames', '50000'));
const DIR = path.resolve(arg('dir', path.join(os.tmpdir(), 'aw-review-bench')));
const ROOT = path.resolve(import.meta.dirname, '..');

function build(): Promise<number> {
  return reviewBenchProject(DIR, { frames: FRAMES, width: 96, height: 72, gop: 48, name: 'coded-50k', title: 'Review bench' });
}

async function main(): Promise<void> {
  if (!fs.existsSync(path.join(ROOT, 'out/renderer/index.html'))) throw new Error('Build the renderer first: npx electron-vite build');
  const mediaId = await build();
  process.env.AW_HOME = fs.mkdtempSync(path.join(os.tmpdir(), 'aw-review-bench-home-'));
  const backend = new Backend({ transport: 'http' });
  backend.openProject(path.join(DIR, 'project'), false);
  const server = await startServer(backend, { rendererDir: path.join(ROOT, 'out/renderer') });
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'] });
  try {
    // The page's CSP forbids string evaluation, which these probes use (tsx rewrites function sources).
    const page = await browser.newPage({ viewport: { width: 1360, height: 820 }, bypassCSP: true });
    await page.goto(server.launchUrl);
    const url = `${server.url}#/review/${mediaId}`;

    // 1. Timeline first draw, each open with cold review caches (media.get drops them).
    const firstDraw: number[] = [];
    for (let i = 0; i < 6; i++) {
      await page.goto(`${server.url}#/`);
      await page.goto(`${url}?frame=${1000 * i}`);
      await page.waitForFunction(`performance.getEntriesByName('aw-timeline-first').length > 0`, null, { timeout: 30_000 });
      firstDraw.push((await measures(page, 'aw-timeline-first'))[0].duration);
      await settle(page);
    }
    console.log(`timeline first draw (${FRAMES.toLocaleString()} frames): ${stats(firstDraw)}  [target < 500 ms]`);

    // 2. Seek/step → overlay + timeline, every request waited for (the annotator's rhythm).
    await measures(page, 'aw-seek-overlay');
    for (let i = 0; i < 150; i++) {
      await page.keyboard.press(i % 5 === 4 ? 'Shift+ArrowRight' : 'ArrowRight');
      await settle(page);
    }
    const steps = (await measures(page, 'aw-seek-overlay')).map((m) => m.duration);
    for (let i = 0; i < 60; i++) {
      await page.keyboard.press('g');
      await page.getByTestId('goto-frame').fill(String(Math.floor(((i * 7919) % 997) * (FRAMES / 1000))));
      await page.getByTestId('goto-frame').press('Enter');
      await settle(page);
    }
    const jumps = (await measures(page, 'aw-seek-overlay')).map((m) => m.duration);
    const tl = (await page.getByTestId('timeline-canvas').boundingBox())!;
    for (let i = 0; i < 40; i++) {
      await page.mouse.click(tl.x + 70 + ((i * 37) % 100) * ((tl.width - 80) / 100), tl.y + tl.height / 2);
      await settle(page);
    }
    const scrubs = (await measures(page, 'aw-seek-overlay')).map((m) => m.duration);
    console.log(`step ±1/±10 → overlay: ${stats(steps)}`);
    console.log(`jump (go to frame) → overlay: ${stats(jumps)}`);
    console.log(`timeline click → overlay: ${stats(scrubs)}`);
    console.log(`all seeks → overlay: ${stats([...steps, ...jumps, ...scrubs])}  [target p95 < 50 ms]`);

    // 3. Edits: key → the backend's answer that it is stored (client round trip; the server's own time beside).
    for (let i = 0; i < 80; i++) {
      await page.keyboard.press(i % 2 ? `Shift+Digit${(i % 7) + 1}` : `Digit${(i % 8) + 1}`);
      await page.waitForFunction(`performance.getEntriesByName('aw-edit').length >= ${i + 1}`, null, { timeout: 10_000 });
      if (i % 4 === 3) {
        await page.keyboard.press('ArrowRight');
        await settle(page);
      }
    }
    const edits = await measures(page, 'aw-edit');
    console.log(`edit persisted (client round trip): ${stats(edits.map((e) => e.duration))}  [target < 50 ms]`);
    console.log(`edit persisted (backend transaction): ${stats(edits.map((e) => e.detail?.serverMs ?? NaN))}`);
    await page.screenshot({ path: path.join(ROOT, 'test-results/screenshots/review-bench-50k.png') });
  } finally {
    await browser.close();
    await server.close();
    await backend.close();
    if (!process.argv.includes('--keep')) fs.rmSync(DIR, { recursive: true, force: true });
  }
}

await main();
