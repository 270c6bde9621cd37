// Speed figures of the review screen as standard User Timing entries (performance.measure), which
// the benchmark script reads from the page: no globals, no cost beyond a timestamp when unobserved.
//   aw-seek-overlay     a step/jump/scrub request → the overlay and timeline showing that frame
//   aw-seek-painted     the same request → the next animation frame after that (the frame that
//                       paints picture and overlay; includes waiting for the display's refresh)
//   aw-edit             a correction sent → the backend's answer that it is stored
//   aw-timeline-first   the review screen opened → the timeline's first complete drawing

let seek: { frame: number; t: number } | null = null;
let opened: number | null = null;
let timelineDrawn = false;

export function seekRequested(frame: number): void {
  seek = { frame, t: performance.now() };
}

/** Called after the DOM shows `frame` with its data (layout effect); ends a pending seek measure. */
export function overlayShown(frame: number): void {
  if (!seek || seek.frame !== frame) return;
  const start = seek.t;
  performance.measure('aw-seek-overlay', { start, end: performance.now(), detail: { frame } });
  seek = null;
  requestAnimationFrame(() => performance.measure('aw-seek-painted', { start, end: performance.now(), detail: { frame } }));
}

export function screenOpened(): void {
  opened = performance.now();
  timelineDrawn = false;
}

export function timelineComplete(frames: number): void {
  if (timelineDrawn || opened === null) return;
  timelineDrawn = true;
  performance.measure('aw-timeline-first', { start: opened, end: performance.now(), detail: { frames } });
}

export function editMeasured(start: number, serverMs: number): void {
  performance.measure('aw-edit', { start, end: performance.now(), detail: { serverMs } });
}
