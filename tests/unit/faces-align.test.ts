// Alignment maths against hand computations: the similarity estimate recovers a known transform,
// the warp samples where the inverse transform says, the five points come from the right landmarks.
import { describe, expect, it } from 'vitest';
import { alignFace, applySimilarity, CROP_SIZE, estimateSimilarity, fivePointsFrom68, TEMPLATE_112, warpSimilarity, type Similarity } from '../../src/node/media/align';

const rot = (deg: number, s: number, tx: number, ty: number): Similarity => ({
  a: s * Math.cos((deg * Math.PI) / 180),
  b: s * Math.sin((deg * Math.PI) / 180),
  tx,
  ty,
});

describe('estimateSimilarity', () => {
  it('recovers scale, rotation and translation exactly from noiseless points', () => {
    const m = rot(30, 1.7, 12, -5);
    const src = [{ x: 0, y: 0 }, { x: 10, y: 0 }, { x: 3, y: 8 }, { x: -4, y: 6 }, { x: 7, y: -2 }];
    const got = estimateSimilarity(src, src.map((p) => applySimilarity(m, p)));
    expect(got.a).toBeCloseTo(m.a, 10);
    expect(got.b).toBeCloseTo(m.b, 10);
    expect(got.tx).toBeCloseTo(12, 10);
    expect(got.ty).toBeCloseTo(-5, 10);
  });

  it('is the least-squares fit: a 90° turn of a square with one corner pushed out', () => {
    // src square (±1), dst = square turned 90° and doubled, but one corner 0.4 further out along x.
    const src = [{ x: -1, y: -1 }, { x: 1, y: -1 }, { x: 1, y: 1 }, { x: -1, y: 1 }];
    const dst = [{ x: 2, y: -2 }, { x: 2, y: 2 }, { x: -2, y: 2 }, { x: -2, y: -2 }];
    dst[0] = { x: 2.4, y: -2 };
    const m = estimateSimilarity(src, dst);
    // By hand: dst centroid (0.1, 0); over centred points Σ|a|² = 8, Σ conj(a)·b = −0.4 + 16.4i,
    // so a = −0.05, b = 2.05, t = (0.1, 0).
    expect(m.a).toBeCloseTo(-0.05, 10);
    expect(m.b).toBeCloseTo(2.05, 10);
    expect(m.tx).toBeCloseTo(0.1, 10);
    expect(m.ty).toBeCloseTo(0, 10);
  });
});

describe('warpSimilarity', () => {
  it('maps each output pixel to the source pixel the inverse transform names, black outside', () => {
    const w = 8;
    const h = 6;
    const src = new Uint8Array(w * h * 3);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) src.set([x * 10, y * 10, 200], (y * w + x) * 3);
    // Output = source shifted by (+2, +1): out(u, v) = src(u − 2, v − 1).
    const out = warpSimilarity(src, w, h, { a: 1, b: 0, tx: 2, ty: 1 }, 5);
    const at = (u: number, v: number) => Array.from(out.subarray((v * 5 + u) * 3, (v * 5 + u) * 3 + 3));
    expect(at(2, 1)).toEqual([0, 0, 200]);
    expect(at(4, 3)).toEqual([20, 20, 200]);
    expect(at(0, 0)).toEqual([0, 0, 0]);
    // Scale 2 about the origin: out(u, v) = src(u/2, v/2), bilinear between pixels.
    const up = warpSimilarity(src, w, h, { a: 2, b: 0, tx: 0, ty: 0 }, 6);
    expect(up[(1 * 6 + 3) * 3]).toBe(15); // x = 1.5 → between 10 and 20
    expect(up[(3 * 6 + 1) * 3 + 1]).toBe(15); // y = 1.5
  });
});

describe('alignFace', () => {
  it('puts the eyes, nose tip and mouth corners of a tilted, scaled face onto the template', () => {
    // 68 landmarks made by mapping the template through a known transform (a face 2.5× the crop, turned 20°).
    const face = rot(-20, 2.5, 250, 160);
    // Template points in frame coordinates; every eye point at its eye centre.
    const [le, re, nose, ml, mr] = TEMPLATE_112.map((p) => applySimilarity(face, p));
    const lm = new Float32Array(136);
    const set = (i: number, p: { x: number; y: number }) => lm.set([p.x, p.y], 2 * i);
    for (let i = 36; i <= 41; i++) set(i, le);
    for (let i = 42; i <= 47; i++) set(i, re);
    set(30, nose);
    set(48, ml);
    set(54, mr);
    const five = fivePointsFrom68(lm);
    expect(five[0].x).toBeCloseTo(le.x, 4);
    expect(five[4].y).toBeCloseTo(mr.y, 4);
    const w = 640;
    const h = 480;
    const rgb = new Uint8Array(w * h * 3).fill(77);
    const { crop, transform } = alignFace(rgb, w, h, lm);
    expect(crop.length).toBe(CROP_SIZE * CROP_SIZE * 3);
    for (let k = 0; k < 5; k++) {
      const p = applySimilarity(transform, five[k]);
      expect(p.x).toBeCloseTo(TEMPLATE_112[k].x, 3);
      expect(p.y).toBeCloseTo(TEMPLATE_112[k].y, 3);
    }
    expect(crop[(56 * CROP_SIZE + 56) * 3]).toBe(77);
  });
});
