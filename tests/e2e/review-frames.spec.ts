// Frame exactness of the review player, in Chromium against the real backend: a 24000/1001 fps
// video whose every frame carries its own index in its pixels is imported (per-frame timestamps
// from ffprobe), opened at #/review/<id>, and after steps, jumps, play/pause, speed changes and
// timeline drags the index the UI shows must equal the index decoded from the picture on screen.
// Every check is recorded; the test fails on the first miss and reports the totals.
import { expect, screenshot, test } from './fixtures';
import { ReviewPO } from './pages/review';
import { seedReviewProject, type ReviewSeed } from './review-seed';

const FRAMES = 480;

interface Tally {
  checks: number;
  misses: string[];
  byKind: Record<string, number>;
}

async function check(r: ReviewPO, t: Tally, kind: string, expected?: number): Promise<number> {
  const { ui, pixels } = await r.observe();
  t.checks++;
  t.byKind[kind] = (t.byKind[kind] ?? 0) + 1;
  if (ui !== pixels || (expected !== undefined && ui !== expected)) t.misses.push(`${kind}: ui ${ui}, pixels ${pixels}, expected ${expected ?? '-'}`);
  expect(t.misses, `frame mismatch after ${kind}`).toEqual([]);
  return ui;
}

let seed: ReviewSeed;
// Hundreds of key presses and pixel reads: a trace snapshot of each would cost more than the test.
test.use({ trace: 'off' });

test.describe('review player frame exactness', () => {
  test.describe.configure({ timeout: 300_000 });

  test.beforeEach(async ({ workbench }) => {
    seed = await seedReviewProject(workbench.dir('coded'), { frames: FRAMES });
    workbench.backend.openProject(seed.dir, false);
  });

  test('the shown frame index is the frame on screen after steps, jumps, play/pause and timeline drags', async ({ app: page, workbench }) => {
    const r = new ReviewPO(page);
    const t: Tally = { checks: 0, misses: [], byKind: {} };
    // The stored timeline is the file's: 24000/1001 spacing from the first presented frame.
    expect(seed.frames).toBe(FRAMES);
    expect(seed.timestamps[FRAMES - 1]).toBeCloseTo(((FRAMES - 1) * 1001) / 24000, 4);

    await r.open(workbench.url, seed.mediaId, 37);
    await check(r, t, 'open at ?frame=37', 37);

    // Single steps forward and back (the classic off-by-one).
    let at = 37;
    for (let i = 0; i < 100; i++) {
      await r.press('ArrowRight');
      await check(r, t, 'step +1', ++at);
    }
    for (let i = 0; i < 40; i++) {
      await r.press('ArrowLeft');
      await check(r, t, 'step -1', --at);
    }
    // Ten-frame steps, across keyframes (GOP 24).
    for (let i = 0; i < 25; i++) {
      await r.press('Shift+ArrowRight');
      at = Math.min(FRAMES - 1, at + 10);
      await check(r, t, 'step +10', at);
    }
    for (let i = 0; i < 15; i++) {
      await r.press('Shift+ArrowLeft');
      at = Math.max(0, at - 10);
      await check(r, t, 'step -10', at);
    }
    // Held keys: requests faster than seeks land are coalesced, none lost.
    for (let round = 0; round < 6; round++) {
      for (let i = 0; i < 12; i++) await r.press('ArrowRight');
      at = Math.min(FRAMES - 1, at + 12);
      await check(r, t, 'burst +12', at);
    }
    // Jumps: first, last, keyframe neighbours, arbitrary frames.
    await r.press('Home');
    await check(r, t, 'home', 0);
    await r.press('End');
    await check(r, t, 'end', FRAMES - 1);
    const targets = [1, 23, 24, 25, 47, 48, 49, 239, 240, 241, FRAMES - 2, 2, 100, 333, 77, 401, 5, 250, 13, 470, 199, 312, 58, 144, 96];
    for (const f of targets) {
      await r.gotoFrame(f);
      await check(r, t, 'go to frame', f);
    }
    // Play and pause at several speeds: the frame shown after the pause is the one on screen.
    for (const [i, ms] of [160, 420, 90, 650, 300, 230, 510, 120, 370, 280, 600, 180].entries()) {
      if (i === 4) await r.press(']'); // 1.5×
      if (i === 8) await r.press('['); // back to 1×
      if (i === 10) await r.press('['); // 0.5×
      let before = await r.shown();
      if (before > FRAMES - 80) {
        before = 10 + i * 7;
        await r.gotoFrame(before);
        await check(r, t, 'go to frame', before);
      }
      await r.playFor(ms);
      const after = await check(r, t, 'play/pause');
      expect(after, 'playback advanced').toBeGreaterThan(before);
    }
    await r.press(']');
    // Timeline: clicks and drags (scrubbing), released anywhere.
    for (let i = 0; i < 40; i++) {
      const frac = ((i * 37) % 100) / 100 + 0.004;
      await r.dragTimeline([frac]);
      await check(r, t, 'timeline click');
    }
    for (let i = 0; i < 24; i++) {
      const a = ((i * 29) % 90) / 100 + 0.01;
      const b = ((i * 53 + 40) % 95) / 100 + 0.01;
      await r.dragTimeline([a, (a + b) / 2, b]);
      await check(r, t, 'timeline drag');
    }
    // Zoomed in to single frames: a drag lands on exactly the frame under the pointer.
    await r.gotoFrame(200);
    await check(r, t, 'go to frame', 200);
    for (let i = 0; i < 4; i++) await r.press('=');
    await expect(r.timeline).toHaveAttribute('data-mode', 'frames');
    for (let i = 0; i < 12; i++) {
      await r.dragTimeline([0.2, 0.5, 0.15 + i * 0.06]);
      await check(r, t, 'zoomed drag');
    }
    await screenshot(page, 'review-frame-exact');
    // Reload at a frame from the address bar.
    for (const f of [0, 211, FRAMES - 1]) {
      await r.open(workbench.url, seed.mediaId, f);
      await check(r, t, 'reload ?frame', f);
    }
    test.info().annotations.push({ type: 'frame-exactness', description: `${t.checks} checks, ${t.misses.length} misses: ${JSON.stringify(t.byKind)}` });
    console.log(`frame exactness: ${t.checks} checks, ${t.misses.length} misses`, t.byKind);
    expect(t.checks).toBeGreaterThanOrEqual(300);
    expect(t.misses).toEqual([]);
  });
});
