// Seeded pseudo-random numbers for the demo dataset. The demo must be byte-identical for a given
// seed on every machine, so nothing here may touch Math.random or platform state.

/** A seeded random source: `next()` is uniform in [0, 1). */
export interface Rng {
  next(): number;
  /** Uniform in [lo, hi). */
  range(lo: number, hi: number): number;
  /** Integer in [lo, hi] inclusive. */
  int(lo: number, hi: number): number;
  /** Standard normal (Box–Muller; one value per call keeps the stream simple to reason about). */
  gauss(): number;
  /** True with probability p. */
  chance(p: number): boolean;
  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T;
}

/** mulberry32: tiny, fast, good enough for rendering noise and sampling episodes. */
export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    range: (lo, hi) => lo + (hi - lo) * next(),
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    gauss: () => {
      const u = Math.max(next(), 1e-12);
      const v = next();
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    },
    chance: (p) => next() < p,
    pick: (items) => items[Math.floor(next() * items.length)],
  };
}

/**
 * Derives an independent seed from a parent seed and labels (video index, frame index, purpose),
 * so each stream can be regenerated on its own without replaying the others.
 */
export function deriveSeed(seed: number, ...parts: number[]): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  for (const p of parts) {
    h = Math.imul(h ^ (p >>> 0), 0x85ebca6b) >>> 0;
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35) >>> 0;
    h ^= h >>> 16;
  }
  return h >>> 0;
}

/** 4096 standard-normal values from a fixed seed: sensor noise needs speed, not a perfect tail. */
const NORMAL_TABLE: Float32Array = (() => {
  const r = mulberry32(0x5eed);
  const t = new Float32Array(4096);
  for (let i = 0; i < t.length; i++) t[i] = r.gauss();
  return t;
})();

/** A fast approximately-normal source: one mulberry32 step and a table lookup per value. */
export function fastNormal(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return NORMAL_TABLE[((t ^ (t >>> 14)) >>> 0) & 4095];
  };
}
