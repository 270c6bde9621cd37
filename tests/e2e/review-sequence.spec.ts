// Image sequences get the same controls as videos: steps, jumps, play/pause and the timeline, with
// the shown index equal to the index coded in the image on screen; frames without an image (a gap
// in the numbering) are shown as such, never requested.
import { expect, screenshot, test } from './fixtures';
import { ReviewPO } from './pages/review';
import { seedSequenceProject } from './review-seed';

const FRAMES = 90;
const GAP: [number, number] = [40, 44];

test('an image sequence steps, jumps and plays frame-exactly, gaps included', async ({ app: page, workbench }) => {
  test.setTimeout(120_000);
  const seed = await seedSequenceProject(workbench.dir('seq'), { frames: FRAMES, gap: GAP });
  workbench.backend.openProject(seed.dir, false);
  const r = new ReviewPO(page);
  const media = await workbench.backend.handlers['media.get']({ mediaId: seed.mediaId });
  expect(media).toMatchObject({ kind: 'sequence', frameCount: FRAMES, gaps: [GAP], missing: null });
  await r.open(workbench.url, seed.mediaId, 30);
  await expect(page.getByTestId('review-image')).toBeVisible();
  let checks = 0;
  const expectFrame = async (f: number) => {
    const { ui, pixels } = await r.observe();
    const gap = f >= GAP[0] && f <= GAP[1];
    expect({ ui, pixels }).toEqual({ ui: f, pixels: gap ? null : f });
    await expect(page.getByTestId('review-image')).toHaveAttribute('data-gap', String(gap));
    checks++;
  };
  await expectFrame(30);
  for (let f = 31; f <= 50; f++) {
    await r.press('ArrowRight');
    await expectFrame(f);
  }
  await screenshot(page, 'review-sequence');
  for (const f of [0, 89, 42, 12, 45, 39, 60]) {
    await r.gotoFrame(f);
    await expectFrame(f);
  }
  await r.press('Shift+ArrowLeft');
  await expectFrame(50);
  // Play through to the end and back at the start.
  await r.gotoFrame(70);
  await expectFrame(70);
  await r.playFor(400);
  const { ui, pixels } = await r.observe();
  expect(ui).toBeGreaterThan(70);
  expect(pixels).toBe(ui);
  checks++;
  await r.press('End');
  await expectFrame(FRAMES - 1);
  await r.press('Home');
  await expectFrame(0);
  console.log(`sequence frame exactness: ${checks} checks, 0 misses`);
});
