// Sequences and windows: how per-frame samples become the fixed-length inputs of the GRUs, and how
// the predictions of overlapping windows become one prediction per frame. Pure functions, no tf.
//
// A sequence is the usable frames of one video (or image sequence) in frame order. Frames without
// a face or crop are simply absent (the GRU sees the remaining frames back to back, as the
// reference code did with Aff-Wild2's cropped_aligned folders). Frames of image datasets have no
// temporal neighbours: each one is a sequence of its own (used at inference only).
//
// Windows start at 0, stride, 2·stride, … and stop at the first window that reaches the end of the
// sequence, so a window never lies entirely inside the previous one; the last window (and any
// sequence shorter than a window) is shorter than `window` and is padded by the caller.
import { SOFT_LABEL_WIDTH } from '../../shared/labels';
import { addProbabilities, meanProbabilityRecord } from '../../shared/softlabels';
import type { SampleSet } from '../../shared/samples';

export interface Sequence {
  mediaId: number;
  /** Rows of the sample set, in frame-index order. */
  rows: Int32Array;
}

export interface Window {
  /** Rows of the sample set covered by the window, in order; fewer than `window` at a sequence end. */
  rows: Int32Array;
}

export interface WindowSpan {
  start: number;
  length: number;
}

/** Media kinds with temporal order; frames of other media (image datasets) are single-frame sequences. */
export const SEQUENCE_KINDS: readonly string[] = ['video', 'sequence'];

/** The window spans over a sequence of n frames. */
export function windowSpans(n: number, window: number, stride: number): WindowSpan[] {
  if (!(window >= 1 && stride >= 1 && stride <= window)) throw new Error(`bad window ${window} / stride ${stride}`);
  const out: WindowSpan[] = [];
  for (let start = 0; start < n; start += stride) {
    out.push({ start, length: Math.min(window, n - start) });
    if (start + window >= n) break;
  }
  return out;
}

/**
 * Groups rows of `s` (all rows, or `rows`) into sequences: per media in frame-index order when
 * `isSequence(mediaId)`, else one sequence per row. Sequences come in media-id order.
 */
export function sequencesOf(s: SampleSet, isSequence: (mediaId: number) => boolean, rows?: readonly number[]): Sequence[] {
  const byMedia = new Map<number, number[]>();
  const singles: number[] = [];
  const all = rows ?? Array.from({ length: s.n }, (_, i) => i);
  for (const r of all) {
    const m = s.mediaId[r];
    if (!isSequence(m)) {
      singles.push(r);
      continue;
    }
    let list = byMedia.get(m);
    if (!list) byMedia.set(m, (list = []));
    list.push(r);
  }
  const out: Sequence[] = [];
  for (const m of [...byMedia.keys()].sort((a, b) => a - b)) {
    const list = byMedia.get(m)!.sort((a, b) => s.idx[a] - s.idx[b] || a - b);
    out.push({ mediaId: m, rows: Int32Array.from(list) });
  }
  for (const r of singles.sort((a, b) => s.mediaId[a] - s.mediaId[b] || s.idx[a] - s.idx[b])) {
    out.push({ mediaId: s.mediaId[r], rows: Int32Array.of(r) });
  }
  return out;
}

/** Every window of every sequence. */
export function windowsOf(seqs: readonly Sequence[], window: number, stride: number): Window[] {
  const out: Window[] = [];
  for (const q of seqs) {
    for (const w of windowSpans(q.rows.length, window, stride)) out.push({ rows: q.rows.subarray(w.start, w.start + w.length) });
  }
  return out;
}

/**
 * Per-frame records from window predictions: for each output row, the mean probability over the
 * windows covering it (AU sigmoid; EXPR, V, A softmax), re-expressed as a record like an
 * ensemble's (AU logit of the mean, log of the mean elsewhere), so it reads like any model's.
 * Accumulates window by window, so inference never holds more than the n per-frame records.
 */
export class WindowMerger {
  private readonly sums: Float32Array;
  private readonly counts: Uint16Array;

  constructor(readonly n: number) {
    this.sums = new Float32Array(n * SOFT_LABEL_WIDTH);
    this.counts = new Uint16Array(n);
  }

  /** Adds one window: `rows[t]` (an output row in [0, n)) got the record at `records[(at + t)·55]`. */
  add(rows: ArrayLike<number>, records: Float32Array, at: number): void {
    const sum = this.sums;
    for (let t = 0; t < rows.length; t++) {
      const row = rows[t];
      const src = (at + t) * SOFT_LABEL_WIDTH;
      const dst = row * SOFT_LABEL_WIDTH;
      this.counts[row]++;
      addProbabilities(records, src, sum, dst);
    }
  }

  /** The merged records (n × 55); every row must have been covered. Converts in place: call once. */
  finish(): Float32Array {
    const out = this.sums;
    for (let row = 0; row < this.n; row++) {
      const c = this.counts[row];
      if (c === 0) throw new Error(`row ${row} is covered by no window`);
      meanProbabilityRecord(out, row * SOFT_LABEL_WIDTH, c, out, row * SOFT_LABEL_WIDTH);
    }
    return out;
  }
}

/**
 * WindowMerger over all windows at once: `records` holds `window` consecutive 55-float records per
 * window (records of padded steps are ignored); `windows[k].rows` are output rows in [0, n).
 */
export function mergeWindowRecords(n: number, windows: readonly { rows: ArrayLike<number> }[], records: Float32Array, window: number): Float32Array {
  if (records.length !== windows.length * window * SOFT_LABEL_WIDTH) {
    throw new Error(`expected ${windows.length} × ${window} records, got ${records.length / SOFT_LABEL_WIDTH}`);
  }
  const m = new WindowMerger(n);
  windows.forEach((w, k) => m.add(w.rows, records, k * window));
  return m.finish();
}
