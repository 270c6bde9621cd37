import fs from 'node:fs';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { runImport } from '../../src/node/importers/index';
import { openCropCache } from '../../src/node/store/crop-cache';
import { dump, dumpContent, fixture, frames, labels, type Fixture } from './import-helpers';

let fx: Fixture;
afterEach(() => fx?.cleanup());

/** A 48×48 grey face-sized image, FER2013 style. */
async function grey(f: Fixture, rel: string, v: number): Promise<void> {
  const file = f.path(rel);
  fs.mkdirSync(file.slice(0, file.lastIndexOf('/')), { recursive: true });
  await sharp(Buffer.alloc(48 * 48, v), { raw: { width: 48, height: 48, channels: 1 } }).toColourspace('b-w').png().toFile(file);
}

async function fer(f: Fixture): Promise<void> {
  await grey(f, 'fer/train/happy/001.png', 10);
  await grey(f, 'fer/train/angry/002.png', 20);
  await grey(f, 'fer/train/angry/003.png', 30);
  await grey(f, 'fer/PublicTest/surprise/004.png', 40);
  await grey(f, 'fer/test/neutral/005.png', 50);
}

const run = (f: Fixture, o: Record<string, unknown> = {}, src = 'fer') => runImport(f.project, 'images', [f.path(src)], o);

describe('images (class folders) importer', () => {
  it('maps class folder names to expressions and split folders to splits; crops are 112×112 RGB', async () => {
    fx = fixture();
    await fer(fx);
    fx.write('fer/train/happy/notes.txt', 'not an image');
    const s = await run(fx);
    expect(frames(fx.project).map((f) => [f.idx, f.path, f.split, f.face])).toEqual([
      [0, 'PublicTest/surprise/004.png', 'val', 'ok'],
      [1, 'test/neutral/005.png', 'test', 'ok'],
      [2, 'train/angry/002.png', 'train', 'ok'],
      [3, 'train/angry/003.png', 'train', 'ok'],
      [4, 'train/happy/001.png', 'train', 'ok'],
    ]);
    expect(labels(fx.project, 'expr').map((l) => Number(l.expr))).toEqual([6, 0, 1, 1, 4]);
    expect(s).toMatchObject({ rowsRead: 5, frames: 5, crops: 5, labels: { expr: 5 }, skipped: { 'not-an-image': 1 } });
    const cache = openCropCache(fx.project.dir);
    const id = fx.project.db.prepare('SELECT id FROM frames WHERE idx = 1').pluck().get() as number;
    const rgb = (await cache.getCrop(id))!;
    expect(rgb.length).toBe(112 * 112 * 3);
    expect(Math.max(...rgb.slice(0, 3000))).toBeLessThanOrEqual(52);
    expect(Math.min(...rgb.slice(0, 3000))).toBeGreaterThanOrEqual(48);
    cache.close();
  });

  it('class folders without split folders take --split; re-import is idempotent', async () => {
    fx = fixture();
    await grey(fx, 'ck/happy/a.png', 1);
    await grey(fx, 'ck/sadness/b.png', 2);
    await run(fx, { split: 'val', dataset: 'CK+' }, 'ck');
    expect(frames(fx.project).map((f) => [f.path, f.split])).toEqual([
      ['happy/a.png', 'val'],
      ['sadness/b.png', 'val'],
    ]);
    expect(labels(fx.project, 'expr').map((l) => Number(l.expr))).toEqual([4, 5]);
    expect(fx.project.db.prepare('SELECT name, source_format FROM datasets').get()).toEqual({ name: 'CK+', source_format: 'images' });
    const first = dumpContent(fx.project);
    const s = await run(fx, { split: 'val', dataset: 'CK+' }, 'ck');
    expect(dumpContent(fx.project)).toBe(first);
    expect(s.framesCreated).toBe(0);
  });

  it('an unknown class folder fails, or is skipped with --skip-unknown-classes', async () => {
    fx = fixture();
    await grey(fx, 'ck/happy/a.png', 1);
    await grey(fx, 'ck/contempt/b.png', 2);
    await expect(run(fx, {}, 'ck')).rejects.toThrow('ck/contempt: is not an expression class folder');
    expect(dump(fx.project)).not.toContain('happy/a.png');
    const s = await run(fx, { skipUnknownClasses: true }, 'ck');
    expect(s.skipped['unknown-class']).toBe(1);
    expect(frames(fx.project).map((f) => f.path)).toEqual(['happy/a.png']);
  });

  it('an unreadable image fails naming the file, and the project is unchanged', async () => {
    fx = fixture();
    await fer(fx);
    await run(fx);
    const before = dump(fx.project);
    fx.write('fer/train/happy/bad.png', 'garbage');
    await expect(run(fx)).rejects.toThrow('fer/train/happy/bad.png: cannot read the image train/happy/bad.png');
    expect(dump(fx.project)).toBe(before);
    const cache = openCropCache(fx.project.dir);
    expect(cache.count()).toBe(5);
    cache.close();
  });

  it('an image whose name is not UTF-8 is skipped and reported', async () => {
    fx = fixture();
    await fer(fx);
    fs.copyFileSync(fx.path('fer/train/happy/001.png'), Buffer.concat([Buffer.from(fx.path('fer/train/happy') + '/x'), Buffer.from([0xff, 0xfe]), Buffer.from('.png')]));
    const s = await run(fx);
    expect(s.skipped['non-utf8-name']).toBe(1);
    expect(s.warnings.some((w) => w.includes('train/happy/x\\xff\\xfe.png: file name is not valid UTF-8'))).toBe(true);
    expect(s.frames).toBe(5);
  });
});
