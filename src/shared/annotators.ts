// Many annotators (issue 15): THE rule that turns the annotators' layers of one (frame, task) into
// the one human label in force, under a named policy. Pure: the label module materialises the
// resolved layer with it (src/node/labels), an export that asks for another policy resolves on the
// fly with it, and the adjudication queue uses `resolve(...).outcome === 'tie'` and `disagrees`.
//
// Policies:
//  - 'consensus' (default): an adjudicator's label > majority vote (AU: per AU; expression: the
//    most frequent class) > mean (valence, arousal). Tie rule: no consensus → no human label in
//    force (the imported label, where there is one, stays in force), and the frame is queued for
//    adjudication.
//  - 'latest': an adjudicator's label > the most recently changed annotator's label (the one-layer
//    behaviour from before annotators; with one annotator both policies agree).
//  - 'annotator:<name>': that annotator's layer alone (no adjudication).
// A row whose values are all null is that annotator's clearing: a vote for "no label". Under
// 'consensus' clearings beat values when more annotators cleared than set a value; equal numbers
// are a tie.
import type { Task } from './labels';

export const ANNOTATOR_POLICY_NAMES = ['consensus', 'latest'] as const;
export type AnnotatorPolicy = (typeof ANNOTATOR_POLICY_NAMES)[number] | `annotator:${string}`;
export const DEFAULT_ANNOTATOR_POLICY: AnnotatorPolicy = 'consensus';
/** The tie rule's name, as the docs, the CLI help and the export sidecar show it. */
export const TIE_RULE = 'tie → no consensus: the imported label stays in force and the frame is queued for adjudication';

export type AnnotatorRole = 'annotator' | 'adjudicator';
export type AnnotationProvenance = 'human' | 'accepted' | 'trace' | 'imported';
export type MergedFrom = 'single' | 'adjudicated' | 'majority' | 'mean' | 'latest' | 'annotator';

/** One annotator's stored label of one (frame, task). AU bit sets as in src/shared/labels.ts. */
export interface Annotation {
  annotator: string;
  role: AnnotatorRole;
  auMask: bigint | null;
  auBits: bigint | null;
  expr: number | null;
  valence: number | null;
  arousal: number | null;
  provenance: AnnotationProvenance;
  modelId: number | null;
  /** ISO time; the 'latest' policy and the choice among adjudicators compare these. */
  updatedAt: string;
}

export interface ResolvedValues {
  auMask: bigint | null;
  auBits: bigint | null;
  expr: number | null;
  valence: number | null;
  arousal: number | null;
}

export type Resolution =
  /** No annotator's label applies: the imported label (if any) is in force. */
  | { outcome: 'none' }
  /** Annotators disagree with no majority (consensus only): as 'none', and queued for adjudication. */
  | { outcome: 'tie'; annotators: string[] }
  /** The human label in force; all values null = cleared. `author` is the one annotator it comes from, if one. */
  | {
      outcome: 'label';
      values: ResolvedValues;
      mergedFrom: MergedFrom;
      author: string | null;
      provenance: 'human' | 'accepted';
      modelId: number | null;
      annotators: string[];
    };

/** Parses a policy name; null when it is none of the named ones. */
export function parseAnnotatorPolicy(s: string): AnnotatorPolicy | null {
  if ((ANNOTATOR_POLICY_NAMES as readonly string[]).includes(s)) return s as AnnotatorPolicy;
  if (s.startsWith('annotator:') && s.length > 'annotator:'.length && s.length <= 'annotator:'.length + 120) return s as AnnotatorPolicy;
  return null;
}

/** Whether a stored row is a clearing (no value for its task; an empty AU mask counts as none). AU masks as bigint or number. */
export function isClearing(task: Task, a: Pick<Annotation, 'expr' | 'valence' | 'arousal'> & { auMask: bigint | number | null }): boolean {
  if (task === 'au') return a.auMask === null || a.auMask === 0n || a.auMask === 0;
  if (task === 'expr') return a.expr === null;
  return a.valence === null || a.arousal === null;
}

function valuesOf(a: Annotation): ResolvedValues {
  return { auMask: a.auMask, auBits: a.auBits, expr: a.expr, valence: a.valence, arousal: a.arousal };
}

const CLEARED: ResolvedValues = { auMask: null, auBits: null, expr: null, valence: null, arousal: null };

function newest(rows: readonly Annotation[]): Annotation {
  // ISO times compare as strings; equal times: the annotator name decides, so the result never depends on row order.
  return rows.reduce((b, r) => (r.updatedAt > b.updatedAt || (r.updatedAt === b.updatedAt && r.annotator < b.annotator) ? r : b));
}

function single(task: Task, a: Annotation, mergedFrom: MergedFrom): Resolution {
  return {
    outcome: 'label',
    values: isClearing(task, a) ? CLEARED : valuesOf(a),
    mergedFrom,
    author: a.annotator,
    provenance: a.provenance === 'accepted' ? 'accepted' : 'human',
    modelId: a.provenance === 'accepted' ? a.modelId : null,
    annotators: [a.annotator],
  };
}

/** Majority vote / mean over ≥ 2 annotators (the consensus policy without adjudication). */
function consensus(task: Task, rows: readonly Annotation[]): Resolution {
  const names = rows.map((r) => r.annotator).sort();
  const valued = rows.filter((r) => !isClearing(task, r));
  const cleared = rows.length - valued.length;
  const tie: Resolution = { outcome: 'tie', annotators: names };
  const label = (values: ResolvedValues, mergedFrom: MergedFrom): Resolution => ({
    outcome: 'label',
    values,
    mergedFrom,
    author: null,
    provenance: 'human',
    modelId: null,
    annotators: names,
  });
  if (cleared > valued.length) return label(CLEARED, 'majority');
  if (cleared === valued.length) return tie;
  if (valued.length === 1) return single(task, valued[0], 'majority');
  if (task === 'va') {
    const mean = (k: 'valence' | 'arousal') => valued.reduce((s, r) => s + (r[k] as number), 0) / valued.length;
    return label({ ...CLEARED, valence: mean('valence'), arousal: mean('arousal') }, 'mean');
  }
  if (task === 'expr') {
    const votes = new Map<number, number>();
    for (const r of valued) votes.set(r.expr!, (votes.get(r.expr!) ?? 0) + 1);
    const best = Math.max(...votes.values());
    const top = [...votes].filter(([, n]) => n === best);
    return top.length === 1 ? label({ ...CLEARED, expr: top[0][0] }, 'majority') : tie;
  }
  // AU: per AU bit among the annotators who labelled it; a tied AU stays unlabelled.
  let mask = 0n;
  let bits = 0n;
  for (let n = 0n; n < 63n; n++) {
    let on = 0;
    let off = 0;
    for (const r of valued) {
      if (((r.auMask! >> n) & 1n) === 0n) continue;
      if (((r.auBits ?? 0n) >> n) & 1n) on++;
      else off++;
    }
    if (on === off) continue;
    mask |= 1n << n;
    if (on > off) bits |= 1n << n;
  }
  return mask === 0n ? tie : label({ ...CLEARED, auMask: mask, auBits: bits }, 'majority');
}

/** THE rule: the human label in force of one (frame, task) from its annotators' rows under `policy`. */
export function resolve(task: Task, rows: readonly Annotation[], policy: AnnotatorPolicy = DEFAULT_ANNOTATOR_POLICY): Resolution {
  if (policy.startsWith('annotator:')) {
    const who = policy.slice('annotator:'.length);
    const own = rows.find((r) => r.role === 'annotator' && r.annotator === who);
    return own ? single(task, own, 'annotator') : { outcome: 'none' };
  }
  const adjudicated = rows.filter((r) => r.role === 'adjudicator');
  if (adjudicated.length) return single(task, newest(adjudicated), 'adjudicated');
  const annotators = rows.filter((r) => r.role === 'annotator');
  if (!annotators.length) return { outcome: 'none' };
  if (annotators.length === 1) return single(task, annotators[0], 'single');
  return policy === 'latest' ? single(task, newest(annotators), 'latest') : consensus(task, annotators);
}
