// The rules for one cell of input text, shared by every importer and the merged-labels reader:
//   numbers   decimal only: an optional sign, digits, an optional fraction, an optional exponent
//             ('0.5', '-1', '+2', '1e-3', '2.5E+1'); never hex, binary, octal, '1_0', 'Infinity',
//             'NaN', '', '.5', '1.' or a value that overflows to Infinity ('1e400'). Spaces are not
//             part of a number: formats that allow them around a cell (CSV, Aff-Wild2 text files)
//             strip spaces and tabs first (trimCell), nothing else;
//   indices   frame numbers and keys: digits only, at most MAX_FRAME_INDEX;
//   text      at most MAX_CELL_CHARS characters a cell, MAX_LINE_CHARS a line, and no NUL (it is
//             never data, and SQLite and most tools cut text at it).
// A violation is an importer error naming the file, the line (or JSON key) and what was expected.
import type { AppError } from '../../shared/result';
import { inputError } from './errors';

/** Longest cell (a path, a subject, a name, a number) accepted, in characters. */
export const MAX_CELL_CHARS = 4096;
/** Longest line of a text input accepted, in characters. */
export const MAX_LINE_CHARS = 1 << 20;
/** Largest frame index accepted (per-media arrays are indexed by it; 10 M frames is 92 hours at 30 fps). */
export const MAX_FRAME_INDEX = 10_000_000;

const DECIMAL = /^[+-]?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
const DIGITS = /^\d{1,15}$/;

/** A decimal number, or null when `s` is anything else (see above). */
export function parseDecimal(s: string): number | null {
  if (s.length > MAX_CELL_CHARS || !DECIMAL.test(s)) return null;
  const v = Number(s);
  return Number.isFinite(v) ? v : null;
}

/** A non-negative integer written in digits (leading zeros allowed), up to `max`; else null. */
export function parseIndex(s: string, max = MAX_FRAME_INDEX): number | null {
  if (!DIGITS.test(s)) return null;
  const v = Number(s);
  return v <= max ? v : null;
}

/** `s` without the spaces and tabs around it (other white space stays, and makes a number invalid). */
export function trimCell(s: string): string {
  const a = s.charCodeAt(0);
  const z = s.charCodeAt(s.length - 1);
  if (a !== 32 && a !== 9 && z !== 32 && z !== 9) return s;
  return s.replace(/^[ \t]+|[ \t]+$/g, '');
}

/** What is wrong with a cell of text: too long, holds a NUL, or nothing (null). */
export type CellProblem = 'too-long' | 'nul' | null;

export function cellProblem(s: string, max = MAX_CELL_CHARS): CellProblem {
  if (s.length > max) return 'too-long';
  if (s.includes('\0')) return 'nul';
  return null;
}

/** Throws the importer error for a cell that is too long or holds a NUL; `what` names the cell. */
export function checkCell(s: string, file: string, where: number | string, what = 'a cell'): void {
  const p = cellProblem(s);
  if (p === 'too-long') throw inputError(file, where, `${what} of at most ${MAX_CELL_CHARS.toLocaleString('en-US')} characters (this one has ${s.length.toLocaleString('en-US')})`, s);
  if (p === 'nul') throw inputError(file, where, `${what} without NUL characters`, s);
}

/** The importer error for a line longer than MAX_LINE_CHARS (`length` null: reading stopped before its end). */
export function lineTooLong(file: string, line: number, length: number | null, head?: string): AppError {
  const has = length === null ? 'this one is longer' : `this one has ${length.toLocaleString('en-US')}`;
  return inputError(file, line, `a line of at most ${MAX_LINE_CHARS.toLocaleString('en-US')} characters (${has})`, head);
}
