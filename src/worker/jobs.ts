// The job table of the worker process. Each job module is imported lazily so a job only loads
// what it needs (TensorFlow.js, the database, …).
import type { JobFn } from './context';

export const JOBS: Record<string, () => Promise<JobFn>> = {
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
