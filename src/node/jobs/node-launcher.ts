// Starts a worker with child_process.fork under plain Node (CLI, tests, browser mode). The worker is
// TypeScript run through tsx, the same sources the Electron build bundles for utilityProcess.
import { fork } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FromWorker, WorkerHandle, WorkerLauncher } from './protocol';

const here = path.dirname(fileURLToPath(import.meta.url));
export const WORKER_ENTRY = path.resolve(here, '../../worker/main.ts');

export function nodeLauncher(entry = WORKER_ENTRY, env: NodeJS.ProcessEnv = process.env): WorkerLauncher {
  return () => {
    const child = fork(entry, [], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
      serialization: 'advanced',
      env,
    });
    let tail = '';
    child.stderr?.on('data', (d: Buffer) => {
      process.stderr.write(d);
      tail = (tail + d.toString()).slice(-4000);
    });
    return {
      pid: child.pid,
      send: (msg) => {
        if (child.connected) child.send(msg);
      },
      onMessage: (listener) => child.on('message', (m) => listener(m as FromWorker)),
      onExit: (listener) => child.on('exit', (code, signal) => listener(code, signal)),
      stderrTail: () => tail,
      kill: () => {
        child.kill('SIGKILL');
      },
    } satisfies WorkerHandle;
  };
}
