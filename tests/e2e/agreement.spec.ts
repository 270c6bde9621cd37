// Annotators and agreement in Chromium against the real backend: the first label asks who is
// annotating (remembered, shown in the status bar, changeable from the menu); two annotators in two
// browser sessions label the same frames differently, and the Agreement view shows the Cohen's κ
// this test computes on its own from what they typed.
import type { Browser, Page } from '@playwright/test';
import { expect, screenshot, test } from './fixtures';
import { ReviewPO } from './pages/review';
import { seedReviewProject, type ReviewSeed } from './review-seed';

let seed: ReviewSeed;

test.beforeEach(async ({ workbench }) => {
  seed = await seedReviewProject(workbench.dir('agreement'), { frames: 48 });
  workbench.backend.openProject(seed.dir, false);
});

test.describe('no annotator name stored', () => {
  test.use({ annotator: null });

  test('the first label asks for the name, which is remembered, shown and changeable', async ({ app: page, workbench }) => {
    const r = new ReviewPO(page);
    await r.open(workbench.url, seed.mediaId, 10);
    await expect(page.getByTestId('status-annotator')).toHaveText('annotator: not set');
    // Key 5 (AU12 present) waits for the name; closing the dialog without one writes nothing.
    await r.press('5');
    await expect(page.getByTestId('dialog-title')).toHaveText('Who is annotating?');
    await page.getByTestId('dialog-close').click();
    await expect(r.toast).toContainText('not saved');
    await expect(r.panel.getByTestId('au-AU12')).not.toHaveAttribute('data-value', '1');
    await r.press('5');
    await page.getByTestId('annotator-save').click();
    await expect(page.getByTestId('annotator-error')).toHaveText('Enter a name.');
    await page.getByTestId('annotator-name').fill('  Ana Lyst  ');
    await page.getByTestId('annotator-save').click();
    await expect(page.getByTestId('status-annotator')).toHaveText('annotator: Ana Lyst');
    await expect(r.panel.getByTestId('au-AU12')).toHaveAttribute('data-value', '1');
    await expect(r.panel.getByTestId('frame-history')).toContainText('Ana Lyst');
    const actions = await workbench.backend.handlers['labels.history']({ mediaId: seed.mediaId, limit: 5 });
    expect(actions.actions[0].author).toBe('Ana Lyst');
    // Remembered after a reload: the next label asks nothing.
    await page.reload();
    await expect(page.getByTestId('status-annotator')).toHaveText('annotator: Ana Lyst');
    await r.settled();
    await r.press('ArrowRight');
    await r.settled();
    await r.press('5');
    await expect(r.panel.getByTestId('au-AU12')).toHaveAttribute('data-value', '1');
    await expect(page.getByTestId('dialog')).toHaveCount(0);
    // Changed from the status bar (File → Annotator name… opens the same dialog); undo is per
    // annotator, so the new name has nothing to undo and Ana Lyst's label stays.
    await expect(page.getByTestId('undo')).toBeEnabled();
    await page.getByTestId('status-annotator').click();
    await expect(page.getByTestId('annotator-name')).toHaveValue('Ana Lyst');
    await page.getByTestId('annotator-name').fill('Second Person');
    await page.getByTestId('annotator-save').click();
    await expect(page.getByTestId('status-annotator')).toHaveText('annotator: Second Person');
    expect(await page.evaluate("localStorage.getItem('aw.annotator')")).toBe('Second Person');
    await expect(page.getByTestId('undo')).toBeDisabled();
    await r.press('Control+z');
    await expect(r.toast).toContainText('Nothing to undo');
    await expect(r.panel.getByTestId('au-AU12')).toHaveAttribute('data-value', '1');
  });
});

/** Cohen's κ of two raters' class labels, written out here: (p_o − p_e) / (1 − p_e). */
function cohen(a: readonly number[], b: readonly number[]): number {
  const n = a.length;
  const po = a.filter((x, i) => x === b[i]).length / n;
  let pe = 0;
  for (let c = 0; c < 7; c++) pe += (a.filter((x) => x === c).length / n) * (b.filter((x) => x === c).length / n);
  return (po - pe) / (1 - pe);
}

const FRAMES = [20, 21, 22, 23, 24, 25, 26, 27, 28, 29];
// Expression classes (0 Neutral … 6 Surprise) each annotator sets on FRAMES: they differ on three.
const ALICE = [0, 4, 4, 1, 0, 6, 4, 0, 5, 4];
const BOB = [0, 4, 5, 1, 0, 6, 0, 0, 5, 3];

async function annotatorPage(browser: Browser, launchUrl: string, name: string, problems: string[]): Promise<Page> {
  const ctx = await browser.newContext();
  await ctx.addInitScript(`localStorage.setItem('aw.annotator', ${JSON.stringify(name)})`);
  const page = await ctx.newPage();
  page.on('pageerror', (e) => problems.push(`${name}: page error: ${e.message}`));
  page.on('console', (m) => m.type() === 'error' && problems.push(`${name}: console error: ${m.text()}`));
  await page.goto(launchUrl);
  await expect(page.getByTestId('app')).toHaveAttribute('data-booted', 'true');
  return page;
}

async function labelExpressions(page: Page, baseUrl: string, classes: readonly number[]): Promise<void> {
  const r = new ReviewPO(page);
  await r.open(baseUrl, seed.mediaId, FRAMES[0]);
  for (let k = 0; k < FRAMES.length; k++) {
    if (k > 0) {
      await r.press('ArrowRight');
      await r.settled();
    }
    await expect(r.frameIndex).toHaveText(String(FRAMES[k]));
    // Shift+1 … Shift+7 set the expression with that class number + 1.
    await r.press(`Shift+Digit${classes[k] + 1}`);
    await expect(r.toast).toContainText(`frame ${FRAMES[k]}`);
  }
  await expect(page.getByTestId('review-saving')).toHaveCount(0);
}

test('two annotators label the same frames differently at the same time; nothing is lost; the Agreement view shows their κ', async ({ browser, workbench }) => {
  test.setTimeout(120_000);
  const problems: string[] = [];
  const alice = await annotatorPage(browser, workbench.launchUrl, 'alice', problems);
  const bob = await annotatorPage(browser, workbench.launchUrl, 'bob', problems);
  await expect(alice.getByTestId('status-annotator')).toHaveText('annotator: alice');
  await expect(bob.getByTestId('status-annotator')).toHaveText('annotator: bob');
  // Both sessions label at the same time, their writes interleaved on one project: nothing is lost.
  await Promise.all([labelExpressions(alice, workbench.url, ALICE), labelExpressions(bob, workbench.url, BOB)]);
  const layers = await workbench.backend.handlers['annotators.list']({});
  expect(layers.annotators.map((a) => [a.name, a.role, a.labels.expr])).toEqual([
    ['alice', 'annotator', FRAMES.length],
    ['bob', 'annotator', FRAMES.length],
  ]);

  // From bob's review screen to the media item's Agreement view.
  await bob.getByTestId('open-agreement').click();
  await expect(bob.getByTestId('agreement')).toBeVisible();
  await expect(bob.getByTestId('ag-annotators')).toContainText('2 annotators: alice, bob');
  await expect(bob.getByTestId('ag-frames')).toContainText(`${FRAMES.length} frames labelled by an annotator · 2 annotators`);
  await expect(bob.getByTestId('ag-col-0')).toHaveText('alice');
  await expect(bob.getByTestId('ag-col-1')).toHaveText('bob');
  const kappa = cohen(ALICE, BOB);
  expect(kappa).toBeGreaterThan(0.4);
  expect(kappa).toBeLessThan(0.8);
  await expect(bob.getByTestId('ag-cell-0-1')).toHaveText(kappa.toFixed(3));
  await expect(bob.getByTestId('ag-cell-1-0')).toHaveText(kappa.toFixed(3));
  // Two raters: Fleiss' κ over the same frames is shown too; the strip marks the three disputed frames.
  await expect(bob.getByTestId('ag-fleiss')).toHaveAttribute('data-ok', 'true');
  await expect(bob.getByTestId('ag-strip-expr').locator('rect')).toHaveCount(FRAMES.length);
  await screenshot(bob, 'agreement-two-annotators');

  // The backend's figures are the CLI's: the same κ through the contract.
  const report = await workbench.backend.handlers['agreement.compute']({ mediaId: seed.mediaId, breakdown: true, buckets: 600 });
  const cell = report.scopes[0].expr.pairwise.cells[0][1];
  expect(cell?.ok && cell.value).toBeCloseTo(kappa, 12);

  // A task nobody labelled says n/a with its reason, never NaN.
  await bob.getByTestId('ag-task-valence').click();
  await expect(bob.getByTestId('ag-alpha')).toHaveText('n/a');
  await expect(bob.getByTestId('agreement')).toContainText('fewer than two raters');
  await expect(bob.getByTestId('agreement')).not.toContainText('NaN');
  expect(problems).toEqual([]);
});
