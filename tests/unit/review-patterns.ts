// Deterministic labels and teacher outputs per frame index, shared by the review unit fixture and
// the review end-to-end seed, so tests on both sides recompute expected values by hand.
import { SOFT_LABEL_WIDTH } from '../../src/shared/labels';

export const THRESHOLDS = [0.5, 0.4, 0.6, 0.5, 0.3, 0.5, 0.7, 0.5];
/** Imported AU mask: AU1, AU2, AU4, AU12 labelled (plus AU9, which the model does not predict). */
export const AU_MASK = (1 << 1) | (1 << 2) | (1 << 4) | (1 << 9) | (1 << 12);

/** Imported labels of frame i (null = unlabelled for the task). */
export function importedOf(i: number): { auBits: number | null; expr: number | null; va: [number, number] | null } {
  return {
    auBits: i % 3 === 0 ? (i % 2 ? 1 << 12 : (1 << 1) | (1 << 9)) : null,
    expr: i % 4 === 1 ? i % 7 : null,
    va: i % 5 === 2 ? [Math.round((((i % 11) - 5) / 6) * 100) / 100, Math.round((((i % 9) - 4) / 5) * 100) / 100] : null,
  };
}

/** Teacher logits of frame i: varied enough to give agreements, disagreements and uncertainty. */
export function logitsOf(i: number): number[] {
  const v = new Array<number>(SOFT_LABEL_WIDTH);
  for (let k = 0; k < SOFT_LABEL_WIDTH; k++) v[k] = Math.round(Math.sin(i * 0.37 + k * 1.3) * 3 * 1000) / 1000;
  // Every 10th frame: a flat expression distribution (maximally uncertain).
  if (i % 10 === 0) for (let k = 8; k < 15; k++) v[k] = 0;
  return v;
}
