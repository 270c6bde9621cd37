// A crop reader for tests of the feature pass: every crop is `pixel(frame id, x, y, channel)`, and
// it counts the crops it renders (how many frames a pass really computed).
import type { CropReader } from '../../src/ml/train/images';

export function countingCrops(pixel: (id: number, x: number, y: number, c: number, size: number) => number): CropReader & { rendered: number } {
  const r = {
    rendered: 0,
    has: () => true,
    async batch(ids: readonly number[], size: number) {
      r.rendered += ids.length;
      const out = new Float32Array(ids.length * size * size * 3);
      ids.forEach((id, k) => {
        for (let y = 0; y < size; y++)
          for (let x = 0; x < size; x++) for (let c = 0; c < 3; c++) out[((k * size + y) * size + x) * 3 + c] = pixel(id, x, y, c, size);
      });
      return out;
    },
  };
  return r;
}

/** Crops whose pixels depend on the frame id and position (no two rows alike), counted. */
export function idPatternCrops(): CropReader & { rendered: number } {
  return countingCrops((id, x, y, c, size) => ((id * 7919 + ((y * size + x) * 3 + c) * 31) % 255) / 255);
}
