// Sums across the replicas of a data-parallel run (./replicas.ts), one replica per thread, in
// shared memory: every replica writes its partial into its own slot, waits at a barrier, then sums
// the slots in rank order into float64, so every replica gets the same bits whatever the timing.
// The slots are double-buffered by the barrier's generation: call k writes set k mod 2, and no
// replica can write that set again (call k + 2) before every replica passed barrier k + 1, that is,
// finished reading call k: one barrier per sum. Blocking (Atomics.wait), so the replicas must make
// the same calls in the same order; a replica that fails raises the group's abort flag and every
// waiting replica throws instead of waiting forever.
//
// Allowed in Node's main thread and in worker threads alike (browsers forbid Atomics.wait on a page's
// main thread; the learning core never runs there).

/** What the replicas share (structured-cloned to each thread; the buffers are shared, not copied). */
export interface ReduceGroupShared {
  size: number;
  /** Int32 words: arrived count, generation, abort flag. */
  control: SharedArrayBuffer;
  /** 2 sets of size slots of `slot` float64 values. */
  data: SharedArrayBuffer;
  slot: number;
}

const ARRIVED = 0;
const GENERATION = 1;
const ABORTED = 2;

/** Shared memory for `size` replicas summing up to `slot` values at a time (longer arrays go in chunks). */
export function createReduceGroup(size: number, slot = 1 << 18): ReduceGroupShared {
  if (!Number.isInteger(size) || size < 1) throw new Error(`a reduce group needs a positive size, got ${size}`);
  return { size, control: new SharedArrayBuffer(3 * 4), data: new SharedArrayBuffer(2 * size * slot * 8), slot };
}

export class ReduceGroup {
  private readonly control: Int32Array;
  private readonly slots: Float64Array;

  /** `timeoutMs`: how long a barrier waits for the slowest replica before it gives up. */
  constructor(
    readonly shared: ReduceGroupShared,
    readonly rank: number,
    private readonly timeoutMs = 120_000,
  ) {
    if (!Number.isInteger(rank) || rank < 0 || rank >= shared.size) throw new Error(`rank ${rank} is outside a group of ${shared.size}`);
    this.control = new Int32Array(shared.control);
    this.slots = new Float64Array(shared.data);
  }

  get size(): number {
    return this.shared.size;
  }

  /** Raises the abort flag: every replica waiting now or later throws. */
  abort(): void {
    Atomics.store(this.control, ABORTED, 1);
    Atomics.notify(this.control, GENERATION);
  }

  get aborted(): boolean {
    return Atomics.load(this.control, ABORTED) !== 0;
  }

  /**
   * Σ over the first `members` ranks (default all) of their `partial` (same length in each),
   * element by element in rank order, as float64. Only those ranks may call it, all of them.
   */
  sum(partial: ArrayLike<number>, members = this.size): Float64Array {
    return this.reduce(partial, members, true);
  }

  /** `sum` over every rank, for a rank that does not need the result (a replica's gradients: rank 0 applies them). */
  contribute(partial: ArrayLike<number>): void {
    this.reduce(partial, this.size, false);
  }

  private reduce(partial: ArrayLike<number>, members: number, read: boolean): Float64Array {
    if (members < 1 || members > this.size || this.rank >= members) throw new Error(`rank ${this.rank} is not among the ${members} summing replicas`);
    const n = partial.length;
    const out = new Float64Array(read ? n : 0);
    if (members === 1) {
      if (!read) return out;
      for (let i = 0; i < n; i++) out[i] = partial[i];
      return out;
    }
    const { slot, size } = this.shared;
    for (let start = 0; start < n || start === 0; start += slot) {
      const len = Math.min(slot, n - start);
      // The set this call writes: the parity of the barrier it is about to complete.
      const set = (Atomics.load(this.control, GENERATION) & 1) * size * slot;
      const mine = set + this.rank * slot;
      for (let i = 0; i < len; i++) this.slots[mine + i] = partial[start + i];
      this.barrier(members);
      for (let r = 0; read && r < members; r++) {
        const base = set + r * slot;
        for (let i = 0; i < len; i++) out[start + i] += this.slots[base + i];
      }
      if (n === 0) break;
    }
    return out;
  }

  /** Waits until `members` replicas arrived (a central barrier with a generation counter). */
  private barrier(members: number): void {
    const c = this.control;
    if (this.aborted) throw new Error('a replica of this data-parallel run failed');
    const generation = Atomics.load(c, GENERATION);
    if (Atomics.add(c, ARRIVED, 1) === members - 1) {
      Atomics.store(c, ARRIVED, 0);
      Atomics.add(c, GENERATION, 1);
      Atomics.notify(c, GENERATION);
      return;
    }
    const deadline = Date.now() + this.timeoutMs;
    while (Atomics.load(c, GENERATION) === generation) {
      if (this.aborted) throw new Error('a replica of this data-parallel run failed');
      if (Date.now() > deadline) {
        this.abort();
        throw new Error(`a replica of this data-parallel run did not answer within ${this.timeoutMs / 1000} s`);
      }
      Atomics.wait(c, GENERATION, generation, 200);
    }
  }
}
