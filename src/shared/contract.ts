// The one API contract of the workbench. Every transport (Electron IPC, browser-mode HTTP/WebSocket,
// in-process) serves exactly these methods and events, validated by these schemas. Types for the
// preload, the main process, the server and the renderer are derived from here, never retyped.
import { z } from 'zod';
import { EXPRESSIONS, SPLITS, TASKS } from './labels';
import { trainingMethods } from './training-contract';
import { reviewMethods } from './review-contract';
import { dataMethods } from './data-contract';
import { traceMethods } from './trace-contract';
import { annotatorMethods } from './annotators-contract';
import { agreementMethods } from './agreement-contract';
import { adjudicationMethods } from './adjudication-contract';
import { JOB_KINDS, jobParamsIssues } from './jobs-contract';

// ---------- shared shapes ----------

const id = z.number().int().positive();
const frameIndex = z.number().int().min(0);
/** A filesystem path typed by a user or chosen in a dialog: non-empty, no NUL bytes. */
const fsPath = z
  .string()
  .min(1, 'path is empty')
  .max(4096)
  .refine((s) => !s.includes('\0'), 'path contains a NUL byte');

export const TaskCounts = z.object({ au: z.number().int(), expr: z.number().int(), va: z.number().int() });
export type TaskCounts = z.infer<typeof TaskCounts>;

export const ProjectSummary = z.object({
  dir: z.string(),
  name: z.string(),
  schemaVersion: z.number().int(),
  createdAt: z.string(),
});
export type ProjectSummary = z.infer<typeof ProjectSummary>;

export const MediaSummary = z.object({
  id,
  datasetId: id,
  name: z.string(),
  kind: z.enum(['video', 'sequence', 'images']),
  path: z.string(),
  fps: z.number().nullable(),
  frameCount: z.number().int(),
  width: z.number().int().nullable(),
  height: z.number().int().nullable(),
  labels: TaskCounts,
});
export type MediaSummary = z.infer<typeof MediaSummary>;

export const DatasetSummary = z.object({
  id,
  name: z.string(),
  sourceFormat: z.string(),
  settings: z.record(z.string(), z.unknown()),
  frames: z.number().int(),
  splits: z.record(z.string(), z.number().int()),
  labels: TaskCounts,
  media: z.array(MediaSummary),
});
export type DatasetSummary = z.infer<typeof DatasetSummary>;

export const ModelSummary = z.object({
  id,
  name: z.string(),
  kind: z.enum(['teacher', 'student', 'ensemble']),
  arch: z.enum(['cnn', 'cnn-rnn']),
  backbone: z.string().nullable(),
  parentId: z.number().int().nullable(),
  status: z.enum(['training', 'ready', 'failed']),
  createdAt: z.string(),
  softLabels: z.number().int(),
});
export type ModelSummary = z.infer<typeof ModelSummary>;

export const ProjectInfo = z.object({
  project: ProjectSummary,
  datasets: z.array(DatasetSummary),
  models: z.array(ModelSummary),
});
export type ProjectInfo = z.infer<typeof ProjectInfo>;

export const RecentProject = z.object({ dir: z.string(), name: z.string(), openedAt: z.string() });
export type RecentProject = z.infer<typeof RecentProject>;

export const JobStatus = z.enum(['queued', 'running', 'done', 'failed', 'cancelled', 'interrupted']);
export type JobStatus = z.infer<typeof JobStatus>;

/** The kinds of src/shared/jobs-contract.ts's map (their params and results are typed there: JobParamsInput, JobResult, jobResultOf). */
export const JobKind = z.enum(JOB_KINDS);
export type JobKind = z.infer<typeof JobKind>;

export const JobSummary = z.object({
  id,
  kind: z.string(),
  status: JobStatus,
  params: z.record(z.string(), z.unknown()),
  progress: z.number().min(0).max(1),
  stage: z.string().nullable(),
  error: z.string().nullable(),
  result: z.unknown().nullable(),
  backend: z.string().nullable(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
});
export type JobSummary = z.infer<typeof JobSummary>;

export const AuValue = z.record(z.string().regex(/^AU\d{1,2}$/), z.union([z.literal(0), z.literal(1)]));

/** One frame's stored labels, each task with the layer that is in force and where it came from. */
export const FrameLabels = z.object({
  frame: frameIndex,
  au: z.object({ value: AuValue, provenance: z.string() }).nullable(),
  expr: z.object({ value: z.number().int().min(0).max(6), provenance: z.string() }).nullable(),
  va: z.object({ valence: z.number(), arousal: z.number(), provenance: z.string() }).nullable(),
});
export type FrameLabels = z.infer<typeof FrameLabels>;

// ---------- methods ----------

const none = z.strictObject({});

export const methods = {
  'app.info': {
    input: none,
    output: z.object({
      version: z.string(),
      transport: z.enum(['ipc', 'http', 'inprocess']),
      project: ProjectSummary.nullable(),
    }),
  },
  'project.create': {
    input: z.strictObject({ dir: fsPath, name: z.string().min(1).max(200).optional() }),
    output: ProjectSummary,
  },
  'project.open': { input: z.strictObject({ dir: fsPath }), output: ProjectSummary },
  'project.close': { input: none, output: z.null() },
  'project.recent': { input: none, output: z.array(RecentProject) },
  'project.info': { input: none, output: ProjectInfo },
  /** A native folder chooser where there is one (Electron); browser mode answers supported: false and the renderer asks for a path. */
  'dialog.chooseFolder': {
    input: z.strictObject({ title: z.string().max(200) }),
    output: z.object({ supported: z.boolean(), path: z.string().nullable() }),
  },
  'labels.range': {
    input: z
      .strictObject({ mediaId: id, from: frameIndex, to: frameIndex })
      .refine((v) => v.to >= v.from, 'to must be >= from')
      .refine((v) => v.to - v.from < 100_000, 'at most 100000 frames per query'),
    output: z.array(FrameLabels),
  },
  /** Params are validated by the kind's schema (src/shared/jobs-contract.ts): a problem is refused here, named by its field (params.epochs, …), before any worker starts. */
  'jobs.start': {
    input: z.strictObject({ kind: JobKind, params: z.record(z.string(), z.unknown()).default({}) }).superRefine((v, ctx) => {
      for (const i of jobParamsIssues(v.kind, v.params)) ctx.addIssue({ code: 'custom', path: ['params', ...(i.path === '(params)' ? [] : i.path.split('.'))], message: i.message });
    }),
    output: z.object({ jobId: id }),
  },
  'jobs.list': { input: none, output: z.array(JobSummary) },
  'jobs.cancel': { input: z.strictObject({ jobId: id }), output: z.object({ cancelled: z.boolean() }) },
  // Training, runs and the models dashboard (src/shared/training-contract.ts).
  ...trainingMethods,
  // Review: media with timestamps, label/model windows, timeline aggregates, edits with undo (src/shared/review-contract.ts).
  ...reviewMethods,
  // Continuous valence/arousal tracing: a pass as one action, every annotator's VA, smoothed layers (src/shared/trace-contract.ts).
  ...traceMethods,
  // File → Export… (src/shared/data-contract.ts).
  ...dataMethods,
  // Annotators and the policy that merges their layers (src/shared/annotators-contract.ts).
  ...annotatorMethods,
  // Agreement among annotators: matrices, panel figures, the disagreement strip (src/shared/agreement-contract.ts).
  ...agreementMethods,
  // Adjudication: the queue of disagreements and the adjudicator's decisions (src/shared/adjudication-contract.ts).
  ...adjudicationMethods,
} as const;

export type Methods = typeof methods;
export type MethodName = keyof Methods;
export type Input<M extends MethodName> = z.input<Methods[M]['input']>;
export type ParsedInput<M extends MethodName> = z.output<Methods[M]['input']>;
export type Output<M extends MethodName> = z.output<Methods[M]['output']>;
export const METHOD_NAMES = Object.keys(methods) as MethodName[];
export function isMethodName(s: string): s is MethodName {
  return Object.prototype.hasOwnProperty.call(methods, s);
}

// ---------- events (backend → every connected client) ----------

export const events = {
  'job.progress': z.object({
    jobId: id,
    kind: z.string(),
    done: z.number(),
    total: z.number(),
    stage: z.string().nullable(),
    /** items/s over the last update window, when the job measures throughput */
    rate: z.number().nullable(),
    etaSeconds: z.number().nullable(),
    metrics: z.record(z.string(), z.number()).nullable(),
  }),
  'job.log': z.object({ jobId: id, level: z.enum(['info', 'warn', 'error']), line: z.string() }),
  'job.state': z.object({ job: JobSummary }),
  'labels.changed': z.object({ mediaId: id, from: frameIndex, to: frameIndex, tasks: z.array(z.enum(TASKS)) }),
  'project.changed': z.object({ project: ProjectSummary.nullable() }),
  /** A menu item chosen in the native application menu; the renderer runs the same command as its own menu bar. */
  'menu.command': z.object({ command: z.string() }),
} as const;

export type Events = typeof events;
export type EventName = keyof Events;
export type EventPayload<E extends EventName> = z.output<Events[E]>;
export interface EventMessage<E extends EventName = EventName> {
  event: E;
  payload: EventPayload<E>;
}

export const EXPRESSION_NAMES = EXPRESSIONS;
export const SPLIT_NAMES = SPLITS;
