// The adjudication part of the contract (spread into `methods` in contract.ts): the work queue of
// (frame, task)s where annotators disagree or tie (the rule: src/shared/adjudication.ts), one
// frame's annotators side by side with the resolved label, and the adjudicator's decision, written
// as one undoable action in the adjudicator's own layer (role 'adjudicator').
import { z } from 'zod';
import { ADJUDICATION_THRESHOLD_RANGE, DEFAULT_ADJUDICATION_THRESHOLDS } from './adjudication';
import { AnnotatorName } from './annotators-contract';
import { EXPRESSIONS, TASKS } from './labels';
import { ActionSummary } from './review-contract';

const id = z.number().int().positive();
const frameIndex = z.number().int().min(0);
const task = z.enum(TASKS);

const threshold = (t: keyof typeof ADJUDICATION_THRESHOLD_RANGE, what: string) =>
  z
    .number()
    .min(ADJUDICATION_THRESHOLD_RANGE[t][0], `the ${t} threshold (${what}) is at least ${ADJUDICATION_THRESHOLD_RANGE[t][0]}`)
    .lt(ADJUDICATION_THRESHOLD_RANGE[t][1], `the ${t} threshold (${what}) must be below ${ADJUDICATION_THRESHOLD_RANGE[t][1]}, or nothing could be queued`)
    .default(DEFAULT_ADJUDICATION_THRESHOLDS[t]);

/** Per-task thresholds; a missing one takes its default. */
export const AdjudicationThresholds = z.strictObject({
  au: threshold('au', 'share of annotator pairs differing on an AU'),
  expr: threshold('expr', 'share of annotator pairs with different classes'),
  va: threshold('va', 'spread of valence or arousal'),
});

export const ADJUDICATION_TASKS = ['au', 'expr', 'va', 'any'] as const;
export type AdjudicationTask = (typeof ADJUDICATION_TASKS)[number];

/** A label of one task as the panel shows it; every field null = a clearing ("no label"). */
export const TaskValue = z.object({
  /** The AUs with a decision, 1 present / 0 absent (FACS numbers); null = none. */
  au: z.record(z.string().regex(/^AU\d{1,2}$/), z.union([z.literal(0), z.literal(1)])).nullable(),
  expr: z.number().int().min(0).max(EXPRESSIONS.length - 1).nullable(),
  valence: z.number().nullable(),
  arousal: z.number().nullable(),
});
export type TaskValue = z.infer<typeof TaskValue>;

const verdict = z.object({
  status: z.enum(['open', 'adjudicated', 'agree']),
  tie: z.boolean(),
  disagree: z.boolean(),
  score: z.number(),
  aus: z.array(z.number().int()),
  valenceSpread: z.number().nullable(),
  arousalSpread: z.number().nullable(),
  annotators: z.number().int(),
});

/** One queued (frame, task): why, and how strongly. */
export const QueueTask = z.object({ task, reason: z.enum(['tie', 'disagree']), score: z.number(), aus: z.array(z.number().int()) });
export const QueueItem = z.object({
  mediaId: id,
  frame: frameIndex,
  /** 1-based position in the queue's order (media item, then frame). */
  rank: z.number().int().min(1),
  tasks: z.array(QueueTask).min(1),
});
export type QueueItem = z.infer<typeof QueueItem>;

const perTask = z.object({ au: z.number().int(), expr: z.number().int(), va: z.number().int(), any: z.number().int() });
export const AdjudicationCounts = z.object({
  /** Frames queued (per task; any = frames with at least one queued task). */
  open: perTask,
  /** Of those, (frame, task)s queued because they tie under the policy. */
  ties: perTask,
  /** Frames with an adjudicated task. */
  adjudicated: perTask,
});
export type AdjudicationCounts = z.infer<typeof AdjudicationCounts>;

export const AnnotationView = z.object({
  annotator: z.string(),
  role: z.enum(['annotator', 'adjudicator']),
  value: TaskValue,
  provenance: z.enum(['human', 'accepted', 'trace', 'imported']),
  updatedAt: z.string(),
});
export type AnnotationView = z.infer<typeof AnnotationView>;

export const FrameTaskView = z.object({
  task,
  /** Every annotator's row, annotators by name, then adjudicators. */
  annotations: z.array(AnnotationView),
  /** The label in force from the annotators' layers under the policy (null: none or a tie; the imported label, if any, is in force). */
  resolved: z.object({ outcome: z.enum(['none', 'tie', 'label']), mergedFrom: z.string().nullable(), author: z.string().nullable(), value: TaskValue.nullable() }),
  /** The imported ground truth of this frame and task, for context. */
  imported: TaskValue.nullable(),
  verdict,
  /** The adjudication in force: who decided, when, and whose label it equals (empty: a value of their own). */
  adjudication: z.object({ by: z.string(), at: z.string(), from: z.array(z.string()) }).nullable(),
});
export type FrameTaskView = z.infer<typeof FrameTaskView>;

const scope = {
  /** One media item, or one dataset's media items; neither: the whole project. */
  mediaId: id.optional(),
  datasetId: id.optional(),
};

/** What a decision writes for each frame. */
export const AdjudicationChoice = z.discriminatedUnion('kind', [
  /** That annotator's label of the frame (their clearing included) becomes the final word. */
  z.strictObject({ kind: z.literal('pick'), annotator: AnnotatorName }),
  /** A value of the adjudicator's own; the fields of the task must be given (AU: every AU decided). */
  z.strictObject({
    kind: z.literal('set'),
    au: z.record(z.string().regex(/^AU\d{1,2}$/), z.union([z.literal(0), z.literal(1)])).optional(),
    expr: z.number().int().min(0).max(EXPRESSIONS.length - 1).optional(),
    valence: z.number().min(-1).max(1).optional(),
    arousal: z.number().min(-1).max(1).optional(),
  }),
  /** The adjudicator's "no label". */
  z.strictObject({ kind: z.literal('clear') }),
  /** Takes the adjudication back: the annotators' layers decide again. */
  z.strictObject({ kind: z.literal('withdraw') }),
]);
export type AdjudicationChoice = z.infer<typeof AdjudicationChoice>;

export const adjudicationMethods = {
  /**
   * The queue, in order (media item, then frame): `items` after position `from` in `direction`
   * (none: from the start, or the end for 'previous'), at most `limit`; with the counts, the
   * thresholds and the policy in force.
   */
  'adjudication.queue': {
    input: z
      .strictObject({
        ...scope,
        task: z.enum(ADJUDICATION_TASKS).default('any'),
        thresholds: AdjudicationThresholds.default(DEFAULT_ADJUDICATION_THRESHOLDS),
        from: z.strictObject({ mediaId: id, frame: frameIndex }).optional(),
        direction: z.enum(['next', 'previous']).default('next'),
        limit: z.number().int().min(1).max(5000).default(200),
      })
      .refine((v) => v.mediaId === undefined || v.datasetId === undefined, 'give mediaId or datasetId, not both'),
    output: z.object({
      policy: z.string(),
      thresholds: z.object({ au: z.number(), expr: z.number(), va: z.number() }),
      counts: AdjudicationCounts,
      /** Per media item in scope with any annotation: its open frames. */
      media: z.array(z.object({ mediaId: id, name: z.string(), datasetId: id, open: z.number().int(), adjudicated: z.number().int() })),
      items: z.array(QueueItem),
    }),
  },
  /** One frame: each task's annotators side by side, the resolved label and the verdict. */
  'adjudication.frame': {
    input: z.strictObject({ mediaId: id, frame: frameIndex, thresholds: AdjudicationThresholds.default(DEFAULT_ADJUDICATION_THRESHOLDS) }),
    output: z.object({ mediaId: id, frame: frameIndex, policy: z.string(), tasks: z.array(FrameTaskView) }),
  },
  /** The adjudicator's final word for one task of some frames: one undoable action of the adjudicator. */
  'adjudication.decide': {
    input: z.strictObject({
      mediaId: id,
      frames: z.array(frameIndex).min(1).max(10_000),
      task,
      choice: AdjudicationChoice,
      /** The adjudicator's name (default: the operating-system user). */
      author: AnnotatorName.optional(),
      /** The frame the adjudicator is on (undo jumps back to it); default the first frame. */
      at: frameIndex.optional(),
    }),
    output: z.object({
      /** The action (null: nothing changed, so nothing to undo). */
      action: ActionSummary.nullable(),
      canUndo: z.boolean(),
      canRedo: z.boolean(),
      ms: z.number(),
    }),
  },
} as const;
