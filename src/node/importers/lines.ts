// Streaming line reader for label text files: reads fixed-size chunks synchronously, cuts them at
// the last newline byte (so a UTF-8 character is never split) and hands out whole lines with their
// numbers. Memory is one chunk, whatever the file size (a line may grow it, up to what a line of
// MAX_LINE_CHARS needs). The importers await between chunks, so progress and cancellation still
// flow while an import holds its transaction. The text rules of cells.ts that concern whole lines
// are checked here for every line-based importer: no NUL byte, no line over MAX_LINE_CHARS.
import fs from 'node:fs';
import { MAX_LINE_CHARS, lineTooLong } from './cells';
import { inputError } from './errors';

export interface LineChunk {
  lines: string[];
  /** 1-based line number of lines[0]. */
  first: number;
  /** Bytes of the file consumed so far (for progress). */
  bytesDone: number;
}

export interface LineOptions {
  /** The file as error messages name it (default: the path). */
  shown?: string;
  /** Bytes read at a time. */
  chunkBytes?: number;
}

const NL = 0x0a;
/** A UTF-8 character is at most 4 bytes: a line needing more bytes than this is too long whatever it holds. */
const MAX_LINE_BYTES = MAX_LINE_CHARS * 4;
const HEAD = 80;

/**
 * Yields the lines of `file` in chunks; '\r\n' endings and a UTF-8 byte-order mark are removed. A
 * number as `opts` is the chunk size. Throws an importer error naming the file and line for a NUL
 * byte or a line longer than MAX_LINE_CHARS.
 */
export function* lineChunks(file: string, opts: LineOptions | number = {}): Generator<LineChunk> {
  const o = typeof opts === 'number' ? { chunkBytes: opts } : opts;
  const shown = o.shown ?? file;
  const fd = fs.openSync(file, 'r');
  try {
    let buf = Buffer.allocUnsafe(o.chunkBytes ?? 1 << 20);
    let carry = 0; // bytes at the start of buf left over from the previous read
    let lineNo = 1;
    let done = 0;
    let first = true;
    for (;;) {
      if (carry === buf.length) {
        // one line longer than the buffer: grow it
        if (carry >= MAX_LINE_BYTES) throw lineTooLong(shown, lineNo, null, buf.toString('utf8', 0, HEAD));
        const bigger = Buffer.allocUnsafe(Math.min(buf.length * 2, MAX_LINE_BYTES));
        buf.copy(bigger, 0, 0, carry);
        buf = bigger;
      }
      const n = fs.readSync(fd, buf, carry, buf.length - carry, null);
      const end = carry + n;
      if (n === 0) {
        if (carry > 0) {
          checkNul(buf, carry, lineNo, shown);
          let last = stripCr(buf.toString('utf8', 0, carry));
          if (first && last.charCodeAt(0) === 0xfeff) last = last.slice(1);
          if (last.length > MAX_LINE_CHARS) throw lineTooLong(shown, lineNo, last.length, last.slice(0, HEAD));
          yield { lines: [last], first: lineNo, bytesDone: done + carry };
        }
        return;
      }
      const cut = buf.lastIndexOf(NL, end - 1);
      if (cut < 0) {
        carry = end; // no newline yet: keep reading
        continue;
      }
      checkNul(buf, cut, lineNo, shown);
      const lines = buf.toString('utf8', 0, cut).split('\n');
      if (first) {
        first = false;
        if (lines[0].charCodeAt(0) === 0xfeff) lines[0] = lines[0].slice(1); // UTF-8 byte-order mark
      }
      for (let i = 0; i < lines.length; i++) {
        const l = lines[i];
        if (l.length > 0 && l.charCodeAt(l.length - 1) === 13) lines[i] = l.slice(0, -1);
        if (lines[i].length > MAX_LINE_CHARS) throw lineTooLong(shown, lineNo + i, lines[i].length, l.slice(0, HEAD));
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

/** Throws naming the line when buf[0, end) holds a NUL byte (`first`: the line number at buf[0]). */
function checkNul(buf: Buffer, end: number, first: number, shown: string): void {
  const at = buf.subarray(0, end).indexOf(0);
  if (at < 0) return;
  let line = first;
  let start = 0;
  for (let i = buf.indexOf(NL, 0); i >= 0 && i < at; i = buf.indexOf(NL, i + 1)) {
    line++;
    start = i + 1;
  }
  const stop = buf.subarray(0, end).indexOf(NL, at);
  const text = buf.toString('utf8', start, Math.min(stop < 0 ? end : stop, start + HEAD));
  throw inputError(shown, line, 'text without NUL bytes', text);
}

function stripCr(l: string): string {
  return l.endsWith('\r') ? l.slice(0, -1) : l;
}
