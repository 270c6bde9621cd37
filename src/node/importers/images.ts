// A folder of class folders (FER2013 / CK+ style): SOURCE/<class>/<image>, or with split folders
// SOURCE/{train,val,test}/<class>/<image> (FER2013's PublicTest → val, PrivateTest → test).
// Class folder names go through parseExpression (angry, disgust, fear, happy, neutral, sad,
// surprise, or the Aff-Wild2 names). A folder that names no expression (CK+'s "contempt") fails the
// import unless --skip-unknown-classes. Images are face crops: 112×112 into the crop cache.
// One media item (kind 'images') per SOURCE.
import path from 'node:path';
import { parseExpression, type Split } from '../../shared/labels';
import type { ImportContext } from './context';
import { fileError } from './errors';
import { isDirectory, listDir, relPath, storedPath } from './fsnames';
import { ImageRowWriter, type ImageRow } from './image-rows';
import { isImageName } from './image-crops';
import { parseSplit } from './split';

interface Found {
  rows: Omit<ImageRow, 'where'>[];
  classes: Record<string, number>;
}

export function scanClassFolders(ctx: ImportContext, src: string): Found {
  const { sum, opts } = ctx;
  const rows: Omit<ImageRow, 'where'>[] = [];
  const classes: Record<string, number> = {};
  const bad = (where: string) => (name: string) =>
    sum.skip('non-utf8-name', 1, `${where}/${name}: file name is not valid UTF-8; skipped (rename it to import it)`);
  const top = listDir(src, bad(path.basename(src))).filter((e) => e.isDir);
  const splitDirs = top.filter((e) => parseSplit(e.name));
  const groups: { split: Split; dir: string }[] = splitDirs.length
    ? splitDirs.map((e) => ({ split: parseSplit(e.name)!, dir: e.path }))
    : [{ split: opts.split ?? 'train', dir: src }];
  if (splitDirs.length && splitDirs.length !== top.length) {
    const others = top.filter((e) => !parseSplit(e.name)).map((e) => e.name);
    sum.warn(`${path.basename(src)}: folders ${others.join(', ')} are neither splits nor used; ignored`);
  }
  for (const g of groups) {
    for (const cls of listDir(g.dir, bad(relPath(src, g.dir)))) {
      const shownCls = relPath(path.dirname(src), cls.path);
      if (!cls.isDir) {
        sum.skip('not-in-a-class-folder', 1, `${shownCls}: a file outside the class folders; ignored`);
        continue;
      }
      const expr = parseExpression(cls.name);
      const images = listDir(cls.path, bad(shownCls));
      if (expr === null) {
        if (!opts.skipUnknownClasses) {
          throw fileError(shownCls, 'is not an expression class folder (angry, disgust, fear, happy, neutral, sad, surprise or an Aff-Wild2 name); pass --skip-unknown-classes to skip it');
        }
        sum.skip('unknown-class', images.length, `${shownCls}: not an expression; its ${images.length} files skipped`);
        continue;
      }
      for (const img of images) {
        if (!img.isFile) continue;
        if (!isImageName(img.name)) {
          sum.skip('not-an-image', 1, `${relPath(path.dirname(src), img.path)}: not an image sharp can read; skipped`);
          continue;
        }
        rows.push({ file: img.path, path: relPath(src, img.path), split: g.split, subject: null, expr });
        classes[cls.name] = (classes[cls.name] ?? 0) + 1;
      }
    }
  }
  return { rows, classes };
}

export async function importImages(ctx: ImportContext, sources: string[]): Promise<void> {
  const { w, sum, project } = ctx;
  for (const src of sources) {
    if (!isDirectory(src)) throw fileError(src, 'is not a folder (expected a folder of class folders)');
    const found = scanClassFolders(ctx, src);
    if (found.rows.length === 0) throw fileError(src, 'has no images in class folders (e.g. happy/0001.png)');
    const datasetId = w.dataset(ctx.datasetName, 'images', sources[0], {
      crop: { size: 112, format: 'jpeg', faces: ctx.opts.detectFaces ? 'detected' : 'whole image' },
      sources,
    });
    sum.s.datasetId = datasetId;
    const mediaId = w.upsertMedia(datasetId, path.basename(src), 'images', storedPath(project.dir, src));
    const mf = w.frames(mediaId, { split: ctx.opts.split ?? 'train' });
    w.clearImported(mediaId, 'expr');
    const rows = new ImageRowWriter(ctx, mf, found.rows.length);
    for (const r of found.rows) {
      sum.s.rowsRead++;
      await rows.add({ ...r, where: relPath(path.dirname(src), r.file) });
    }
    await rows.flush();
    rows.reportStale();
    w.setFrameCount(mediaId);
  }
}
