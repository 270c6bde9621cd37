// Image files → stored face crops. Images of image datasets are taken as face crops: the whole image
// (or an ExpW face box) is resized to 112×112 — stretched like torchvision's Resize((112, 112)), not
// cropped, so no part of the face is lost — and grey or RGBA images become 3-channel RGB.
import sharp from 'sharp';
import { CROP_JPEG_QUALITY, CROP_SIZE, type CropFormat, type StoredCrop } from '../store/crop-cache';

export interface Box {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** File name endings sharp decodes (BMP is not among them). */
export const IMAGE_EXTENSIONS = ['.jpg', '.jpeg', '.png', '.webp', '.tif', '.tiff', '.gif', '.avif'] as const;

export function isImageName(name: string): boolean {
  const lower = name.toLowerCase();
  return IMAGE_EXTENSIONS.some((e) => lower.endsWith(e));
}

/** Pixel size of an image (reads the header only). */
export async function imageSize(file: string): Promise<{ width: number; height: number }> {
  const m = await sharp(file).metadata();
  if (!m.width || !m.height) throw new Error('no image dimensions');
  return { width: m.width, height: m.height };
}

/** The 112×112 crop of an image file (or of `box` within it), encoded for the crop cache. */
export async function cropImageFile(file: string, box?: Box, format: CropFormat = 'jpeg'): Promise<Omit<StoredCrop, 'frameId'>> {
  let img = sharp(file);
  img = box ? img.extract(box) : img.rotate(); // EXIF orientation for whole images; boxes address stored pixels
  img = img.resize(CROP_SIZE, CROP_SIZE, { fit: 'fill' }).removeAlpha().toColourspace('srgb');
  const out =
    format === 'rgb' ? img.raw() : format === 'png' ? img.png() : img.jpeg({ quality: CROP_JPEG_QUALITY, chromaSubsampling: '4:4:4' });
  const buf = await out.toBuffer();
  return { width: CROP_SIZE, height: CROP_SIZE, format, data: new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength) };
}
