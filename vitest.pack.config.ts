// `npm run test:pack`: the packed npm tarball installed into an empty prefix and used from another
// folder (minutes: it installs the runtime dependencies, building better-sqlite3 from source).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/pack/**/*.test.ts'],
    setupFiles: ['tests/setup-home.ts'],
    environment: 'node',
    testTimeout: 900_000,
    hookTimeout: 900_000,
    pool: 'forks',
    maxWorkers: 1,
  },
});
