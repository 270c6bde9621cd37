// Identities for the synthetic demo faces: the per-person constants (face shape, colouring,
// feature placement, hair, background) that make the demo task not trivially separable. A model
// must learn facial actions that look different on a broad round face with heavy brows and a
// narrow pale one with a fringe over the forehead.

import type { Rgb } from './raster';
import type { Rng } from './prng';

export type HairStyle = 'short' | 'long' | 'bald' | 'fringe';

export interface Identity {
  skin: Rgb;
  lips: Rgb;
  hair: Rgb;
  brow: Rgb;
  iris: Rgb;
  clothes: Rgb;
  bgTop: Rgb;
  bgBottom: Rgb;
  hairStyle: HairStyle;
  /** Distance of the hairline above the head centre (face units). */
  hairline: number;
  /** 0 = clean-shaven, up to ~0.35 = visible stubble. */
  stubble: number;
  headRx: number;
  headTop: number;
  chin: number;
  /** Superellipse exponent of the jaw: low = pointed chin, high = square jaw. */
  jawP: number;
  /** Head centre y (face units). */
  cy: number;
  eyeY: number;
  eyeSep: number;
  eyeW: number;
  eyeOpen: number;
  lowerLid: number;
  irisR: number;
  browGap: number;
  browInX: number;
  browLen: number;
  browThick: number;
  browArch: number;
  noseTipY: number;
  noseW: number;
  mouthY: number;
  mouthW: number;
  upperLip: number;
  lowerLip: number;
  /** Left/right difference in how far the lip corners move (a lopsided smile), -0.3..0.3. */
  mouthAsym: number;
}

const SKIN: Rgb[] = [
  [245, 205, 180], [236, 188, 160], [224, 172, 138], [210, 155, 120], [190, 136, 100],
  [165, 112, 80], [140, 92, 64], [112, 72, 50], [90, 58, 42], [232, 196, 150],
];
const HAIR: Rgb[] = [
  [22, 18, 16], [45, 32, 24], [80, 52, 30], [120, 84, 48], [182, 146, 92], [150, 148, 145], [110, 40, 22],
];
const IRIS: Rgb[] = [[70, 45, 25], [100, 70, 40], [50, 90, 130], [70, 110, 80], [40, 30, 25]];

function jitter(c: Rgb, rng: Rng, amount: number): Rgb {
  return [c[0] + rng.range(-amount, amount), c[1] + rng.range(-amount, amount), c[2] + rng.range(-amount, amount)];
}

export function mix(a: Rgb, b: Rgb, t: number): Rgb {
  return [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];
}

export function scaleRgb(c: Rgb, k: number): Rgb {
  return [c[0] * k, c[1] * k, c[2] * k];
}

function muted(rng: Rng): Rgb {
  const base = rng.range(40, 210);
  return [base + rng.range(-40, 40), base + rng.range(-40, 40), base + rng.range(-40, 40)];
}

/** Draws a random identity; all proportions are in face units (half the image side). */
export function randomIdentity(rng: Rng): Identity {
  const skin = jitter(rng.pick(SKIN), rng, 10);
  const hair = jitter(rng.pick(HAIR), rng, 8);
  const hairStyle = rng.pick<HairStyle>(['short', 'long', 'bald', 'fringe', 'short', 'long']);
  const cy = rng.range(0.0, 0.06);
  const eyeY = cy - rng.range(0.06, 0.12);
  const bgTop = muted(rng);
  return {
    skin,
    lips: mix(skin, [175, 70, 80], rng.range(0.3, 0.55)),
    hair,
    brow: hairStyle === 'bald' ? scaleRgb(skin, 0.45) : mix(hair, [20, 15, 12], rng.range(0.1, 0.5)),
    iris: jitter(rng.pick(IRIS), rng, 10),
    clothes: muted(rng),
    bgTop,
    bgBottom: mix(bgTop, muted(rng), rng.range(0.3, 0.8)),
    hairStyle,
    hairline: hairStyle === 'fringe' ? rng.range(0.34, 0.42) : hairStyle === 'bald' ? rng.range(0.75, 0.9) : rng.range(0.48, 0.6),
    stubble: rng.chance(0.25) ? rng.range(0.1, 0.35) : 0,
    headRx: rng.range(0.56, 0.68),
    headTop: rng.range(0.74, 0.84),
    chin: rng.range(0.74, 0.86),
    jawP: rng.range(1.6, 2.7),
    cy,
    eyeY,
    eyeSep: rng.range(0.25, 0.32),
    eyeW: rng.range(0.11, 0.14),
    eyeOpen: rng.range(0.06, 0.085),
    lowerLid: rng.range(0.03, 0.045),
    irisR: rng.range(0.048, 0.058),
    browGap: rng.range(0.12, 0.17),
    browInX: rng.range(0.07, 0.11),
    browLen: rng.range(0.2, 0.26),
    browThick: rng.range(0.016, 0.034),
    browArch: rng.range(0.015, 0.045),
    noseTipY: cy + rng.range(0.16, 0.22),
    noseW: rng.range(0.075, 0.1),
    mouthY: cy + rng.range(0.37, 0.44),
    mouthW: rng.range(0.15, 0.2),
    upperLip: rng.range(0.035, 0.05),
    lowerLip: rng.range(0.045, 0.065),
    mouthAsym: rng.range(-0.3, 0.3),
  };
}
