// The job table of the worker process, typed by the jobs map (src/shared/jobs-contract.ts): each
// kind's function takes that kind's validated params and returns that kind's result. Each job module
// is imported lazily so a job only loads what it needs (TensorFlow.js, the database, …).
import { parseJobParams, type AnyJobKind, type JobResult } from '../shared/jobs-contract';
import type { JobContext, JobFn } from './context';

export const JOBS: { [K in AnyJobKind]: () => Promise<JobFn<K>> } = {
  probe: async () => (await import('./probe-job')).probeJob,
  'train.teacher': async () => (await import('./engine-jobs')).trainTeacherJob,
  'soft-labels': async () => (await import('./engine-jobs')).softLabelsJob,
  'train.students': async () => (await import('./engine-jobs')).trainStudentsJob,
  evaluate: async () => (await import('./engine-jobs')).evaluateJob,
  'train.rnn-teacher': async () => (await import('./rnn-jobs')).trainRnnTeacherJob,
  'train.rnn-students': async () => (await import('./rnn-jobs')).trainRnnStudentsJob,
  faces: async () => (await import('./face-job')).faceJob,
  import: async () => (await import('./import-job')).importJob,
  export: async () => (await import('./export-job')).exportJob,
  // Test-only jobs that exercise the supervisor (cancel, crash, timeout); harmless in production.
  'test.sleep': async () => (await import('./test-jobs')).sleepJob,
  'test.crash': async () => (await import('./test-jobs')).crashJob,
  'test.ignore-cancel': async () => (await import('./test-jobs')).ignoreCancelJob,
};

/** Runs job `kind` on params as they arrived (untyped JSON): validated by the kind's schema first. */
export async function runJobKind<K extends AnyJobKind>(kind: K, params: unknown, ctx: JobContext): Promise<JobResult<K>> {
  const parsed = parseJobParams(kind, params);
  const fn = await JOBS[kind]();
  return fn(parsed, ctx);
}
