import { describe, expect, it } from 'vitest';
import { affectTrack, auActive, envelope, randomTemperament, type FrameAffect } from '../../src/node/demo/affect';
import { NEUTRAL_STYLE, renderFace, type AuIntensities } from '../../src/node/demo/face';
import { randomIdentity } from '../../src/node/demo/identity';
import { deriveSeed, fastNormal, mulberry32 } from '../../src/node/demo/prng';

const S = 112;
const ids = [0, 1, 2, 3, 4, 5].map((k) => randomIdentity(mulberry32(100 + k)));

/** Mean absolute difference of two rgb24 frames inside a box given in fractions of the side. */
function regionDiff(a: Uint8Array, b: Uint8Array, y0: number, y1: number, x0 = 0.15, x1 = 0.85): number {
  let s = 0;
  let n = 0;
  for (let y = Math.floor(y0 * S); y < y1 * S; y++) {
    for (let x = Math.floor(x0 * S); x < x1 * S; x++) {
      for (let c = 0; c < 3; c++) s += Math.abs(a[(y * S + x) * 3 + c] - b[(y * S + x) * 3 + c]);
      n += 3;
    }
  }
  return s / n;
}

const MOUTH: [number, number, number, number] = [0.6, 0.92, 0.25, 0.75];
const BROWS: [number, number, number, number] = [0.1, 0.4, 0.15, 0.85];

describe('synthetic face renderer', () => {
  it('is deterministic and its noise follows the noise seed', () => {
    const style = { ...NEUTRAL_STYLE, noise: 4, noiseSeed: 11 };
    const a = renderFace(ids[0], { 12: 0.7 }, style, S);
    expect(a.length).toBe(S * S * 3);
    expect(renderFace(ids[0], { 12: 0.7 }, style, S)).toEqual(a);
    const b = renderFace(ids[0], { 12: 0.7 }, { ...style, noiseSeed: 12 }, S);
    expect(regionDiff(a, b, 0, 1, 0, 1)).toBeGreaterThan(2);
    expect(regionDiff(a, b, 0, 1, 0, 1)).toBeLessThan(6);
  });

  it('makes mouth AUs visible in the mouth region only, growing with intensity', () => {
    for (const [au, min] of [[12, 1.5], [15, 1.5], [20, 1], [25, 3]] as const) {
      for (const id of ids) {
        const off = renderFace(id, {}, NEUTRAL_STYLE, S);
        const half = renderFace(id, { [au]: 0.5 }, NEUTRAL_STYLE, S);
        const on = renderFace(id, { [au]: 1 }, NEUTRAL_STYLE, S);
        const full = regionDiff(off, on, ...MOUTH);
        expect(full, `AU${au}`).toBeGreaterThan(min);
        expect(regionDiff(off, half, ...MOUTH), `AU${au} half`).toBeGreaterThan(0.3 * full);
        expect(regionDiff(off, half, ...MOUTH), `AU${au} half`).toBeLessThan(full);
        expect(regionDiff(off, on, ...BROWS), `AU${au} brows`).toBeLessThan(0.05);
      }
    }
  });

  it('makes brow and eye AUs visible in the upper face only', () => {
    for (const [au, min] of [[1, 2], [2, 3], [4, 3], [6, 2]] as const) {
      for (const id of ids) {
        const off = renderFace(id, {}, NEUTRAL_STYLE, S);
        const on = renderFace(id, { [au]: 1 }, NEUTRAL_STYLE, S);
        expect(regionDiff(off, on, ...BROWS), `AU${au}`).toBeGreaterThan(min);
        // The cheek raiser lifts the cheeks a little towards the mouth; the brow AUs do not touch it.
        expect(regionDiff(off, on, 0.72, 0.92, 0.3, 0.7), `AU${au} mouth`).toBeLessThan(au === 6 ? 1 : 0.05);
      }
    }
  });

  it('draws different people, and pose jitter moves the face', () => {
    const faces = ids.map((id) => renderFace(id, {}, NEUTRAL_STYLE, S));
    for (let i = 1; i < faces.length; i++) expect(regionDiff(faces[0], faces[i], 0, 1, 0, 1)).toBeGreaterThan(10);
    const moved = renderFace(ids[0], {}, { ...NEUTRAL_STYLE, pose: { tx: 0.05, ty: 0, rot: 0.05, scale: 1.03 } }, S);
    expect(regionDiff(faces[0], moved, 0, 1, 0, 1)).toBeGreaterThan(3);
  });

  it('renders at other sizes', () => {
    const aus: AuIntensities = { 6: 1, 12: 1 };
    expect(renderFace(ids[1], aus, NEUTRAL_STYLE, 64).length).toBe(64 * 64 * 3);
  });
});

describe('affect process', () => {
  const tracks: FrameAffect[] = [];
  for (let p = 0; p < 12; p++) tracks.push(...affectTrack(mulberry32(deriveSeed(3, p)), 1500, 30, randomTemperament(mulberry32(deriveSeed(4, p)))));
  const byExpr = (e: number): FrameAffect[] => tracks.filter((t) => t.expression === e);
  const mean = (xs: number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;
  const rate = (fs: FrameAffect[], au: number): number => mean(fs.map((f) => auActive(f, au)));

  it('envelope rises over onset, holds at apex and falls over offset', () => {
    const e = { start: 10, onset: 4, apex: 5, offset: 4 };
    expect([9, 10, 12, 14, 18, 19, 21, 23, 30].map((f) => envelope(e, f))).toEqual([0, 0, 0.5, 1, 1, 1, 0.5, 0, 0]);
  });

  it('covers every expression, keeps values in range and moves smoothly', () => {
    for (let e = 0; e < 7; e++) expect(byExpr(e).length, `expression ${e}`).toBeGreaterThan(100);
    expect(byExpr(0).length / tracks.length).toBeGreaterThan(0.25);
    for (const t of tracks) {
      expect(Math.abs(t.valence)).toBeLessThanOrEqual(1);
      expect(Math.abs(t.arousal)).toBeLessThanOrEqual(1);
      expect(Math.round(t.valence * 1e4) / 1e4).toBe(t.valence);
    }
    for (let f = 1; f < 1500; f++) expect(Math.abs(tracks[f].valence - tracks[f - 1].valence)).toBeLessThan(0.2);
  });

  it('places expressions on the valence/arousal circumplex', () => {
    const v = (e: number): number => mean(byExpr(e).map((t) => t.valence));
    const a = (e: number): number => mean(byExpr(e).map((t) => t.arousal));
    expect(v(4)).toBeGreaterThan(0.3); // happiness
    for (const e of [1, 2, 3, 5]) expect(v(e), `valence ${e}`).toBeLessThan(-0.2);
    for (const e of [1, 3, 6]) expect(a(e), `arousal ${e}`).toBeGreaterThan(0.3);
    expect(a(5)).toBeLessThan(0); // sadness
    expect(Math.abs(v(0))).toBeLessThan(0.25);
  });

  it('ties AUs to their expressions without making them the same thing', () => {
    const others = (e: number): FrameAffect[] => tracks.filter((t) => t.expression !== e);
    expect(rate(byExpr(4), 12)).toBeGreaterThan(0.6);
    expect(rate(others(4), 12)).toBeLessThan(0.1);
    expect(rate(byExpr(1), 4)).toBeGreaterThan(0.6);
    expect(rate(byExpr(6), 2)).toBeGreaterThan(0.6);
    expect(rate(byExpr(5), 15)).toBeGreaterThan(0.5);
    // Talking and isolated actions: lips part and brows move while the expression is neutral.
    expect(rate(byExpr(0), 25)).toBeGreaterThan(0.05);
    expect(rate(byExpr(0), 1) + rate(byExpr(0), 4)).toBeGreaterThan(0.02);
  });
});

describe('seeded random numbers', () => {
  it('repeat per seed and look uniform / normal', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const xs = Array.from({ length: 20000 }, () => a.next());
    expect(Array.from({ length: 20000 }, () => b.next())).toEqual(xs);
    expect(Math.abs(xs.reduce((s, x) => s + x, 0) / xs.length - 0.5)).toBeLessThan(0.01);
    const n = fastNormal(5);
    const g = Array.from({ length: 20000 }, () => n());
    const m = g.reduce((s, x) => s + x, 0) / g.length;
    const sd = Math.sqrt(g.reduce((s, x) => s + (x - m) ** 2, 0) / g.length);
    expect(Math.abs(m)).toBeLessThan(0.05);
    expect(Math.abs(sd - 1)).toBeLessThan(0.05);
    expect(deriveSeed(1, 2, 3)).toBe(deriveSeed(1, 2, 3));
    expect(deriveSeed(1, 2, 3)).not.toBe(deriveSeed(1, 3, 2));
  });
});
