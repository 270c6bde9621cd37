// Worker threads by name: an entry point (the built worker, or a development bootstrap for the
// TypeScript sources) says once where each kind of thread starts, and the code that uses threads
// (learning threads in src/ml/threads, face threads in src/node/media) starts them by name. The
// names are the built files' names (`out/main/<name>.js`), listed with their sources in
// src/worker/thread-entries.ts. Without a configured entry, starting fails and callers compute in
// their own thread.
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';

/** How a thread starts: an ES module file, or code evaluated as the thread's entry. */
export type ThreadScript = { file: string } | { code: string };
const entries = new Map<string, ThreadScript>();

/** Called by an entry point, once per kind: the built `<name>.js` (absolute path), or a development bootstrap. */
export function configureThreadEntry(name: string, script: ThreadScript): void {
  entries.set(name, 'file' in script ? { file: path.resolve(script.file) } : script);
}

/** Starts a thread of kind `name`; throws when no entry point configured one. */
export function startThread(name: string): Worker {
  const script = entries.get(name);
  if (!script) throw new Error(`no ${name} entry configured`);
  return 'file' in script ? new Worker(script.file) : new Worker(script.code, { eval: true });
}

/**
 * The thread count a run uses when nobody chose one: AW_THREADS when set (a positive integer),
 * else the cores this process may use (os.availableParallelism()).
 */
export function defaultThreadCount(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.AW_THREADS;
  if (raw !== undefined && raw !== '') {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1 || n > 256) throw new Error(`AW_THREADS must be a positive integer, got '${raw}'`);
    return n;
  }
  return Math.max(1, os.availableParallelism());
}
