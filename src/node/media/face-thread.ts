// Entry of a face thread (./face-threads.ts starts it, by the name 'face-thread'): its own
// TensorFlow.js engine with the face models loaded, running one segment of a media item's frames
// at a time (./face-segment.ts) and posting each batch's outcomes as they come; the job's thread
// stores them. It touches no database and no cache.
import { parentPort, type MessagePort } from 'node:worker_threads';
import { loadFaceModels, type FaceModels } from './faceapi';
import { segmentOutcomes, type DetectorRuns } from './face-segment';
import { outcomeBuffers, type FromFaceThread, type ToFaceThread } from './face-threads';

if (!parentPort) throw new Error('face-thread.ts runs as a worker thread');
const port: MessagePort = parentPort;
let models: FaceModels | null = null;
const say = (m: FromFaceThread, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);

async function handle(m: ToFaceThread): Promise<void> {
  if (m.type === 'init') {
    models = await loadFaceModels({ threads: 1, prefer: m.backend });
    say({ type: 'ready', backend: models.backend });
    return;
  }
  if (!models) throw new Error('face thread: a segment before init');
  const runs: DetectorRuns = { ssd: 0, tinyRegion: 0, tinyFull: 0 };
  for await (const outcomes of segmentOutcomes(m.source, m.frames, models, m.options, runs)) {
    say({ type: 'batch', outcomes }, outcomeBuffers(outcomes));
  }
  say({ type: 'done', runs });
}

port.on('message', (m: ToFaceThread) => {
  handle(m).catch((e: unknown) => say({ type: 'error', message: e instanceof Error ? e.message : String(e) }));
});
