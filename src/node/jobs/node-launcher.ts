// Starts a worker with child_process.fork under plain Node (CLI, tests, browser mode), from the
// entry that runtime-paths.ts names by absolute path: the built worker.js, or the TypeScript source
// through tsx's loader. Never from the current folder.
import { fork } from 'node:child_process';
import { workerEntry, type WorkerEntry } from '../app/runtime-paths';
import type { FromWorker, WorkerHandle, WorkerLauncher } from './protocol';

export function nodeLauncher(entry?: WorkerEntry, env: NodeJS.ProcessEnv = process.env): WorkerLauncher {
  return () => {
    const { file, execArgv } = entry ?? workerEntry();
    const child = fork(file, [], {
      execArgv,
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
