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

export const trainTeacherJob: JobFn = async (params, ctx) => (await import('../node/training/engine/pipeline')).trainTeacher(projectOf(ctx), params, hooksOf(ctx));
export const softLabelsJob: JobFn = async (params, ctx) => (await import('../node/training/engine/pipeline')).generateSoftLabels(projectOf(ctx), params as never, hooksOf(ctx));
export const trainStudentsJob: JobFn = async (params, ctx) => (await import('../node/training/engine/pipeline')).trainStudents(projectOf(ctx), params as never, hooksOf(ctx));
export const evaluateJob: JobFn = async (params, ctx) => (await import('../node/training/engine/pipeline')).evaluateModel(projectOf(ctx), params as never, hooksOf(ctx));
