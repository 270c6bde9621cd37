// Corrections in the review screen, in Chromium against the real backend: labels set by keys, a
// range accepted from the model, valence/arousal dragged on the circumplex, a no-face mark, undo
// and redo jumping back to the edited frame, and after a reload everything persisted with its
// provenance — checked in the UI and against what the backend's label queries return.
import { expect, screenshot, test } from './fixtures';
import { ReviewPO } from './pages/review';
import { seedReviewProject, type ReviewSeed } from './review-seed';
import { importedOf } from '../unit/review-patterns';

let seed: ReviewSeed;

test.beforeEach(async ({ workbench }) => {
  seed = await seedReviewProject(workbench.dir('edits'), { frames: 120 });
  workbench.backend.openProject(seed.dir, false);
});

test('corrections on frames and a range, undo/redo, reload: persisted with provenance', async ({ app: page, workbench }) => {
  const r = new ReviewPO(page);
  const h = workbench.backend.handlers;
  const labels = async (from: number, to: number) => h['labels.range']({ mediaId: seed.mediaId, from, to });
  await r.open(workbench.url, seed.mediaId, 10);
  await expect(page.getByTestId('overlay-AU12')).toBeVisible();
  await screenshot(page, 'review-open');

  // Frame 10 has no AU label: key 5 toggles AU12 (the fifth model AU) to present.
  expect(importedOf(10).auBits).toBeNull();
  await r.press('5');
  await expect(r.panel.getByTestId('au-AU12')).toHaveAttribute('data-value', '1');
  await expect(r.toast).toContainText('AU12 present · frame 10');

  // Frame 13's ground truth is Surprise; Shift+5 corrects it to Happiness.
  await r.gotoFrame(13);
  await r.settled();
  expect(importedOf(13).expr).toBe(6);
  await expect(r.panel.getByTestId('expr-Surprise')).toHaveAttribute('aria-pressed', 'true');
  await r.press('Shift+Digit5');
  await expect(r.panel.getByTestId('expr-Happiness')).toHaveAttribute('aria-pressed', 'true');

  // A range: I at 30, O at 40, M accepts the teacher's labels for all three tasks.
  await r.selectRange(30, 40);
  await r.press('m');
  await expect(r.toast).toContainText('frames 30–40');
  await expect(r.panel.getByTestId('au-AU1')).toHaveClass(/prov-accepted|prov-none/);
  await screenshot(page, 'review-range-accepted');
  await r.press('Escape');

  // Valence/arousal dragged on the circumplex at frame 50 (no VA label before).
  await r.gotoFrame(50);
  await r.settled();
  expect(importedOf(50).va).toBeNull();
  const circ = (await page.getByTestId('va-editor').boundingBox())!;
  const cx = circ.x + circ.width / 2;
  const cy = circ.y + circ.height / 2;
  const rad = (circ.width - 28) / 2;
  await page.mouse.move(cx, cy);
  await page.mouse.down();
  await page.mouse.move(cx + rad * 0.25, cy - rad * 0.25, { steps: 3 });
  await page.mouse.move(cx + rad * 0.5, cy - rad * 0.5, { steps: 3 });
  await page.mouse.up();
  await expect(page.getByTestId('va-label')).toHaveText(/^0\.(4[7-9]|5[0-3]), 0\.(4[7-9]|5[0-3])$/);

  // No face at frame 60.
  await r.gotoFrame(60);
  await r.settled();
  await r.press('n');
  await expect(page.getByTestId('face-state')).toHaveText('none');

  // Undo from elsewhere jumps back to the edited frame.
  await r.gotoFrame(100);
  await r.settled();
  await r.press('Control+z');
  await expect(r.frameIndex).toHaveText('60');
  await expect(page.getByTestId('face-state')).toHaveText('unknown');
  await r.press('Control+z');
  await expect(r.frameIndex).toHaveText('50');
  await expect(page.getByTestId('va-label')).toHaveText('–');
  await r.press('Control+Shift+z');
  await expect(r.frameIndex).toHaveText('50');
  await expect(page.getByTestId('va-label')).toHaveText(/^0\.(4[7-9]|5[0-3]), /);
  await expect(page.getByTestId('redo')).toBeEnabled();
  await screenshot(page, 'review-corrections');

  // Reload: everything persisted, in the UI and in the backend's answers.
  await page.reload();
  await r.settled();
  await expect(r.frameIndex).toHaveText('50');
  await expect(page.getByTestId('va-label')).toHaveText(/^0\.(4[7-9]|5[0-3]), /);
  // the annotator the page's fixture named (localStorage 'aw.annotator')
  await expect(page.getByTestId('frame-history')).toContainText('e2e');
  await r.gotoFrame(13);
  await r.settled();
  await expect(r.panel.getByTestId('expr-Happiness')).toHaveAttribute('aria-pressed', 'true');
  await expect(page.getByTestId('frame-history')).toContainText('Happiness · was Surprise (ground truth)');

  const all = await labels(0, 119);
  expect(all[10].au).toEqual({ value: { AU12: 1 }, provenance: 'human' });
  expect(all[13].expr).toEqual({ value: 4, provenance: 'human' });
  for (let f = 30; f <= 40; f++) {
    expect(all[f].au?.provenance).toBe('accepted');
    expect(all[f].expr?.provenance).toBe('accepted');
    expect(all[f].va?.provenance).toBe('accepted');
  }
  expect(all[29].expr?.provenance ?? 'imported').toBe('imported');
  expect(all[41].expr?.provenance ?? 'imported').toBe('imported');
  expect(all[50].va?.provenance).toBe('human');
  expect(all[50].va!.valence).toBeCloseTo(0.5, 1);
  expect(all[50].va!.arousal).toBeCloseTo(0.5, 1);
  // Untouched frames keep their ground truth.
  for (const f of [0, 1, 2, 5, 21, 77, 119]) {
    const l = importedOf(f);
    expect(all[f].expr).toEqual(l.expr === null ? null : { value: l.expr, provenance: 'imported' });
  }
  const win = await h['review.window']({ mediaId: seed.mediaId, from: 60, to: 60 });
  expect(win.frames[0].face).toBe('unknown');
  const hist = await h['labels.history']({ mediaId: seed.mediaId, frame: 13, limit: 10 });
  expect(hist.frame).toHaveLength(1);
  expect(hist.frame[0]).toMatchObject({ task: 'expr', before: null, author: 'e2e', name: 'Expression: Happiness' });
  expect(hist.actions.map((a) => a.undone)).toEqual([true, false, false, false, false]);
  expect(hist.actions.map((a) => a.name)).toEqual([
    'No face',
    hist.actions[1].name,
    'Accept model AUs, expression, valence/arousal',
    'Expression: Happiness',
    'AU12 present',
  ]);
  expect(hist.actions[1].name).toMatch(/^Valence 0\.\d\d, arousal 0\.\d\d$/);
});

test('the shortcut help lists the keys, and Escape closes it', async ({ app: page, workbench }) => {
  const r = new ReviewPO(page);
  await r.open(workbench.url, seed.mediaId, 5);
  await r.press('Shift+Slash');
  const help = page.getByTestId('shortcut-help');
  await expect(help).toBeVisible();
  for (const k of ['Shift+←', 'Space', 'Home', 'G', 'Ctrl+Z', 'Ctrl+Shift+Z', 'F']) await expect(help.locator('kbd', { hasText: k }).first()).toBeVisible();
  await screenshot(page, 'review-help');
  await r.press('Escape');
  await expect(help).toBeHidden();
});
