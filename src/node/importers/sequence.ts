// Image-sequence folders, Aff-Wild2 `cropped_aligned/<video>/00001.jpg` style: the number in a
// file name is the 1-based frame number (00001.jpg = frame index 0). A frame without an image had
// no detectable face; the importers keep it and mark it face = 'none'.
import { listDir, relPath } from './fsnames';
import type { SummaryBuilder } from './summary';
import { parseIndex } from './cells';

export interface SequenceImages {
  /** names[idx] = file name of frame idx, or undefined where the image is missing. */
  names: (string | undefined)[];
  /** Images found. */
  count: number;
  /** 1 + the highest frame index with an image (0 when there is none). */
  length: number;
}

const FRAME_IMAGE = /^(\d+)\.(jpe?g|png|webp|bmp|tiff?)$/i;

/** Lists a frame folder; `base` is the number of the first frame (1 for Aff-Wild2 and DISFA, 0 for AFEW-VA). */
export function listSequence(dir: string, root: string, sum: SummaryBuilder, base: 0 | 1 = 1): SequenceImages {
  const names: (string | undefined)[] = [];
  let count = 0;
  const shownDir = relPath(root, dir);
  for (const e of listDir(dir, (bad) => sum.skip('non-utf8-name', 1, `${shownDir}/${bad}: file name is not valid UTF-8; skipped`))) {
    if (!e.isFile) continue;
    const m = FRAME_IMAGE.exec(e.name);
    if (!m) {
      sum.skip('not-a-frame-image', 1, `${shownDir}/${e.name}: not a numbered frame image (expected e.g. 00001.jpg); skipped`);
      continue;
    }
    const n = parseIndex(m[1]);
    if (n === null) {
      sum.skip('not-a-frame-image', 1, `${shownDir}/${e.name}: frame number out of range; skipped`);
      continue;
    }
    if (n < base) {
      sum.skip('frame-number-0', 1, `${shownDir}/${e.name}: frame numbers start at 1 (00001.jpg); skipped`);
      continue;
    }
    const idx = n - base;
    if (names[idx] !== undefined) {
      sum.skip('duplicate-frame-image', 1, `${shownDir}/${e.name}: frame ${n} also has ${names[idx]}; kept the first`);
      continue;
    }
    names[idx] = e.name;
    count++;
  }
  return { names, count, length: names.length };
}
