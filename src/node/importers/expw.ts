// ExpW (Expression in-the-Wild): `label.lst`, one face per line:
//   image_name face_id top left right bottom confidence label
// label 0–6 in ExpW's order (angry, disgust, fear, happy, sad, surprise, neutral), remapped to the
// Aff-Wild2 order; each face is cropped by its box (pixels of the stored image) into the crop cache.
//
// ExpW's list has known defects, reported rather than trained on unnoticed:
//  - duplicate (image, face_id) entries — identical ones are skipped, conflicting ones (another box
//    or label) are all skipped, since the label cannot be trusted;
//  - misaligned boxes — a box (mostly) outside its image means the line does not describe that
//    image: skipped when less than half of the box lies inside, clamped (and reported) otherwise;
//  - face ids of an image that are not 0, 1, 2, … (lines lost or shifted) — reported.
// Syntax errors (column count, non-integers, a confidence that is not a decimal number, a label
// outside 0–6, an image name that leaves the image folder) fail the import with the line; so does
// an image that cannot be read or cropped (unless --skip-missing, which reports it with the line).
import fs from 'node:fs';
import path from 'node:path';
import { EXPRESSIONS } from '../../shared/labels';
import { parseDecimal } from './cells';
import type { ImportContext } from './context';
import { computeCrops, CROP_BATCH, type CropJob } from './crop-batch';
import { fileError, inputError } from './errors';
import { isDirectory, isFile, relPath, storedPath } from './fsnames';
import { imageSize, type Box } from './image-crops';
import { lineChunks } from './lines';
import { flatSplit, loadManifest } from './split';

/** ExpW label → Aff-Wild2 class: angry→Anger, disgust→Disgust, fear→Fear, happy→Happiness, sad→Sadness, surprise→Surprise, neutral→Neutral. */
export const EXPW_TO_AFFWILD2 = [1, 2, 3, 4, 5, 6, 0] as const;
export const EXPW_NAMES = ['angry', 'disgust', 'fear', 'happy', 'sad', 'surprise', 'neutral'] as const;

const EXPECTED = '8 space-separated fields: image_name face_id top left right bottom confidence label (integers, confidence a decimal number, label 0..6)';
const INT = /^-?\d{1,15}$/;

interface Entry {
  line: number;
  image: string;
  faceId: number;
  top: number;
  left: number;
  right: number;
  bottom: number;
  label: number;
}

function findLabelFile(src: string): string {
  if (isFile(src)) return src;
  for (const c of ['label.lst', path.join('label', 'label.lst')]) if (isFile(path.join(src, c))) return path.join(src, c);
  throw fileError(src, 'has no label.lst (give the file or the folder holding it)');
}

function findImageDir(ctx: ImportContext, labelFile: string): string {
  if (ctx.opts.images) {
    if (!isDirectory(ctx.opts.images)) throw fileError(ctx.opts.images, 'is not a folder');
    return ctx.opts.images;
  }
  const here = path.dirname(labelFile);
  for (const base of [here, path.dirname(here)]) {
    for (const c of ['origin', path.join('image', 'origin'), 'image', 'images']) if (isDirectory(path.join(base, c))) return path.join(base, c);
  }
  return here;
}

export function parseExpwList(ctx: ImportContext, file: string, shown: string): Entry[] {
  const entries: Entry[] = [];
  for (const chunk of lineChunks(file, { shown })) {
    for (let i = 0; i < chunk.lines.length; i++) {
      const line = chunk.lines[i];
      const lineNo = chunk.first + i;
      const t = line.replace(/^[ \t]+|[ \t]+$/g, '');
      if (t === '') continue;
      const f = t.split(/[ \t]+/);
      if (f.length !== 8) throw inputError(shown, lineNo, EXPECTED, line);
      const ints = [f[1], f[2], f[3], f[4], f[5], f[7]];
      if (!ints.every((s) => INT.test(s)) || parseDecimal(f[6]) === null) throw inputError(shown, lineNo, EXPECTED, line);
      const label = Number(f[7]);
      if (label < 0 || label > 6) throw inputError(shown, lineNo, `a label in 0..6 (${EXPW_NAMES.join(', ')})`, f[7]);
      if (f[0].includes('\uFFFD')) throw inputError(shown, lineNo, 'an image name in UTF-8', f[0]);
      if (!insideName(f[0])) throw inputError(shown, lineNo, 'an image name inside the image folder (a relative path without "..")', f[0]);
      entries.push({ line: lineNo, image: f[0], faceId: Number(f[1]), top: Number(f[2]), left: Number(f[3]), right: Number(f[4]), bottom: Number(f[5]), label });
      ctx.sum.s.rowsRead++;
    }
  }
  return entries;
}

/** Whether an image name stays inside the image folder: relative, no '..' part, no drive or UNC prefix. */
export function insideName(name: string): boolean {
  if (path.isAbsolute(name) || path.win32.isAbsolute(name) || /^[a-zA-Z]:/.test(name)) return false;
  return !name.split(/[\\/]/).some((part) => part === '..');
}

/** Drops duplicate (image, face_id) entries, reporting them; returns the entries to import. */
export function dedupeExpw(ctx: ImportContext, entries: Entry[], shown: string): Entry[] {
  const byKey = new Map<string, Entry[]>();
  for (const e of entries) {
    const k = `${e.image}\0${e.faceId}`;
    const list = byKey.get(k);
    if (list) list.push(e);
    else byKey.set(k, [e]);
  }
  const drop = new Set<Entry>();
  const sig = (e: Entry) => `${e.top},${e.left},${e.right},${e.bottom},${e.label}`;
  for (const list of byKey.values()) {
    if (list.length === 1) continue;
    const lines = list.map((e) => e.line).join(', ');
    if (new Set(list.map(sig)).size === 1) {
      for (const e of list.slice(1)) drop.add(e);
      ctx.sum.skip('duplicate', list.length - 1, `${shown} lines ${lines}: the same face (${list[0].image} face ${list[0].faceId}) listed ${list.length} times; kept line ${list[0].line}`);
    } else {
      for (const e of list) drop.add(e);
      ctx.sum.skip('conflicting-duplicate', list.length, `${shown} lines ${lines}: ${list[0].image} face ${list[0].faceId} listed with different boxes or labels; all skipped`);
    }
  }
  // face ids per image should be 0, 1, 2, … — gaps hint at lost or shifted lines
  const ids = new Map<string, Set<number>>();
  for (const e of entries) (ids.get(e.image) ?? ids.set(e.image, new Set()).get(e.image)!).add(e.faceId);
  for (const [image, set] of ids) {
    const max = Math.max(...set);
    if (set.size !== max + 1) ctx.sum.warn(`${shown}: ${image} has face ids ${[...set].sort((a, b) => a - b).join(', ')} (expected 0..${set.size - 1}); lines may be missing or misaligned`, 'face-id-gap');
  }
  return entries.filter((e) => !drop.has(e));
}

/** The crop box of an entry within a `width`×`height` image, or null when the box is misaligned. */
export function expwBox(e: Entry, width: number, height: number): { box: Box; clamped: boolean } | null {
  const w0 = e.right - e.left;
  const h0 = e.bottom - e.top;
  if (w0 <= 0 || h0 <= 0) return null;
  const left = Math.max(0, e.left);
  const top = Math.max(0, e.top);
  const right = Math.min(width, e.right);
  const bottom = Math.min(height, e.bottom);
  const inside = Math.max(0, right - left) * Math.max(0, bottom - top);
  if (inside < 0.5 * w0 * h0) return null;
  return { box: { left, top, width: right - left, height: bottom - top }, clamped: inside < w0 * h0 };
}

export async function importExpw(ctx: ImportContext, sources: string[]): Promise<void> {
  const { w, sum, opts, project } = ctx;
  if (sources.length !== 1) throw fileError(sources.join(', '), 'expw takes one source: label.lst or the folder holding it');
  if (opts.detectFaces) sum.warn('--detect-faces is not used for ExpW: its label.lst gives the face boxes');
  const labelFile = findLabelFile(sources[0]);
  const root = path.dirname(labelFile);
  const shown = relPath(path.dirname(root), labelFile);
  const imageDir = findImageDir(ctx, labelFile);
  const manifest = opts.manifest ? loadManifest(opts.manifest) : null;

  const entries = dedupeExpw(ctx, parseExpwList(ctx, labelFile, shown), shown);
  const datasetId = w.dataset(ctx.datasetName, 'expw', labelFile, {
    labelOrder: EXPW_NAMES,
    remap: Object.fromEntries(EXPW_NAMES.map((n, i) => [n, EXPRESSIONS[EXPW_TO_AFFWILD2[i]]])),
    crop: { size: 112, format: 'jpeg', by: 'label.lst box' },
    images: imageDir,
  });
  sum.s.datasetId = datasetId;
  const mediaId = w.upsertMedia(datasetId, path.basename(imageDir) === 'origin' ? 'ExpW' : path.basename(imageDir), 'images', storedPath(project.dir, imageDir));
  const mf = w.frames(mediaId, { split: opts.split ?? 'train' });
  w.clearImported(mediaId, 'expr');
  const crops = ctx.crops();

  for (let b = 0; b < entries.length; b += CROP_BATCH) {
    const batch = entries.slice(b, b + CROP_BATCH);
    const jobs: (CropJob | null)[] = [];
    for (const e of batch) {
      const file = path.join(imageDir, e.image);
      if (!fs.existsSync(file)) {
        if (!opts.skipMissing) throw fileError(`${shown} line ${e.line}`, `image ${e.image} is not in ${imageDir} (pass --skip-missing to skip such lines)`);
        sum.skip('missing-image', 1, `${shown} line ${e.line}: image ${e.image} is missing; skipped`);
        jobs.push(null);
        continue;
      }
      let size: { width: number; height: number };
      try {
        size = await imageSize(file);
      } catch (err) {
        if (!opts.skipMissing) throw fileError(`${shown} line ${e.line}`, `cannot read the image ${e.image} (${(err as Error).message}); pass --skip-missing to skip such lines`);
        sum.skip('unreadable-image', 1, `${shown} line ${e.line}: cannot read the image ${e.image}; skipped`);
        jobs.push(null);
        continue;
      }
      const fit = expwBox(e, size.width, size.height);
      if (!fit) {
        sum.skip(
          'misaligned-box',
          1,
          `${shown} line ${e.line}: box left ${e.left} top ${e.top} right ${e.right} bottom ${e.bottom} does not fit ${e.image} (${size.width}×${size.height}); skipped as misaligned`,
        );
        jobs.push(null);
        continue;
      }
      if (fit.clamped) sum.warn(`${shown} line ${e.line}: box extends outside ${e.image} (${size.width}×${size.height}); clamped`, 'box-clamped');
      const existing = mf.id(e.line - 1);
      jobs.push({ file, box: fit.box, cached: existing > 0 && crops.hasCrop(existing) });
    }
    const results = await computeCrops(ctx, jobs.filter((j): j is CropJob => j !== null));
    let r = 0;
    for (let i = 0; i < batch.length; i++) {
      if (!jobs[i]) continue;
      const e = batch[i];
      const res = results[r++];
      if (res instanceof Error) {
        if (!opts.skipMissing) throw fileError(`${shown} line ${e.line}`, `cannot crop the image ${e.image} (${res.message}); pass --skip-missing to skip such lines`);
        sum.skip('unreadable-image', 1, `${shown} line ${e.line}: cannot crop the image ${e.image} (${res.message}); skipped`);
        continue;
      }
      const split = manifest ? flatSplit(e.image, manifest, opts.split, () => sum.warn(`${e.image} is not in the manifest`, 'not-in-manifest')) : (opts.split ?? 'train');
      const frameId = mf.put(e.line - 1, { path: e.image, face: 'ok', split });
      w.addExpr(frameId, EXPW_TO_AFFWILD2[e.label]);
      if (res !== 'cached' && res !== 'no-face') {
        crops.putStored([{ frameId, ...res }]);
        sum.s.crops++;
      }
    }
    await ctx.progress(Math.min(b + CROP_BATCH, entries.length), entries.length, 'faces');
  }
  w.setFrameCount(mediaId);
}
