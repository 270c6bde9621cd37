// Entry of the worker process (child_process.fork under Node, utilityProcess in Electron).
// It runs exactly one job, reports through the port, and exits.
import { CancelledError, JobContext } from './context';
import { isAnyJobKind } from '../shared/jobs-contract';
import { runJobKind } from './jobs';
import { parentPort } from './port';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { configureThreadEntry } from '../base/threads';
import { THREAD_ENTRIES } from './thread-entries';

// Worker threads (learning threads, face threads: ./thread-entries.ts): built (out/main/worker.js),
// from the <name>.js files built beside it; from the TypeScript sources, through the development
// bootstrap, imported by path so that no bundle contains it.
const here = fileURLToPath(import.meta.url);
if (!here.endsWith('.ts')) for (const name of Object.keys(THREAD_ENTRIES)) configureThreadEntry(name, { file: path.join(path.dirname(here), `${name}.js`) });
else {
  const dev = (await import(/* @vite-ignore */ pathToFileURL(path.join(path.dirname(here), 'dev-threads.ts')).href)) as typeof import('./dev-threads');
  dev.useSourceThreads();
}

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
