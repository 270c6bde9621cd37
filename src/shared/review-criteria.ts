// When is a frame worth an annotator's look? One definition, used by the backend's work queues and
// counts and by the renderer's overlay (which highlights the same disagreements it jumps to).
// Pure functions over model probabilities and 8-AU label vectors (1 / 0 / -1 unlabelled).
import { NUM_AUS, VA_BIN_CENTRES } from './labels';

/** An AU probability within this distance of its threshold is "near threshold". */
export const AU_UNCERTAIN_MARGIN = 0.1;
/** Expression distribution with normalised entropy (H / ln 7) at or above this is uncertain. */
export const EXPR_UNCERTAIN_ENTROPY = 0.7;
/** A VA bin distribution with standard deviation (in value units) at or above this is uncertain. */
export const VA_UNCERTAIN_SD = 0.3;
/** Model and label valence (or arousal) further apart than this disagree. */
export const VA_DISAGREE = 0.25;

export const DEFAULT_THRESHOLD = 0.5;

export function thresholdsOrDefault(t: readonly number[] | null | undefined): number[] {
  return Array.from({ length: NUM_AUS }, (_, k) => (t && Number.isFinite(t[k]) ? t[k] : DEFAULT_THRESHOLD));
}

/** Normalised entropy in [0, 1] of a probability vector. */
export function normalisedEntropy(p: ArrayLike<number>): number {
  let h = 0;
  for (let i = 0; i < p.length; i++) if (p[i] > 0) h -= p[i] * Math.log(p[i]);
  return p.length > 1 ? h / Math.log(p.length) : 0;
}

/** Standard deviation of a VA bin distribution over the bin centres. */
export function binSd(p: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < p.length; i++) m += p[i] * VA_BIN_CENTRES[i];
  let v = 0;
  for (let i = 0; i < p.length; i++) v += p[i] * (VA_BIN_CENTRES[i] - m) ** 2;
  return Math.sqrt(v);
}

export function argmax(p: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < p.length; i++) if (p[i] > p[best]) best = i;
  return best;
}

export function auUncertain(prob: ArrayLike<number>, thr: readonly number[]): boolean {
  for (let k = 0; k < NUM_AUS; k++) if (Math.abs(prob[k] - thr[k]) < AU_UNCERTAIN_MARGIN) return true;
  return false;
}

/** Which of the 8 AUs the model decides differently from a label (labelled AUs only). */
export function auDisagreements(prob: ArrayLike<number>, thr: readonly number[], label: ArrayLike<number>): boolean[] {
  return Array.from({ length: NUM_AUS }, (_, k) => label[k] >= 0 && (prob[k] >= thr[k] ? 1 : 0) !== label[k]);
}

export function auDisagrees(prob: ArrayLike<number>, thr: readonly number[], label: ArrayLike<number>): boolean {
  for (let k = 0; k < NUM_AUS; k++) if (label[k] >= 0 && (prob[k] >= thr[k] ? 1 : 0) !== label[k]) return true;
  return false;
}

export function exprUncertain(prob: ArrayLike<number>): boolean {
  return normalisedEntropy(prob) >= EXPR_UNCERTAIN_ENTROPY;
}

export function exprDisagrees(prob: ArrayLike<number>, label: number): boolean {
  return label >= 0 && argmax(prob) !== label;
}

export function vaUncertain(vBins: ArrayLike<number>, aBins: ArrayLike<number>): boolean {
  return binSd(vBins) >= VA_UNCERTAIN_SD || binSd(aBins) >= VA_UNCERTAIN_SD;
}

export function vaDisagrees(mv: number, ma: number, v: number, a: number): boolean {
  return Math.abs(mv - v) > VA_DISAGREE || Math.abs(ma - a) > VA_DISAGREE;
}
