// The text of one merged row, CSV or JSON Lines, built straight from the (reused) frame object.
//
// csv-stringify decides the quoting of every text cell (commas, quotes, line breaks, a leading '#')
// and JSON.stringify the escaping of every JSON string, but each distinct value is handed to them
// once: dataset and media names are quoted once per media item, subjects and file names through a
// bounded cache, and the AU cells of each distinct (mask, bits) pair are joined once. A call per
// cell (~2.5 µs for a csv-stringify call) would cost more than everything else an export does.
// Values that never need quoting are written as they are: numbers, split names, expression names,
// sources (`imported`, `human`, `accepted:<id>`, `cleared`, `model:<id>`).
import { stringify } from 'csv-stringify/sync';
import { EXPRESSIONS, MODEL_AUS } from '../../shared/labels';
import { probValue } from './columns';
import { auValue } from '../labels/layers';
import type { ExportFrame } from './frames';

/**
 * null cells become empty fields; strings with commas, quotes or line breaks are quoted, and so is a
 * field starting with '#' (a dataset named "#1" must not read as a comment line).
 */
export const CSV_OPTIONS = { cast: { number: (v: number) => String(v) }, quoted_match: /^#/ };

/** A string → text cache that starts over when full (file names are unique per frame). */
class Bounded {
  private map = new Map<string | number, string>();
  constructor(
    private readonly make: (v: never) => string,
    private readonly max = 50_000,
  ) {}

  get(v: string | number): string {
    let s = this.map.get(v);
    if (s === undefined) {
      if (this.map.size >= this.max) this.map.clear();
      this.map.set(v, (s = this.make(v as never)));
    }
    return s;
  }
}

/** Cell text by projected value + 1 (-1 unlabelled → the empty cell). */
const AU_CELL: readonly (string | undefined)[] = [undefined, '0', '1'];

/** The AU cells of a label, joined by `sep`, cached per (mask, bits) pair of numbers. */
class AuCells {
  private readonly byMask = new Map<number, Map<number, string>>();
  readonly none: string;

  constructor(
    private readonly aus: readonly number[],
    private readonly empty: string,
    private readonly sep: string,
    private readonly wrap: (i: number, v: string) => string = (_i, v) => v,
  ) {
    this.none = aus.map((_n, i) => wrap(i, empty)).join(sep);
  }

  private build(mask: number | bigint, bits: number | bigint): string {
    return this.aus.map((n, i) => this.wrap(i, AU_CELL[auValue(mask, bits, n) + 1] ?? this.empty)).join(this.sep);
  }

  of(mask: number | bigint | null, bits: number | bigint): string {
    if (mask === null) return this.none;
    if (typeof mask === 'bigint' || typeof bits === 'bigint') return this.build(mask, bits);
    let m = this.byMask.get(mask);
    if (!m) this.byMask.set(mask, (m = new Map()));
    let s = m.get(bits);
    if (s === undefined) m.set(bits, (s = this.build(mask, bits)));
    return s;
  }
}

/** Timestamps repeat across media of the same frame rate (k / fps): their text is cached. */
const numberText = (v: number) => String(v);

export class CsvRows {
  private readonly cells = new Bounded((v: string) => stringify([[v]], CSV_OPTIONS).slice(0, -1));
  private readonly times = new Bounded(numberText, 200_000);
  private readonly au: AuCells;
  private mediaId = -1;
  private prefix = '';

  constructor(
    aus: readonly number[],
    private readonly probabilities: boolean,
  ) {
    this.au = new AuCells(aus, '', ',');
  }

  static header(columns: readonly string[]): string {
    return stringify([columns], CSV_OPTIONS);
  }

  line(f: ExportFrame): string {
    if (f.mediaId !== this.mediaId) {
      this.mediaId = f.mediaId;
      this.prefix = `${this.cells.get(f.dataset)},${this.cells.get(f.media)},`;
    }
    let s =
      `${this.prefix}${f.frame},${f.file === null ? '' : this.cells.get(f.file)},${f.timestamp === null ? '' : this.times.get(f.timestamp)},` +
      `${f.subject === null ? '' : this.cells.get(f.subject)},${f.split},${this.au.of(f.auMask, f.auBits)},` +
      `${f.expr === null ? '' : EXPRESSIONS[f.expr]},${f.valence ?? ''},${f.arousal ?? ''},${f.auSource ?? ''},${f.exprSource ?? ''},${f.vaSource ?? ''}`;
    if (this.probabilities) {
      const p = f.probs;
      if (p) {
        for (const v of p.au) s += `,${probValue(v)}`;
        for (const v of p.expr) s += `,${probValue(v)}`;
        s += `,${probValue(p.valence)},${probValue(p.arousal)}`;
      } else s += ','.repeat(MODEL_AUS.length + EXPRESSIONS.length + 2);
    }
    return `${s}\n`;
  }
}

/**
 * JSON Lines rows: one object per frame whose keys are the CSV columns, in the same order (null for
 * an empty cell; AU values 0/1, probabilities as numbers). Built from pre-quoted keys: JSON.stringify
 * of an object per row costs twice as much.
 */
export class JsonRows {
  private readonly strings = new Bounded((v: string) => JSON.stringify(v));
  private readonly times = new Bounded(numberText, 200_000);
  private readonly au: AuCells;
  private readonly k: Record<string, string>;
  private readonly exprText = EXPRESSIONS.map((e) => JSON.stringify(e));
  private readonly probKeys: string[];
  private mediaId = -1;
  private prefix = '';

  constructor(
    aus: readonly number[],
    private readonly probabilities: boolean,
    probabilityColumns: readonly string[],
  ) {
    const key = (c: string) => JSON.stringify(c);
    this.k = Object.fromEntries(
      ['frame', 'file', 'timestamp', 'subject', 'split', 'expression', 'valence', 'arousal', 'au_source', 'expr_source', 'va_source'].map((c) => [c, key(c)]),
    );
    const auKeys = aus.map((n) => key(`AU${n}`));
    this.au = new AuCells(aus, 'null', ',', (i, v) => `${auKeys[i]}:${v}`);
    this.probKeys = probabilityColumns.map(key);
  }

  private str(v: string | null): string {
    return v === null ? 'null' : this.strings.get(v);
  }

  private num(v: number | null): string {
    return v === null ? 'null' : String(v);
  }

  line(f: ExportFrame): string {
    const k = this.k;
    if (f.mediaId !== this.mediaId) {
      this.mediaId = f.mediaId;
      this.prefix = `{"dataset":${this.strings.get(f.dataset)},"media":${this.strings.get(f.media)},${k.frame}:`;
    }
    let s =
      `${this.prefix}${f.frame},${k.file}:${this.str(f.file)},${k.timestamp}:${f.timestamp === null ? 'null' : this.times.get(f.timestamp)},` +
      `${k.subject}:${this.str(f.subject)},${k.split}:"${f.split}",${this.au.of(f.auMask, f.auBits)},` +
      `${k.expression}:${f.expr === null ? 'null' : this.exprText[f.expr]},${k.valence}:${this.num(f.valence)},${k.arousal}:${this.num(f.arousal)},` +
      `${k.au_source}:${this.str(f.auSource)},${k.expr_source}:${this.str(f.exprSource)},${k.va_source}:${this.str(f.vaSource)}`;
    if (this.probabilities) {
      const p = f.probs;
      const keys = this.probKeys;
      if (p) {
        let i = 0;
        for (const v of p.au) s += `,${keys[i++]}:${probValue(v)}`;
        for (const v of p.expr) s += `,${keys[i++]}:${probValue(v)}`;
        s += `,${keys[i++]}:${probValue(p.valence)},${keys[i++]}:${probValue(p.arousal)}`;
      } else for (const key of keys) s += `,${key}:null`;
    }
    return `${s}}\n`;
  }
}
