// Engine verbs (scripts rely on these exact names):
//   train teacher DIR [...]   soft-labels DIR --model ID   train students DIR --teacher ID [...]
//   evaluate DIR --model ID|ensemble [--dataset NAME] [--split val|test] [--json]   models DIR [--json]
import { Command, Option } from 'commander';
import { Project } from '../../node/project';
import { listModels } from '../../node/db/models';
import { BACKBONES } from '../../ml/models/types';
import { requireDone, runJob } from '../run-job';
import { formatEvaluation, formatModels } from '../format-engine';

const num = (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n)) throw new Error(`not a number: ${v}`);
  return n;
};
const list = (v: string) => v.split(',').map((s) => s.trim()).filter(Boolean);

interface TrainOpts {
  backbone?: string;
  freezeBackbone?: boolean;
  epochs?: number;
  batch?: number;
  lr?: number;
  seed?: number;
  datasets?: string[];
  balance?: boolean;
  augment?: boolean;
  inputSize?: number;
  maxSteps?: number;
}

function trainOptions(c: Command): Command {
  return c
    .addOption(new Option('--backbone <name>', 'backbone').choices([...BACKBONES]))
    .option('--freeze-backbone', 'train the heads only (backbone features cached once: the fast path on CPU)')
    .option('--epochs <n>', 'epochs (teacher 8, students 3)', num)
    .option('--batch <n>', 'batch size (32)', num)
    .option('--lr <x>', 'initial learning rate (1e-4, ÷10 every 3 epochs)', num)
    .option('--seed <s>', 'seed', num)
    .option('--datasets <a,b>', 'datasets to train on (default: all)', list)
    .option('--no-balance', 'switch off ML-ROS / class / VA-bin balancing')
    .option('--no-augment', 'switch off augmentation')
    .option('--input-size <px>', 'input size (112)', num)
    .option('--max-steps <n>', 'cap on steps per epoch (quick checks)', num);
}

function trainParams(o: TrainOpts): Record<string, unknown> {
  const p: Record<string, unknown> = {};
  if (o.backbone) p.backbone = o.backbone;
  if (o.freezeBackbone) p.freezeBackbone = true;
  if (o.epochs !== undefined) p.epochs = o.epochs;
  if (o.batch !== undefined) p.batch = o.batch;
  if (o.lr !== undefined) p.lr = o.lr;
  if (o.seed !== undefined) p.seed = o.seed;
  if (o.datasets) p.datasets = o.datasets;
  if (o.balance === false) p.balance = { au: false, expr: false, va: false };
  if (o.augment === false) p.augment = false;
  if (o.inputSize !== undefined) p.inputSize = o.inputSize;
  if (o.maxSteps !== undefined) p.maxStepsPerEpoch = o.maxSteps;
  return p;
}

const out = (s: string) => process.stdout.write(s.endsWith('\n') ? s : `${s}\n`);

export function registerEngineCommands(program: Command): void {
  const trainCmd = program.command('train').description('train a teacher or students (runs in a worker process)');
  trainOptions(
    trainCmd
      .command('teacher')
      .description('train the multitask teacher on the ground-truth labels (Eq. 4)')
      .argument('<dir>', 'project folder')
      .option('--resume <id>', 'resume an interrupted teacher from its last checkpoint', num)
      .option('--json', 'print the result as JSON'),
  ).action(async (dir: string, o: TrainOpts & { resume?: number; json?: boolean }) => {
    const params = trainParams(o);
    if (o.resume) params.resume = o.resume;
    const r = requireDone(await runJob(dir, 'train.teacher', params, { quiet: o.json })) as { modelId: number; name: string; val: unknown };
    out(o.json ? JSON.stringify(r, null, 2) : `teacher #${r.modelId} (${r.name}) ready\n${formatEvaluation(r.val)}`);
  });
  trainOptions(
    trainCmd
      .command('students')
      .description('train N students on ground truth + corrections + the teacher\'s soft labels (Eq. 7), then their ensemble')
      .argument('<dir>', 'project folder')
      .requiredOption('--teacher <id>', 'teacher model id')
      .option('--count <n>', 'number of students (5)', num)
      .option('--lambda <x>', 'weight of the ground truth where it exists (0.6)', num)
      .option('--temperature <t>', 'distillation temperature (1.5)', num)
      .option('--resume', 'continue the newest unfinished set of students of this teacher')
      .option('--json', 'print the result as JSON'),
  ).action(async (dir: string, o: TrainOpts & { teacher: string; count?: number; lambda?: number; temperature?: number; resume?: boolean; json?: boolean }) => {
    const params = { ...trainParams(o), teacher: o.teacher } as Record<string, unknown>;
    if (o.count !== undefined) params.count = o.count;
    if (o.lambda !== undefined) params.lambda = o.lambda;
    if (o.temperature !== undefined) params.temperature = o.temperature;
    if (o.resume) params.resume = true;
    const r = requireDone(await runJob(dir, 'train.students', params, { quiet: o.json })) as { students: { modelId: number }[]; ensembleId: number; ensembleVal: unknown };
    out(o.json ? JSON.stringify(r, null, 2) : `students ${r.students.map((s) => `#${s.modelId}`).join(', ')}; ensemble #${r.ensembleId}\n${formatEvaluation(r.ensembleVal)}`);
  });

  program
    .command('soft-labels')
    .description("store a model's outputs (soft labels) for every frame of the chosen datasets")
    .argument('<dir>', 'project folder')
    .requiredOption('--model <id>', 'model id, or teacher/ensemble for the newest')
    .option('--datasets <a,b>', 'datasets (default: all)', list)
    .action(async (dir: string, o: { model: string; datasets?: string[] }) => {
      const r = requireDone(await runJob(dir, 'soft-labels', { model: /^\d+$/.test(o.model) ? Number(o.model) : o.model, datasets: o.datasets ?? [] })) as {
        modelId: number;
        frames: number;
        seconds: number;
      };
      out(`soft labels of model #${r.modelId} for ${r.frames} frames (${(r.frames / Math.max(r.seconds, 1e-9)).toFixed(0)} frames/s)`);
    });

  program
    .command('evaluate')
    .description('ABAW metrics of a model on a dataset and split')
    .argument('<dir>', 'project folder')
    .requiredOption('--model <id>', 'model id, or ensemble (the newest ensemble) / teacher')
    .option('--dataset <name>', 'dataset (default: all)')
    .addOption(new Option('--split <split>', 'split').choices(['train', 'val', 'test']).default('val'))
    .option('--json', 'print one JSON document')
    .action(async (dir: string, o: { model: string; dataset?: string; split: string; json?: boolean }) => {
      const params: Record<string, unknown> = { model: /^\d+$/.test(o.model) ? Number(o.model) : o.model, split: o.split };
      if (o.dataset) params.dataset = o.dataset;
      const r = requireDone(await runJob(dir, 'evaluate', params, { quiet: o.json }));
      out(o.json ? JSON.stringify(r, null, 2) : formatEvaluation(r));
    });

  program
    .command('models')
    .description('the models of a project')
    .argument('<dir>', 'project folder')
    .option('--json', 'print one JSON document')
    .action((dir: string, o: { json?: boolean }) => {
      const p = Project.open(dir);
      try {
        const models = listModels(p.db);
        out(o.json ? JSON.stringify(models, null, 2) : formatModels(models));
      } finally {
        p.close();
      }
    });
}
