// Where the running program finds its own files: the worker entry and the built renderer. Each
// entry point sets them once, from its own location, so nothing depends on the current folder:
// the built ones (src/cli/entry.ts → out/main/cli.js, src/main/index.ts → out/main/index.js) name
// the built worker.js next to themselves; development entries (src/cli/dev.ts, the test setups)
// call useSourceWorker() from ./dev-runtime.ts, which runs the .ts worker through tsx.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface WorkerEntry {
  /** Absolute path of the worker's entry file. */
  file: string;
  /** Node flags for the worker process (the tsx loader when running from sources). */
  execArgv: string[];
}

const configured: { worker: WorkerEntry | null; rendererDir: string | null } = { worker: null, rendererDir: null };

/** Called by an entry point with absolute paths. */
export function configureRuntime(paths: { worker?: WorkerEntry; workerFile?: string; rendererDir?: string }): void {
  if (paths.worker) configured.worker = { file: path.resolve(paths.worker.file), execArgv: paths.worker.execArgv };
  if (paths.workerFile) configured.worker = { file: path.resolve(paths.workerFile), execArgv: [] };
  if (paths.rendererDir) configured.rendererDir = path.resolve(paths.rendererDir);
}

/** The worker entry the entry point configured. */
export function workerEntry(): WorkerEntry {
  if (!configured.worker) throw new Error('internal: no worker entry configured (an entry point must call configureRuntime)');
  return configured.worker;
}

/** The built renderer folder, and whether it holds a build (index.html). */
export function rendererDir(): { dir: string; built: boolean } {
  const dir = configured.rendererDir ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'out', 'renderer');
  return { dir, built: fs.existsSync(path.join(dir, 'index.html')) };
}
