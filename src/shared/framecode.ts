// Frame-index-coded test frames: every frame carries its own 0-based index in its pixels, so
// end-to-end tests can check that a player, a decoder or a seek landed on exactly the frame it
// claims. Pure TypeScript (no node:*, no DOM): the Node generator draws frames with it and a
// browser page decodes canvas pixels with it.
//
// Layout, in fractions of the frame so any scaling keeps it readable; 16 equal columns:
//   rows 0.04–0.20  check row: white, black, white, black, ... (says "this is a coded frame")
//   rows 0.26–0.46  the index in binary, most significant bit left (white = 1)
//   rows 0.52–0.72  the same bits inverted (each column is decoded by comparing its two cells)
//   rows 0.78–0.96  the index in seven-segment decimal digits, for people looking at it
// Cells are large flat black/white blocks, which survive lossy codecs and chroma subsampling;
// the decoder reads the middle of each cell and thresholds relative to the frame's own levels.

export const FRAMECODE_BITS = 16;
export const FRAMECODE_MAX = 2 ** FRAMECODE_BITS - 1;

const CHECK_ROW: readonly [number, number] = [0.04, 0.2];
const BIT_ROW: readonly [number, number] = [0.26, 0.46];
const INV_ROW: readonly [number, number] = [0.52, 0.72];
const DIGIT_ROW: readonly [number, number] = [0.78, 0.96];
const BACKGROUND = 128;

/** Segments a..g lit per decimal digit (bit 0 = a, top; then clockwise; g = middle). */
const SEVEN_SEG = [0x3f, 0x06, 0x5b, 0x4f, 0x66, 0x6d, 0x7d, 0x07, 0x7f, 0x6f];
/** Segment rectangles in a 0..1 digit box: [x0, y0, x1, y1]. */
const SEG_RECTS: readonly (readonly [number, number, number, number])[] = [
  [0.15, 0, 0.85, 0.12], [0.78, 0.05, 0.95, 0.5], [0.78, 0.5, 0.95, 0.95],
  [0.15, 0.88, 0.85, 1], [0.05, 0.5, 0.22, 0.95], [0.05, 0.05, 0.22, 0.5], [0.15, 0.44, 0.85, 0.56],
];

function fillRect(px: Uint8Array, width: number, height: number, channels: number, x0: number, y0: number, x1: number, y1: number, v: number): void {
  const ia = Math.max(0, Math.round(x0));
  const ib = Math.min(width, Math.round(x1));
  const ja = Math.max(0, Math.round(y0));
  const jb = Math.min(height, Math.round(y1));
  for (let j = ja; j < jb; j++) {
    for (let i = ia; i < ib; i++) {
      const k = (j * width + i) * channels;
      px[k] = v;
      px[k + 1] = v;
      px[k + 2] = v;
      if (channels === 4) px[k + 3] = 255;
    }
  }
}

/** Draws frame `index` as packed pixels (rgb24 by default, or rgba with channels = 4). */
export function drawFrameCode(index: number, width: number, height: number, channels: 3 | 4 = 3): Uint8Array {
  if (!Number.isInteger(index) || index < 0 || index > FRAMECODE_MAX) throw new Error(`frame index out of range: ${index}`);
  if (width < FRAMECODE_BITS * 2 || height < 16) throw new Error(`frame too small for a frame code: ${width}x${height}`);
  const px = new Uint8Array(width * height * channels);
  fillRect(px, width, height, channels, 0, 0, width, height, BACKGROUND);
  const cw = width / FRAMECODE_BITS;
  for (let c = 0; c < FRAMECODE_BITS; c++) {
    const bit = (index >> (FRAMECODE_BITS - 1 - c)) & 1;
    const x0 = c * cw;
    const x1 = (c + 1) * cw;
    fillRect(px, width, height, channels, x0, CHECK_ROW[0] * height, x1, CHECK_ROW[1] * height, c % 2 === 0 ? 255 : 0);
    fillRect(px, width, height, channels, x0, BIT_ROW[0] * height, x1, BIT_ROW[1] * height, bit ? 255 : 0);
    fillRect(px, width, height, channels, x0, INV_ROW[0] * height, x1, INV_ROW[1] * height, bit ? 0 : 255);
  }
  const digits = String(index);
  const dh = (DIGIT_ROW[1] - DIGIT_ROW[0]) * height;
  const dw = Math.min(dh * 0.6, width / (digits.length + 1));
  const left = (width - dw * digits.length) / 2;
  for (let d = 0; d < digits.length; d++) {
    const mask = SEVEN_SEG[digits.charCodeAt(d) - 48];
    const bx = left + d * dw;
    for (let s = 0; s < 7; s++) {
      if (!(mask & (1 << s))) continue;
      const [a, b, c, e] = SEG_RECTS[s];
      fillRect(px, width, height, channels, bx + a * dw * 0.85, DIGIT_ROW[0] * height + b * dh, bx + c * dw * 0.85, DIGIT_ROW[0] * height + e * dh, 255);
    }
  }
  return px;
}

/** Mean luma of the middle half of a cell. */
function cellLuma(px: Uint8Array | Uint8ClampedArray, width: number, height: number, channels: number, col: number, row: readonly [number, number]): number {
  const cw = width / FRAMECODE_BITS;
  const x0 = Math.floor(col * cw + cw * 0.25);
  const x1 = Math.max(x0 + 1, Math.ceil((col + 1) * cw - cw * 0.25));
  const rh = (row[1] - row[0]) * height;
  const y0 = Math.floor(row[0] * height + rh * 0.25);
  const y1 = Math.max(y0 + 1, Math.ceil(row[1] * height - rh * 0.25));
  let sum = 0;
  let n = 0;
  for (let y = y0; y < y1 && y < height; y++) {
    for (let x = x0; x < x1 && x < width; x++) {
      const k = (y * width + x) * channels;
      sum += channels >= 3 ? 0.299 * px[k] + 0.587 * px[k + 1] + 0.114 * px[k + 2] : px[k];
      n++;
    }
  }
  return n ? sum / n : 0;
}

/**
 * Reads the frame index from packed pixels (`channels` = 3 for rgb24, 4 for canvas RGBA, 1 for
 * grey). Returns null when the frame carries no valid code (wrong check row, or a column whose
 * two cells do not clearly differ), so a wrong frame is never mistaken for a right one.
 */
export function decodeFrameIndex(px: Uint8ClampedArray | Uint8Array, width: number, height: number, channels: number): number | null {
  if (!(channels === 1 || channels === 3 || channels === 4)) throw new Error(`unsupported channel count ${channels}`);
  if (px.length < width * height * channels || width < FRAMECODE_BITS || height < 8) return null;
  const check: number[] = [];
  const bits: number[] = [];
  const inv: number[] = [];
  for (let c = 0; c < FRAMECODE_BITS; c++) {
    check.push(cellLuma(px, width, height, channels, c, CHECK_ROW));
    bits.push(cellLuma(px, width, height, channels, c, BIT_ROW));
    inv.push(cellLuma(px, width, height, channels, c, INV_ROW));
  }
  const whites = check.filter((_, c) => c % 2 === 0);
  const blacks = check.filter((_, c) => c % 2 === 1);
  const lo = Math.max(...blacks);
  const hi = Math.min(...whites);
  // The check row must show clear contrast: every white cell above every black cell.
  if (hi - lo < 64) return null;
  const margin = 0.4 * (hi - lo);
  let index = 0;
  for (let c = 0; c < FRAMECODE_BITS; c++) {
    const d = bits[c] - inv[c];
    if (Math.abs(d) < margin) return null;
    index = index * 2 + (d > 0 ? 1 : 0);
  }
  return index;
}
