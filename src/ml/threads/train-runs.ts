// Independent training runs (Algorithm 1's students) in learning threads, one run per thread at a
// time (./pool.ts, ./thread-main.ts 'train'). Each run's input is made portable here, in order and
// one at a time (its architecture's ArchTrainer.portable: the first may compute the cached features
// the others then read), when a thread becomes free; the thread trains and saves the model exactly
// as a run in this thread would (same kernels, same seed: same weights, tested), saying its
// progress, log lines and epochs as it goes. Cancel: `checkpoint` is asked after every event, and
// when it throws the threads are ended (a run's checkpoint files are written atomically, so a
// cancelled run resumes from its last complete epoch).
import type { Arch, TrainHooks, TrainInputBase } from '../train/arch';
import { archTrainer } from '../train/archs';
import { ThreadPool, threadedBackend } from './pool';
import type { ThreadEvent, ThreadTrainResult } from './protocol';

export interface ThreadRun {
  /** The run's input as the architecture's trainer takes it in this thread. */
  input: TrainInputBase;
  /** Called as the run is handed to a thread (its first line of log). */
  started(thread: number): void;
  hooks: Omit<TrainHooks, 'checkpoint'>;
}

/**
 * How many runs train at once on `threads` learning threads' worth of cores: all of them up to twice
 * the threads, else as few per round as keeps every round equally full. Runs are equal in work and
 * a thread's time is shared fairly, so 3 runs on 2 cores end together after 1.5 runs' time, where 2
 * threads would take 2 (one round of two, one of one).
 */
export function threadsAtOnce(runs: number, threads: number): number {
  if (threads < 2 || runs < 2) return 1;
  return Math.ceil(runs / Math.ceil(runs / (2 * threads)));
}

/**
 * Trains `runs` of `arch` in learning threads (`threads`: the cores they may use; threadsAtOnce
 * says how many at once) and answers their results in run order; null (nothing done) when they
 * cannot run in threads here: one thread, the backend has no learning threads, the architecture's
 * trainer cannot make its input portable, or the first run's input is not portable (a fine-tuned
 * backbone). The caller then trains them in its own thread.
 */
export async function trainRunsInThreads(
  arch: Arch,
  threads: number,
  runs: ThreadRun[],
  checkpoint: () => Promise<void>,
  hooks: { log(line: string): void },
): Promise<ThreadTrainResult[] | null> {
  const backend = threadedBackend();
  const n = threadsAtOnce(runs.length, threads);
  const toPortable = archTrainer(arch).portable;
  if (n < 2 || !backend || !toPortable) return null;
  const portableOf = (k: number) => toPortable(runs[k].input, { ...runs[k].hooks, checkpoint });
  // The first input decides: runs of one job share their model settings.
  const first = await portableOf(0);
  if (first === null) return null;
  let pool: ThreadPool;
  try {
    pool = await ThreadPool.start(n);
  } catch (e) {
    hooks.log(`learning threads did not start (${(e as Error).message}); training one model at a time in this thread`);
    return null;
  }
  const results: ThreadTrainResult[] = new Array(runs.length);
  let stopped: unknown = null;
  let next = 0;
  // Inputs are made one at a time, in run order (the first may have computed what the others read).
  let making: Promise<unknown> = Promise.resolve();
  const portable = (k: number): Promise<unknown> => {
    const made = making.then(() => (k === 0 ? first : portableOf(k)));
    making = made.catch(() => undefined);
    return made;
  };
  try {
    await Promise.all(
      Array.from({ length: n }, async (_, t) => {
        while (next < runs.length && stopped === null) {
          const k = next++;
          const run = runs[k];
          const input = await portable(k);
          if (input === null) throw new Error(`internal: run ${k + 1} of ${runs.length} cannot train in a learning thread although the first could`);
          if (stopped !== null) return;
          run.started(t);
          const onEvent = (e: ThreadEvent) => {
            if (stopped !== null) return;
            if (e.type === 'progress') run.hooks.progress(e.done, e.total, e.stage, e.metrics);
            else if (e.type === 'log') run.hooks.log(e.line);
            else run.hooks.epochDone(e.epoch, e.metrics);
            checkpoint().catch((err: unknown) => {
              stopped ??= err;
              void pool.close();
            });
          };
          const r = await pool.one(t, { type: 'train', backend, arch, input }, 'trained', [], onEvent);
          results[k] = r.result;
          await checkpoint();
        }
      }),
    ).catch((e: unknown) => {
      // A cancel ends the threads, which fails their requests: the cancel is what is reported.
      throw stopped ?? e;
    });
    if (stopped !== null) throw stopped;
  } finally {
    await pool.close();
  }
  return results;
}
