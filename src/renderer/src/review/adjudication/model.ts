// The review screen's adjudicator mode (issue 15): which role the user works in (remembered per
// machine), the queue of disagreements (task, scope, thresholds — remembered — counts, the list),
// the current frame's annotators side by side, and the decisions. One AdjudicationModel per review
// controller; components read its snapshot through `useAdjudication` and call its methods. The rule
// of what is queued is the backend's (src/shared/adjudication.ts); nothing is recomputed here.
import { useEffect, useState, useSyncExternalStore } from 'react';
import { DEFAULT_ADJUDICATION_THRESHOLDS, type AdjudicationThresholds } from '../../../../shared/adjudication';
import type { AdjudicationChoice, AdjudicationCounts, AdjudicationTask, FrameTaskView, QueueItem } from '../../../../shared/adjudication-contract';
import type { Output } from '../../../../shared/contract';
import type { Task } from '../../../../shared/labels';
import { AppError } from '../../../../shared/result';
import { api, call } from '../../api';
import { navigate } from '../../router';
import { ensureAnnotator } from '../../session';
import { reportError } from '../../store';
import type { ReviewController } from '../controller';

export type Role = 'annotator' | 'adjudicator';
export type Scope = 'media' | 'dataset';

const ROLE_KEY = 'aw.review.role';
const PREFS_KEY = 'aw.adjudication';

export interface AdjudicationState {
  role: Role;
  task: AdjudicationTask;
  scope: Scope;
  thresholds: AdjudicationThresholds;
  /** Why the thresholds last typed were refused (the backend's message), or null. */
  thresholdError: string | null;
  counts: AdjudicationCounts | null;
  /** Open frames in this media item / in the scope under the task filter. */
  openHere: number | null;
  openInScope: number | null;
  policy: string | null;
  /** The queue's first items in the scope (the list). */
  items: QueueItem[];
  /** The frame the panel shows, and its tasks. */
  view: { frame: number; tasks: FrameTaskView[] } | null;
  /** A decision being sent. */
  busy: boolean;
}

interface Prefs {
  task: AdjudicationTask;
  scope: Scope;
  thresholds: AdjudicationThresholds;
}

function read<T>(key: string, fallback: T, check: (v: unknown) => v is T): T {
  try {
    const raw = localStorage.getItem(key);
    if (raw === null) return fallback;
    const v: unknown = JSON.parse(raw);
    return check(v) ? v : fallback;
  } catch {
    return fallback;
  }
}

function write(key: string, v: unknown): void {
  try {
    localStorage.setItem(key, JSON.stringify(v));
  } catch {
    /* not remembered: storage refused */
  }
}

const isRole = (v: unknown): v is Role => v === 'annotator' || v === 'adjudicator';
const isPrefs = (v: unknown): v is Prefs => {
  const p = v as Prefs | null;
  return !!p && typeof p === 'object' && ['au', 'expr', 'va', 'any'].includes(p.task) && ['media', 'dataset'].includes(p.scope) && !!p.thresholds && typeof p.thresholds.va === 'number';
};

/** The role remembered on this machine; its own tiny store so the review bar can switch it. */
let role: Role = read(ROLE_KEY, 'annotator', isRole);
const roleSubs = new Set<() => void>();
export function setRole(next: Role): void {
  role = next;
  write(ROLE_KEY, next);
  for (const s of roleSubs) s();
}
export function useRole(): Role {
  return useSyncExternalStore(
    (fn) => {
      roleSubs.add(fn);
      return () => roleSubs.delete(fn);
    },
    () => role,
  );
}

export class AdjudicationModel {
  private state: AdjudicationState;
  private readonly subs = new Set<() => void>();
  private readonly offs: (() => void)[] = [];
  private refreshTimer: ReturnType<typeof setTimeout> | null = null;
  private viewRequest = 0;

  constructor(private readonly c: ReviewController) {
    const prefs = read<Prefs>(PREFS_KEY, { task: 'any', scope: 'dataset', thresholds: DEFAULT_ADJUDICATION_THRESHOLDS }, isPrefs);
    this.state = { role, ...prefs, thresholdError: null, counts: null, openHere: null, openInScope: null, policy: null, items: [], view: null, busy: false };
  }

  /** Follows the screen (the frame, label changes, the role) while mounted; stop() undoes it. */
  start(): void {
    this.stop();
    const c = this.c;
    // the frame on screen and any label change re-read the panel (debounced) and the queue
    let frame = c.snapshot.frame;
    let version = c.snapshot.labelsVersion;
    this.offs.push(
      c.subscribe(() => {
        const s = c.snapshot;
        if (s.frame !== frame || s.labelsVersion !== version) {
          const labels = s.labelsVersion !== version;
          frame = s.frame;
          version = s.labelsVersion;
          this.schedule(labels);
        }
      }),
    );
    const onRole = () => {
      this.set({ role });
      if (role === 'adjudicator') this.schedule(true, 0);
    };
    roleSubs.add(onRole);
    this.offs.push(() => roleSubs.delete(onRole));
    onRole();
  }

  get snapshot(): AdjudicationState {
    return this.state;
  }
  subscribe = (fn: () => void): (() => void) => {
    this.subs.add(fn);
    return () => this.subs.delete(fn);
  };
  private set(patch: Partial<AdjudicationState>): void {
    this.state = { ...this.state, ...patch };
    for (const s of this.subs) s();
  }
  stop(): void {
    for (const f of this.offs.splice(0)) f();
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
  }

  private prefs(): void {
    write(PREFS_KEY, { task: this.state.task, scope: this.state.scope, thresholds: this.state.thresholds });
  }
  setTask(task: AdjudicationTask): void {
    this.set({ task });
    this.prefs();
    this.schedule(true, 0);
  }
  setScope(scope: Scope): void {
    this.set({ scope });
    this.prefs();
    this.schedule(true, 0);
  }
  /** New thresholds: kept only when the backend accepts them (it names what is wrong otherwise). */
  async setThresholds(t: AdjudicationThresholds): Promise<boolean> {
    const r = await api.call('adjudication.queue', { ...this.scopeArgs(), thresholds: t, limit: 1 });
    if (!r.ok) {
      this.set({ thresholdError: r.error.message });
      return false;
    }
    this.set({ thresholds: r.value.thresholds, thresholdError: null });
    this.prefs();
    this.schedule(true, 0);
    return true;
  }

  private scopeArgs(): { mediaId: number } | { datasetId: number } {
    const m = this.c.snapshot.media;
    return this.state.scope === 'media' ? { mediaId: m.id } : { datasetId: m.datasetId };
  }

  private schedule(queue: boolean, ms = 150): void {
    if (this.state.role !== 'adjudicator') return;
    void this.loadView();
    if (!queue) return;
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => void this.loadQueue(), ms);
  }

  private async loadView(): Promise<void> {
    const mine = ++this.viewRequest;
    const frame = this.c.snapshot.frame;
    try {
      const v = await call('adjudication.frame', { mediaId: this.c.snapshot.media.id, frame, thresholds: this.state.thresholds });
      if (mine === this.viewRequest) this.set({ view: { frame, tasks: v.tasks }, policy: v.policy });
    } catch (e) {
      reportError(e);
    }
  }

  private async loadQueue(): Promise<void> {
    const m = this.c.snapshot.media;
    const { task, thresholds } = this.state;
    try {
      const [scope, here] = await Promise.all([
        call('adjudication.queue', { ...this.scopeArgs(), task, thresholds, limit: 200 }),
        this.state.scope === 'media' ? null : call('adjudication.queue', { mediaId: m.id, task, thresholds, limit: 1 }),
      ]);
      const open = (q: Output<'adjudication.queue'>) => q.media.reduce((s, x) => s + x.open, 0);
      this.set({ counts: scope.counts, policy: scope.policy, items: scope.items, openInScope: open(scope), openHere: open(here ?? scope) });
    } catch (e) {
      reportError(e);
    }
  }

  /** The next / previous queued frame from the one on screen (in another media item: opens it there). */
  async walk(direction: 'next' | 'previous'): Promise<void> {
    const m = this.c.snapshot.media;
    try {
      const q = await call('adjudication.queue', {
        ...this.scopeArgs(),
        task: this.state.task,
        thresholds: this.state.thresholds,
        from: { mediaId: m.id, frame: this.c.snapshot.frame },
        direction,
        limit: 1,
      });
      const it = q.items[0];
      if (!it) {
        this.c.toast(`No ${direction} disagreement ${this.state.scope === 'media' ? 'in this media item' : 'in the dataset'}`, 'warn');
        return;
      }
      this.goto(it);
    } catch (e) {
      reportError(e);
    }
  }

  goto(it: { mediaId: number; frame: number }): void {
    if (it.mediaId === this.c.snapshot.media.id) this.c.jump(it.frame);
    else navigate({ name: 'review', mediaId: it.mediaId, frame: it.frame });
  }

  /** The adjudicator's final word for one task of the frame on screen (or the selection), as the
   * annotator named on this machine — the name undo and redo use too (session.ensureAnnotator). */
  async decide(task: Task, choice: AdjudicationChoice): Promise<void> {
    // the adjudicator is the annotator named on this machine (asked once), as for every write
    const author = await ensureAnnotator();
    if (!author) {
      this.c.toast('Not adjudicated: give your name first', 'warn');
      return;
    }
    const s = this.c.snapshot;
    const frames = s.selection ? Array.from({ length: Math.min(10_000, s.selection.to - s.selection.from + 1) }, (_, i) => s.selection!.from + i) : [s.frame];
    this.set({ busy: true });
    try {
      const r = await api.call('adjudication.decide', { mediaId: s.media.id, frames, task, choice, at: s.frame, author });
      if (!r.ok) throw new AppError(r.error.code, r.error.message, r.error.details);
      this.c.toast(r.value.action ? `${r.value.action.name} · ${frames.length === 1 ? `frame ${frames[0]}` : `${frames.length} frames`}` : 'Nothing to change', r.value.action ? 'info' : 'warn');
      this.schedule(true, 0);
    } catch (e) {
      reportError(e);
    } finally {
      this.set({ busy: false });
    }
  }
}

/** The adjudication model of a review screen: one per controller, following it while mounted. */
export function useAdjudicationModel(c: ReviewController): AdjudicationModel {
  const [m] = useState(() => new AdjudicationModel(c));
  useEffect(() => {
    m.start();
    return () => m.stop();
  }, [m]);
  return m;
}

export function useAdjudication<T>(m: AdjudicationModel, select: (s: AdjudicationState) => T): T {
  return useSyncExternalStore(m.subscribe, () => select(m.snapshot));
}
