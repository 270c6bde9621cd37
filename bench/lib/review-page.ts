// Reading the review screen's figures in Chromium: its User Timing measures
// (src/renderer/src/review/perf.ts), its settled state, and percentiles.
import type { Page } from '@playwright/test';

/** Percentile q (0..1) of xs (nearest rank). */
export function percentile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}

export function stats(xs: number[]): string {
  return `n=${xs.length}  p50 ${percentile(xs, 0.5).toFixed(1)} ms  p95 ${percentile(xs, 0.95).toFixed(1)} ms  max ${Math.max(...xs).toFixed(1)} ms`;
}

/** Durations of the page's User Timing measures of one name, cleared afterwards (string code: no bundler helpers in the page). */
export async function measures(page: Page, name: string): Promise<{ duration: number; detail: { serverMs?: number } | null }[]> {
  return page.evaluate(
    `(() => { const m = performance.getEntriesByName(${JSON.stringify(name)}, 'measure').map((e) => ({ duration: e.duration, detail: e.detail ?? null })); performance.clearMeasures(${JSON.stringify(name)}); return m; })()`,
  );
}

const SETTLED = `(() => { const el = document.querySelector('[data-testid="frame-state"]'); return !!el && el.dataset.settled === 'true' && el.dataset.playing === 'false'; })()`;
export const RAF2 = `new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(0))))`;

/** Two animation frames (a key's state change has rendered), then until the player rests. */
export async function settle(page: Page): Promise<void> {
  await page.evaluate(RAF2);
  await page.waitForFunction(SETTLED, null, { polling: 'raf', timeout: 20_000 });
}
