import fs from 'node:fs';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { runImport } from '../../src/node/importers/index';
import { openCropCache } from '../../src/node/store/crop-cache';
import { auSet, dump, dumpContent, fixture, frames, labels, type Fixture } from './import-helpers';

let fx: Fixture;
afterEach(() => fx?.cleanup());

const HEADER = 'path,subject,split,AU1,AU2,AU4,AU6,AU12,AU15,AU20,AU25,expression,valence,arousal,AU9';
const ROWS = [
  'img/a.png,s1,train,1,0,0,0,1,0,0,1,happy,0.5,0.2,1',
  'img/b.png,s2,,,,,,,,,,3,,,',
  'img/c.png,,val,0,0,0,0,0,0,0,0,,-0.5,0.5,',
];

async function images(f: Fixture): Promise<void> {
  fs.mkdirSync(f.path('data/img'), { recursive: true });
  await sharp({ create: { width: 60, height: 80, channels: 3, background: { r: 220, g: 30, b: 40 } } }).png().toFile(f.path('data/img/a.png'));
  await sharp({ create: { width: 40, height: 40, channels: 4, background: { r: 10, g: 200, b: 60, alpha: 1 } } }).png().toFile(f.path('data/img/b.png'));
  await sharp(Buffer.alloc(48 * 48, 120), { raw: { width: 48, height: 48, channels: 1 } }).toColourspace('b-w').png().toFile(f.path('data/img/c.png'));
  await sharp({ create: { width: 30, height: 30, channels: 3, background: { r: 0, g: 0, b: 255 } } }).png().toFile(f.path('data/img/d.png'));
}

const csv = (f: Fixture, rows: string[] = ROWS, header = HEADER) => f.write('data/faces.csv', [header, ...rows].join('\n') + '\n');
const run = (f: Fixture, o: Record<string, unknown> = {}) => runImport(f.project, 'csv', [f.path('data/faces.csv')], o);

describe('csv importer', () => {
  it('imports every column: subject, split (blank = train), all AU columns, expression by name or index, VA; crops 112×112 RGB', async () => {
    fx = fixture();
    await images(fx);
    csv(fx);
    const s = await run(fx);
    expect(frames(fx.project).map((f) => [f.idx, f.path, f.subject, f.split, f.face])).toEqual([
      [0, 'img/a.png', 's1', 'train', 'ok'],
      [1, 'img/b.png', 's2', 'train', 'ok'],
      [2, 'img/c.png', null, 'val', 'ok'],
    ]);
    expect(labels(fx.project).map((l) => [l.idx, l.task, l.au_mask, l.au_bits, l.expr, l.valence, l.arousal])).toEqual([
      [0, 'au', auSet(1, 2, 4, 6, 9, 12, 15, 20, 25), auSet(1, 9, 12, 25), null, null, null],
      [0, 'expr', null, null, 4n, null, null],
      [0, 'va', null, null, null, 0.5, 0.2],
      [1, 'expr', null, null, 3n, null, null],
      [2, 'au', auSet(1, 2, 4, 6, 9, 12, 15, 20, 25).valueOf() & ~auSet(9), 0n, null, null, null],
      [2, 'va', null, null, null, -0.5, 0.5],
    ]);
    expect(s).toMatchObject({ rowsRead: 3, frames: 3, crops: 3, labels: { au: 2, expr: 2, va: 2 }, splits: { train: 2, val: 1 } });
    const m = fx.project.db.prepare('SELECT name, kind, frame_count FROM media').get();
    expect(m).toEqual({ name: 'faces', kind: 'images', frame_count: 3 });

    const cache = openCropCache(fx.project.dir);
    const ids = fx.project.db.prepare('SELECT id FROM frames ORDER BY idx').pluck().all() as number[];
    const px = async (id: number) => Array.from((await cache.getCrop(id))!.slice(56 * 112 * 3 + 56 * 3, 56 * 112 * 3 + 56 * 3 + 3));
    const near = (got: number[], want: number[]) => got.every((v, i) => Math.abs(v - want[i]) <= 3);
    expect(near(await px(ids[0]), [220, 30, 40])).toBe(true);
    expect(near(await px(ids[1]), [10, 200, 60])).toBe(true);
    expect(near(await px(ids[2]), [120, 120, 120])).toBe(true); // grey expanded to three channels
    expect(cache.getStored(ids[0])).toMatchObject({ width: 112, height: 112, format: 'jpeg' });
    cache.close();
  });

  it('re-import is idempotent; an added row becomes a new frame, the others keep their index', async () => {
    fx = fixture();
    await images(fx);
    csv(fx);
    await run(fx);
    const first = dumpContent(fx.project);
    const again = await run(fx);
    expect(dumpContent(fx.project)).toBe(first);
    expect(again.crops).toBe(0);
    csv(fx, ['img/d.png,s9,test,,,,,,,,,Surprise,,,', ...ROWS]);
    const s = await run(fx);
    expect(s.framesCreated).toBe(1);
    expect(frames(fx.project).map((f) => [f.idx, f.path])).toEqual([
      [0, 'img/a.png'],
      [1, 'img/b.png'],
      [2, 'img/c.png'],
      [3, 'img/d.png'],
    ]);
  });

  describe('bad input names file and line; the project and crop cache are unchanged', () => {
    const cases: [string[], string, string][] = [
      [['img/a.png,s1,train,1,0,0,0,1,0,0,1,happy,0.5,0.2'], 'wrong column count', 'faces.csv line 2: expected 15 columns like the header, got "img/a.png,s1,train,1,0,0,0,1,0,0,1,happy,0.5,0.2"'],
      [['img/a.png,s1,train,1,0,0,0,2,0,0,1,happy,0.5,0.2,1'], 'AU value out of range', 'faces.csv line 2: expected AU12 as 0, 1 or blank, got "2"'],
      [['img/a.png,s1,train,,,,,,,,,bored,,,'], 'unknown expression', 'faces.csv line 2: expected an expression name (Neutral, Anger, Disgust, Fear, Happiness, Sadness, Surprise) or index 0..6, got "bored"'],
      [['img/a.png,s1,train,,,,,,,,,7,,,'], 'expression index out of range', 'faces.csv line 2: expected an expression name'],
      [['img/a.png,s1,train,,,,,,,,,,1.5,0,'], 'valence out of range', 'faces.csv line 2: expected valence as a decimal number in -1..1, got "1.5"'],
      [['img/a.png,s1,train,,,,,,,,,,0.5,,'], 'valence without arousal', 'faces.csv line 2: expected valence and arousal both given or both blank, got "0.5,"'],
      [['img/a.png,s1,dev,,,,,,,,,,,,'], 'unknown split', 'faces.csv line 2: expected a split train, val, test or blank, got "dev"'],
      [['img/nope.png,s1,train,,,,,,,,,,,,'], 'missing image', 'faces.csv line 2: expected an existing image file (pass --skip-missing to skip such rows), got "img/nope.png"'],
      [['img/b.png,s1,train,,,,,,,,,,,,', 'img/a.png,s1,train,,,,,,,,,,,,', 'img/b.png,s1,train,,,,,,,,,,,,'], 'duplicate entry', 'faces.csv line 4: duplicate entry for image img/b.png (first at faces.csv line 2)'],
      [['"img/a.png,s1,train,,,,,,,,,,,,'], 'broken quoting', 'faces.csv line 2: not valid CSV (Quote Not Closed'],
    ];
    for (const [rows, what, msg] of cases) {
      it(what, async () => {
        fx = fixture();
        await images(fx);
        csv(fx, ['img/c.png,,val,0,0,0,0,0,0,0,0,,-0.5,0.5,']);
        await run(fx);
        const before = dump(fx.project);
        csv(fx, rows);
        await expect(run(fx)).rejects.toThrow(msg);
        expect(dump(fx.project)).toBe(before);
        const cache = openCropCache(fx.project.dir);
        expect(cache.count()).toBe(1);
        cache.close();
      });
    }

    it('a header without a path column', async () => {
      fx = fixture();
      await images(fx);
      csv(fx, ['img/a.png,1'], 'file_name,AU1');
      await expect(run(fx)).rejects.toThrow('faces.csv line 1: expected a header line with a "path" column');
    });

    it('a path that is not UTF-8 (the file exists under a byte name)', async () => {
      fx = fixture();
      await images(fx);
      const name = Buffer.concat([Buffer.from('img/x'), Buffer.from([0xff]), Buffer.from('.png')]);
      fs.copyFileSync(fx.path('data/img/a.png'), Buffer.concat([Buffer.from(fx.path('data') + '/'), name]));
      fx.write('data/faces.csv', Buffer.concat([Buffer.from(`${HEADER}\n`), name, Buffer.from(',s1,train,,,,,,,,,happy,,,\n')]));
      await expect(run(fx)).rejects.toThrow('faces.csv line 2: expected an image path in valid UTF-8 (rename the file and fix the manifest), got "img/x\uFFFD.png"');
    });

    it('--skip-missing skips rows whose image is missing or unreadable, and reports them', async () => {
      fx = fixture();
      await images(fx);
      fx.write('data/img/broken.png', 'not a png');
      csv(fx, ['img/nope.png,s1,train,,,,,,,,,,,,', 'img/broken.png,s1,train,,,,,,,,,,,,', ...ROWS]);
      await expect(run(fx)).rejects.toThrow('faces.csv line 2: expected an existing image file');
      csv(fx, ['img/broken.png,s1,train,,,,,,,,,,,,', ...ROWS]);
      await expect(run(fx)).rejects.toThrow(/faces\.csv line 2: cannot read the image img\/broken\.png/);
      csv(fx, ['img/nope.png,s1,train,,,,,,,,,,,,', 'img/broken.png,s1,train,,,,,,,,,,,,', ...ROWS]);
      const s = await run(fx, { skipMissing: true });
      expect(s.skipped).toEqual({ 'missing-image': 1, 'unreadable-image': 1 });
      expect(s.frames).toBe(3);
    });
  });

  it('--detect-faces without the face pipeline: "not available yet"; with a hook, no face → face=none', async () => {
    fx = fixture();
    await images(fx);
    csv(fx);
    await expect(runImport(fx.project, 'csv', [fx.path('data/faces.csv')], { detectFaces: true }, undefined, { port: {} })).rejects.toThrow(
      '--detect-faces is not available yet',
    );
    const detectFace = async (file: string) => (file.endsWith('b.png') ? null : new Uint8Array(112 * 112 * 3).fill(77));
    const s = await runImport(fx.project, 'csv', [fx.path('data/faces.csv')], { detectFaces: true }, undefined, { port: { detectFace } });
    expect(frames(fx.project).map((f) => f.face)).toEqual(['ok', 'none', 'ok']);
    expect(s.crops).toBe(2);
    const cache = openCropCache(fx.project.dir);
    const id = fx.project.db.prepare('SELECT id FROM frames WHERE idx = 0').pluck().get() as number;
    expect(Math.abs((await cache.getCrop(id))![500] - 77)).toBeLessThanOrEqual(2);
    cache.close();
  });
});
