// Fast stepping (issue 16): steps to frames held by the decoded-frame window are drawn from memory
// (WebCodecs), and what is drawn must be exactly the frame the UI names, by the index coded in its
// pixels: forward and backward, across GOP boundaries, after a seek, after playback. With the
// window turned off the <video> path gives the same frames.
import { expect, screenshot, test } from './fixtures';
import { ReviewPO } from './pages/review';
import { seedReviewProject, type ReviewSeed } from './review-seed';

const FRAMES = 480;
const GOP = 120;

let seed: ReviewSeed;
test.use({ trace: 'off' });

test.describe('decoded-frame stepping', () => {
  test.describe.configure({ timeout: 240_000 });

  test.beforeEach(async ({ workbench }) => {
    seed = await seedReviewProject(workbench.dir('coded'), { frames: FRAMES, width: 640, height: 360, gop: GOP });
    workbench.backend.openProject(seed.dir, false);
  });

  test('steps to decoded frames show exactly the named frame, both ways, across GOPs and after a seek', async ({ app: page, workbench }) => {
    const r = new ReviewPO(page);
    const picture = page.locator('.rv-picture');
    await r.open(workbench.url, seed.mediaId, GOP - 6);
    await expect(picture).toHaveAttribute('data-decoder', 'on');
    const counts = { decoded: 0, checks: 0 };
    /** Waits until the window is filled (the next step in either direction is held), steps, and checks the picture. */
    const step = async (key: string, expected: number) => {
      await expect(picture).toHaveAttribute('data-decoding', 'false');
      await r.press(key);
      const { ui, pixels } = await r.observe();
      expect({ ui, pixels, source: await r.source() }, `after ${key} to ${expected}`).toEqual({ ui: expected, pixels: expected, source: 'decoded' });
      counts.decoded++;
      counts.checks++;
    };
    let at = GOP - 6;
    // Forward across the GOP boundary at 120.
    for (let i = 0; i < 12; i++) await step('ArrowRight', ++at);
    // Backward across it again, and ten-frame steps back into the first GOP.
    for (let i = 0; i < 12; i++) await step('ArrowLeft', --at);
    await step('Shift+ArrowLeft', (at -= 10));
    // After a seek into the fourth GOP: back across the boundary at 360 (decoded from keyframe 240), then forward.
    await r.gotoFrame(3 * GOP + 4);
    await r.observe();
    at = 3 * GOP + 4;
    for (let i = 0; i < 10; i++) await step('ArrowLeft', --at);
    await step('Shift+ArrowLeft', (at -= 10));
    for (let i = 0; i < 6; i++) await step('ArrowRight', ++at);
    await screenshot(page, 'review-decoded-step');
    // Playback belongs to the <video>; after the pause, steps are decoded again and exact.
    await r.playFor(300);
    const { ui, pixels } = await r.observe();
    expect(pixels).toBe(ui);
    at = ui;
    await step('ArrowRight', ++at);
    await step('ArrowLeft', --at);
    await step('ArrowLeft', --at);
    console.log(`decoded stepping: ${counts.checks} checks, all from the decoded window`);
  });

  test('with the window turned off, steps go through the <video> and stay exact', async ({ app: page, workbench }) => {
    const r = new ReviewPO(page);
    await page.evaluate(`localStorage.setItem('aw.review.decodedFrames', 'off')`);
    await r.open(workbench.url, seed.mediaId, GOP - 2);
    await expect(page.locator('.rv-picture')).toHaveAttribute('data-decoder', 'off: turned off');
    let at = GOP - 2;
    for (const [key, d] of [['ArrowRight', 1], ['ArrowRight', 1], ['ArrowRight', 1], ['ArrowLeft', -1], ['ArrowLeft', -1]] as const) {
      await r.press(key);
      at += d;
      const { ui, pixels } = await r.observe();
      expect({ ui, pixels, source: await r.source() }).toEqual({ ui: at, pixels: at, source: 'video' });
    }
    await page.evaluate(`localStorage.removeItem('aw.review.decodedFrames')`);
  });
});
