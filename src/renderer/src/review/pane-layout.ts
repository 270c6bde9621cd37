// The review screen's layout as numbers: the side panel's width and the timeline's height (the
// video takes the rest), where the model overlay sits (docked beside the picture, or floating over
// it at a remembered place), and how they are clamped so that nothing disappears whatever the
// window's size. Pure functions; the store that remembers them per user is layout-prefs.ts.
import { z } from 'zod';
import { MAX_HEIGHT as LANES_MAX, MIN_HEIGHT as LANES_MIN, NATURAL_HEIGHT as LANES_NATURAL } from './timeline-lanes';

export interface Size {
  width: number;
  height: number;
}

/** Sizes in CSS pixels. */
export interface Panes {
  /** Width of the correction panel. */
  panel: number;
  /** Height of the timeline (lanes and legend). */
  timeline: number;
}

/** The sizes the user chose; null: not chosen (or reset), the default for the space there is. */
export type WantedPanes = { [K in keyof Panes]: number | null };

export interface OverlayPlace {
  /** Docked: a column at the right of the picture area, which the video never goes under. */
  docked: boolean;
  /** Only its title bar shows. */
  collapsed: boolean;
  /** Floating: where in the picture area, as fractions of the free space (0 = left / top edge, 1 = right / bottom edge). */
  x: number;
  y: number;
}

export interface ReviewLayout {
  panes: WantedPanes;
  overlay: OverlayPlace;
}

export const PANEL_MIN = 260;
export const PANEL_MAX = 600;
/** Timeline lanes (see timeline-draw.ts laneLayout) plus its legend row, padding and border. */
export const TIMELINE_CHROME = 28;
export const TIMELINE_MIN = LANES_MIN + TIMELINE_CHROME;
export const TIMELINE_MAX = LANES_MAX + TIMELINE_CHROME;
/** The picture area never gets smaller than this, nor the column left of the panel narrower. */
export const STAGE_MIN_HEIGHT = 150;
export const WORK_MIN_WIDTH = 420;
/** Height of the player's control bar and of a splitter (the gap between panes). */
export const CONTROLS_HEIGHT = 36;
export const SPLITTER = 8;
/** Width of the docked overlay column. */
export const DOCK_WIDTH = 226;
/** Keyboard steps of a focused splitter (arrow, Shift+arrow). */
export const SPLIT_STEP = 16;
export const SPLIT_BIG_STEP = 64;

const clamp = (x: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, x));

/**
 * Sizes nobody chose, for a `main` box (the work column and the panel side by side): the video is
 * the largest thing on the screen from 1280×720 windows up (a compact timeline on short screens,
 * its natural height on tall ones).
 */
export function defaultPanes(main: Size): Panes {
  return {
    panel: Math.round(clamp(main.width * 0.22, 280, 380)),
    timeline: Math.round(clamp(main.height * 0.3, TIMELINE_MIN, LANES_NATURAL + TIMELINE_CHROME)),
  };
}

export const DEFAULT_LAYOUT: ReviewLayout = { panes: { panel: null, timeline: null }, overlay: { docked: true, collapsed: false, x: 1, y: 0 } };

/** Limits of the panel's width in a `main` box (the work column and the panel side by side). */
export function panelRange(main: Size): { min: number; max: number } {
  const max = clamp(main.width - WORK_MIN_WIDTH - SPLITTER, PANEL_MIN, PANEL_MAX);
  return { min: PANEL_MIN, max };
}

/** Limits of the timeline's height in a work column of height `workHeight`. */
export function timelineRange(workHeight: number): { min: number; max: number } {
  const max = clamp(workHeight - STAGE_MIN_HEIGHT - CONTROLS_HEIGHT - SPLITTER, TIMELINE_MIN, TIMELINE_MAX);
  return { min: TIMELINE_MIN, max };
}

/** The sizes shown in a `main` box of this size: the wanted ones (else the defaults) clamped to the space there is; the wanted ones stay remembered. */
export function fitPanes(want: WantedPanes, main: Size): Panes {
  const d = defaultPanes(main);
  const p = panelRange(main);
  const t = timelineRange(main.height);
  return { panel: Math.round(clamp(want.panel ?? d.panel, p.min, p.max)), timeline: Math.round(clamp(want.timeline ?? d.timeline, t.min, t.max)) };
}

/** A splitter's key: the new size, or null when the key is not one of its own. `grow` is the arrow that makes the pane bigger. */
export function splitterKey(key: string, shift: boolean, value: number, range: { min: number; max: number }, grow: 'ArrowLeft' | 'ArrowUp'): number | null {
  const shrink = grow === 'ArrowLeft' ? 'ArrowRight' : 'ArrowDown';
  const step = shift ? SPLIT_BIG_STEP : SPLIT_STEP;
  if (key === grow) return clamp(value + step, range.min, range.max);
  if (key === shrink) return clamp(value - step, range.min, range.max);
  if (key === 'Home') return range.min;
  if (key === 'End') return range.max;
  return null;
}

/** Margin between a floating overlay and the picture area's edges. */
export const OVERLAY_MARGIN = 6;

/** A floating overlay's top-left corner in an `area` for its fractions (always inside the area, whatever its size). */
export function placeOverlay(area: Size, box: Size, at: { x: number; y: number }): { left: number; top: number } {
  const freeX = Math.max(0, area.width - box.width - 2 * OVERLAY_MARGIN);
  const freeY = Math.max(0, area.height - box.height - 2 * OVERLAY_MARGIN);
  return { left: Math.round(OVERLAY_MARGIN + clamp(at.x, 0, 1) * freeX), top: Math.round(OVERLAY_MARGIN + clamp(at.y, 0, 1) * freeY) };
}

/** The fractions of a top-left corner (the inverse of placeOverlay; clamped into the area). */
export function overlayFractions(area: Size, box: Size, left: number, top: number): { x: number; y: number } {
  const freeX = area.width - box.width - 2 * OVERLAY_MARGIN;
  const freeY = area.height - box.height - 2 * OVERLAY_MARGIN;
  const f = (v: number, free: number) => (free > 0 ? clamp((v - OVERLAY_MARGIN) / free, 0, 1) : 0);
  return { x: f(left, freeX), y: f(top, freeY) };
}

const finite = z.number().refine(Number.isFinite);
/** What localStorage holds; each field optional, so that a field added later does not void the rest. */
const Stored = z.object({
  version: z.literal(1),
  panes: z.object({ panel: finite.nullable(), timeline: finite.nullable() }).partial().optional(),
  overlay: z.object({ docked: z.boolean(), collapsed: z.boolean(), x: finite, y: finite }).partial().optional(),
});

/** A stored layout (JSON from localStorage), each field checked and clamped; whatever is missing or wrong takes the fallback. */
export function parseLayout(raw: string | null, fallback: ReviewLayout = DEFAULT_LAYOUT): ReviewLayout {
  let json: unknown;
  try {
    json = raw === null ? null : JSON.parse(raw);
  } catch {
    return fallback;
  }
  const r = Stored.safeParse(json);
  if (!r.success) return fallback;
  const panes = r.data.panes ?? {};
  const ov = r.data.overlay ?? {};
  const size = (v: number | null | undefined, keep: number | null, lo: number, hi: number) => (v === undefined ? keep : v === null ? null : clamp(v, lo, hi));
  return {
    panes: {
      panel: size(panes.panel, fallback.panes.panel, PANEL_MIN, PANEL_MAX),
      timeline: size(panes.timeline, fallback.panes.timeline, TIMELINE_MIN, TIMELINE_MAX),
    },
    overlay: {
      docked: ov.docked ?? fallback.overlay.docked,
      collapsed: ov.collapsed ?? fallback.overlay.collapsed,
      x: clamp(ov.x ?? fallback.overlay.x, 0, 1),
      y: clamp(ov.y ?? fallback.overlay.y, 0, 1),
    },
  };
}

export function serializeLayout(l: ReviewLayout): string {
  return JSON.stringify({ version: 1, panes: l.panes, overlay: l.overlay });
}
