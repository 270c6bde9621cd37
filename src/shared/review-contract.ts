// The review screen's part of the contract (spread into `methods` in contract.ts): the media item
// with its per-frame timestamps, windows of labels + model outputs, timeline aggregates, label edits
// as named undoable actions, and the "finding work" queries. Kept in its own file so the contract
// file stays a list; the shapes here are the only definition, transports and renderer derive from it.
import { z } from 'zod';
import { AnnotatorName as annotatorName } from './annotators-contract';
import { EXPRESSIONS, TASKS } from './labels';
import { ReviewCriteria } from './review-criteria';

const id = z.number().int().positive();
const frameIndex = z.number().int().min(0);
const task = z.enum(TASKS);
export const FACE_STATES = ['unknown', 'ok', 'none', 'unusable'] as const;
export type FaceState = (typeof FACE_STATES)[number];
/** Layer a frame's effective label comes from; 'cleared' = a human removed it. */
const provenance = z.enum(['imported', 'human', 'accepted']);

/** At most this many frames per window query (a screen of frames at full zoom-in, with room). */
export const MAX_WINDOW = 4096;
/** At most this many frames per edit: a long range edit is still one transaction under ~100 ms. */
export const MAX_EDIT_FRAMES = 200_000;

export const ReviewModel = z.object({
  id,
  name: z.string(),
  kind: z.enum(['teacher', 'student', 'ensemble']),
  status: z.enum(['training', 'ready', 'failed']),
  /** One decision threshold per model AU (tuned on validation); null = 0.5 each. */
  thresholds: z.array(z.number()).nullable(),
  /** Soft-label records of this model for the media item. */
  softLabels: z.number().int(),
});
export type ReviewModel = z.infer<typeof ReviewModel>;

export const MediaDetail = z.object({
  id,
  datasetId: id,
  datasetName: z.string(),
  name: z.string(),
  kind: z.enum(['video', 'sequence', 'images']),
  fps: z.number().nullable(),
  fpsRational: z.string().nullable(),
  frameCount: z.number().int(),
  width: z.number().int().nullable(),
  height: z.number().int().nullable(),
  /** Why the picture cannot be shown (the file or folder is missing), or null. */
  missing: z.string().nullable(),
  /** Image sequences: ranges [from, to] of frames that have no image (the cropper kept none). */
  gaps: z.array(z.tuple([frameIndex, frameIndex])),
  /** MIME type of the file the player plays (the proxy where there is one); null for image frames. */
  mime: z.string().nullable(),
  /** Player time of frame N = ptsOffset + timestamps[N] (seconds). */
  ptsOffset: z.number(),
  /** Float64 little-endian per-frame presentation timestamps, base64 (exact, a third the size of JSON numbers). */
  timestamps: z.string().nullable(),
  models: z.array(ReviewModel),
  /** The model the overlay shows unless the user picks another: the newest ready teacher with soft labels here. */
  defaultModelId: z.number().int().nullable(),
});
export type MediaDetail = z.infer<typeof MediaDetail>;

/** One frame of a window: effective labels, the imported value beneath a correction, model output. */
export const WindowFrame = z.object({
  frame: frameIndex,
  face: z.enum(FACE_STATES),
  /** 8 model AUs: 1 active, 0 inactive, -1 unlabelled; null values = cleared by a human. */
  au: z.object({ v: z.array(z.number().int()).nullable(), p: provenance }).nullable(),
  expr: z.object({ v: z.number().int().nullable(), p: provenance }).nullable(),
  va: z.object({ v: z.number().nullable(), a: z.number().nullable(), p: provenance }).nullable(),
  /** The imported ground truth where a human layer overrides it (for "corrected from"). */
  gt: z
    .object({ au: z.array(z.number().int()).nullable(), expr: z.number().int().nullable(), va: z.tuple([z.number(), z.number()]).nullable() })
    .nullable(),
  /** Model probabilities: AU sigmoid, EXPR softmax, V/A expectation and bin distributions. */
  m: z
    .object({ au: z.array(z.number()), expr: z.array(z.number()), v: z.number(), a: z.number(), vb: z.array(z.number()), ab: z.array(z.number()) })
    .nullable(),
});
export type WindowFrame = z.infer<typeof WindowFrame>;

export const OverviewOutput = z.object({
  from: frameIndex,
  to: frameIndex,
  buckets: z.number().int(),
  modelId: z.number().int().nullable(),
  /** Per bucket: frames in it; labelled frames per task; frames with a human label; face none/unusable. */
  frames: z.array(z.number()),
  labelled: z.object({ au: z.array(z.number()), expr: z.array(z.number()), va: z.array(z.number()) }),
  human: z.array(z.number()),
  noFace: z.array(z.number()),
  /** [AU k][bucket]: share of labelled frames with AU k active (null: none labelled) and mean model probability. */
  auLabel: z.array(z.array(z.number().nullable())),
  auModel: z.array(z.array(z.number().nullable())),
  /** Most frequent label class / model class per bucket (-1: none) and its share. */
  exprLabel: z.array(z.number()),
  exprModel: z.array(z.number()),
  exprModelShare: z.array(z.number()),
  vLabel: z.array(z.number().nullable()),
  aLabel: z.array(z.number().nullable()),
  vModel: z.array(z.number().nullable()),
  aModel: z.array(z.number().nullable()),
  disagree: z.array(z.number()),
  uncertain: z.array(z.number()),
});
export type OverviewOutput = z.infer<typeof OverviewOutput>;

export const WORK_KINDS = ['uncertain', 'disagree', 'unlabelled'] as const;
export type WorkKind = (typeof WORK_KINDS)[number];
export const WORK_TASKS = ['au', 'expr', 'va', 'any'] as const;
export type WorkTask = (typeof WORK_TASKS)[number];
const workCounts = z.object({ au: z.number().int(), expr: z.number().int(), va: z.number().int(), any: z.number().int() });
export const WorkCounts = z.object({ uncertain: workCounts, disagree: workCounts, unlabelled: workCounts });
export type WorkCounts = z.infer<typeof WorkCounts>;
/** The order a queue is walked in: strongest disagreement (or uncertainty) first, or by frame. */
export const WORK_ORDERS = ['strength', 'frame'] as const;
export type WorkOrder = (typeof WORK_ORDERS)[number];

/** One media item's frames left per queue, under the model its review opens with (null counts: no frames). */
export const MediaWork = z.object({ mediaId: id, name: z.string(), frames: z.number().int(), modelId: z.number().int().nullable(), counts: WorkCounts });
/** A dataset's frames left per queue: the sum over its media items (each under its own default model). */
export const DatasetWork = z.object({ datasetId: id, name: z.string(), frames: z.number().int(), counts: WorkCounts, media: z.array(MediaWork) });
export type DatasetWork = z.infer<typeof DatasetWork>;

const auValues = z.record(z.string().regex(/^AU\d{1,2}$/), z.union([z.literal(0), z.literal(1), z.null()]));
/** What an edit does to each frame it covers. */
export const EditChange = z.discriminatedUnion('kind', [
  /** Set (1/0) or unlabel (null) single AUs; AUs not named keep their value. */
  z.strictObject({ kind: z.literal('au'), values: auValues }),
  z.strictObject({ kind: z.literal('expr'), value: z.number().int().min(0).max(EXPRESSIONS.length - 1) }),
  z.strictObject({ kind: z.literal('va'), valence: z.number().min(-1).max(1), arousal: z.number().min(-1).max(1) }),
  /** A human "no label" for these tasks (overrides imported ground truth). */
  z.strictObject({ kind: z.literal('clear'), tasks: z.array(task).min(1) }),
  /** Back to the imported ground truth: removes the human layer. */
  z.strictObject({ kind: z.literal('revert'), tasks: z.array(task).min(1) }),
  /** The model's decisions (AU over its thresholds, EXPR argmax, VA expectation) as human-accepted labels. */
  z.strictObject({ kind: z.literal('accept-model'), modelId: id.optional(), tasks: z.array(task).min(1) }),
  /** The label in force kept as a human decision (reviewed: it leaves the uncertain / disagrees queues); unlabelled tasks stay so. */
  z.strictObject({ kind: z.literal('keep'), tasks: z.array(task).min(1) }),
  z.strictObject({ kind: z.literal('face'), value: z.enum(FACE_STATES) }),
]);
export type EditChange = z.infer<typeof EditChange>;

export const ActionSummary = z.object({
  id,
  name: z.string(),
  mediaId: id,
  from: frameIndex,
  to: frameIndex,
  /** The frame the user was on when editing: undo/redo jump back to it. */
  frame: frameIndex,
  author: z.string().nullable(),
  at: z.string(),
  undone: z.boolean(),
  changes: z.number().int(),
});
export type ActionSummary = z.infer<typeof ActionSummary>;

const undoOutput = z.object({ action: ActionSummary.nullable(), canUndo: z.boolean(), canRedo: z.boolean(), ms: z.number() });

/**
 * A human label row as a history entry keeps it (before or after a change), parsed: the values of
 * the entry's task, null where cleared — a row with every value null is a human "no label".
 */
export const LabelSnapshot = z.object({
  /** AU task: the AUs with a decision, 1 present / 0 absent (AU numbers, FACS); null = no AU decision. */
  au: z.record(z.string().regex(/^AU\d{1,2}$/), z.union([z.literal(0), z.literal(1)])).nullable(),
  expr: z.number().int().min(0).max(EXPRESSIONS.length - 1).nullable(),
  valence: z.number().nullable(),
  arousal: z.number().nullable(),
  /** human: set by hand; accepted: a model's label accepted; trace: a valence/arousal trace pass; imported: read from an annotator's file. */
  provenance: z.enum(['human', 'accepted', 'trace', 'imported']),
  /** The model whose labels were accepted ('accepted' rows). */
  modelId: z.number().int().nullable(),
  author: z.string().nullable(),
  updatedAt: z.string(),
});
export type LabelSnapshot = z.infer<typeof LabelSnapshot>;

const historyBase = {
  actionId: id,
  name: z.string(),
  /** The annotator whose layer the entry changed (the action's author for face marks). */
  author: z.string().nullable(),
  /** The role the annotator acted in (face marks: 'annotator'). */
  role: z.enum(['annotator', 'adjudicator']),
  at: z.string(),
  undone: z.boolean(),
  frame: frameIndex,
};

/** One recorded change of a frame: a label task's human row before and after (null: none, the import was in force), or the face state. */
export const HistoryEntry = z.discriminatedUnion('task', [
  z.object({ ...historyBase, task: task, before: LabelSnapshot.nullable(), after: LabelSnapshot.nullable() }),
  z.object({ ...historyBase, task: z.literal('face'), before: z.enum(FACE_STATES).nullable(), after: z.enum(FACE_STATES).nullable() }),
]);
export type HistoryEntry = z.infer<typeof HistoryEntry>;

/** Whose output to show: a model id, null for none, absent for the media item's default model. */
const modelChoice = id.nullable().optional();

export const reviewMethods = {
  'media.get': { input: z.strictObject({ mediaId: id }), output: MediaDetail },
  'review.window': {
    input: z
      .strictObject({ mediaId: id, from: frameIndex, to: frameIndex, modelId: modelChoice })
      .refine((v) => v.to >= v.from, 'to must be >= from')
      .refine((v) => v.to - v.from < MAX_WINDOW, `at most ${MAX_WINDOW} frames per window`),
    output: z.object({ from: frameIndex, to: frameIndex, modelId: z.number().int().nullable(), thresholds: z.array(z.number()), frames: z.array(WindowFrame) }),
  },
  'review.overview': {
    input: z
      .strictObject({
        mediaId: id,
        modelId: modelChoice,
        buckets: z.number().int().min(1).max(8192),
        from: frameIndex.optional(),
        to: frameIndex.optional(),
        /** Also count the frames left in each work queue (a pass over the whole media item). */
        counts: z.boolean().default(true),
        /** The limits of "uncertain" and "disagrees" (default: DEFAULT_CRITERIA). */
        criteria: ReviewCriteria.optional(),
      })
      .refine((v) => v.from === undefined || v.to === undefined || v.to >= v.from, 'to must be >= from'),
    output: OverviewOutput.extend({ counts: WorkCounts.nullable() }),
  },
  'review.next': {
    input: z.strictObject({
      mediaId: id,
      kind: z.enum(WORK_KINDS),
      task: z.enum(WORK_TASKS),
      from: frameIndex,
      direction: z.enum(['next', 'previous']),
      modelId: modelChoice,
      order: z.enum(WORK_ORDERS).default('frame'),
      /** Strongest first: the score `from` had when the walk stood there (it may have left the queue since); without it the walk starts at the strongest frame. */
      fromScore: z.number().min(0).max(1).optional(),
      criteria: ReviewCriteria.optional(),
    }),
    output: z.object({
      frame: z.number().int().nullable(),
      /** Work frames in the queue in all. */
      remaining: z.number().int(),
      /** The frame's disagreement strength or uncertainty (0 in the unlabelled queue). */
      score: z.number().nullable(),
      /** 1-based position of the frame in the queue's order. */
      rank: z.number().int().nullable(),
    }),
  },
  /** Frames left per queue for every media item and dataset of the project (or one dataset). */
  'review.workSummary': {
    input: z.strictObject({
      datasetId: id.optional(),
      /** Whose output to count with: a model id for every media item, null for none, absent for each media item's default. */
      modelId: modelChoice,
      criteria: ReviewCriteria.optional(),
    }),
    output: z.object({ datasets: z.array(DatasetWork) }),
  },
  'labels.edit': {
    input: z
      .strictObject({
        mediaId: id,
        /** The action's name as the history and the undo button show it. */
        name: z.string().min(1).max(120),
        /** A contiguous range [from, to], or a list of frames. */
        from: frameIndex.optional(),
        to: frameIndex.optional(),
        frames: z.array(frameIndex).min(1).max(10_000).optional(),
        /** Frame the user is on (undo jumps back to it); default the first frame edited. */
        at: frameIndex.optional(),
        /** The annotator whose layer the edit writes (default: the backend's OS user). */
        author: annotatorName.optional(),
        change: EditChange,
      })
      .refine((v) => (v.frames !== undefined) !== (v.from !== undefined && v.to !== undefined), 'give either frames or from and to')
      .refine((v) => v.from === undefined || v.to === undefined || (v.to >= v.from && v.to - v.from < MAX_EDIT_FRAMES), 'to must be >= from, range not too long'),
    output: z.object({ action: ActionSummary.nullable(), canUndo: z.boolean(), canRedo: z.boolean(), ms: z.number() }),
  },
  /** Undoes the annotator's (`author`, default: the backend's OS user) newest action in force on the media item; never another annotator's. */
  'labels.undo': { input: z.strictObject({ mediaId: id, author: annotatorName.optional() }), output: undoOutput },
  /** Redoes the annotator's oldest undone action not superseded by a later edit of theirs. */
  'labels.redo': { input: z.strictObject({ mediaId: id, author: annotatorName.optional() }), output: undoOutput },
  /** Every annotator's actions (newest first) and the frame's changes; canUndo / canRedo are the annotator's (`author`). */
  'labels.history': {
    input: z.strictObject({ mediaId: id, frame: frameIndex.optional(), limit: z.number().int().min(1).max(500).default(50), author: annotatorName.optional() }),
    output: z.object({ actions: z.array(ActionSummary), frame: z.array(HistoryEntry), canUndo: z.boolean(), canRedo: z.boolean() }),
  },
} as const;
