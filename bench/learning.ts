// Learning-quality benchmark (issue 4): the paper's Table 2 layout on real faces.
//
//   npx tsx bench/learning.ts [--fer DIR] [--per-class N] [--students N] [--seed S]
//
// FER2013 (../shared/data/fer2013-train, 48×48 grey faces with expression labels; development
// data, never committed): a class-balanced sample split into train/val/test folders, imported as
// face crops, then teacher → soft labels → students → ensemble → evaluation on the held-out test
// part. Only EXPR has labels there, so the table's AU/VA columns are empty: the students learn
// those from the teacher's soft labels alone. For the synthetic demo's table (all four tasks, and
// the label-completion view) run `npm run demo`; its numbers are in docs/ARCHITECTURE.md.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Project } from '../src/node/store/project';
import { importAndPrepare } from '../src/node/importers/service';
import { listModels } from '../src/node/store/models';
import { requireDone, runJob } from '../src/cli/run-job';
import { useSourceWorker } from '../src/node/app/dev-runtime';

useSourceWorker(); // jobs start their worker from the TypeScript sources

const args = process.argv.slice(2);
const opt = (name: string, def: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : def;
};
const ferDir = path.resolve(opt('--fer', path.join(import.meta.dirname, '..', '..', 'shared', 'data', 'fer2013-train')));
const perClass = Number(opt('--per-class', '400'));
const students = Number(opt('--students', '3'));
const seed = Number(opt('--seed', '1'));
if (!fs.existsSync(ferDir)) {
  console.error(`FER2013 images not found at ${ferDir} (pass --fer DIR)`);
  process.exit(2);
}

// A deterministic class-balanced sample (disgust has only ~436 images): 70 % train, 10 % val, 20 % test.
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'aw-bench-fer-'));
const src = path.join(work, 'fer');
for (const cls of fs.readdirSync(ferDir).sort()) {
  const files = fs.readdirSync(path.join(ferDir, cls)).sort().slice(0, perClass);
  files.forEach((f, i) => {
    const split = i % 10 < 7 ? 'train' : i % 10 < 8 ? 'val' : 'test';
    fs.mkdirSync(path.join(src, split, cls), { recursive: true });
    fs.symlinkSync(path.join(ferDir, cls, f), path.join(src, split, cls, f));
  });
}
const dir = path.join(work, 'project');
const p = Project.create(dir, 'FER2013 benchmark');
const t0 = Date.now();
const imp = await importAndPrepare(p, 'images', [src], { dataset: 'fer2013' });
p.close();
console.log(`imported ${imp.summary.frames} FER2013 faces in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

const train = { backbone: 'face' as const, freezeBackbone: true, lr: 1e-3, batch: 32, seed };
const quiet = { quiet: true };
const t1 = Date.now();
const teacher = requireDone(await runJob(dir, 'train.teacher', { ...train, epochs: 8 }, quiet)) as { modelId: number };
requireDone(await runJob(dir, 'soft-labels', { model: teacher.modelId }, quiet));
const st = requireDone(await runJob(dir, 'train.students', { ...train, teacher: teacher.modelId, count: students, epochs: 3 }, quiet)) as {
  ensembleId: number;
};
const trainSeconds = (Date.now() - t1) / 1000;

const q = Project.open(dir);
const models = listModels(q.db);
q.close();
const rows: string[] = [];
for (const m of models) {
  const r = requireDone(await runJob(dir, 'evaluate', { model: m.id, split: 'test' }, quiet)) as {
    expr: { score: number; f1: number; acc: number } | null;
    n: { expr: number };
  };
  rows.push(`  ${m.name.padEnd(22)} ${'–'.padStart(7)}  ${r.expr ? r.expr.score.toFixed(4) : '–'}  (F1 ${r.expr?.f1.toFixed(3)}, Acc ${r.expr?.acc.toFixed(3)}, n ${r.n.expr})`);
}
console.log(`\nFER2013, held-out test part — paper Table 2 layout (EXPR = 0.67·F1 + 0.33·Acc); training ${trainSeconds.toFixed(0)} s, ensemble #${st.ensembleId}`);
console.log(`  ${'Methods'.padEnd(22)} ${'FAU'.padStart(7)}  EXPR`);
for (const r of rows) console.log(r);
fs.rmSync(work, { recursive: true, force: true });
