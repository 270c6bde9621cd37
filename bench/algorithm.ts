// Algorithm 1 end to end on real faces (issue 14's target: ≤ 10 minutes on 2 cores): teacher →
// soft labels → N students → ensemble → evaluate, with the pretrained face backbone frozen, through
// the worker jobs the CLI and the app run. Prints each stage's wall time and the feature cache's
// counters (frames whose backbone features were computed vs read back), so a stage that computes
// features it should have read shows at once.
//
//   npm run bench -- algorithm [--fer DIR] [--limit N] [--no-demo] [--epochs 3] [--students 3] [--keep DIR] [--json]
//
// The set (issue 14's): every image of ../shared/data/fer2013-train (28,709 faces; --limit N takes
// the first N per class), 70/10/20 train/val/test per class, plus the embedded demo (16 synthetic
// videos, 3,200 frames labelled for some of AU, expression and VA each: the same steps as
// `affect-workbench demo`), imported once into --keep DIR (reused by later runs; its models are
// deleted first so every run trains from scratch).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Project } from '../src/node/store/project';
import { importAndPrepare } from '../src/node/importers/service';
import { listModels } from '../src/node/store/models';
import { deleteModelChecked } from '../src/node/training/models';
import { requireDone, runJob } from '../src/cli/run-job';
import { useSourceWorker } from '../src/node/app/dev-runtime';
import { emitResult } from './lib/result';
import { addDemoDataset } from '../src/node/demo/run';
import { DEMO_DEFAULTS } from '../src/node/demo/generate';
import { Stages, stageTable } from './lib/stages';
import { FER_DIR, ferSplitTree } from './lib/real-faces';

useSourceWorker();

const args = process.argv.slice(2);
const opt = (name: string, def: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : def;
};
const ferDir = path.resolve(opt('--fer', FER_DIR));
const limit = Number(opt('--limit', '0'));
const epochs = Number(opt('--epochs', '3'));
const students = Number(opt('--students', '3'));
const demo = !args.includes('--no-demo');
const keep = path.resolve(opt('--keep', path.join(os.tmpdir(), `aw-bench-algorithm-${limit || 'all'}${demo ? '-demo' : ''}`)));
if (!fs.existsSync(ferDir)) {
  console.error(`FER2013 images not found at ${ferDir} (pass --fer DIR)`);
  process.exit(2);
}

const dir = path.join(keep, 'project');
if (!fs.existsSync(path.join(dir, 'project.sqlite'))) {
  fs.rmSync(keep, { recursive: true, force: true });
  const src = path.join(keep, 'fer');
  ferSplitTree(ferDir, src, limit);
  const p = Project.create(dir, 'Algorithm 1 benchmark');
  const t0 = Date.now();
  const imp = await importAndPrepare(p, 'images', [src], { dataset: 'fer2013' });
  p.close();
  console.log(`imported ${imp.summary.frames} faces in ${((Date.now() - t0) / 1000).toFixed(1)} s (kept in ${keep})`);
  if (demo) {
    await addDemoDataset(dir, { seed: DEMO_DEFAULTS.seed }, { log: (l) => console.log(l), runJob: async (d, kind, params) => requireDone(await runJob(d, kind, params, { quiet: true })) });
  }
} else {
  const p = Project.open(dir);
  for (const m of listModels(p.db).sort((a, b) => b.id - a.id)) deleteModelChecked(p.db, dir, m.id);
  p.close();
  // The feature cache goes too: the run measures the first pass and its reuse.
  fs.rmSync(path.join(dir, 'cache', 'features.sqlite'), { force: true });
  for (const ext of ['-wal', '-shm']) fs.rmSync(path.join(dir, 'cache', `features.sqlite${ext}`), { force: true });
}

const stages = new Stages();

const train = { backbone: 'face' as const, freezeBackbone: true, epochs, seed: 1 };
const total = Date.now();
const teacher = await stages.run('teacher', async (o) => requireDone(await runJob(dir, 'train.teacher', train, o)));
await stages.run('soft labels', async (o) => requireDone(await runJob(dir, 'soft-labels', { model: teacher.modelId }, o)));
const st = await stages.run(`${students} students + ensemble`, async (o) =>
  requireDone(await runJob(dir, 'train.students', { teacher: teacher.modelId, count: students, epochs }, o)),
);
await stages.run('evaluate (ensemble, test)', async (o) => requireDone(await runJob(dir, 'evaluate', { model: st.ensembleId, split: 'test' }, o)));
const seconds = (Date.now() - total) / 1000;

console.log(`\nAlgorithm 1, face backbone frozen, ${epochs} epochs, ${students} students, ${os.availableParallelism()} cores; FER2013${demo ? ' + the demo' : ''}`);
for (const l of stageTable(stages.list)) console.log(l);
console.log(`  ${'total'.padEnd(28)} ${seconds.toFixed(1).padStart(8)}  (target ≤ 600 s on 2 cores)`);
const counted = Project.open(dir);
const faces = counted.db.prepare('SELECT COUNT(*) FROM frames').pluck().get() as number;
counted.close();
emitResult({ seconds, faces, perClass: limit || null, demo, epochs, students, stages: stages.list });
