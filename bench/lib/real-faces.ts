// The real-face sets the benches build their projects from (development data under ../shared/data,
// never committed): FER2013's training images (expression only) split by a fixed rule, and the
// CK+ AU faces (AU only) with their by-subject splits mapped onto ours. Nothing here writes to
// the shared data: the benches get a tree of symlinks or a derived manifest in their own folder.
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';

export const SHARED_DATA = path.resolve(import.meta.dirname, '..', '..', '..', 'shared', 'data');
export const FER_DIR = path.join(SHARED_DATA, 'fer2013-train');
export const CKPLUS_DIR = path.join(SHARED_DATA, 'ckplus-au');

/** FER2013's fixed held-out rule, per class in file-name order: i % 10 < 7 train, 7 val, 8–9 test. */
export const ferSplit = (i: number): 'train' | 'val' | 'test' => (i % 10 < 7 ? 'train' : i % 10 < 8 ? 'val' : 'test');

/**
 * Lays out `ferDir/<class>/*` as `dest/<split>/<class>/*` symlinks by ferSplit (the first
 * `perClass` files of each class in name order, all when 0), the tree the `images` importer reads.
 * Returns the number of images per split.
 */
export function ferSplitTree(ferDir: string, dest: string, perClass = 0): Record<string, number> {
  const counts: Record<string, number> = { train: 0, val: 0, test: 0 };
  for (const cls of fs.readdirSync(ferDir).sort()) {
    const all = fs.readdirSync(path.join(ferDir, cls)).sort();
    (perClass ? all.slice(0, perClass) : all).forEach((f, i) => {
      const split = ferSplit(i);
      fs.mkdirSync(path.join(dest, split, cls), { recursive: true });
      fs.symlinkSync(path.join(ferDir, cls, f), path.join(dest, split, cls, f));
      counts[split]++;
    });
  }
  return counts;
}

/** One in VAL_EVERY of CK+'s training subjects (sorted by id) becomes our validation split: ~20 %. */
export const CKPLUS_VAL_EVERY = 5;

/**
 * Our split of a CK+ subject, from its split in the CK+ manifest (the `split` column) and the
 * sorted ids of CK+'s training subjects: CK+ `val` subjects are our held-out `test` (reported);
 * of its `train` subjects, those at sorted positions 4, 9, 14, … (one in CKPLUS_VAL_EVERY) are our
 * `val` (model selection, AU threshold tuning), the rest `train`. Subject-wise, so no person is on
 * two sides.
 */
export function ckplusSplit(ckSplit: string, subject: string, trainSubjects: readonly string[]): 'train' | 'val' | 'test' {
  if (ckSplit === 'val') return 'test';
  if (ckSplit !== 'train') throw new Error(`CK+ split "${ckSplit}" of subject ${subject}: expected train or val`);
  const k = trainSubjects.indexOf(subject);
  if (k < 0) throw new Error(`subject ${subject} is not among the CK+ training subjects`);
  return k % CKPLUS_VAL_EVERY === CKPLUS_VAL_EVERY - 1 ? 'val' : 'train';
}

export interface DerivedManifest {
  file: string;
  /** Faces and subjects per split of ours. */
  faces: Record<string, number>;
  subjects: Record<string, string[]>;
}

/**
 * Writes `dest` (a CSV the `csv` importer reads): CK+'s manifest `ckDir/labels.csv` with absolute
 * image paths and the split column mapped by ckplusSplit; every other column as it was.
 */
export function deriveCkplusManifest(ckDir: string, dest: string): DerivedManifest {
  const src = path.join(ckDir, 'labels.csv');
  const rows = parse(fs.readFileSync(src, 'utf8'), { skip_empty_lines: true }) as string[][];
  const [header, ...body] = rows;
  const col = (name: string) => {
    const i = header.findIndex((h) => h.trim().toLowerCase() === name);
    if (i < 0) throw new Error(`${src}: no "${name}" column`);
    return i;
  };
  const [pathCol, subjectCol, splitCol] = [col('path'), col('subject'), col('split')];
  const trainSubjects = [...new Set(body.filter((r) => r[splitCol].trim() === 'train').map((r) => r[subjectCol].trim()))].sort();
  const faces: Record<string, number> = { train: 0, val: 0, test: 0 };
  const subjects: Record<string, Set<string>> = { train: new Set(), val: new Set(), test: new Set() };
  const quote = (s: string) => (/[",\n\r]/.test(s) || s.startsWith('#') ? `"${s.replace(/"/g, '""')}"` : s);
  const out = [header.map(quote).join(',')];
  for (const r of body) {
    const subject = r[subjectCol].trim();
    const split = ckplusSplit(r[splitCol].trim(), subject, trainSubjects);
    faces[split]++;
    subjects[split].add(subject);
    const cells = [...r];
    cells[pathCol] = path.resolve(ckDir, r[pathCol].trim());
    cells[splitCol] = split;
    out.push(cells.map(quote).join(','));
  }
  fs.writeFileSync(dest, out.join('\n') + '\n');
  return { file: dest, faces, subjects: Object.fromEntries(Object.entries(subjects).map(([k, v]) => [k, [...v].sort()])) };
}
