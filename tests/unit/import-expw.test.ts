import fs from 'node:fs';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { runImport } from '../../src/node/importers/index';
import { openCropCache } from '../../src/node/store/crop-cache';
import { count, dump, dumpContent, fixture, frames, labels, type Fixture } from './import-helpers';

// Real photos shipped in face-api's package (1920×1280 and 1920×1367).
const SAMPLE1 = 'node_modules/@vladmandic/face-api/demo/sample1.jpg';
const SAMPLE2 = 'node_modules/@vladmandic/face-api/demo/sample2.jpg';

let fx: Fixture;
afterEach(() => fx?.cleanup());

const LIST = [
  'a.jpg 0 100 200 400 500 80.5 3', // happy → Happiness (4)
  'a.jpg 1 600 800 1000 900 70.1 6', // neutral → Neutral (0)
  'a.jpg 1 600 800 1000 900 70.1 6', // identical duplicate: skipped
  'b.jpg 0 10 10 110 110 50 4', // sad → Sadness (5)
  'b.jpg 1 1300 1800 2000 1500 40 0', // box mostly outside 1920×1367: misaligned, skipped
  'b.jpg 2 1200 1700 1950 1400 40 1', // disgust → Disgust (2); 73 % inside: clamped to 1700..1920 × 1200..1367
  'c.jpg 0 10 10 50 50 9 2', // conflicting duplicates: both skipped
  'c.jpg 0 10 10 50 50 9 5',
  'a.jpg 3 0 0 64 64 30 5', // surprise → Surprise (6); a.jpg has face ids 0, 1, 3: reported as a gap
].join('\n');

function expw(f: Fixture, list = LIST): void {
  f.write('ExpW/label/label.lst', list + '\n');
  fs.mkdirSync(f.path('ExpW/image/origin'), { recursive: true });
  fs.copyFileSync(SAMPLE1, f.path('ExpW/image/origin/a.jpg'));
  fs.copyFileSync(SAMPLE2, f.path('ExpW/image/origin/b.jpg'));
  fs.copyFileSync(SAMPLE2, f.path('ExpW/image/origin/c.jpg'));
}

const run = (f: Fixture, o: Record<string, unknown> = {}) => runImport(f.project, 'expw', [f.path('ExpW/label/label.lst')], o);

describe('expw importer', () => {
  it('remaps labels to the Aff-Wild2 order, crops by box, and reports duplicates and misaligned boxes', async () => {
    fx = fixture();
    expw(fx);
    const s = await run(fx);
    expect(labels(fx.project, 'expr').map((l) => [l.idx, Number(l.expr)])).toEqual([
      [0, 4],
      [1, 0],
      [3, 5],
      [5, 2],
      [8, 6],
    ]);
    expect(frames(fx.project).map((f) => [f.idx, f.path, f.face])).toEqual([
      [0, 'a.jpg', 'ok'],
      [1, 'a.jpg', 'ok'],
      [3, 'b.jpg', 'ok'],
      [5, 'b.jpg', 'ok'],
      [8, 'a.jpg', 'ok'],
    ]);
    expect(s.skipped).toEqual({ duplicate: 1, 'misaligned-box': 1, 'conflicting-duplicate': 2 });
    expect(s.rowsRead).toBe(9);
    expect(s.crops).toBe(5);
    const w = s.warnings.join('\n');
    expect(w).toContain('label/label.lst lines 2, 3: the same face (a.jpg face 1) listed 2 times; kept line 2');
    expect(w).toContain('label/label.lst lines 7, 8: c.jpg face 0 listed with different boxes or labels; all skipped');
    expect(w).toContain('label/label.lst line 5: box left 1800 top 1300 right 2000 bottom 1500 does not fit b.jpg (1920×1367); skipped as misaligned');
    expect(w).toContain('label/label.lst line 6: box extends outside b.jpg (1920×1367); clamped');
    expect(w).toContain('a.jpg has face ids 0, 1, 3 (expected 0..2)');

    // the stored crop is the box of the real photo resized to 112×112
    const frameId = fx.project.db.prepare('SELECT id FROM frames WHERE idx = 0').pluck().get() as number;
    const cache = openCropCache(fx.project.dir);
    const crop = (await cache.getCrop(frameId))!;
    cache.close();
    const want = await sharp(SAMPLE1).extract({ left: 200, top: 100, width: 200, height: 400 }).resize(112, 112, { fit: 'fill' }).raw().toBuffer();
    let err = 0;
    for (let i = 0; i < want.length; i++) err += Math.abs(crop[i] - want[i]);
    expect(err / want.length).toBeLessThan(4);
    const settings = JSON.parse(fx.project.db.prepare('SELECT settings FROM datasets').pluck().get() as string);
    expect(settings.remap).toEqual({ angry: 'Anger', disgust: 'Disgust', fear: 'Fear', happy: 'Happiness', sad: 'Sadness', surprise: 'Surprise', neutral: 'Neutral' });
  });

  it('re-import is idempotent (no new frames, labels or crops)', async () => {
    fx = fixture();
    expw(fx);
    await run(fx);
    const first = dumpContent(fx.project);
    const s = await run(fx);
    expect(dumpContent(fx.project)).toBe(first);
    expect(s.crops).toBe(0); // cached crops are reused
    const cache = openCropCache(fx.project.dir);
    expect(cache.count()).toBe(5);
    cache.close();
  });

  describe('bad input names file and line; project and crop cache are unchanged', () => {
    const cases: [string, string, string][] = [
      ['a.jpg 0 100 200 400 500 80.5', 'wrong column count', 'label/label.lst line 2: expected 8 space-separated fields: image_name face_id top left right bottom confidence label (integers, confidence a decimal number, label 0..6), got "a.jpg 0 100 200 400 500 80.5"'],
      ['a.jpg 0 100 200 400 500 80.5 7', 'label out of range', 'label/label.lst line 2: expected a label in 0..6 (angry, disgust, fear, happy, sad, surprise, neutral), got "7"'],
      ['a.jpg 0 1x0 200 400 500 80.5 1', 'non-integer box', 'label/label.lst line 2: expected 8 space-separated fields'],
      ['missing.jpg 0 1 2 30 40 80.5 1', 'missing image', 'label/label.lst line 2: image missing.jpg is not in'],
    ];
    for (const [line, what, msg] of cases) {
      it(what, async () => {
        fx = fixture();
        expw(fx, 'b.jpg 0 10 10 110 110 50 4');
        await run(fx);
        const before = dump(fx.project);
        fx.write('ExpW/label/label.lst', `b.jpg 0 10 10 110 110 50 4\n${line}\n`);
        await expect(run(fx)).rejects.toThrow(msg);
        expect(dump(fx.project)).toBe(before);
        const cache = openCropCache(fx.project.dir);
        expect(cache.count()).toBe(1);
        cache.close();
      });
    }

    it('a missing image is skipped and reported with --skip-missing', async () => {
      fx = fixture();
      expw(fx, 'b.jpg 0 10 10 110 110 50 4\nmissing.jpg 0 1 2 30 40 80.5 1');
      const s = await run(fx, { skipMissing: true });
      expect(s.skipped['missing-image']).toBe(1);
      expect(count(fx.project, 'frames')).toBe(1);
    });

    it('an image name that is not UTF-8 in label.lst', async () => {
      fx = fixture();
      expw(fx, 'b.jpg 0 10 10 110 110 50 4');
      fx.write('ExpW/label/label.lst', Buffer.concat([Buffer.from('b.jpg 0 10 10 110 110 50 4\nx'), Buffer.from([0xff]), Buffer.from('.jpg 0 1 2 30 40 80.5 1\n')]));
      await expect(run(fx)).rejects.toThrow('label/label.lst line 2: expected an image name in UTF-8');
      expect(count(fx.project, 'frames')).toBe(0);
    });
  });
});
