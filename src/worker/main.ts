// Entry of the worker process (child_process.fork under Node, utilityProcess in Electron).
// It runs exactly one job, reports through the port, and exits.
import { CancelledError, JobContext } from './context';
import { isAnyJobKind } from '../shared/jobs-contract';
import { runJobKind } from './jobs';
import { parentPort } from './port';

const port = parentPort();
let ctx: JobContext | null = null;

port.onMessage(async (msg) => {
  if (msg.type === 'cancel') {
    ctx?.requestCancel();
    return;
  }
  if (msg.type !== 'start' || ctx) return;
  ctx = new JobContext(msg.jobId, msg.projectDir, (m) => port.send(m));
  const jobId = msg.jobId;
  try {
    if (!isAnyJobKind(msg.kind)) throw new Error(`unknown job kind "${msg.kind}"`);
    const result = await runJobKind(msg.kind, msg.params, ctx);
    port.send({ type: 'done', jobId, result: result ?? null });
  } catch (e) {
    if (e instanceof CancelledError) port.send({ type: 'cancelled', jobId });
    else port.send({ type: 'error', jobId, message: e instanceof Error ? e.message : String(e), stack: (e as Error)?.stack });
  }
  // Let the last message flush, then leave.
  setTimeout(() => process.exit(0), 50);
});
port.send({ type: 'ready' });
