// The affect process of a demo video: expression episodes (onset, apex, offset) built from FACS
// prototypes, talking and isolated facial actions between them, and valence/arousal that follow
// the circumplex position of the current expression. Everything moves smoothly over time, so the
// ground truth behaves like Aff-Wild2's: AUs occur without expressions, expressions vary in
// intensity, and VA drifts around a per-person mood.

import type { Rng } from './prng';

/** AUs with ground truth in the demo (the renderer's AUs minus 5 and 9, which only add cues). */
export const TRUTH_AUS = [1, 2, 4, 6, 7, 10, 12, 15, 20, 23, 24, 25, 26] as const;

/** An AU is present (binary ground truth) when its intensity reaches this. */
export const AU_ACTIVE_THRESHOLD = 0.5;

type AuMap = Readonly<Record<number, number>>;

/**
 * FACS-style prototypes per expression (index = Aff-Wild2 class id), each a list of variants
 * (closed/open mouth, social vs. Duchenne smile …) with weights, and the expression's centre on
 * the valence/arousal circumplex.
 */
export const PROTOTYPES: readonly { variants: readonly [number, AuMap][]; va: readonly [number, number] }[] = [
  { variants: [], va: [0, -0.05] },
  {
    variants: [
      [0.6, { 4: 0.95, 7: 0.8, 23: 0.6, 24: 0.65 }],
      [0.4, { 4: 0.95, 7: 0.7, 5: 0.4, 10: 0.6, 20: 0.4, 25: 0.85, 26: 0.3 }],
    ],
    va: [-0.55, 0.6],
  },
  {
    variants: [
      [0.6, { 9: 0.9, 10: 0.85, 4: 0.55, 15: 0.55, 7: 0.3 }],
      [0.4, { 9: 0.9, 10: 0.85, 4: 0.45, 25: 0.7, 15: 0.35 }],
    ],
    va: [-0.6, 0.25],
  },
  {
    variants: [
      [0.65, { 1: 0.9, 2: 0.7, 4: 0.7, 5: 0.8, 20: 0.85, 25: 0.85, 26: 0.3 }],
      [0.35, { 1: 0.9, 2: 0.6, 4: 0.7, 5: 0.8, 20: 0.8 }],
    ],
    va: [-0.5, 0.7],
  },
  {
    variants: [
      [0.4, { 6: 0.8, 12: 0.95 }],
      [0.4, { 6: 0.9, 12: 1, 25: 0.85, 26: 0.3 }],
      [0.2, { 6: 0.3, 12: 0.8 }],
    ],
    va: [0.65, 0.4],
  },
  {
    variants: [
      [0.7, { 1: 0.9, 4: 0.65, 15: 0.85, 6: 0.2, 24: 0.3 }],
      [0.3, { 1: 0.85, 4: 0.6, 15: 0.7, 20: 0.3, 25: 0.4 }],
    ],
    va: [-0.6, -0.35],
  },
  {
    variants: [
      [0.7, { 1: 0.95, 2: 0.9, 5: 0.8, 25: 0.9, 26: 0.8 }],
      [0.3, { 1: 0.9, 2: 0.9, 5: 0.7, 25: 0.65, 26: 0.2 }],
    ],
    va: [0.2, 0.7],
  },
];

/** Short facial actions shown between episodes without any expression (brow flash, frown, polite smile …). */
const ISOLATED: readonly AuMap[] = [
  { 1: 1, 2: 1 }, { 1: 0.8, 2: 1 }, { 4: 1 }, { 12: 1 }, { 15: 1 }, { 20: 1 }, { 20: 1, 25: 0.7 }, { 6: 0.8, 7: 1 }, { 10: 1 }, { 24: 1 }, { 23: 1 }, { 1: 1 }, { 25: 1, 26: 0.8 },
];

/** Per-person idiosyncrasy: how strongly and in which way this person shows affect. */
export interface Temperament {
  gain: number;
  auGain: Record<number, number>;
  /** Relative frequency of expressions 1..6 (index 0 unused). */
  exprWeights: number[];
  mood: [number, number];
  talkiness: number;
}

export function randomTemperament(rng: Rng): Temperament {
  const auGain: Record<number, number> = {};
  for (const n of [1, 2, 4, 5, 6, 7, 9, 10, 12, 15, 20, 23, 24, 25, 26]) auGain[n] = rng.range(0.8, 1.15);
  // Aff-Wild2 is imbalanced: happiness and sadness common, fear and disgust rare. Each person
  // favours a couple of expressions on top of that.
  const base = [0, 0.13, 0.09, 0.11, 0.26, 0.2, 0.21];
  const exprWeights = base.map((w, i) => (i === 0 ? 0 : w * (rng.chance(0.3) ? 3 : rng.range(0.3, 1.2))));
  return {
    gain: rng.range(0.85, 1.15),
    auGain,
    exprWeights,
    mood: [rng.range(-0.25, 0.25), rng.range(-0.3, 0.15)],
    talkiness: rng.range(0.2, 0.8),
  };
}

export interface FrameAffect {
  /** Intensity in [0, 1] of every rendered AU (missing = 0). */
  intensities: Record<number, number>;
  expression: number;
  valence: number;
  arousal: number;
}

interface Episode {
  start: number;
  onset: number;
  apex: number;
  offset: number;
  level: number;
  aus: AuMap;
  expression: number;
  va: [number, number];
}

const smooth = (x: number): number => (x <= 0 ? 0 : x >= 1 ? 1 : x * x * (3 - 2 * x));

/** Envelope of an episode at frame f: 0 before, rises over onset, 1 at apex, falls over offset. */
export function envelope(e: Pick<Episode, 'start' | 'onset' | 'apex' | 'offset'>, f: number): number {
  const t = f - e.start;
  if (t < 0) return 0;
  if (t < e.onset) return smooth(t / e.onset);
  if (t < e.onset + e.apex) return 1;
  return 1 - smooth((t - e.onset - e.apex) / e.offset);
}

function pickWeighted<T>(rng: Rng, items: readonly [number, T][]): T {
  const total = items.reduce((s, [w]) => s + w, 0);
  let r = rng.next() * total;
  for (const [w, v] of items) {
    r -= w;
    if (r <= 0) return v;
  }
  return items[items.length - 1][1];
}

/** Plans expression episodes and, in the gaps, isolated facial actions (expression stays neutral). */
function planEpisodes(rng: Rng, frames: number, fps: number, tm: Temperament): Episode[] {
  const sec = (lo: number, hi: number): number => Math.max(2, Math.round(rng.range(lo, hi) * fps));
  const out: Episode[] = [];
  let t = sec(0, 1.2);
  while (t < frames) {
    const expression = pickWeighted(rng, tm.exprWeights.map((w, i) => [w, i] as [number, number]).slice(1));
    const proto = PROTOTYPES[expression];
    const aus = pickWeighted(rng, proto.variants);
    const e: Episode = {
      start: t,
      onset: sec(0.25, 0.8),
      apex: sec(0.6, 3),
      offset: sec(0.3, 0.9),
      level: rng.range(0.55, 1),
      aus,
      expression,
      va: [proto.va[0] + 0.15 * rng.gauss(), proto.va[1] + 0.15 * rng.gauss()],
    };
    out.push(e);
    t += e.onset + e.apex + e.offset;
    const gap = sec(0.5, 2.5);
    if (rng.chance(0.55) && gap > fps) {
      const onset = sec(0.15, 0.4);
      out.push({ start: t + sec(0.1, 0.3), onset, apex: sec(0.3, 1), offset: onset, level: rng.range(0.6, 1), aus: rng.pick(ISOLATED), expression: 0, va: [NaN, NaN] });
    }
    t += gap;
  }
  return out;
}

const clamp = (v: number, lo: number, hi: number): number => (v < lo ? lo : v > hi ? hi : v);
const round4 = (v: number): number => Math.round(v * 1e4) / 1e4;

/**
 * The affect of every frame of one video. Valence and arousal are rounded to 4 decimals here, so
 * the value written to a label file and to the truth file is the same number.
 */
export function affectTrack(rng: Rng, frames: number, fps: number, tm: Temperament): FrameAffect[] {
  const episodes = planEpisodes(rng, frames, fps, tm);
  // Talking: segments in which the lips part and close at 3–5 Hz.
  const talk: { start: number; end: number; hz: number; amp: number }[] = [];
  for (let t = 0; t < frames; ) {
    const len = Math.round(rng.range(0.8, 3) * fps);
    if (rng.chance(tm.talkiness * 0.6)) talk.push({ start: t, end: t + len, hz: rng.range(3, 5), amp: rng.range(0.55, 1) });
    t += len + Math.round(rng.range(0.5, 2) * fps);
  }
  const drift = [rng.range(0, 2 * Math.PI), rng.range(0, 2 * Math.PI), rng.range(0.03, 0.12), rng.range(0.03, 0.12)];
  const out: FrameAffect[] = [];
  for (let f = 0; f < frames; f++) {
    const intensities: Record<number, number> = {};
    let expression = 0;
    const sec = f / fps;
    let valence = tm.mood[0] + 0.1 * Math.sin(2 * Math.PI * drift[2] * sec + drift[0]);
    let arousal = tm.mood[1] + 0.1 * Math.sin(2 * Math.PI * drift[3] * sec + drift[1]);
    for (const e of episodes) {
      const env = envelope(e, f);
      if (env <= 0) continue;
      for (const [k, w] of Object.entries(e.aus)) {
        const n = Number(k);
        const v = env * e.level * w * tm.gain * (tm.auGain[n] ?? 1);
        intensities[n] = Math.max(intensities[n] ?? 0, v);
      }
      if (e.expression > 0) {
        if (env >= 0.4) expression = e.expression;
        valence += (e.va[0] - valence) * env * e.level;
        arousal += (e.va[1] - arousal) * env * e.level;
      }
    }
    for (const s of talk) {
      if (f < s.start || f >= s.end) continue;
      const phase = 2 * Math.PI * s.hz * ((f - s.start) / fps);
      const ramp = Math.min(1, (f - s.start) / 4, (s.end - f) / 4);
      intensities[25] = Math.max(intensities[25] ?? 0, ramp * s.amp * (0.5 + 0.5 * Math.sin(phase)));
      intensities[26] = Math.max(intensities[26] ?? 0, ramp * 0.35 * s.amp * (0.5 + 0.5 * Math.sin(phase)));
      arousal += 0.08 * ramp;
    }
    for (const k of Object.keys(intensities)) intensities[Number(k)] = clamp(intensities[Number(k)], 0, 1);
    out.push({
      intensities,
      expression,
      valence: round4(clamp(valence + 0.02 * rng.gauss(), -1, 1)),
      arousal: round4(clamp(arousal + 0.02 * rng.gauss(), -1, 1)),
    });
  }
  return out;
}

/** Binary ground truth of one AU. */
export function auActive(a: FrameAffect, n: number): 0 | 1 {
  return (a.intensities[n] ?? 0) >= AU_ACTIVE_THRESHOLD ? 1 : 0;
}
