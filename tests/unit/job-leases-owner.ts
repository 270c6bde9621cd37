// A process that owns a training job, for tests/unit/job-leases.test.ts: it opens the project with
// the real code (Project, JobSupervisor, the node worker launcher), starts a 'train.teacher' job and
// keeps it running in a real worker process, then prints {jobId, modelId, workerPid} on one line
// and lives until it is killed. The worker runs the test-only 'test.sleep' job in place of the
// trainer (the supervisor and the database see a training run; nothing heavy runs), and the model
// the run trains is reported through the worker's own 'meta' message path, as the trainer does.
// Usage: node --import tsx tests/unit/job-leases-owner.ts PROJECT_DIR [HEARTBEAT_MS LEASE_MS]
import { createModel } from '../../src/node/store/models';
import { useSourceWorker } from '../../src/node/app/dev-runtime';
import { nodeLauncher } from '../../src/node/jobs/node-launcher';
import type { FromWorker, WorkerLauncher } from '../../src/node/jobs/protocol';
import { JobSupervisor } from '../../src/node/jobs/supervisor';
import { Project } from '../../src/node/store/project';

useSourceWorker(); // the worker runs from the TypeScript sources, as in the unit tests' setup
const [dir, heartbeat = '200', lease = '1000'] = process.argv.slice(2);
const project = Project.open(dir);
const modelId = createModel(project.db, { kind: 'teacher', backbone: 'small', config: { backbone: 'small', inputSize: 32, epochs: 1 } }).id;

let workerPid: number | undefined;
const real = nodeLauncher();
const launcher: WorkerLauncher = () => {
  const h = real();
  workerPid = h.pid;
  return {
    ...h,
    pid: h.pid,
    send: (m) => h.send(m.type === 'start' ? { ...m, kind: 'test.sleep', params: { steps: 100_000, ms: 20 } } : m),
    onMessage: (listener) =>
      h.onMessage((m: FromWorker) => {
        listener(m);
        // The trainer reports its model once it runs: so does this stand-in, after its first step.
        if (m.type === 'progress' && m.done === 1) listener({ type: 'meta', jobId: m.jobId, modelId });
      }),
  };
};

let printed = false;
const supervisor = new JobSupervisor(
  project.db,
  project.dir,
  launcher,
  (event, payload) => {
    if (printed || event !== 'job.progress') return;
    const p = payload as { jobId: number; done: number };
    if (p.done < 2) return;
    printed = true;
    process.stdout.write(`${JSON.stringify({ jobId: p.jobId, modelId, workerPid })}\n`);
  },
  { heartbeatMs: Number(heartbeat), leaseMs: Number(lease) },
);
supervisor.start('train.teacher', { backbone: 'small', inputSize: 32, epochs: 1 });
// Lives until killed (the test SIGKILLs it) or until its job ends (cancelled from another process).
void supervisor.waitIdle().then(async () => {
  await supervisor.shutdown();
  project.close();
  process.stdout.write('idle\n');
});
