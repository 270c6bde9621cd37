// The `agreement` verb's table for the terminal: per scope, each task's panel figures and the
// annotator × annotator matrix (references last), AU per AU. A figure is printed to 3 decimals;
// a statistic without a value prints "n/a[k]", its reason listed under the scope — never NaN.
import type { AgreementReport, AgreementScope } from '../shared/agreement-contract';
import type { Agreement, PairwiseMatrix } from '../shared/agreement';

class Notes {
  private readonly list: string[] = [];
  cell(a: Agreement | null): string {
    if (a === null) return '—';
    if (a.ok) return a.value.toFixed(3);
    const text = a.message.replace(/^n\/a: /, '');
    let k = this.list.indexOf(text);
    if (k < 0) k = this.list.push(text) - 1;
    return `n/a[${k + 1}]`;
  }
  /** A panel figure: value with its n. */
  figure(a: Agreement): string {
    return a.ok ? `${a.value.toFixed(3)} (n = ${a.n})` : this.cell(a);
  }
  lines(): string[] {
    return this.list.map((t, i) => `  [${i + 1}] n/a: ${t}`);
  }
}

function table(rows: string[][]): string[] {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => `  ${r.map((v, c) => (c === 0 ? v.padEnd(widths[c]) : v.padStart(widths[c]))).join('  ')}`.trimEnd());
}

function matrix(m: PairwiseMatrix, raters: number, notes: Notes): string[] {
  const label = m.statistic === 'ccc' ? 'CCC' : 'Cohen κ';
  // Rows: the annotators; columns: annotators then references (reference × reference is not an agreement among annotators).
  const rows = [[label, ...m.names]];
  for (let i = 0; i < raters; i++) rows.push([m.names[i], ...m.cells[i].map((c) => notes.cell(c))]);
  return table(rows);
}

/** The pairs of an AU table's columns: every annotator pair, then every annotator against each reference. */
function pairs(names: readonly string[], raters: number): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < raters; i++) for (let j = i + 1; j < names.length; j++) out.push([i, j]);
  return out;
}

function scopeLines(s: AgreementScope): string[] {
  const notes = new Notes();
  const title = s.kind === 'overall' ? 'overall' : `${s.kind} ${s.name} (#${s.id})`;
  const lines = [`== ${title}: AU ${s.frames.au} frames, expression ${s.frames.expr}, valence/arousal ${s.frames.va} ==`];
  // Expression
  const ne = s.annotators.expr.length;
  lines.push(`Expression, ${ne} annotator${ne === 1 ? '' : 's'}: Fleiss κ ${notes.figure(s.expr.fleissKappa)}   Krippendorff α ${notes.figure(s.expr.alpha)}`);
  if (s.frames.expr > 0) lines.push(...matrix(s.expr.pairwise, ne, notes));
  // AU, one row per AU
  const na = s.annotators.au.length;
  lines.push(`AU, ${na} annotator${na === 1 ? '' : 's'}:`);
  if (s.au.perAu.length === 0) lines.push('  no AU labels');
  else {
    const names = s.au.perAu[0].pairwise.names;
    const ps = pairs(names, na);
    const rows = [['AU', 'Fleiss κ', 'α', ...ps.map(([i, j]) => `${names[i]}–${names[j]}`)]];
    for (const a of s.au.perAu) rows.push([`AU${a.au}`, notes.cell(a.fleissKappa), notes.cell(a.alpha), ...ps.map(([i, j]) => notes.cell(a.pairwise.cells[i][j]))]);
    lines.push(...table(rows));
  }
  // Valence, arousal
  const nv = s.annotators.va.length;
  for (const [name, v] of [['Valence', s.va.valence], ['Arousal', s.va.arousal]] as const) {
    lines.push(
      `${name}, ${nv} annotator${nv === 1 ? '' : 's'}: Krippendorff α ${notes.figure(v.alpha)}   ICC(2,1) ${notes.figure(v.icc21)}   ICC(3,1) ${notes.figure(v.icc31)}`,
    );
    if (s.frames.va > 0) lines.push(...matrix(v.pairwise, nv, notes));
  }
  lines.push(...notes.lines());
  return lines;
}

export function formatAgreement(r: AgreementReport): string {
  const refs = [r.references.groundTruth, ...(r.references.model ? [r.references.model] : [])];
  const lines = [
    `Agreement of ${r.annotators.length} annotator${r.annotators.length === 1 ? '' : 's'}${r.annotators.length ? ` (${r.annotators.join(', ')})` : ''}; references: ${refs.join(', ')}`,
    "Pairs: Cohen's κ (AU per AU, expression), Lin's CCC (valence, arousal). Panel: Fleiss' κ, Krippendorff's α (nominal; interval for valence/arousal), ICC(2,1), ICC(3,1).",
  ];
  if (r.annotators.length === 0) lines.push('No annotator has labelled a frame here yet.');
  for (const s of r.scopes) lines.push('', ...scopeLines(s));
  return lines.join('\n');
}
