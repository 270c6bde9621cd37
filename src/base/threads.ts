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
 * One request at a time to a worker thread (learning threads and face threads speak through it).
 * `request` posts a message and resolves with the thread's answer: the first message it sends back
 * that is not an event (events, `isEvent`, go to the request's `onEvent` meanwhile). An answer
 * `{ type: 'error', message }` rejects, and so does an answer of another type than expected. A
 * thread that fails or exits fails its request and every later one; messages that arrive with no
 * request open are dropped.
 */
export class ThreadChannel<To extends { type: string }, From extends { type: string }, Event extends From> {
  private pending: { resolve(m: From): void; reject(e: Error): void; onEvent?: (e: Event) => void } | null = null;
  private failed: Error | null = null;

  constructor(
    readonly worker: Worker,
    /** What the thread is called in errors, e.g. 'learning thread'. */
    private readonly what: string,
    private readonly isEvent: (m: From) => m is Event,
  ) {
    worker.on('message', (m: From) => {
      const p = this.pending;
      if (!p) return;
      if (this.isEvent(m)) {
        p.onEvent?.(m);
        return;
      }
      this.pending = null;
      if (m.type === 'error' && 'message' in m) p.reject(new Error(String(m.message)));
      else p.resolve(m);
    });
    const fail = (e: Error) => {
      this.failed ??= e;
      const p = this.pending;
      this.pending = null;
      p?.reject(e);
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`${what} exited (code ${code})`)));
  }

  request<T extends From['type']>(msg: To, expect: T, transfer: ArrayBuffer[] = [], onEvent?: (e: Event) => void): Promise<Extract<From, { type: T }>> {
    if (this.failed) return Promise.reject(this.failed);
    if (this.pending) return Promise.reject(new Error(`internal: a ${this.what} got a second request before answering the first`));
    return new Promise<From>((resolve, reject) => {
      this.pending = { resolve, reject, onEvent };
      this.worker.postMessage(msg, transfer);
    }).then((m) => {
      if (m.type !== expect) throw new Error(`${this.what} answered '${m.type}' to '${msg.type}'`);
      return m as Extract<From, { type: T }>;
    });
  }
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
