import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { parseAuHeader, parseAuLine, parseExprHeader, parseExprLine, EXPR_INVALID, EXPR_NONE, EXPR_OTHER } from '../../src/node/importers/affwild2-parse';
import { CROP_SIZE, openCropCache } from '../../src/node/store/crop-cache';
import { cropImageFile } from '../../src/node/importers/image-crops';
import { listDir, showBytes } from '../../src/node/importers/fsnames';
import { lineChunks } from '../../src/node/importers/lines';
import { loadManifest, parseSplit, strictestSplit } from '../../src/node/importers/split';
import { tempDir } from './helpers';

const dirs: (() => void)[] = [];
afterEach(() => dirs.splice(0).forEach((c) => c()));
function tmp(): string {
  const t = tempDir('aw-import-core-');
  dirs.push(t.cleanup);
  return t.dir;
}

function allLines(file: string, chunk: number): { lines: string[]; firsts: number[] } {
  const lines: string[] = [];
  const firsts: number[] = [];
  for (const c of lineChunks(file, chunk)) {
    expect(c.first).toBe(lines.length + 1); // line numbers continue across chunks
    firsts.push(c.first);
    lines.push(...c.lines);
  }
  return { lines, firsts };
}

describe('lineChunks', () => {
  it('splits at any chunk size: BOM, CRLF, multi-byte UTF-8, lines longer than a chunk, no final newline', () => {
    const file = path.join(tmp(), 'a.txt');
    const text = '\ufeffhead\r\nélan,ü\r\n\r\n' + 'x'.repeat(50) + '\nlast';
    fs.writeFileSync(file, text);
    const want = ['head', 'élan,ü', '', 'x'.repeat(50), 'last'];
    for (const size of [1, 2, 3, 7, 16, 1 << 20]) expect(allLines(file, size).lines, `chunk ${size}`).toEqual(want);
    expect(allLines(file, 8).firsts.length).toBeGreaterThan(1);
  });

  it('a final newline adds no empty line; an empty file yields nothing', () => {
    const d = tmp();
    fs.writeFileSync(path.join(d, 'b.txt'), 'a\nb\n');
    fs.writeFileSync(path.join(d, 'e.txt'), '');
    expect(allLines(path.join(d, 'b.txt'), 3).lines).toEqual(['a', 'b']);
    expect(allLines(path.join(d, 'e.txt'), 3).lines).toEqual([]);
  });
});

describe('file names as bytes', () => {
  it('lists a folder with a non-UTF-8 name, reporting it in a printable form', () => {
    const d = tmp();
    fs.writeFileSync(path.join(d, 'ok.txt'), '');
    fs.writeFileSync(Buffer.concat([Buffer.from(d + '/bad'), Buffer.from([0xe9]), Buffer.from('.txt')]), '');
    const bad: string[] = [];
    expect(listDir(d, (s) => bad.push(s)).map((e) => e.name)).toEqual(['ok.txt']);
    expect(bad).toEqual(['bad\\xe9.txt']);
    expect(showBytes(Buffer.from('é€', 'utf8'))).toBe('é€');
  });
});

describe('splits', () => {
  it('maps folder names and picks the most held-out split', () => {
    expect(['Train_Set', 'Validation_Set', 'Test_Set', 'PublicTest', 'PrivateTest', 'foo'].map(parseSplit)).toEqual(['train', 'val', 'test', 'val', 'test', null]);
    expect(strictestSplit(['train', 'test', 'val'])).toBe('test');
  });

  it('reads JSON and CSV manifests and names the bad entry', () => {
    const d = tmp();
    const j = path.join(d, 'm.json');
    fs.writeFileSync(j, JSON.stringify({ a: 'train', b: 'Validation' }));
    expect([...loadManifest(j)]).toEqual([['a', 'train'], ['b', 'val']]);
    const c = path.join(d, 'm.csv');
    fs.writeFileSync(c, 'name,split\nx,test\ny,val\n');
    expect([...loadManifest(c)]).toEqual([['x', 'test'], ['y', 'val']]);
    fs.writeFileSync(c, 'x,test\ny,dev\n');
    expect(() => loadManifest(c)).toThrow('m.csv line 2: expected a split train, val or test, got "dev"');
  });
});

describe('Aff-Wild2 line parsers', () => {
  it('AU bit sets: bit n = AU n, -1 = unlabelled AU, anything else invalid', () => {
    const f = parseAuHeader('AU1,AU2,AU4,AU6,AU12,AU15,AU20,AU25')!;
    const out = { mask: 0 as number | bigint, bits: 0 as number | bigint };
    expect(parseAuLine(f, '1,0,-1,0,1,0,0,1', out)).toBe(true);
    expect(out.mask).toBe(2 ** 1 + 2 ** 2 + 2 ** 6 + 2 ** 12 + 2 ** 15 + 2 ** 20 + 2 ** 25);
    expect(out.bits).toBe(2 ** 1 + 2 ** 12 + 2 ** 25);
    expect(parseAuLine(f, '1,0,0,0,1,0,0,2', out)).toBe(false);
    expect(parseAuLine(f, '1,0,0,0,1,0,0', out)).toBe(false);
    expect(parseAuHeader('AU1,AU1')).toBeNull();
    expect(parseAuHeader('1,0,1')).toBeNull();
    const big = parseAuHeader('AU1,AU60')!;
    expect(parseAuLine(big, '1,1', out)).toBe(true);
    expect(out.bits).toBe((1n << 1n) | (1n << 60n));
  });

  it('EXPR header order decides the class; Other is not a class of ours', () => {
    const f = parseExprHeader('Anger,Neutral,Other')!;
    expect(parseExprLine(f, '0')).toBe(1);
    expect(parseExprLine(f, '1')).toBe(0);
    expect(parseExprLine(f, '2')).toBe(EXPR_OTHER);
    expect(parseExprLine(f, '-1')).toBe(EXPR_NONE);
    expect(parseExprLine(f, '3')).toBe(EXPR_INVALID);
    expect(parseExprLine(f, '1.5')).toBe(EXPR_INVALID);
  });
});

describe('crop cache', () => {
  it('stores crops as JPEG by default and gives back 112×112×3 RGB close to the input; PNG and raw are exact', async () => {
    const d = tmp();
    const cache = openCropCache(d);
    try {
      const rgb = new Uint8Array(CROP_SIZE * CROP_SIZE * 3);
      for (let y = 0; y < CROP_SIZE; y++)
        for (let x = 0; x < CROP_SIZE; x++) {
          const o = (y * CROP_SIZE + x) * 3;
          rgb[o] = x * 2;
          rgb[o + 1] = y * 2;
          rgb[o + 2] = 128;
        }
      expect(cache.hasCrop(7)).toBe(false);
      await cache.putCrops([{ frameId: 7, rgb }]);
      await cache.putCrops([{ frameId: 8, rgb }], 'png');
      await cache.putCrops([{ frameId: 9, rgb }], 'rgb');
      expect(cache.hasCrop(7)).toBe(true);
      expect(cache.getStored(7)!.format).toBe('jpeg');
      expect(cache.getStored(7)!.data.length).toBeLessThan(rgb.length / 4);
      const back = (await cache.getCrop(7))!;
      expect(back.length).toBe(CROP_SIZE * CROP_SIZE * 3);
      let err = 0;
      for (let i = 0; i < rgb.length; i++) err += Math.abs(back[i] - rgb[i]);
      expect(err / rgb.length).toBeLessThan(2); // q92 4:4:4 on a smooth gradient
      expect(await cache.getCrop(8)).toEqual(rgb);
      expect(await cache.getCrop(9)).toEqual(rgb);
      expect(await cache.getCrop(10)).toBeNull();
      cache.begin();
      await cache.putCrops([{ frameId: 10, rgb }]);
      cache.rollback();
      expect(cache.hasCrop(10)).toBe(false);
      expect(cache.deleteCrops([7, 8])).toBe(2);
      expect(cache.count()).toBe(1);
      const schema = cache.db.prepare(`SELECT sql FROM sqlite_schema WHERE name = 'crops'`).pluck().get() as string;
      expect(schema).toMatch(/STRICT/);
    } finally {
      cache.close();
    }
    expect(fs.existsSync(path.join(d, 'cache', 'crops.sqlite'))).toBe(true);
  });

  it('a grey image becomes a 112×112 crop with three equal channels', async () => {
    const d = tmp();
    const file = path.join(d, 'grey.png');
    const grey = Buffer.alloc(48 * 40);
    for (let i = 0; i < grey.length; i++) grey[i] = i % 48 < 24 ? 40 : 200;
    await sharp(grey, { raw: { width: 48, height: 40, channels: 1 } }).toColourspace('b-w').png().toFile(file);
    expect((await sharp(file).metadata()).channels).toBe(1);
    const crop = await cropImageFile(file, undefined, 'rgb');
    expect(crop.data.length).toBe(112 * 112 * 3);
    const px = (x: number, y: number) => Array.from(crop.data.slice((y * 112 + x) * 3, (y * 112 + x) * 3 + 3));
    expect(px(10, 50)).toEqual([40, 40, 40]); // left half dark, stretched to 112 wide
    expect(px(100, 50)).toEqual([200, 200, 200]);
  });
});
