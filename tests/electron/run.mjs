// `npm run test:electron`: runs the Electron end-to-end test where the Electron binary is installed;
// elsewhere says so and exits non-zero (no test is reported as skipped or passed).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const pkg = path.join(root, 'node_modules', 'electron');
const pathFile = path.join(pkg, 'path.txt');
// Read path.txt ourselves: require('electron') would start a download where the binary is missing.
const rel = fs.existsSync(pathFile) ? fs.readFileSync(pathFile, 'utf8').trim() : null;
const binary = rel ? path.join(pkg, 'dist', rel) : null;
if (!binary || !fs.existsSync(binary)) {
  process.stderr.write(
    'test:electron: the Electron binary is not installed here (node_modules/electron/dist is missing), so the desktop app cannot start.\n' +
      'On a desktop machine with internet access: `npx install-electron --no`, then `npm run build && npm run test:electron`.\n' +
      '(On Linux without a display, run it under Xvfb: `xvfb-run -a npm run test:electron`.)\n',
  );
  process.exit(2);
}
if (!fs.existsSync(path.join(root, 'out', 'main', 'index.js'))) {
  process.stderr.write('test:electron: the app is not built: run `npm run build` first.\n');
  process.exit(2);
}
const r = spawnSync(process.execPath, [path.join(root, 'node_modules', '@playwright', 'test', 'cli.js'), 'test', '--config', 'playwright.electron.config.ts', ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
});
process.exit(r.status ?? 1);
