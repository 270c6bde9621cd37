// Multi-row INSERT statements: binding 256 rows per statement call instead of one cuts the per-call
// overhead of better-sqlite3 several-fold, which is what lets label rows go in at > 300,000 rows/s.
import type { Db } from '../db/database';

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
