// `affect-workbench probe`: the backend probe, run as a real job in a worker process.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Backend } from '../node/app/backend';
import { jobResultOf, type JobResult } from '../shared/jobs-contract';

export async function runProbeInWorker(): Promise<JobResult<'probe'>> {
  // The probe needs no project; a throwaway one holds its run record.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aw-probe-'));
  const backend = new Backend({ transport: 'inprocess' });
  try {
    backend.openProject(dir, true, 'probe', false);
    const jobId = backend.jobs.start('probe', {});
    await backend.jobs.waitIdle();
    const job = backend.jobs.get(jobId)!;
    const result = jobResultOf('probe', job);
    if (job.status !== 'done' || !result) throw new Error(`probe ${job.status}: ${job.error ?? 'no result'}`);
    return result;
  } finally {
    await backend.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
