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
import { chromium, type Page } from '@playwright/test';
import { Backend } from '../src/node/app/backend';
import { encodeSoftLabel } from '../src/shared/softlabels';
import { makeFrameCodedVideo } from '../src/node/demo/framecode';
import { importVideoMedia } from '../src/node/media/video';
import { Project } from '../src/node/store/project';
import { startServer } from '../src/node/server/server';
import { AU_MASK, importedOf, logitsOf, THRESHOLDS } from '../tests/unit/review-patterns';
import { useSourceWorker } from '../src/node/app/dev-runtime';

useSourceWorker(); // jobs start their worker from the TypeScript sources

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : dflt;
};
const FRAMES = Number(arg('frames', '50000'));
const DIR = path.resolve(arg('dir', path.join(os.tmpdir(), 'aw-review-bench')));
const ROOT = path.resolve(import.meta.dirname, '..');

async function build(): Promise<number> {
  const marker = path.join(DIR, 'bench.json');
  if (fs.existsSync(marker)) {
    const m = JSON.parse(fs.readFileSync(marker, 'utf8')) as { frames: number; mediaId: number };
    if (m.frames === FRAMES) return m.mediaId;
  }
  fs.rmSync(DIR, { recursive: true, force: true });
  fs.mkdirSync(DIR, { recursive: true });
  const video = path.join(DIR, 'coded.mp4');
  let t = performance.now();
  await makeFrameCodedVideo(video, { frames: FRAMES, fps: '24000/1001', width: 96, height: 72, gop: 48 });
  console.log(`video: ${FRAMES} frames encoded in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  const p = Project.create(path.join(DIR, 'project'), 'Review bench');
  const now = new Date().toISOString();
  const ds = Number(p.db.prepare(`INSERT INTO datasets(name, source_format, created_at) VALUES ('bench', 'videos', ?)`).run(now).lastInsertRowid);
  t = performance.now();
  const { mediaId } = await importVideoMedia(p, ds, video, { name: 'coded-50k' });
  console.log(`import: ${((performance.now() - t) / 1000).toFixed(1)} s`);
  const teacher = Number(
    p.db.prepare(`INSERT INTO models(name, kind, arch, thresholds, status, created_at) VALUES ('teacher-1', 'teacher', 'cnn', ?, 'ready', ?)`).run(JSON.stringify(THRESHOLDS), now)
      .lastInsertRowid,
  );
  const frames = p.db.prepare('SELECT id, idx FROM frames WHERE media_id = ? ORDER BY idx').all(mediaId) as { id: number; idx: number }[];
  const lab = p.db.prepare(
    `INSERT INTO labels(frame_id, task, layer, au_mask, au_bits, expr, valence, arousal, provenance, updated_at) VALUES (?, ?, 'imported', ?, ?, ?, ?, ?, 'imported', ?)`,
  );
  const soft = p.db.prepare('INSERT INTO soft_labels(model_id, frame_id, data) VALUES (?, ?, ?)');
  p.db.transaction(() => {
    for (const f of frames) {
      const l = importedOf(f.idx);
      if (l.auBits !== null) lab.run(f.id, 'au', AU_MASK, l.auBits, null, null, null, now);
      if (l.expr !== null) lab.run(f.id, 'expr', null, null, l.expr, null, null, now);
      if (l.va) lab.run(f.id, 'va', null, null, null, l.va[0], l.va[1], now);
      soft.run(teacher, f.id, encodeSoftLabel(logitsOf(f.idx)));
    }
  })();
  p.close();
  fs.writeFileSync(marker, JSON.stringify({ frames: FRAMES, mediaId }));
  return mediaId;
}

function stats(xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return `n=${s.length}  p50 ${q(0.5).toFixed(1)} ms  p95 ${q(0.95).toFixed(1)} ms  max ${s[s.length - 1].toFixed(1)} ms`;
}

/** Durations of the page's User Timing measures of one name, cleared afterwards (string code: no bundler helpers in the page). */
async function measures(page: Page, name: string): Promise<{ duration: number; detail: { serverMs?: number } | null }[]> {
  return page.evaluate(
    `(() => { const m = performance.getEntriesByName(${JSON.stringify(name)}, 'measure').map((e) => ({ duration: e.duration, detail: e.detail ?? null })); performance.clearMeasures(${JSON.stringify(name)}); return m; })()`,
  );
}

const SETTLED = `(() => { const el = document.querySelector('[data-testid="frame-state"]'); return !!el && el.dataset.settled === 'true' && el.dataset.playing === 'false'; })()`;
const RAF2 = `new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(0))))`;

async function settle(page: Page): Promise<void> {
  await page.evaluate(RAF2);
  await page.waitForFunction(SETTLED, null, { polling: 'raf', timeout: 20_000 });
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
