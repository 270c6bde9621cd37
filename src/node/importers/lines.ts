// Streaming line reader for label text files: reads fixed-size chunks synchronously, cuts them at
// the last newline byte (so a UTF-8 character is never split) and hands out whole lines with their
// numbers. Memory is one chunk, whatever the file size. The importers await between chunks, so
// progress and cancellation still flow while an import holds its transaction.
import fs from 'node:fs';

export interface LineChunk {
  lines: string[];
  /** 1-based line number of lines[0]. */
  first: number;
  /** Bytes of the file consumed so far (for progress). */
  bytesDone: number;
}

const NL = 0x0a;

/** Yields the lines of `file` in chunks; '\r\n' endings and a UTF-8 byte-order mark are removed. */
export function* lineChunks(file: string, chunkBytes = 1 << 20): Generator<LineChunk> {
  const fd = fs.openSync(file, 'r');
  try {
    let buf = Buffer.allocUnsafe(chunkBytes);
    let carry = 0; // bytes at the start of buf left over from the previous read
    let lineNo = 1;
    let done = 0;
    let first = true;
    for (;;) {
      if (carry === buf.length) {
        // one line longer than the buffer: grow it
        const bigger = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(bigger, 0, 0, carry);
        buf = bigger;
      }
      const n = fs.readSync(fd, buf, carry, buf.length - carry, null);
      const end = carry + n;
      if (n === 0) {
        if (carry > 0) {
          let last = stripCr(buf.toString('utf8', 0, carry));
          if (first && last.charCodeAt(0) === 0xfeff) last = last.slice(1);
          yield { lines: [last], first: lineNo, bytesDone: done + carry };
        }
        return;
      }
      const cut = buf.lastIndexOf(NL, end - 1);
      if (cut < 0) {
        carry = end; // no newline yet: keep reading
        continue;
      }
      const lines = buf.toString('utf8', 0, cut).split('\n');
      if (first) {
        first = false;
        if (lines[0].charCodeAt(0) === 0xfeff) lines[0] = lines[0].slice(1); // UTF-8 byte-order mark
      }
      for (let i = 0; i < lines.length; i++) {
        const l = lines[i];
        if (l.length > 0 && l.charCodeAt(l.length - 1) === 13) lines[i] = l.slice(0, -1);
      }
      done += cut + 1;
      yield { lines, first: lineNo, bytesDone: done };
      lineNo += lines.length;
      buf.copy(buf, 0, cut + 1, end);
      carry = end - cut - 1;
    }
  } finally {
    fs.closeSync(fd);
  }
}

function stripCr(l: string): string {
  return l.endsWith('\r') ? l.slice(0, -1) : l;
}
