// A tiny anti-aliased 2-D rasteriser for the synthetic demo faces. Shapes are described by an
// approximate signed distance (face units, negative inside); coverage is a linear ramp one pixel
// wide around the zero level, which gives smooth edges without supersampling. Pure TypeScript so
// the demo needs no native canvas package.

export type Rgb = readonly [number, number, number];

/** A point in face coordinates: unit = half the image side, origin at the image centre, y down. */
export interface Pt {
  x: number;
  y: number;
}

/** Similarity transform from face coordinates to image coordinates (same units, y down). */
export interface Pose {
  tx: number;
  ty: number;
  /** Rotation in radians (positive = clockwise on screen). */
  rot: number;
  scale: number;
}

export interface Shape {
  /** Signed distance in face units (negative inside). */
  dist(x: number, y: number): number;
  /** Face-space bounding box [x0, y0, x1, y1] outside which coverage is zero. */
  bbox: readonly [number, number, number, number];
  colour: Rgb;
  opacity: number;
  /** Width (face units) of a soft edge; 0 = one-pixel anti-aliased edge. */
  feather?: number;
  /** Coverage is taken as 1 - coverage (a hole): used for vignettes inside a clip. */
  invert?: boolean;
  /** Coverage is multiplied by the clip shape's coverage (iris inside the eye, teeth inside the mouth). */
  clip?: Shape;
}

function coverage(s: Shape, x: number, y: number, px: number): number {
  const w = Math.max(px, s.feather ?? 0);
  let c = 0.5 - s.dist(x, y) / w;
  c = c < 0 ? 0 : c > 1 ? 1 : c;
  if (s.invert) c = 1 - c;
  if (s.clip && c > 0) c *= coverage(s.clip, x, y, px);
  return c;
}

export function ellipse(cx: number, cy: number, rx: number, ry: number, colour: Rgb, opacity = 1, angle = 0): Shape {
  const ca = Math.cos(angle);
  const sa = Math.sin(angle);
  const r = Math.max(rx, ry);
  return {
    colour,
    opacity,
    bbox: [cx - r, cy - r, cx + r, cy + r],
    dist(x, y) {
      const dx = x - cx;
      const dy = y - cy;
      const u = (dx * ca + dy * sa) / rx;
      const v = (-dx * sa + dy * ca) / ry;
      const g = Math.sqrt(u * u + v * v);
      if (g < 1e-9) return -Math.min(rx, ry);
      // First-order distance: (g - 1) / |grad g|.
      const gx = u / rx / g;
      const gy = v / ry / g;
      return (g - 1) / Math.sqrt(gx * gx + gy * gy);
    },
  };
}

/**
 * Head outline: upper half an ellipse, lower half a superellipse (exponent p on x) whose height
 * is the chin length, so jaw shape varies by identity and the chin drops with AU26.
 */
export function headShape(cx: number, cy: number, rx: number, ryTop: number, ryChin: number, p: number, colour: Rgb): Shape {
  return {
    colour,
    opacity: 1,
    bbox: [cx - rx, cy - ryTop, cx + rx, cy + ryChin],
    dist(x, y) {
      const dx = Math.abs(x - cx);
      const dy = y - cy;
      const ry = dy < 0 ? ryTop : ryChin;
      const pe = dy < 0 ? 2 : p;
      const ax = dx / rx;
      const axp1 = pe === 2 ? ax : Math.pow(ax, pe - 1);
      const f = axp1 * ax + (dy / ry) * (dy / ry);
      const gx = (pe * axp1) / rx;
      const gy = (2 * dy) / (ry * ry);
      const gn = Math.sqrt(gx * gx + gy * gy);
      return gn < 1e-9 ? -Math.min(rx, ry) : (f - 1) / gn;
    },
  };
}

/**
 * A curve over a chord p0→p1: offset n(t) = 4·h·t(1−t) + bump·exp(−((t−0.5)/bumpW)²) along the
 * chord's normal, t ∈ [0, 1]; for a left-to-right chord positive offsets point up the screen.
 */
export interface Curve {
  p0: Pt;
  p1: Pt;
  h: number;
  bump?: number;
  bumpW?: number;
}

interface Frame {
  ox: number;
  oy: number;
  ex: number;
  ey: number;
  len: number;
}

function chordFrame(p0: Pt, p1: Pt): Frame {
  const dx = p1.x - p0.x;
  const dy = p1.y - p0.y;
  const len = Math.max(1e-6, Math.hypot(dx, dy));
  return { ox: p0.x, oy: p0.y, ex: dx / len, ey: dy / len, len };
}

/** Offset and slope (d offset / d s) of a curve at chord parameter t. */
function curveAt(h: number, bump: number, bw: number, len: number, t: number): [number, number] {
  const z = (t - 0.5) / bw;
  const g = bump === 0 ? 0 : bump * Math.exp(-z * z);
  const n = 4 * h * t * (1 - t) + g;
  const dn = (4 * h * (1 - 2 * t) + (g * -2 * z) / bw) / len;
  return [n, dn];
}

function bboxOf(p0: Pt, p1: Pt, pad: number): [number, number, number, number] {
  return [Math.min(p0.x, p1.x) - pad, Math.min(p0.y, p1.y) - pad, Math.max(p0.x, p1.x) + pad, Math.max(p0.y, p1.y) + pad];
}

/** Region between an upper and a lower curve on the same chord (an eye opening, a lip, a mouth). */
export function band(p0: Pt, p1: Pt, top: Omit<Curve, 'p0' | 'p1'>, bottom: Omit<Curve, 'p0' | 'p1'>, colour: Rgb, opacity = 1): Shape {
  const f = chordFrame(p0, p1);
  const pad = Math.max(Math.abs(top.h) + Math.abs(top.bump ?? 0), Math.abs(bottom.h) + Math.abs(bottom.bump ?? 0)) + 0.02;
  return {
    colour,
    opacity,
    bbox: bboxOf(p0, p1, pad),
    dist(x, y) {
      const rx = x - f.ox;
      const ry = y - f.oy;
      const s = rx * f.ex + ry * f.ey;
      const n = rx * f.ey - ry * f.ex;
      const t = Math.min(1, Math.max(0, s / f.len));
      const [nt, dt] = curveAt(top.h, top.bump ?? 0, top.bumpW ?? 0.1, f.len, t);
      const [nb, db] = curveAt(bottom.h, bottom.bump ?? 0, bottom.bumpW ?? 0.1, f.len, t);
      const dTop = (n - nt) / Math.sqrt(1 + dt * dt);
      const dBot = (nb - n) / Math.sqrt(1 + db * db);
      return Math.max(dTop, dBot, -s, s - f.len);
    },
  };
}

/** A stroke along a curve whose half-width tapers linearly from w0 (at p0) to w1 (at p1). */
export function stroke(c: Curve, w0: number, w1: number, colour: Rgb, opacity = 1): Shape {
  const f = chordFrame(c.p0, c.p1);
  const pad = Math.abs(c.h) + Math.abs(c.bump ?? 0) + Math.max(w0, w1) + 0.02;
  return {
    colour,
    opacity,
    bbox: bboxOf(c.p0, c.p1, pad),
    dist(x, y) {
      const rx = x - f.ox;
      const ry = y - f.oy;
      const s = rx * f.ex + ry * f.ey;
      const n = rx * f.ey - ry * f.ex;
      const t = Math.min(1, Math.max(0, s / f.len));
      const [nc, dc] = curveAt(c.h, c.bump ?? 0, c.bumpW ?? 0.1, f.len, t);
      const w = w0 + (w1 - w0) * t;
      const dn = Math.abs(n - nc) / Math.sqrt(1 + dc * dc) - w;
      // Rounded ends: distance beyond the chord ends combines with the normal distance.
      const ds = s < 0 ? -s : s > f.len ? s - f.len : 0;
      return ds > 0 ? Math.hypot(ds, Math.max(0, dn + w)) - w : dn;
    },
  };
}

/** A floating-point RGB canvas (0..255 per channel) that shapes are painted onto. */
export class Canvas {
  readonly data: Float32Array;
  constructor(readonly size: number) {
    this.data = new Float32Array(size * size * 3);
  }

  /** Fills with a vertical gradient from `top` to `bottom` (image space, not face space). */
  gradient(top: Rgb, bottom: Rgb): void {
    const { size, data } = this;
    for (let j = 0; j < size; j++) {
      const t = j / (size - 1);
      for (let i = 0; i < size; i++) {
        const k = (j * size + i) * 3;
        data[k] = top[0] + (bottom[0] - top[0]) * t;
        data[k + 1] = top[1] + (bottom[1] - top[1]) * t;
        data[k + 2] = top[2] + (bottom[2] - top[2]) * t;
      }
    }
  }

  /** Paints shapes in order (painter's algorithm) through the pose transform. */
  paint(shapes: readonly Shape[], pose: Pose): void {
    const { size, data } = this;
    const half = size / 2;
    const ca = Math.cos(pose.rot);
    const sa = Math.sin(pose.rot);
    const px = 1 / half / pose.scale;
    for (const s of shapes) {
      if (s.opacity <= 0) continue;
      // Image-space pixel range of the transformed bounding box.
      const [bx0, by0, bx1, by1] = s.bbox;
      let i0 = Infinity;
      let i1 = -Infinity;
      let j0 = Infinity;
      let j1 = -Infinity;
      for (const [fx, fy] of [[bx0, by0], [bx1, by0], [bx0, by1], [bx1, by1]]) {
        const ix = (pose.scale * (fx * ca - fy * sa) + pose.tx) * half + half;
        const iy = (pose.scale * (fx * sa + fy * ca) + pose.ty) * half + half;
        i0 = Math.min(i0, ix);
        i1 = Math.max(i1, ix);
        j0 = Math.min(j0, iy);
        j1 = Math.max(j1, iy);
      }
      const ia = Math.max(0, Math.floor(i0) - 1);
      const ib = Math.min(size - 1, Math.ceil(i1) + 1);
      const ja = Math.max(0, Math.floor(j0) - 1);
      const jb = Math.min(size - 1, Math.ceil(j1) + 1);
      const [r, g, b] = s.colour;
      // Hoisted per shape: the per-pixel loop must not read optional properties.
      const invW = 1 / Math.max(px, s.feather ?? 0);
      const invert = s.invert === true;
      const clip = s.clip ?? null;
      const opacity = s.opacity;
      const dist = s.dist;
      for (let j = ja; j <= jb; j++) {
        const yi = (j + 0.5 - half) / half - pose.ty;
        for (let i = ia; i <= ib; i++) {
          const xi = (i + 0.5 - half) / half - pose.tx;
          // Inverse similarity: rotate back and unscale.
          const fx = (xi * ca + yi * sa) / pose.scale;
          const fy = (-xi * sa + yi * ca) / pose.scale;
          if (!invert && (fx < bx0 || fx > bx1 || fy < by0 || fy > by1)) continue;
          let a = 0.5 - dist(fx, fy) * invW;
          a = a < 0 ? 0 : a > 1 ? 1 : a;
          if (invert) a = 1 - a;
          if (a <= 0) continue;
          if (clip) a *= coverage(clip, fx, fy, px);
          a *= opacity;
          if (a <= 0) continue;
          const k = (j * size + i) * 3;
          data[k] += (r - data[k]) * a;
          data[k + 1] += (g - data[k + 1]) * a;
          data[k + 2] += (b - data[k + 2]) * a;
        }
      }
    }
  }

  /** Multiplies by a linear lighting ramp along direction `angle`, strength ±`amount`. */
  light(angle: number, amount: number): void {
    const { size, data } = this;
    const c = Math.cos(angle);
    const s = Math.sin(angle);
    for (let j = 0; j < size; j++) {
      for (let i = 0; i < size; i++) {
        const x = (2 * i) / (size - 1) - 1;
        const y = (2 * j) / (size - 1) - 1;
        const m = 1 + amount * (x * c + y * s);
        const k = (j * size + i) * 3;
        data[k] *= m;
        data[k + 1] *= m;
        data[k + 2] *= m;
      }
    }
  }

  /** Separable [1 2 1]/4 blur applied `passes` times (camera defocus / motion). */
  blur(passes: number): void {
    const { size, data } = this;
    const tmp = new Float32Array(data.length);
    for (let p = 0; p < passes; p++) {
      for (const horizontal of [true, false]) {
        for (let j = 0; j < size; j++) {
          for (let i = 0; i < size; i++) {
            const k = (j * size + i) * 3;
            const a = horizontal ? (j * size + Math.max(0, i - 1)) * 3 : (Math.max(0, j - 1) * size + i) * 3;
            const b = horizontal ? (j * size + Math.min(size - 1, i + 1)) * 3 : (Math.min(size - 1, j + 1) * size + i) * 3;
            for (let ch = 0; ch < 3; ch++) tmp[k + ch] = 0.25 * data[a + ch] + 0.5 * data[k + ch] + 0.25 * data[b + ch];
          }
        }
        data.set(tmp);
      }
    }
  }

  /** Adds sensor noise (standard normal draws from `normal`) and quantises into an rgb24 buffer. */
  toRgb8(out: Uint8Array, noiseSigma: number, normal: () => number): void {
    const { data } = this;
    for (let k = 0; k < data.length; k++) {
      const v = data[k] + (noiseSigma > 0 ? noiseSigma * normal() : 0);
      out[k] = v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
    }
  }
}
