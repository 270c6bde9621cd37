// Tests run the TypeScript sources: workers start from src/worker/main.ts through tsx, learning
// threads and face threads from their sources.
// (tests/setup-home.ts, listed before this file in vitest.config.ts, isolates the settings folder.)
import { useSourceWorker } from '../src/node/app/dev-runtime';
import { useSourceThreads } from '../src/worker/dev-threads';

useSourceWorker();
useSourceThreads(); // worker threads (learning, faces) from their sources (src/worker/thread-entries.ts)
