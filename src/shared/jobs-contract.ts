// The jobs of the worker process as one map: job kind → the zod schema of its params and of its
// result. Everything that starts a job or reads one back derives its types from here: the contract's
// `jobs.start` validates params per kind (src/shared/contract.ts), the supervisor refuses invalid
// params before a worker starts (src/node/jobs/supervisor.ts), the worker's job table is typed by it
// (src/worker/jobs.ts), the CLI's runJob returns the kind's result (src/cli/run-job.ts) and the
// renderer starts typed jobs and reads typed results (src/renderer/src/session.ts, jobResultOf).
// Pure: imports zod and other pure schemas only, never contract.ts (contract.ts imports this file).
import { z } from 'zod';
import { ANNOTATOR_LAYOUTS, ExportRequest, EXPORT_FORMATS } from './export-options';
import { ImportRequest } from './import-options';
import { TASKS } from './labels';
import { RnnStudentParams, RnnTeacherParams } from './rnn-config';
import { EvaluateParams, SoftLabelParams, StudentParams, TeacherParams } from './train-config';
import { AuEvaluation, EvaluationBlock, EvaluationResult } from './training-contract';

const id = z.number().int().positive();
const count = z.number().int().min(0);

// ---------- params that have no schema elsewhere ----------

/** Job 'probe': which backend to prefer (default: the best available). */
export const ProbeParams = z.object({ prefer: z.enum(['wasm', 'cpu']).optional() });

export const FACE_MODES = ['detect', 'aligned'] as const;

/** Job 'faces': one media item (mediaId) or several (mediaIds) of the open project. */
export const FacesParams = z
  .object({
    mediaId: id.optional(),
    mediaIds: z.array(id).min(1).optional(),
    mode: z.enum(FACE_MODES).default('detect'),
    batchSize: z.number().min(1).max(1024).optional(),
    redetectEvery: z.number().min(1).max(100_000).optional(),
    minScore: z.number().min(0.05).max(1).optional(),
    /** Face threads (default: AW_THREADS, else the cores). */
    threads: z.number().int().min(1).max(64).optional(),
  })
  .refine((p) => p.mediaId !== undefined || p.mediaIds !== undefined, {
    path: ['mediaIds'],
    message: 'faces job needs mediaId (a positive integer) or mediaIds (a non-empty list of them)',
  });

// ---------- results (what the jobs return today) ----------


const TrainedModel = z.object({ modelId: id, thresholds: z.array(z.number()), val: EvaluationBlock.nullable() });

/** 'train.teacher' (src/node/training/engine/pipeline.ts trainTeacher). */
export const TeacherResult = z.object({
  modelId: id,
  name: z.string(),
  epochs: z.number().int(),
  resumedFrom: z.number().int().nullable(),
  thresholds: z.array(z.number()),
  val: EvaluationBlock.nullable(),
  backend: z.string(),
});

/** 'train.rnn-teacher' (rnn-pipeline.ts trainRnnTeacher): the teacher's result and its feature model. */
export const RnnTeacherResult = TeacherResult.extend({ featuresFrom: id });

/** 'train.students' and 'train.rnn-students': the students, their ensemble and its validation block. */
export const StudentsResult = z.object({
  teacherId: id,
  students: z.array(TrainedModel),
  ensembleId: id,
  ensembleVal: EvaluationBlock.nullable(),
});

/** 'soft-labels'. */
export const SoftLabelsResult = z.object({ modelId: id, frames: count, seconds: z.number() });

/**
 * 'evaluate': the evaluation report (the CLI's `evaluate --json` document). `au` and `auAtHalf` are
 * the AU metrics at threshold 0.5 (the main figure); `auTuned` those at the model's tuned thresholds,
 * only when they were tuned on another split than the evaluated one (else null); optional for
 * results stored before issue 18.
 */
export const EvaluateResult = EvaluationResult.extend({ auAtHalf: AuEvaluation.nullable() });

/** 'probe' (src/ml/probe.ts ProbeResult). */
export const ProbeResult = z.object({
  backend: z.object({
    name: z.string(),
    tfBackend: z.string(),
    tried: z.array(z.object({ name: z.string(), error: z.string().optional() })),
    threads: z.number().optional(),
    simd: z.boolean().optional(),
    threadsError: z.string().optional(),
  }),
  forwardMs: z.number(),
  backwardMs: z.number(),
  ok: z.boolean(),
  numTensorsLeaked: z.number(),
});

/** What an import did (src/node/importers/summary.ts ImportSummary). */
export const ImportSummary = z.object({
  format: z.string(),
  datasetId: z.number().int(),
  dataset: z.string(),
  rowsRead: count,
  media: count,
  framesCreated: count,
  frames: count,
  labels: z.record(z.enum(TASKS), count),
  splits: z.record(z.string(), count),
  crops: count,
  skipped: z.record(z.string(), count),
  warnings: z.array(z.string()),
  moreWarnings: count,
  seconds: z.number(),
});

/** 'import' (src/node/importers/service.ts PreparedImport). */
export const ImportResult = z.object({
  summary: ImportSummary,
  proxies: count,
  /** Media of the imported dataset whose frames still need faces. */
  needFaces: z.array(id),
});

/** One media item's face pass (src/node/media/faces.ts FacePipelineResult). */
export const FacePipelineResult = z.object({
  mediaId: id,
  total: count,
  skipped: count,
  processed: count,
  ok: count,
  none: count,
  unusable: count,
  complete: z.boolean(),
  seconds: z.number(),
  /** null once through JSON when no time passed (the rate is not a finite number). */
  framesPerSecond: z.number().nullable(),
  /** Face threads that ran the frames (1: the job's own thread). */
  threads: count.optional(),
  detectorRuns: z.object({ ssd: count, tinyRegion: count, tinyFull: count }).optional(),
});

/** 'faces'. */
export const FacesResult = z.object({ media: z.array(FacePipelineResult), frames: count });

/** 'export' (src/shared/export-options.ts ExportSummary). */
export const ExportResult = z.object({
  format: z.enum(EXPORT_FORMATS),
  out: z.string(),
  rows: count,
  files: z.array(z.string()),
  warnings: z.array(z.string()),
  policy: z.string(),
  annotatorPolicy: z.string(),
  annotators: z.enum(ANNOTATOR_LAYOUTS),
  modelId: z.number().int().nullable(),
  aus: z.array(z.number().int()),
  elapsedMs: z.number(),
});

// ---------- the map ----------

interface JobSpec {
  params: z.ZodType;
  result: z.ZodType;
}

/** The jobs clients start (the contract's `jobs.start`, the CLI, the renderer). */
export const JOBS = {
  probe: { params: ProbeParams, result: ProbeResult },
  import: { params: ImportRequest, result: ImportResult },
  faces: { params: FacesParams, result: FacesResult },
  'train.teacher': { params: TeacherParams, result: TeacherResult },
  'soft-labels': { params: SoftLabelParams, result: SoftLabelsResult },
  'train.students': { params: StudentParams, result: StudentsResult },
  'train.rnn-teacher': { params: RnnTeacherParams, result: RnnTeacherResult },
  'train.rnn-students': { params: RnnStudentParams, result: StudentsResult },
  evaluate: { params: EvaluateParams, result: EvaluateResult },
  export: { params: ExportRequest, result: ExportResult },
} as const satisfies Record<string, JobSpec>;

/** Jobs that let the tests drive the supervisor through cancel, crash and kill (src/worker/test-jobs.ts); not in the contract. */
export const TEST_JOBS = {
  'test.sleep': {
    params: z.object({ steps: z.number().int().min(0).max(100_000).default(10), ms: z.number().min(0).max(60_000).default(20) }),
    result: z.object({ steps: count }),
  },
  'test.crash': { params: z.object({}), result: z.null() },
  'test.ignore-cancel': { params: z.object({}), result: z.null() },
} as const satisfies Record<string, JobSpec>;

/** Every job the worker runs. */
export const ALL_JOBS = { ...JOBS, ...TEST_JOBS };
type AllJobs = typeof ALL_JOBS;

/** The map seen per kind, so a generic kind K keeps its own types (SPECS[kind].params parses to JobParams<K>). */
type SpecMap = { [K in AnyJobKind]: { params: z.ZodType<JobParams<K>, JobParamsInput<K>>; result: z.ZodType<JobResult<K>> } };
const SPECS: SpecMap = ALL_JOBS;

export const JOB_KINDS = Object.keys(JOBS) as (keyof typeof JOBS)[];
/** A job kind clients start. */
export type JobKind = keyof typeof JOBS;
/** A job kind the supervisor and the worker run: the clients' kinds and the test-only ones. */
export type AnyJobKind = keyof AllJobs;
/** The params a caller gives (defaults may be left out). */
export type JobParamsInput<K extends AnyJobKind> = z.input<AllJobs[K]['params']>;
/** The params a job runs with (validated, defaults applied). */
export type JobParams<K extends AnyJobKind> = z.output<AllJobs[K]['params']>;
/** What a job returns. */
export type JobResult<K extends AnyJobKind> = z.output<AllJobs[K]['result']>;

export function isJobKind(kind: string): kind is JobKind {
  return Object.prototype.hasOwnProperty.call(JOBS, kind);
}
export function isAnyJobKind(kind: string): kind is AnyJobKind {
  return Object.prototype.hasOwnProperty.call(ALL_JOBS, kind);
}

export interface ParamIssue {
  /** The field, dot-separated ('epochs', 'options.splits.0'); '(params)' for the whole object. */
  path: string;
  message: string;
}

function issuesOf(error: z.ZodError): ParamIssue[] {
  return error.issues.map((i) => ({ path: i.path.map(String).join('.') || '(params)', message: i.message }));
}

/** What is wrong with `params` for job `kind`, each problem with its field; [] when they are valid. */
export function jobParamsIssues(kind: AnyJobKind, params: unknown): ParamIssue[] {
  const r = SPECS[kind].params.safeParse(params);
  return r.success ? [] : issuesOf(r.error);
}

/** One line naming every problem: "teacher: Invalid input; epochs: Too small: …". */
export function describeParamIssues(issues: readonly ParamIssue[]): string {
  return issues.map((i) => `${i.path}: ${i.message}`).join('; ');
}

/** A job's params validated by its schema (throws a ZodError naming the fields). */
export function parseJobParams<K extends AnyJobKind>(kind: K, params: unknown): JobParams<K> {
  const schema = SPECS[kind].params;
  return schema.parse(params);
}

/** A job's stored result as its kind's type (throws a ZodError when it does not have that shape). */
export function parseJobResult<K extends AnyJobKind>(kind: K, result: unknown): JobResult<K> {
  const schema = SPECS[kind].result;
  return schema.parse(result);
}

/** The shape of a job as jobs.list / job.state carry it (JobSummary in contract.ts). */
export interface JobLike {
  kind: string;
  status: string;
  params: Record<string, unknown>;
  result: unknown;
}

/** The result of a finished job of kind `kind`, typed; null for another kind, no result yet, or a result of another shape. */
export function jobResultOf<K extends AnyJobKind>(kind: K, job: JobLike | null | undefined): JobResult<K> | null {
  if (!job || job.kind !== kind || job.result === null || job.result === undefined) return null;
  const schema = SPECS[kind].result;
  const r = schema.safeParse(job.result);
  return r.success ? r.data : null;
}

/** The params of a job of kind `kind` as validated values (defaults applied); null for another kind or params that no longer parse. */
export function jobParamsOf<K extends AnyJobKind>(kind: K, job: JobLike | null | undefined): JobParams<K> | null {
  if (!job || job.kind !== kind) return null;
  const schema = SPECS[kind].params;
  const r = schema.safeParse(job.params);
  return r.success ? r.data : null;
}
