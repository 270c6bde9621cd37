// The CNN-RNN's jobs (src/ml/engine/rnn-pipeline.ts) in the worker process. Soft labels and
// evaluation of CNN-RNN models run through the ordinary 'soft-labels' and 'evaluate' jobs.
import type { JobContext, JobFn } from './context';
import type { EngineHooks } from '../ml/engine/context';

function hooksOf(ctx: JobContext): EngineHooks {
  return {
    progress: (d, t, st, m) => ctx.progress(d, t, st, m ?? null),
    log: (line, level) => ctx.log(line, level),
    checkpoint: () => ctx.checkpoint(),
    meta: (m) => ctx.meta(m),
    runId: ctx.jobId,
  };
}

function projectOf(ctx: JobContext): string {
  if (!ctx.projectDir) throw new Error('this job needs an open project');
  return ctx.projectDir;
}

export const trainRnnTeacherJob: JobFn = async (params, ctx) => (await import('../ml/engine/rnn-pipeline')).trainRnnTeacher(projectOf(ctx), params as never, hooksOf(ctx));
export const trainRnnStudentsJob: JobFn = async (params, ctx) => (await import('../ml/engine/rnn-pipeline')).trainRnnStudents(projectOf(ctx), params as never, hooksOf(ctx));
