// Jobs that let the tests drive the supervisor through cancel, crash and kill paths with a real process.
import type { JobFn } from './context';

export const sleepJob: JobFn<'test.sleep'> = async ({ steps, ms }, ctx) => {
  for (let i = 0; i < steps; i++) {
    await ctx.checkpoint();
    await new Promise((r) => setTimeout(r, ms));
    ctx.progress(i + 1, steps, 'sleeping');
  }
  return { steps };
};

export const crashJob: JobFn<'test.crash'> = async () => {
  process.stderr.write('simulated fatal error in worker\n');
  process.exit(3);
};

export const ignoreCancelJob: JobFn<'test.ignore-cancel'> = async () => {
  await new Promise((r) => setTimeout(r, 60_000));
  return null;
};
