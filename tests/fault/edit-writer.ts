// A second process streaming label edits into a project through the real backend API, as an
// annotator's browser would: prints "ready", then "ack <actionId>" after each edit the backend
// confirmed. The fault-injection harness kills it at random and checks that every acknowledged
// action is in the project.  node --import tsx tests/fault/edit-writer.ts PROJECT MEDIA_ID SEED
import { useSourceWorker } from '../../src/node/app/dev-runtime';
import { Backend } from '../../src/node/app/backend';

useSourceWorker();
const [project, media, seedArg] = process.argv.slice(2);
const mediaId = Number(media);
let seed = Number(seedArg) >>> 0;
const rand = () => {
  seed = (seed * 1664525 + 1013904223) >>> 0;
  return seed / 4294967296;
};

const backend = new Backend({ transport: 'inprocess' });
backend.openProject(project, false);
const h = backend.handlers;
const frames = (await h['media.get']({ mediaId })) as { frameCount: number };
process.stdout.write('ready\n');
for (let i = 0; i < 100_000; i++) {
  const frame = Math.floor(rand() * frames.frameCount);
  const r = (await h['labels.edit']({
    mediaId,
    name: `fault edit ${i}`,
    from: frame,
    to: Math.min(frames.frameCount - 1, frame + Math.floor(rand() * 4)),
    author: 'fault-injection',
    change: { kind: 'expr', value: Math.floor(rand() * 7) },
  })) as { action: { id: number } | null };
  if (r.action) process.stdout.write(`ack ${r.action.id}\n`);
}
