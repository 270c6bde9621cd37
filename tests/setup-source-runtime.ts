// Tests run the TypeScript sources: workers start from src/worker/main.ts through tsx.
// (tests/setup-home.ts, listed before this file in vitest.config.ts, isolates the settings folder.)
import { useSourceWorker } from '../src/node/app/dev-runtime';

useSourceWorker();
