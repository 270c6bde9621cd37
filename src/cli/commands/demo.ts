// `affect-workbench demo` (= `npm run demo`): the whole pipeline on the embedded demo dataset —
// generate synthetic partially-labelled videos, import them, face crops, teacher, soft labels,
// students, ensemble, evaluation — then the paper's Table 2 against the complete truth.
import { Command } from 'commander';
import fs from 'node:fs';
import path from 'node:path';
import cliProgress from 'cli-progress';
import { Project } from '../../node/store/project';
import { listModels } from '../../node/store/models';
import { requireDone, runJob } from '../run-job';
import { formatTruthTable, loadTruth, paperClaims, truthTable } from '../../node/demo/truth-table';

const out = (s: string) => process.stdout.write(s.endsWith('\n') ? s : `${s}\n`);

interface DemoOpts {
  dir: string;
  seed: number;
  videos?: number;
  frames?: number;
  students: number;
  backbone: string;
  inputSize: number;
  teacherEpochs: number;
  studentEpochs: number;
  lr: number;
  batch: number;
  maxSteps?: number;
  freezeBackbone?: boolean;
  force?: boolean;
}

function bar(label: string) {
  if (!process.stderr.isTTY) {
    let last = 0;
    return {
      update: (d: number, t: number) => {
        if (Date.now() - last > 2000 || d === t) {
          last = Date.now();
          process.stderr.write(`${label}: ${d}/${t}\n`);
        }
      },
      stop: () => {},
    };
  }
  const b = new cliProgress.SingleBar({ format: `${label} [{bar}] {percentage}% | {value}/{total} | ETA {eta_formatted}`, stream: process.stderr }, cliProgress.Presets.shades_classic);
  let started = false;
  return {
    update: (d: number, t: number) => {
      if (!started) {
        b.start(t, d);
        started = true;
      }
      b.setTotal(t);
      b.update(d);
    },
    stop: () => started && b.stop(),
  };
}

/** Refuses to overwrite anything but an earlier demo project. */
function prepareDir(dir: string, force?: boolean): void {
  if (!fs.existsSync(dir)) return;
  const isDemo = fs.existsSync(path.join(dir, 'project.sqlite')) && (() => {
    const p = Project.open(dir);
    try {
      return p.meta('demo') === '1';
    } finally {
      p.close();
    }
  })();
  if (!isDemo && fs.readdirSync(dir).length > 0 && !force) {
    throw new Error(`${dir} exists and is not a demo project; choose another --dir (or --force to replace it)`);
  }
  fs.rmSync(dir, { recursive: true, force: true });
}

export async function runDemo(o: DemoOpts): Promise<void> {
  const t0 = Date.now();
  const dir = path.resolve(o.dir);
  prepareDir(dir, o.force);
  const project = Project.create(dir, 'Affect Workbench demo');
  project.db.prepare(`INSERT OR REPLACE INTO meta(key, value) VALUES ('demo', '1')`).run();
  const source = project.path('media', 'demo-source');
  out(`1/6 generating the synthetic demo dataset (seed ${o.seed}) into ${source}`);
  const { generateDemoDataset } = await import('../../node/demo/generate');
  let b = bar('  rendering');
  const manifest = await generateDemoDataset(source, { seed: o.seed, videos: o.videos, framesPerVideo: o.frames, onProgress: b.update });
  b.stop();
  out(`    ${manifest.videos.length} videos, ${manifest.videos.reduce((a, v) => a + v.frames, 0)} frames; each video labelled for some tasks only (partial labels)`);

  out('2/6 importing the Aff-Wild2-format labels and videos');
  const { importAndPrepare } = await import('../../node/importers/service');
  const { formatSummary } = await import('../../node/importers/index');
  b = bar('  importing');
  const imp = await importAndPrepare(
    project,
    'affwild2',
    [path.join(source, 'annotations')],
    { dataset: 'demo', videos: path.join(source, 'videos'), manifest: path.join(source, 'demo.json'), allowLengthMismatch: false },
    (d, t) => b.update(d, t),
  );
  b.stop();
  out(formatSummary(imp.summary).replace(/^/gm, '    '));
  project.close();

  out('3/6 face crops (the demo videos are face-centred, like Aff-Wild2 cropped_aligned)');
  requireDone(await runJob(dir, 'faces', { mediaIds: imp.needFaces, mode: 'aligned' }));

  const train = {
    backbone: o.backbone,
    inputSize: o.inputSize,
    lr: o.lr,
    batch: o.batch,
    seed: o.seed,
    freezeBackbone: o.freezeBackbone !== false,
    ...(o.maxSteps ? { maxStepsPerEpoch: o.maxSteps } : {}),
  };
  out(`4/6 teacher: ${o.backbone} backbone${o.freezeBackbone !== false ? ' (frozen: heads trained on cached features)' : ''} at ${o.inputSize}px, ${o.teacherEpochs} epochs (Eq. 4 on the ground truth each frame has)`);
  const teacher = requireDone(await runJob(dir, 'train.teacher', { ...train, epochs: o.teacherEpochs })) as { modelId: number };
  requireDone(await runJob(dir, 'soft-labels', { model: teacher.modelId }));

  out(`5/6 ${o.students} students on ground truth + the teacher's soft labels (Eq. 7, λ 0.6, T 1.5), then their ensemble`);
  const st = requireDone(await runJob(dir, 'train.students', { ...train, teacher: teacher.modelId, count: o.students, epochs: o.studentEpochs })) as {
    students: { modelId: number }[];
    ensembleId: number;
  };
  for (const s of [...st.students.map((x) => x.modelId), st.ensembleId]) requireDone(await runJob(dir, 'soft-labels', { model: s }, { quiet: true }));

  out('6/6 evaluation against the complete truth the labels only partly revealed');
  const p = Project.open(dir);
  try {
    const frames = loadTruth(p.db, 'demo', source);
    const models = listModels(p.db);
    const test = truthTable(p.db, frames, (f) => f.split === 'test', models);
    const completion = truthTable(p.db, frames, (f, task) => f.split === 'train' && !f.labelled.has(task), models);
    out(formatTruthTable('Test videos (held out), all tasks on every frame — ABAW metrics:', test));
    out(formatTruthTable('Training frames on the tasks they had NO label for (label completion):', completion));
    out('Paper claims on the test videos (students ≥ teacher; ensemble ≥ best student):');
    for (const c of paperClaims(test)) out(`  ${c.task.padEnd(8)} students ≥ teacher: ${c.studentsBeatTeacher}   ensemble ≥ best student: ${c.ensembleBeatsBest ?? '–'}`);
  } finally {
    p.close();
  }
  out(`done in ${((Date.now() - t0) / 1000).toFixed(0)} s. Look at it: npx affect-workbench serve ${path.relative(process.cwd(), dir) || '.'}`);
}

export function registerDemoCommand(program: Command): void {
  const n = (v: string) => Number(v);
  program
    .command('demo')
    .description('the whole pipeline on the embedded synthetic demo dataset (no download needed)')
    .option('--dir <dir>', 'project folder to create (an earlier demo there is replaced)', 'demo-project')
    .option('--seed <n>', 'seed of the dataset and the training', n, 2020)
    .option('--videos <n>', 'number of demo videos (16)', n)
    .option('--frames <n>', 'frames per video (200)', n)
    .option('--students <n>', 'number of students', n, 3)
    .option('--backbone <name>', 'backbone (face: face-api\'s pretrained expression features)', 'face')
    .option('--input-size <px>', 'model input size', n, 112)
    .option('--teacher-epochs <n>', 'teacher epochs', n, 8)
    .option('--student-epochs <n>', 'student epochs', n, 3)
    .option('--lr <x>', 'initial learning rate', n, 1e-3)
    .option('--batch <n>', 'batch size', n, 32)
    .option('--max-steps <n>', 'cap on steps per epoch (quick runs)', n)
    .option('--no-freeze-backbone', 'fine-tune the backbone too (slow on CPU; the default trains the heads on cached features)')
    .option('--force', 'replace a non-demo folder at --dir')
    .action((o: DemoOpts) => runDemo(o));
}
