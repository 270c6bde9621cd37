// Face alignment: a similarity transform (scale, rotation, translation; no shear, no reflection)
// from five landmarks to a canonical 112×112 template, then a bilinear warp. This is how aligned
// face datasets such as Aff-Wild2's cropped_aligned are made: every crop has the eyes, nose tip
// and mouth corners at the same place, so a CNN sees faces, not head poses.
//
// Pure functions over packed rgb24 pixels (no platform imports), so they are tested against hand
// computations. Coordinates follow the usual image convention: pixel (i, j) has its centre at
// (i, j), x to the right, y down.

export const CROP_SIZE = 112;

export interface Point {
  x: number;
  y: number;
}

/**
 * The canonical positions of [image-left eye centre, image-right eye centre, nose tip, image-left
 * mouth corner, image-right mouth corner] in a 112×112 crop. Chosen so that the whole face fits:
 * brows (AU1/2/4) sit well inside the top, the chin (AU15/20/25 act around the mouth and chin)
 * inside the bottom; inter-ocular distance is 0.28 of the width.
 */
export const TEMPLATE_112: readonly Point[] = [
  { x: 0.36 * CROP_SIZE, y: 0.4 * CROP_SIZE },
  { x: 0.64 * CROP_SIZE, y: 0.4 * CROP_SIZE },
  { x: 0.5 * CROP_SIZE, y: 0.565 * CROP_SIZE },
  { x: 0.385 * CROP_SIZE, y: 0.71 * CROP_SIZE },
  { x: 0.615 * CROP_SIZE, y: 0.71 * CROP_SIZE },
];

/** x' = a·x − b·y + tx, y' = b·x + a·y + ty (a = s·cos θ, b = s·sin θ). */
export interface Similarity {
  a: number;
  b: number;
  tx: number;
  ty: number;
}

/**
 * The five alignment points from the 68-point (iBUG/Multi-PIE) scheme: the mean of each eye's six
 * points (36–41 and 42–47), the nose tip (30) and the mouth corners (48, 54). `lm` is [x0, y0, x1,
 * y1, …] with 136 numbers.
 */
export function fivePointsFrom68(lm: ArrayLike<number>): Point[] {
  if (lm.length < 136) throw new Error(`expected 68 landmarks (136 numbers), got ${lm.length}`);
  const mean = (from: number, to: number): Point => {
    let x = 0;
    let y = 0;
    for (let i = from; i <= to; i++) {
      x += lm[2 * i];
      y += lm[2 * i + 1];
    }
    const n = to - from + 1;
    return { x: x / n, y: y / n };
  };
  const at = (i: number): Point => ({ x: lm[2 * i], y: lm[2 * i + 1] });
  return [mean(36, 41), mean(42, 47), at(30), at(48), at(54)];
}

/**
 * Least-squares similarity mapping `src` onto `dst` (Umeyama's method, which in 2-D reduces to
 * complex arithmetic: with centred points a, b the best a + ib is Σ conj(a)·b / Σ|a|²).
 */
export function estimateSimilarity(src: readonly Point[], dst: readonly Point[]): Similarity {
  if (src.length !== dst.length || src.length < 2) throw new Error('need at least two point pairs');
  const n = src.length;
  let sx = 0, sy = 0, dx = 0, dy = 0;
  for (let i = 0; i < n; i++) {
    sx += src[i].x; sy += src[i].y; dx += dst[i].x; dy += dst[i].y;
  }
  sx /= n; sy /= n; dx /= n; dy /= n;
  let re = 0, im = 0, norm = 0;
  for (let i = 0; i < n; i++) {
    const ax = src[i].x - sx, ay = src[i].y - sy;
    const bx = dst[i].x - dx, by = dst[i].y - dy;
    // conj(a)·b = (ax − i·ay)(bx + i·by)
    re += ax * bx + ay * by;
    im += ax * by - ay * bx;
    norm += ax * ax + ay * ay;
  }
  if (norm === 0) throw new Error('source points coincide');
  const a = re / norm;
  const b = im / norm;
  return { a, b, tx: dx - (a * sx - b * sy), ty: dy - (b * sx + a * sy) };
}

export function applySimilarity(m: Similarity, p: Point): Point {
  return { x: m.a * p.x - m.b * p.y + m.tx, y: m.b * p.x + m.a * p.y + m.ty };
}

/**
 * Warps packed rgb24 `src` (width × height) into a size × size crop: each output pixel samples the
 * source at the inverse transform, bilinearly; outside the source is black.
 */
export function warpSimilarity(src: Uint8Array, width: number, height: number, m: Similarity, size = CROP_SIZE): Uint8Array {
  const out = new Uint8Array(size * size * 3);
  const det = m.a * m.a + m.b * m.b;
  if (det === 0) return out;
  // Inverse: [x; y] = 1/det · [a b; −b a] · ([u; v] − t)
  const ia = m.a / det;
  const ib = m.b / det;
  for (let v = 0; v < size; v++) {
    for (let u = 0; u < size; u++) {
      const px = u - m.tx;
      const py = v - m.ty;
      const x = ia * px + ib * py;
      const y = -ib * px + ia * py;
      const o = (v * size + u) * 3;
      const x0 = Math.floor(x);
      const y0 = Math.floor(y);
      if (x0 < -1 || y0 < -1 || x0 >= width || y0 >= height) continue;
      const fx = x - x0;
      const fy = y - y0;
      for (let c = 0; c < 3; c++) {
        const p00 = pixel(src, width, height, x0, y0, c);
        const p10 = pixel(src, width, height, x0 + 1, y0, c);
        const p01 = pixel(src, width, height, x0, y0 + 1, c);
        const p11 = pixel(src, width, height, x0 + 1, y0 + 1, c);
        const top = p00 + (p10 - p00) * fx;
        const bottom = p01 + (p11 - p01) * fx;
        out[o + c] = Math.round(top + (bottom - top) * fy);
      }
    }
  }
  return out;
}

function pixel(src: Uint8Array, width: number, height: number, x: number, y: number, c: number): number {
  if (x < 0 || y < 0 || x >= width || y >= height) return 0;
  return src[(y * width + x) * 3 + c];
}

/** Aligns a face given its 68 landmarks (frame pixel coordinates): the 112×112 rgb24 crop and the transform used. */
export function alignFace(rgb: Uint8Array, width: number, height: number, landmarks68: ArrayLike<number>): { crop: Uint8Array; transform: Similarity } {
  const transform = estimateSimilarity(fivePointsFrom68(landmarks68), TEMPLATE_112);
  return { crop: warpSimilarity(rgb, width, height, transform, CROP_SIZE), transform };
}
