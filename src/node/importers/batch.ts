// Batched writes. Multi-row INSERT statements: binding 256 rows per statement call instead of one
// cuts the per-call overhead of better-sqlite3 several-fold, which is what lets label rows go in at
// > 300,000 rows/s. And the bounded transactions of a staged import (WriteChunks, below).
import type { Db } from '../store/database';
import { beginImmediate } from '../store/busy';

type Value = number | bigint | string | null;

export class BatchInsert {
  private readonly many: ReturnType<Db['prepare']>;
  private readonly one: ReturnType<Db['prepare']>;
  private readonly buf: Value[];
  private n = 0; // values in buf

  /**
   * @param head  `INSERT INTO t(a, b, c) VALUES `
   * @param tuple `(?, ?, 'constant')` — the row template with `width` placeholders
   */
  constructor(
    db: Db,
    head: string,
    tuple: string,
    private readonly width: number,
    private readonly rows = 256,
  ) {
    if (!Number.isInteger(width) || width < 1 || width > 7) throw new Error(`BatchInsert supports 1..7 columns, got ${width}`);
    this.many = db.prepare(head + Array.from({ length: rows }, () => tuple).join(','));
    this.one = db.prepare(head + tuple);
    this.buf = new Array<Value>(rows * width);
  }

  /** Adds one row; `width` values, in tuple order. */
  add(a: Value, b?: Value, c?: Value, d?: Value, e?: Value, f?: Value, g?: Value): void {
    const buf = this.buf;
    let n = this.n;
    const w = this.width;
    buf[n++] = a;
    if (w > 1) buf[n++] = b ?? null;
    if (w > 2) buf[n++] = c ?? null;
    if (w > 3) buf[n++] = d ?? null;
    if (w > 4) buf[n++] = e ?? null;
    if (w > 5) buf[n++] = f ?? null;
    if (w > 6) buf[n++] = g ?? null;
    this.n = n;
    if (n === buf.length) {
      this.many.run(buf);
      this.n = 0;
    }
  }

  /** Writes buffered rows. */
  flush(): void {
    const w = this.width;
    for (let i = 0; i < this.n; i += w) this.one.run(this.buf.slice(i, i + w));
    this.n = 0;
  }

  /** Rows buffered and not yet written. */
  get pending(): number {
    return this.n / this.width;
  }
}

// ---------- bounded write transactions ----------
//
// A staged import writes in chunks: a write transaction is opened by the first write after a commit
// and committed when it has been open for `chunkMs` (checked every 256 writes), at every progress
// report (before the importer yields to the event loop), and at the latest on the next turn of the
// event loop (so no await — a video probe, a batch of crops — ever holds the lock). After each
// commit the import pauses `gapMs`: the other connections' next poll of the lock finds it free (a
// commit immediately followed by the next BEGIN leaves no window another process can hit).

export interface ChunkPolicy {
  /** Longest a chunk's transaction stays open (ms). */
  chunkMs: number;
  /** Pause after each commit (ms), so other writers can take the lock. */
  gapMs: number;
  /** How long the import waits for the lock before giving up with AppError 'busy' (ms). */
  lockWaitMs: number;
  /**
   * wal_autocheckpoint of the import's connection while it writes, in pages (SQLite's default is
   * 1000). Checkpoints run after a commit has let go of the lock, so they never hold other writers
   * up, but each rewrites the pages the import keeps touching and syncs twice: fewer of them are
   * most of what bounded transactions would otherwise cost an import.
   */
  walPages: number;
}

export const CHUNK_POLICY: ChunkPolicy = { chunkMs: 25, gapMs: 1, lockWaitMs: 60_000, walPages: 4000 };

const pauseCell = new Int32Array(new SharedArrayBuffer(4));

/** Blocks this thread for `ms` (the import's own thread: a worker, the CLI). */
export function pauseSync(ms: number): void {
  if (ms > 0) Atomics.wait(pauseCell, 0, 0, ms);
}


export class WriteChunks {
  private open = false;
  private start = 0;
  private ops = 0;
  private netPending = false;
  private failure: unknown = null;
  /** Chunks committed so far. */
  commits = 0;

  constructor(
    private readonly db: Db,
    readonly policy: ChunkPolicy,
    /** Runs inside the chunk's transaction just before its COMMIT. */
    private readonly beforeCommit: () => void,
    private readonly onBusy: () => Error,
  ) {}

  get inChunk(): boolean {
    return this.open;
  }

  /** Opens a chunk's transaction when none is open (waiting for the lock). */
  ensure(): void {
    if (this.failure) throw this.failure;
    if (this.open) return;
    beginImmediate(this.db, this.policy.lockWaitMs, this.onBusy);
    this.open = true;
    this.start = performance.now();
    this.ops = 0;
    if (!this.netPending) {
      this.netPending = true;
      setImmediate(this.onTurn);
    }
  }

  /** Counts written rows; commits the chunk once its time is up (checked every 256 rows). */
  tick(rows = 1): void {
    this.ops += rows;
    if (this.ops < 256) return;
    this.ops = 0;
    if (this.open && performance.now() - this.start >= this.policy.chunkMs) this.commit();
  }

  /** Commits the open chunk (if any) and pauses `gapMs`; with `minAgeMs`, only a chunk open at least that long. */
  commit(minAgeMs = 0): void {
    if (!this.open) return;
    if (minAgeMs > 0 && performance.now() - this.start < minAgeMs) return;
    this.beforeCommit();
    const tc = performance.now();
    this.db.exec('COMMIT');
    const g = globalThis as unknown as { __st: { n: number; commitMs: number; max: number; held: number } };
    g.__st ??= { n: 0, commitMs: 0, max: 0, held: 0 };
    const d = performance.now() - tc;
    g.__st.n++; g.__st.commitMs += d; g.__st.max = Math.max(g.__st.max, d); g.__st.held += tc - this.start;
    this.open = false;
    this.commits++;
    pauseSync(this.policy.gapMs);
  }

  /** Discards the open chunk (earlier chunks stay committed). */
  rollback(): void {
    if (!this.open) return;
    this.open = false;
    if (this.db.inTransaction) this.db.exec('ROLLBACK');
  }

  private readonly onTurn = (): void => {
    this.netPending = false;
    try {
      this.commit();
    } catch (e) {
      // surfaces at the importer's next write
      this.failure = e;
      try {
        this.rollback();
      } catch {
        /* the connection reports the first error */
      }
    }
  };
}
