// The face of a single still image (image datasets imported with --detect-faces, ExpW-style photos
// with several people): SSD-MobileNet, the largest face (or the one overlapping a given box), its
// 68 landmarks and the aligned 112×112 crop. This is the importers' DetectFace port
// (src/node/importers/media-port.ts).
import sharp from 'sharp';
import { alignFace } from './align';
import { loadFaceModels, type FaceBox, type FaceModels, type Region } from './faceapi';
import { pickFace } from './face-track';

export interface ImageFace {
  box: FaceBox;
  /** 68 landmarks, [x0, y0, …] in image pixels. */
  landmarks: Float32Array;
  /** 112 × 112 × 3 rgb24. */
  crop: Uint8Array;
}

/** Finds the face in packed rgb24 pixels; `near` prefers the face overlapping that box. */
export async function detectFaceInImage(models: FaceModels, rgb: Uint8Array, width: number, height: number, opts: { minScore?: number; near?: Region } = {}): Promise<ImageFace | null> {
  const t = models.tf.tensor3d(rgb, [height, width, 3], 'int32');
  let patch;
  let box: FaceBox | null;
  try {
    box = pickFace(await models.ssd(t, opts.minScore ?? 0.5), opts.near ?? null);
    patch = box ? models.patch(t, box) : null;
  } finally {
    t.dispose();
  }
  if (!box || !patch) return null;
  const [landmarks] = await models.landmarks([patch]);
  return { box, landmarks, crop: alignFace(rgb, width, height, landmarks).crop };
}

/** Reads an image file as rgb24 (EXIF orientation applied, grey expanded, alpha dropped), optionally resized to size × size. */
export async function readRgb(file: string, size?: number): Promise<{ rgb: Uint8Array; width: number; height: number }> {
  let img = sharp(file).rotate().removeAlpha().toColourspace('srgb');
  if (size) img = img.resize(size, size, { fit: 'fill' });
  const { data, info } = await img.raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new Error(`${file} decodes to ${info.channels} channels`);
  return { rgb: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height };
}

/** The importers' DetectFace: file → aligned crop, or null when the image shows no face. Models load on first use. */
export function imageFaceDetector(opts: { minScore?: number } = {}): (file: string) => Promise<Uint8Array | null> {
  return async (file) => {
    const models = await loadFaceModels();
    const { rgb, width, height } = await readRgb(file);
    return (await detectFaceInImage(models, rgb, width, height, opts))?.crop ?? null;
  };
}
