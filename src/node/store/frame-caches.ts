// One rule for the project's per-frame cache files (cache/crops.sqlite, cache/features.sqlite):
// rows describe a frame's pixels, so when those change (re-import with other frames, face
// detection run again) or the frame is deleted (SQLite may give its id to a new frame), the
// frame's rows go. A cache file that does not exist yet has nothing to forget and is not created.
import fs from 'node:fs';
import path from 'node:path';
import { CROP_FILE, openCropCache } from './crop-cache';
import { FEATURE_FILE, FeatureCache } from './feature-cache';

/**
 * Drops the cached rows of `frameIds` in the project at `projectDir`: their computed features
 * always, their crops too unless `keepCrops` (a writer that just stored new crops for them).
 */
export function forgetFrames(projectDir: string, frameIds: readonly number[], opts: { keepCrops?: boolean } = {}): void {
  if (frameIds.length === 0) return;
  if (!opts.keepCrops && fs.existsSync(path.join(projectDir, CROP_FILE))) {
    const crops = openCropCache(projectDir);
    try {
      crops.deleteCrops(frameIds);
    } finally {
      crops.close();
    }
  }
  if (fs.existsSync(path.join(projectDir, FEATURE_FILE))) {
    const features = FeatureCache.open(projectDir);
    try {
      features.deleteFrames(frameIds);
    } finally {
      features.close();
    }
  }
}
