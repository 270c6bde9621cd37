// The review screen (`#/review/<mediaId>?frame=N`): the frame-exact player with the selected model's
// overlay, the correction panel, the timeline and the work queue, all on the keyboard. One
// ReviewController per opened media item holds the state; this file lays the parts out (pane sizes
// from review/pane-layout.ts, remembered per user; full screen) and routes keys to the shortcut table.
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { DatasetSummary } from '../../../shared/contract';
import type { MediaDetail } from '../../../shared/review-contract';
import { call } from '../api';
import { parseRoute, routeHash } from '../router';
import { useApp } from '../store';
import { ReviewController, useReview } from '../review/controller';
import { CorrectionPanel } from '../review/CorrectionPanel';
import { overlayShown, screenOpened } from '../review/perf';
import { Player } from '../review/Player';
import { ReviewBar } from '../review/ReviewBar';
import { setPanes, useReviewLayout } from '../review/layout-prefs';
import { DOCK_WIDTH, fitPanes, panelRange, SPLITTER, timelineRange } from '../review/pane-layout';
import { handleKey, type ScreenUi } from '../review/shortcuts';
import { Splitter } from '../review/Splitter';
import { useElementSize } from '../review/use-size';
import { ShortcutHelp } from '../review/ShortcutHelp';
import { Timeline } from '../review/Timeline';
import { VideoOverlay } from '../review/VideoOverlay';
import { AdjudicationBar } from '../review/adjudication/AdjudicationBar';
import { AdjudicationPanel } from '../review/adjudication/AdjudicationPanel';
import { useAdjudicationModel, useRole } from '../review/adjudication/model';
import '../review/review.css';

function Message({ testId, children }: { testId?: string; children: React.ReactNode }) {
  return (
    <section className="panel">
      <h2 className="panel-title">Review</h2>
      <p className="empty" data-testid={testId}>
        {children}
      </p>
    </section>
  );
}

function frameInHash(): number | undefined {
  const r = parseRoute(location.hash);
  return r.name === 'review' ? r.frame : undefined;
}

function isTyping(t: EventTarget | null): boolean {
  return t instanceof HTMLElement && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT' || t.isContentEditable);
}

/** One empty list: a selector must return a stored value, and a fresh `[]` on every call makes
 * useSyncExternalStore re-render forever (React #185) while project.info is null (just after a
 * project switch, before its info arrives). */
const NO_DATASETS: DatasetSummary[] = [];

/** Full screen for the review work area: the Fullscreen API on the screen's element (where the
 * browser or the desktop app refuses it, the screen fills the window instead); the review bar and
 * the correction panel step aside, the picture, the overlay, the controls and the timeline stay. */
function useFullscreen(el: HTMLElement | null): [boolean, (on: boolean) => void] {
  const [on, setOn] = useState(false);
  const set = useCallback(
    (next: boolean) => {
      setOn(next);
      if (next && el && !document.fullscreenElement && el.requestFullscreen)
        el.requestFullscreen().catch(() => {
          /* not allowed here: the screen fills the window (CSS) */
        });
      if (!next && document.fullscreenElement) void document.exitFullscreen().catch(() => undefined);
    },
    [el],
  );
  useEffect(() => {
    // Esc handled by the browser itself, or leaving by another way: follow it.
    const onChange = () => {
      if (!document.fullscreenElement) setOn(false);
    };
    document.addEventListener('fullscreenchange', onChange);
    return () => {
      document.removeEventListener('fullscreenchange', onChange);
      if (document.fullscreenElement) void document.exitFullscreen().catch(() => undefined);
    };
  }, []);
  return [on, set];
}

function Workspace({ c }: { c: ReviewController }) {
  const datasets = useApp((s) => s.info?.datasets ?? NO_DATASETS);
  const frame = useReview(c, (s) => s.frame);
  // This frame's data object: stable until its chunk is (re)loaded, so other chunks arriving do not re-render the screen.
  const data = useReview(c, (s) => c.cache.get(s.frame));
  const help = useReview(c, (s) => s.help);
  const showOverlay = useReview(c, (s) => s.overlay);
  const modelId = useReview(c, (s) => s.modelId);
  const criteria = useReview(c, (s) => s.criteria);
  const gotoRef = useRef<HTMLInputElement>(null);
  const modelName = c.snapshot.media.models.find((m) => m.id === modelId)?.name ?? null;
  const layout = useReviewLayout();
  const [screen, setScreen] = useState<HTMLDivElement | null>(null);
  const [mainEl, setMainEl] = useState<HTMLDivElement | null>(null);
  const main = useElementSize(mainEl);
  const [full, setFull] = useFullscreen(screen);
  // The chosen sizes (or the defaults for this space), clamped to the space there is.
  const panes = fitPanes(layout.panes, main.width > 0 ? main : { width: window.innerWidth, height: window.innerHeight - 140 });
  const dock = showOverlay && layout.overlay.docked && !layout.overlay.collapsed ? DOCK_WIDTH : 0;
  // Adjudicator mode (issue 15): a queue bar under the toolbar and the adjudicator's panel.
  const adjudicating = useRole() === 'adjudicator';
  const adj = useAdjudicationModel(c);
  const ui = useRef<ScreenUi>({ askFrame: () => gotoRef.current?.focus(), fullscreen: false, setFullscreen: () => undefined });
  ui.current.fullscreen = full;
  ui.current.setFullscreen = setFull;

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || (isTyping(e.target) && e.key !== 'Escape')) return;
      if (handleKey(e, c, ui.current)) {
        e.preventDefault();
        e.stopPropagation();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [c]);

  // The overlay and timeline show `frame` with its data: a pending seek's time is measured here.
  useLayoutEffect(() => {
    if (data) overlayShown(frame);
  }, [frame, data]);

  return (
    <div
      className="rv-screen"
      ref={setScreen}
      data-testid="review-screen"
      data-media-id={c.snapshot.media.id}
      data-fullscreen={full}
      style={adjudicating && !full ? { gridTemplateRows: 'auto auto minmax(0, 1fr)' } : undefined}
    >
      {!full && <ReviewBar c={c} datasets={datasets} />}
      {!full && adjudicating && <AdjudicationBar c={c} m={adj} />}
      <div className="rv-main" ref={setMainEl} style={{ gridTemplateColumns: full ? 'minmax(0, 1fr)' : `minmax(0, 1fr) ${SPLITTER}px ${panes.panel}px` }}>
        <div className="rv-work-area" style={{ gridTemplateRows: `minmax(0, 1fr) ${SPLITTER}px ${panes.timeline}px` }}>
          <Player
            c={c}
            gotoRef={gotoRef}
            dock={dock}
            fullscreen={{ on: full, toggle: () => setFull(!full) }}
            overlay={showOverlay ? <VideoOverlay data={data} thresholds={c.cache.thresholds} criteria={criteria} modelName={modelName} place={layout.overlay} /> : null}
          />
          <Splitter
            orientation="horizontal"
            label="Timeline height"
            testId="split-timeline"
            value={panes.timeline}
            range={timelineRange(main.height)}
            onChange={(timeline) => setPanes({ timeline })}
            onReset={() => setPanes({ timeline: null })}
          />
          <Timeline c={c} />
        </div>
        {!full && (
          <>
            <Splitter
              orientation="vertical"
              label="Correction panel width"
              testId="split-panel"
              value={panes.panel}
              range={panelRange(main)}
              onChange={(panel) => setPanes({ panel })}
              onReset={() => setPanes({ panel: null })}
            />
            {adjudicating ? <AdjudicationPanel c={c} m={adj} /> : <CorrectionPanel c={c} data={data} />}
          </>
        )}
      </div>
      {help && <ShortcutHelp onClose={() => c.toggleHelp(false)} />}
    </div>
  );
}

type Opened = { dir: string; id: number } & ({ c: ReviewController } | { error: string });

export function ReviewScreen({ mediaId }: { mediaId: number | null }) {
  const project = useApp((s) => s.project);
  // The project's folder, not its summary object: the summary is replaced whenever labels change.
  const projectDir = project?.dir ?? null;
  // Keyed on the project AND the media id: media ids restart at 1 in every project, so after a
  // project switch (File → Open project…, or project.changed from another client) the same id is
  // another item, and the old project's controller must not be shown for it even for one render.
  const [state, setState] = useState<Opened | null>(null);

  useEffect(() => {
    if (!projectDir || mediaId === null) return;
    let c: ReviewController | null = null;
    let live = true;
    screenOpened();
    call('media.get', { mediaId }).then(
      (m: MediaDetail) => {
        if (!live) return;
        c = new ReviewController(m, frameInHash() ?? 0);
        setState({ dir: projectDir, id: mediaId, c });
      },
      (e: Error) => live && setState({ dir: projectDir, id: mediaId, error: e.message }),
    );
    return () => {
      live = false;
      c?.destroy();
      setState(null);
    };
  }, [projectDir, mediaId]);

  // A frame typed into the address bar moves the player there. Only a real hashchange counts: the
  // screen itself keeps the hash on the frame shown with replaceState, which fires no event.
  useEffect(() => {
    if (!state || !('c' in state)) return;
    const onHash = () => {
      const f = frameInHash();
      if (f !== undefined && f !== state.c.snapshot.frame) state.c.jump(f);
    };
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, [state]);

  if (!project)
    return (
      <Message>
        Open a project first, then choose a media item from its datasets. <a href={routeHash({ name: 'home' })}>Go to the project screen</a>
      </Message>
    );
  if (mediaId === null)
    return (
      <Message testId="review-choose">
        Choose a media item: expand a dataset on the <a href={routeHash({ name: 'home' })}>project screen</a> and click a media name.
      </Message>
    );
  if (!state || state.id !== mediaId || state.dir !== projectDir) return <p className="empty">Loading…</p>;
  if ('error' in state)
    return (
      <Message testId="review-missing">
        {state.error} <a href={routeHash({ name: 'home' })}>Back to the project</a>
      </Message>
    );
  return <Workspace key={`${state.dir}\n${state.id}`} c={state.c} />;
}
