// CNN vs CNN-RNN on the demo videos: the paper's Table 2 (CNN) and Table 3 (CNN-RNN) side by side,
// scored against the demo's complete truth (which the imported labels only partly reveal).
//
//   npx tsx bench/rnn.ts [--dir DIR] [--videos 16] [--frames 200] [--students 3] [--seed 2020]
//                        [--teacher-epochs 8] [--student-epochs 3] [--lr 1e-3] [--rnn-batch 8]
//                        [--rnn-teacher-epochs N] [--rnn-student-epochs N] [--reuse]
//
// 1. the demo's CNN pipeline (`affect-workbench demo`: generate, import, face crops, face-backbone
//    teacher, soft labels, students, ensemble) into DIR (a temporary folder by default);
// 2. the CNN-RNN on the features of the best CNN student (the paper's choice): teacher, soft
//    labels, students, ensemble, soft labels of every model. The demo is tiny next to Aff-Wild2
//    (a few hundred training windows), so at the paper's 3 epochs the GRUs would get a handful of
//    Adam steps; by default the CNN-RNN gets as many steps as the CNN it is compared with (epochs
//    chosen from the CNN's recorded steps, the ÷10 learning-rate steps scaled alike);
// 3. one table per view (held-out test videos; training frames on the tasks they had no label for)
//    with both architectures' rows, stored for the Results tab, and the CNN-RNN's timings.
// --reuse skips step 1 when DIR already holds a finished demo project.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runDemo } from '../src/cli/commands/demo';
import { generateSoftLabels } from '../src/node/training/engine/pipeline';
import { trainRnnStudents, trainRnnTeacher } from '../src/node/training/engine/rnn-pipeline';
import { loadTruth, storeTruthEvaluations, TRUTH_VIEWS, truthEvaluations } from '../src/node/demo/truth-table';
import { DEMO_DATASET, demoTables } from '../src/node/demo/run';
import { formatTable2 } from '../src/cli/format-engine';
import type { EngineHooks } from '../src/node/training/engine/context';
import { listModels, type ModelRow } from '../src/node/store/models';
import { Project } from '../src/node/store/project';
import { loadSamples } from '../src/node/labels/samples';
import { sequencesOf, windowsOf } from '../src/ml/rnn/windows';
import { RNN_TRAIN_STRIDE, RNN_WINDOW } from '../src/shared/rnn-config';
import { useSourceWorker } from '../src/node/app/dev-runtime';

useSourceWorker(); // jobs start their worker from the TypeScript sources

function arg(name: string, def?: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : def;
}
const num = (name: string, def: number) => Number(arg(name, String(def)));
const flag = (name: string) => process.argv.includes(`--${name}`);

const dir = path.resolve(arg('dir') ?? fs.mkdtempSync(path.join(os.tmpdir(), 'aw-bench-rnn-')));
const seed = num('seed', 2020);
const students = num('students', 3);
const lr = num('lr', 1e-3);
const rnnBatch = num('rnn-batch', 8);

const stageTimes: [string, number][] = [];
async function timed<T>(label: string, fn: () => Promise<T>): Promise<T> {
  const t0 = Date.now();
  const r = await fn();
  stageTimes.push([label, (Date.now() - t0) / 1000]);
  return r;
}

const hooks: EngineHooks = {
  progress() {},
  log: (line, level) => process.stderr.write(`    ${level && level !== 'info' ? `${level}: ` : ''}${line}\n`),
  checkpoint: async () => {},
};

/** Adam steps and epochs a CNN model's training recorded (model.json meta.history). */
function stepsOf(m: ModelRow): { steps: number; epochs: number } {
  const meta = JSON.parse(fs.readFileSync(path.join(dir, 'models', String(m.id), 'model.json'), 'utf8')) as { meta: { history?: { steps: number }[] } };
  const h = meta.meta.history ?? [];
  return { steps: h.reduce((a, e) => a + e.steps, 0), epochs: h.length };
}

/** RNN epochs (and lr step) giving about `steps` Adam steps with `perEpoch` steps an epoch. */
function matched(steps: number, epochs: number, perEpoch: number): { epochs: number; lrStepEpochs: number } {
  const e = Math.max(1, Math.round(steps / perEpoch));
  return { epochs: e, lrStepEpochs: Math.max(1, Math.round((e * 3) / Math.max(1, epochs))) };
}

async function main(): Promise<void> {
  const done = flag('reuse') && fs.existsSync(path.join(dir, 'project.sqlite'));
  if (!done) {
    await timed('CNN demo pipeline (generate, import, crops, teacher, students)', () =>
      runDemo({
        dir,
        seed,
        videos: arg('videos') ? num('videos', 16) : undefined,
        frames: arg('frames') ? num('frames', 200) : undefined,
        students,
        backbone: 'face',
        inputSize: 112,
        teacherEpochs: num('teacher-epochs', 8),
        studentEpochs: num('student-epochs', 3),
        lr,
        batch: 32,
        freezeBackbone: true,
        force: true,
      }),
    );
  }
  // Matched schedules: training windows per epoch, and the CNN's recorded steps.
  const plan = (() => {
    const p = Project.open(dir);
    try {
      const s = loadSamples(p.db, { datasets: ['demo'], splits: ['train'] });
      const labelled = (r: number) => s.expr[r] >= 0 || !Number.isNaN(s.valence[r]) || Array.from(s.au.subarray(r * 8, r * 8 + 8)).some((v) => v >= 0);
      const windows = windowsOf(sequencesOf(s, () => true), RNN_WINDOW, RNN_TRAIN_STRIDE).filter((w) => Array.from(w.rows).some(labelled)).length;
      const perEpoch = Math.ceil(windows / rnnBatch);
      const cnn = listModels(p.db).filter((m) => m.arch === 'cnn' && m.status === 'ready');
      const t = stepsOf(cnn.find((m) => m.kind === 'teacher')!);
      const st = stepsOf(cnn.find((m) => m.kind === 'student')!);
      const te = arg('rnn-teacher-epochs') ? { epochs: num('rnn-teacher-epochs', 3), lrStepEpochs: 3 } : matched(t.steps, t.epochs, perEpoch);
      const se = arg('rnn-student-epochs') ? { epochs: num('rnn-student-epochs', 3), lrStepEpochs: 3 } : matched(st.steps, st.epochs, perEpoch);
      console.log(
        `\nCNN-RNN on the best CNN student's features: ${windows} training windows (${RNN_WINDOW} frames, stride ${RNN_TRAIN_STRIDE}), batch ${rnnBatch} → ${perEpoch} steps/epoch;\n` +
          `  teacher ${te.epochs} epochs (÷10 every ${te.lrStepEpochs}; CNN teacher: ${t.steps} steps in ${t.epochs} epochs), ` +
          `students ${se.epochs} epochs (÷10 every ${se.lrStepEpochs}; CNN student: ${st.steps} steps in ${st.epochs} epochs)`,
      );
      return { te, se };
    } finally {
      p.close();
    }
  })();
  const common = { lr, seed, batch: rnnBatch };
  const teacher = await timed('CNN-RNN teacher (incl. feature caching)', () => trainRnnTeacher(dir, { ...common, ...plan.te }, hooks));
  console.log(`  teacher #${teacher.modelId} on features of model #${teacher.featuresFrom}`);
  await timed('CNN-RNN teacher soft labels', () => generateSoftLabels(dir, { model: teacher.modelId }, hooks));
  const st = await timed(`CNN-RNN ${students} students + ensemble`, () =>
    trainRnnStudents(dir, { ...common, ...plan.se, teacher: teacher.modelId, count: students }, hooks),
  );
  await timed('CNN-RNN students/ensemble soft labels', async () => {
    for (const id of [...st.students.map((s) => s.modelId), st.ensembleId]) await generateSoftLabels(dir, { model: id }, hooks);
  });

  const p = Project.open(dir);
  try {
    const source = p.path('media', 'demo-source');
    const frames = loadTruth(p.db, DEMO_DATASET, source);
    const models = listModels(p.db).filter((m) => m.arch === 'cnn' || m.id === teacher.modelId || m.id === st.ensembleId || st.students.some((s) => s.modelId === m.id));
    // Stored like the demo's, so the Results tab shows the CNN and CNN-RNN rows side by side.
    for (const view of Object.values(TRUTH_VIEWS)) storeTruthEvaluations(p.db, truthEvaluations(p.db, frames, DEMO_DATASET, view, models));
    const shown = new Set(models.map((m) => m.id));
    for (const t of demoTables(p.db).filter((x) => x.reference === 'complete-truth')) console.log(`\n${formatTable2({ ...t, rows: t.rows.filter((r) => shown.has(r.modelId)) })}`);
    console.log(`\nCNN-RNN teacher: ${teacher.epochs} epochs; validation (tuned AU thresholds): AU ${teacher.val?.au?.score?.toFixed(4) ?? '–'}, EXPR ${teacher.val?.expr?.score?.toFixed(4) ?? '–'}`);
  } finally {
    p.close();
  }
  console.log('\nTimes (s):');
  for (const [label, s] of stageTimes) console.log(`  ${label.padEnd(64)} ${s.toFixed(1)}`);
  console.log(`project: ${dir}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
