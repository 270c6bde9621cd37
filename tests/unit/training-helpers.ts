// Helpers of the training backend tests: a backend over a fresh project whose worker launcher is a
// fake (records the jobs it is asked to start and lets the test play the worker's messages), and a
// typed in-process client.
import path from 'node:path';
import { Backend } from '../../src/node/app/backend';
import { inProcessClient } from '../../src/node/app/inprocess';
import type { FromWorker, StartMessage, WorkerHandle, WorkerLauncher } from '../../src/node/jobs/protocol';
import type { Input, MethodName, Output } from '../../src/shared/contract';
import { unwrap } from '../../src/shared/result';

export interface FakeWorker {
  start: StartMessage | null;
  say(m: FromWorker): void;
  exit(code?: number): void;
}

export function fakeLauncher(): { launcher: WorkerLauncher; workers: FakeWorker[] } {
  const workers: FakeWorker[] = [];
  const launcher: WorkerLauncher = () => {
    let onMsg: (m: FromWorker) => void = () => {};
    let onExit: (code: number | null, signal: string | null) => void = () => {};
    const w: FakeWorker = { start: null, say: (m) => onMsg(m), exit: (code = 0) => onExit(code, null) };
    workers.push(w);
    const handle: WorkerHandle = {
      pid: 1,
      send: (m) => {
        if (m.type === 'start') w.start = m;
        if (m.type === 'cancel') setImmediate(() => w.exit(0));
      },
      onMessage: (l) => (onMsg = l),
      onExit: (l) => (onExit = l),
      stderrTail: () => '',
      kill: () => w.exit(137),
    };
    return handle;
  };
  return { launcher, workers };
}

export function fakeBackend(root: string, name: string) {
  const fake = fakeLauncher();
  const backend = new Backend({ transport: 'inprocess', launcher: fake.launcher, cancelGraceMs: 200 });
  const project = backend.openProject(path.join(root, name), true);
  const client = inProcessClient(backend);
  const call = async <M extends MethodName>(m: M, input: Input<M>): Promise<Output<M>> => unwrap(await client.call(m, input)) as Output<M>;
  const fail = async <M extends MethodName>(m: M, input: Input<M>) => {
    const r = await client.call(m, input);
    if (r.ok) throw new Error(`${m} succeeded but was expected to fail`);
    return r.error;
  };
  return { backend, project, db: project.db, call, fail, ...fake };
}
