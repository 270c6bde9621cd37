// Contract methods of the annotators (issue 15; spread into `methods` in contract.ts): who has a
// layer in the project, and the project's annotator policy that materialises the resolved human
// layer training and export read (src/shared/annotators.ts, src/node/labels/annotations.ts).
import { z } from 'zod';
import { ANNOTATOR_POLICY_NAMES, parseAnnotatorPolicy } from './annotators';

/** An annotator's name as every label-writing call takes it (`author`): 1 to 120 characters, no control characters. */
export const AnnotatorName = z
  .string()
  .trim()
  .min(1, 'an annotator name is empty')
  .max(120)
  .refine((s) => !/[\u0000-\u001f\u007f]/.test(s), 'an annotator name has a control character');

/** A policy name: consensus, latest or annotator:NAME. */
export const AnnotatorPolicyName = z
  .string()
  .refine((s) => parseAnnotatorPolicy(s) !== null, `an annotator policy is ${ANNOTATOR_POLICY_NAMES.join(', ')} or annotator:NAME`);

const counts = z.object({ au: z.number().int(), expr: z.number().int(), va: z.number().int() });

export const AnnotatorSummary = z.object({
  name: z.string(),
  role: z.enum(['annotator', 'adjudicator']),
  /** Labels per task in the annotator's layer (clearings not counted). */
  labels: counts,
  /** Clearings ("no label" decisions) per task. */
  cleared: counts,
  /** ISO time of the newest change in the layer. */
  lastChange: z.string(),
});
export type AnnotatorSummary = z.infer<typeof AnnotatorSummary>;

const policyOutput = z.object({
  policy: z.string(),
  /** The named policies and the tie rule, as the CLI and the menu show them. */
  choices: z.array(z.string()),
  tieRule: z.string(),
  /** Resolved human rows (frame, task) after the call. */
  resolved: z.number().int(),
});

export const annotatorMethods = {
  /** Every annotator (per role) with a layer in the project: label counts per task and the last change. */
  'annotators.list': { input: z.strictObject({}), output: z.object({ annotators: z.array(AnnotatorSummary), policy: z.string() }) },
  /**
   * The project's annotator policy; with `set`, changes it (validated: annotator:NAME needs an
   * annotator with labels) and re-materialises the resolved human layer in one transaction.
   */
  'annotators.policy': { input: z.strictObject({ set: AnnotatorPolicyName.optional() }), output: policyOutput },
} as const;
