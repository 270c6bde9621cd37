// The work queue one can finish, in Chromium against the real backend: the home screen's count per
// dataset, the review toolbar's count per media item and dataset, the limits explained with the
// teacher's thresholds and changed in the panel, F walking the "model disagrees" queue strongest
// first (the frames review.next names, in that order), and the counts going down as frames are
// accepted (M), kept (K) and corrected — on the home screen too.
import { expect, screenshot, test } from './fixtures';
import { ReviewPO } from './pages/review';
import { seedReviewProject, type ReviewSeed } from './review-seed';

let seed: ReviewSeed;

test.beforeEach(async ({ workbench }) => {
  seed = await seedReviewProject(workbench.dir('queue'), { frames: 120 });
  workbench.backend.openProject(seed.dir, false);
});

test('queue strongest first, limits explained, counts down per media item and dataset', async ({ app: page, workbench }) => {
  test.setTimeout(90_000);
  const h = workbench.backend.handlers;
  const m = seed.mediaId;
  const left = async () => (await h['review.overview']({ mediaId: m, buckets: 1, counts: true })).counts!.disagree.any;
  const n0 = await left();
  expect(n0).toBeGreaterThan(5);

  // Home: the dataset row says how many frames are left to review.
  await page.goto(workbench.url);
  const row = page.getByTestId('dataset-row').first();
  await expect(row.getByTestId('dataset-to-review')).toHaveText(String(n0));

  const r = new ReviewPO(page);
  await r.open(workbench.url, m, 0);
  await expect(page.getByTestId('work-kind')).toHaveValue('disagree');
  await expect(page.getByTestId('work-order')).toHaveValue('strength');
  await expect(page.getByTestId('work-left')).toHaveText(`${n0} left`);
  await expect(page.getByTestId('work-left-dataset')).toHaveText(`${n0} in dataset`);

  // The limits, explained with the teacher's tuned thresholds; a looser AU limit counts more frames.
  await page.getByTestId('work-limits').click();
  await expect(page.getByTestId('limits-text-disagree-au')).toContainText('AU2 (threshold 40%): absent but p ≥ 70%, present but p ≤ 20%');
  await expect(page.getByTestId('limits-text-disagree-va')).toContainText('0.50 away');
  await screenshot(page, 'review-queue-limits');
  await page.getByTestId('limit-disagree-au').fill('0');
  const loose = (await h['review.overview']({ mediaId: m, buckets: 1, counts: true, criteria: { disagree: { au: 0, expr: 0.5, va: 0.25 }, uncertain: { au: 0.9, expr: 0.85, va: 0.5 } } }))
    .counts!.disagree.any;
  expect(loose).toBeGreaterThan(n0);
  await expect(page.getByTestId('work-left')).toHaveText(`${loose} left`);
  await page.getByTestId('limits-defaults').click();
  await expect(page.getByTestId('work-left')).toHaveText(`${n0} left`);
  await page.getByTestId('work-limits').click();
  await expect(page.getByTestId('limits-panel')).toHaveCount(0);

  // F walks the queue strongest first: the frames the backend names, in its order.
  let pos: { frame: number; score: number } | null = null;
  const walked: { frame: number; score: number }[] = [];
  for (let k = 1; k <= 3; k++) {
    const want = await h['review.next']({ mediaId: m, kind: 'disagree', task: 'any', direction: 'next', order: 'strength', from: pos?.frame ?? 0, ...(pos ? { fromScore: pos.score } : {}) });
    expect(want.rank).toBe(k);
    await r.press('q');
    await expect(r.frameIndex).toHaveText(String(want.frame));
    await r.settled();
    await expect(page.getByTestId('work-rank')).toHaveText(`#${k}`);
    pos = { frame: want.frame!, score: want.score! };
    walked.push(pos);
  }
  expect(walked[0].score).toBeGreaterThanOrEqual(walked[1].score);
  expect(walked[1].score).toBeGreaterThanOrEqual(walked[2].score);
  await screenshot(page, 'review-queue-walk');

  // M accepts the model's labels here: the frame agrees now, one fewer left.
  await r.press('m');
  await expect(page.getByTestId('work-left')).toHaveText(`${n0 - 1} left`);
  expect(await left()).toBe(n0 - 1);
  // The walk goes on after the accepted frame, though it has left the queue.
  const next = await h['review.next']({ mediaId: m, kind: 'disagree', task: 'any', direction: 'next', order: 'strength', from: pos!.frame, fromScore: pos!.score });
  await r.press('q');
  await expect(r.frameIndex).toHaveText(String(next.frame));
  await r.settled();
  // K keeps the labels as they are (the model is wrong here): reviewed, one fewer again.
  await r.press('k');
  await expect(page.getByTestId('work-left')).toHaveText(`${n0 - 2} left`);
  await expect(page.getByTestId('work-left-dataset')).toHaveText(`${n0 - 2} in dataset`);
  // Ctrl+Z brings it back; the button keeps it again.
  await r.press('Control+z');
  await expect(page.getByTestId('work-left')).toHaveText(`${n0 - 1} left`);
  await page.getByTestId('work-keep').click();
  await expect(page.getByTestId('work-left')).toHaveText(`${n0 - 2} left`);

  // A correction by hand: the next frame's AUs set by key leave the AU part of the queue.
  const third = await h['review.next']({ mediaId: m, kind: 'disagree', task: 'any', direction: 'next', order: 'strength', from: next.frame!, fromScore: next.score! });
  await r.press('q');
  await expect(r.frameIndex).toHaveText(String(third.frame));
  await r.settled();
  const before = (await h['review.overview']({ mediaId: m, buckets: 1, counts: true })).counts!;
  await r.press('Shift+Digit1');
  await expect(r.toast).toContainText(`frame ${third.frame}`);
  await expect.poll(async () => (await h['review.overview']({ mediaId: m, buckets: 1, counts: true })).counts!.disagree.expr).toBeLessThanOrEqual(before.disagree.expr);
  const after = await left();
  expect(after).toBeLessThanOrEqual(n0 - 2);
  await expect(page.getByTestId('work-left')).toHaveText(`${after} left`);
  await screenshot(page, 'review-queue-counted-down');

  // Home again: the dataset's count went down with them.
  await page.goto(workbench.url);
  await expect(page.getByTestId('dataset-row').first().getByTestId('dataset-to-review')).toHaveText(String(after));
  await page.getByTestId('dataset-toggle').first().click();
  await expect(page.getByTestId('media-row').first().getByTestId('media-to-review')).toHaveText(String(after));
  await screenshot(page, 'home-to-review');
});
