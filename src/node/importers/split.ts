// Splits: folder names of the distributed layouts (ABAW's Train_Set / Validation_Set / Test_Set,
// FER-style train/val/test) and split manifests for flat layouts.
import fs from 'node:fs';
import path from 'node:path';
import { SPLITS, type Split } from '../../shared/labels';
import { checkCell, trimCell } from './cells';
import { fileError, inputError } from './errors';

const ALIASES: Record<string, Split> = {
  train: 'train',
  training: 'train',
  train_set: 'train',
  training_set: 'train',
  val: 'val',
  valid: 'val',
  validation: 'val',
  val_set: 'val',
  validation_set: 'val',
  publictest: 'val', // FER2013's public test set is the usual validation split
  test: 'test',
  test_set: 'test',
  testing: 'test',
  privatetest: 'test',
};

/** The split a folder or manifest value names, or null. */
export function parseSplit(s: string): Split | null {
  return ALIASES[s.trim().toLowerCase()] ?? null;
}

/** When one video carries several splits (ABAW splits per task), the most held-out one wins: test > val > train. */
export function strictestSplit(splits: Iterable<Split>): Split {
  let best: Split = 'train';
  for (const s of splits) if (SPLITS.indexOf(s) > SPLITS.indexOf(best)) best = s;
  return best;
}

export type SplitManifest = Map<string, Split>;

/**
 * Reads a split manifest: JSON `{ "name": "train", … }`, `[{ "name", "split" }, …]` or
 * `{ "videos": [{ "name", "split" }, …] }` (the demo dataset's demo.json), or a CSV/TSV of
 * `name,split` lines (a header line `name,split` is optional).
 */
export function loadManifest(file: string): SplitManifest {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw fileError(file, `cannot read the split manifest (${(e as Error).message})`);
  }
  const shown = path.basename(file);
  const out: SplitManifest = new Map();
  const put = (name: unknown, split: unknown, where: string | number) => {
    if (typeof name !== 'string' || name === '') throw inputError(shown, where, 'a non-empty name', JSON.stringify(name));
    checkCell(name, shown, where, 'a name');
    const s = typeof split === 'string' ? parseSplit(split) : null;
    if (!s) throw inputError(shown, where, 'a split train, val or test', String(split));
    if (out.has(name) && out.get(name) !== s) throw inputError(shown, where, `one split per name ("${name}" is also ${out.get(name)})`, String(split));
    out.set(name, s);
  };
  if (/^\s*[[{]/.test(text)) {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw fileError(shown, `invalid JSON (${(e as Error).message})`);
    }
    const list = Array.isArray(json) ? json : (json as { videos?: unknown }).videos;
    if (Array.isArray(list)) {
      list.forEach((e: unknown, i) => {
        const o = (e ?? {}) as { name?: unknown; split?: unknown };
        put(o.name, o.split, `entry ${i}`);
      });
    } else if (json && typeof json === 'object') {
      for (const [k, v] of Object.entries(json)) put(k, v, `key "${k}"`);
    } else {
      throw fileError(shown, 'expected a JSON object or array');
    }
    return out;
  }
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '') return;
    const cells = line.split(/[,\t]/).map(trimCell);
    if (i === 0 && cells[1]?.toLowerCase() === 'split') return;
    if (cells.length !== 2) throw inputError(shown, i + 1, 'two columns name,split', line);
    put(cells[0], cells[1], i + 1);
  });
  return out;
}

/** The split of `name`: the manifest's, else the --split option, else train. */
export function flatSplit(name: string, manifest: SplitManifest | null, fallback: Split | undefined, onMissing: () => void): Split {
  const s = manifest?.get(name);
  if (s) return s;
  if (manifest) onMissing();
  return fallback ?? 'train';
}
