// A continuous valence/arousal trace pass (issue 15, item 4; CARMA/DARMA, the Aff-Wild2 protocol):
// T starts it — from the frame on screen, or over the selected range (redoing it) — the video plays
// at the pass's speed and, once per DISPLAYED frame
// (requestVideoFrameCallback on the <video>; its mediaTime → the frame index through the stored
// frame times), the pointer's place on the trace pad, or a gamepad stick, is sampled
// (src/shared/trace.ts: at most one sample per frame, the value in force at the frame's presentation
// time from the pointer's timestamped events; frames the page was too busy to be told of, or that a
// busy player dropped, are filled with the value in force when they were due). T again, Esc, pausing or the end of the video
// ends it, and the samples go to the backend as ONE undoable action (`labels.trace`) through the
// screen's write queue. While recording, the <video> carries data-trace="recording" (set in the
// same task as the start and end, so a test's own frame callbacks can tell which frames were in it).
import { padToVa, stickToVa, TraceRecorder, ValueHistory, type TraceAxes, type TraceSpeed } from '../../../shared/trace';
import { annotatorName, authorArg } from '../session';
import type { ReviewController } from './controller';

export type TraceSource = 'pointer' | 'gamepad';

export interface TraceState {
  /** Recording now. */
  active: boolean;
  speed: TraceSpeed;
  axes: TraceAxes;
  source: TraceSource;
  /** Samples of the pass running (or of the last one). */
  samples: number;
  /** The value under the pointer / stick now (shown on the pad). */
  cursor: { valence: number; arousal: number } | null;
  /** The annotator the last pass was stored as (the timeline's "you"). */
  author: string | null;
  /** Bumped when a smoothed layer was (re)computed: the timeline's lane re-reads. */
  derivedVersion: number;
}

const SETTINGS_KEY = 'aw.review.trace';

function storedSettings(): Pick<TraceState, 'speed' | 'axes' | 'source'> {
  const d = { speed: 0.5 as TraceSpeed, axes: 'both' as TraceAxes, source: 'pointer' as TraceSource };
  try {
    const j = JSON.parse(localStorage.getItem(SETTINGS_KEY) ?? '{}') as Record<string, unknown>;
    return {
      speed: [0.25, 0.5, 0.75, 1].includes(j.speed as number) ? (j.speed as TraceSpeed) : d.speed,
      axes: j.axes === 'valence' || j.axes === 'arousal' || j.axes === 'both' ? j.axes : d.axes,
      source: j.source === 'gamepad' ? 'gamepad' : d.source,
    };
  } catch {
    return d;
  }
}

export class TraceController {
  private state: TraceState;
  private readonly subs = new Set<() => void>();
  private recorder: TraceRecorder | null = null;
  private rvfc: { video: HTMLVideoElement; id: number } | null = null;
  private rateBefore = 1;
  /** The pad's value under the pointer over time (every pointer event, coalesced ones included). */
  private readonly history = new ValueHistory();
  private pad: HTMLElement | null = null;
  /** The pad's margin around the [-1, 1]² square (Circumplex.tsx). */
  private margin = 14;
  private readonly offPointer: () => void;
  private readonly offState: () => void;

  constructor(private readonly c: ReviewController) {
    this.state = { active: false, samples: 0, cursor: null, author: annotatorName() ?? null, derivedVersion: 0, ...storedSettings() };
    const move = (e: PointerEvent) => {
      if (!this.pad) return;
      const box = this.pad.getBoundingClientRect();
      const events = e.getCoalescedEvents?.() ?? [];
      for (const x of events.length ? events : [e]) this.history.push({ t: x.timeStamp, ...padToVa(x.clientX - box.left, x.clientY - box.top, box.width, this.margin) });
      if (!this.state.active) this.set({ cursor: this.point() });
    };
    window.addEventListener('pointermove', move, { capture: true, passive: true });
    this.offPointer = () => window.removeEventListener('pointermove', move, { capture: true });
    // Pausing (Space, the end of the video) ends the pass: nothing is shown, nothing to trace.
    this.offState = c.subscribe(() => {
      if (this.state.active && !c.snapshot.playing) this.stop();
    });
  }

  get snapshot(): TraceState {
    return this.state;
  }
  subscribe = (fn: () => void): (() => void) => {
    this.subs.add(fn);
    return () => this.subs.delete(fn);
  };
  private set(patch: Partial<TraceState>): void {
    this.state = { ...this.state, ...patch };
    for (const s of this.subs) s();
  }

  configure(patch: Partial<Pick<TraceState, 'speed' | 'axes' | 'source'>>): void {
    if (this.state.active) return;
    this.set(patch);
    try {
      localStorage.setItem(SETTINGS_KEY, JSON.stringify({ speed: this.state.speed, axes: this.state.axes, source: this.state.source }));
    } catch {
      /* not remembered */
    }
  }

  derivedChanged(): void {
    this.set({ derivedVersion: this.state.derivedVersion + 1 });
  }

  /** The trace pad (its box maps the pointer to valence/arousal); `margin` as the Circumplex draws it. */
  attachPad(el: HTMLElement | null, margin = 14): void {
    this.pad = el;
    this.margin = margin;
  }

  /**
   * The value the pass samples for a frame presented at time t (ms): the pointer's value on the pad
   * then (the pad's centre before any move), or the stick of the first connected gamepad now (a
   * gamepad has no event history).
   */
  point(t = performance.now()): { valence: number; arousal: number } {
    if (this.state.source === 'gamepad') {
      const pad = [...(navigator.getGamepads?.() ?? [])].find((g) => g && g.connected && g.axes.length >= 2);
      return pad ? stickToVa(pad.axes[0], pad.axes[1]) : { valence: 0, arousal: 0 };
    }
    return this.history.at(t) ?? { valence: 0, arousal: 0 };
  }

  toggle(): void {
    if (this.state.active) this.stop();
    else this.start();
  }

  start(): void {
    if (this.state.active) return;
    const video = this.c.video;
    if (!video || this.c.snapshot.media.kind !== 'video') {
      this.c.toast('Tracing needs a video: image frames have no playback clock', 'warn');
      return;
    }
    if (this.state.source === 'pointer' && !this.pad) {
      this.c.toast('Tracing needs the trace pad: show the correction panel', 'warn');
      return;
    }
    // With a selection, the pass redoes that range: it starts once the player rests on its first
    // frame (no frame of the old position is sampled) and ends after its last.
    const range = this.c.snapshot.selection;
    if (range && !(this.c.snapshot.settled && !this.c.snapshot.playing && this.c.snapshot.frame === range.from)) {
      this.c.jump(range.from);
      const off = this.c.subscribe(() => {
        const s = this.c.snapshot;
        if (s.settled && !s.playing && s.frame === range.from) {
          off();
          this.start();
        } else if (s.selection !== range) off();
      });
      return;
    }
    const recorder = new TraceRecorder(this.c.times, this.state.axes, this.state.speed, range);
    this.recorder = recorder;
    video.dataset.trace = 'recording';
    const cb: VideoFrameRequestCallback = (_now, meta) => {
      if (this.recorder !== recorder) return;
      if (recorder.presented(meta, (t) => this.point(t))) this.set({ samples: recorder.size, cursor: this.point(meta.presentationTime) });
      if (range && recorder.frame >= range.to) {
        this.stop();
        return;
      }
      this.rvfc = { video, id: video.requestVideoFrameCallback(cb) };
    };
    this.rvfc = { video, id: video.requestVideoFrameCallback(cb) };
    this.rateBefore = this.c.snapshot.rate;
    this.c.setRate(this.state.speed);
    if (!this.c.snapshot.playing) this.c.togglePlay();
    // active only once playing: the controller's state changes on the way are not a pause
    this.set({ active: true, samples: 0 });
    const over = range ? ` over frames ${range.from}–${range.to}` : '';
    this.c.toast(`Tracing ${this.state.axes === 'both' ? 'valence/arousal' : this.state.axes}${over} at ${this.state.speed}× — T or Esc ends the pass`);
  }

  /** Ends the pass: stops sampling at once, pauses, and stores the samples as one action. */
  stop(): void {
    const recorder = this.recorder;
    if (!this.state.active || !recorder) return;
    this.recorder = null;
    const video = this.rvfc?.video ?? null;
    if (this.rvfc) {
      this.rvfc.video.cancelVideoFrameCallback(this.rvfc.id);
      delete this.rvfc.video.dataset.trace;
    }
    this.rvfc = null;
    this.set({ active: false });
    if (this.c.snapshot.playing) this.c.togglePlay();
    this.c.setRate(this.rateBefore);
    const samples = recorder.samples();
    // for support and tests: how the pass was sampled
    if (video) Object.assign(video.dataset, { traceCallbacks: String(recorder.callbacks), traceRecovered: String(recorder.recovered), traceDropped: String(recorder.dropped), traceUnfilled: String(recorder.unfilled) });
    if (!samples.length) {
      this.c.toast('The pass ended before a frame was shown: nothing traced', 'warn');
      return;
    }
    void this.c.writeTrace(
      { mediaId: this.c.snapshot.media.id, axes: recorder.axes, speed: this.state.speed, at: this.c.snapshot.frame, samples, ...authorArg() },
      (who) => this.set({ author: who }),
    );
  }

  destroy(): void {
    if (this.rvfc) {
      this.rvfc.video.cancelVideoFrameCallback(this.rvfc.id);
      delete this.rvfc.video.dataset.trace;
    }
    this.recorder = null;
    this.offPointer();
    this.offState();
  }
}
