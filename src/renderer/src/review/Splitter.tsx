// A draggable, keyboard-operable divider between two review panes (WAI-ARIA window splitter): drag
// it, or focus it (Tab) and use the arrows (Shift: bigger steps), Home / End for the smallest and
// largest size; a double-click restores the default. It sizes the pane on its far side (the
// correction panel right of it, the timeline below it).
import { useRef } from 'react';
import { splitterKey } from './pane-layout';

export interface SplitterProps {
  /** 'vertical': a divider between columns (moves left / right); 'horizontal': between rows. */
  orientation: 'vertical' | 'horizontal';
  label: string;
  value: number;
  range: { min: number; max: number };
  onChange(size: number): void;
  onReset(): void;
  testId: string;
}

export function Splitter({ orientation, label, value, range, onChange, onReset, testId }: SplitterProps) {
  const drag = useRef<{ at: number; start: number } | null>(null);
  const vertical = orientation === 'vertical';
  const pos = (e: React.PointerEvent) => (vertical ? e.clientX : e.clientY);
  return (
    <div
      className={`rv-splitter ${orientation}`}
      role="separator"
      aria-orientation={orientation}
      aria-label={label}
      aria-valuenow={Math.round(value)}
      aria-valuemin={range.min}
      aria-valuemax={range.max}
      tabIndex={0}
      title={`${label}: drag, or focus and use the arrow keys; double-click for the default size`}
      data-testid={testId}
      onPointerDown={(e) => {
        if (e.button !== 0) return;
        e.preventDefault();
        e.currentTarget.setPointerCapture(e.pointerId);
        e.currentTarget.focus();
        drag.current = { at: pos(e), start: value };
      }}
      onPointerMove={(e) => {
        const d = drag.current;
        // the pane is on the far side: moving the divider towards it makes it smaller
        if (d) onChange(Math.max(range.min, Math.min(range.max, d.start - (pos(e) - d.at))));
      }}
      onPointerUp={() => {
        drag.current = null;
      }}
      onLostPointerCapture={() => {
        drag.current = null;
      }}
      onDoubleClick={onReset}
      onKeyDown={(e) => {
        if (e.ctrlKey || e.metaKey || e.altKey) return;
        const next = splitterKey(e.key, e.shiftKey, value, range, vertical ? 'ArrowLeft' : 'ArrowUp');
        if (next === null) return;
        // handled here: the review screen's own keys (← → step frames) must not see it
        e.preventDefault();
        onChange(next);
      }}
    />
  );
}
