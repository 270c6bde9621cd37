// Development only (never imported by a built entry point): worker threads from the TypeScript
// sources (tests, benches, the source worker). A worker thread's own `--import` of tsx's loader does
// not reach its entry on Node 20, so each thread's entry is a bootstrap that loads its source
// (./thread-entries.ts) through tsx's module API.
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { configureThreadEntry } from '../base/threads';
import { THREAD_ENTRIES } from './thread-entries';

export function useSourceThreads(): void {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
  const tsxPkg = createRequire(import.meta.url).resolve('tsx/package.json');
  const api = pathToFileURL(path.join(path.dirname(tsxPkg), 'dist', 'esm', 'api', 'index.mjs')).href;
  for (const [name, source] of Object.entries(THREAD_ENTRIES)) {
    const url = pathToFileURL(path.join(root, source)).href;
    configureThreadEntry(name, { code: `import(${JSON.stringify(api)}).then((t) => t.tsImport(${JSON.stringify(url)}, ${JSON.stringify(url)}))` });
  }
}
