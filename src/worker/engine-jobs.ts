// The learning engine's jobs (Algorithm 1) in the worker process.
import type { JobContext, JobFn } from './context';
import type { EngineHooks } from '../node/training/engine/context';

/** The engine's hooks on a worker job's context (also used by the CNN-RNN jobs). */
export function hooksOf(ctx: JobContext): EngineHooks {
  return {
    progress: (d, t, st, m) => ctx.progress(d, t, st, m ?? null),
    log: (line, level) => ctx.log(line, level),
    checkpoint: () => ctx.checkpoint(),
    meta: (m) => ctx.meta(m),
    runId: ctx.jobId,
  };
}

export function projectOf(ctx: JobContext): string {
  if (!ctx.projectDir) throw new Error('this job needs an open project');
  return ctx.projectDir;
}

const pipeline = () => import('../node/training/engine/pipeline');

export const trainTeacherJob: JobFn<'train.teacher'> = async (params, ctx) => (await pipeline()).trainTeacher(projectOf(ctx), params, hooksOf(ctx));
export const softLabelsJob: JobFn<'soft-labels'> = async (params, ctx) => (await pipeline()).generateSoftLabels(projectOf(ctx), params, hooksOf(ctx));
export const trainStudentsJob: JobFn<'train.students'> = async (params, ctx) => (await pipeline()).trainStudents(projectOf(ctx), params, hooksOf(ctx));
export const evaluateJob: JobFn<'evaluate'> = async (params, ctx) => (await pipeline()).evaluateModel(projectOf(ctx), params, hooksOf(ctx));
