// Continuous valence/arousal tracing in Chromium against the real backend (issue 15, item 4): a
// circle is traced on the trace pad with the mouse, in step with the frames, while the 24000/1001
// video plays at 0.5×. The test's own requestVideoFrameCallback observer (installed in the page,
// independent of the app's) records every frame callback (mediaTime, presentedFrames,
// presentationTime) and every pointer event with its time; the test then checks that every frame the
// pass played through — with a callback or between two (a loaded machine misses callbacks and drops
// frames) — got exactly one stored value, that each value is the pad value of the pointer position in
// force when that frame was presented (or due) within 0.02 — never a wall-clock guess, so a loaded
// machine only changes which points were traced, not the verdict — that no frame outside the pass
// changed, and that one undo removes the whole pass.
import { expect, screenshot, test } from './fixtures';
import { ReviewPO } from './pages/review';
import { seedReviewProject, type ReviewSeed } from './review-seed';
import { FrameTimes } from '../../src/shared/frame-times';

let seed: ReviewSeed;

test.beforeEach(async ({ workbench }) => {
  seed = await seedReviewProject(workbench.dir('trace'), { frames: 240 });
  workbench.backend.openProject(seed.dir, false);
});

interface Observed {
  /** The frame callback's mediaTime, presentedFrames and presentationTime, and whether the app was recording. */
  t: number;
  pf: number;
  pt: number;
  rec: boolean;
}

/** The pad's margin around its [-1, 1]² square (Circumplex.tsx draws 14 px). */
const MARGIN = 14;
/** Frames per turn of the circle, and the circle's radius in valence/arousal units. */
const TURN = 48;
const RADIUS = 0.6;
const START = 20;

test('a circle traced at 0.5×: one sample per displayed frame, the pointer\'s values, one undo removes it', async ({ app: page, workbench }) => {
  test.setTimeout(90_000);
  const r = new ReviewPO(page);
  const h = workbench.backend.handlers;
  const times = new FrameTimes(Float64Array.from(seed.timestamps), seed.ptsOffset, 24000 / 1001, seed.frames);
  await r.open(workbench.url, seed.mediaId, START);
  const before = await h['labels.range']({ mediaId: seed.mediaId, from: 0, to: seed.frames - 1 });

  await page.getByTestId('trace-speed').selectOption('0.5');
  await page.evaluate('document.activeElement && document.activeElement.blur()');
  const padEl = page.getByTestId('trace-pad');
  await padEl.scrollIntoViewIfNeeded();
  const pad = (await padEl.boundingBox())!;
  const cx = pad.x + pad.width / 2;
  const cy = pad.y + pad.height / 2;
  const rad = (pad.width - 2 * MARGIN) / 2;
  const at = (k: number): [number, number] => {
    const th = (2 * Math.PI * k) / TURN;
    return [cx + RADIUS * rad * Math.cos(th), cy - RADIUS * rad * Math.sin(th)];
  };

  // The observer: every frame callback, and every pointer position with its event time (coalesced
  // events too), so the pointer in force at any frame's presentation can be looked up afterwards.
  await page.evaluate(`(() => {
    const v = document.querySelector('.rv-picture video');
    const o = (window.__traceObs = { frames: [], ptr: [] });
    addEventListener('pointermove', (e) => {
      const all = e.getCoalescedEvents ? e.getCoalescedEvents() : [];
      for (const x of all.length ? all : [e]) o.ptr.push([x.timeStamp, x.clientX, x.clientY]);
    }, true);
    const cb = (_now, m) => {
      o.frames.push({ t: m.mediaTime, pf: m.presentedFrames, pt: m.presentationTime, rec: v.dataset.trace === 'recording' });
      v.requestVideoFrameCallback(cb);
    };
    v.requestVideoFrameCallback(cb);
  })()`);
  await page.mouse.move(...at(0));

  await r.press('t');
  await expect(page.getByTestId('trace-panel')).toHaveAttribute('data-active', 'true');
  // In step with the frames: after each presented frame, the pointer goes to the circle's next point.
  let moved = 0;
  for (;;) {
    const [active, last] = (await page.evaluate(
      `(() => { const f = window.__traceObs.frames.filter((x) => x.rec); return [document.querySelector('[data-testid="trace-panel"]').dataset.active === 'true', f.length ? f[f.length - 1].t : -1]; })()`,
    )) as [boolean, number];
    const k = last < 0 ? 0 : times.frameAt(last) - START + 1;
    if (!active || k > TURN) break;
    if (k > moved) {
      await page.mouse.move(...at(k));
      moved = k;
    } else await page.waitForTimeout(4);
  }
  await r.press('t');
  await expect(page.getByTestId('trace-panel')).toHaveAttribute('data-active', 'false');
  await expect(r.toast).toContainText(/Traced \d+ frames/);
  await r.waitSettled();
  await screenshot(page, 'review-trace-pass');

  const obs = (await page.evaluate('window.__traceObs')) as { frames: Observed[]; ptr: [number, number, number][] };
  const pass = obs.frames.filter((o) => o.rec);
  expect(pass.length).toBeGreaterThan(1);
  // Played at about half speed: media time over presentation time.
  const speed = (pass[pass.length - 1].t - pass[0].t) / ((pass[pass.length - 1].pt - pass[0].pt) / 1000);
  expect(speed).toBeGreaterThan(0.25);
  expect(speed).toBeLessThan(0.7);
  // Every frame the pass played through, each with the time it was presented: a callback's own
  // presentationTime, or for a frame between two callbacks (the page missed it, or the player dropped
  // it) the time it was due — the next callback's time less the media time between at 0.5×.
  const first = times.frameAt(pass[0].t);
  const last = times.frameAt(pass[pass.length - 1].t);
  const shownAt = new Map<number, number>();
  let dropped = 0;
  let unfilled = 0;
  for (let i = 0; i < pass.length; i++) {
    const f = times.frameAt(pass[i].t);
    const p = i ? times.frameAt(pass[i - 1].t) : f - 1;
    if (i && times.start(f) - times.start(p) > 1) {
      // over a second of media without a callback: not one pass's playback any more, not filled
      unfilled += f - p - 1;
      shownAt.set(f, pass[i].pt);
      continue;
    }
    if (i) dropped += Math.max(0, f - p - (pass[i].pf - pass[i - 1].pf));
    const floor = i ? pass[i - 1].pt : -Infinity;
    for (let j = p + 1; j <= f; j++) if (!shownAt.has(j)) shownAt.set(j, Math.max(floor, pass[i].pt - ((times.start(f) - times.start(j)) * 1000) / 0.5));
  }
  const shown = [...shownAt.keys()].sort((a, b) => a - b);
  expect(shown.length + unfilled).toBe(last - first + 1);
  const presented = pass[pass.length - 1].pf - pass[0].pf + 1;
  const callbackFrames = new Set(pass.map((o) => times.frameAt(o.t))).size;
  test.info().annotations.push({
    type: 'trace',
    description: `${pass.length} callbacks on ${callbackFrames} frames, ${presented} frames presented, ${shown.length} frames in the pass, ${dropped} dropped by the player, ${unfilled} unfilled`,
  });
  expect(shown.length).toBeGreaterThanOrEqual(TURN / 2);
  expect(presented).toBeLessThanOrEqual(shown.length + unfilled);
  const video = page.locator('.rv-picture video');
  await expect(video).toHaveAttribute('data-trace-callbacks', String(pass.length));
  await expect(video).toHaveAttribute('data-trace-dropped', String(dropped));
  await expect(video).toHaveAttribute('data-trace-unfilled', String(unfilled));

  // The backend: exactly the displayed frames changed, each to the pad value of the pointer in force when it was shown.
  const after = await h['labels.range']({ mediaId: seed.mediaId, from: 0, to: seed.frames - 1 });
  const changed = after.filter((f, i) => JSON.stringify(f) !== JSON.stringify(before[i])).map((f) => f.frame);
  expect(changed).toEqual(shown);
  const pointerAt = (t: number): [number, number] => {
    let best = obs.ptr[0];
    for (const p of obs.ptr) if (p[0] <= t) best = p;
    return [best[1], best[2]];
  };
  const clamp = (x: number) => Math.max(-1, Math.min(1, x));
  let turned = 0;
  let prevAngle: number | null = null;
  for (const f of shown) {
    const [x, y] = pointerAt(shownAt.get(f)!);
    const want = { valence: clamp((x - cx) / rad), arousal: clamp(-(y - cy) / rad) };
    const got = after[f].va!;
    expect(Math.abs(got.valence - want.valence), `frame ${f} valence ${got.valence} vs ${want.valence}`).toBeLessThanOrEqual(0.02);
    expect(Math.abs(got.arousal - want.arousal), `frame ${f} arousal ${got.arousal} vs ${want.arousal}`).toBeLessThanOrEqual(0.02);
    // the pointer applied was on the circle, going round it in frame order
    expect(Math.hypot(got.valence, got.arousal)).toBeCloseTo(RADIUS, 1);
    // the test only ever moves the pointer forward along the circle (by as many frames as the
    // playback advanced, so a step may be large): in frame order the values turn forward, once round
    const angle = Math.atan2(got.arousal, got.valence);
    if (prevAngle !== null) turned += (angle - prevAngle + 2 * Math.PI) % (2 * Math.PI);
    prevAngle = angle;
  }
  expect(turned).toBeGreaterThan(1.5 * Math.PI);
  expect(turned).toBeLessThan(2 * Math.PI + 0.05);

  // The trace shows as this annotator's lane; a smoothed layer is computed apart, nothing in force changes.
  await expect(page.getByTestId('timeline-annotators')).toContainText('(you)');
  await page.getByTestId('trace-smooth').click();
  await expect(r.toast).toContainText(/Smoothed \d+ frames \(moving average, window 9 frames\)/);
  await expect(page.getByTestId('timeline-annotators')).toContainText('smoothed, dashed (window 9 frames)');
  expect(await h['labels.range']({ mediaId: seed.mediaId, from: 0, to: seed.frames - 1 })).toEqual(after);

  // One action: undo removes the whole pass.
  const hist = await h['labels.history']({ mediaId: seed.mediaId, limit: 5 });
  expect(hist.actions.map((a) => a.name)).toEqual([`Trace valence/arousal at 0.5× (frames ${shown[0]}–${shown[shown.length - 1]})`]);
  await page.evaluate('document.activeElement && document.activeElement.blur()');
  await r.press('Control+z');
  await expect(r.toast).toContainText('Undid “Trace valence/arousal');
  expect(await h['labels.range']({ mediaId: seed.mediaId, from: 0, to: seed.frames - 1 })).toEqual(before);
});

test('with a selection, T redoes the trace over that range only, as one action that undo takes back', async ({ app: page, workbench, annotator }) => {
  const r = new ReviewPO(page);
  const h = workbench.backend.handlers;
  // an earlier pass over frames 20–60 by the page's own annotator (through the same method the
  // screen calls; another annotator's pass would be averaged with this one's under the consensus policy)
  const earlier = Array.from({ length: 41 }, (_, i) => ({ frame: 20 + i, valence: Math.round(Math.cos(i / 6) * 1e4) / 1e4 / 2, arousal: 0.25 }));
  await h['labels.trace']({ mediaId: seed.mediaId, axes: 'both', samples: earlier, author: annotator! });
  const before = await h['labels.range']({ mediaId: seed.mediaId, from: 0, to: seed.frames - 1 });
  await r.open(workbench.url, seed.mediaId, 10);

  // select 30–40 with I and O, hold the pointer still at (-0.5, 0.75) on the pad
  await r.selectRange(30, 40);
  const padEl = page.getByTestId('trace-pad');
  await padEl.scrollIntoViewIfNeeded();
  const pad = (await padEl.boundingBox())!;
  const rad = (pad.width - 2 * MARGIN) / 2;
  await page.mouse.move(pad.x + pad.width / 2 - 0.5 * rad, pad.y + pad.height / 2 - 0.75 * rad);
  await r.press('t');
  // it starts at the range's first frame and ends by itself after its last
  await expect(page.getByTestId('trace-panel')).toHaveAttribute('data-active', 'true');
  await expect(page.getByTestId('trace-panel')).toHaveAttribute('data-active', 'false', { timeout: 30_000 });
  await expect(r.toast).toContainText('Traced 11 frames (30–40)');

  const after = await h['labels.range']({ mediaId: seed.mediaId, from: 0, to: seed.frames - 1 });
  for (let f = 0; f < seed.frames; f++) {
    if (f >= 30 && f <= 40) {
      expect(after[f].va!.valence, `frame ${f}`).toBeCloseTo(-0.5, 2);
      expect(after[f].va!.arousal, `frame ${f}`).toBeCloseTo(0.75, 2);
    } else expect(after[f], `frame ${f}`).toEqual(before[f]);
  }
  await r.press('Escape'); // clears the selection
  await r.press('Control+z');
  await expect(r.toast).toContainText('Undid “Trace valence/arousal at 0.5× (frames 30–40)”');
  expect(await h['labels.range']({ mediaId: seed.mediaId, from: 0, to: seed.frames - 1 })).toEqual(before);
});
