// Windows of per-frame labels + model output, fetched in aligned chunks and kept, so stepping and
// scrubbing read the overlay's data synchronously from memory (seek → overlay inside one frame)
// while the backend is asked only when the playhead nears the edge of what is loaded.
import type { WindowFrame } from '../../../shared/review-contract';
import { call } from '../api';

export const CHUNK = 256;
/** Neighbouring chunks are fetched a little after the one on screen, so their answers do not compete with its frame. */
const NEIGHBOUR_DELAY_MS = 120;
const KEEP_CHUNKS = 48;

interface Chunk {
  frames: Map<number, WindowFrame>;
  thresholds: number[];
}

export class FrameCache {
  private readonly chunks = new Map<number, Chunk>();
  private readonly pending = new Map<number, Promise<void>>();
  private readonly listeners = new Set<() => void>();
  /** Bumped whenever data arrives or is dropped; components re-read on change. */
  version = 0;
  thresholds: number[] | null = null;

  constructor(
    readonly mediaId: number,
    readonly modelId: number | null,
    private readonly frameCount: number,
    private readonly onError: (e: unknown) => void,
  ) {}

  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private changed(): void {
    this.version++;
    for (const l of this.listeners) l();
  }

  get(frame: number): WindowFrame | undefined {
    return this.chunks.get(Math.floor(frame / CHUNK))?.frames.get(frame);
  }

  has(frame: number): boolean {
    return this.chunks.has(Math.floor(frame / CHUNK));
  }

  /**
   * Loads the chunk of `frame`, then its neighbours; resolves when the chunk of `frame` is in. The
   * neighbours wait: the backend answers one request at a time, and the frame on screen comes first.
   */
  ensure(frame: number, around = 1): Promise<void> {
    const c = Math.floor(frame / CHUNK);
    const last = Math.floor((this.frameCount - 1) / CHUNK);
    const mine = this.load(c);
    void mine.then(() =>
      setTimeout(() => {
        for (let k = Math.max(0, c - around); k <= Math.min(last, c + around); k++) if (k !== c) void this.load(k);
      }, NEIGHBOUR_DELAY_MS),
    );
    return mine;
  }

  /** Loads every chunk overlapping [from, to] (the zoomed-in timeline). */
  ensureRange(from: number, to: number): Promise<void> {
    const jobs: Promise<void>[] = [];
    for (let k = Math.floor(from / CHUNK); k <= Math.floor(to / CHUNK); k++) jobs.push(this.load(k));
    return Promise.all(jobs).then(() => undefined);
  }

  private seq = 0;
  private readonly latest = new Map<number, number>();

  /** Fetches chunk k (again when `force`); an answer older than one already stored is dropped. */
  private load(k: number, force = false): Promise<void> {
    if (!force && this.chunks.has(k)) return Promise.resolve();
    const inFlight = this.pending.get(k);
    if (inFlight && !force) return inFlight;
    const from = k * CHUNK;
    const to = Math.min(this.frameCount - 1, from + CHUNK - 1);
    if (to < from) return Promise.resolve();
    const ticket = ++this.seq;
    this.latest.set(k, ticket);
    const p = call('review.window', { mediaId: this.mediaId, from, to, modelId: this.modelId })
      .then((w) => {
        if (this.latest.get(k) !== ticket) return;
        this.chunks.set(k, { frames: new Map(w.frames.map((f) => [f.frame, f])), thresholds: w.thresholds });
        this.thresholds = w.thresholds;
        this.evict(k);
        this.changed();
      })
      .catch(this.onError)
      .finally(() => {
        if (this.pending.get(k) === p) this.pending.delete(k);
      });
    this.pending.set(k, p);
    return p;
  }

  private evict(keep: number): void {
    if (this.chunks.size <= KEEP_CHUNKS) return;
    const far = [...this.chunks.keys()].sort((a, b) => Math.abs(b - keep) - Math.abs(a - keep));
    for (const k of far.slice(0, this.chunks.size - KEEP_CHUNKS)) this.chunks.delete(k);
  }

  /** Re-reads the chunks overlapping [from, to] that are loaded (after an edit, undo, redo or another client's change); the old data stays until the new arrives. */
  refresh(from: number, to: number): Promise<void> {
    const jobs: Promise<void>[] = [];
    for (let k = Math.floor(from / CHUNK); k <= Math.floor(to / CHUNK); k++) if (this.chunks.has(k) || this.pending.has(k)) jobs.push(this.load(k, true));
    return Promise.all(jobs).then(() => undefined);
  }
}
