// The review layout the user chose (pane sizes, where the model overlay sits), remembered per user
// in localStorage (the desktop app's profile, or the browser's) and shared by every review screen
// of this window. A tiny external store like training/ui-state.ts; the numbers' rules are in
// pane-layout.ts.
import { useSyncExternalStore } from 'react';
import { parseLayout, serializeLayout, type OverlayPlace, type ReviewLayout, type WantedPanes } from './pane-layout';

const KEY = 'aw.review.layout';

function load(): ReviewLayout {
  try {
    return parseLayout(localStorage.getItem(KEY));
  } catch {
    return parseLayout(null);
  }
}

let layout: ReviewLayout | null = null;
const subs = new Set<() => void>();

function current(): ReviewLayout {
  layout ??= load();
  return layout;
}

function set(next: ReviewLayout): void {
  layout = next;
  try {
    localStorage.setItem(KEY, serializeLayout(next));
  } catch {
    /* storage unavailable: the layout holds for this window only */
  }
  subs.forEach((s) => s());
}

export function useReviewLayout(): ReviewLayout {
  return useSyncExternalStore(
    (fn) => {
      subs.add(fn);
      return () => subs.delete(fn);
    },
    current,
  );
}

/** Sizes the user chose; null puts a pane back to the default for the space there is (a splitter's double-click). */
export function setPanes(patch: Partial<WantedPanes>): void {
  const l = current();
  set({ ...l, panes: { ...l.panes, ...patch } });
}

export function setOverlay(patch: Partial<OverlayPlace>): void {
  const l = current();
  set({ ...l, overlay: { ...l.overlay, ...patch } });
}
