// Step latency of the review screen on real-sized video (issue 16): a 1280×720 H.264 frame-coded
// video with a 250-frame GOP, stepped ±1 frame in Chromium, BEFORE (decoded-frame window off:
// every step is a <video> seek) and AFTER (steps drawn from the WebCodecs window), in one run.
// Latency = the key's request → the overlay and timeline committed for that frame (aw-seek-overlay)
// and → the next animation frame, the one that paints them (aw-seek-painted); perf.ts has both.
// Every step is checked against the index coded in the pixels on screen.
//   Run: npx electron-vite build && npm run bench -- step-latency [--frames 1000] [--steps 100] [--pace 100] [--dir D] [--keep]
//   --pace: ms from one key press to the next at least (an annotator's rhythm; 0 = as fast as it settles)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Page } from '@playwright/test';
import { Backend } from '../src/node/app/backend';
import { useSourceWorker } from '../src/node/app/dev-runtime';
import { startServer } from '../src/node/server/server';
import { decodeFrameIndex } from '../src/shared/framecode';
import { reviewBenchProject } from './lib/review-project';
import { measures, percentile, settle } from './lib/review-page';

useSourceWorker();

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : dflt;
};
const FRAMES = Number(arg('frames', '1000'));
const STEPS = Number(arg('steps', '100'));
const PACE = Number(arg('pace', '100'));
const GOP = 250;
const W = 1280;
const H = 720;
const DIR = path.resolve(arg('dir', path.join(os.tmpdir(), 'aw-step-bench')));
const ROOT = path.resolve(import.meta.dirname, '..');

function build(): Promise<number> {
  return reviewBenchProject(DIR, { frames: FRAMES, width: W, height: H, gop: GOP, name: 'coded-720p', title: 'Step bench' });
}

/** The frame index coded in the pixels on screen (the decoded canvas when shown, else the <video>). */
async function pixels(page: Page): Promise<number | null> {
  const b64 = (await page.evaluate(`(() => {
    const v = document.querySelector('.rv-picture canvas.rv-decoded:not([hidden])') ?? document.querySelector('.rv-picture video');
    const c = document.createElement('canvas');
    c.width = 160; c.height = 90;
    const ctx = c.getContext('2d', { willReadFrequently: true });
    ctx.drawImage(v, 0, 0, 160, 90);
    const d = ctx.getImageData(0, 0, 160, 90).data;
    let s = '';
    for (let i = 0; i < d.length; i += 0x8000) s += String.fromCharCode(...d.subarray(i, i + 0x8000));
    return btoa(s);
  })()`)) as string;
  return decodeFrameIndex(new Uint8Array(Buffer.from(b64, 'base64')), 160, 90, 4);
}

interface Run {
  overlay: number[];
  painted: number[];
  decoded: number;
}

/** `STEPS` presses of `key` from frame `from`, each settled and checked; the screen's own measures. */
async function steps(page: Page, url: string, from: number, key: 'ArrowRight' | 'ArrowLeft', decoded: boolean): Promise<Run> {
  // Leaving the screen first: the player is built again and reads the localStorage switch.
  await page.goto(url.replace(/#.*$/, '#/'));
  await page.goto(`${url}?frame=${from}`);
  await settle(page);
  if (decoded) {
    await page.waitForFunction(`document.querySelector('.rv-picture')?.dataset.decoder === 'on'`, null, { timeout: 30_000 });
    // The window around the opened frame, as after any pause in an annotator's work.
    await page.waitForFunction(`document.querySelector('.rv-picture')?.dataset.decoding === 'false'`, null, { timeout: 60_000 });
  }
  await measures(page, 'aw-seek-overlay');
  await measures(page, 'aw-seek-painted');
  const run: Run = { overlay: [], painted: [], decoded: 0 };
  let at = from;
  for (let i = 0; i < STEPS; i++) {
    const t0 = performance.now();
    await page.keyboard.press(key);
    at += key === 'ArrowRight' ? 1 : -1;
    await settle(page);
    const shown = Number(await page.getByTestId('frame-index').textContent());
    const px = await pixels(page);
    if (shown !== at || px !== at) throw new Error(`frame mismatch after ${key}: expected ${at}, UI ${shown}, pixels ${px}`);
    if ((await page.locator('.rv-picture').getAttribute('data-source')) === 'decoded') run.decoded++;
    const rest = PACE - (performance.now() - t0);
    if (rest > 0) await page.waitForTimeout(rest);
  }
  await page.evaluate(`new Promise((r) => requestAnimationFrame(() => r(0)))`);
  run.overlay = (await measures(page, 'aw-seek-overlay')).map((m) => m.duration);
  run.painted = (await measures(page, 'aw-seek-painted')).map((m) => m.duration);
  if (run.overlay.length !== STEPS) throw new Error(`${run.overlay.length} measures for ${STEPS} steps`);
  return run;
}

const f1 = (x: number) => x.toFixed(1);

async function main(): Promise<void> {
  if (!fs.existsSync(path.join(ROOT, 'out/renderer/index.html'))) throw new Error('Build the renderer first: npx electron-vite build');
  const mediaId = await build();
  process.env.AW_HOME = fs.mkdtempSync(path.join(os.tmpdir(), 'aw-step-bench-home-'));
  const backend = new Backend({ transport: 'http' });
  backend.openProject(path.join(DIR, 'project'), false);
  const server = await startServer(backend, { rendererDir: path.join(ROOT, 'out/renderer') });
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 }, bypassCSP: true });
    await page.goto(server.launchUrl);
    const url = `${server.url}#/review/${mediaId}`;
    // Forward across the keyframe at 250 (from 200); backward across the one at 500 (from a seek to 550).
    const fwdFrom = Math.min(FRAMES - 1 - STEPS, GOP - 50);
    const backFrom = Math.min(FRAMES - 1, 2 * GOP + 50);
    const rows: { label: string; before: Run; after: Run }[] = [];
    for (const [label, from, key] of [
      ['→ forward', fwdFrom, 'ArrowRight'],
      ['← backward', backFrom, 'ArrowLeft'],
    ] as const) {
      await page.evaluate(`localStorage.setItem('aw.review.decodedFrames', 'off')`);
      const before = await steps(page, url, from, key, false);
      await page.evaluate(`localStorage.removeItem('aw.review.decodedFrames')`);
      const after = await steps(page, url, from, key, true);
      rows.push({ label, before, after });
    }
    const cap = await page.evaluate(`(() => { const c = document.querySelector('canvas.rv-decoded'); return c ? [c.width, c.height] : null; })()`);
    console.log(`\nstep latency, ${W}×${H} H.264, GOP ${GOP}, 24000/1001 fps; ${STEPS} steps each way, one press every ≥ ${PACE} ms, each settled and pixel-checked`);
    console.log(`key → overlay committed (aw-seek-overlay) | key → painted (aw-seek-painted: + the wait for the next display frame)\n`);
    console.log('| steps | before p50 / p95 | after p50 / p95 | p50 ratio | painted before p50 / p95 | painted after p50 / p95 | from the window |');
    console.log('|---|---:|---:|---:|---:|---:|---:|');
    for (const r of rows) {
      const b = r.before.overlay;
      const a = r.after.overlay;
      console.log(
        `| ${r.label} | ${f1(percentile(b, 0.5))} / ${f1(percentile(b, 0.95))} ms | ${f1(percentile(a, 0.5))} / ${f1(percentile(a, 0.95))} ms | ${(percentile(b, 0.5) / percentile(a, 0.5)).toFixed(1)}× | ` +
          `${f1(percentile(r.before.painted, 0.5))} / ${f1(percentile(r.before.painted, 0.95))} ms | ${f1(percentile(r.after.painted, 0.5))} / ${f1(percentile(r.after.painted, 0.95))} ms | ${r.after.decoded}/${STEPS} |`,
      );
    }
    console.log(`\n(decoded canvas ${JSON.stringify(cap)}; window budget 256 MB of RGBA bitmaps = 72 frames at ${W}×${H})`);
    await page.screenshot({ path: path.join(ROOT, 'test-results/screenshots/step-bench-720p.png') });
  } finally {
    await browser.close();
    await server.close();
    await backend.close();
    if (!process.argv.includes('--keep')) fs.rmSync(DIR, { recursive: true, force: true });
  }
}

await main();
