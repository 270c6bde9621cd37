// The contract of continuous valence/arousal tracing (issue 15, item 4), spread into `methods` in
// contract.ts: writing a pass as one undoable action, reading every annotator's valence/arousal for
// the timeline's window, and the smoothed layer derived from a trace (stored apart, never over the
// raw trace; in force only when applied, which is an ordinary undoable action).
import { z } from 'zod';
import { ActionSummary, MAX_WINDOW } from './review-contract';
import { MAX_TRACE_SAMPLES, TRACE_AXES, TRACE_SPEEDS } from './trace';

const id = z.number().int().positive();
const frameIndex = z.number().int().min(0);
const va = z.number().min(-1).max(1);
const annotator = z.string().min(1).max(120);

/** One displayed frame's sample; the axis a one-axis pass does not trace is null. */
export const TraceSampleSchema = z.strictObject({ frame: frameIndex, valence: va.nullable(), arousal: va.nullable() });

/** Smoothing methods of the derived layer: a centred moving average over `window` frames (odd). */
export const SMOOTHING_METHODS = ['moving-average'] as const;
export const Smoothing = z.strictObject({
  method: z.enum(SMOOTHING_METHODS),
  window: z
    .number()
    .int()
    .min(3)
    .max(121)
    .refine((w) => w % 2 === 1, 'the window must be an odd number of frames'),
});
export type Smoothing = z.infer<typeof Smoothing>;

/** One annotator's (or one derived layer's) valence and arousal per bucket of the window; null: no value there. */
export const VaTrack = z.object({
  annotator: z.string(),
  role: z.enum(['annotator', 'adjudicator']),
  /** Frames with a value of this annotator in the window, and how many of them come from a trace pass. */
  frames: z.number().int(),
  traced: z.number().int(),
  valence: z.array(z.number().nullable()),
  arousal: z.array(z.number().nullable()),
});
export type VaTrack = z.infer<typeof VaTrack>;

export const DerivedTrack = z.object({
  annotator: z.string(),
  method: z.enum(SMOOTHING_METHODS),
  /** The parameter it was made with, as shown ("window 9 frames"). */
  params: z.string(),
  valence: z.array(z.number().nullable()),
  arousal: z.array(z.number().nullable()),
});
export type DerivedTrack = z.infer<typeof DerivedTrack>;

const traceOutput = z.object({
  action: ActionSummary.nullable(),
  canUndo: z.boolean(),
  canRedo: z.boolean(),
  ms: z.number(),
  /** Frames whose value the pass wrote, frames of its range without a sample whose earlier value of this annotator it removed, and one-axis samples not written (no value of the other axis on that frame). */
  written: z.number().int(),
  cleared: z.number().int(),
  skipped: z.number().int(),
});

export const traceMethods = {
  /**
   * A trace pass as the annotator's valence/arousal, one undoable action (provenance 'trace'). It
   * covers [first sample, last sample]: a sampled frame gets its sample; a frame of that range the
   * player skipped loses that annotator's earlier value of the traced axes (a pass replaces the
   * annotator's trace over its range). A one-axis pass keeps the other axis from the annotator's
   * own value, else the value in force; a frame with neither is skipped.
   */
  'labels.trace': {
    input: z
      .strictObject({
        mediaId: id,
        author: annotator.optional(),
        axes: z.enum(TRACE_AXES).default('both'),
        /** The playback speed of the pass (its name in the history). */
        speed: z
          .number()
          .refine((s) => (TRACE_SPEEDS as readonly number[]).includes(s), `speed must be one of ${TRACE_SPEEDS.join(', ')}`)
          .optional(),
        /** Frame the annotator is on when the pass ends (undo jumps back to it); default the first sample. */
        at: frameIndex.optional(),
        samples: z.array(TraceSampleSchema).min(1).max(MAX_TRACE_SAMPLES),
      })
      .superRefine((v, ctx) => {
        for (let i = 0; i < v.samples.length; i++) {
          const s = v.samples[i];
          if (i > 0 && s.frame <= v.samples[i - 1].frame) {
            ctx.addIssue({ code: 'custom', path: ['samples', i, 'frame'], message: 'samples must be in increasing frame order, one per frame' });
            return;
          }
          for (const k of ['valence', 'arousal'] as const) {
            const traced = v.axes === 'both' || v.axes === k;
            if (traced !== (s[k] !== null)) {
              ctx.addIssue({ code: 'custom', path: ['samples', i, k], message: traced ? `${k} is traced by this pass: a number is needed` : `${k} is not traced by a ${v.axes} pass: must be null` });
              return;
            }
          }
        }
      }),
    output: traceOutput,
  },
  /**
   * Every annotator's valence/arousal over a window of frames (the timeline's VA lane), per bucket
   * (the timeline's bucket rule; buckets = frames when zoomed in), with the derived smoothed layers.
   */
  'review.annotatorVa': {
    input: z
      .strictObject({ mediaId: id, from: frameIndex, to: frameIndex, buckets: z.number().int().min(1).max(MAX_WINDOW) })
      .refine((v) => v.to >= v.from, 'to must be >= from')
      .refine((v) => v.buckets <= v.to - v.from + 1, 'at most one bucket per frame'),
    output: z.object({ from: frameIndex, to: frameIndex, buckets: z.number().int(), tracks: z.array(VaTrack), derived: z.array(DerivedTrack) }),
  },
  /** Computes (again) an annotator's smoothed layer from their valence/arousal over [from, to]; stored apart from the labels. */
  'trace.smooth': {
    input: z
      .strictObject({ mediaId: id, annotator, from: frameIndex, to: frameIndex, smoothing: Smoothing })
      .refine((v) => v.to >= v.from && v.to - v.from < 1_000_000, 'to must be >= from'),
    output: z.object({ frames: z.number().int(), params: z.string() }),
  },
  /** Puts an annotator's smoothed layer over [from, to] in force as their valence/arousal: one undoable action. */
  'trace.applySmoothed': {
    input: z
      .strictObject({ mediaId: id, author: annotator.optional(), method: z.enum(SMOOTHING_METHODS), from: frameIndex, to: frameIndex })
      .refine((v) => v.to >= v.from && v.to - v.from < 1_000_000, 'to must be >= from'),
    output: traceOutput,
  },
} as const;
