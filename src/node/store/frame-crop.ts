// One accessor for "the 112×112 RGB face of frame N", whatever the media: the cached crop if there
// is one (image datasets, and video frames once the face pipeline ran), else — for image sequences
// whose frames are already aligned face crops (Aff-Wild2 cropped_aligned) — the frame's own image,
// resized. Image sequences are not copied into the cache at import: 2.8 M Aff-Wild2 crops would
// double the data for no gain.
import path from 'node:path';
import sharp from 'sharp';
import type { Project } from './project';
import { CROP_SIZE, type CropCache } from './crop-cache';

/** Raw RGB (112 × 112 × 3) of the frame's face, or null when it has none (face 'none', or not computed yet). */
export async function frameCrop(project: Project, cache: CropCache, frameId: number): Promise<Uint8Array | null> {
  const cached = await cache.getCrop(frameId);
  if (cached) return cached;
  const row = project.db
    .prepare(`SELECT f.path AS framePath, f.face, m.kind, m.path AS mediaPath FROM frames f JOIN media m ON m.id = f.media_id WHERE f.id = ?`)
    .get(frameId) as { framePath: string | null; face: string; kind: string; mediaPath: string } | undefined;
  if (!row || row.kind !== 'sequence' || row.face !== 'ok' || !row.framePath) return null;
  const base = path.isAbsolute(row.mediaPath) ? row.mediaPath : path.join(project.dir, row.mediaPath);
  const file = path.isAbsolute(row.framePath) ? row.framePath : path.join(base, row.framePath);
  const buf = await sharp(file).resize(CROP_SIZE, CROP_SIZE, { fit: 'fill' }).removeAlpha().toColourspace('srgb').raw().toBuffer();
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}
