// The CNN-RNN's jobs (src/node/training/engine/rnn-pipeline.ts) in the worker process. Soft labels and
// evaluation of CNN-RNN models run through the ordinary 'soft-labels' and 'evaluate' jobs.
import type { JobFn } from './context';
import { hooksOf, projectOf } from './engine-jobs';

export const trainRnnTeacherJob: JobFn = async (params, ctx) => (await import('../node/training/engine/rnn-pipeline')).trainRnnTeacher(projectOf(ctx), params as never, hooksOf(ctx));
export const trainRnnStudentsJob: JobFn = async (params, ctx) => (await import('../node/training/engine/rnn-pipeline')).trainRnnStudents(projectOf(ctx), params as never, hooksOf(ctx));
