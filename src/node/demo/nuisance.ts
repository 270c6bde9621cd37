// Per-frame nuisance of a demo video: head motion, blinks, gaze shifts, lighting, white balance,
// camera blur and sensor noise. None of it carries affect; it is there so a model cannot read
// the labels off fixed pixel positions.

import type { FrameStyle } from './face';
import { deriveSeed, type Rng } from './prng';

/** A smooth random signal: a sum of two sinusoids with random frequency and phase. */
function wobble(rng: Rng, amplitude: number, maxHz: number): (sec: number) => number {
  const parts = [0, 1].map(() => ({ hz: rng.range(0.05, maxHz), phase: rng.range(0, 2 * Math.PI), amp: rng.range(0.3, 0.7) }));
  return (sec) => amplitude * parts.reduce((s, p) => s + p.amp * Math.sin(2 * Math.PI * p.hz * sec + p.phase), 0);
}

export function styleTrack(rng: Rng, frames: number, fps: number, seed: number): FrameStyle[] {
  const base = { tx: rng.range(-0.04, 0.04), ty: rng.range(-0.04, 0.04), rot: rng.range(-0.08, 0.08), scale: rng.range(0.94, 1.06) };
  const tx = wobble(rng, 0.035, 0.4);
  const ty = wobble(rng, 0.03, 0.4);
  const rot = wobble(rng, 0.06, 0.3);
  const scale = wobble(rng, 0.03, 0.2);
  const lightAngle = rng.range(0, 2 * Math.PI);
  const lightAmount = rng.range(0.05, 0.3);
  const lightDrift = wobble(rng, 0.05, 0.1);
  const tint: [number, number, number] = [rng.range(0.9, 1.1), rng.range(0.93, 1.07), rng.range(0.88, 1.1)];
  const noise = rng.range(1, 5);
  const baseBlur = rng.chance(0.25) ? 1 : 0;
  // Blinks every 2–6 s, each ~0.2 s; gaze holds for 0.5–3 s then jumps.
  const blinks: number[] = [];
  for (let t = rng.range(0.3, 3) * fps; t < frames; t += rng.range(2, 6) * fps) blinks.push(Math.round(t));
  const blinkLen = Math.max(3, Math.round(0.2 * fps));
  const gazes: { at: number; x: number; y: number }[] = [];
  for (let t = 0; t < frames; t += Math.max(1, Math.round(rng.range(0.5, 3) * fps))) gazes.push({ at: t, x: rng.range(-1, 1), y: rng.range(-0.6, 0.6) });
  const blurSegments: [number, number][] = [];
  for (let t = 0; t < frames; t += Math.round(rng.range(2, 8) * fps)) if (rng.chance(0.35)) blurSegments.push([t, t + Math.round(rng.range(0.2, 0.8) * fps)]);

  const out: FrameStyle[] = [];
  let g = 0;
  for (let f = 0; f < frames; f++) {
    const sec = f / fps;
    let blink = 0;
    for (const b of blinks) {
      const d = f - b;
      if (d >= 0 && d < blinkLen) blink = Math.max(blink, 1 - Math.abs((2 * d) / (blinkLen - 1) - 1));
    }
    while (g + 1 < gazes.length && gazes[g + 1].at <= f) g++;
    const motionBlur = blurSegments.some(([a, b]) => f >= a && f < b) ? 1 : 0;
    out.push({
      pose: { tx: base.tx + tx(sec), ty: base.ty + ty(sec), rot: base.rot + rot(sec), scale: base.scale * (1 + scale(sec)) },
      blink,
      gaze: { x: gazes[g].x, y: gazes[g].y },
      lightAngle,
      lightAmount: lightAmount + lightDrift(sec),
      tint,
      blur: baseBlur + motionBlur,
      noise,
      noiseSeed: deriveSeed(seed, f),
    });
  }
  return out;
}
