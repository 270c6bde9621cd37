// The provenance panel's words for one recorded change: what the edit did and what was there before.
// A history entry holds a task's human row before and after the edit; a null side means no human
// row: the imported label (ground truth) was in force. The first correction of a task copies the
// imported label into the new human row and changes it, so the line compares against the import —
// "AU2 present · was AU2 absent (ground truth)" — instead of printing the whole new row next to
// "not corrected" (which read as "AU2 was not corrected" right after AU2 was corrected).
import { AU_NAMES, EXPRESSIONS } from '../../../shared/labels';
import type { FaceState, HistoryEntry, LabelSnapshot, WindowFrame } from '../../../shared/review-contract';

const FACE_WORDS: Record<FaceState, string> = { none: 'no face', unusable: 'unusable', ok: 'face present', unknown: 'face not checked' };

type AuValue = 0 | 1 | null;
type AuRecord = Record<string, 0 | 1>;
const auWord = (v: AuValue) => (v === 1 ? 'present' : v === 0 ? 'absent' : 'unlabelled');
const byNumber = (x: string, y: string) => Number(x.slice(2)) - Number(y.slice(2));

/** The imported labels of a frame (what a null side of its history stands for); null fields: no imported label for that task. */
export interface Imported {
  au: AuRecord | null;
  expr: number | null;
  va: [number, number] | null;
}

/**
 * A frame's imported labels from its window data: the ground truth a human row overrides (`gt`),
 * or the labels in force while they are still the imported ones (the window not yet refreshed
 * after the first correction). Undefined data: not known.
 */
export function importedLabels(d: WindowFrame | undefined): Imported | null {
  if (!d) return null;
  const vec = d.au?.p === 'imported' ? d.au.v : (d.gt?.au ?? null);
  let au: AuRecord | null = null;
  if (vec !== null) {
    const rec: AuRecord = {};
    AU_NAMES.forEach((n, k) => {
      if (vec[k] === 1) rec[n] = 1;
      else if (vec[k] === 0) rec[n] = 0;
    });
    au = rec;
  }
  const expr = d.expr?.p === 'imported' ? d.expr.v : (d.gt?.expr ?? null);
  let va: [number, number] | null = d.gt?.va ?? null;
  if (d.va?.p === 'imported') va = d.va.v !== null && d.va.a !== null ? [d.va.v, d.va.a] : null;
  return { au, expr, va };
}

/** "AU1 AU12 present · AU4 absent": AUs grouped by value. */
function auPhrase(names: string[], value: (n: string) => AuValue): string {
  const groups: string[] = [];
  for (const v of [1, 0, null] as AuValue[]) {
    const ns = names.filter((n) => value(n) === v);
    if (ns.length) groups.push(`${ns.join(' ')} ${auWord(v)}`);
  }
  return groups.join(' · ');
}

const exprWord = (e: number | null) => (e === null ? 'no expression' : EXPRESSIONS[e]);
const vaWord = (v: number | null, a: number | null) => (v === null || a === null ? 'no valence/arousal' : `valence ${v.toFixed(2)}, arousal ${a.toFixed(2)}`);

/** A whole human row of a task in a few words. */
function describeRow(task: 'au' | 'expr' | 'va', r: LabelSnapshot): string {
  if (task === 'expr') return exprWord(r.expr);
  if (task === 'va') return vaWord(r.valence, r.arousal);
  const au = r.au;
  if (au === null) return 'AUs unlabelled';
  return auPhrase(Object.keys(au).sort(byNumber), (n) => au[n]);
}

function describeImported(task: 'au' | 'expr' | 'va', imp: Imported | null): string {
  if (imp === null) return 'the imported label';
  if (task === 'expr') return imp.expr === null ? 'no label' : `${EXPRESSIONS[imp.expr]} (ground truth)`;
  if (task === 'va') return imp.va === null ? 'no label' : `${vaWord(imp.va[0], imp.va[1])} (ground truth)`;
  const au = imp.au;
  if (au === null || !Object.keys(au).length) return 'no label';
  return `${auPhrase(Object.keys(au).sort(byNumber), (n) => au[n])} (ground truth)`;
}

/** What a recorded change did (`what`) and what was there before it (`was`); `imported`: the frame's imported labels, when known. */
export function describeChange(h: HistoryEntry, imported: Imported | null): { what: string; was: string } {
  if (h.task === 'face') return { what: FACE_WORDS[h.after ?? 'unknown'], was: FACE_WORDS[h.before ?? 'unknown'] };
  const { before, after, task } = h;
  if (after === null) return { what: 'back to the imported label', was: before === null ? describeImported(task, imported) : describeRow(task, before) };
  if (task !== 'au') return { what: describeRow(task, after), was: before === null ? describeImported(task, imported) : describeRow(task, before) };
  const a = after.au ?? {};
  // the AUs this edit changed, against the row before it or, for the first correction, the import
  const b: AuRecord = before === null ? (imported?.au ?? {}) : (before.au ?? {});
  const at = (r: AuRecord, n: string): AuValue => r[n] ?? null;
  // The window data knows the 8 model AUs only: against the import, the others (an imported AU9,
  // copied into the first correction unchanged) are left out.
  const known = (n: string) => before !== null || AU_NAMES.includes(n);
  const names = [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((n) => known(n) && at(a, n) !== at(b, n)).sort(byNumber);
  const suffix = before === null && imported?.au ? ' (ground truth)' : '';
  if (!names.length) return { what: after.au === null ? 'AUs unlabelled' : 'AUs as they were', was: before === null ? describeImported('au', imported) : describeRow('au', before) };
  return { what: auPhrase(names, (n) => at(a, n)), was: `${auPhrase(names, (n) => at(b, n))}${suffix}` };
}
