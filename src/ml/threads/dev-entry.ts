// Development only (never imported by a built entry point): learning threads from the TypeScript
// sources. A worker thread's own `--import` of tsx's loader does not reach its entry on Node 20, so
// the thread's entry is a bootstrap that loads ./thread-main.ts through tsx's module API.
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { configureThreadEntry } from './pool';

export function useSourceThreads(): void {
  const source = pathToFileURL(path.join(path.dirname(fileURLToPath(import.meta.url)), 'thread-main.ts')).href;
  const tsxPkg = createRequire(import.meta.url).resolve('tsx/package.json');
  const api = pathToFileURL(path.join(path.dirname(tsxPkg), 'dist', 'esm', 'api', 'index.mjs')).href;
  configureThreadEntry({ code: `import(${JSON.stringify(api)}).then((t) => t.tsImport(${JSON.stringify(source)}, ${JSON.stringify(source)}))` });
}
