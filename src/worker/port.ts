// The worker's message port: Electron utilityProcess exposes process.parentPort; a Node child
// started with fork() uses process.send / process.on('message'). Same protocol either way.
import type { FromWorker, ToWorker } from '../node/jobs/protocol';

interface ParentPort {
  on(event: 'message', listener: (e: { data: unknown }) => void): void;
  postMessage(msg: unknown): void;
}

export interface Port {
  send(msg: FromWorker): void;
  onMessage(listener: (msg: ToWorker) => void): void;
}

export function parentPort(): Port {
  const pp = (process as unknown as { parentPort?: ParentPort }).parentPort;
  if (pp) {
    return { send: (m) => pp.postMessage(m), onMessage: (l) => pp.on('message', (e) => l(e.data as ToWorker)) };
  }
  if (!process.send) throw new Error('worker started without an IPC channel');
  return {
    send: (m) => process.send?.(m),
    onMessage: (l) => process.on('message', (m) => l(m as ToWorker)),
  };
}
