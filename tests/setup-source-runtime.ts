// Tests run the TypeScript sources: workers start from src/worker/main.ts through tsx.
import { useSourceWorker } from '../src/node/app/dev-runtime';

useSourceWorker();
