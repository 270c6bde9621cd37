// DISFA: per-subject, per-AU intensity files `SN001_au1.txt` (often in SN001/ folders), one line
// `frame,intensity` per video frame, frame numbers 1-based, intensity 0–5. Binarised at
// auThreshold (default 2: intensity ≥ 2 = active), recorded in the dataset settings. Every AU
// present is stored (DISFA has 12: 1, 2, 4, 5, 6, 9, 12, 15, 17, 20, 25, 26).
// A SOURCE is the ActionUnit_Labels folder (or a subject folder, or several).
import fs from 'node:fs';
import path from 'node:path';
import { auBit } from '../../shared/labels';
import { MAX_FRAME_INDEX, parseIndex } from './cells';
import type { ImportContext } from './context';
import { fileError, inputError } from './errors';
import { isDirectory, listDir, relPath } from './fsnames';
import { lineChunks } from './lines';
import { MediaResolver } from './media-resolve';
import { DISFA_DEFAULT_THRESHOLD } from './options';
import { flatSplit, loadManifest } from './split';

const AU_FILE = /^(.+?)_au(\d{1,2})\.txt$/i;
const LINE = /^[ \t]*(\d+)[ \t]*(?:,|[ \t])[ \t]*(\d+)[ \t]*$/;
const EXPECTED = 'a line "frame,intensity" with a 1-based frame number and an intensity 0..5';
const EXPECTED_FRAME = `a frame number up to ${MAX_FRAME_INDEX.toLocaleString('en-US')}`;

interface AuFile {
  au: number;
  file: string;
  shown: string;
  bytes: number;
}

export function scanDisfa(ctx: ImportContext, sources: string[]): Map<string, AuFile[]> {
  const subjects = new Map<string, AuFile[]>();
  const seen = new Map<string, string>();
  for (const src of sources) {
    if (!isDirectory(src)) throw fileError(src, 'is not a folder (expected DISFA\'s ActionUnit_Labels folder)');
    const root = path.dirname(src);
    const visit = (dir: string, depth: number) => {
      for (const e of listDir(dir, (bad) => ctx.sum.skip('non-utf8-name', 1, `${relPath(root, dir)}/${bad}: file name is not valid UTF-8; skipped`))) {
        if (e.isDir && depth < 2) visit(e.path, depth + 1);
        if (!e.isFile) continue;
        const m = AU_FILE.exec(e.name);
        if (!m) continue;
        const subject = m[1];
        const au = Number(m[2]);
        const shown = relPath(root, e.path);
        try {
          auBit(au);
        } catch {
          throw fileError(shown, `AU number ${au} is out of range 1..62`);
        }
        const key = `${subject.toLowerCase()}\0${au}`;
        if (seen.has(key)) throw fileError(shown, `duplicate AU${au} file for subject ${subject} (also ${seen.get(key)})`);
        seen.set(key, shown);
        const list = subjects.get(subject) ?? [];
        list.push({ au, file: e.path, shown, bytes: fs.statSync(e.path).size });
        subjects.set(subject, list);
      }
    };
    visit(src, 0);
  }
  return subjects;
}

export async function importDisfa(ctx: ImportContext, sources: string[]): Promise<void> {
  const { w, sum, opts } = ctx;
  // re-import without --au-threshold keeps the dataset's earlier threshold
  const earlier = w.existingSettings(ctx.datasetName).auThreshold;
  const threshold = opts.auThreshold ?? (typeof earlier === 'number' ? earlier : DISFA_DEFAULT_THRESHOLD);
  const subjects = scanDisfa(ctx, sources);
  if (subjects.size === 0) throw fileError(sources[0], 'has no DISFA AU files (SN001_au1.txt …)');
  const manifest = opts.manifest ? loadManifest(opts.manifest) : null;
  const datasetId = w.dataset(ctx.datasetName, 'disfa', sources[0], {
    auThreshold: threshold,
    binarise: `intensity >= ${threshold}`,
    downsample: { au: 1 },
    media: opts.videos ? 'videos' : opts.frames ? 'frames' : 'labels-only',
    lengthMismatch: opts.allowLengthMismatch ? 'allow' : 'error',
    sources,
  });
  sum.s.datasetId = datasetId;
  const resolver = new MediaResolver(ctx, datasetId);
  const prog = { done: 0, total: [...subjects.values()].flat().reduce((a, f) => a + f.bytes, 0) };

  for (const subject of [...subjects.keys()].sort()) {
    const files = subjects.get(subject)!.sort((a, b) => a.au - b.au);
    // intensities[a][frame-1] for AU file a; -1 = no line for that frame
    const intensities: Int8Array[] = [];
    const lengths: number[] = [];
    for (const f of files) {
      let vals = new Int8Array(8192).fill(-1);
      let max = 0;
      let before = 0;
      for (const chunk of lineChunks(f.file, { shown: f.shown })) {
        for (let i = 0; i < chunk.lines.length; i++) {
          const line = chunk.lines[i];
          const lineNo = chunk.first + i;
          if (/^[ \t]*$/.test(line)) continue;
          const m = LINE.exec(line);
          if (!m) throw inputError(f.shown, lineNo, EXPECTED, line);
          const frame = parseIndex(m[1]);
          const v = parseIndex(m[2], 5);
          if (frame === null) throw inputError(f.shown, lineNo, EXPECTED_FRAME, m[1]); // digits, but too many
          if (frame < 1 || v === null) throw inputError(f.shown, lineNo, EXPECTED, line);
          if (frame > vals.length) {
            const grown = new Int8Array(Math.max(frame, vals.length * 2)).fill(-1);
            grown.set(vals);
            vals = grown;
          }
          if (vals[frame - 1] !== -1) throw inputError(f.shown, lineNo, `a frame number not given before (frame ${frame} repeats)`, line);
          vals[frame - 1] = v;
          if (frame > max) max = frame;
          sum.s.rowsRead++;
        }
        prog.done += chunk.bytesDone - before;
        before = chunk.bytesDone;
        await ctx.progress(prog.done, prog.total, 'labels');
      }
      let gaps = 0;
      for (let k = 0; k < max; k++) if (vals[k] === -1) gaps++;
      if (gaps) sum.warn(`${f.shown}: ${gaps} frames between 1 and ${max} have no line; AU${f.au} is unlabelled there`, 'missing-frames');
      intensities.push(vals);
      lengths.push(max);
    }
    const n = Math.max(...lengths);
    if (new Set(lengths).size > 1) {
      sum.warn(`AU files of ${subject} differ in length (${files.map((f, i) => `AU${f.au}: ${lengths[i]}`).join(', ')})`, 'length-differs');
    }

    const split = flatSplit(subject, manifest, opts.split, () => sum.warn(`subject ${subject} is not in the manifest; put in ${opts.split ?? 'train'}`, 'not-in-manifest'));
    const target = await resolver.resolve(subject, split, files[0].file, subject, true);
    if (!target) continue;
    let usable = n;
    if (target.fixed !== null && n !== target.fixed) {
      const msg = `the AU files of ${subject} cover ${n} frames but ${target.what} has ${target.fixed}`;
      if (!opts.allowLengthMismatch) throw fileError(files[0].shown, `${msg}; pass --allow-length-mismatch to drop extra lines and leave missing frames unlabelled`);
      if (n > target.fixed) {
        sum.skip('beyond-last-frame', n - target.fixed, `${msg}: dropped frames ${target.fixed + 1}..${n}`);
        usable = target.fixed;
      } else sum.warn(`${msg}: the last ${target.fixed - n} frames are unlabelled`, 'length-mismatch');
    }
    if (target.fixed === null) target.mf.ensure(n, target.grow);

    const big = files.some((f) => f.au >= 53);
    const bit = files.map((f) => (big ? auBit(f.au) : 2 ** f.au));
    w.clearImported(target.mf.mediaId, 'au');
    for (let k = 0; k < usable; k++) {
      let mask: number | bigint = big ? 0n : 0;
      let bits: number | bigint = big ? 0n : 0;
      for (let a = 0; a < files.length; a++) {
        const v = k < intensities[a].length ? intensities[a][k] : -1;
        if (v < 0) continue;
        if (big) {
          mask = (mask as bigint) | (bit[a] as bigint);
          if (v >= threshold) bits = (bits as bigint) | (bit[a] as bigint);
        } else {
          mask = (mask as number) + (bit[a] as number);
          if (v >= threshold) bits = (bits as number) + (bit[a] as number);
        }
      }
      if (mask !== 0 && mask !== 0n) w.addAu(target.mf.id(k), mask, bits);
    }
    if (target.fixed === null) w.setFrameCount(target.mf.mediaId, target.mf.size);
  }
}
