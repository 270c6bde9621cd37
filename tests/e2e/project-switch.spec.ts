// Switching projects while the review screen is open (issue 16, item 1): two projects that both have
// a media item 1 (different lengths), the review screen on #/review/1 of one, then the other project
// is opened — from File → Open project… (the dialog goes to the project screen) and from another
// client (a `project.changed` event: the review screen stays and must show the other project's
// media 1). Before the fix the app blanked (React #185, maximum update depth exceeded) both ways.
import type { Page } from '@playwright/test';
import { expect, screenshot, test, type Workbench } from './fixtures';
import { DialogPO, ErrorsPO, MenuBarPO } from './pages/menu';
import { ReviewPO } from './pages/review';
import { seedReviewProject, type ReviewSeed } from './review-seed';

let a: ReviewSeed;
let b: ReviewSeed;

test.describe.configure({ timeout: 120_000 });

test.beforeEach(async ({ workbench }) => {
  a = await seedReviewProject(workbench.dir('project-a'), { frames: 48 });
  b = await seedReviewProject(workbench.dir('project-b'), { frames: 72 });
  expect(a.mediaId).toBe(1);
  expect(b.mediaId).toBe(1);
  workbench.backend.openProject(a.dir, false);
});

/** The review screen shows media 1 of the project with `frames` frames, on `frame`, and nothing broke. */
async function expectReviewOf(page: Page, r: ReviewPO, frames: number, frame?: number): Promise<void> {
  await expect(page.getByTestId('app')).toBeVisible();
  await expect(r.screen).toBeVisible();
  await expect(r.screen).toHaveAttribute('data-media-id', '1');
  await expect(page.getByTestId('review-bar')).toContainText(`${frames} frames`);
  await expect(r.frameState).toContainText(`/ ${frames - 1}`);
  await r.settled();
  if (frame !== undefined) expect(await r.shown()).toBe(frame);
  expect(await r.pixelIndex()).toBe(await r.shown());
  await expect(new ErrorsPO(page).banners).toHaveCount(0);
}

async function openFromMenu(page: Page, dir: string): Promise<void> {
  const dialog = new DialogPO(page);
  await new MenuBarPO(page).choose('File', 'project.open');
  await expect(dialog.title).toHaveText('Open project');
  await dialog.field('open-project-path').fill(dir);
  await dialog.field('open-project-submit').click();
  await expect(dialog.root).toHaveCount(0);
}

async function onReview(page: Page, w: Workbench, r: ReviewPO, frames: number, frame: number): Promise<void> {
  await r.open(w.url, 1, frame);
  await expectReviewOf(page, r, frames, frame);
}

test('File → Open project… from the review screen switches projects both ways without blanking the app', async ({ app: page, workbench }) => {
  const r = new ReviewPO(page);
  for (const [from, to] of [
    [a, b],
    [b, a],
    [a, b],
    [b, a],
  ]) {
    await onReview(page, workbench, r, from.frames, 5);
    await openFromMenu(page, to.dir);
    // The dialog goes to the project screen of the project just opened.
    await expect(page.getByTestId('app')).toHaveAttribute('data-route', 'home');
    await expect(page.getByTestId('project-dir')).toHaveText(to.dir);
    // Its media 1 opens in the review screen: the other project's item, not the old one's.
    await page.goBack();
    await expect(page.getByTestId('app')).toHaveAttribute('data-route', 'review');
    await expectReviewOf(page, r, to.frames);
  }
  await screenshot(page, 'project-switch-menu');
});

test('a project opened elsewhere (project.changed) while on the review screen shows the other project’s media 1 there', async ({ app: page, workbench }) => {
  const r = new ReviewPO(page);
  await onReview(page, workbench, r, a.frames, 7);
  for (const to of [b, a, b, a]) {
    workbench.backend.openProject(to.dir, false);
    await expect(page.getByTestId('review-bar')).toContainText(`${to.frames} frames`);
    // The frame asked for in the address bar stays (both have a frame 7).
    await expectReviewOf(page, r, to.frames, 7);
  }
  await screenshot(page, 'project-switch-event');
});
