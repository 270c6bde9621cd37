// Development only (never imported by a built entry point): run the worker from the TypeScript
// sources through tsx, found by an absolute path. Node resolves a bare `--import tsx` from the
// current folder, so a worker started that way fails when the shell is elsewhere (DESIGN.md §5).
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { configureRuntime } from './runtime-paths';

const SOURCE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** tsx's ESM loader as a file URL, for `node --import <url>` from any folder. */
export function tsxLoaderUrl(): string {
  const tsxPkg = createRequire(import.meta.url).resolve('tsx/package.json');
  return pathToFileURL(path.join(path.dirname(tsxPkg), 'dist', 'loader.mjs')).href;
}

export function useSourceWorker(): void {
  configureRuntime({
    worker: { file: path.join(SOURCE_ROOT, 'src', 'worker', 'main.ts'), execArgv: ['--import', tsxLoaderUrl()] },
    rendererDir: path.join(SOURCE_ROOT, 'out', 'renderer'),
  });
}
