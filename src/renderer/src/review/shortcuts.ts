// The review screen's keyboard: one table that both binds the keys and draws the help overlay, so
// the help can never list a key that does something else. Defaults follow video annotators' habits
// (←/→ one frame, Shift+←/→ ten, Space, Home/End, G go to frame; NOVA-style digits for labels).
import { AU_NAMES, EXPRESSIONS, TASKS } from '../../../shared/labels';
import type { ReviewController } from './controller';
import { acceptModel, clearLabels, keepLabels, nudgeVa, revertLabels, setExpr, toggleAu, toggleFace } from './edit-actions';

/** What the screen around the controller offers the keys: the go-to field and full screen. */
export interface ScreenUi {
  askFrame(): void;
  fullscreen: boolean;
  setFullscreen(on: boolean): void;
}

export interface Shortcut {
  keys: string;
  label: string;
  group: 'Playback' | 'Labels' | 'Selection & timeline' | 'Finding work';
  match(e: KeyboardEvent): boolean;
  run(c: ReviewController, e: KeyboardEvent, ui: ScreenUi): void;
}

const plain = (e: KeyboardEvent) => !e.ctrlKey && !e.metaKey && !e.altKey;
const key = (k: string, shift: boolean | null = false) => (e: KeyboardEvent) =>
  plain(e) && (shift === null || e.shiftKey === shift) && e.key.toLowerCase() === k.toLowerCase();
const any = (...ms: ((e: KeyboardEvent) => boolean)[]) => (e: KeyboardEvent) => ms.some((m) => m(e));
const mod = (k: string, shift = false) => (e: KeyboardEvent) => (e.ctrlKey || e.metaKey) && !e.altKey && e.shiftKey === shift && e.key.toLowerCase() === k;
const digit = (max: number, shift: boolean) => (e: KeyboardEvent) => plain(e) && e.shiftKey === shift && new RegExp(`^Digit[1-${max}]$`).test(e.code);
const here = (c: ReviewController) => c.cache.get(c.snapshot.frame);
const VA_STEP = 0.05;
const VA_BIG_STEP = 0.2;

export const SHORTCUTS: Shortcut[] = [
  { keys: '←  →', label: 'Previous / next frame', group: 'Playback', match: any(key('arrowleft'), key('arrowright')), run: (c, e) => c.step(e.key === 'ArrowLeft' ? -1 : 1) },
  {
    keys: 'Shift+←  Shift+→',
    label: 'Back / forward 10 frames',
    group: 'Playback',
    match: any(key('arrowleft', true), key('arrowright', true)),
    run: (c, e) => c.step(e.key === 'ArrowLeft' ? -10 : 10),
  },
  { keys: 'Space', label: 'Play / pause', group: 'Playback', match: (e) => plain(e) && e.code === 'Space', run: (c) => c.togglePlay() },
  { keys: 'Home  End', label: 'First / last frame', group: 'Playback', match: any(key('home'), key('end')), run: (c, e) => c.jump(e.key === 'Home' ? 0 : c.times.count - 1) },
  { keys: 'G', label: 'Go to frame…', group: 'Playback', match: key('g'), run: (_c, _e, ui) => ui.askFrame() },
  {
    keys: 'F',
    label: 'Full screen: picture, overlay and timeline (again or Esc: leave)',
    group: 'Playback',
    match: key('f'),
    run: (_c, _e, ui) => ui.setFullscreen(!ui.fullscreen),
  },
  {
    keys: 'T',
    label: 'Trace valence/arousal: play at the trace speed (over the selection: redo that range), sample the pad once per shown frame (again or Esc: end, one action)',
    group: 'Labels',
    match: key('t'),
    run: (c) => c.trace.toggle(),
  },
  { keys: '[  ]', label: 'Slower / faster playback', group: 'Playback', match: any(key('['), key(']')), run: (c, e) => c.changeRate(e.key === '[' ? -1 : 1) },
  { keys: '1 … 8', label: `Toggle ${AU_NAMES.join(', ')}`, group: 'Labels', match: digit(8, false), run: (c, e) => void c.edit(toggleAu(Number(e.code.slice(5)) - 1, here(c))) },
  { keys: 'Shift+1 … 7', label: `Expression: ${EXPRESSIONS.join(', ')}`, group: 'Labels', match: digit(7, true), run: (c, e) => void c.edit(setExpr(Number(e.code.slice(5)) - 1)) },
  {
    keys: 'A  D  S  W',
    label: `Valence − / +, arousal − / + by ${VA_STEP} (Shift: ${VA_BIG_STEP})`,
    group: 'Labels',
    match: (e) => plain(e) && ['KeyA', 'KeyD', 'KeyS', 'KeyW'].includes(e.code),
    run: (c, e) => {
      const d = e.shiftKey ? VA_BIG_STEP : VA_STEP;
      void c.edit(nudgeVa(e.code === 'KeyA' ? -d : e.code === 'KeyD' ? d : 0, e.code === 'KeyS' ? -d : e.code === 'KeyW' ? d : 0, here(c)));
    },
  },
  { keys: 'M', label: 'Accept the model labels (all tasks)', group: 'Labels', match: key('m'), run: (c) => void c.edit(acceptModel([...TASKS], c.snapshot.modelId)) },
  {
    keys: 'K',
    label: 'Keep the labels as they are (reviewed: the frame leaves the uncertain / disagrees queues)',
    group: 'Labels',
    match: key('k'),
    run: (c) => void c.edit(keepLabels([...TASKS])),
  },
  { keys: 'Delete', label: 'Clear all labels (a human "no label")', group: 'Labels', match: any(key('delete'), key('backspace')), run: (c) => void c.edit(clearLabels([...TASKS])) },
  { keys: 'R', label: 'Revert to the imported ground truth', group: 'Labels', match: key('r'), run: (c) => void c.edit(revertLabels([...TASKS])) },
  { keys: 'N', label: 'Mark no face (again: face present)', group: 'Labels', match: key('n'), run: (c) => void c.edit(toggleFace('none', here(c))) },
  { keys: 'U', label: 'Mark unusable (again: face present)', group: 'Labels', match: key('u'), run: (c) => void c.edit(toggleFace('unusable', here(c))) },
  { keys: 'Ctrl+Z', label: 'Undo (jumps back to the frame)', group: 'Labels', match: mod('z'), run: (c) => void c.undoRedo('undo') },
  { keys: 'Ctrl+Shift+Z  Ctrl+Y', label: 'Redo', group: 'Labels', match: any(mod('z', true), mod('y')), run: (c) => void c.undoRedo('redo') },
  { keys: 'I  O', label: 'Selection start / end at this frame', group: 'Selection & timeline', match: any(key('i'), key('o')), run: (c, e) => (e.key.toLowerCase() === 'i' ? c.markIn() : c.markOut()) },
  {
    keys: 'Esc',
    label: 'End a trace pass / close the help / leave full screen / clear the selection',
    group: 'Selection & timeline',
    match: key('escape', null),
    run: (c, _e, ui) =>
      c.trace.snapshot.active ? c.trace.stop() : c.snapshot.help ? c.toggleHelp(false) : ui.fullscreen ? ui.setFullscreen(false) : c.setSelection(null),
  },
  { keys: 'Shift+drag', label: 'Select a range on the timeline (drag: scrub, wheel: zoom)', group: 'Selection & timeline', match: () => false, run: () => undefined },
  {
    keys: '=  -  0',
    label: 'Zoom the timeline in / out / whole video',
    group: 'Selection & timeline',
    match: any(key('='), key('-'), key('0')),
    run: (c, e) => (e.key === '0' ? c.fit() : c.zoom(e.key === '=' ? 0.5 : 2)),
  },
  { keys: 'V', label: 'Show / hide the model overlay on the video', group: 'Selection & timeline', match: key('v'), run: (c) => c.toggleOverlay() },
  { keys: 'Q  Shift+Q', label: 'Next / previous frame of the work queue', group: 'Finding work', match: key('q', null), run: (c, e) => void c.nextWork(e.shiftKey ? 'previous' : 'next') },
  { keys: '?', label: 'Show / hide this help', group: 'Finding work', match: (e) => e.key === '?' && !e.ctrlKey && !e.metaKey, run: (c) => c.toggleHelp() },
];

/** Runs the shortcut a keydown means; returns whether there was one. */
export function handleKey(e: KeyboardEvent, c: ReviewController, ui: ScreenUi): boolean {
  const hit = SHORTCUTS.find((x) => x.match(e));
  if (!hit) return false;
  hit.run(c, e, ui);
  return true;
}
