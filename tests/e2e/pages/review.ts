// Page object: the review screen. Waits on the state the screen exposes (frame-state's
// data-settled / data-playing), never on sleeps, and reads the frame on screen from the pixels of
// the <video> (drawn to a canvas in the page, decoded here with the project's own decoder).
import { expect, type Locator, type Page } from '@playwright/test';

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}
import { decodeFrameIndex } from '../../../src/shared/framecode';

const W = 160;
const H = 120;

export class ReviewPO {
  readonly screen: Locator;
  readonly frameIndex: Locator;
  readonly frameState: Locator;
  readonly timeline: Locator;
  readonly timelineCanvas: Locator;
  readonly goto: Locator;
  readonly toast: Locator;
  readonly panel: Locator;

  constructor(readonly page: Page) {
    this.screen = page.getByTestId('review-screen');
    this.frameIndex = page.getByTestId('frame-index');
    this.frameState = page.getByTestId('frame-state');
    this.timeline = page.getByTestId('timeline');
    this.timelineCanvas = page.getByTestId('timeline-canvas');
    this.goto = page.getByTestId('goto-frame');
    this.toast = page.getByTestId('review-toast');
    this.panel = page.getByTestId('correction-panel');
  }

  async open(baseUrl: string, mediaId: number, frame?: number): Promise<void> {
    await this.page.goto(`${baseUrl}#/review/${mediaId}${frame === undefined ? '' : `?frame=${frame}`}`);
    await expect(this.screen).toBeVisible();
    await this.settled();
  }

  /** Two animation frames (the keydown's state change has rendered), then until the player rests. */
  async settled(): Promise<void> {
    // Page code as strings: this file compiles without the DOM library (tsconfig.node.json).
    await this.page.evaluate('new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(0))))');
    await this.waitSettled();
  }

  /** Waits until the player is paused and says the frame on screen is the index shown (throws after `timeout`). */
  async waitSettled(timeout = 10_000): Promise<void> {
    // A function (not a string: the page's CSP forbids string evaluation in waitForFunction).
    await this.page.waitForFunction(
      () => {
        const doc = (globalThis as unknown as { document: { querySelector(s: string): { dataset: Record<string, string> } | null } }).document;
        const el = doc.querySelector('[data-testid="frame-state"]');
        return !!el && el.dataset.playing === 'false' && el.dataset.settled === 'true';
      },
      null,
      { polling: 'raf', timeout },
    );
  }

  async shown(): Promise<number> {
    return Number(await this.frameIndex.textContent());
  }

  /** Where the picture on screen comes from: 'decoded' (the decoded-frame canvas over the video) or 'video'. */
  async source(): Promise<string | undefined> {
    return (await this.page.locator('.rv-picture').getAttribute('data-source')) ?? undefined;
  }

  /** The index coded in the pixels of the picture on screen (the decoded-frame canvas when shown, else the <video> or an image frame's <img>; null: no readable code). */
  async pixelIndex(): Promise<number | null> {
    const b64 = (await this.page.evaluate(`(() => {
      const v = document.querySelector('.rv-picture canvas.rv-decoded:not([hidden])') ?? document.querySelector('.rv-picture video, .rv-picture img');
      const c = document.createElement('canvas');
      c.width = ${W};
      c.height = ${H};
      const ctx = c.getContext('2d', { willReadFrequently: true });
      ctx.drawImage(v, 0, 0, ${W}, ${H});
      const d = ctx.getImageData(0, 0, ${W}, ${H}).data;
      let s = '';
      for (let i = 0; i < d.length; i += 0x8000) s += String.fromCharCode(...d.subarray(i, i + 0x8000));
      return btoa(s);
    })()`)) as string;
    return decodeFrameIndex(new Uint8Array(Buffer.from(b64, 'base64')), W, H, 4);
  }

  /** Where the picture is drawn on the page: the <video> (or <img>) box less the bars of its `object-fit: contain`. */
  async pictureBox(): Promise<Box> {
    return (await this.page.evaluate(`(() => {
      const v = document.querySelector('.rv-picture video, .rv-picture img');
      const r = v.getBoundingClientRect();
      const w0 = v.videoWidth || v.naturalWidth;
      const h0 = v.videoHeight || v.naturalHeight;
      const s = Math.min(r.width / w0, r.height / h0);
      const w = w0 * s;
      const h = h0 * s;
      return { x: r.x + (r.width - w) / 2, y: r.y + (r.height - h) / 2, width: w, height: h };
    })()`)) as Box;
  }

  /** Waits for rest and returns what the UI shows next to what the pixels say. */
  async observe(): Promise<{ ui: number; pixels: number | null }> {
    await this.settled();
    return { ui: await this.shown(), pixels: await this.pixelIndex() };
  }

  async press(key: string): Promise<void> {
    await this.page.keyboard.press(key);
  }

  async gotoFrame(n: number): Promise<void> {
    await this.press('g');
    await expect(this.goto).toBeFocused();
    await this.goto.fill(String(n));
    await this.goto.press('Enter');
  }

  /** Selects frames [from, to] as an annotator does: I at `from`, O at `to`; the edit scope then names the range. */
  async selectRange(from: number, to: number): Promise<void> {
    await this.gotoFrame(from);
    await this.settled();
    await this.press('i');
    await this.gotoFrame(to);
    await this.settled();
    await this.press('o');
    await expect(this.page.getByTestId('edit-scope')).toContainText(`Frames ${from}–${to}`);
  }

  /** Plays for about `ms` and pauses (Space twice, as an annotator would). */
  async playFor(ms: number): Promise<void> {
    await this.press('Space');
    await expect(this.frameState).toHaveAttribute('data-playing', 'true');
    await this.page.waitForTimeout(ms);
    await this.press('Space');
  }

  /** x (page pixels) on the timeline canvas of a fraction of the lane area (right of the 62 px gutter). */
  async timelineX(frac: number): Promise<{ x: number; y: number }> {
    const box = (await this.timelineCanvas.boundingBox())!;
    return { x: box.x + 62 + frac * (box.width - 62 - 1), y: box.y + box.height / 2 };
  }

  /** Drags across the timeline through the given fractions (scrubbing), releasing at the last. */
  async dragTimeline(fracs: number[], shift = false): Promise<void> {
    const first = await this.timelineX(fracs[0]);
    if (shift) await this.page.keyboard.down('Shift');
    await this.page.mouse.move(first.x, first.y);
    await this.page.mouse.down();
    for (const f of fracs.slice(1)) {
      const p = await this.timelineX(f);
      await this.page.mouse.move(p.x, p.y, { steps: 3 });
    }
    await this.page.mouse.up();
    if (shift) await this.page.keyboard.up('Shift');
  }
}
