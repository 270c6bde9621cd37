// Tests run the TypeScript sources: workers start from src/worker/main.ts through tsx, learning
// threads from src/ml/threads/thread-main.ts.
// (tests/setup-home.ts, listed before this file in vitest.config.ts, isolates the settings folder.)
import { useSourceWorker } from '../src/node/app/dev-runtime';
import { useSourceThreads } from '../src/ml/threads/dev-entry';

useSourceWorker();
useSourceThreads(); // learning threads (src/ml/threads) from src/ml/threads/thread-main.ts
