// The options of `runImport`, as a zod schema so the worker job 'import', the CLI and the renderer's
// File → Import… dialog validate the same shape. Pure (no platform imports).
import { z } from 'zod';
import { AnnotatorName } from './annotators-contract';
import { SPLITS } from './labels';

/** `merged`: this workbench's own merged-labels export (CSV or JSON Lines), re-imported with its sources. */
export const IMPORT_FORMATS = ['csv', 'affwild2', 'disfa', 'expw', 'afewva', 'images', 'video', 'merged'] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

/**
 * Default per-task downsampling recorded in an Aff-Wild2 dataset's settings and applied by the
 * training sampler (the importer stores every labelled frame). Paper §"Data imbalance":
 *  - va: 5 — "we downsample the Aff-wild2 dataset by 5" before merging AFEW-VA;
 *  - expr: 10 — "downsample the Aff-wild2 dataset to make the sizes of the two datasets comparable"
 *    with ExpW, whose 91,795 images the paper puts at a tenth of Aff-Wild2's size;
 *  - au: 1 — AU data is merged with DISFA and balanced by ML-ROS, not downsampled.
 */
export const AFFWILD2_DOWNSAMPLE = { au: 1, expr: 10, va: 5 } as const;

/** DISFA intensities (0–5) at or above this count as an active AU (the usual ≥ 2 convention). */
export const DISFA_DEFAULT_THRESHOLD = 2;

const positiveInt = z.number().int().min(1);

export const ImportOptions = z
  .object({
    /** Dataset name (created, or reused on re-import). Default: the format's name. */
    dataset: z.string().min(1).max(200).optional(),
    /** Split for sources that do not carry one (flat layouts, class folders without split folders). */
    split: z.enum(SPLITS).optional(),
    /** Split manifest for flat layouts: JSON ({name: split}, [{name, split}], {videos: [{name, split}]}) or CSV `name,split`. */
    manifest: z.string().min(1).optional(),
    /** Folder of videos named after the label files (affwild2, disfa). */
    videos: z.string().min(1).optional(),
    /** Folder of per-video image-sequence folders, Aff-Wild2 `cropped_aligned` style (affwild2, disfa). */
    frames: z.string().min(1).optional(),
    /** Image folder for ExpW (default: `origin/` or `image/origin/` next to label.lst). */
    images: z.string().min(1).optional(),
    /** Accept label files whose line count differs from the media's frame count (drop extra lines, leave missing frames unlabelled). */
    allowLengthMismatch: z.boolean().optional(),
    /** Per-task downsampling recorded in the dataset settings (affwild2). */
    downsample: z.object({ au: positiveInt.optional(), expr: positiveInt.optional(), va: positiveInt.optional() }).strict().optional(),
    /** DISFA binarisation threshold on intensity 0–5 (default 2). */
    auThreshold: z.number().int().min(1).max(5).optional(),
    /** Run the face pipeline on images instead of taking them as face crops (images, csv). */
    detectFaces: z.boolean().optional(),
    /** Skip class folders whose name is not an expression (e.g. CK+ "contempt") instead of failing. */
    skipUnknownClasses: z.boolean().optional(),
    /** Skip entries whose media (video, frame folder, image) is missing or unreadable instead of failing. */
    skipMissing: z.boolean().optional(),
    /** The annotator whose layer the file's human labels go to (merged; default: the OS user). */
    annotator: AnnotatorName.optional(),
  })
  .strict();
export type ImportOptions = z.infer<typeof ImportOptions>;

export const ImportRequest = z.object({
  format: z.enum(IMPORT_FORMATS),
  sources: z.array(z.string().min(1)).min(1),
  options: ImportOptions.default({}),
});
export type ImportRequest = z.infer<typeof ImportRequest>;
