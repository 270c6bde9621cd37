// Shared by the kernel tests: deterministic inputs and the error measure they compare with.
import { expect } from 'vitest';

/** Deterministic values in [offset − 0.5, offset + 0.5) from an LCG: `size` of them, or as many as a shape holds. */
export function values(size: number | readonly number[], seed: number, offset = 0): Float32Array {
  const v = new Float32Array(typeof size === 'number' ? size : size.reduce((a, b) => a * b, 1));
  let s = seed >>> 0;
  for (let i = 0; i < v.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    v[i] = s / 4294967296 - 0.5 + offset;
  }
  return v;
}

/** max |a − b| / max |b|: relative to the reference's scale, so near-zero entries don't dominate. */
export function relError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  expect(scale).toBeGreaterThan(0);
  return diff / scale;
}
