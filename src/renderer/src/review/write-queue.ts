// The review screen's writes (edits, undo, redo), sent one at a time in the order the annotator made
// them, each kept until the backend says it is stored. An answer with a transient error code
// ('busy': another process — an import, a training job — holds the database and the backend's own
// retries ran out) leaves the write at the head of the queue and sends it again after a pause, so a
// correction is never lost to a busy database. Any other error drops that write and is reported.
// A 'busy' answer means nothing was written (the backend rolls the whole edit back), so sending the
// same write again cannot apply it twice. Free of the DOM: unit-tested under Node.
import type { ApiError, Result } from '../../../shared/result';

/** Error codes after which the same write is sent again. */
export const TRANSIENT_CODES: ReadonlySet<string> = new Set(['busy']);

export interface WriteQueueState {
  /** Writes not stored yet (the one in flight included). */
  pending: number;
  /** The last answer was transient: the head write waits to be sent again. */
  waiting: boolean;
  /** That answer's message (one line for the annotator). */
  message: string | null;
}

export interface QueuedWrite<T> {
  send: () => Promise<Result<T>>;
  stored: (value: T) => void;
  failed: (error: ApiError) => void;
}

const RETRY_MS = [250, 500, 1000, 2000, 4000];

export class WriteQueue {
  private readonly items: { w: QueuedWrite<unknown>; settle: () => void }[] = [];
  private running = false;
  private state: WriteQueueState = { pending: 0, waiting: false, message: null };

  constructor(
    private readonly onState: (s: WriteQueueState) => void,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  ) {}

  get snapshot(): WriteQueueState {
    return this.state;
  }

  /** Queues a write; resolves once it is stored or has failed for good. */
  push<T>(w: QueuedWrite<T>): Promise<void> {
    return new Promise<void>((settle) => {
      this.items.push({ w: w as QueuedWrite<unknown>, settle });
      this.update({ pending: this.items.length });
      void this.drain();
    });
  }

  private update(patch: Partial<WriteQueueState>): void {
    this.state = { ...this.state, ...patch };
    this.onState(this.state);
  }

  private async drain(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      let tries = 0;
      while (this.items.length) {
        const head = this.items[0];
        let r: Result<unknown>;
        try {
          r = await head.w.send();
        } catch (e) {
          r = { ok: false, error: { code: 'internal', message: e instanceof Error ? e.message : String(e) } };
        }
        if (!r.ok && TRANSIENT_CODES.has(r.error.code)) {
          this.update({ waiting: true, message: r.error.message });
          await this.sleep(RETRY_MS[Math.min(tries++, RETRY_MS.length - 1)]);
          continue;
        }
        tries = 0;
        this.items.shift();
        this.update({ pending: this.items.length, waiting: false, message: null });
        try {
          if (r.ok) head.w.stored(r.value);
          else head.w.failed(r.error);
        } finally {
          head.settle();
        }
      }
    } finally {
      this.running = false;
    }
  }
}
