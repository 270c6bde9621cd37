// Writers (and a small reader for tests) of Aff-Wild2 / ABAW annotation text files:
// a header line, then one line per video frame in frame order (line k after the header is frame
// k−1, i.e. image 0000k.jpg of the cropped_aligned folder).
//   AU_Set:   "AU1,AU2,...", then 0/1 per AU; an unlabelled frame is all -1.
//   EXPR_Set: "Neutral,Anger,Disgust,Fear,Happiness,Sadness,Surprise", then a class id; -1 = unlabelled.
//   VA_Set:   "valence,arousal", then two numbers in [-1, 1]; -5,-5 = unlabelled.
// ABAW 2020 (the paper's edition) uses the 8 AUs AU1,2,4,6,12,15,20,25; later editions use 12.

import { EXPRESSIONS } from '../../shared/labels';

export const EXPR_HEADER = EXPRESSIONS.join(',');
export const VA_HEADER = 'valence,arousal';
export const AU_UNLABELLED = -1;
export const EXPR_UNLABELLED = -1;
export const VA_UNLABELLED = -5;

export function auHeader(aus: readonly number[]): string {
  return aus.map((n) => `AU${n}`).join(',');
}

/** AU file text; `rows[f]` is one 0/1 per AU of the header, or null when frame f is unlabelled. */
export function auFileText(aus: readonly number[], rows: readonly (readonly (0 | 1)[] | null)[]): string {
  const none = aus.map(() => AU_UNLABELLED).join(',');
  return [auHeader(aus), ...rows.map((r) => (r ? r.join(',') : none))].join('\n') + '\n';
}

export function exprFileText(rows: readonly (number | null)[]): string {
  return [EXPR_HEADER, ...rows.map((r) => String(r ?? EXPR_UNLABELLED))].join('\n') + '\n';
}

/** Values are written in their shortest round-trip form (the demo rounds them to 4 decimals first). */
export function vaFileText(rows: readonly (readonly [number, number] | null)[]): string {
  return [VA_HEADER, ...rows.map((r) => (r ? `${r[0]},${r[1]}` : `${VA_UNLABELLED},${VA_UNLABELLED}`))].join('\n') + '\n';
}

/**
 * Parses any of the three files: the kind (from the header), the header names and one numeric
 * row per frame (AU: one value per AU, EXPR: one class id, VA: two values).
 */
export function parseAffWildText(text: string): { kind: 'au' | 'expr' | 'va'; header: string[]; rows: number[][] } {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length === 0) throw new Error('empty annotation file');
  const header = lines[0].split(',').map((s) => s.trim());
  const kind = header.every((h) => /^AU\d+$/i.test(h))
    ? 'au'
    : header.length === 2 && header[0].toLowerCase() === 'valence'
      ? 'va'
      : header[0].toLowerCase() === 'neutral'
        ? 'expr'
        : null;
  if (!kind) throw new Error(`unrecognised annotation header "${lines[0]}"`);
  const width = kind === 'expr' ? 1 : header.length;
  const rows = lines.slice(1).map((l, i) => {
    const vals = l.split(',').map((s) => Number(s.trim()));
    if (vals.length !== width || vals.some((v) => !Number.isFinite(v))) {
      throw new Error(`line ${i + 2}: expected ${width} number(s), got "${l}"`);
    }
    return vals;
  });
  return { kind, header, rows };
}
