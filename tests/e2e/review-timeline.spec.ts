// The timeline of a longer video and the work queue: zoomed out it draws the backend's aggregates,
// zoomed in per-frame windows; Q / Shift+Q jump to the next / previous frame of the chosen queue
// (the frame the backend's review.next names, and the picture shows it); Shift+drag selects a range.
import { expect, screenshot, test } from './fixtures';
import { ReviewPO } from './pages/review';
import { seedReviewProject, type ReviewSeed } from './review-seed';

let seed: ReviewSeed;
const FRAMES = 2400;

test.beforeEach(async ({ workbench }) => {
  seed = await seedReviewProject(workbench.dir('long'), { frames: FRAMES, width: 128, height: 96 });
  workbench.backend.openProject(seed.dir, false);
});

test('overview and zoom, work queue jumps, range selection', async ({ app: page, workbench }) => {
  test.setTimeout(120_000);
  const r = new ReviewPO(page);
  const h = workbench.backend.handlers;
  await r.open(workbench.url, seed.mediaId, 0);
  await expect(r.timeline).toHaveAttribute('data-mode', 'overview');
  await expect(r.timeline).toHaveAttribute('data-view-to', String(FRAMES - 1));
  await screenshot(page, 'review-timeline-overview');

  // Work queues: the UI lands where the backend says, and the picture agrees.
  const queues = [
    ['unlabelled', 'expr'],
    ['disagree', 'any'],
    ['uncertain', 'expr'],
    ['disagree', 'va'],
  ] as const;
  // walked by frame here (review-queue.spec.ts walks strongest first)
  await page.getByTestId('work-order').selectOption('frame');
  for (const [kind, task] of queues) {
    await page.getByTestId('work-kind').selectOption(kind);
    await page.getByTestId('work-task').selectOption(task);
    const counts = (await h['review.overview']({ mediaId: seed.mediaId, buckets: 1, counts: true })).counts!;
    await expect(page.getByTestId('work-left')).toHaveText(`${counts[kind][task].toLocaleString('en-US')} left`);
    for (const direction of ['next', 'next', 'next', 'previous'] as const) {
      const from = await r.shown();
      const want = await h['review.next']({ mediaId: seed.mediaId, kind, task, from, direction, order: 'frame' });
      expect(want.frame).not.toBeNull();
      await r.press(direction === 'next' ? 'q' : 'Shift+Q');
      await expect(r.frameIndex).toHaveText(String(want.frame));
      const seen = await r.observe();
      expect(seen).toEqual({ ui: want.frame, pixels: want.frame });
    }
  }

  // Zoom in around the playhead until single frames are drawn from windows.
  const at = await r.shown();
  for (let i = 0; i < 6; i++) await r.press('=');
  await expect(r.timeline).toHaveAttribute('data-mode', 'frames');
  const from = Number(await r.timeline.getAttribute('data-view-from'));
  const to = Number(await r.timeline.getAttribute('data-view-to'));
  expect(from).toBeLessThanOrEqual(at);
  expect(to).toBeGreaterThanOrEqual(at);
  // Wheel over the timeline zooms back out around the pointer.
  const p = await r.timelineX(0.5);
  await page.mouse.move(p.x, p.y);
  for (let i = 0; i < 4; i++) await page.mouse.wheel(0, 120);
  await expect.poll(async () => Number(await r.timeline.getAttribute('data-view-to')) - Number(await r.timeline.getAttribute('data-view-from'))).toBeGreaterThan(to - from);
  await r.press('0');
  await expect(r.timeline).toHaveAttribute('data-view-from', '0');
  for (let i = 0; i < 3; i++) await r.press('=');

  // Shift+drag selects a range; an edit then covers it.
  await r.dragTimeline([0.3, 0.45, 0.6], true);
  const scope = page.getByTestId('edit-scope');
  await expect(scope).toContainText(/Frames \d+–\d+/);
  const [, a, b] = /Frames (\d+)–(\d+)/.exec((await scope.textContent())!)!.map(Number);
  expect(b - a).toBeGreaterThan(10);
  await r.press('Shift+Digit1');
  await expect(r.toast).toContainText(`Expression: Neutral · frames ${a}–${b}`);
  const lab = await h['labels.range']({ mediaId: seed.mediaId, from: a, to: b });
  expect(lab.every((f) => f.expr?.value === 0 && f.expr.provenance === 'human')).toBe(true);
  await screenshot(page, 'review-timeline-zoomed');
});
