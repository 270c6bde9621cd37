// The valence/arousal lanes' annotator curves: each annotator's valence/arousal (the backend's
// `review.annotatorVa`, per bucket of the view) drawn over the label and model curves that
// timeline-draw.ts draws — this annotator's trace bold, the other annotators' thin, each smoothed
// layer dashed. Pure drawing on the 2D context.
import type { Output } from '../../../shared/contract';
import { GUTTER, xOf, type View } from './timeline-draw';
import type { Lane } from './timeline-lanes';

export type AnnotatorVa = Output<'review.annotatorVa'>;

export const OWN_COLOR = '#c2410c';
/** Other annotators, in name order. */
const OTHER_COLORS = ['#0f766e', '#a16207', '#be185d', '#4d7c0f', '#1d4ed8', '#7e22ce'];

export function otherColor(i: number): string {
  return OTHER_COLORS[i % OTHER_COLORS.length];
}

function curve(ctx: CanvasRenderingContext2D, v: View, d: AnnotatorVa, vals: (number | null)[], lane: Lane, color: string, width: number, dash: number[]): void {
  const L = d.to - d.from + 1;
  const mid = (b: number) => xOf(v, d.from + ((b + 0.5) * L) / d.buckets);
  const Y = (x: number) => lane.y + lane.h / 2 - (x * (lane.h - 4)) / 2;
  ctx.strokeStyle = color;
  ctx.fillStyle = color;
  ctx.lineWidth = width;
  ctx.setLineDash(dash);
  ctx.beginPath();
  let drawing = false;
  for (let b = 0; b < vals.length; b++) {
    const val = vals[b];
    const x = mid(b);
    if (val === null || x < GUTTER || x > v.width) {
      drawing = false;
      continue;
    }
    const next = b + 1 < vals.length ? vals[b + 1] : null;
    if (!drawing && next === null) {
      // a lone value: a dot
      ctx.fillRect(x - 1.5, Y(val) - 1.5, 3, 3);
      continue;
    }
    if (drawing) ctx.lineTo(x, Y(val));
    else ctx.moveTo(x, Y(val));
    drawing = true;
  }
  ctx.stroke();
  ctx.setLineDash([]);
  ctx.lineWidth = 1;
}

/** The annotators' curves in the valence and arousal lanes; `own` is this annotator's name (drawn last, on top). */
export function drawAnnotatorVa(ctx: CanvasRenderingContext2D, v: View, d: AnnotatorVa | null, lanes: Lane[], own: string | null): void {
  if (!d || d.from > v.to || d.to < v.from) return;
  const vLane = lanes.find((l) => l.key === 'v');
  const aLane = lanes.find((l) => l.key === 'a');
  if (!vLane || !aLane) return;
  const others = d.tracks.filter((t) => !(t.role === 'annotator' && t.annotator === own));
  others.forEach((t, i) => {
    curve(ctx, v, d, t.valence, vLane, otherColor(i), 1, []);
    curve(ctx, v, d, t.arousal, aLane, otherColor(i), 1, []);
  });
  for (const s of d.derived) {
    const color = s.annotator === own ? OWN_COLOR : '#6b7280';
    curve(ctx, v, d, s.valence, vLane, color, 1.2, [4, 3]);
    curve(ctx, v, d, s.arousal, aLane, color, 1.2, [4, 3]);
  }
  const mine = d.tracks.find((t) => t.role === 'annotator' && t.annotator === own);
  if (mine) {
    curve(ctx, v, d, mine.valence, vLane, OWN_COLOR, 2, []);
    curve(ctx, v, d, mine.arousal, aLane, OWN_COLOR, 2, []);
  }
}
