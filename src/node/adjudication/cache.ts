// The adjudication queue's verdicts kept between calls: the adjudicator walks the queue one frame at
// a time (Q), and re-reading and re-judging every annotation of a dataset per key press costs seconds
// on 50,000 frames. Per media item the annotations are kept, and the verdicts under the policy and
// thresholds last asked for. They follow
//  - our own writes: `labels.changed` (edits, undo/redo, decisions, traces) re-reads that range;
//  - other processes' writes: SQLite's `PRAGMA data_version` changes when another connection
//    committed (an import job, another window's backend): then everything is read again.
// The rule itself is not here: verdicts come from queue.ts (src/shared/adjudication.ts).
import type { AdjudicationThresholds } from '../../shared/adjudication';
import type { Annotation, AnnotatorPolicy } from '../../shared/annotators';
import type { Verdict } from '../../shared/adjudication';
import type { Task } from '../../shared/labels';
import type { Db } from '../store/database';
import { annotationsOf, frameVerdicts, type FrameVerdicts, type VerdictSource } from './queue';

interface Entry {
  annotations: Map<number, Map<Task, Annotation[]>>;
  /** The policy and thresholds the verdicts are for. */
  key: string | null;
  verdicts: Map<number, Map<Task, Verdict>>;
  /** The verdicts in frame order, rebuilt after a change. */
  ordered: FrameVerdicts[] | null;
}

const KEEP = 64;

export class AdjudicationCache {
  private readonly media = new Map<number, Entry>();
  private version: number;

  constructor(private readonly db: Db) {
    this.version = this.dataVersion();
  }

  private dataVersion(): number {
    return this.db.pragma('data_version', { simple: true }) as number;
  }

  /** Another connection committed since the last look: nothing kept can be trusted. */
  private checkOthers(): void {
    const v = this.dataVersion();
    if (v !== this.version) {
      this.media.clear();
      this.version = v;
    }
  }

  private entry(mediaId: number): Entry {
    let e = this.media.get(mediaId);
    if (e) {
      // most recently used last
      this.media.delete(mediaId);
      this.media.set(mediaId, e);
      return e;
    }
    e = { annotations: annotationsOf(this.db, mediaId), key: null, verdicts: new Map(), ordered: null };
    this.media.set(mediaId, e);
    while (this.media.size > KEEP) this.media.delete(this.media.keys().next().value as number);
    return e;
  }

  /** The queue's source of verdicts (adjudicationQueue's third argument). */
  readonly source: VerdictSource = (mediaId: number, policy: AnnotatorPolicy, thr: AdjudicationThresholds): readonly FrameVerdicts[] => {
    this.checkOthers();
    const e = this.entry(mediaId);
    const key = `${policy}\n${thr.au}\n${thr.expr}\n${thr.va}`;
    if (e.key !== key) {
      e.verdicts = new Map([...e.annotations].map(([frame, tasks]) => [frame, frameVerdicts(tasks, policy, thr)]));
      e.key = key;
      e.ordered = null;
    }
    e.ordered ??= [...e.verdicts.keys()].sort((a, b) => a - b).map((frame) => ({ frame, verdicts: e.verdicts.get(frame)! }));
    return e.ordered;
  };

  /** Frames [from, to] of a media item changed (our own write): re-read them, re-judge under the kept key. */
  refresh(mediaId: number, from: number, to: number): void {
    const e = this.media.get(mediaId);
    if (!e) return;
    const drop = (m: Map<number, unknown>) => {
      if (to - from < m.size) for (let f = from; f <= to; f++) m.delete(f);
      else for (const f of [...m.keys()]) if (f >= from && f <= to) m.delete(f);
    };
    drop(e.annotations);
    drop(e.verdicts);
    const fresh = annotationsOf(this.db, mediaId, from, to);
    for (const [f, tasks] of fresh) e.annotations.set(f, tasks);
    if (e.key !== null) {
      const [policy, au, expr, va] = e.key.split('\n');
      const thr = { au: Number(au), expr: Number(expr), va: Number(va) };
      for (const [f, tasks] of fresh) e.verdicts.set(f, frameVerdicts(tasks, policy as AnnotatorPolicy, thr));
    }
    e.ordered = null;
  }

  /** Everything read again on next use (a job finished: it may have written annotations). */
  drop(): void {
    this.media.clear();
  }
}
