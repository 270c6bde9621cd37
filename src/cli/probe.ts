// `affect-workbench probe`: the backend probe, run as a real job in a worker process.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Backend } from '../node/app/backend';

export async function runProbeInWorker(): Promise<{ backend: { name: string }; forwardMs: number; backwardMs: number }> {
  // The probe needs no project; a throwaway one holds its run record.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aw-probe-'));
  const backend = new Backend({ transport: 'inprocess' });
  try {
    backend.openProject(dir, true, 'probe');
    const jobId = backend.jobs.start('probe', {});
    await backend.jobs.waitIdle();
    const job = backend.jobs.get(jobId)!;
    if (job.status !== 'done') throw new Error(`probe ${job.status}: ${job.error ?? ''}`);
    return job.result as { backend: { name: string }; forwardMs: number; backwardMs: number };
  } finally {
    await backend.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
