// Expressions derived from AU labels by EMFACS prototypes (Friesen & Ekman 1983), restricted to
// what the model's eight AUs (1, 2, 4, 6, 12, 15, 20, 25) can tell: the cross-task check of
// bench/learning.ts scores a model's predicted expression on faces labelled with AUs only against
// these. Only prototypes that need no other AU are used (anger needs AU5/7/23, disgust AU9/10:
// not available), and a face counts only when exactly one rule matches and every AU the rules read
// is labelled; any other face has no derived expression.
import { EXPRESSIONS, MODEL_AUS, NUM_AUS, type Expression } from '../../src/shared/labels';

export interface ProtoRule {
  expression: Expression;
  /** AUs that must be active. */
  requires: readonly number[];
  /** AUs that must be inactive. */
  excludes: readonly number[];
}

export const EMFACS_RULES: readonly ProtoRule[] = [
  { expression: 'Happiness', requires: [6, 12], excludes: [] },
  { expression: 'Sadness', requires: [1, 4, 15], excludes: [] },
  { expression: 'Surprise', requires: [1, 2, 25], excludes: [4] },
  { expression: 'Fear', requires: [1, 2, 4, 20], excludes: [] },
];

/** "Surprise = AU1+AU2+AU25 without AU4". */
export const ruleText = (r: ProtoRule): string =>
  `${r.expression} = ${r.requires.map((a) => `AU${a}`).join('+')}${r.excludes.length ? ` without ${r.excludes.map((a) => `AU${a}`).join(', ')}` : ''}`;

const slot = (au: number): number => {
  const k = MODEL_AUS.indexOf(au as (typeof MODEL_AUS)[number]);
  if (k < 0) throw new Error(`AU${au} is not one of the model's AUs`);
  return k;
};

/**
 * The expression (class id in EXPRESSIONS order) the AU labels `au[base … base + 8)` (model AU
 * order, 1 / 0, −1 unlabelled) imply by EMFACS_RULES; null when no rule or several match, or when
 * an AU a rule reads is unlabelled.
 */
export function emfacsExpression(au: ArrayLike<number>, base = 0, rules: readonly ProtoRule[] = EMFACS_RULES): number | null {
  let found: number | null = null;
  for (const r of rules) {
    const reads = [...r.requires.map((a) => [a, 1] as const), ...r.excludes.map((a) => [a, 0] as const)];
    let match = true;
    for (const [a, want] of reads) {
      const v = au[base + slot(a)];
      if (v !== 0 && v !== 1) return null;
      if (v !== want) match = false;
    }
    if (!match) continue;
    if (found !== null) return null; // two prototypes: ambiguous
    found = EXPRESSIONS.indexOf(r.expression);
  }
  return found;
}

/** Derived expressions of `n` faces (`au`: n × 8), −1 where none, and how many faces each rule gave. */
export function emfacsLabels(au: ArrayLike<number>, n: number, rules: readonly ProtoRule[] = EMFACS_RULES): { expr: Int8Array; counts: Record<string, number> } {
  const expr = new Int8Array(n).fill(-1);
  const counts: Record<string, number> = Object.fromEntries(rules.map((r) => [r.expression, 0]));
  for (let i = 0; i < n; i++) {
    const e = emfacsExpression(au, i * NUM_AUS, rules);
    if (e === null) continue;
    expr[i] = e;
    counts[EXPRESSIONS[e]]++;
  }
  return { expr, counts };
}
