// The CNN-RNN's jobs (src/node/training/engine/rnn-pipeline.ts) in the worker process. Soft labels and
// evaluation of CNN-RNN models run through the ordinary 'soft-labels' and 'evaluate' jobs.
import type { JobFn } from './context';
import { hooksOf, projectOf } from './engine-jobs';

const pipeline = () => import('../node/training/engine/rnn-pipeline');

export const trainRnnTeacherJob: JobFn<'train.rnn-teacher'> = async (params, ctx) => (await pipeline()).trainRnnTeacher(projectOf(ctx), params, hooksOf(ctx));
export const trainRnnStudentsJob: JobFn<'train.rnn-students'> = async (params, ctx) => (await pipeline()).trainRnnStudents(projectOf(ctx), params, hooksOf(ctx));
