// The project's face crops as the learning core's CropReader (src/ml/train/images.ts): crops from
// the crop cache (JPEG decoded by sharp on libuv's thread pool, i.e. off the training thread), or an
// aligned image-sequence frame's own file; a bounded LRU keeps decoded crops.
import type { CropCache } from '../../store/crop-cache';
import { frameCrop } from '../../store/frame-crop';
import type { Project } from '../../store/project';
import type { Rng } from '../../../shared/random';
import { CROP, DEFAULT_AUGMENT, drawAugment, renderSample, type AugmentParams, type CropReader } from '../../../ml/train/images';

export class CropSource implements CropReader {
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

