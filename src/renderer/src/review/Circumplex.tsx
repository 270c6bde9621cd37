// The valence/arousal circumplex (Russell): valence left→right, arousal bottom→top, both in [-1, 1].
// Shows the label in force (coloured by provenance), the model's expected point, and the model's
// two 20-bin distributions along the axes; with `onSet`, dragging on it sets the label (one edit
// on release, not one per pointer move).
import { useRef, useState } from 'react';
import { VA_BINS } from '../../../shared/labels';

export interface CircumplexProps {
  size: number;
  label: { v: number; a: number; p: string } | null;
  gt?: [number, number] | null;
  model: { v: number; a: number; vb: number[]; ab: number[] } | null;
  disagree?: boolean;
  onSet?: (v: number, a: number) => void;
  testId?: string;
}

/** Pixels around the [-1, 1]² square (the bin histograms sit there); the trace pad maps the pointer with it. */
export const CIRCUMPLEX_MARGIN = 14;

export function Circumplex({ size, label, gt, model, disagree, onSet, testId }: CircumplexProps) {
  const ref = useRef<SVGSVGElement>(null);
  const [drag, setDrag] = useState<{ v: number; a: number } | null>(null);
  const pad = CIRCUMPLEX_MARGIN;
  const r = (size - 2 * pad) / 2;
  const cx = size / 2;
  const cy = size / 2;
  const X = (v: number) => cx + v * r;
  const Y = (a: number) => cy - a * r;
  const fromEvent = (e: React.PointerEvent): { v: number; a: number } => {
    const box = ref.current!.getBoundingClientRect();
    const clamp = (x: number) => Math.max(-1, Math.min(1, Math.round(x * 100) / 100));
    return { v: clamp((e.clientX - box.left - cx) / r), a: clamp(-(e.clientY - box.top - cy) / r) };
  };
  const bw = (2 * r) / VA_BINS;
  const shown = drag ? { ...drag, p: 'human' } : label;
  return (
    <svg
      ref={ref}
      className={`rv-circ${onSet ? ' interactive' : ''}${disagree ? ' disagree' : ''}`}
      width={size}
      height={size}
      data-testid={testId}
      onPointerDown={
        onSet &&
        ((e) => {
          (e.target as Element).setPointerCapture?.(e.pointerId);
          setDrag(fromEvent(e));
        })
      }
      onPointerMove={onSet && ((e) => drag && setDrag(fromEvent(e)))}
      onPointerUp={
        onSet &&
        ((e) => {
          if (!drag) return;
          const p = fromEvent(e);
          setDrag(null);
          onSet(p.v, p.a);
        })
      }
    >
      <circle className="rv-circ-ring" cx={cx} cy={cy} r={r} />
      <circle className="rv-circ-ring inner" cx={cx} cy={cy} r={r / 2} />
      <line className="rv-circ-axis" x1={pad} y1={cy} x2={size - pad} y2={cy} />
      <line className="rv-circ-axis" x1={cx} y1={pad} x2={cx} y2={size - pad} />
      <text className="rv-circ-tick" x={size - pad + 2} y={cy + 3}>V</text>
      <text className="rv-circ-tick" x={cx + 3} y={pad - 4}>A</text>
      {model && (
        <g className="rv-circ-bins">
          {model.vb.map((p, i) => {
            const h = (p / Math.max(1e-6, ...model.vb)) * (pad - 3);
            return <rect key={`v${i}`} x={cx - r + i * bw + 0.5} y={size - 1 - h} width={bw - 1} height={h} />;
          })}
          {model.ab.map((p, i) => {
            const w = (p / Math.max(1e-6, ...model.ab)) * (pad - 3);
            return <rect key={`a${i}`} x={1} y={cy + r - (i + 1) * bw + 0.5} width={w} height={bw - 1} />;
          })}
        </g>
      )}
      {gt && shown && (shown.v !== gt[0] || shown.a !== gt[1]) && <circle className="rv-circ-gt" cx={X(gt[0])} cy={Y(gt[1])} r={3.5} />}
      {model && <circle className="rv-circ-model" cx={X(model.v)} cy={Y(model.a)} r={5} />}
      {model && shown && <line className="rv-circ-gap" x1={X(model.v)} y1={Y(model.a)} x2={X(shown.v)} y2={Y(shown.a)} />}
      {shown && <circle className={`rv-circ-label prov-${shown.p}`} cx={X(shown.v)} cy={Y(shown.a)} r={5} />}
    </svg>
  );
}
