// Small seedable pseudo-random number generation. Pure TypeScript.
//
// Samplers, splits and augmentation draw from these so that a run is reproducible from one
// integer seed (Math.random cannot be seeded). mulberry32 is a 32-bit generator with a full
// 2^32 period: statistically good enough for shuffling and resampling, and tiny.

/** A generator of uniform floats in [0, 1). */
export type Rng = () => number;

/** mulberry32 (Tommy Ettinger's public-domain design): returns a uniform float in [0, 1) per call. */
export function mulberry32(seed: number): Rng {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A seed for an independent sub-stream, derived from a parent seed and a label, so that e.g. the
 * AU and EXPR samplers of one epoch do not share (and shift) one another's random sequence.
 */
export function deriveSeed(seed: number, label: string | number): number {
  // FNV-1a over the label, mixed with the seed through one splitmix-style finaliser.
  let h = 0x811c9dc5 ^ (seed >>> 0);
  const s = String(label);
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Uniform integer in [0, n). */
export function randInt(rng: Rng, n: number): number {
  return Math.floor(rng() * n);
}

/** Fisher–Yates shuffle, in place; returns the same array. */
export function shuffleInPlace<T>(a: T[], rng: Rng): T[] {
  for (let i = a.length - 1; i > 0; i--) {
    const j = randInt(rng, i + 1);
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
  return a;
}

/** `k` distinct elements of `a` drawn uniformly without replacement (k <= a.length), in random order. */
export function sampleWithoutReplacement<T>(a: readonly T[], k: number, rng: Rng): T[] {
  if (k > a.length) throw new Error(`cannot draw ${k} of ${a.length} without replacement`);
  const c = a.slice();
  // Partial Fisher–Yates: only the first k positions are needed.
  for (let i = 0; i < k; i++) {
    const j = i + randInt(rng, c.length - i);
    const t = c[i];
    c[i] = c[j];
    c[j] = t;
  }
  return c.slice(0, k);
}
