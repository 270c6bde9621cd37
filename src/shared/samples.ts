// The samples the learning core trains and evaluates on: frames with their effective labels in
// columnar arrays (millions of frames fit in a few tens of MB). Where they come from is the Node
// layer's business (src/node/labels/samples.ts reads them from a project).
import { NUM_AUS, type Split, type Task } from './labels';

/** Per dataset id, per task: keep one frame in N (Aff-Wild2's ÷10 / ÷5 downsampling). */
export type DownsampleFactors = Map<number, Partial<Record<Task, number>>>;

export interface SampleSet {
  n: number;
  frameId: Int32Array;
  mediaId: Int32Array;
  idx: Int32Array;
  datasetId: Int32Array;
  /** n × 8: 1/0 per model AU, −1 unlabelled. */
  au: Int8Array;
  /** class 0–6, −1 unlabelled. */
  expr: Int8Array;
  /** NaN where unlabelled (valence and arousal are labelled together). */
  valence: Float32Array;
  arousal: Float32Array;
  split: Split[];
}

/** `n` frames with no label yet (AU −1, EXPR −1, VA NaN); the caller fills ids, indices and splits. */
export function unlabelledSamples(n: number): SampleSet {
  return {
    n,
    frameId: new Int32Array(n),
    mediaId: new Int32Array(n),
    idx: new Int32Array(n),
    datasetId: new Int32Array(n).fill(1),
    au: new Int8Array(n * NUM_AUS).fill(-1),
    expr: new Int8Array(n).fill(-1),
    valence: new Float32Array(n).fill(NaN),
    arousal: new Float32Array(n).fill(NaN),
    split: new Array<Split>(n).fill('train'),
  };
}

export function hasTask(s: SampleSet, i: number, task: Task): boolean {
  if (task === 'expr') return s.expr[i] >= 0;
  if (task === 'va') return !Number.isNaN(s.valence[i]);
  for (let k = 0; k < NUM_AUS; k++) if (s.au[i * NUM_AUS + k] >= 0) return true;
  return false;
}

/** The rows of `s` that `keep` accepts, as a new set. */
export function subsetRows(s: SampleSet, keep: (row: number) => boolean): SampleSet {
  const rows: number[] = [];
  for (let i = 0; i < s.n; i++) if (keep(i)) rows.push(i);
  if (rows.length === s.n) return s;
  const pick = <T extends Int32Array | Int8Array | Float32Array>(a: T, w = 1): T => {
    const out = new (a.constructor as { new (n: number): T })(rows.length * w);
    rows.forEach((r, k) => out.set(a.subarray(r * w, (r + 1) * w), k * w));
    return out;
  };
  return {
    n: rows.length,
    frameId: pick(s.frameId),
    mediaId: pick(s.mediaId),
    idx: pick(s.idx),
    datasetId: pick(s.datasetId),
    au: pick(s.au, 8),
    expr: pick(s.expr),
    valence: pick(s.valence),
    arousal: pick(s.arousal),
    split: rows.map((r) => s.split[r]),
  };
}
