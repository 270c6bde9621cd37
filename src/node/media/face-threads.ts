// Face threads (issue 14, "parallel inference for faces"): N worker threads (./face-thread.ts,
// started by name from src/base/threads.ts), each its own TensorFlow.js engine with the face models
// loaded, each running one contiguous segment of a media item's to-do frames (its own ffmpeg
// decoding from the segment's first frame) and posting the outcomes batch by batch. The job's
// thread (./faces.ts) stores the batches as they arrive, one transaction each, so whatever is
// committed stays done if the run stops, fails or is killed.
// Only engines that live in a thread of their own (wasm, cpu) are run this way: tfjs-node spreads
// its own work over the cores, a GPU is one device.
import { startThread, ThreadChannel } from '../../base/threads';
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

type FaceThread = ThreadChannel<ToFaceThread, FromFaceThread, Extract<FromFaceThread, { type: 'batch' }>>;
const isBatch = (m: FromFaceThread): m is Extract<FromFaceThread, { type: 'batch' }> => m.type === 'batch';

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
      for (let i = 0; i < n; i++) threads.push(new ThreadChannel(startThread('face-thread'), 'face thread', isBatch));
      const ready = await Promise.all(threads.map((t) => t.request({ type: 'init', backend }, 'ready')));
      return new FaceThreads(threads, ready[0].backend);
    } catch (e) {
      await Promise.all(threads.map((t) => t.worker.terminate()));
      throw e;
    }
  }

  /** Thread i runs one segment; `onBatch` gets each batch of outcomes as it arrives. Resolves with the detectors' runs. */
  async segment(i: number, source: MediaSource, frames: TodoFrame[], options: SegmentOptions, onBatch: (outcomes: Outcome[]) => void): Promise<DetectorRuns> {
    const done = await this.threads[i].request({ type: 'segment', source, frames, options }, 'done', [], (m) => onBatch(m.outcomes));
    return done.runs;
  }

  async close(): Promise<void> {
    await Promise.all(this.threads.map((t) => t.worker.terminate()));
  }
}
