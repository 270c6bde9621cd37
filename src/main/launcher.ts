// Worker processes in the desktop app: Electron utilityProcess, behind the same WorkerHandle as
// child_process.fork under Node.
import { utilityProcess } from 'electron';
import type { FromWorker, WorkerHandle, WorkerLauncher } from '../node/jobs/protocol';

export function utilityLauncher(entry: string): WorkerLauncher {
  return () => {
    const child = utilityProcess.fork(entry, [], { stdio: 'pipe', serviceName: 'Affect Workbench worker' });
    let tail = '';
    child.stderr?.on('data', (d: Buffer) => {
      tail = (tail + d.toString()).slice(-4000);
    });
    return {
      get pid() {
        return child.pid;
      },
      send: (msg) => child.postMessage(msg),
      onMessage: (listener) => child.on('message', (m) => listener(m as FromWorker)),
      onExit: (listener) => child.on('exit', (code) => listener(code, null)),
      stderrTail: () => tail,
      kill: () => {
        child.kill();
      },
    } satisfies WorkerHandle;
  };
}
