// The kinds of worker thread the worker process starts, by name, with their sources: the build
// (electron.vite.config.ts) makes `out/main/<name>.js` of each, src/worker/main.ts configures the
// built files, src/worker/dev-threads.ts the sources (src/base/threads.ts starts them by name).
export const THREAD_ENTRIES = {
  /** A learning thread (src/ml/threads/pool.ts). */
  'ml-thread': 'src/ml/threads/thread-main.ts',
  /** A face thread (src/node/media/face-threads.ts). */
  'face-thread': 'src/node/media/face-thread.ts',
} as const;
