// Parsers for one line of an Aff-Wild2 / ABAW annotation file. Pure and allocation-light: they run
// once per frame line (millions per dataset). Each returns a status; the caller builds the error
// message (file, line, `expected`) so every message has the same shape.
//   AU_Set   header "AU1,AU2,…" (8 or 12 AUs, any AU numbers); values 0/1, -1 = no label
//   EXPR_Set header "Neutral,Anger,…,Surprise[,Other]"; one class index, -1 = no label
//   VA_Set   header "valence,arousal"; two numbers in [-1, 1], -5 = no label
// Numbers are decimal (cells.ts: parseDecimal), with spaces or tabs around a cell allowed.
import { MAX_AU_NUMBER, parseExpression } from '../../shared/labels';
import { parseDecimal, trimCell } from './cells';

export interface AuFormat {
  aus: number[];
  /** Bit value per column: 2^AU as a number when every AU < 53 (exact in a double), else as bigint. */
  bits: (number | bigint)[];
  big: boolean;
  expected: string;
}

export function parseAuHeader(line: string): AuFormat | null {
  const cells = line.split(',').map((c) => c.trim());
  const aus: number[] = [];
  for (const c of cells) {
    const m = /^AU0*(\d{1,2})$/i.exec(c);
    if (!m) return null;
    const n = Number(m[1]);
    if (n < 1 || n > MAX_AU_NUMBER || aus.includes(n)) return null;
    aus.push(n);
  }
  const big = aus.some((n) => n >= 53);
  return {
    aus,
    big,
    bits: aus.map((n) => (big ? 1n << BigInt(n) : 2 ** n)),
    expected: `${aus.length} comma-separated values, each 0, 1 or -1 (no label)`,
  };
}

export interface AuValue {
  mask: number | bigint;
  bits: number | bigint;
}

/** Parses an AU line into `out`; false when malformed. An all -1 line gives mask 0 (no label). */
export function parseAuLine(f: AuFormat, line: string, out: AuValue): boolean {
  const cells = line.split(',');
  if (cells.length !== f.aus.length) return false;
  if (f.big) {
    let mask = 0n;
    let bits = 0n;
    for (let j = 0; j < cells.length; j++) {
      const v = cell01(cells[j]);
      if (v === 2) return false;
      if (v >= 0) mask |= f.bits[j] as bigint;
      if (v === 1) bits |= f.bits[j] as bigint;
    }
    out.mask = mask;
    out.bits = bits;
    return true;
  }
  let mask = 0;
  let bits = 0;
  for (let j = 0; j < cells.length; j++) {
    const v = cell01(cells[j]);
    if (v === 2) return false;
    // distinct powers of two: + is | without 32-bit truncation
    if (v >= 0) mask += f.bits[j] as number;
    if (v === 1) bits += f.bits[j] as number;
  }
  out.mask = mask;
  out.bits = bits;
  return true;
}

/** '0' → 0, '1' → 1, '-1' → -1, anything else → 2. Tolerates surrounding spaces and "1.0"-style decimals. */
function cell01(c: string): number {
  if (c === '0') return 0;
  if (c === '1') return 1;
  if (c === '-1') return -1;
  const v = parseDecimal(trimCell(c));
  return v === 0 || v === 1 || v === -1 ? v : 2;
}

export interface ExprFormat {
  /** Header column → our class index (Aff-Wild2 order), or -1 for a class we do not model ("Other"). */
  map: number[];
  expected: string;
}

export function parseExprHeader(line: string): ExprFormat | null {
  const cells = line.split(',').map((c) => c.trim());
  if (cells.length < 2) return null;
  const map: number[] = [];
  for (const c of cells) {
    if (/^other$/i.test(c)) {
      map.push(-1);
      continue;
    }
    if (/^\d+$/.test(c)) return null; // a data line, not a header
    const e = parseExpression(c);
    if (e === null || map.includes(e)) return null;
    map.push(e);
  }
  return { map, expected: `one integer in -1..${cells.length - 1}` };
}

export const EXPR_NONE = -1;
export const EXPR_INVALID = -2;
export const EXPR_OTHER = -3;

/** Our class index, EXPR_NONE (-1 in the file), EXPR_OTHER (a class we do not model) or EXPR_INVALID. */
export function parseExprLine(f: ExprFormat, line: string): number {
  const t = line.length === 1 || line.length === 2 ? line : trimCell(line);
  if (!/^-?\d+$/.test(t)) return EXPR_INVALID;
  const v = Number(t);
  if (v === -1) return EXPR_NONE;
  if (v < 0 || v >= f.map.length) return EXPR_INVALID;
  const e = f.map[v];
  return e < 0 ? EXPR_OTHER : e;
}

export interface VaFormat {
  /** Column of valence (0 or 1); arousal is the other. */
  valence: number;
  expected: string;
}

export function parseVaHeader(line: string): VaFormat | null {
  const cells = line.split(',').map((c) => c.trim().toLowerCase());
  if (cells.length !== 2) return null;
  const v = cells.indexOf('valence');
  const a = cells.indexOf('arousal');
  if (v < 0 || a < 0) return null;
  return { valence: v, expected: 'two comma-separated numbers in -1..1 (or -5,-5 for no label)' };
}

export const VA_OK = 0;
export const VA_NONE = 1;
export const VA_PARTIAL = 2;
export const VA_INVALID = 3;

export interface VaValue {
  valence: number;
  arousal: number;
}

export function parseVaLine(f: VaFormat, line: string, out: VaValue): number {
  const comma = line.indexOf(',');
  if (comma < 0 || line.indexOf(',', comma + 1) >= 0) return VA_INVALID;
  const x = parseDecimal(trimCell(line.slice(0, comma)));
  const y = parseDecimal(trimCell(line.slice(comma + 1)));
  if (x === null || y === null) return VA_INVALID;
  const xNone = x === -5;
  const yNone = y === -5;
  if (xNone && yNone) return VA_NONE;
  if (xNone || yNone) return (xNone ? y : x) >= -1 && (xNone ? y : x) <= 1 ? VA_PARTIAL : VA_INVALID;
  if (x < -1 || x > 1 || y < -1 || y > 1) return VA_INVALID;
  out.valence = f.valence === 0 ? x : y;
  out.arousal = f.valence === 0 ? y : x;
  return VA_OK;
}
