// The loop every format runs: consume merged frames, report progress and honour cancellation every
// few thousand rows, and give the event loop a turn now and then so an AbortSignal (a Cancel button,
// Ctrl+C) can fire while a synchronous SQLite iteration is in progress.
import { AppError } from '../../shared/result';
import type { ExportFrame } from './frames';
import type { ProgressFn } from './options';


/** Thrown when the AbortSignal fires; code 'cancelled' crosses IPC/HTTP like any AppError. */
export class ExportAborted extends AppError {
  constructor() {
    super('cancelled', 'Export cancelled; no output was written.');
    this.name = 'ExportAborted';
  }
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new ExportAborted();
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Feeds every frame to `each`; returns the number of frames given to it. The stream yields null
 * every few thousand frames read (see exportFrames), so filters that drop most frames still let
 * progress and cancellation through.
 */
export async function drive(
  frames: Iterator<ExportFrame | null>,
  each: (f: ExportFrame) => void,
  counter: { scanned: number },
  total: number,
  onProgress: ProgressFn | undefined,
  signal: AbortSignal | undefined,
): Promise<number> {
  let rows = 0;
  try {
    for (;;) {
      const it = frames.next();
      if (it.done) break;
      if (it.value === null) {
        throwIfAborted(signal);
        onProgress?.(counter.scanned, total);
        await turn();
        throwIfAborted(signal);
      } else {
        each(it.value);
        rows++;
      }
    }
  } finally {
    // Close the open statement iterator when stopping early (error, abort).
    frames.return?.(undefined);
  }
  throwIfAborted(signal);
  onProgress?.(counter.scanned, total);
  return rows;
}
