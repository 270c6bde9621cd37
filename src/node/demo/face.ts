// The synthetic face renderer of the demo dataset: an aligned, centred face crop (like
// Aff-Wild2's cropped_aligned frames) drawn from an identity and continuous facial action unit
// intensities. Each AU moves the features the way FACS describes (brows, lids, lip corners,
// lips, jaw) and adds its wrinkles, so a model has to read the face to recover the AUs.

import { fastNormal } from './prng';
import { band, Canvas, ellipse, headShape, stroke, type Pose, type Pt, type Rgb, type Shape } from './raster';
import { mix, scaleRgb, type Identity } from './identity';

/** AUs the renderer draws. 5 and 9 are drawn but never labelled (they add expression cues). */
export const RENDER_AUS = [1, 2, 4, 5, 6, 7, 9, 10, 12, 15, 20, 23, 24, 25, 26] as const;

/** AU number → intensity in [0, 1]; a missing AU is 0. */
export type AuIntensities = Readonly<Partial<Record<number, number>>>;

/** Per-frame nuisance: head pose, blinks, gaze, lighting and camera quality. */
export interface FrameStyle {
  pose: Pose;
  /** 0 = open, 1 = closed. */
  blink: number;
  gaze: Pt;
  lightAngle: number;
  lightAmount: number;
  /** Per-channel colour cast multipliers (white balance). */
  tint: Rgb;
  /** Number of [1 2 1] blur passes (0 = sharp). */
  blur: number;
  /** Sensor noise standard deviation in 8-bit levels. */
  noise: number;
  /** Seed of this frame's noise. */
  noiseSeed: number;
}

export const NEUTRAL_STYLE: FrameStyle = {
  pose: { tx: 0, ty: 0, rot: 0, scale: 1 },
  blink: 0,
  gaze: { x: 0, y: 0 },
  lightAngle: 0,
  lightAmount: 0,
  tint: [1, 1, 1],
  blur: 0,
  noise: 0,
  noiseSeed: 1,
};

const clamp01 = (v: number): number => (v < 0 ? 0 : v > 1 ? 1 : v);
const pt = (x: number, y: number): Pt => ({ x, y });

/** Orders two points left to right, so curve offsets mean "up" for both sides of the face. */
function lr(a: Pt, b: Pt): [Pt, Pt, boolean] {
  return a.x <= b.x ? [a, b, false] : [b, a, true];
}

/** A stroke whose bow points away from the face midline (nasolabial folds, crow's feet). */
function outwardStroke(a: Pt, b: Pt, bow: number, w0: number, w1: number, colour: Rgb, opacity: number, side: number): Shape {
  const ey = b.y - a.y;
  // The chord normal is (ey, -ex) / len: it points to this side when ey·side > 0.
  const sign = ey * side >= 0 ? 1 : -1;
  return stroke({ p0: a, p1: b, h: bow * sign }, w0, w1, colour, opacity);
}

/** Everything the face draws for one eye: socket shadow, sclera, iris, lids, lashes, crease, wrinkles. */
function eyeShapes(id: Identity, au: (n: number) => number, side: number, style: FrameStyle, skinDark: Rgb): Shape[] {
  const cx = side * id.eyeSep;
  const cy = id.eyeY + 0.012 * au(6) + 0.008 * au(7);
  const inner = pt(side * (id.eyeSep - id.eyeW), cy + 0.006);
  const outer = pt(side * (id.eyeSep + id.eyeW), cy - 0.008);
  const [p0, p1] = lr(inner, outer);
  const open = 1 - clamp01(style.blink);
  const lower = -id.lowerLid * (1 - 0.75 * au(6) - 0.9 * au(7));
  const upperRaw = id.eyeOpen * (1 + 0.55 * au(5) - 0.35 * au(7) - 0.25 * au(4) - 0.25 * au(6) - 0.15 * au(9));
  const upper = lower + (upperRaw - lower) * open;
  const opening = band(p0, p1, { h: upper }, { h: lower }, [236, 230, 224]);
  const gx = cx + style.gaze.x * id.eyeW * 0.35;
  const gy = cy - (upper + lower) * 0.3 + style.gaze.y * 0.02;
  const iris = { ...ellipse(gx, gy, id.irisR, id.irisR, id.iris), clip: opening };
  const pupil = { ...ellipse(gx, gy, id.irisR * 0.45, id.irisR * 0.45, [12, 10, 10]), clip: opening };
  const glint = { ...ellipse(gx + 0.015, gy - 0.015, 0.008, 0.008, [250, 250, 250], 0.8), clip: opening };
  const lash = scaleRgb(id.brow, 0.6);
  const shapes: Shape[] = [
    { ...ellipse(cx, cy - 0.02, id.eyeW * 1.5, 0.12, skinDark, 0.18 + 0.12 * au(4)), feather: 0.07 },
    opening,
    iris,
    pupil,
    glint,
    stroke({ p0, p1, h: upper }, 0.011, 0.011, lash, 0.95),
    stroke({ p0, p1, h: lower }, 0.005, 0.005, skinDark, 0.35 + 0.3 * au(7)),
    // Upper lid crease: rides higher when the lid is raised (AU5), flattens when tightened.
    stroke({ p0: pt(p0.x + 0.01, p0.y - 0.035), p1: pt(p1.x - 0.01, p1.y - 0.035), h: upperRaw * 0.9 + 0.01 * au(5) }, 0.004, 0.004, skinDark, 0.45 * (1 - 0.6 * au(4))),
    // Infraorbital furrow under the eye: lifted and deepened by the cheek raiser.
    stroke({ p0: pt(p0.x + 0.02, p0.y + 0.07 - 0.02 * au(6)), p1: pt(p1.x - 0.02, p1.y + 0.07 - 0.02 * au(6)), h: -0.03 }, 0.005, 0.005, skinDark, 0.08 + 0.5 * au(6) + 0.25 * au(7)),
  ];
  // Crow's feet at the outer corner (AU6).
  if (au(6) > 0.02) {
    for (const k of [-1, 0, 1]) {
      const a = pt(outer.x + side * 0.025, outer.y + 0.02 * k);
      const b = pt(outer.x + side * 0.09, outer.y + 0.045 * k + 0.01);
      shapes.push(outwardStroke(a, b, 0.006, 0.005, 0.003, skinDark, 0.6 * au(6), side));
    }
  }
  return shapes;
}

function browShapes(id: Identity, au: (n: number) => number, side: number): Shape[] {
  const base = id.eyeY - id.browGap;
  const inner = pt(side * (id.browInX - 0.035 * au(4)), base + 0.01 - 0.1 * au(1) + 0.07 * au(4) + 0.025 * au(9));
  const outer = pt(side * (id.browInX + id.browLen), base + 0.03 - 0.1 * au(2) + 0.02 * au(4));
  const [p0, p1, swapped] = lr(inner, outer);
  // AU1 alone gives the oblique "sad" brow: the arch flattens; AU2 lifts the arch.
  const arch = id.browArch * (1 - 0.6 * au(1) * (1 - au(2))) + 0.02 * au(2) - 0.01 * au(4);
  const wi = id.browThick * 1.15;
  const wo = id.browThick * 0.55;
  return [stroke({ p0, p1, h: arch, bump: 0.012 * au(1) * (1 - au(2)), bumpW: 0.2 }, swapped ? wi : wo, swapped ? wo : wi, id.brow, 0.95)];
}

function wrinkleShapes(id: Identity, au: (n: number) => number, skinDark: Rgb): Shape[] {
  const shapes: Shape[] = [];
  const browY = id.eyeY - id.browGap;
  for (let r = 0; r < 3; r++) {
    const y = browY - 0.12 - 0.05 * r;
    // Frontalis wrinkles: central with AU1, lateral with AU2.
    if (au(1) > 0.02) shapes.push(stroke({ p0: pt(-0.17, y + 0.01), p1: pt(0.17, y + 0.01), h: 0.01 }, 0.005, 0.005, skinDark, 0.55 * au(1)));
    if (au(2) > 0.02) {
      shapes.push(stroke({ p0: pt(-0.36, y + 0.03), p1: pt(-0.12, y), h: 0.012 }, 0.005, 0.005, skinDark, 0.55 * au(2)));
      shapes.push(stroke({ p0: pt(0.12, y), p1: pt(0.36, y + 0.03), h: 0.012 }, 0.005, 0.005, skinDark, 0.55 * au(2)));
    }
  }
  if (au(4) > 0.02) {
    // Vertical glabellar furrows between the lowered brows.
    for (const x of [-0.03, 0.03]) shapes.push(stroke({ p0: pt(x, browY - 0.01), p1: pt(x * 1.3, browY + 0.08), h: 0.004 }, 0.006, 0.004, skinDark, 0.65 * au(4)));
  }
  if (au(9) > 0.02) {
    for (let r = 0; r < 3; r++) shapes.push(stroke({ p0: pt(-0.05, id.eyeY + 0.01 + 0.025 * r), p1: pt(0.05, id.eyeY + 0.01 + 0.025 * r), h: 0.006 }, 0.004, 0.004, skinDark, 0.6 * au(9)));
  }
  return shapes;
}

function noseShapes(id: Identity, au: (n: number) => number, skinDark: Rgb, skinLight: Rgb): Shape[] {
  const tip = id.noseTipY - 0.015 * au(9) - 0.008 * au(10);
  const w = id.noseW * (1 + 0.15 * au(9) + 0.08 * au(10));
  const shapes: Shape[] = [];
  for (const side of [-1, 1]) {
    shapes.push({ ...stroke({ p0: pt(side * 0.05, id.eyeY + 0.02), p1: pt(side * 0.07, tip - 0.03), h: 0 }, 0.012, 0.018, skinDark, 0.2), feather: 0.03 });
    shapes.push({ ...ellipse(side * w * 0.8, tip + 0.005, 0.035, 0.035, skinDark, 0.3), feather: 0.02 });
    shapes.push(ellipse(side * w * 0.42, tip + 0.028, 0.024, 0.011, scaleRgb(skinDark, 0.45), 0.9, side * 0.35));
  }
  shapes.push({ ...ellipse(0, tip - 0.015, 0.04, 0.035, skinLight, 0.35), feather: 0.035 });
  return shapes;
}

/** Lips, mouth opening, teeth, and the folds around the mouth. */
function mouthShapes(id: Identity, au: (n: number) => number, skinDark: Rgb): Shape[] {
  const halfW = id.mouthW * (1 + 0.22 * au(12) + 0.42 * au(20) - 0.2 * au(23) - 0.06 * au(15));
  const jaw = 0.03 * au(26);
  const cornerY = (side: number): number => {
    const k = 1 + id.mouthAsym * side;
    return id.mouthY + jaw - 0.075 * au(12) * k + 0.06 * au(15) * (2 - k) + 0.02 * au(20);
  };
  const left = pt(-halfW, cornerY(-1));
  const right = pt(halfW, cornerY(1));
  const chordMid = (left.y + right.y) / 2;
  const centreY = id.mouthY + jaw - 0.012 * au(12) + 0.008 * au(15);
  const line = chordMid - centreY;
  // AU25 parts the lips; AU26 drops the jaw, which opens the mouth only when the lips part.
  const gap = au(25) * (0.1 + 0.14 * au(26));
  const thin = Math.max(0.25, 1 - 0.45 * au(20) - 0.35 * au(23) - 0.55 * au(24) - 0.2 * au(12));
  const tU = id.upperLip * thin;
  const tL = id.lowerLip * thin;
  const ui = line + 0.35 * gap + 0.012 * au(10);
  const li = line - 0.65 * gap;
  const uo = ui + tU + 0.03 * au(10);
  const lo = li - tL;
  const lipDark = scaleRgb(id.lips, 0.85);
  const opening = band(left, right, { h: ui }, { h: li }, [55, 22, 28]);
  const shapes: Shape[] = [
    // Shadow under the lower lip and the mentolabial sulcus (deepened by AU15 / AU24).
    { ...stroke({ p0: pt(left.x + 0.04, left.y + 0.02), p1: pt(right.x - 0.04, right.y + 0.02), h: lo - 0.005 }, 0.012, 0.012, skinDark, 0.25 + 0.35 * au(24) + 0.25 * au(15)), feather: 0.02 },
    band(left, right, { h: uo, bump: -0.012, bumpW: 0.06 }, { h: ui }, lipDark),
    band(left, right, { h: li }, { h: lo }, id.lips),
    { ...ellipse(0, chordMid - (li + lo) / 2 - 0.005, 0.05, 0.012, mix(id.lips, [255, 255, 255], 0.35), 0.3), feather: 0.015 },
    opening,
    { ...band(left, right, { h: ui }, { h: ui - 0.04 }, [232, 226, 212]), clip: opening },
    { ...band(left, right, { h: li + 0.03 }, { h: li }, [205, 200, 188]), clip: opening, opacity: clamp01((gap - 0.06) * 15) },
    stroke({ p0: left, p1: right, h: line }, 0.006, 0.006, [70, 30, 35], 0.75 * clamp01(1 - gap * 40)),
  ];
  for (const side of [-1, 1]) {
    const c = side < 0 ? left : right;
    // Corner shadows, nasolabial folds (AU12, AU10, AU6), marionette lines (AU15), stretch lines (AU20).
    shapes.push({ ...ellipse(c.x, c.y, 0.014, 0.01, skinDark, 0.3 + 0.3 * au(12) + 0.3 * au(15)), feather: 0.01 });
    const fold = Math.max(au(12), au(10), 0.6 * au(6), 0.6 * au(9));
    const top = pt(side * (id.noseW + 0.035), id.noseTipY - 0.01);
    const bottom = pt(c.x + side * (0.04 + 0.02 * au(12)), c.y + 0.05 - 0.02 * au(12));
    shapes.push(outwardStroke(top, bottom, 0.02 + 0.02 * au(12), 0.006, 0.004, skinDark, 0.12 + 0.55 * fold, side));
    if (au(15) > 0.02) shapes.push(outwardStroke(pt(c.x, c.y + 0.02), pt(c.x + side * 0.03, c.y + 0.13), 0.01, 0.005, 0.003, skinDark, 0.55 * au(15), side));
    if (au(20) > 0.02) {
      // Skin stretched sideways from the corners, and a tension line down towards the jaw.
      shapes.push(stroke(side < 0 ? { p0: pt(c.x - 0.1, c.y + 0.015), p1: pt(c.x - 0.015, c.y), h: 0 } : { p0: pt(c.x + 0.015, c.y), p1: pt(c.x + 0.1, c.y + 0.015), h: 0 }, 0.005, 0.005, skinDark, 0.7 * au(20)));
      shapes.push(outwardStroke(pt(c.x + side * 0.02, c.y + 0.03), pt(c.x + side * 0.07, c.y + 0.16), 0.01, 0.004, 0.003, skinDark, 0.5 * au(20), side));
    }
  }
  return shapes;
}

/** Builds the painter's list of shapes (back to front) for one face. */
export function faceShapes(id: Identity, aus: AuIntensities, style: FrameStyle): Shape[] {
  const au = (n: number): number => clamp01(aus[n] ?? 0);
  const skinDark = scaleRgb(id.skin, 0.62);
  const skinLight = mix(id.skin, [255, 250, 245], 0.35);
  const chin = id.chin + 0.08 * au(26);
  const head = headShape(0, id.cy, id.headRx, id.headTop, chin, id.jawP, id.skin);
  const shapes: Shape[] = [];
  if (id.hairStyle === 'long') shapes.push(ellipse(0, id.cy + 0.3, id.headRx + 0.16, 1.15, id.hair));
  else if (id.hairStyle !== 'bald') shapes.push(ellipse(0, id.cy - 0.12, id.headRx + 0.06, id.headTop + 0.08, id.hair));
  shapes.push(ellipse(0, id.cy + chin + 0.05, 0.3, 0.45, scaleRgb(id.skin, 0.8)));
  shapes.push(ellipse(0, id.cy + chin + 0.75, 1.25, 0.55, id.clothes));
  for (const side of [-1, 1]) shapes.push(ellipse(side * (id.headRx - 0.01), id.eyeY + 0.1, 0.07, 0.13, scaleRgb(id.skin, 0.88)));
  shapes.push(head);
  // Roundness: darker towards the outline, lighter cheeks.
  shapes.push({ ...ellipse(0, id.cy + 0.05, id.headRx * 0.8, (id.headTop + chin) * 0.42, skinDark, 0.5), invert: true, feather: 0.3, clip: head, bbox: head.bbox });
  for (const side of [-1, 1]) {
    shapes.push({ ...ellipse(side * 0.3, id.noseTipY + 0.02 - 0.05 * au(6) - 0.025 * au(12), 0.12, 0.08, mix(skinLight, [225, 140, 130], 0.15), 0.1 + 0.3 * au(6)), feather: 0.1 });
  }
  if (id.stubble > 0) shapes.push({ ...ellipse(0, id.mouthY + 0.15 + 0.04 * au(26), id.headRx * 0.95, 0.38, scaleRgb(id.hair, 0.7), id.stubble), feather: 0.08, clip: head });
  shapes.push(...noseShapes(id, au, skinDark, skinLight));
  shapes.push(...mouthShapes(id, au, skinDark));
  for (const side of [-1, 1]) shapes.push(...eyeShapes(id, au, side, style, skinDark));
  shapes.push(...wrinkleShapes(id, au, skinDark));
  for (const side of [-1, 1]) shapes.push(...browShapes(id, au, side));
  if (id.hairStyle !== 'bald') {
    const ry = id.hairStyle === 'fringe' ? 0.42 : 0.55;
    shapes.push(ellipse(0, id.cy - id.hairline - ry, id.headRx + 0.05, ry, id.hair));
  }
  return shapes;
}

/**
 * Framing of an aligned crop: the face model is drawn enlarged and raised so the eyes sit at
 * ~38 % of the height, the chin near the bottom edge and the cheeks near the sides, like
 * Aff-Wild2's cropped_aligned frames. Pose jitter is applied on top.
 */
const CROP_SCALE = 1.3;
const CROP_SHIFT_Y = -0.15;

/** Renders one frame as packed rgb24 (size × size × 3 bytes). */
export function renderFace(id: Identity, aus: AuIntensities, style: FrameStyle, size: number): Uint8Array {
  const canvas = new Canvas(size);
  canvas.gradient(id.bgTop, id.bgBottom);
  const { pose } = style;
  canvas.paint(faceShapes(id, aus, style), { ...pose, ty: pose.ty + CROP_SHIFT_Y, scale: pose.scale * CROP_SCALE });
  if (style.lightAmount) canvas.light(style.lightAngle, style.lightAmount);
  const d = canvas.data;
  for (let k = 0; k < d.length; k += 3) {
    d[k] *= style.tint[0];
    d[k + 1] *= style.tint[1];
    d[k + 2] *= style.tint[2];
  }
  if (style.blur > 0) canvas.blur(style.blur);
  const out = new Uint8Array(size * size * 3);
  canvas.toRgb8(out, style.noise, fastNormal(style.noiseSeed));
  return out;
}

