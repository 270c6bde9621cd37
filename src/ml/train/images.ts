// Face crops → model input batches: the reader interface the trainers use and the resampling with
// augmentation (the Node layer's CropSource implements the reader over the project's crop cache);
// augmentation is drawn per sample (random resized crop, brightness/contrast/saturation jitter) —
// the reference code drew one set of parameters for the whole run. The horizontal flip is a view of
// the face, not a resampling: the trainer draws it per sample (drawFlips) and mirrors the rendered
// batch (mirrorCrops), so its targets go through the AU mirror rule (src/shared/labels.ts
// AU_MIRROR_PAIRS) and a frozen backbone reads the mirrored view's cached features instead.
import type { Rng } from '../../shared/random';

export const CROP = 112;

export interface AugmentParams {
  /** Smallest side of the random crop, as a fraction of the crop (1 = no crop). */
  minScale: number;
  brightness: number;
  contrast: number;
  saturation: number;
}
export const DEFAULT_AUGMENT: AugmentParams = { minScale: 0.85, brightness: 0.2, contrast: 0.2, saturation: 0.2 };

/** Face crops as model input: what training and inference read (src/node/training/engine/crop-source.ts). */
export interface CropReader {
  has(frameId: number): boolean;
  /** A batch [n, size, size, 3] in [0, 1]; augmented when `rng` is given. */
  batch(frameIds: readonly number[], size: number, rng?: Rng, aug?: AugmentParams): Promise<Float32Array>;
}

export interface Draw {
  x0: number;
  y0: number;
  side: number;
  brightness: number;
  contrast: number;
  saturation: number;
}

/** Which samples of a batch of `n` show the mirrored face: each with p = 0.5, one draw per sample. */
export function drawFlips(rng: Rng, n: number): boolean[] {
  return Array.from({ length: n }, () => rng() < 0.5);
}

/**
 * Mirrors faces of a batch [n, size, size, channels] in place: x → size − 1 − x, nothing else. All
 * of them, or those with `which[i]` true. Mirroring a rendered (cropped, jittered) sample equals
 * rendering the mirrored crop: the crop window's columns reverse and the jitter is per pixel.
 */
export function mirrorCrops(data: Float32Array, size: number, which?: readonly boolean[], channels = 3): Float32Array {
  const per = size * size * channels;
  const n = data.length / per;
  for (let i = 0; i < n; i++) {
    if (which && !which[i]) continue;
    for (let y = 0; y < size; y++) {
      const row = i * per + y * size * channels;
      for (let x = 0; x < size >> 1; x++) {
        const a = row + x * channels;
        const b = row + (size - 1 - x) * channels;
        for (let c = 0; c < channels; c++) {
          const t = data[a + c];
          data[a + c] = data[b + c];
          data[b + c] = t;
        }
      }
    }
  }
  return data;
}

export function drawAugment(rng: Rng, a: AugmentParams): Draw {
  const side = CROP * (a.minScale + (1 - a.minScale) * rng());
  return {
    side,
    x0: (CROP - side) * rng(),
    y0: (CROP - side) * rng(),
    brightness: 1 + a.brightness * (2 * rng() - 1),
    contrast: 1 + a.contrast * (2 * rng() - 1),
    saturation: 1 + a.saturation * (2 * rng() - 1),
  };
}

/** Bilinear resample of a square region of the crop into size×size, then colour jitter. */
export function renderSample(rgb: Uint8Array, out: Float32Array, size: number, d: Draw | null): void {
  const side = d ? d.side : CROP;
  const x0 = d ? d.x0 : 0;
  const y0 = d ? d.y0 : 0;
  const scale = side / size;
  let mean = 0;
  for (let y = 0; y < size; y++) {
    const sy = Math.min(CROP - 1, Math.max(0, y0 + (y + 0.5) * scale - 0.5));
    const iy = Math.floor(sy);
    const fy = sy - iy;
    const iy1 = Math.min(CROP - 1, iy + 1);
    for (let x = 0; x < size; x++) {
      const sx = Math.min(CROP - 1, Math.max(0, x0 + (x + 0.5) * scale - 0.5));
      const ix = Math.floor(sx);
      const fx = sx - ix;
      const ix1 = Math.min(CROP - 1, ix + 1);
      const o = (y * size + x) * 3;
      for (let c = 0; c < 3; c++) {
        const v =
          (1 - fy) * ((1 - fx) * rgb[(iy * CROP + ix) * 3 + c] + fx * rgb[(iy * CROP + ix1) * 3 + c]) +
          fy * ((1 - fx) * rgb[(iy1 * CROP + ix) * 3 + c] + fx * rgb[(iy1 * CROP + ix1) * 3 + c]);
        out[o + c] = v / 255;
        mean += v / 255;
      }
    }
  }
  if (!d) return;
  mean /= size * size * 3;
  for (let p = 0; p < size * size; p++) {
    const o = p * 3;
    const grey = 0.299 * out[o] + 0.587 * out[o + 1] + 0.114 * out[o + 2];
    for (let c = 0; c < 3; c++) {
      let v = grey + (out[o + c] - grey) * d.saturation;
      v = (v - mean) * d.contrast + mean;
      v *= d.brightness;
      out[o + c] = v < 0 ? 0 : v > 1 ? 1 : v;
    }
  }
}
