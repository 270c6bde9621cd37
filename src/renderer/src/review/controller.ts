// The review screen's state and commands: one controller per opened media item. Components read
// its snapshot through `useReview` and call its methods; keyboard shortcuts, buttons and the
// timeline all go through the same methods, so a command does the same thing however it was given.
import { useSyncExternalStore } from 'react';
import type { HistoryEntry, MediaDetail, WorkKind, WorkOrder, WorkTask } from '../../../shared/review-contract';
import type { ReviewCriteria } from '../../../shared/review-criteria';
import { AppError } from '../../../shared/result';
import { api, call, on } from '../api';
import { authorArg, ensureAnnotator } from '../session';
import { getState, reportError, subscribe } from '../store';
import type { FrameClock } from './clock';
import { storeCriteria, storedCriteria } from './criteria-store';
import { scopeArgs, type NamedEdit } from './edit-actions';
import { FrameCache } from './frame-cache';
import { editMeasured, seekRequested } from './perf';
import { WriteQueue, type WriteQueueState } from './write-queue';
import { TraceController } from './trace-pass';
import type { Input } from '../../../shared/contract';
import { decodeTimestamps, FrameTimes } from '../../../shared/frame-times';

export const RATES = [0.1, 0.25, 0.5, 1, 1.5, 2, 4];

export interface ReviewState {
  media: MediaDetail;
  frame: number;
  settled: boolean;
  playing: boolean;
  rate: number;
  modelId: number | null;
  selection: { from: number; to: number } | null;
  /** In-point of a selection being made with I / O. */
  anchor: number | null;
  view: { from: number; to: number };
  /** The work queue: which frames, for which task, walked strongest first or by frame. */
  work: { kind: WorkKind; task: WorkTask; order: WorkOrder };
  /** The limits of "uncertain" and "disagrees" in force (the user's, remembered). */
  criteria: ReviewCriteria;
  /** Where the last jump of the walk landed: its position in the queue, and the queue's length then. */
  walk: { frame: number; score: number; rank: number; remaining: number } | null;
  canUndo: boolean;
  canRedo: boolean;
  toast: { text: string; kind: 'info' | 'warn' } | null;
  help: boolean;
  overlay: boolean;
  history: HistoryEntry[];
  /** Bumped when labels changed anywhere (the overview and counts re-read). */
  labelsVersion: number;
  /** Bumped when frame data arrived (the overlay and timeline re-read the cache). */
  dataVersion: number;
  /** Edits, undos and redos sent but not stored yet (kept and re-sent while the database is busy). */
  saving: WriteQueueState;
}

export class ReviewController {
  readonly times: FrameTimes;
  cache: FrameCache;
  private state: ReviewState;
  private clock: FrameClock | null = null;
  private readonly subs = new Set<() => void>();
  private readonly offs: (() => void)[] = [];
  private toastTimer: ReturnType<typeof setTimeout> | null = null;
  private historyTimer: ReturnType<typeof setTimeout> | null = null;
  private recentlyRefreshed = new Map<string, number>();
  private pendingFrame: number;
  /** The player's <video> (null for image frames): the trace pass samples its presented frames. */
  video: HTMLVideoElement | null = null;
  /** Continuous valence/arousal tracing (trace-pass.ts). */
  readonly trace: TraceController;
  /** Writes in order; it outlives the controller so that leaving the screen loses no edit. */
  private readonly writes = new WriteQueue((saving) => {
    // one line when the database turns busy; the toolbar keeps showing the pending count
    if (saving.waiting && !this.state.saving.waiting && saving.message) this.toast(saving.message, 'warn');
    this.set({ saving });
  });

  constructor(media: MediaDetail, frame: number) {
    this.times = new FrameTimes(media.timestamps ? decodeTimestamps(media.timestamps) : null, media.ptsOffset, media.fps, media.frameCount);
    const start = this.times.clamp(frame);
    this.pendingFrame = start;
    const modelId = media.defaultModelId;
    this.cache = this.makeCache(media, modelId);
    this.state = {
      media,
      frame: start,
      settled: false,
      playing: false,
      rate: 1,
      modelId,
      selection: null,
      anchor: null,
      view: { from: 0, to: Math.max(0, this.times.count - 1) },
      work: { kind: 'disagree', task: 'any', order: 'strength' },
      criteria: storedCriteria(),
      walk: null,
      canUndo: false,
      canRedo: false,
      toast: null,
      help: false,
      overlay: true,
      history: [],
      labelsVersion: 0,
      dataVersion: 0,
      saving: this.writes.snapshot,
    };
    this.trace = new TraceController(this);
    this.offs.push(
      on('labels.changed', (p) => {
        if (p.mediaId !== media.id) return;
        this.afterChange(p.from, p.to);
      }),
    );
    // Another annotator name (File → Annotator name…): undo and redo are now that annotator's.
    let annotator = getState().annotator;
    this.offs.push(
      subscribe(() => {
        if (getState().annotator === annotator) return;
        annotator = getState().annotator;
        this.loadHistorySoon(0);
      }),
    );
    // closing the window with edits not stored yet asks first
    const beforeUnload = (e: BeforeUnloadEvent) => {
      if (this.writes.snapshot.pending > 0) e.preventDefault();
    };
    window.addEventListener('beforeunload', beforeUnload);
    this.offs.push(() => window.removeEventListener('beforeunload', beforeUnload));
    void this.cache.ensure(start);
    void call('labels.history', { mediaId: media.id, frame: start, limit: 20, ...authorArg() }).then(
      (h) => this.set({ canUndo: h.canUndo, canRedo: h.canRedo, history: h.frame }),
      reportError,
    );
  }

  private makeCache(media: MediaDetail, modelId: number | null): FrameCache {
    const c = new FrameCache(media.id, modelId, this.times.count, reportError);
    c.subscribe(() => this.set({ dataVersion: c.version }));
    return c;
  }

  // ---------- store ----------
  get snapshot(): ReviewState {
    return this.state;
  }
  subscribe = (fn: () => void): (() => void) => {
    this.subs.add(fn);
    return () => this.subs.delete(fn);
  };
  private set(patch: Partial<ReviewState>): void {
    this.state = { ...this.state, ...patch };
    for (const s of this.subs) s();
  }

  destroy(): void {
    this.trace.destroy();
    for (const f of this.offs) f();
    this.clock?.destroy();
    if (this.toastTimer) clearTimeout(this.toastTimer);
    if (this.historyTimer) clearTimeout(this.historyTimer);
  }

  // ---------- player ----------
  attachClock(clock: FrameClock | null): void {
    this.clock = clock;
    if (clock) clock.seek(this.pendingFrame);
    else if (this.state.media.missing) this.jump(this.pendingFrame);
  }

  /** The clock's report: the frame on screen and whether it is where it was asked to be. */
  clockState = (s: { frame: number; settled: boolean; playing: boolean }): void => {
    if (s.frame < 0) return;
    const changed = s.frame !== this.state.frame;
    this.set({ frame: s.frame, settled: s.settled, playing: s.playing });
    if (changed) void this.cache.ensure(s.frame, s.playing ? 2 : 1);
    if (s.settled) {
      const hash = `#/review/${this.state.media.id}?frame=${s.frame}`;
      if (location.hash.startsWith('#/review/') && location.hash !== hash) history.replaceState(null, '', hash);
      this.loadHistorySoon();
    }
    if (changed) this.followPlayhead(s.frame);
  };

  jump(frame: number): void {
    const f = this.times.clamp(frame);
    seekRequested(f);
    this.pendingFrame = f;
    // Ask for the frame's labels while the player seeks, not after.
    void this.cache.ensure(f);
    // Without a picture (the file is missing) the labels can still be reviewed frame by frame.
    if (this.clock) this.clock.seek(f);
    else this.clockState({ frame: f, settled: true, playing: false });
  }
  step(n: number): void {
    // Steps continue from where the last request was headed, so fast repeats do not lose steps.
    const base = this.state.settled || this.state.playing ? this.state.frame : this.pendingFrame;
    this.jump(base + n);
  }
  togglePlay(): void {
    if (!this.clock) return;
    if (this.state.playing) this.clock.pause();
    else this.clock.play();
  }
  setRate(rate: number): void {
    this.clock?.setRate(rate);
    this.set({ rate });
    this.toast(`Speed ${rate}×`);
  }
  changeRate(dir: 1 | -1): void {
    const i = RATES.indexOf(this.state.rate);
    this.setRate(RATES[Math.max(0, Math.min(RATES.length - 1, (i < 0 ? 3 : i) + dir))]);
  }

  // ---------- view, selection, model, panels ----------
  setView(from: number, to: number): void {
    const n = this.times.count;
    const span = Math.max(Math.min(n, 30), Math.min(n, Math.round(to - from)));
    const f = Math.max(0, Math.min(n - span, Math.round(from)));
    this.set({ view: { from: f, to: Math.max(f, f + span - 1) } });
  }
  zoom(factor: number, at = this.state.frame): void {
    const { from, to } = this.state.view;
    const span = (to - from + 1) * factor;
    const rel = (at - from) / Math.max(1, to - from + 1);
    this.setView(at - rel * span, at - rel * span + span);
  }
  fit(): void {
    this.set({ view: { from: 0, to: Math.max(0, this.times.count - 1) } });
  }
  private followPlayhead(frame: number): void {
    const { from, to } = this.state.view;
    if (frame >= from && frame <= to) return;
    const span = to - from;
    this.setView(frame - span * 0.1, frame - span * 0.1 + span + 1);
  }
  setSelection(sel: { from: number; to: number } | null): void {
    this.set({ selection: sel && sel.to < sel.from ? { from: sel.to, to: sel.from } : sel, anchor: null });
  }
  markIn(): void {
    const sel = this.state.selection;
    this.set({ anchor: this.state.frame, selection: sel ? { from: this.state.frame, to: Math.max(this.state.frame, sel.to) } : null });
  }
  markOut(): void {
    const a = this.state.anchor ?? this.state.selection?.from ?? this.state.frame;
    this.setSelection({ from: Math.min(a, this.state.frame), to: Math.max(a, this.state.frame) });
  }
  setModel(modelId: number | null): void {
    this.cache = this.makeCache(this.state.media, modelId);
    this.set({ modelId, walk: null, labelsVersion: this.state.labelsVersion + 1 });
    void this.cache.ensure(this.state.frame);
  }
  /** Another queue, task or order: the walk starts again at the top. */
  setWork(work: Partial<ReviewState['work']>): void {
    this.set({ work: { ...this.state.work, ...work }, walk: null });
  }
  /** New limits (remembered for next time): the counts re-read, the walk starts again. */
  setCriteria(criteria: ReviewCriteria): void {
    storeCriteria(criteria);
    this.set({ criteria, walk: null, labelsVersion: this.state.labelsVersion + 1 });
  }
  toggleHelp(open?: boolean): void {
    this.set({ help: open ?? !this.state.help });
  }
  toggleOverlay(): void {
    this.set({ overlay: !this.state.overlay });
  }
  toast(text: string, kind: 'info' | 'warn' = 'info'): void {
    if (this.toastTimer) clearTimeout(this.toastTimer);
    this.set({ toast: { text, kind } });
    this.toastTimer = setTimeout(() => this.set({ toast: null }), 2600);
  }

  // ---------- edits ----------
  // Edits, undo and redo go through one queue: sent in order, shown as pending (state.saving) until
  // stored, and sent again while the backend answers 'busy' (another process is writing).
  async edit(e: NamedEdit): Promise<void> {
    const { args, label } = scopeArgs({ frame: this.state.frame, selection: this.state.selection });
    const at = this.state.frame;
    // Every label is written as its annotator's (asked once per machine); no name, nothing written.
    const author = await ensureAnnotator();
    if (!author) {
      this.toast(`${e.name}: not saved — give your annotator name first`, 'warn');
      return;
    }
    const input = { mediaId: this.state.media.id, name: e.name, at, ...args, change: e.change, author };
    const t0 = performance.now();
    await this.writes.push({
      send: () => api.call('labels.edit', input),
      stored: (r) => {
        editMeasured(t0, r.ms);
        this.set({ canUndo: r.canUndo, canRedo: r.canRedo });
        if (!r.action) {
          this.toast(`${e.name}: nothing to change on ${label}`, 'warn');
          return;
        }
        this.toast(`${e.name} · ${label}`);
        this.afterChange(r.action.from, r.action.to, true);
      },
      failed: (err) => reportError(new AppError(err.code, err.message, err.details)),
    });
  }

  /** A trace pass (trace-pass.ts) stored as one action, through the same queue as edits. */
  async writeTrace(input: Input<'labels.trace'>, storedAs: (author: string | null) => void): Promise<void> {
    await this.writes.push({
      send: () => api.call('labels.trace', input),
      stored: (r) => {
        this.set({ canUndo: r.canUndo, canRedo: r.canRedo });
        if (!r.action) {
          this.toast('Trace: nothing changed', 'warn');
          return;
        }
        storedAs(r.action.author);
        const skipped = r.skipped ? ` · ${r.skipped} skipped (no value of the other axis)` : '';
        this.toast(`Traced ${r.written} frames (${r.action.from}–${r.action.to})${skipped}`);
        this.afterChange(r.action.from, r.action.to, true);
      },
      failed: (err) => reportError(new AppError(err.code, err.message, err.details)),
    });
  }

  async undoRedo(which: 'undo' | 'redo'): Promise<void> {
    const mediaId = this.state.media.id;
    await this.writes.push({
      // undo and redo are the annotator's own (another annotator's actions are not on this stack)
      send: () => api.call(which === 'undo' ? 'labels.undo' : 'labels.redo', { mediaId, ...authorArg() }),
      stored: (r) => {
        this.set({ canUndo: r.canUndo, canRedo: r.canRedo });
        if (!r.action) {
          this.toast(which === 'undo' ? 'Nothing to undo' : 'Nothing to redo', 'warn');
          return;
        }
        this.toast(`${which === 'undo' ? 'Undid' : 'Redid'} “${r.action.name}”`);
        this.afterChange(r.action.from, r.action.to, true);
        this.jump(r.action.frame);
      },
      failed: (err) => reportError(new AppError(err.code, err.message, err.details)),
    });
  }

  /** Labels of [from, to] changed: re-read them (once, whether the answer or the event came first). */
  private afterChange(from: number, to: number, own = false): void {
    const key = `${from}:${to}`;
    const now = performance.now();
    const last = this.recentlyRefreshed.get(key);
    if (!own && last !== undefined && now - last < 1000) return;
    this.recentlyRefreshed.set(key, now);
    if (this.recentlyRefreshed.size > 64) this.recentlyRefreshed.clear();
    void this.cache.refresh(from, to);
    this.set({ labelsVersion: this.state.labelsVersion + 1 });
    this.loadHistorySoon(0);
  }

  private loadHistorySoon(ms = 120): void {
    if (this.historyTimer) clearTimeout(this.historyTimer);
    this.historyTimer = setTimeout(() => {
      const frame = this.state.frame;
      call('labels.history', { mediaId: this.state.media.id, frame, limit: 20, ...authorArg() }).then(
        (h) => this.set({ canUndo: h.canUndo, canRedo: h.canRedo, history: frame === this.state.frame ? h.frame : this.state.history }),
        reportError,
      );
    }, ms);
  }

  // ---------- finding work ----------
  // Strongest first, the walk goes on from where its last jump landed (a frame corrected there has
  // left the queue, yet the next one is the one after it); by frame, from the playhead.
  async nextWork(direction: 'next' | 'previous'): Promise<void> {
    const { kind, task, order } = this.state.work;
    const walk = order === 'strength' ? this.state.walk : null;
    try {
      const r = await call('review.next', {
        mediaId: this.state.media.id,
        kind,
        task,
        from: walk ? walk.frame : this.state.frame,
        direction,
        modelId: this.state.modelId,
        order,
        criteria: this.state.criteria,
        ...(walk ? { fromScore: walk.score } : {}),
      });
      if (r.frame === null || r.score === null || r.rank === null) {
        const where = order === 'strength' ? (direction === 'next' ? 'weaker' : 'stronger') : direction;
        this.toast(`No ${where} ${kind} frame${task === 'any' ? '' : ` for ${task.toUpperCase()}`} (${r.remaining} in all)`, 'warn');
        return;
      }
      this.set({ walk: { frame: r.frame, score: r.score, rank: r.rank, remaining: r.remaining } });
      this.jump(r.frame);
    } catch (err) {
      reportError(err);
    }
  }
}

export function useReview<T>(c: ReviewController, select: (s: ReviewState) => T): T {
  return useSyncExternalStore(c.subscribe, () => select(c.snapshot));
}
