// Importing a folder of frames as one media item (Aff-Wild2 `cropped_aligned/<video>/00001.jpg`,
// AFEW-VA `<clip>/00000.png`). When every file name ends in a number with a common prefix, the
// number is the frame number: 1-based unless a frame 0 exists, so 00001.jpg is frame index 0 as in
// Aff-Wild2's label files (line N+1 = frame N). Numbers missing from the folder are frames too —
// the video had them, the face cropper did not keep them — stored without an image and marked
// face = 'none' so they are never silently dropped. Without numbers, files in natural order are
// the frames.
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { AppError } from '../../shared/result';
import type { Project } from '../store/project';
import { upsertMedia, type Split } from './store';

export const IMAGE_EXTENSIONS = ['.jpg', '.jpeg', '.png', '.webp', '.tif', '.tiff'];

export interface ImportSequenceOptions {
  /** Default: the folder name. */
  name?: string;
  split?: Split;
  subject?: string | null;
  /** Frame rate of the source video, when known (gives every frame a timestamp). */
  fps?: number;
  /** The number of the first frame; default 0 if a file numbered 0 exists, else 1. */
  firstNumber?: number;
  /** At least this many frames (a label file may cover frames after the last image). */
  minFrames?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface ImportSequenceResult {
  mediaId: number;
  frameCount: number;
  /** Frames without an image file (gaps), marked face = 'none'. */
  missing: number;
  created: boolean;
}

/** Compares strings with digit runs as numbers: "frame2" < "frame10". */
export function naturalCompare(a: string, b: string): number {
  const ra = a.match(/\d+|\D+/g) ?? [];
  const rb = b.match(/\d+|\D+/g) ?? [];
  for (let i = 0; i < Math.min(ra.length, rb.length); i++) {
    const x = ra[i];
    const y = rb[i];
    if (x === y) continue;
    const dx = /^\d/.test(x);
    const dy = /^\d/.test(y);
    if (dx && dy) {
      const d = Number(x) - Number(y);
      if (d !== 0) return d;
      return x.length - y.length; // "01" before "001"? keep a total order
    }
    return x < y ? -1 : 1;
  }
  return ra.length - rb.length;
}

/** Frame layout of a folder's image files: frame index → file name (null for a gap). Exported for tests. */
export function layoutFrames(files: string[], opts: { firstNumber?: number; minFrames?: number } = {}): (string | null)[] {
  const sorted = [...files].sort(naturalCompare);
  const parsed = sorted.map((f) => /^(.*?)(\d+)$/.exec(path.basename(f, path.extname(f))));
  const prefix = parsed[0]?.[1];
  const numbered = parsed.length > 0 && parsed.every((m) => m !== null && m[1] === prefix);
  let frames: (string | null)[];
  if (!numbered) {
    frames = sorted;
  } else {
    const nums = parsed.map((m) => Number((m as RegExpExecArray)[2]));
    const base = opts.firstNumber ?? (Math.min(...nums) === 0 ? 0 : 1);
    const max = Math.max(...nums);
    const count = max - base + 1;
    if (count > sorted.length * 100 + 1000) {
      throw new AppError('invalid-input', `Frame numbers up to ${max} for ${sorted.length} images: not a frame sequence`);
    }
    frames = new Array<string | null>(count).fill(null);
    sorted.forEach((f, i) => {
      const idx = nums[i] - base;
      if (idx < 0) throw new AppError('invalid-input', `${f}: frame number ${nums[i]} is below the first frame number ${base}`);
      if (frames[idx] !== null) throw new AppError('invalid-input', `${frames[idx]} and ${f} are both frame ${nums[i]}`);
      frames[idx] = f;
    });
  }
  while (frames.length < (opts.minFrames ?? 0)) frames.push(null);
  return frames;
}

export async function importSequenceMedia(project: Project, datasetId: number, folder: string, opts: ImportSequenceOptions = {}): Promise<ImportSequenceResult> {
  const abs = path.resolve(folder);
  if (!fs.existsSync(abs) || !fs.statSync(abs).isDirectory()) throw new AppError('not-found', `No folder at ${abs}`);
  if (!project.db.prepare('SELECT id FROM datasets WHERE id = ?').get(datasetId)) throw new AppError('not-found', `No dataset with id ${datasetId}`);
  const files = fs
    .readdirSync(abs, { withFileTypes: true })
    .filter((d) => d.isFile() && IMAGE_EXTENSIONS.includes(path.extname(d.name).toLowerCase()))
    .map((d) => d.name);
  if (files.length === 0) throw new AppError('invalid-input', `${abs} holds no images (${IMAGE_EXTENSIONS.join(', ')})`);
  const frames = layoutFrames(files, opts);
  const first = frames.find((f) => f !== null) as string;
  let meta: Awaited<ReturnType<ReturnType<typeof sharp>['metadata']>>;
  try {
    meta = await sharp(path.join(abs, first)).metadata();
  } catch (e) {
    throw new AppError('invalid-input', `${path.join(abs, first)} is not a readable image: ${(e as Error).message}`);
  }
  const fps = opts.fps && opts.fps > 0 ? opts.fps : null;
  const timestamps = fps ? Float64Array.from({ length: frames.length }, (_, i) => i / fps) : null;
  opts.onProgress?.(0, frames.length);
  const { mediaId, created } = upsertMedia(
    project,
    {
      datasetId,
      name: opts.name ?? path.basename(abs),
      kind: 'sequence',
      path: abs,
      codec: meta.format ?? null,
      fps,
      fpsRational: fps ? rationalOf(fps) : null,
      width: meta.width ?? null,
      height: meta.height ?? null,
      duration: fps ? frames.length / fps : null,
      timestamps,
    },
    {
      count: frames.length,
      path: (i) => frames[i],
      face: (i) => (frames[i] === null ? 'none' : 'unknown'),
      subject: opts.subject ?? null,
      split: opts.split,
    },
  );
  opts.onProgress?.(frames.length, frames.length);
  return { mediaId, frameCount: frames.length, missing: frames.filter((f) => f === null).length, created };
}

/** 30 → "30/1", 29.97… → "30000/1001" (the NTSC rates), else thousandths. */
function rationalOf(fps: number): string {
  if (Number.isInteger(fps)) return `${fps}/1`;
  const ntsc = Math.round(fps * 1.001);
  if (Math.abs(fps - (ntsc * 1000) / 1001) < 1e-3) return `${ntsc * 1000}/1001`;
  return `${Math.round(fps * 1000)}/1000`;
}
