// What the timeline draws, in one shape for both sources: the backend's bucket aggregates (zoomed
// out: a 50,000-frame video is a few thousand numbers) and per-frame windows from the frame cache
// (zoomed in). Bucket b covers frames [from + ⌊b·L/B⌋, from + ⌊(b+1)·L/B⌋), L = to − from + 1.
import { NUM_AUS } from '../../../shared/labels';
import type { OverviewOutput, WindowFrame } from '../../../shared/review-contract';
import { argmax, auDisagrees, auUncertain, exprDisagrees, exprUncertain, vaDisagrees, vaUncertain, type ReviewCriteria } from '../../../shared/review-criteria';

/** Provenance codes for colouring: 0 ground truth, 1 corrected, 2 accepted model label. */
export const PROV = { imported: 0, human: 1, accepted: 2 } as const;

export interface TimelineData {
  from: number;
  to: number;
  buckets: number;
  /** [AU][bucket]: share active among labelled (NaN: none labelled); model mean probability (NaN: none). */
  auLabel: Float32Array[];
  auModel: Float32Array[];
  /** Provenance of each task's label per bucket (per-frame data; aggregates: 1 where most frames are corrected). */
  prov: { au: Uint8Array; expr: Uint8Array; va: Uint8Array };
  exprLabel: Int8Array;
  exprModel: Int8Array;
  exprShare: Float32Array;
  vLabel: Float32Array;
  aLabel: Float32Array;
  vModel: Float32Array;
  aModel: Float32Array;
  /** Shares of the bucket's frames: corrected by a human, no face / unusable, disagreeing, uncertain. */
  human: Float32Array;
  noFace: Float32Array;
  disagree: Float32Array;
  uncertain: Float32Array;
  /** True when every frame the data should hold was loaded (the first complete draw is timed). */
  complete: boolean;
}

function empty(from: number, to: number, buckets: number): TimelineData {
  const f = () => new Float32Array(buckets).fill(NaN);
  return {
    from,
    to,
    buckets,
    auLabel: Array.from({ length: NUM_AUS }, f),
    auModel: Array.from({ length: NUM_AUS }, f),
    prov: { au: new Uint8Array(buckets), expr: new Uint8Array(buckets), va: new Uint8Array(buckets) },
    exprLabel: new Int8Array(buckets).fill(-1),
    exprModel: new Int8Array(buckets).fill(-1),
    exprShare: new Float32Array(buckets),
    vLabel: f(),
    aLabel: f(),
    vModel: f(),
    aModel: f(),
    human: new Float32Array(buckets),
    noFace: new Float32Array(buckets),
    disagree: new Float32Array(buckets),
    uncertain: new Float32Array(buckets),
    complete: true,
  };
}

const num = (x: number | null) => (x === null ? NaN : x);

export function fromOverview(o: OverviewOutput): TimelineData {
  const d = empty(o.from, o.to, o.buckets);
  for (let b = 0; b < o.buckets; b++) {
    const n = Math.max(1, o.frames[b]);
    for (let k = 0; k < NUM_AUS; k++) {
      d.auLabel[k][b] = num(o.auLabel[k][b]);
      d.auModel[k][b] = num(o.auModel[k][b]);
    }
    const p = o.human[b] * 2 > n ? PROV.human : PROV.imported;
    d.prov.au[b] = p;
    d.prov.expr[b] = p;
    d.prov.va[b] = p;
    d.exprLabel[b] = o.exprLabel[b];
    d.exprModel[b] = o.exprModel[b];
    d.exprShare[b] = o.exprModelShare[b];
    d.vLabel[b] = num(o.vLabel[b]);
    d.aLabel[b] = num(o.aLabel[b]);
    d.vModel[b] = num(o.vModel[b]);
    d.aModel[b] = num(o.aModel[b]);
    d.human[b] = o.human[b] / n;
    d.noFace[b] = o.noFace[b] / n;
    d.disagree[b] = o.disagree[b] / n;
    d.uncertain[b] = o.uncertain[b] / n;
  }
  return d;
}

/** One bucket per frame from the frame cache; frames not loaded yet stay empty (and mark the data incomplete). */
export function fromFrames(from: number, to: number, get: (f: number) => WindowFrame | undefined, thr: readonly number[], c: ReviewCriteria): TimelineData {
  const d = empty(from, to, to - from + 1);
  for (let b = 0; b < d.buckets; b++) {
    const w = get(from + b);
    if (!w) {
      d.complete = false;
      continue;
    }
    const m = w.m;
    const au = w.au?.v ?? null;
    for (let k = 0; k < NUM_AUS; k++) {
      if (au && au[k] >= 0) d.auLabel[k][b] = au[k];
      if (m) d.auModel[k][b] = m.au[k];
    }
    d.prov.au[b] = PROV[w.au?.p ?? 'imported'];
    d.prov.expr[b] = PROV[w.expr?.p ?? 'imported'];
    d.prov.va[b] = PROV[w.va?.p ?? 'imported'];
    if (w.expr?.v !== null && w.expr?.v !== undefined) d.exprLabel[b] = w.expr.v;
    if (w.va && w.va.v !== null && w.va.a !== null) {
      d.vLabel[b] = w.va.v;
      d.aLabel[b] = w.va.a;
    }
    const noFace = w.face === 'none' || w.face === 'unusable';
    if (m) {
      const top = argmax(m.expr);
      d.exprModel[b] = top;
      d.exprShare[b] = m.expr[top];
      d.vModel[b] = m.v;
      d.aModel[b] = m.a;
      // Like the backend's queues: frames without a usable face, and labels a human decided, are never work.
      const open = { au: (w.au?.p ?? 'imported') === 'imported', expr: (w.expr?.p ?? 'imported') === 'imported', va: (w.va?.p ?? 'imported') === 'imported' };
      const dis =
        (open.au && au !== null && auDisagrees(m.au, thr, au, c)) ||
        (open.expr && w.expr?.v != null && exprDisagrees(m.expr, w.expr.v, c)) ||
        (open.va && w.va?.v != null && w.va.a !== null && vaDisagrees(m.v, m.a, w.va.v, w.va.a, c));
      d.disagree[b] = dis && !noFace ? 1 : 0;
      const unc = (open.au && auUncertain(m.au, thr, c)) || (open.expr && exprUncertain(m.expr, c)) || (open.va && vaUncertain(m.vb, m.ab, c));
      d.uncertain[b] = !noFace && unc ? 1 : 0;
    }
    d.human[b] = w.au?.p === 'human' || w.expr?.p === 'human' || w.va?.p === 'human' || w.au?.p === 'accepted' || w.expr?.p === 'accepted' ? 1 : 0;
    d.noFace[b] = noFace ? 1 : 0;
  }
  return d;
}
