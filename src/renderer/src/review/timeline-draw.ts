// Drawing the timeline onto a canvas: a ruler, the work and edit lanes, a lane per AU (label above,
// model probability below), the expression lane (label class above, model class below) and the
// valence and arousal curves. Ground truth, corrections, accepted model labels and model output
// each have their own colour. Pure drawing over TimelineData; no DOM beyond the 2D context.
import { AU_NAMES, NUM_AUS } from '../../../shared/labels';
import type { TimelineData } from './timeline-data';
import { lanesHeight, type Lane } from './timeline-lanes';

export const GUTTER = 62;
export const EXPR_COLORS = ['#8c96a5', '#d9423b', '#6b8e23', '#8e44ad', '#e8a317', '#3b7dd8', '#17a2b8'];
const PROV_RGB = ['37, 99, 201', '224, 123, 0', '28, 150, 80'];
const MODEL_RGB = '124, 58, 237';
const DISAGREE = '#d43b3b';
const UNCERTAIN = '#e2a93b';

export interface View {
  from: number;
  to: number;
  width: number;
}

/** x of the left edge of frame f (fractional frames allowed). */
export function xOf(v: View, f: number): number {
  return GUTTER + ((f - v.from) / (v.to - v.from + 1)) * (v.width - GUTTER);
}
/** The frame under x. */
export function frameAtX(v: View, x: number): number {
  return Math.floor(v.from + ((x - GUTTER) / (v.width - GUTTER)) * (v.to - v.from + 1));
}

function niceStep(framesPerPx: number): number {
  const raw = framesPerPx * 90;
  const p = 10 ** Math.floor(Math.log10(Math.max(1, raw)));
  for (const m of [1, 2, 5, 10]) if (m * p >= raw) return Math.max(1, m * p);
  return 10 * p;
}

export function drawTimeline(ctx: CanvasRenderingContext2D, v: View, d: TimelineData | null, lanes: Lane[]): void {
  const W = v.width;
  ctx.clearRect(0, 0, W, lanesHeight(lanes));
  const top: Record<string, number> = {};
  const hOf: Record<string, number> = {};
  for (const [i, l] of lanes.entries()) {
    top[l.key] = l.y;
    hOf[l.key] = l.h;
    ctx.fillStyle = i % 2 ? '#fafbfc' : '#ffffff';
    if (l.key !== 'ruler') ctx.fillRect(GUTTER, l.y, W - GUTTER, l.h);
    ctx.fillStyle = '#5d6678';
    ctx.font = `${Math.min(9.5, l.h + 0.5)}px system-ui, sans-serif`;
    ctx.textBaseline = 'middle';
    ctx.fillText(l.label, 6, l.y + l.h / 2 + 0.5);
  }
  // an AU lane: label above, model below; the expression lane likewise, with a gap between
  const auH = Math.floor((hOf[AU_NAMES[0]] - 2) / 2);
  const exprH = Math.floor((hOf.expr - 4) / 2);
  drawRuler(ctx, v);
  if (!d) return;
  const B = d.buckets;
  const L = d.to - d.from + 1;
  const start = (b: number) => d.from + Math.floor((b * L) / B);
  for (let b = 0; b < B; b++) {
    const x0 = xOf(v, start(b));
    const x1 = xOf(v, start(b + 1));
    if (x1 < GUTTER || x0 > W) continue;
    const x = Math.max(GUTTER, x0);
    const w = Math.max(1, Math.min(W, x1) - x);
    // work lane: disagreement (top half), uncertainty (bottom half)
    if (d.disagree[b] > 0) {
      ctx.fillStyle = DISAGREE;
      ctx.globalAlpha = 0.35 + 0.65 * d.disagree[b];
      ctx.fillRect(x, top.work + 1, w, 4);
    }
    if (d.uncertain[b] > 0) {
      ctx.fillStyle = UNCERTAIN;
      ctx.globalAlpha = 0.35 + 0.65 * d.uncertain[b];
      ctx.fillRect(x, top.work + 6, w, 4);
    }
    // edits lane: corrected frames (orange), no face / unusable (dark)
    if (d.human[b] > 0) {
      ctx.fillStyle = `rgb(${PROV_RGB[1]})`;
      ctx.globalAlpha = 0.4 + 0.6 * d.human[b];
      ctx.fillRect(x, top.edits + 1, w, 4);
    }
    if (d.noFace[b] > 0) {
      ctx.fillStyle = '#3b4250';
      ctx.globalAlpha = 0.4 + 0.6 * d.noFace[b];
      ctx.fillRect(x, top.edits + 6, w, 4);
    }
    ctx.globalAlpha = 1;
    for (let k = 0; k < NUM_AUS; k++) {
      const ly = top[AU_NAMES[k]];
      const s = d.auLabel[k][b];
      if (!Number.isNaN(s)) {
        ctx.fillStyle = `rgba(${PROV_RGB[d.prov.au[b]]}, ${s > 0 ? 0.25 + 0.75 * s : 0.12})`;
        ctx.fillRect(x, ly + 1, w, auH);
      }
      const p = d.auModel[k][b];
      if (!Number.isNaN(p)) {
        ctx.fillStyle = `rgba(${MODEL_RGB}, ${(0.08 + 0.92 * p).toFixed(3)})`;
        ctx.fillRect(x, ly + 1 + auH, w, auH);
      }
    }
    if (d.exprLabel[b] >= 0) {
      ctx.fillStyle = EXPR_COLORS[d.exprLabel[b]];
      ctx.fillRect(x, top.expr + 1, w, exprH);
      if (d.prov.expr[b] !== 0) {
        ctx.fillStyle = `rgb(${PROV_RGB[d.prov.expr[b]]})`;
        ctx.fillRect(x, top.expr + 1, w, 2);
      }
    }
    if (d.exprModel[b] >= 0) {
      ctx.fillStyle = EXPR_COLORS[d.exprModel[b]];
      ctx.globalAlpha = 0.25 + 0.75 * d.exprShare[b];
      ctx.fillRect(x, top.expr + hOf.expr - 1 - exprH, w, exprH);
      ctx.globalAlpha = 1;
    }
  }
  drawCurve(ctx, v, d, d.vModel, top.v, hOf.v, `rgb(${MODEL_RGB})`, false);
  drawCurve(ctx, v, d, d.vLabel, top.v, hOf.v, `rgb(${PROV_RGB[0]})`, true);
  drawCurve(ctx, v, d, d.aModel, top.a, hOf.a, `rgb(${MODEL_RGB})`, false);
  drawCurve(ctx, v, d, d.aLabel, top.a, hOf.a, `rgb(${PROV_RGB[0]})`, true);
}

function drawRuler(ctx: CanvasRenderingContext2D, v: View): void {
  const fpp = (v.to - v.from + 1) / Math.max(1, v.width - GUTTER);
  const step = niceStep(fpp);
  ctx.fillStyle = '#6b7384';
  ctx.strokeStyle = '#c3c9d2';
  ctx.font = '10px system-ui, sans-serif';
  ctx.textBaseline = 'top';
  ctx.beginPath();
  for (let f = Math.ceil(v.from / step) * step; f <= v.to; f += step) {
    const x = Math.round(xOf(v, f)) + 0.5;
    ctx.moveTo(x, 11);
    ctx.lineTo(x, 18);
    ctx.fillText(String(f), x + 3, 3);
  }
  ctx.stroke();
}

/** A curve in [-1, 1] within a lane; labels draw as points where they are sparse, as a line where dense. */
function drawCurve(ctx: CanvasRenderingContext2D, v: View, d: TimelineData, vals: Float32Array, y0: number, h: number, color: string, label: boolean): void {
  const L = d.to - d.from + 1;
  const mid = (b: number) => xOf(v, d.from + ((b + 0.5) * L) / d.buckets);
  const Y = (x: number) => y0 + h / 2 - (x * (h - 4)) / 2;
  ctx.strokeStyle = '#e3e6eb';
  ctx.beginPath();
  ctx.moveTo(GUTTER, y0 + h / 2 + 0.5);
  ctx.lineTo(v.width, y0 + h / 2 + 0.5);
  ctx.stroke();
  ctx.strokeStyle = color;
  ctx.fillStyle = color;
  ctx.lineWidth = label ? 1.5 : 1.2;
  ctx.beginPath();
  let drawing = false;
  for (let b = 0; b < d.buckets; b++) {
    const val = vals[b];
    if (Number.isNaN(val)) {
      drawing = false;
      continue;
    }
    const x = mid(b);
    if (x < GUTTER || x > v.width) continue;
    const next = b + 1 < d.buckets ? vals[b + 1] : NaN;
    if (label && !drawing && Number.isNaN(next)) {
      ctx.fillStyle = d.prov.va[b] ? `rgb(${PROV_RGB[d.prov.va[b]]})` : color;
      ctx.fillRect(x - 1.5, Y(val) - 1.5, 3, 3);
      continue;
    }
    if (drawing) ctx.lineTo(x, Y(val));
    else ctx.moveTo(x, Y(val));
    drawing = true;
  }
  ctx.stroke();
  ctx.lineWidth = 1;
}

/** The playhead, the selection and the in-point, on the overlay canvas (redrawn on every frame change). */
export function drawPlayhead(ctx: CanvasRenderingContext2D, v: View, height: number, frame: number, sel: { from: number; to: number } | null, anchor: number | null): void {
  ctx.clearRect(0, 0, v.width, height);
  const onePx = (v.width - GUTTER) / (v.to - v.from + 1);
  if (sel) {
    const x0 = Math.max(GUTTER, xOf(v, sel.from));
    const x1 = Math.min(v.width, xOf(v, sel.to + 1));
    if (x1 > x0) {
      ctx.fillStyle = 'rgba(37, 99, 201, 0.13)';
      ctx.fillRect(x0, 0, Math.max(1, x1 - x0), height);
      ctx.fillStyle = 'rgba(37, 99, 201, 0.7)';
      ctx.fillRect(x0, 0, 1, height);
      ctx.fillRect(Math.max(x0, x1 - 1), 0, 1, height);
    }
  }
  if (anchor !== null) {
    ctx.fillStyle = 'rgba(37, 99, 201, 0.8)';
    ctx.fillRect(xOf(v, anchor), 0, 2, 18);
  }
  if (frame < v.from || frame > v.to) return;
  const x = xOf(v, frame);
  const w = Math.max(1, onePx);
  ctx.fillStyle = 'rgba(212, 59, 59, 0.18)';
  ctx.fillRect(x, 0, w, height);
  ctx.fillStyle = '#d43b3b';
  ctx.fillRect(Math.round(x + w / 2) - 1, 0, 2, height);
  ctx.beginPath();
  ctx.moveTo(x + w / 2 - 5, 0);
  ctx.lineTo(x + w / 2 + 5, 0);
  ctx.lineTo(x + w / 2, 6);
  ctx.fill();
}
