import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/unit/**/*.test.ts'],
    // setup-home first: a fresh AW_HOME per test file before anything else runs.
    setupFiles: ['tests/setup-home.ts', 'tests/setup-source-runtime.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // 2-core machines: TensorFlow.js/wasm and ffmpeg tests are CPU-heavy.
    maxWorkers: 2,
  },
});
