// Aff-Wild2 / ABAW annotations: AU_Set, EXPR_Set, VA_Set folders of <video>.txt files.
// Layouts: ABAW's split subfolders (Train_Set / Validation_Set / Test_Set → train / val / test),
// or flat folders of .txt files whose split comes from --manifest, else --split, else train.
// A SOURCE is the folder holding the *_Set folders, or one *_Set folder.
import fs from 'node:fs';
import path from 'node:path';
import type { Split, Task } from '../../shared/labels';
import { importAffWildFile } from './affwild2-file';
import type { ImportContext } from './context';
import { fileError } from './errors';
import { isDirectory, listDir, relPath } from './fsnames';
import { MediaResolver } from './media-resolve';
import { AFFWILD2_DOWNSAMPLE } from './options';
import { flatSplit, loadManifest, parseSplit, strictestSplit } from './split';

const SET_FOLDERS: Record<string, Task> = {
  au_set: 'au',
  expr_set: 'expr',
  va_set: 'va',
  // ABAW 2022+ folder names
  au_detection_challenge: 'au',
  expr_classification_challenge: 'expr',
  expr_recognition_challenge: 'expr',
  va_estimation_challenge: 'va',
};

export interface AffWildEntry {
  task: Task;
  /** Video name: the file name without .txt. */
  name: string;
  file: string;
  shown: string;
  /** Split from an ABAW split folder, or null in a flat layout. */
  split: Split | null;
  bytes: number;
}

/** Lists the annotation files of the sources; duplicate (task, video) entries are an error. */
export function scanAffWild2(ctx: ImportContext, sources: string[]): AffWildEntry[] {
  const entries: AffWildEntry[] = [];
  const seen = new Map<string, AffWildEntry>();
  const badName = (where: string) => (bad: string) =>
    ctx.sum.skip('non-utf8-name', 1, `${where}/${bad}: file name is not valid UTF-8; skipped (rename it to import it)`);

  for (const src of sources) {
    if (!isDirectory(src)) throw fileError(src, 'is not a folder (expected the folder holding AU_Set / EXPR_Set / VA_Set, or one of them)');
    const own = SET_FOLDERS[path.basename(src).toLowerCase()];
    const root = own ? path.dirname(src) : src;
    const sets = own
      ? [{ task: own, dir: src }]
      : listDir(src, badName(path.basename(src)))
          .filter((e) => e.isDir && SET_FOLDERS[e.name.toLowerCase()])
          .map((e) => ({ task: SET_FOLDERS[e.name.toLowerCase()], dir: e.path }));
    if (sets.length === 0) throw fileError(src, 'has no AU_Set, EXPR_Set or VA_Set folder');

    const add = (task: Task, file: string, split: Split | null) => {
      const name = path.basename(file).replace(/\.txt$/i, '');
      const shown = relPath(root, file);
      const key = `${task}\0${name}`;
      const prev = seen.get(key);
      if (prev) throw fileError(shown, `duplicate ${task.toUpperCase()} annotation of video "${name}" (also ${prev.shown})`);
      const e: AffWildEntry = { task, name, file, shown, split, bytes: fs.statSync(file).size };
      seen.set(key, e);
      entries.push(e);
    };

    for (const { task, dir } of sets) {
      const shownDir = relPath(root, dir);
      for (const e of listDir(dir, badName(shownDir))) {
        if (e.isFile && /\.txt$/i.test(e.name)) add(task, e.path, null);
        else if (e.isDir && parseSplit(e.name)) {
          const split = parseSplit(e.name)!;
          for (const f of listDir(e.path, badName(`${shownDir}/${e.name}`))) {
            if (f.isFile && /\.txt$/i.test(f.name)) add(task, f.path, split);
            else ctx.sum.skip('not-a-label-file', 1, `${shownDir}/${e.name}/${f.name}: not a .txt annotation file; ignored`);
          }
        } else ctx.sum.skip('not-a-label-file', 1, `${shownDir}/${e.name}: not a .txt annotation file or split folder; ignored`);
      }
    }
  }
  return entries;
}

export async function importAffWild2(ctx: ImportContext, sources: string[]): Promise<void> {
  const { w, sum, opts } = ctx;
  const entries = scanAffWild2(ctx, sources);
  if (entries.length === 0) throw fileError(sources[0], 'has no annotation files (.txt) in its AU_Set / EXPR_Set / VA_Set folders');
  const manifest = opts.manifest ? loadManifest(opts.manifest) : null;

  const videos = new Map<string, AffWildEntry[]>();
  for (const e of entries) videos.set(e.name, [...(videos.get(e.name) ?? []), e]);

  const layout = entries.some((e) => e.split) ? (entries.every((e) => e.split) ? 'abaw' : 'mixed') : 'flat';
  const earlier = w.existingSettings(ctx.datasetName).downsample as Record<string, number> | undefined;
  const datasetId = w.dataset(ctx.datasetName, 'affwild2', path.resolve(sources[0]), {
    downsample: { ...AFFWILD2_DOWNSAMPLE, ...earlier, ...opts.downsample },
    layout,
    media: opts.videos ? 'videos' : opts.frames ? 'frames' : 'labels-only',
    lengthMismatch: opts.allowLengthMismatch ? 'allow' : 'error',
    sources: sources.map((s) => path.resolve(s)),
  });
  ctx.sum.s.datasetId = datasetId;
  const resolver = new MediaResolver(ctx, datasetId);

  const prog = { done: 0, total: entries.reduce((a, e) => a + e.bytes, 0) };
  const names = [...videos.keys()].sort();
  for (const name of names) {
    const files = videos.get(name)!.sort((a, b) => TASK_ORDER[a.task] - TASK_ORDER[b.task]);
    const folderSplits = new Set(files.map((f) => f.split).filter((s): s is Split => s !== null));
    let split: Split;
    if (folderSplits.size) {
      split = strictestSplit(folderSplits);
      if (folderSplits.size > 1) {
        sum.warn(
          `video "${name}" is in ${[...folderSplits].join(' and ')} sets of different tasks (${files.map((f) => f.shown).join(', ')}); ` +
            `its frames are put in ${split} so no evaluation frame is trained on`,
          'split-conflict',
        );
      }
    } else {
      split = flatSplit(name, manifest, opts.split, () => sum.warn(`video "${name}" is not in the manifest; put in ${opts.split ?? 'train'}`, 'not-in-manifest'));
    }

    const target = await resolver.resolve(name, split, files[0].file);
    if (!target) {
      for (const f of files) prog.done += f.bytes;
      continue;
    }
    const counts: number[] = [];
    for (const f of files) counts.push(await importAffWildFile(ctx, f.task, f.file, f.shown, target, prog));

    if (target.fixed === null) {
      const lines = Math.max(...counts);
      if (target.images !== null && target.images > lines) {
        const msg = `${target.what} has images up to frame ${target.images} but the annotation files of "${name}" have ${lines} frame lines`;
        if (!opts.allowLengthMismatch) throw fileError(files[0].shown, `${msg}; pass --allow-length-mismatch to keep the extra frames unlabelled`);
        sum.warn(`${msg}: the extra frames are unlabelled`, 'length-mismatch');
      }
      if (new Set(counts).size > 1) {
        sum.warn(`annotation files of "${name}" differ in length (${files.map((f, i) => `${f.shown}: ${counts[i]}`).join(', ')})`, 'length-differs');
      }
      w.setFrameCount(target.mf.mediaId, target.mf.size);
    }
  }
}

const TASK_ORDER: Record<Task, number> = { au: 0, expr: 1, va: 2 };
