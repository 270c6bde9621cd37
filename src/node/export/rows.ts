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
import { groundTruthColumns, longValueColumns, probValue, wideColumns } from './columns';
import { auValue } from '../labels/layers';
import { isClearing } from '../../shared/annotators';
import type { ExportAnnotation } from './annotations';
import type { ExportFrame, GroundTruth } from './frames';
import { annotationSource } from './merge';
import type { AnnotatorColumns } from './plan';

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

  /** The cells that say which frame a row is: dataset, media, frame, file, timestamp, subject, split. */
  identity(f: ExportFrame): string {
    if (f.mediaId !== this.mediaId) {
      this.mediaId = f.mediaId;
      this.prefix = `${this.cells.get(f.dataset)},${this.cells.get(f.media)},`;
    }
    return (
      `${this.prefix}${f.frame},${f.file === null ? '' : this.cells.get(f.file)},${f.timestamp === null ? '' : this.times.get(f.timestamp)},` +
      `${f.subject === null ? '' : this.cells.get(f.subject)},${f.split}`
    );
  }

  /** A text cell quoted as the CSV needs (cached). */
  cell(v: string): string {
    return this.cells.get(v);
  }

  line(f: ExportFrame): string {
    let s =
      `${this.identity(f)},${this.au.of(f.auMask, f.auBits)},` +
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

  /** `{` and the keys that say which frame a row is: dataset, media, frame, file, timestamp, subject, split. */
  identity(f: ExportFrame): string {
    const k = this.k;
    if (f.mediaId !== this.mediaId) {
      this.mediaId = f.mediaId;
      this.prefix = `{"dataset":${this.strings.get(f.dataset)},"media":${this.strings.get(f.media)},${k.frame}:`;
    }
    return (
      `${this.prefix}${f.frame},${k.file}:${this.str(f.file)},${k.timestamp}:${f.timestamp === null ? 'null' : this.times.get(f.timestamp)},` +
      `${k.subject}:${this.str(f.subject)},${k.split}:"${f.split}"`
    );
  }

  /** A JSON string (cached). */
  string(v: string): string {
    return this.strings.get(v);
  }

  line(f: ExportFrame): string {
    const k = this.k;
    let s =
      `${this.identity(f)},${this.au.of(f.auMask, f.auBits)},` +
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

/** How one annotation's cells are written: CSV (empty cells) or JSON (`"key":value`, null). */
interface CellStyle {
  empty: string;
  /** A text value (names, sources). */
  text(v: string): string;
  /** Wraps the i-th value of a run of columns with its key (JSON), or not (CSV). */
  keyed(keys: readonly string[] | null, i: number, v: string): string;
}

const csvStyle = (quote: (v: string) => string): CellStyle => ({ empty: '', text: quote, keyed: (_k, _i, v) => v });
const jsonStyle = (quote: (v: string) => string): CellStyle => ({ empty: 'null', text: quote, keyed: (k, i, v) => `${k![i]}:${v}` });

/**
 * The value cells of one annotation, or of none (a layer with no row for the task): AU cells over
 * `aus`, expression, valence, arousal — and its source (`annotationSource`). AU cells of each (mask,
 * bits) pair are built once.
 */
class AnnotationCells {
  private readonly au: AuCells;
  private readonly exprText: string[];

  constructor(
    aus: readonly number[],
    private readonly style: CellStyle,
    /** JSON: the keys of AU<n>…, expression, valence, arousal, then the three sources (or one). */
    private readonly keys: readonly string[] | null,
  ) {
    const k = keys;
    this.au = new AuCells(aus, style.empty, ',', k ? (i, v) => `${k[i]}:${v}` : undefined);
    this.exprText = EXPRESSIONS.map((e) => style.text(e));
  }

  /** AU cells (empty when `a` is null or is not an AU row). */
  aus(a: ExportAnnotation | null): string {
    return a && a.task === 'au' && !isClearing(a.task, a) ? this.au.of(a.auMask, a.auBits ?? 0) : this.au.none;
  }

  /** Expression, valence, arousal cells; `at` = position of the expression key in `keys`. */
  values(ex: ExportAnnotation | null, va: ExportAnnotation | null, at: number): string {
    const { style, keys } = this;
    const e = ex && ex.expr !== null ? this.exprText[ex.expr] : style.empty;
    const v = va && va.valence !== null && va.arousal !== null ? [String(va.valence), String(va.arousal)] : [style.empty, style.empty];
    return `${style.keyed(keys, at, e)},${style.keyed(keys, at + 1, v[0])},${style.keyed(keys, at + 2, v[1])}`;
  }

  source(a: ExportAnnotation | null, at: number): string {
    const v = a ? this.style.text(annotationSource(a.provenance, a.modelId, isClearing(a.task, a))) : this.style.empty;
    return this.style.keyed(this.keys, at, v);
  }
}

/** The per-annotator columns of a wide row: for each layer its AU cells, expression, valence, arousal and three sources. */
export class WideCells {
  private readonly index = new Map<string, number>();
  private readonly cells: AnnotationCells[];
  private readonly au: (ExportAnnotation | null)[];
  private readonly ex: (ExportAnnotation | null)[];
  private readonly va: (ExportAnnotation | null)[];

  constructor(
    private readonly layers: readonly AnnotatorColumns[],
    json: boolean,
    quote: (v: string) => string,
  ) {
    layers.forEach((l, i) => this.index.set(`${l.role}\u0000${l.annotator}`, i));
    this.cells = layers.map((l) => {
      const keys = json ? wideColumns([l]).map((c) => JSON.stringify(c)) : null;
      return new AnnotationCells(l.aus, json ? jsonStyle(quote) : csvStyle(quote), keys);
    });
    this.au = layers.map(() => null);
    this.ex = layers.map(() => null);
    this.va = layers.map(() => null);
  }

  /** `,`-led cells of every layer for the frame's annotations. */
  of(rows: readonly ExportAnnotation[]): string {
    const { au, ex, va } = this;
    au.fill(null);
    ex.fill(null);
    va.fill(null);
    for (const a of rows) {
      const i = this.index.get(`${a.role}\u0000${a.annotator}`);
      if (i === undefined) continue;
      if (a.task === 'au') au[i] = a;
      else if (a.task === 'expr') ex[i] = a;
      else va[i] = a;
    }
    let s = '';
    for (let i = 0; i < this.layers.length; i++) {
      const c = this.cells[i];
      const n = this.layers[i].aus.length;
      s += n ? `,${c.aus(au[i])},${c.values(ex[i], va[i], n)}` : `,${c.values(ex[i], va[i], 0)}`;
      s += `,${c.source(au[i], n + 3)},${c.source(ex[i], n + 4)},${c.source(va[i], n + 5)}`;
    }
    return s;
  }
}

/** The wide layout's ground-truth group of a row: AU cells over its AUs, expression, valence, arousal (no sources). */
export class GroundTruthCells {
  private readonly au: AuCells;
  private readonly style: CellStyle;
  private readonly keys: readonly string[] | null;
  private readonly exprText: string[];
  private readonly n: number;

  constructor(aus: readonly number[], json: boolean, quote: (v: string) => string) {
    const k = json ? groundTruthColumns(aus).map((c) => JSON.stringify(c)) : null;
    this.keys = k;
    this.style = json ? jsonStyle(quote) : csvStyle(quote);
    this.au = new AuCells(aus, this.style.empty, ',', k ? (i, v) => `${k[i]}:${v}` : undefined);
    this.exprText = EXPRESSIONS.map((e) => this.style.text(e));
    this.n = aus.length;
  }

  /** `,`-led cells of the frame's imported labels. */
  of(g: GroundTruth): string {
    const { style, keys, n } = this;
    const e = g.expr === null ? style.empty : this.exprText[g.expr];
    const va = g.valence !== null && g.arousal !== null;
    const cells = `${style.keyed(keys, n, e)},${style.keyed(keys, n + 1, va ? String(g.valence) : style.empty)},${style.keyed(keys, n + 2, va ? String(g.arousal) : style.empty)}`;
    return n ? `,${this.au.of(g.auMask, g.auBits)},${cells}` : `,${cells}`;
  }
}

/** Long rows: one per annotation of a frame (its identity, annotator, role, task, the values of its task, source, time). */
export class LongRows {
  private readonly cells: AnnotationCells;
  private readonly style: CellStyle;
  private readonly keys: string[] | null;
  /** `keys` after annotator, role, task: those of the value cells. */
  private readonly valueKeys: string[] | null;
  private readonly nAus: number;

  constructor(
    aus: readonly number[],
    private readonly json: boolean,
    private readonly rows: CsvRows | JsonRows,
  ) {
    const quote = json ? (v: string) => (rows as JsonRows).string(v) : (v: string) => (rows as CsvRows).cell(v);
    this.style = json ? jsonStyle(quote) : csvStyle(quote);
    this.keys = json ? longValueColumns(aus).map((c) => JSON.stringify(c)) : null;
    // the AU/expression/valence/arousal keys start after annotator, role, task
    this.valueKeys = this.keys ? this.keys.slice(3) : null;
    this.cells = new AnnotationCells(aus, this.style, this.valueKeys);
    this.nAus = aus.length;
  }

  /** The text of the frame's rows (empty when nobody annotated it). */
  lines(f: ExportFrame): string {
    if (f.annotations.length === 0) return '';
    const id = this.rows.identity(f);
    const { style, keys, cells, nAus } = this;
    let out = '';
    for (const a of f.annotations) {
      let s = `${id},${style.keyed(keys, 0, style.text(a.annotator))},${style.keyed(keys, 1, a.role === 'annotator' ? style.text('annotator') : style.text('adjudicator'))},${style.keyed(keys, 2, style.text(a.task))}`;
      if (nAus) s += `,${cells.aus(a)}`;
      s += `,${cells.values(a.task === 'expr' ? a : null, a.task === 'va' ? a : null, nAus)},${cells.source(a, nAus + 3)},${style.keyed(this.valueKeys, nAus + 4, style.text(a.updatedAt))}`;
      out += this.json ? `${s}}\n` : `${s}\n`;
    }
    return out;
  }
}
