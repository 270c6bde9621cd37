// Face threads (issue 14, "parallel inference for faces"): N worker threads (./face-thread.ts,
// started by name from src/base/threads.ts), each its own TensorFlow.js engine with the face models
// loaded, each running one contiguous segment of a media item's to-do frames (its own ffmpeg
// decoding from the segment's first frame) and posting the outcomes batch by batch. The job's
// thread (./faces.ts) stores the batches as they arrive, one transaction each, so whatever is
// committed stays done if the run stops, fails or is killed.
// Only engines that live in a thread of their own (wasm, cpu) are run this way: tfjs-node spreads
// its own work over the cores, a GPU is one device.
import type { Worker } from 'node:worker_threads';
import { startThread } from '../../base/threads';
import type { FaceThreadBackend } from './faceapi';
import type { DetectorRuns, MediaSource, Outcome, SegmentOptions, TodoFrame } from './face-segment';

export type ToFaceThread =
  | { type: 'init'; backend: FaceThreadBackend }
  | { type: 'segment'; source: MediaSource; frames: TodoFrame[]; options: SegmentOptions };

export type FromFaceThread =
  | { type: 'ready'; backend: string }
  | { type: 'batch'; outcomes: Outcome[] }
  | { type: 'done'; runs: DetectorRuns }
  | { type: 'error'; message: string };

/**
 * The buffers a batch of outcomes hands over to the receiving thread (moved, not copied). A view
 * onto part of a larger buffer (a pooled Buffer) is first copied into one of its own, so that
 * moving it never takes other data along.
 */
export function outcomeBuffers(outcomes: Outcome[]): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  for (const o of outcomes) {
    if (o.crop) o.crop = whole(o.crop);
    if (o.landmarks) o.landmarks = whole(o.landmarks);
    for (const v of [o.crop, o.landmarks]) if (v) out.push(v.buffer as ArrayBuffer);
  }
  return out;
}

function whole<T extends Uint8Array | Float32Array>(v: T): T {
  return v.byteOffset === 0 && v.byteLength === v.buffer.byteLength && v.buffer instanceof ArrayBuffer ? v : (v.slice() as T);
}

class FaceThread {
  private listener: ((m: FromFaceThread) => void) | null = null;
  private failed: Error | null = null;

  constructor(readonly worker: Worker) {
    worker.on('message', (m: FromFaceThread) => this.listener?.(m));
    const fail = (e: Error) => {
      this.failed ??= e;
      this.listener?.({ type: 'error', message: e.message });
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`face thread exited (code ${code})`)));
  }

  /** Sends `msg` and resolves with the first message of type `answer` (an error rejects); the messages before it go to `onMessage`. */
  exchange<T extends FromFaceThread['type']>(msg: ToFaceThread, answer: T, onMessage: (m: FromFaceThread) => void = () => {}): Promise<Extract<FromFaceThread, { type: T }>> {
    if (this.failed) return Promise.reject(this.failed);
    if (this.listener) return Promise.reject(new Error('internal: a face thread got a second request before answering the first'));
    return new Promise((resolve, reject) => {
      this.listener = (m) => {
        if (m.type === 'error') {
          this.listener = null;
          reject(new Error(m.message));
        } else if (m.type === answer) {
          this.listener = null;
          resolve(m as Extract<FromFaceThread, { type: T }>);
        } else onMessage(m);
      };
      this.worker.postMessage(msg);
    });
  }
}

/** N face threads with their models loaded; `close` ends them (always call it, in a finally). */
export class FaceThreads {
  private constructor(
    private readonly threads: FaceThread[],
    /** The backend line of the threads' engines, e.g. "wasm (SIMD, 1 thread)". */
    readonly backend: string,
  ) {}

  get size(): number {
    return this.threads.length;
  }

  /** Starts `n` threads on `backend` (in parallel) and waits until each has loaded the face models. */
  static async start(n: number, backend: FaceThreadBackend): Promise<FaceThreads> {
    const threads: FaceThread[] = [];
    try {
      for (let i = 0; i < n; i++) threads.push(new FaceThread(startThread('face-thread')));
      const ready = await Promise.all(threads.map((t) => t.exchange({ type: 'init', backend }, 'ready')));
      return new FaceThreads(threads, ready[0].backend);
    } catch (e) {
      await Promise.all(threads.map((t) => t.worker.terminate()));
      throw e;
    }
  }

  /** Thread i runs one segment; `onBatch` gets each batch of outcomes as it arrives. Resolves with the detectors' runs. */
  async segment(i: number, source: MediaSource, frames: TodoFrame[], options: SegmentOptions, onBatch: (outcomes: Outcome[]) => void): Promise<DetectorRuns> {
    const done = await this.threads[i].exchange({ type: 'segment', source, frames, options }, 'done', (m) => {
      if (m.type === 'batch') onBatch(m.outcomes);
    });
    return done.runs;
  }

  async close(): Promise<void> {
    await Promise.all(this.threads.map((t) => t.worker.terminate()));
  }
}
