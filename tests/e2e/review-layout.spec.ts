// The review layout puts the video first, in Chromium against the real backend, on a real
// 1280×720 H.264 video (frame-coded, GOP 24): at 1920×1080, 1440×900 and 1280×720 the picture is
// the largest thing on the screen and neither the model overlay nor the controls cover it; the
// splitters resize the panes (mouse and keyboard) and the sizes survive a reload; F gives a full
// screen with the timeline and the overlay; the overlay is dragged, collapsed and docked again, and
// its place survives a reload. Plus issue 16 item 5: units and a legend in the overlay, "Happiness"
// whole when selected, a provenance line that says what the edit did, the message not over the
// timeline's legend. Screenshots: test-results/screenshots/review-layout-*.png.
import type { Locator, Page } from '@playwright/test';
import { expect, screenshot, test } from './fixtures';
import { ReviewPO, type Box } from './pages/review';
import { seedReviewProject, type ReviewSeed } from './review-seed';
import { importedOf } from '../unit/review-patterns';

let seed: ReviewSeed;
test.beforeEach(async ({ workbench }) => {
  seed = await seedReviewProject(workbench.dir('layout'), { frames: 48, width: 1280, height: 720 });
  workbench.backend.openProject(seed.dir, false);
});

const area = (b: Box) => b.width * b.height;
/** Overlap in pixels (sub-pixel rounding of the layout tolerated). */
function overlaps(a: Box, b: Box): boolean {
  const ox = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const oy = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return ox > 0.5 && oy > 0.5;
}
function inside(inner: Box, outer: Box): boolean {
  return inner.x >= outer.x - 0.5 && inner.y >= outer.y - 0.5 && inner.x + inner.width <= outer.x + outer.width + 0.5 && inner.y + inner.height <= outer.y + outer.height + 0.5;
}
async function box(l: Locator): Promise<Box> {
  const b = await l.boundingBox();
  expect(b, 'element has a box').not.toBeNull();
  return b!;
}

/** Picture, overlay, controls, speed menu, timeline and panel boxes; the picture is the largest and nothing covers it. */
async function checkVideoFirst(page: Page, r: ReviewPO, label: string, largest = true): Promise<{ picture: Box; overlay: Box; stage: Box }> {
  const picture = await r.pictureBox();
  const overlay = await box(page.getByTestId('overlay'));
  const stage = await box(page.getByTestId('stage'));
  const controls = await box(page.getByTestId('review-controls'));
  const rate = await box(page.getByTestId('rate'));
  const timeline = await box(r.timeline);
  const others: [string, Box][] = [
    ['timeline', timeline],
    ['overlay', overlay],
    ['controls', controls],
  ];
  if (await r.panel.isVisible()) others.push(['correction panel', await box(r.panel)]);
  if (largest)
    for (const [name, b] of others) expect(area(picture), `${label}: the picture (${Math.round(picture.width)}×${Math.round(picture.height)}) is larger than the ${name} (${Math.round(b.width)}×${Math.round(b.height)})`).toBeGreaterThan(area(b));
  if (largest) expect(picture.height, `${label}: the picture is taller than the timeline`).toBeGreaterThan(timeline.height);
  expect(overlaps(picture, overlay), `${label}: the overlay does not cover the picture`).toBe(false);
  expect(overlaps(picture, controls), `${label}: the controls do not cover the picture`).toBe(false);
  expect(inside(overlay, stage), `${label}: the overlay stays in the picture area`).toBe(true);
  expect(overlaps(overlay, controls), `${label}: the overlay does not cover the controls`).toBe(false);
  expect(overlaps(overlay, rate), `${label}: nor the speed menu`).toBe(false);
  return { picture, overlay, stage };
}

test('the video is the largest element at 1920×1080, 1440×900 and 1280×720, uncovered', async ({ app: page, workbench }) => {
  const r = new ReviewPO(page);
  const figures: string[] = [];
  for (const [w, h] of [
    [1920, 1080],
    [1440, 900],
    [1280, 720],
  ]) {
    await page.setViewportSize({ width: w, height: h });
    await r.open(workbench.url, seed.mediaId, 10);
    await expect(page.getByTestId('overlay-AU12')).toBeVisible();
    const { picture } = await checkVideoFirst(page, r, `${w}×${h}`);
    figures.push(`${w}×${h}: video ${Math.round(picture.width)}×${Math.round(picture.height)}, timeline ${Math.round((await box(r.timeline)).height)} px`);
    await screenshot(page, `review-layout-${w}x${h}`);
  }
  // the baseline: ~735×415 at 1440×900 and ~250 px tall at 1280×720
  test.info().annotations.push({ type: 'sizes', description: figures.join('; ') });
  console.log(figures.join('\n'));
});

test('splitters resize the panel and the timeline, by mouse and keyboard, and the sizes survive a reload', async ({ app: page, workbench }) => {
  await page.setViewportSize({ width: 1440, height: 900 });
  const r = new ReviewPO(page);
  await r.open(workbench.url, seed.mediaId, 10);
  const split = page.getByTestId('split-panel');
  const splitT = page.getByTestId('split-timeline');
  const panel0 = (await box(r.panel)).width;
  const tl0 = (await box(r.timeline)).height;

  // drag the panel's splitter 120 px left: the panel is 120 px wider
  const s = await box(split);
  await page.mouse.move(s.x + s.width / 2, s.y + s.height / 2);
  await page.mouse.down();
  await page.mouse.move(s.x + s.width / 2 - 60, s.y + s.height / 2, { steps: 4 });
  await page.mouse.move(s.x + s.width / 2 - 120, s.y + s.height / 2, { steps: 4 });
  await page.mouse.up();
  await expect.poll(async () => Math.round((await box(r.panel)).width)).toBe(Math.round(panel0 + 120));

  // drag the timeline's splitter 60 px up: the timeline is 60 px taller, its lanes fill it
  const t = await box(splitT);
  await page.mouse.move(t.x + t.width / 2, t.y + t.height / 2);
  await page.mouse.down();
  await page.mouse.move(t.x + t.width / 2, t.y + t.height / 2 - 60, { steps: 6 });
  await page.mouse.up();
  await expect.poll(async () => Math.round((await box(r.timeline)).height)).toBe(Math.round(tl0 + 60));
  const canvas = await box(r.timelineCanvas);
  expect(canvas.height).toBeGreaterThan(tl0 + 60 - 28 - 8);

  // keyboard: the focused splitter takes the arrows (the frame does not move), Shift for 64 px
  await split.focus();
  await r.press('ArrowRight');
  await r.press('Shift+ArrowLeft');
  await expect.poll(async () => Math.round((await box(r.panel)).width)).toBe(Math.round(panel0 + 120 - 16 + 64));
  await expect(r.frameIndex).toHaveText('10');
  await splitT.focus();
  await r.press('ArrowDown');
  await expect.poll(async () => Math.round((await box(r.timeline)).height)).toBe(Math.round(tl0 + 60 - 16));
  await expect(split).toHaveAttribute('aria-valuenow', String(Math.round(panel0 + 168)));

  // remembered: a reload shows the same sizes
  const want = { panel: (await box(r.panel)).width, timeline: (await box(r.timeline)).height };
  await page.reload();
  await r.settled();
  expect(Math.round((await box(r.panel)).width)).toBe(Math.round(want.panel));
  expect(Math.round((await box(r.timeline)).height)).toBe(Math.round(want.timeline));
  // whatever the sizes, nothing covers the picture
  await checkVideoFirst(page, r, 'after resizing', false);

  // a smaller window clamps them so that the picture keeps its minimum; the wanted size comes back
  await page.setViewportSize({ width: 900, height: 600 });
  // (after the layout has followed the new size: measured at once, it was sometimes the old one's)
  await expect.poll(async () => (await box(page.getByTestId('stage'))).height).toBeGreaterThanOrEqual(149);
  await expect.poll(async () => (await box(page.getByTestId('stage'))).width).toBeGreaterThanOrEqual(419);
  await page.setViewportSize({ width: 1440, height: 900 });
  await expect.poll(async () => Math.round((await box(r.panel)).width)).toBe(Math.round(want.panel));

  // a double-click gives the default back
  await split.dblclick();
  await expect.poll(async () => Math.round((await box(r.panel)).width)).toBe(Math.round(panel0));
});

test('F gives a full screen with the timeline and the overlay; F, Esc or the button leave it', async ({ app: page, workbench }) => {
  await page.setViewportSize({ width: 1280, height: 720 });
  const r = new ReviewPO(page);
  await r.open(workbench.url, seed.mediaId, 10);
  const before = await r.pictureBox();
  await r.press('f');
  await expect(r.screen).toHaveAttribute('data-fullscreen', 'true');
  await expect(r.timeline).toBeVisible();
  await expect(page.getByTestId('overlay-AU12')).toBeVisible();
  await expect(page.getByTestId('review-bar')).toBeHidden();
  await expect(r.panel).toBeHidden();
  await r.settled();
  const full = await checkVideoFirst(page, r, 'full screen');
  expect(full.picture.height).toBeGreaterThan(before.height + 100);
  // the work area covers the window (the Fullscreen API's element, or the window where it is refused)
  const screen = await box(r.screen);
  expect(screen.width).toBeGreaterThanOrEqual(1279);
  expect(screen.height).toBeGreaterThanOrEqual(719);
  // keys still work in full screen
  await r.press('ArrowRight');
  await r.settled();
  await expect(r.frameIndex).toHaveText('11');
  await screenshot(page, 'review-layout-fullscreen-1280x720');
  await r.press('Escape');
  await expect(r.screen).toHaveAttribute('data-fullscreen', 'false');
  await expect(r.panel).toBeVisible();
  await page.getByTestId('fullscreen').click();
  await expect(r.screen).toHaveAttribute('data-fullscreen', 'true');
  await r.press('f');
  await expect(r.screen).toHaveAttribute('data-fullscreen', 'false');
  expect(await page.evaluate('document.fullscreenElement === null')).toBe(true);
});

test('the overlay is dragged over the picture, collapsed and docked again; its place survives a reload', async ({ app: page, workbench }) => {
  await page.setViewportSize({ width: 1440, height: 900 });
  const r = new ReviewPO(page);
  await r.open(workbench.url, seed.mediaId, 10);
  const overlay = page.getByTestId('overlay');
  const handle = page.getByTestId('overlay-handle');
  await expect(overlay).toHaveAttribute('data-docked', 'true');
  const stage = await box(page.getByTestId('stage'));

  // drag the title bar to the picture's lower left
  const h = await box(handle);
  await page.mouse.move(h.x + 30, h.y + h.height / 2);
  await page.mouse.down();
  await page.mouse.move(stage.x + 300, stage.y + 200, { steps: 5 });
  await page.mouse.move(stage.x + 60, stage.y + stage.height - 40, { steps: 5 });
  await page.mouse.up();
  await expect(overlay).toHaveAttribute('data-docked', 'false');
  const dropped = await box(overlay);
  expect(inside(dropped, stage)).toBe(true);
  expect(dropped.x - stage.x).toBeLessThan(40);
  // translucent over the picture
  const bg = (await page.evaluate(`getComputedStyle(document.querySelector('[data-testid="overlay"]')).backgroundColor`)) as string;
  expect(Number(/rgba\(.*,\s*([\d.]+)\)/.exec(bg)?.[1] ?? 1)).toBeLessThan(0.9);
  await screenshot(page, 'review-layout-overlay-floating');

  // dragged far past the picture's corner it stops inside the picture area, off the controls
  const h2 = await box(handle);
  await page.mouse.move(h2.x + 30, h2.y + h2.height / 2);
  await page.mouse.down();
  await page.mouse.move(stage.x + stage.width + 400, stage.y + stage.height + 400, { steps: 6 });
  await page.mouse.up();
  const corner = await box(overlay);
  expect(inside(corner, stage)).toBe(true);
  expect(overlaps(corner, await box(page.getByTestId('review-controls')))).toBe(false);
  expect(Math.round(stage.x + stage.width - (corner.x + corner.width))).toBeLessThanOrEqual(8);

  // remembered across a reload
  await page.reload();
  await r.settled();
  await expect(overlay).toHaveAttribute('data-docked', 'false');
  const again = await box(overlay);
  expect(Math.abs(again.x - corner.x)).toBeLessThanOrEqual(1);
  expect(Math.abs(again.y - corner.y)).toBeLessThanOrEqual(1);

  // a smaller window: still inside the (smaller) picture area
  await page.setViewportSize({ width: 1280, height: 720 });
  await expect.poll(async () => inside(await box(overlay), await box(page.getByTestId('stage')))).toBe(true);

  // collapsed to its title bar, remembered; expanded; docked again
  await page.getByTestId('overlay-collapse').click();
  await expect(overlay).toHaveAttribute('data-collapsed', 'true');
  await expect(page.getByTestId('overlay-AU12')).toBeHidden();
  expect((await box(overlay)).height).toBeLessThan(30);
  await screenshot(page, 'review-layout-overlay-collapsed');
  await page.reload();
  await r.settled();
  await expect(overlay).toHaveAttribute('data-collapsed', 'true');
  await page.getByTestId('overlay-collapse').click();
  await expect(page.getByTestId('overlay-AU12')).toBeVisible();
  await page.getByTestId('overlay-dock').click();
  await expect(overlay).toHaveAttribute('data-docked', 'true');
  await checkVideoFirst(page, r, 'docked again');
});

test('overlay units and legend, "Happiness" whole, a provenance line that says what was done, the message off the legend', async ({ app: page, workbench }) => {
  await page.setViewportSize({ width: 1280, height: 720 });
  const r = new ReviewPO(page);
  await r.open(workbench.url, seed.mediaId, 13);
  // units on every number, and the threshold tick explained in words on screen (not only a tooltip)
  await expect(page.getByTestId('overlay-AU1').locator('.rv-hud-num')).toHaveText(/^\d{1,3}%$/);
  await expect(page.getByTestId('overlay-expr')).toContainText('model, %');
  const legend = page.getByTestId('overlay-legend');
  await expect(legend).toBeVisible();
  await expect(legend).toContainText('threshold');
  expect(inside(await box(legend), await box(page.getByTestId('stage')))).toBe(true);

  // frame 13: ground truth Surprise; Shift+5 → Happiness, whole at the default and the narrowest panel width
  expect(importedOf(13).expr).toBe(6);
  await r.press('Shift+Digit5');
  const happy = r.panel.getByTestId('expr-Happiness');
  await expect(happy).toHaveAttribute('aria-pressed', 'true');
  const whole = () => happy.evaluate((el) => el.scrollWidth <= el.clientWidth);
  expect(await whole()).toBe(true);
  await page.getByTestId('split-panel').focus();
  await r.press('Home');
  expect(await whole()).toBe(true);
  await expect(page.getByTestId('frame-history').locator('li').first()).toContainText('Happiness · was Surprise (ground truth)');

  // the message sits in the control bar: over neither the timeline's legend nor the picture
  const toast = r.toast;
  await expect(toast).toContainText('Expression: Happiness');
  const tb = await box(toast);
  expect(overlaps(tb, await box(page.locator('.rv-tl-legend')))).toBe(false);
  expect(overlaps(tb, await r.pictureBox())).toBe(false);
  expect(inside(tb, await box(page.getByTestId('review-controls')))).toBe(true);

  // key 2 toggles AU2: the line names AU2 and what it was, at once — frame 13 has no imported AUs,
  // frame 12 has (its window still holds the import in force when the history arrives)
  const first = page.getByTestId('frame-history').locator('li').first();
  await r.press('2');
  await expect(first).toContainText('AU2 present · was AU2 unlabelled');
  expect(importedOf(12).auBits).not.toBeNull();
  await r.gotoFrame(12);
  await r.settled();
  await r.press('2');
  await expect(first).toContainText(/AU2 (present|absent) · was AU2 (absent|present) \(ground truth\)/);
  await expect(r.panel).not.toContainText('not corrected');
  // no name in the overlay is cut either (the model's top expression is bold)
  expect(await page.evaluate(`[...document.querySelectorAll('.rv-hud-name, .rv-hud-title')].filter((e) => e.scrollWidth > e.clientWidth).map((e) => e.textContent)`)).toEqual([]);
  await screenshot(page, 'review-layout-provenance');
});
