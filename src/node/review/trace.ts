// Continuous valence/arousal traces (issue 15, item 4): a pass written as the annotator's
// valence/arousal in ONE undoable action through the label module's writer (HumanHistory, the
// annotator as author), every annotator's valence/arousal over a window for the timeline's lane,
// and the smoothed layer derived from a trace (table trace_derived, migration 0010), applied only
// on request (again one undoable action). The sampling rules are src/shared/trace.ts.
import type { AnnotatorRole as VaTrackRole } from '../../shared/annotators';
import type { ActionSummary } from '../../shared/review-contract';
import type { TraceAxes, TraceSample } from '../../shared/trace';
import { bucketOf, movingAverage } from '../../shared/trace';
import type { DerivedTrack, Smoothing, VaTrack } from '../../shared/trace-contract';
import { AppError } from '../../shared/result';
import type { Db } from '../store/database';
import { editTime, HumanHistory } from '../labels/human';
import { effective, framesInRange, readLayers, type HumanRow } from '../labels/rows';
import { actionSummary } from './undo';

/** A trace pass's rows in the annotator's layer (annotations.provenance, migration 0009). */
export const TRACE_PROVENANCE: HumanRow['provenance'] = 'trace';

type Va = { valence: number | null; arousal: number | null };

/** What a pass does to one frame of its range: write these values, remove the annotator's value, leave it, or skip (no value for the other axis). */
export type TraceStep = { kind: 'write'; valence: number; arousal: number } | { kind: 'remove' } | { kind: 'keep' } | { kind: 'skip' };

/**
 * THE rule of a pass over one frame of its range [first sample, last sample]:
 * - a sample of both axes is written as it is;
 * - a one-axis sample takes the other axis from the annotator's own value there, else from the
 *   value in force (what the lane and the circumplex showed); with neither it is skipped (a value
 *   with one axis missing would count as the annotator clearing the label);
 * - a frame the player skipped (no sample) loses the annotator's own value in a two-axis pass (the
 *   pass replaces their valence/arousal over its range) and keeps it in a one-axis pass.
 */
export function traceStep(sample: TraceSample | undefined, own: Va | null, inForce: Va | null, axes: TraceAxes): TraceStep {
  if (!sample) return axes === 'both' && own && (own.valence !== null || own.arousal !== null) ? { kind: 'remove' } : { kind: 'keep' };
  if (axes === 'both') return { kind: 'write', valence: sample.valence!, arousal: sample.arousal! };
  const other = axes === 'valence' ? 'arousal' : 'valence';
  const o = own?.[other] ?? inForce?.[other] ?? null;
  if (o === null) return { kind: 'skip' };
  return axes === 'valence' ? { kind: 'write', valence: sample.valence!, arousal: o } : { kind: 'write', valence: o, arousal: sample.arousal! };
}

export interface TraceRequest {
  mediaId: number;
  author: string;
  axes: TraceAxes;
  samples: TraceSample[];
  name: string;
  at?: number;
  /** Frames of the range without a sample: 'replace' applies traceStep's rule, 'keep' leaves them (applying a smoothed layer). */
  gaps: 'replace' | 'keep';
}

export interface TraceOutcome {
  action: ActionSummary | null;
  from: number;
  to: number;
  written: number;
  cleared: number;
  skipped: number;
}

function requireMedia(db: Db, mediaId: number): void {
  const ok = db.prepare(`SELECT 1 FROM media m JOIN datasets d ON d.id = m.dataset_id WHERE m.id = ? AND d.state = 'ready'`).get(mediaId);
  if (!ok) throw new AppError('not-found', `No media item with id ${mediaId}`);
}

/** Writes a pass (or an applied smoothed layer) in one IMMEDIATE transaction: one action, or none when nothing changed. */
export function applyTrace(db: Db, req: TraceRequest): TraceOutcome {
  requireMedia(db, req.mediaId);
  const first = req.samples[0].frame;
  const last = req.samples[req.samples.length - 1].frame;
  const run = db.transaction((): TraceOutcome => {
    const frames = framesInRange(db, req.mediaId, first, last);
    const byIdx = new Map(frames.map((f) => [f.idx, f]));
    const missing = req.samples.find((s) => !byIdx.has(s.frame));
    if (missing) throw new AppError('invalid-input', `Media ${req.mediaId} has no frame ${missing.frame}`);
    const now = editTime(db);
    const layers = readLayers(db, req.mediaId, frames, true);
    const h = new HumanHistory(db, { name: req.name, mediaId: req.mediaId, author: req.author, at: now, atFrame: req.at ?? first });
    const samples = new Map(req.samples.map((s) => [s.frame, s]));
    let written = 0;
    let cleared = 0;
    let skipped = 0;
    for (const f of frames) {
      const sample = samples.get(f.idx);
      if (!sample && req.gaps === 'keep') continue;
      const own = h.current(f.id, 'va');
      const step = traceStep(sample, own, effective(layers.get(f.id)?.get('va')), req.axes);
      if (step.kind === 'keep') continue;
      if (step.kind === 'skip') {
        skipped++;
        continue;
      }
      if (step.kind === 'remove') {
        if (h.set(f.id, f.idx, 'va', null, own)) cleared++;
        continue;
      }
      const row: HumanRow = {
        auMask: null,
        auBits: null,
        expr: null,
        valence: step.valence,
        arousal: step.arousal,
        provenance: TRACE_PROVENANCE,
        modelId: null,
        author: req.author,
        updatedAt: now,
      };
      if (h.set(f.id, f.idx, 'va', row, own)) written++;
    }
    const id = h.finish();
    return { action: id === null ? null : actionSummary(db, id), from: first, to: last, written, cleared, skipped };
  });
  return run.immediate();
}

/** The name of a pass in the history: "Trace valence/arousal at 0.5× (frames 10–80)". */
export function traceName(axes: TraceAxes, speed: number | undefined, from: number, to: number): string {
  const what = axes === 'both' ? 'valence/arousal' : axes;
  return `Trace ${what}${speed === undefined ? '' : ` at ${speed}×`} (frames ${from}–${to})`;
}

// ---------- every annotator's valence/arousal for the timeline ----------

interface Bucketed {
  vs: Float64Array;
  as: Float64Array;
  vn: Uint32Array;
  an: Uint32Array;
}
function bucketed(n: number): Bucketed {
  return { vs: new Float64Array(n), as: new Float64Array(n), vn: new Uint32Array(n), an: new Uint32Array(n) };
}
function add(b: Bucketed, k: number, v: number | null, a: number | null): void {
  if (v !== null) {
    b.vs[k] += v;
    b.vn[k]++;
  }
  if (a !== null) {
    b.as[k] += a;
    b.an[k]++;
  }
}
const r4 = (x: number) => Math.round(x * 1e4) / 1e4;
function means(b: Bucketed): { valence: (number | null)[]; arousal: (number | null)[] } {
  return {
    valence: Array.from(b.vs, (s, k) => (b.vn[k] ? r4(s / b.vn[k]) : null)),
    arousal: Array.from(b.as, (s, k) => (b.an[k] ? r4(s / b.an[k]) : null)),
  };
}

/**
 * Each annotator's stored valence/arousal (their own layer in `annotations`, cleared rows left out)
 * and each derived smoothed layer over frames [from, to], as bucket means under the timeline's
 * bucket rule (buckets = to − from + 1: one value per frame). A derived value counts only where its
 * annotator still has a value (an undone pass takes its smoothed layer out of sight with it).
 */
export function annotatorVa(db: Db, mediaId: number, from: number, to: number, buckets: number): { from: number; to: number; buckets: number; tracks: VaTrack[]; derived: DerivedTrack[] } {
  requireMedia(db, mediaId);
  const L = to - from + 1;
  const rows = db
    .prepare(
      `SELECT f.idx, a.annotator, a.role, a.valence, a.arousal, a.provenance
       FROM frames f JOIN annotations a ON a.frame_id = f.id AND a.task = 'va'
       WHERE f.media_id = ? AND f.idx BETWEEN ? AND ? AND (a.valence IS NOT NULL OR a.arousal IS NOT NULL)`,
    )
    .raw()
    .all(mediaId, from, to) as [number, string, VaTrackRole, number | null, number | null, string][];
  const tracks = new Map<string, { annotator: string; role: VaTrackRole; frames: number; traced: number; b: Bucketed }>();
  for (const [idx, annotator, role, v, a, prov] of rows) {
    const key = `${role}\n${annotator}`;
    let t = tracks.get(key);
    if (!t) tracks.set(key, (t = { annotator, role, frames: 0, traced: 0, b: bucketed(buckets) }));
    t.frames++;
    if (prov === 'trace') t.traced++;
    add(t.b, bucketOf(idx - from, L, buckets), v, a);
  }
  const drows = db
    .prepare(
      `SELECT f.idx, d.annotator, d.method, d.params, d.valence, d.arousal
       FROM frames f JOIN trace_derived d ON d.frame_id = f.id
       JOIN annotations a ON a.frame_id = f.id AND a.task = 'va' AND a.annotator = d.annotator AND a.role = 'annotator' AND a.valence IS NOT NULL
       WHERE f.media_id = ? AND f.idx BETWEEN ? AND ?`,
    )
    .raw()
    .all(mediaId, from, to) as [number, string, DerivedTrack['method'], string, number | null, number | null][];
  const derived = new Map<string, { annotator: string; method: DerivedTrack['method']; params: string; b: Bucketed }>();
  for (const [idx, annotator, method, params, v, a] of drows) {
    const key = `${method}\n${annotator}`;
    let d = derived.get(key);
    if (!d) derived.set(key, (d = { annotator, method, params, b: bucketed(buckets) }));
    add(d.b, bucketOf(idx - from, L, buckets), v, a);
  }
  const byName = <T extends { annotator: string }>(x: T, y: T) => (x.annotator < y.annotator ? -1 : x.annotator > y.annotator ? 1 : 0);
  return {
    from,
    to,
    buckets,
    tracks: [...tracks.values()].sort(byName).map((t) => ({ annotator: t.annotator, role: t.role, frames: t.frames, traced: t.traced, ...means(t.b) })),
    derived: [...derived.values()].sort(byName).map((d) => ({ annotator: d.annotator, method: d.method, params: d.params, ...means(d.b) })),
  };
}

// ---------- the smoothed layer ----------

export function smoothingParams(s: Smoothing): string {
  return `window ${s.window} frames`;
}

/**
 * (Re)computes an annotator's smoothed layer over [from, to] from their valence/arousal in
 * `annotations` (role annotator): the rows of that range and method are replaced. Returns the frames stored.
 */
export function smoothTrace(db: Db, mediaId: number, annotator: string, from: number, to: number, s: Smoothing): { frames: number; params: string } {
  requireMedia(db, mediaId);
  const params = smoothingParams(s);
  return db
    .transaction(() => {
      const rows = db
        .prepare(
          `SELECT f.id, f.idx, a.valence, a.arousal FROM frames f JOIN annotations a ON a.frame_id = f.id AND a.task = 'va' AND a.annotator = ? AND a.role = 'annotator'
           WHERE f.media_id = ? AND f.idx BETWEEN ? AND ? AND a.valence IS NOT NULL AND a.arousal IS NOT NULL ORDER BY f.idx`,
        )
        .raw()
        .all(annotator, mediaId, from, to) as [number, number, number, number][];
      db.prepare(
        `DELETE FROM trace_derived WHERE annotator = ? AND method = ? AND frame_id IN (SELECT id FROM frames WHERE media_id = ? AND idx BETWEEN ? AND ?)`,
      ).run(annotator, s.method, mediaId, from, to);
      if (!rows.length) return { frames: 0, params };
      const idx = rows.map((r) => r[1]);
      const v = movingAverage(
        idx,
        rows.map((r) => r[2]),
        s.window,
      );
      const a = movingAverage(
        idx,
        rows.map((r) => r[3]),
        s.window,
      );
      const put = db.prepare('INSERT INTO trace_derived(frame_id, annotator, method, valence, arousal, params, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
      const now = new Date().toISOString();
      rows.forEach((r, i) => put.run(r[0], annotator, s.method, v[i], a[i], params, now));
      return { frames: rows.length, params };
    })
    .immediate();
}

/** An annotator's smoothed layer over [from, to] as samples (to apply it), in frame order; only where they still have a value. */
export function derivedSamples(db: Db, mediaId: number, annotator: string, method: string, from: number, to: number): { samples: TraceSample[]; params: string | null } {
  const rows = db
    .prepare(
      `SELECT f.idx, d.valence, d.arousal, d.params FROM frames f JOIN trace_derived d ON d.frame_id = f.id AND d.annotator = ? AND d.method = ?
       JOIN annotations a ON a.frame_id = f.id AND a.task = 'va' AND a.annotator = d.annotator AND a.role = 'annotator' AND a.valence IS NOT NULL
       WHERE f.media_id = ? AND f.idx BETWEEN ? AND ? AND d.valence IS NOT NULL AND d.arousal IS NOT NULL ORDER BY f.idx`,
    )
    .raw()
    .all(annotator, method, mediaId, from, to) as [number, number, number, string][];
  return { samples: rows.map(([frame, valence, arousal]) => ({ frame, valence, arousal })), params: rows[0]?.[3] ?? null };
}
