// The review layout's numbers (src/renderer/src/review/pane-layout.ts, timeline-lanes.ts) and the
// provenance panel's words (history-text.ts): pane defaults and limits, splitter keys, the
// floating overlay kept inside the picture area, a stored layout read back whatever it holds, the
// timeline lanes in any pane height, and a history line that says what an edit did.
import { describe, expect, it } from 'vitest';
import type { HistoryEntry, LabelSnapshot, WindowFrame } from '../../src/shared/review-contract';
import { describeChange, importedLabels } from '../../src/renderer/src/review/history-text';
import {
  CONTROLS_HEIGHT,
  DEFAULT_LAYOUT,
  defaultPanes,
  fitPanes,
  OVERLAY_MARGIN,
  overlayFractions,
  PANEL_MAX,
  PANEL_MIN,
  panelRange,
  parseLayout,
  placeOverlay,
  serializeLayout,
  SPLITTER,
  splitterKey,
  STAGE_MIN_HEIGHT,
  TIMELINE_MAX,
  TIMELINE_MIN,
  timelineRange,
  WORK_MIN_WIDTH,
} from '../../src/renderer/src/review/pane-layout';
import { laneLayout, lanesHeight, MAX_HEIGHT, MIN_HEIGHT, NATURAL_HEIGHT } from '../../src/renderer/src/review/timeline-lanes';

describe('pane sizes', () => {
  it('defaults leave the picture the tallest pane from 1280×720 up', () => {
    // `main` boxes measured in Chromium at those windows (the app's chrome and the review bar taken off)
    for (const main of [
      { width: 1268, height: 580 },
      { width: 1428, height: 760 },
      { width: 1908, height: 940 },
    ]) {
      const p = fitPanes(DEFAULT_LAYOUT.panes, main);
      const stage = main.height - p.timeline - SPLITTER - CONTROLS_HEIGHT;
      expect(stage).toBeGreaterThan(p.timeline);
      expect(p.panel).toBeLessThan((main.width - p.panel) / 2);
    }
    expect(defaultPanes({ width: 1268, height: 580 }).timeline).toBe(TIMELINE_MIN);
  });

  it('clamps wanted sizes to the space there is and keeps every pane visible', () => {
    const main = { width: 1000, height: 500 };
    const p = fitPanes({ panel: 5000, timeline: 5000 }, main);
    expect(p.panel).toBe(main.width - WORK_MIN_WIDTH - SPLITTER);
    expect(p.timeline).toBe(main.height - STAGE_MIN_HEIGHT - CONTROLS_HEIGHT - SPLITTER);
    expect(fitPanes({ panel: 1, timeline: 1 }, main)).toEqual({ panel: PANEL_MIN, timeline: TIMELINE_MIN });
    // a window too small for the limits still gets the minimums, never a negative size
    expect(fitPanes({ panel: null, timeline: null }, { width: 300, height: 200 })).toEqual({ panel: PANEL_MIN, timeline: TIMELINE_MIN });
    expect(panelRange({ width: 4000, height: 900 }).max).toBe(PANEL_MAX);
    expect(timelineRange(4000).max).toBe(TIMELINE_MAX);
  });

  it('a focused splitter moves by arrow keys (Shift: further), Home / End go to the limits', () => {
    const range = { min: 260, max: 600 };
    // the panel is right of its splitter: ← makes it wider
    expect(splitterKey('ArrowLeft', false, 300, range, 'ArrowLeft')).toBe(316);
    expect(splitterKey('ArrowRight', true, 300, range, 'ArrowLeft')).toBe(260);
    expect(splitterKey('ArrowLeft', true, 590, range, 'ArrowLeft')).toBe(600);
    // the timeline is below its splitter: ↑ makes it taller
    expect(splitterKey('ArrowUp', false, 200, range, 'ArrowUp')).toBe(260);
    expect(splitterKey('ArrowDown', false, 400, range, 'ArrowUp')).toBe(384);
    expect(splitterKey('Home', false, 400, range, 'ArrowUp')).toBe(260);
    expect(splitterKey('End', false, 400, range, 'ArrowUp')).toBe(600);
    expect(splitterKey('ArrowUp', false, 400, range, 'ArrowLeft')).toBeNull();
    expect(splitterKey('a', false, 400, range, 'ArrowUp')).toBeNull();
  });
});

describe('the floating overlay', () => {
  const box = { width: 220, height: 300 };
  it('stays inside the picture area at any size, by fractions of the free space', () => {
    for (const area of [
      { width: 900, height: 500 },
      { width: 400, height: 320 },
      { width: 200, height: 100 },
    ])
      for (const at of [
        { x: 0, y: 0 },
        { x: 1, y: 1 },
        { x: 0.3, y: 0.8 },
        { x: 7, y: -3 },
      ]) {
        const p = placeOverlay(area, box, at);
        expect(p.left).toBeGreaterThanOrEqual(OVERLAY_MARGIN);
        expect(p.top).toBeGreaterThanOrEqual(OVERLAY_MARGIN);
        if (area.width >= box.width + 2 * OVERLAY_MARGIN) expect(p.left + box.width).toBeLessThanOrEqual(area.width - OVERLAY_MARGIN);
        if (area.height >= box.height + 2 * OVERLAY_MARGIN) expect(p.top + box.height).toBeLessThanOrEqual(area.height - OVERLAY_MARGIN);
      }
  });

  it('a dropped position round-trips, and a drop outside is clamped to the edge', () => {
    const area = { width: 900, height: 500 };
    const f = overlayFractions(area, box, 300, 100);
    expect(placeOverlay(area, box, f)).toEqual({ left: 300, top: 100 });
    expect(overlayFractions(area, box, -500, 9999)).toEqual({ x: 0, y: 1 });
    // bottom-right stays bottom-right when the area shrinks
    expect(placeOverlay({ width: 500, height: 400 }, box, { x: 1, y: 1 })).toEqual({ left: 500 - 220 - OVERLAY_MARGIN, top: 400 - 300 - OVERLAY_MARGIN });
  });
});

describe('the stored layout', () => {
  it('reads back what was written', () => {
    const l = { panes: { panel: 333, timeline: null }, overlay: { docked: false, collapsed: true, x: 0.25, y: 0.75 } };
    expect(parseLayout(serializeLayout(l))).toEqual(l);
  });
  it('takes the default for whatever is missing, out of range or not a layout', () => {
    expect(parseLayout(null)).toEqual(DEFAULT_LAYOUT);
    expect(parseLayout('{not json')).toEqual(DEFAULT_LAYOUT);
    expect(parseLayout('{"version":2,"panes":{"panel":300}}')).toEqual(DEFAULT_LAYOUT);
    expect(parseLayout('{"version":1,"panes":{"panel":"wide"}}')).toEqual(DEFAULT_LAYOUT);
    const l = parseLayout('{"version":1,"panes":{"panel":99999},"overlay":{"x":3,"collapsed":true}}');
    expect(l.panes).toEqual({ panel: PANEL_MAX, timeline: null });
    expect(l.overlay).toEqual({ ...DEFAULT_LAYOUT.overlay, x: 1, collapsed: true });
  });
});

describe('timeline lanes', () => {
  it('at the natural height are the original lanes', () => {
    const lanes = laneLayout(NATURAL_HEIGHT);
    expect(NATURAL_HEIGHT).toBe(228);
    expect(lanesHeight(lanes)).toBe(NATURAL_HEIGHT);
    expect(Object.fromEntries(lanes.map((l) => [l.key, l.h]))).toMatchObject({ ruler: 18, work: 11, edits: 11, AU1: 12, AU25: 12, expr: 18, v: 30, a: 30 });
  });
  it('fill any height between the limits, keep the ruler and work lanes, never overlap', () => {
    for (let h = MIN_HEIGHT; h <= MAX_HEIGHT; h += 7) {
      const lanes = laneLayout(h);
      expect(lanesHeight(lanes)).toBeLessThanOrEqual(h);
      expect(lanesHeight(lanes)).toBeGreaterThan(h - 16);
      expect(lanes.find((l) => l.key === 'ruler')!.h).toBe(18);
      expect(lanes.find((l) => l.key === 'work')!.h).toBe(11);
      for (let i = 1; i < lanes.length; i++) expect(lanes[i].y).toBe(lanes[i - 1].y + lanes[i - 1].h + 1);
      expect(Math.min(...lanes.filter((l) => l.key.startsWith('AU')).map((l) => l.h))).toBeGreaterThanOrEqual(8);
    }
    // below the minimum they keep their minimum sizes (the pane clips), above the maximum they stop growing
    expect(lanesHeight(laneLayout(50))).toBe(MIN_HEIGHT);
    expect(lanesHeight(laneLayout(5000))).toBe(MAX_HEIGHT);
  });
});

describe('provenance lines', () => {
  const base = { actionId: 1, name: 'x', author: 'ann', role: 'annotator' as const, at: '2026-01-01T00:00:00Z', undone: false, frame: 10 };
  const snap = (p: Partial<LabelSnapshot>): LabelSnapshot => ({
    au: null,
    expr: null,
    valence: null,
    arousal: null,
    provenance: 'human',
    modelId: null,
    author: 'ann',
    updatedAt: base.at,
    ...p,
  });
  const entry = (e: Omit<Extract<HistoryEntry, { task: 'au' | 'expr' | 'va' }>, keyof typeof base>): HistoryEntry => ({ ...base, ...e });

  // the imported labels of frame 10: AU1 and AU12 present, the other model AUs absent; Surprise
  const gtAu = [1, 0, 0, 0, 1, 0, 0, 0];
  const frame = (over: Partial<WindowFrame>): WindowFrame => ({ frame: 10, face: 'unknown', au: null, expr: null, va: null, gt: null, m: null, ...over });
  const imported = importedLabels(frame({ au: { v: gtAu, p: 'imported' }, expr: { v: 6, p: 'imported' } }));

  it('the first AU correction (the human row copies the import) names the AU and its ground truth, not "was not corrected"', () => {
    // (an imported AU9, not a model AU, is copied along unchanged)
    const after = snap({ au: { AU1: 1, AU2: 1, AU4: 0, AU6: 0, AU9: 1, AU12: 1, AU15: 0, AU20: 0, AU25: 0 } });
    expect(describeChange(entry({ task: 'au', before: null, after }), imported)).toEqual({ what: 'AU2 present', was: 'AU2 absent (ground truth)' });
    // the same after the window refreshed: the import is now the ground truth beneath the correction
    const refreshed = importedLabels(frame({ au: { v: [1, 1, 0, 0, 1, 0, 0, 0], p: 'human' }, gt: { au: gtAu, expr: null, va: null } }));
    expect(refreshed).toEqual(imported && { ...imported, expr: null });
    expect(describeChange(entry({ task: 'au', before: null, after }), refreshed).what).toBe('AU2 present');
    // a frame without imported AUs: every decision of the new row is the change
    const none = importedLabels(frame({}));
    expect(describeChange(entry({ task: 'au', before: null, after: snap({ au: { AU2: 1 } }) }), none)).toEqual({ what: 'AU2 present', was: 'AU2 unlabelled' });
  });
  it('names only the AUs that changed, grouped by value', () => {
    const d = describeChange(entry({ task: 'au', before: snap({ au: { AU1: 1, AU2: 1, AU4: 0 } }), after: snap({ au: { AU1: 1, AU2: 0, AU4: 1, AU12: 1 } }) }), imported);
    expect(d).toEqual({ what: 'AU4 AU12 present · AU2 absent', was: 'AU2 present · AU4 absent · AU12 unlabelled' });
    expect(describeChange(entry({ task: 'au', before: snap({ au: { AU6: 1 } }), after: snap({ au: null }) }), imported).what).toBe('AU6 unlabelled');
  });
  it('expression, valence/arousal, a revert and the face', () => {
    expect(describeChange(entry({ task: 'expr', before: null, after: snap({ expr: 4 }) }), imported)).toEqual({ what: 'Happiness', was: 'Surprise (ground truth)' });
    expect(describeChange(entry({ task: 'va', before: null, after: snap({ valence: 0.5, arousal: 0.5 }) }), imported)).toEqual({ what: 'valence 0.50, arousal 0.50', was: 'no label' });
    expect(describeChange(entry({ task: 'va', before: snap({ valence: 0.1, arousal: 0 }), after: snap({ valence: 0.5, arousal: -0.25 }) }), null)).toEqual({
      what: 'valence 0.50, arousal -0.25',
      was: 'valence 0.10, arousal 0.00',
    });
    expect(describeChange(entry({ task: 'expr', before: snap({ expr: 1 }), after: null }), imported)).toEqual({ what: 'back to the imported label', was: 'Anger' });
    expect(describeChange(entry({ task: 'expr', before: null, after: snap({ expr: 2 }) }), null).was).toBe('the imported label');
    expect(describeChange({ ...base, task: 'face', before: null, after: 'none' }, imported)).toEqual({ what: 'no face', was: 'face not checked' });
  });
});
