// Turning a batch of image files into stored crops, concurrently (sharp works off the main thread),
// before any frame row is written: an unreadable image is known before its frame exists, so it can
// be skipped (--skip-missing) or fail the import with its file name.
import type { ImportContext } from './context';
import type { StoredCrop } from '../store/crop-cache';
import { encodeCrop, CROP_SIZE } from '../store/crop-cache';
import { cropImageFile, type Box } from './image-crops';
import { requireDetectFace } from './media-port';

export interface CropJob {
  file: string;
  box?: Box;
  /** Crop already cached for this frame (re-import): nothing to compute. */
  cached?: boolean;
}

/** A computed crop, 'cached', 'no-face' (face detection found none) or the error reading the image. */
export type CropResult = Omit<StoredCrop, 'frameId'> | 'cached' | 'no-face' | Error;

export const CROP_BATCH = 32;

export async function computeCrops(ctx: ImportContext, jobs: readonly CropJob[]): Promise<CropResult[]> {
  const detect = ctx.opts.detectFaces ? requireDetectFace(ctx.port) : null;
  return Promise.all(
    jobs.map(async (j): Promise<CropResult> => {
      if (j.cached) return 'cached';
      try {
        if (detect && !j.box) {
          const rgb = await detect(j.file);
          if (!rgb) return 'no-face';
          return { width: CROP_SIZE, height: CROP_SIZE, format: 'jpeg', data: await encodeCrop(rgb, CROP_SIZE, CROP_SIZE, 'jpeg') };
        }
        return await cropImageFile(j.file, j.box);
      } catch (e) {
        return e instanceof Error ? e : new Error(String(e));
      }
    }),
  );
}
