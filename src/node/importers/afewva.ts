// AFEW-VA: one folder per clip (001 … 600) holding its frames (00000.png …) and <clip>.json:
//   { "video_id": "001", "actor": "…", "frames": { "00000": { "valence": v, "arousal": a, "landmarks": [[x, y], …] }, … } }
// with valence and arousal integers on -10…10, rescaled to [-1, 1] (÷ 10). Frame keys and image
// numbers are 0-based. Frames are whole film frames: face = 'unknown' until the face pipeline runs.
// A SOURCE is the folder of clip folders, or one clip folder.
import fs from 'node:fs';
import path from 'node:path';
import { MAX_FRAME_INDEX, parseIndex } from './cells';
import type { ImportContext } from './context';
import { fileError, inputError } from './errors';
import { isDirectory, isFile, listDir, relPath, storedPath } from './fsnames';
import { listSequence } from './sequence';
import { flatSplit, loadManifest } from './split';

export const AFEWVA_SCALE = 10;

interface Clip {
  name: string;
  dir: string;
  json: string;
  root: string;
}

function clipJson(dir: string): string | null {
  const own = path.join(dir, `${path.basename(dir)}.json`);
  if (isFile(own)) return own;
  const all = fs.readdirSync(dir).filter((n) => n.toLowerCase().endsWith('.json'));
  return all.length === 1 ? path.join(dir, all[0]) : null;
}

export function scanAfewVa(ctx: ImportContext, sources: string[]): Clip[] {
  const clips: Clip[] = [];
  const seen = new Map<string, string>();
  for (const src of sources) {
    if (!isDirectory(src)) throw fileError(src, 'is not a folder (expected the folder of AFEW-VA clip folders, or one clip folder)');
    const own = clipJson(src);
    const dirs = own ? [src] : listDir(src, (bad) => ctx.sum.skip('non-utf8-name', 1, `${path.basename(src)}/${bad}: name is not valid UTF-8; skipped`)).filter((e) => e.isDir).map((e) => e.path);
    const root = own ? path.dirname(src) : src;
    for (const dir of dirs) {
      const json = clipJson(dir);
      if (!json) {
        ctx.sum.skip('no-annotation', 1, `${relPath(root, dir)}: no <clip>.json; folder skipped`);
        continue;
      }
      const name = path.basename(dir);
      if (seen.has(name)) throw fileError(relPath(root, dir), `duplicate clip "${name}" (also ${seen.get(name)})`);
      seen.set(name, dir);
      clips.push({ name, dir, json, root });
    }
  }
  if (clips.length === 0) throw fileError(sources[0], 'has no AFEW-VA clip folders (<clip>/<clip>.json)');
  return clips;
}

/** Reads a clip's JSON: frame index → [valence, arousal] on [-1, 1]. */
export function readAfewVaJson(file: string, shown: string): Map<number, [number, number]> {
  let data: unknown;
  try {
    data = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw fileError(shown, `is not valid JSON (${(e as Error).message})`);
  }
  const frames = (data as { frames?: unknown } | null)?.frames;
  if (!frames || typeof frames !== 'object' || Array.isArray(frames)) throw inputError(shown, 'key "frames"', 'an object of per-frame annotations {"00000": {"valence": …, "arousal": …}}');
  const out = new Map<number, [number, number]>();
  for (const [key, v] of Object.entries(frames as Record<string, unknown>)) {
    if (!/^\d+$/.test(key)) throw inputError(shown, `frames[${JSON.stringify(key)}]`, 'a frame number key such as "00017"', key);
    const idx = parseIndex(key);
    if (idx === null) throw inputError(shown, `frames[${JSON.stringify(key)}]`, `a frame number up to ${MAX_FRAME_INDEX.toLocaleString('en-US')}`, key);
    if (out.has(idx)) throw inputError(shown, `frames[${JSON.stringify(key)}]`, `one entry per frame (frame ${idx} repeats)`);
    const va: number[] = [];
    for (const k of ['valence', 'arousal'] as const) {
      const x = (v as Record<string, unknown> | null)?.[k];
      if (typeof x !== 'number' || !Number.isFinite(x) || x < -AFEWVA_SCALE || x > AFEWVA_SCALE) {
        const where = `frames[${JSON.stringify(key)}].${k}`;
        const expected = `a number in -${AFEWVA_SCALE}..${AFEWVA_SCALE}`;
        throw x === undefined ? inputError(shown, where, `${expected} (missing)`) : inputError(shown, where, expected, JSON.stringify(x));
      }
      va.push(x / AFEWVA_SCALE);
    }
    out.set(idx, [va[0], va[1]]);
  }
  return out;
}

export async function importAfewVa(ctx: ImportContext, sources: string[]): Promise<void> {
  const { w, sum, opts, project } = ctx;
  const clips = scanAfewVa(ctx, sources);
  const manifest = opts.manifest ? loadManifest(opts.manifest) : null;
  const datasetId = w.dataset(ctx.datasetName, 'afewva', sources[0], { vaScale: AFEWVA_SCALE, rescale: 'value / 10', sources });
  sum.s.datasetId = datasetId;

  for (let c = 0; c < clips.length; c++) {
    const clip = clips[c];
    const shown = relPath(clip.root, clip.json);
    const labels = readAfewVaJson(clip.json, shown);
    sum.s.rowsRead += labels.size;
    const seq = listSequence(clip.dir, clip.root, sum, 0);
    const split = flatSplit(clip.name, manifest, opts.split, () => sum.warn(`clip ${clip.name} is not in the manifest; put in ${opts.split ?? 'train'}`, 'not-in-manifest'));
    const mediaId = w.upsertMedia(datasetId, clip.name, 'sequence', storedPath(project.dir, clip.dir));
    const mf = w.frames(mediaId, { split });
    w.clearImported(mediaId, 'va');
    const n = Math.max(seq.length, ...[...labels.keys()].map((k) => k + 1));
    let noImage = 0;
    for (let idx = 0; idx < n; idx++) {
      const image = seq.names[idx];
      const va = labels.get(idx);
      if (!image && !va) continue;
      const frameId = mf.put(idx, { path: image ?? null });
      if (va) w.addVa(frameId, va[0], va[1]);
      if (va && !image) noImage++;
    }
    if (noImage) sum.warn(`${relPath(clip.root, clip.dir)}: ${noImage} annotated frames have no image`, 'missing-image');
    w.setFrameCount(mediaId);
    await ctx.progress(c + 1, clips.length, 'clips');
  }
}
