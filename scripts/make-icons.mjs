// Renders the app icon (src/renderer/public/icon.svg) into resources/: the PNG sizes Linux desktop
// entries use (resources/icons/NxN.png), and a 1024-px master from which electron-builder makes the
// macOS .icns and the Windows .ico (resources/icon.png). Run after changing the SVG:
//   node scripts/make-icons.mjs
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const svg = fs.readFileSync(path.join(root, 'src/renderer/public/icon.svg'));
const SIZES = [16, 24, 32, 48, 64, 128, 256, 512, 1024];
fs.mkdirSync(path.join(root, 'resources/icons'), { recursive: true });
for (const n of SIZES) {
  await sharp(svg, { density: Math.max(72, (72 * n) / 64) }).resize(n, n).png().toFile(path.join(root, `resources/icons/${n}x${n}.png`));
}
fs.copyFileSync(path.join(root, 'resources/icons/1024x1024.png'), path.join(root, 'resources/icon.png'));
console.log(`wrote ${SIZES.length} sizes to resources/icons and resources/icon.png`);
