// The Agreement part of the contract (spread into `methods` in contract.ts): how well the project's
// annotators agree, per task, per media item, per dataset and overall, each annotator also against
// the imported ground truth and (optionally) a model's decisions. The statistics are those of
// src/shared/agreement.ts (`taskAgreement`, `frameDisagreement`); the shapes here mirror its types
// so a report is the same JSON in the CLI (`affect-workbench agreement --json`), over every
// transport and in the Agreement view. A statistic is a value with its support or a named n/a:
// never NaN.
import { z } from 'zod';

const id = z.number().int().positive();
const count = z.number().int().min(0);

export const NA_REASONS = ['one-rater', 'no-overlap', 'too-few-items', 'no-variation', 'degenerate'] as const;

export const AgreementResult = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), value: z.number(), n: count, values: count, excluded: count }),
  z.object({ ok: z.literal(false), reason: z.enum(NA_REASONS), message: z.string() }),
]);

export const PairwiseMatrixOut = z.object({
  statistic: z.enum(['cohen-kappa', 'ccc']),
  /** Annotators first, then the references (ground truth, model), in this order. */
  names: z.array(z.string()),
  cells: z.array(z.array(AgreementResult.nullable())),
});

const nominal = { pairwise: PairwiseMatrixOut, fleissKappa: AgreementResult, alpha: AgreementResult };
const interval = z.object({ pairwise: PairwiseMatrixOut, alpha: AgreementResult, icc21: AgreementResult, icc31: AgreementResult });

export const AuAgreementOut = z.object({ task: z.literal('au'), perAu: z.array(z.object({ au: z.number().int().min(1), ...nominal })) });
export const ExprAgreementOut = z.object({ task: z.literal('expr'), ...nominal });
export const VaAgreementOut = z.object({ task: z.literal('va'), valence: interval, arousal: interval });

/** One scope's figures: every task over the frames of the scope some annotator labelled for it. */
export const AgreementScope = z.object({
  kind: z.enum(['overall', 'dataset', 'media']),
  /** Dataset or media id; null for 'overall'. */
  id: id.nullable(),
  name: z.string(),
  /** The dataset of a media item (null otherwise). */
  datasetId: id.nullable(),
  /** Frames of the scope some annotator labelled, per task (the frames the figures are over). */
  frames: z.object({ au: count, expr: count, va: count }),
  /** Annotators with a label of that task in this scope (the panel: rows and columns of the matrix before the references). */
  annotators: z.object({ au: z.array(z.string()), expr: z.array(z.string()), va: z.array(z.string()) }),
  au: AuAgreementOut,
  expr: ExprAgreementOut,
  va: VaAgreementOut,
});
export type AgreementScope = z.infer<typeof AgreementScope>;

/**
 * Where raters disagree along one media item, in buckets of consecutive frames: per bucket the
 * strongest disagreement of its frames in [0, 1] (AU: the share of disagreeing annotator pairs on
 * the frame's most disputed AU; expression: the share of disagreeing pairs; valence/arousal: the
 * larger spread, max − min, halved), null where no frame of the bucket has two annotators' labels;
 * `at` is that frame's index (for jumping to it).
 */
export const DisagreementStrip = z.object({
  mediaId: id,
  frameCount: count,
  buckets: count,
  au: z.array(z.number().nullable()),
  auAt: z.array(z.number().int().nullable()),
  expr: z.array(z.number().nullable()),
  exprAt: z.array(z.number().int().nullable()),
  va: z.array(z.number().nullable()),
  vaAt: z.array(z.number().int().nullable()),
});
export type DisagreementStrip = z.infer<typeof DisagreementStrip>;

export const AgreementReport = z.object({
  /** Every annotator (role 'annotator') with a label in the scope, sorted. */
  annotators: z.array(z.string()),
  /** Names of the reference columns, as they appear in the matrices. */
  references: z.object({ groundTruth: z.string(), model: z.string().nullable() }),
  modelId: z.number().int().nullable(),
  /** The asked scope first (overall, the dataset or the media item), then its datasets and media items. */
  scopes: z.array(AgreementScope),
  /** With a media item: its disagreement strip. */
  strip: DisagreementStrip.nullable(),
});
export type AgreementReport = z.infer<typeof AgreementReport>;

export const AgreementRequest = z.strictObject({
  /** One dataset (by id); absent: the whole project. */
  datasetId: id.optional(),
  /** One media item; absent: every media item of the scope. */
  mediaId: id.optional(),
  /** A model whose decisions (AU over its thresholds, EXPR argmax, VA expectation) are a reference column. */
  modelId: id.optional(),
  /** Also report each dataset and media item under the scope (default true). */
  breakdown: z.boolean().default(true),
  /** Buckets of the disagreement strip (with mediaId). */
  buckets: z.number().int().min(1).max(4096).default(600),
});
export type AgreementRequest = z.input<typeof AgreementRequest>;

export const agreementMethods = {
  'agreement.compute': { input: AgreementRequest, output: AgreementReport },
} as const;
