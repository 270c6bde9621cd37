// Collects what escapes every promise chain (uncaught exceptions, unhandled rejections) while a
// test runs: a server that throws outside its request handling would otherwise end the process.
export interface CrashWatch {
  /** What was caught so far. */
  readonly crashes: unknown[];
  start(): void;
  stop(): void;
}

export function crashWatch(): CrashWatch {
  const crashes: unknown[] = [];
  const onCrash = (e: unknown) => void crashes.push(e);
  return {
    crashes,
    start() {
      process.on('uncaughtException', onCrash);
      process.on('unhandledRejection', onCrash);
    },
    stop() {
      process.off('uncaughtException', onCrash);
      process.off('unhandledRejection', onCrash);
    },
  };
}
