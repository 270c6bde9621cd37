// The timeline: a base canvas (lanes; redrawn when data or zoom change) under a playhead canvas
// (redrawn on every frame). Zoomed out it draws the backend's bucket aggregates (one bucket per
// pixel); zoomed in to ≤ 2 frames a pixel it draws per-frame windows from the frame cache. Drag to
// scrub, Shift+drag to select a range, wheel to zoom around the pointer, Shift+wheel to pan.
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import type { OverviewOutput } from '../../../shared/review-contract';
import { call } from '../api';
import { reportError } from '../store';
import { useReview, type ReviewController } from './controller';
import { timelineComplete } from './perf';
import { fromFrames, fromOverview, type TimelineData } from './timeline-data';
import { useElementSize } from './use-size';
import { drawPlayhead, drawTimeline, frameAtX, GUTTER, type View } from './timeline-draw';
import { laneLayout, lanesHeight, MAX_HEIGHT, MIN_HEIGHT } from './timeline-lanes';
import { drawAnnotatorVa, otherColor, OWN_COLOR, type AnnotatorVa } from './timeline-traces';
import { useTrace } from './TracePanel';

const PER_FRAME_MAX_FPP = 2;

function setupCanvas(c: HTMLCanvasElement, width: number, height: number): CanvasRenderingContext2D {
  const dpr = window.devicePixelRatio || 1;
  if (c.width !== Math.round(width * dpr) || c.height !== Math.round(height * dpr)) {
    c.width = Math.round(width * dpr);
    c.height = Math.round(height * dpr);
    c.style.width = `${width}px`;
    c.style.height = `${height}px`;
  }
  const ctx = c.getContext('2d')!;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  return ctx;
}

/** Aggregates for the visible range, re-fetched (debounced) when the view, the model or the labels change. */
function useOverview(c: ReviewController, view: { from: number; to: number }, buckets: number, enabled: boolean): OverviewOutput | null {
  const modelId = useReview(c, (s) => s.modelId);
  const labelsVersion = useReview(c, (s) => s.labelsVersion);
  const criteria = useReview(c, (s) => s.criteria);
  const [o, setO] = useState<OverviewOutput | null>(null);
  const first = useRef(true);
  useEffect(() => {
    if (!enabled || buckets < 1) return;
    let live = true;
    const fetch = () =>
      call('review.overview', { mediaId: c.snapshot.media.id, from: view.from, to: view.to, buckets, counts: false, modelId, criteria }).then(
        (r) => live && setO(r),
        reportError,
      );
    // The first request goes at once (first draw is timed); later ones wait for zooming to pause.
    const t = setTimeout(fetch, first.current ? 0 : 60);
    first.current = false;
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [c, view.from, view.to, buckets, modelId, labelsVersion, enabled, criteria]);
  return o;
}

/** Every annotator's valence/arousal for the view (the VA lanes' annotator curves), re-read when labels or the smoothed layers change. */
function useAnnotatorVa(c: ReviewController, view: { from: number; to: number }, buckets: number): AnnotatorVa | null {
  const labelsVersion = useReview(c, (s) => s.labelsVersion);
  const derivedVersion = useTrace(c, (s) => s.derivedVersion);
  const [o, setO] = useState<AnnotatorVa | null>(null);
  useEffect(() => {
    if (buckets < 1) return;
    let live = true;
    const t = setTimeout(
      () =>
        call('review.annotatorVa', { mediaId: c.snapshot.media.id, from: view.from, to: view.to, buckets }).then(
          (r) => live && setO(r),
          reportError,
        ),
      60,
    );
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [c, view.from, view.to, buckets, labelsVersion, derivedVersion]);
  return o;
}

export function Timeline({ c }: { c: ReviewController }) {
  const [wrap, setWrap] = useState<HTMLDivElement | null>(null);
  const base = useRef<HTMLCanvasElement>(null);
  const head = useRef<HTMLCanvasElement>(null);
  // The lanes fill the pane's height (within their limits: the pane is sized by the layout).
  const area = useElementSize(wrap);
  const width = Math.floor(area.width);
  const lanes = useMemo(() => laneLayout(Math.max(MIN_HEIGHT, Math.min(MAX_HEIGHT, area.height))), [area.height]);
  const height = lanesHeight(lanes);
  const view = useReview(c, (s) => s.view);
  const frame = useReview(c, (s) => s.frame);
  const selection = useReview(c, (s) => s.selection);
  const anchor = useReview(c, (s) => s.anchor);
  const dataVersion = useReview(c, (s) => s.dataVersion);
  const criteria = useReview(c, (s) => s.criteria);
  const span = view.to - view.from + 1;
  const px = Math.max(1, width - GUTTER);
  const perFrame = span / px <= PER_FRAME_MAX_FPP && span <= 4096;
  const overview = useOverview(c, view, Math.min(px, span), width > 0 && !perFrame);
  const annotators = useAnnotatorVa(c, view, width > 0 ? Math.min(px, span) : 0);
  const own = useTrace(c, (s) => s.author);
  const v: View = { from: view.from, to: view.to, width };
  const drag = useRef<{ mode: 'scrub' | 'select'; anchor: number } | null>(null);

  useEffect(() => {
    if (perFrame) void c.cache.ensureRange(view.from, view.to);
  }, [c, perFrame, view.from, view.to]);

  useLayoutEffect(() => {
    if (!width) return;
    const ctx = setupCanvas(base.current!, width, height);
    let data: TimelineData | null = null;
    if (perFrame) data = fromFrames(view.from, view.to, (f) => c.cache.get(f), c.cache.thresholds ?? Array(8).fill(0.5), criteria);
    else if (overview) data = fromOverview(overview);
    drawTimeline(ctx, v, data, lanes);
    drawAnnotatorVa(ctx, v, annotators, lanes, own);
    if (data?.complete && (perFrame || (overview && overview.from === view.from && overview.to === view.to))) timelineComplete(c.times.count);
    // Per-frame data changes with every window that arrives; aggregates do not depend on it.
  }, [width, height, lanes, view.from, view.to, perFrame, overview, perFrame ? dataVersion : -1, c, criteria, annotators, own]);

  useLayoutEffect(() => {
    if (!width) return;
    drawPlayhead(setupCanvas(head.current!, width, height), v, height, frame, selection, anchor);
  }, [width, height, view.from, view.to, frame, selection, anchor]);

  const frameOf = (e: React.PointerEvent | React.WheelEvent) => {
    const box = head.current!.getBoundingClientRect();
    return c.times.clamp(frameAtX(v, e.clientX - box.left));
  };

  return (
    <div className="rv-timeline" data-testid="timeline" data-view-from={view.from} data-view-to={view.to} data-mode={perFrame ? 'frames' : 'overview'}>
      <div className="rv-tl-lanes" ref={setWrap}>
        <canvas ref={base} className="rv-tl-base" />
        <canvas
          ref={head}
          className="rv-tl-head"
          data-testid="timeline-canvas"
          onPointerDown={(e) => {
            if (e.button !== 0) return;
            e.currentTarget.setPointerCapture(e.pointerId);
            const f = frameOf(e);
            drag.current = { mode: e.shiftKey ? 'select' : 'scrub', anchor: f };
            if (e.shiftKey) c.setSelection({ from: f, to: f });
            else c.jump(f);
          }}
          onPointerMove={(e) => {
            const d = drag.current;
            if (!d) return;
            const f = frameOf(e);
            if (d.mode === 'select') c.setSelection({ from: Math.min(d.anchor, f), to: Math.max(d.anchor, f) });
            else c.jump(f);
          }}
          onPointerUp={() => {
            drag.current = null;
          }}
          onWheel={(e) => {
            if (e.shiftKey || Math.abs(e.deltaX) > Math.abs(e.deltaY)) {
              const d = ((e.shiftKey ? e.deltaY : e.deltaX) / px) * span;
              c.setView(view.from + d, view.to + d + 1);
            } else c.zoom(e.deltaY > 0 ? 1.25 : 0.8, frameOf(e));
          }}
        />
      </div>
      <div className="rv-tl-legend">
        <span className="sw gt" /> ground truth <span className="sw human" /> corrected <span className="sw accepted" /> accepted <span className="sw model" /> model
        {annotators && annotators.tracks.length + annotators.derived.length > 0 && (
          <span className="rv-tl-annotators" data-testid="timeline-annotators">
            {annotators.tracks.some((t) => t.role === 'annotator' && t.annotator === own) && (
              <>
                <span className="sw" style={{ background: OWN_COLOR }} /> {own} (you)
              </>
            )}
            {annotators.tracks
              .filter((t) => !(t.role === 'annotator' && t.annotator === own))
              .map((t, i) => (
                <span key={`${t.role}:${t.annotator}`}>
                  {' '}
                  <span className="sw" style={{ background: otherColor(i) }} /> {t.annotator}
                  {t.role === 'adjudicator' ? ' (adjudicator)' : ''}
                </span>
              ))}
            {annotators.derived.map((d) => (
              <span key={`${d.method}:${d.annotator}`}> · {d.annotator} smoothed, dashed ({d.params})</span>
            ))}
          </span>
        )}
        <span className="sw dis" /> disagrees <span className="sw unc" /> uncertain <span className="sw noface" /> no face
        <span className="rv-tl-zoom">
          frames {view.from}–{view.to} · {perFrame ? 'per frame' : `${(span / px).toFixed(1)} frames/px`}
        </span>
      </div>
    </div>
  );
}
