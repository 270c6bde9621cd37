// Worker threads for the learning core (issue 14, "every core used"): each thread is its own
// TensorFlow.js engine on its own wasm instance (./thread-main.ts), started by name ('ml-thread',
// src/base/threads.ts) from the script its program configured: a built program's ml-thread.js
// (src/worker/main.ts), or, when running from the TypeScript sources, src/worker/dev-threads.ts's
// bootstrap (tests, benches, the source worker). Without one, starting a pool fails and callers
// compute in their own thread.
// The pool runs one request per thread at a time and answers each with its own reply; a thread
// that fails or exits fails its request and every later one (the caller falls back or gives up).
import { startThread, ThreadChannel } from '../../base/threads';
import { tf, type BackendName } from '../backend';
import type { ToThread, FromThread, ThreadEvent } from './protocol';

/** The backends whose learning threads run an engine of their own (tfjs-node already uses every core, a GPU is one device). */
const THREADED_BACKENDS = ['wasm', 'cpu'] as const satisfies readonly BackendName[];
export type ThreadedBackendName = (typeof THREADED_BACKENDS)[number];

/** The active backend when worker threads can share its work (an engine per thread), else null (work stays in this thread). */
export function threadedBackend(): ThreadedBackendName | null {
  const b = tf.getBackend();
  return THREADED_BACKENDS.find((t) => t === b) ?? null;
}

const EVENTS: ReadonlySet<string> = new Set<ThreadEvent['type']>(['progress', 'log', 'epoch']);
const isEvent = (m: FromThread): m is ThreadEvent => EVENTS.has(m.type);

type Reply<T extends FromThread['type']> = Extract<FromThread, { type: T }>;
type Thread = ThreadChannel<ToThread, FromThread, ThreadEvent>;

/** N learning threads; `close` ends them (always call it, in a finally). */
export class ThreadPool {
  private constructor(private readonly threads: Thread[]) {}

  get size(): number {
    return this.threads.length;
  }

  /** Starts `n` threads (in parallel) and waits until each answered 'hello'. */
  static async start(n: number): Promise<ThreadPool> {
    const threads: Thread[] = Array.from({ length: n }, () => new ThreadChannel(startThread('ml-thread'), 'learning thread', isEvent));
    const pool = new ThreadPool(threads);
    try {
      await Promise.all(threads.map((t) => t.request({ type: 'hello' }, 'hello')));
    } catch (e) {
      await pool.close();
      throw e;
    }
    return pool;
  }

  /** Sends `msg(i)` to thread i of every thread and waits for all answers. */
  all<T extends FromThread['type']>(msg: (i: number) => ToThread, expect: T): Promise<Reply<T>[]> {
    return Promise.all(this.threads.map((t, i) => t.request(msg(i), expect)));
  }

  /** One request to thread i; `onEvent` hears what the thread says before it answers. */
  one<T extends FromThread['type']>(i: number, msg: ToThread, expect: T, transfer: ArrayBuffer[] = [], onEvent?: (e: ThreadEvent) => void): Promise<Reply<T>> {
    return this.threads[i].request(msg, expect, transfer, onEvent);
  }

  async close(): Promise<void> {
    await Promise.all(this.threads.map((t) => t.worker.terminate()));
  }
}
