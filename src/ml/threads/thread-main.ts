// Entry of a learning worker thread (./pool.ts starts it): its own TensorFlow.js engine and wasm
// instance, requests answered one at a time (./protocol.ts): backbone features or whole-net records
// of a net it was given, a whole model trained by its architecture's trainer (./train-runs.ts sends those), or the
// steps of a data-parallel replica (./replicas.ts).
import { parentPort, type MessagePort } from 'node:worker_threads';
import { initBackend, tf, type BackendName } from '../backend';
import { backboneKey, disposeNet, extractFeatures, forward, type MultitaskNet } from '../models';
import { recordsOf } from '../train/batch';
import { netFromTransfer } from './net-transfer';
import { archTrainer, trainModel } from '../train/archs';
import type { FromThread, ThreadEvent, ToThread } from './protocol';
import { ThreadReplica } from './replicas';

if (!parentPort) throw new Error('thread-main.ts runs as a worker thread');
const port: MessagePort = parentPort;
let net: MultitaskNet | null = null;
let replica: ThreadReplica | null = null;

/** This thread's engine on the backend the caller runs (each request names it; initialising twice is a no-op). */
async function useBackend(backend: BackendName): Promise<string> {
  const info = await initBackend({ prefer: backend, threads: 1 });
  if (info.name !== backend) throw new Error(`learning thread runs ${info.name}, not ${backend}`);
  return info.name;
}

async function handle(m: ToThread): Promise<{ reply: FromThread; transfer?: ArrayBuffer[] }> {
  switch (m.type) {
    case 'hello':
      return { reply: { type: 'hello' } };
    case 'load': {
      const backend = await useBackend(m.backend);
      if (net) disposeNet(net);
      net = await netFromTransfer(m.net);
      return { reply: { type: 'loaded', key: backboneKey(net), backend } };
    }
    case 'features': {
      if (!net) throw new Error('no net loaded in this learning thread');
      const size = net.config.inputSize;
      const x = tf.tensor4d(m.x, [m.n, size, size, 3]);
      const f = extractFeatures(net, x);
      const data = (await f.data()) as Float32Array;
      tf.dispose([x, f]);
      return { reply: { type: 'features', data }, transfer: [data.buffer as ArrayBuffer] };
    }
    case 'records': {
      if (!net) throw new Error('no net loaded in this learning thread');
      const size = net.config.inputSize;
      const x = tf.tensor4d(m.x, [m.n, size, size, 3]);
      const o = tf.tidy(() => forward(net!.model, x, { training: false }));
      const data = await recordsOf(o);
      tf.dispose([x, o.au, o.expr, o.v, o.a]);
      return { reply: { type: 'records', data }, transfer: [data.buffer as ArrayBuffer] };
    }
    case 'train': {
      await useBackend(m.backend);
      const trainer = archTrainer(m.arch);
      if (!trainer.fromPortable) throw new Error(`the ${m.arch} trainer does not train in learning threads`);
      const say = (e: ThreadEvent) => port.postMessage(e satisfies FromThread);
      // Progress at most every 200 ms (a step takes ~20 ms on cached features); the last step's always.
      let last = 0;
      const r = await trainModel(trainer, trainer.fromPortable(m.input), {
        progress(done, total, stage, metrics) {
          const now = performance.now();
          if (done < total && now - last < 200) return;
          last = now;
          say({ type: 'progress', done, total, stage, ...(metrics ? { metrics } : {}) });
        },
        log: (line) => say({ type: 'log', line }),
        checkpoint: async () => {},
        epochDone: (epoch, metrics) => say({ type: 'epoch', epoch, metrics }),
      });
      trainer.dispose(r.net);
      const { net: _net, ...result } = r;
      return { reply: { type: 'trained', result } };
    }
    case 'replica': {
      await useBackend(m.backend);
      const trainer = archTrainer(m.join.arch);
      if (!trainer.replica) throw new Error(`the ${m.join.arch} trainer has no data-parallel replicas`);
      replica?.dispose();
      replica = new ThreadReplica(await trainer.replica(m.join.spec), m.join);
      return { reply: { type: 'replica' } };
    }
    case 'replica-step': {
      if (!replica) throw new Error('this learning thread is no replica');
      replica.step(m.batch, m.members);
      return { reply: { type: 'replica-step' } };
    }
  }
}

port.on('message', (m: ToThread) => {
  handle(m).then(
    ({ reply, transfer }) => port.postMessage(reply, transfer ?? []),
    (e: unknown) => port.postMessage({ type: 'error', message: e instanceof Error ? e.message : String(e) } satisfies FromThread),
  );
});
