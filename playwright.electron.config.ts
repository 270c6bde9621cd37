// The desktop app end to end: Playwright's Electron driver starts the BUILT app (out/main/index.js,
// the package.json "main") with the real Electron binary. Run with `npm run test:electron`, which
// first checks that the binary is installed (tests/electron/run.mjs). Not part of `npm test`: the
// build machines cannot download Electron.
import { defineConfig } from '@playwright/test';

export default defineConfig({
  testDir: 'tests/electron',
  testMatch: /.*\.spec\.ts$/,
  outputDir: 'test-results/electron',
  workers: 1,
  fullyParallel: false,
  retries: 0,
  timeout: 180_000,
  expect: { timeout: 15_000 },
  reporter: [['list']],
});
