// The trace section of the correction panel: the pad the pointer traces on (a larger circumplex),
// the pass's speed, axes and input, start / end (T), and the smoothed layer: computed from the
// annotator's trace and stored apart (its own timeline lane), applied only by the button (one
// undoable action). The pass itself is trace-pass.ts.
import { useCallback, useState, useSyncExternalStore } from 'react';
import { TRACE_AXES, TRACE_SPEEDS, type TraceAxes, type TraceSpeed } from '../../../shared/trace';
import type { WindowFrame } from '../../../shared/review-contract';
import { call } from '../api';
import { reportError } from '../store';
import { Circumplex, CIRCUMPLEX_MARGIN } from './Circumplex';
import { useReview, type ReviewController } from './controller';
import { annotatorName } from '../session';
import type { TraceSource, TraceState } from './trace-pass';

const PAD = 200;
const AXES_NAME: Record<TraceAxes, string> = { both: 'valence and arousal', valence: 'valence alone (x)', arousal: 'arousal alone (y)' };

export function useTrace<T>(c: ReviewController, select: (s: TraceState) => T): T {
  return useSyncExternalStore(c.trace.subscribe, () => select(c.trace.snapshot));
}

export function TracePanel({ c, data }: { c: ReviewController; data: WindowFrame | undefined }) {
  const active = useTrace(c, (s) => s.active);
  const speed = useTrace(c, (s) => s.speed);
  const axes = useTrace(c, (s) => s.axes);
  const source = useTrace(c, (s) => s.source);
  const samples = useTrace(c, (s) => s.samples);
  const cursor = useTrace(c, (s) => s.cursor);
  const author = useTrace(c, (s) => s.author);
  const [span, setSpan] = useState(9);
  const [busy, setBusy] = useState(false);
  const frames = c.times.count;
  const mediaId = useReview(c, (s) => s.media.id);
  const pad = useCallback((el: HTMLDivElement | null) => c.trace.attachPad(el, CIRCUMPLEX_MARGIN), [c]);
  const who = author ?? annotatorName() ?? null;
  const smooth = async (apply: boolean) => {
    if (!who) return;
    setBusy(true);
    try {
      if (apply) {
        const r = await call('trace.applySmoothed', { mediaId, author: who, method: 'moving-average', from: 0, to: frames - 1 });
        c.toast(r.action ? `Applied the smoothed trace: ${r.written} frames` : 'The smoothed trace is in force already', r.action ? 'info' : 'warn');
      } else {
        const r = await call('trace.smooth', { mediaId, annotator: who, from: 0, to: frames - 1, smoothing: { method: 'moving-average', window: span } });
        c.toast(r.frames ? `Smoothed ${r.frames} frames (moving average, ${r.params}): see the timeline; not in force until applied` : `No valence/arousal of ${who} to smooth`, r.frames ? 'info' : 'warn');
        c.trace.derivedChanged();
      }
    } catch (e) {
      reportError(e);
    } finally {
      setBusy(false);
    }
  };
  const label = cursor ? { v: axes === 'arousal' ? 0 : cursor.valence, a: axes === 'valence' ? 0 : cursor.arousal, p: 'human' } : null;
  return (
    <section className="rv-trace" data-testid="trace-panel" data-active={active}>
      <h3 className="rv-h">
        Trace valence / arousal <span className="rv-keyhint">T start · T/Esc end</span>
      </h3>
      <div className="rv-trace-row">
        <div ref={pad} className={`rv-trace-pad axes-${axes}`} data-testid="trace-pad" style={{ width: PAD, height: PAD }}>
          <Circumplex size={PAD} label={label} model={data?.m ?? null} testId="trace-circumplex" />
        </div>
      </div>
      <div className="rv-trace-opts">
        <label>
          Speed{' '}
          <select data-testid="trace-speed" value={speed} disabled={active} onChange={(e) => c.trace.configure({ speed: Number(e.target.value) as TraceSpeed })}>
            {TRACE_SPEEDS.map((s) => (
              <option key={s} value={s}>
                {s}×
              </option>
            ))}
          </select>
        </label>
        <label>
          Trace{' '}
          <select data-testid="trace-axes" value={axes} disabled={active} onChange={(e) => c.trace.configure({ axes: e.target.value as TraceAxes })}>
            {TRACE_AXES.map((a) => (
              <option key={a} value={a}>
                {AXES_NAME[a]}
              </option>
            ))}
          </select>
        </label>
        <label>
          With{' '}
          <select data-testid="trace-source" value={source} disabled={active} onChange={(e) => c.trace.configure({ source: e.target.value as TraceSource })}>
            <option value="pointer">pointer on the pad</option>
            <option value="gamepad">gamepad stick</option>
          </select>
        </label>
      </div>
      <div className="rv-actions">
        <button className="button small" data-testid="trace-toggle" onClick={() => c.trace.toggle()}>
          {active ? 'End pass' : 'Start pass'} <kbd>T</kbd>
        </button>
        <span className="rv-muted" data-testid="trace-status">
          {active ? `recording · ${samples} frames` : samples ? `last pass: ${samples} frames` : 'one sample per shown frame'}
        </span>
      </div>
      <div className="rv-actions">
        <label className="rv-muted" title="Centred moving average over this many frames (odd); stored as its own layer, never over the trace">
          Smooth: window{' '}
          <input
            className="rv-trace-window"
            data-testid="trace-window"
            type="number"
            min={3}
            max={121}
            step={2}
            value={span}
            onChange={(e) => setSpan(Math.max(3, Math.min(121, Math.round(Number(e.target.value)) | 1)))}
          />{' '}
          frames
        </label>
        <button className="button small" data-testid="trace-smooth" disabled={!who || busy || active} title={who ? `Smooth ${who}'s valence/arousal` : 'Trace a pass first'} onClick={() => void smooth(false)}>
          Smooth
        </button>
        <button className="button small" data-testid="trace-apply" disabled={!who || busy || active} title="Put the smoothed layer in force as your valence/arousal (one undoable action)" onClick={() => void smooth(true)}>
          Apply smoothed
        </button>
      </div>
    </section>
  );
}
