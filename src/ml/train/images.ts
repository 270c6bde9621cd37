// Face crops → model input batches. Crops come from the project's crop cache (JPEG decoded by
// sharp on libuv's thread pool, i.e. off the training thread); a bounded LRU keeps decoded crops;
// augmentation is drawn per sample (random resized crop, horizontal flip, brightness/contrast/
// saturation jitter) — the reference code drew one set of parameters for the whole run.
import type { CropCache } from '../../node/importers/crop-cache';
import { frameCrop } from '../../node/importers/frame-crop';
import type { Project } from '../../node/project';
import type { Rng } from '../../shared/random';

export const CROP = 112;

export interface AugmentParams {
  /** Smallest side of the random crop, as a fraction of the crop (1 = no crop). */
  minScale: number;
  flip: boolean;
  brightness: number;
  contrast: number;
  saturation: number;
}
export const DEFAULT_AUGMENT: AugmentParams = { minScale: 0.85, flip: true, brightness: 0.2, contrast: 0.2, saturation: 0.2 };

export class CropSource {
  private readonly lru = new Map<number, Uint8Array>();
  private bytes = 0;

  private readonly sequenceFrames: (frameId: number) => boolean;

  constructor(
    private readonly project: Project,
    private readonly cache: CropCache,
    /** Budget for decoded crops kept in memory (bytes). */
    private readonly budget = 512 * 1024 * 1024,
  ) {
    // Aligned image-sequence frames (Aff-Wild2 cropped_aligned) are read from their own files.
    const stmt = project.db
      .prepare(`SELECT 1 FROM frames f JOIN media m ON m.id = f.media_id WHERE f.id = ? AND f.path IS NOT NULL AND m.kind = 'sequence'`)
      .pluck();
    this.sequenceFrames = (id) => stmt.get(id) !== undefined;
  }

  has(frameId: number): boolean {
    return this.lru.has(frameId) || this.cache.hasCrop(frameId) || this.sequenceFrames(frameId);
  }

  async get(frameId: number): Promise<Uint8Array> {
    const hit = this.lru.get(frameId);
    if (hit) {
      this.lru.delete(frameId);
      this.lru.set(frameId, hit);
      return hit;
    }
    const rgb = await frameCrop(this.project, this.cache, frameId);
    if (!rgb) throw new Error(`frame ${frameId} has no face crop (run face detection or re-import)`);
    if (rgb.length !== CROP * CROP * 3) throw new Error(`crop of frame ${frameId} is not ${CROP}×${CROP} RGB`);
    this.lru.set(frameId, rgb);
    this.bytes += rgb.length;
    while (this.bytes > this.budget && this.lru.size > 1) {
      const [k, v] = this.lru.entries().next().value as [number, Uint8Array];
      this.lru.delete(k);
      this.bytes -= v.length;
    }
    return rgb;
  }

  /** A batch [n, size, size, 3] in [0, 1]; augmented when `rng` is given. */
  async batch(frameIds: readonly number[], size: number, rng?: Rng, aug: AugmentParams = DEFAULT_AUGMENT): Promise<Float32Array> {
    const crops = await Promise.all(frameIds.map((id) => this.get(id)));
    const out = new Float32Array(frameIds.length * size * size * 3);
    crops.forEach((c, i) => renderSample(c, out.subarray(i * size * size * 3, (i + 1) * size * size * 3), size, rng ? drawAugment(rng, aug) : null));
    return out;
  }
}

interface Draw {
  x0: number;
  y0: number;
  side: number;
  flip: boolean;
  brightness: number;
  contrast: number;
  saturation: number;
}

function drawAugment(rng: Rng, a: AugmentParams): Draw {
  const side = CROP * (a.minScale + (1 - a.minScale) * rng());
  return {
    side,
    x0: (CROP - side) * rng(),
    y0: (CROP - side) * rng(),
    flip: a.flip && rng() < 0.5,
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
      const xx = d?.flip ? size - 1 - x : x;
      const sx = Math.min(CROP - 1, Math.max(0, x0 + (xx + 0.5) * scale - 0.5));
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
