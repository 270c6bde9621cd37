// The timeline's lanes, top to bottom: a ruler, the work and edit lanes, a lane per AU, the
// expression lane and the valence and arousal curves, laid out in the height the timeline pane has
// (review/pane-layout.ts sizes the pane). Pure numbers; timeline-draw.ts draws them.
import { AU_NAMES } from '../../../shared/labels';

export interface Lane {
  key: string;
  label: string;
  /** Top and height in CSS pixels; lanes are 1 px apart. */
  y: number;
  h: number;
}

interface LaneSpec {
  key: string;
  label: string;
  /** Height at the natural size, and the least it may shrink to. */
  h: number;
  min: number;
}
const LANE_SPECS: LaneSpec[] = [
  { key: 'ruler', label: '', h: 18, min: 18 },
  { key: 'work', label: 'to check', h: 11, min: 11 },
  { key: 'edits', label: 'edited', h: 11, min: 11 },
  ...AU_NAMES.map((n) => ({ key: n, label: n, h: 12, min: 8 })),
  { key: 'expr', label: 'EXPR', h: 18, min: 14 },
  { key: 'v', label: 'valence', h: 30, min: 16 },
  { key: 'a', label: 'arousal', h: 30, min: 16 },
];
const FIXED = new Set(['ruler', 'work', 'edits']);
/** Lanes at their natural size (228 px), their smallest (164 px) and their largest: 1.6 times natural. */
export const NATURAL_HEIGHT = LANE_SPECS.reduce((s, l) => s + l.h + 1, 0);
export const MIN_HEIGHT = LANE_SPECS.reduce((s, l) => s + l.min + 1, 0);
const MAX_SCALE = 1.6;
export const MAX_HEIGHT = Math.round(NATURAL_HEIGHT * MAX_SCALE);

/**
 * The lanes in `height` pixels: the ruler and the work and edit lanes keep their size, the AU,
 * expression and valence/arousal lanes scale together (never under their minimum, nor over
 * MAX_SCALE); pixels left by rounding go to the valence and arousal curves.
 */
export function laneLayout(height: number): Lane[] {
  const fixed = LANE_SPECS.filter((l) => FIXED.has(l.key)).reduce((s, l) => s + l.h, 0) + LANE_SPECS.length;
  const avail = Math.min(height, MAX_HEIGHT) - fixed;
  // one scale for the scalable lanes; a lane that would go under its minimum is held there and
  // the others share what is left
  const pinned = new Set<number>();
  let scale = 0;
  for (;;) {
    let base = 0;
    let held = 0;
    LANE_SPECS.forEach((l, i) => {
      if (FIXED.has(l.key)) return;
      if (pinned.has(i)) held += l.min;
      else base += l.h;
    });
    scale = base > 0 ? Math.min(MAX_SCALE, Math.max(0, (avail - held) / base)) : 0;
    const more = LANE_SPECS.map((l, i) => i).filter((i) => !FIXED.has(LANE_SPECS[i].key) && !pinned.has(i) && LANE_SPECS[i].h * scale < LANE_SPECS[i].min);
    if (!more.length) break;
    more.forEach((i) => pinned.add(i));
  }
  const hs = LANE_SPECS.map((l, i) => (FIXED.has(l.key) ? l.h : pinned.has(i) ? l.min : Math.floor(l.h * scale)));
  const spare = Math.max(0, Math.min(height, MAX_HEIGHT) - hs.reduce((s, h) => s + h + 1, 0));
  hs[hs.length - 2] += Math.floor(spare / 2);
  hs[hs.length - 1] += spare - Math.floor(spare / 2);
  let y = 0;
  return LANE_SPECS.map((l, i) => {
    const lane = { key: l.key, label: l.label, y, h: hs[i] };
    y += hs[i] + 1;
    return lane;
  });
}

/** The height the lanes take (at least the sum of their minimums). */
export function lanesHeight(lanes: Lane[]): number {
  const last = lanes[lanes.length - 1];
  return last.y + last.h + 1;
}
