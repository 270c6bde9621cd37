// Engine verbs (scripts rely on these exact names):
//   train teacher DIR [...]   soft-labels DIR --model ID   train students DIR --teacher ID [...]
//   evaluate DIR --model ID|ensemble [--dataset NAME] [--split val|test] [--json]   models DIR [--json]
//   train teacher DIR --model-type cnn-rnn [--features-from ID]: the CNN-RNN (job train.rnn-teacher);
//   train students DIR --teacher ID of a CNN-RNN teacher runs train.rnn-students.
//   train teacher DIR --resume JOB_ID, train students DIR --resume JOB_ID: continue an interrupted,
//   cancelled or failed training run (CNN or CNN-RNN) from its checkpoint, by its job id, the same
//   id runs.resume and the dashboard use (resolved by resumeJob in src/node/training/runs.ts).
import { Command, InvalidArgumentError, Option } from 'commander';
import { Project } from '../../node/store/project';
import { listModels, resolveModelRef } from '../../node/store/models';
import { STUDENT_RUNS, TEACHER_RUNS, type ResumableKind } from '../../node/training/runs';
import type { JobParamsInput } from '../../shared/jobs-contract';
import { SPLITS, type Split } from '../../shared/labels';
import { MODEL_TYPES, RNN_INPUTS, RNN_STUDENT_TARGETS, type RnnTrainConfigInput } from '../../shared/rnn-config';
import { AppError } from '../../shared/result';
import {
  AU_THRESHOLDS,
  TTA_MODES,
  type TtaMode,
  BATCHINGS,
  DEFAULT_BACKBONE,
  STUDENT_TASK_WEIGHTS,
  VA_BALANCE_MODES,
  STUDENT_COUNT,
  STUDENT_EPOCHS,
  TEACHER_EPOCHS,
  TRAIN_BACKBONES,
  TrainConfig,
  parseLambda,
  parseTemperature,
  studentModelSettings,
  type Lambda,
  type Temperature,
  type TrainBlocks,
  trainConfigIssues,
  type TrainBackbone,
  type TrainConfigInput,
} from '../../shared/train-config';
import { epochFrames, estimateText, isPretrained } from '../../shared/train-estimate';
import { projectInfo } from '../../node/store/info';
import { requireDone, resumeRun, runJobResult } from '../run-job';
import { formatEvaluation, formatModels } from '../format-engine';

const num = (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n)) throw new InvalidArgumentError(`not a number: ${v}`);
  return n;
};
const jobIdArg = (v: string) => {
  if (!/^\d+$/.test(v) || Number(v) < 1) throw new InvalidArgumentError(`not a job id: ${v} (the # of a run in the Jobs list, or in the message of the run that stopped)`);
  return Number(v);
};
/** `--train-blocks`: a count of the backbone's last blocks, or all. */
const trainBlocksArg = (v: string): TrainBlocks => {
  if (v === 'all') return 'all';
  if (!/^\d+$/.test(v)) throw new InvalidArgumentError(`not a block count: ${v} (0–4, or all)`);
  return Number(v);
};
/** `--lambda` / `--temperature`: one number, or TASK=VALUE for every task. */
const perTaskArg = <T>(parse: (text: string) => T) => (v: string) => {
  try {
    return parse(v);
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
};
/** A mistake on the command line, said in one line. */
const usage = (message: string) => new AppError('invalid-input', message);
const list = (v: string) => v.split(',').map((s) => s.trim()).filter(Boolean);
/** A model on the command line: its id, or a name such as teacher / ensemble. */
const modelRef = (v: string): number | string => (/^\d+$/.test(v) ? Number(v) : v);

interface TrainOpts {
  /** One of TRAIN_BACKBONES (commander's choices refuse anything else). */
  backbone?: TrainBackbone;
  freezeBackbone?: boolean;
  trainBlocks?: TrainBlocks;
  backboneLrScale?: number;
  headDropout?: number;
  epochs?: number;
  batch?: number;
  lr?: number;
  seed?: number;
  datasets?: string[];
  balance?: boolean;
  augment?: boolean;
  inputSize?: number;
  featureMaps?: number;
  maxSteps?: number;
  modelType?: (typeof MODEL_TYPES)[number];
  featuresFrom?: string;
  window?: number;
  stride?: number;
  evalStride?: number;
  hidden?: number;
  batching?: (typeof BATCHINGS)[number];
  studentTaskWeights?: (typeof STUDENT_TASK_WEIGHTS)[number];
  auThresholds?: (typeof AU_THRESHOLDS)[number];
  tta?: TtaMode;
  vaBalance?: (typeof VA_BALANCE_MODES)[number];
  rnnInput?: (typeof RNN_INPUTS)[number];
  reluAfterGru?: boolean;
  studentTargets?: (typeof RNN_STUDENT_TARGETS)[number];
  /** Students only. */
  bagging?: boolean;
}

function trainOptions(c: Command): Command {
  return c
    .addOption(
      new Option('--backbone <name>', `backbone (default ${DEFAULT_BACKBONE}: face-api's expression net, pretrained, 112 px; the others start from random weights, and the time estimate is printed first)`).choices([
        ...TRAIN_BACKBONES,
      ]),
    )
    .option('--freeze-backbone', 'train the heads only (backbone features cached once: the fast path on CPU; pretrained backbones only). Students: as their teacher unless given')
    .option('--no-freeze-backbone', "fine-tune the backbone (students of a frozen teacher: instead of the teacher's freezing)")
    .option('--train-blocks <n>', "fine-tune only the backbone's last n blocks (face: its 4 dense blocks; ResNets: their 4 stages), or all (the default unless frozen); 0 is --freeze-backbone", trainBlocksArg)
    .option('--backbone-lr-scale <x>', "the trained backbone layers learn at lr × x (1; e.g. 0.1), the heads at lr", num)
    .option('--head-dropout <p>', "dropout before each head's last layer, training only (0)", num)
    .option('--epochs <n>', 'epochs (teacher 8, students 3)', num)
    .option('--batch <n>', 'batch size (32)', num)
    .option('--lr <x>', 'initial learning rate (1e-4, ÷10 every 3 epochs)', num)
    .option('--seed <s>', 'seed', num)
    .option('--datasets <a,b>', 'datasets to train on (default: all)', list)
    .option('--no-balance', 'switch off ML-ROS / class / VA-bin balancing')
    .option('--no-augment', 'switch off augmentation')
    .option('--input-size <px>', 'input size (112; students: their teacher\'s)', num)
    .option('--feature-maps <n>', "how many of the backbone's last stage maps are pooled into its features (1: the last, the paper's; students: their teacher's)", num)
    .option('--max-steps <n>', 'cap on steps per epoch (quick checks)', num)
    .addOption(new Option('--model-type <type>', 'cnn, or cnn-rnn (bidirectional GRUs over frozen CNN features; video media only)').choices([...MODEL_TYPES]))
    .option('--window <n>', 'cnn-rnn: frames per window (32)', num)
    .option('--stride <n>', 'cnn-rnn: training window stride (16)', num)
    .option('--eval-stride <n>', 'cnn-rnn: evaluation window stride (32; overlaps are averaged)', num)
    .option('--hidden <n>', 'cnn-rnn: GRU units per direction (64)', num)
    // Where we may differ from the paper, its way is the default; the earlier behaviour stays by name (docs/ARCHITECTURE.md "Paper vs here").
    .addOption(new Option('--batching <how>', 'per-task: a fixed share of every task each step (the reference); proportional: tasks in proportion to their pools').choices([...BATCHINGS]))
    .addOption(new Option('--student-task-weights <w>', "students' loss: none (Eq. 7) or teacher (Eq. 4's weights, AU ×8)").choices([...STUDENT_TASK_WEIGHTS]))
    .addOption(new Option('--au-thresholds <t>', 'half: AU decisions at 0.5 (the paper); tuned: per AU on the validation split').choices([...AU_THRESHOLDS]))
    .addOption(new Option('--tta <mode>', 'test-time augmentation of every inference of the model: none, or flip (the mean of the face and its mirror image)').choices([...TTA_MODES]))
    .addOption(new Option('--va-balance <mode>', 'VA balancing: marginals (valence and arousal bins each even), cells (2-D bins), valence, arousal').choices([...VA_BALANCE_MODES]))
    .addOption(new Option('--rnn-input <what>', "cnn-rnn: head-embedding (each task's 128-d head features, the reference) or backbone").choices([...RNN_INPUTS]))
    .option('--no-relu-after-gru', 'cnn-rnn: no ReLU between the GRU and the output layer (the reference has one)')
    .addOption(new Option('--student-targets <from>', "cnn-rnn students: own-windows (the teacher runs on the student's windows, the reference) or stored soft labels").choices([...RNN_STUDENT_TARGETS]));
}

/** Job params of a CNN-RNN run (teacher or students); the CNN-only options are refused rather than ignored. */
function rnnParams(o: TrainOpts): Omit<RnnTrainConfigInput, 'featuresFrom'> {
  const cnnOnly: [keyof TrainOpts, string, unknown][] = [
    ['backbone', '--backbone', undefined],
    ['freezeBackbone', '--freeze-backbone', undefined],
    ['trainBlocks', '--train-blocks', undefined],
    ['backboneLrScale', '--backbone-lr-scale', undefined],
    ['headDropout', '--head-dropout', undefined],
    ['bagging', '--bagging', undefined],
    ['inputSize', '--input-size', undefined],
    ['featureMaps', '--feature-maps', undefined],
    ['balance', '--no-balance', true],
    ['augment', '--no-augment', true],
    ['tta', '--tta', undefined],
    ['batching', '--batching', undefined],
    ['vaBalance', '--va-balance', undefined],
  ];
  for (const [k, flag, unset] of cnnOnly) if (o[k] !== unset && o[k] !== undefined) throw usage(`${flag} does not apply to --model-type cnn-rnn (its CNN is frozen; see --features-from)`);
  const p: Omit<RnnTrainConfigInput, 'featuresFrom'> = {};
  if (o.epochs !== undefined) p.epochs = o.epochs;
  if (o.batch !== undefined) p.batch = o.batch;
  if (o.lr !== undefined) p.lr = o.lr;
  if (o.seed !== undefined) p.seed = o.seed;
  if (o.datasets) p.datasets = o.datasets;
  if (o.maxSteps !== undefined) p.maxStepsPerEpoch = o.maxSteps;
  if (o.window !== undefined) p.window = o.window;
  if (o.stride !== undefined) p.trainStride = o.stride;
  if (o.evalStride !== undefined) p.evalStride = o.evalStride;
  if (o.hidden !== undefined) p.hidden = o.hidden;
  if (o.studentTaskWeights) p.studentTaskWeights = o.studentTaskWeights;
  if (o.auThresholds) p.auThresholds = o.auThresholds;
  if (o.rnnInput) p.rnnInput = o.rnnInput;
  if (o.reluAfterGru === false) p.reluAfterGru = false;
  if (o.studentTargets) p.studentTargets = o.studentTargets;
  return p;
}

const RNN_ONLY: [keyof TrainOpts, string][] = [
  ['featuresFrom', '--features-from'],
  ['rnnInput', '--rnn-input'],
  ['studentTargets', '--student-targets'],
  ['window', '--window'],
  ['stride', '--stride'],
  ['evalStride', '--eval-stride'],
  ['hidden', '--hidden'],
];

function refuseRnnOnly(o: TrainOpts): void {
  for (const [k, flag] of RNN_ONLY) if (o[k] !== undefined) throw usage(`${flag} needs --model-type cnn-rnn`);
  if (o.reluAfterGru === false) throw usage('--no-relu-after-gru needs --model-type cnn-rnn');
}

/** Options that set up a new run; a resumed run continues with the settings of the run it resumes. */
const NEW_RUN_ONLY: [string, string, unknown?][] = [
  ['backbone', '--backbone'],
  ['freezeBackbone', '--freeze-backbone'],
  ['trainBlocks', '--train-blocks'],
  ['backboneLrScale', '--backbone-lr-scale'],
  ['headDropout', '--head-dropout'],
  ['bagging', '--bagging'],
  ['epochs', '--epochs'],
  ['batch', '--batch'],
  ['lr', '--lr'],
  ['seed', '--seed'],
  ['datasets', '--datasets'],
  ['balance', '--no-balance', true],
  ['augment', '--no-augment', true],
  ['inputSize', '--input-size'],
  ['featureMaps', '--feature-maps'],
  ['maxSteps', '--max-steps'],
  ['featuresFrom', '--features-from'],
  ['window', '--window'],
  ['stride', '--stride'],
  ['evalStride', '--eval-stride'],
  ['hidden', '--hidden'],
  ['batching', '--batching'],
  ['studentTaskWeights', '--student-task-weights'],
  ['auThresholds', '--au-thresholds'],
  ['tta', '--tta'],
  ['vaBalance', '--va-balance'],
  ['rnnInput', '--rnn-input'],
  ['reluAfterGru', '--no-relu-after-gru', true],
  ['studentTargets', '--student-targets'],
  ['count', '--count'],
  ['lambda', '--lambda'],
  ['temperature', '--temperature'],
];

function refuseWithResume(o: Record<string, unknown>, jobId: number): void {
  for (const [k, flag, unset] of NEW_RUN_ONLY) {
    if (o[k] !== undefined && o[k] !== unset) throw usage(`${flag} does not go with --resume: job #${jobId} continues with the settings it was started with`);
  }
}

/** The training kinds `--resume` of a verb accepts: its role's (TEACHER_RUNS or STUDENT_RUNS), narrowed by --model-type when given. */
function ofModelType<K extends ResumableKind>(kinds: readonly K[], modelType: TrainOpts['modelType']): K[] {
  return modelType === undefined ? [...kinds] : kinds.filter((k) => k.includes('rnn-') === (modelType === 'cnn-rnn'));
}
const resumeKinds = (role: 'teacher' | 'students', modelType: TrainOpts['modelType']): readonly ResumableKind[] =>
  role === 'teacher' ? ofModelType(TEACHER_RUNS, modelType) : ofModelType(STUDENT_RUNS, modelType);

/** Refuses a run `train <role> --resume JOB_ID` does not resume, saying which verb does. */
function acceptKinds(jobId: number, role: 'teacher' | 'students', modelType: TrainOpts['modelType']) {
  const kinds = resumeKinds(role, modelType);
  return (kind: ResumableKind) => {
    if (kinds.includes(kind)) return;
    const other = role === 'teacher' ? 'students' : 'teacher';
    const hint = resumeKinds(other, undefined).includes(kind)
      ? `: resume it with \`train ${other} DIR --resume ${jobId}\``
      : resumeKinds(role, undefined).includes(kind)
        ? ' (leave out --model-type: a resumed run keeps its own)'
        : '';
    throw usage(`job #${jobId} is a ${kind} job, not ${kinds.join(' or ')}${hint}`);
  };
}

/** A teacher's architecture (students follow it unless --model-type says) and stored config (students inherit its model settings). */
function teacherOf(dir: string, ref: string): { arch: string; backbone: string | null; config: Record<string, unknown> } {
  const p = Project.open(dir);
  try {
    const m = resolveModelRef(p.db, /^\d+$/.test(ref) ? Number(ref) : ref);
    return { arch: m.arch, backbone: m.backbone, config: m.config };
  } finally {
    p.close();
  }
}

/** The cross-field rules (trainConfigIssues) on a CNN run's params, refused in one line before a worker starts. */
function refuseInconsistent(p: TrainConfigInput): void {
  const issue = trainConfigIssues(TrainConfig.parse(p))[0];
  if (issue) throw usage(issue.message);
}

function trainParams(o: TrainOpts): TrainConfigInput {
  const p: TrainConfigInput = {};
  if (o.backbone) p.backbone = o.backbone;
  if (o.freezeBackbone !== undefined) p.freezeBackbone = o.freezeBackbone;
  if (o.trainBlocks !== undefined) p.trainBlocks = o.trainBlocks;
  if (o.backboneLrScale !== undefined) p.backboneLrScale = o.backboneLrScale;
  if (o.headDropout !== undefined) p.headDropout = o.headDropout;
  if (o.bagging) p.bagging = true;
  if (o.epochs !== undefined) p.epochs = o.epochs;
  if (o.batch !== undefined) p.batch = o.batch;
  if (o.lr !== undefined) p.lr = o.lr;
  if (o.seed !== undefined) p.seed = o.seed;
  if (o.datasets) p.datasets = o.datasets;
  if (o.balance === false) p.balance = { au: false, expr: false, va: false };
  if (o.augment === false) p.augment = false;
  if (o.inputSize !== undefined) p.inputSize = o.inputSize;
  if (o.featureMaps !== undefined) p.featureMaps = o.featureMaps;
  if (o.maxSteps !== undefined) p.maxStepsPerEpoch = o.maxSteps;
  if (o.batching) p.batching = o.batching;
  if (o.studentTaskWeights) p.studentTaskWeights = o.studentTaskWeights;
  if (o.auThresholds) p.auThresholds = o.auThresholds;
  if (o.tta) p.tta = o.tta;
  if (o.vaBalance) p.balance = { ...(p.balance ?? {}), vaMode: o.vaBalance };
  return p;
}

const out = (s: string) => process.stdout.write(s.endsWith('\n') ? s : `${s}\n`);

/**
 * The time estimate of a CNN run (src/shared/train-estimate.ts) on the project's labelled frames
 * and the backend its newest job ran on, or null for the pretrained backbone: a backbone from
 * random weights is trained only when asked for by name, and the user sees what it costs first
 * (then it goes on: no prompt, the CLI runs on headless servers too).
 */
export function fromScratchEstimate(dir: string, role: 'teacher' | 'students', o: TrainOpts & { count?: number }): string | null {
  const backbone = o.backbone ?? DEFAULT_BACKBONE;
  if (isPretrained(backbone)) return null;
  const p = Project.open(dir);
  try {
    const { train, val } = epochFrames(projectInfo(p).datasets, o.datasets ?? []);
    const backend = p.db.prepare('SELECT backend FROM runs WHERE backend IS NOT NULL ORDER BY id DESC LIMIT 1').pluck().get() as string | undefined;
    return estimateText(
      {
        backbone,
        freezeBackbone: o.freezeBackbone === true || o.trainBlocks === 0,
        epochs: o.epochs ?? (role === 'teacher' ? TEACHER_EPOCHS : STUDENT_EPOCHS),
        frames: train,
        valFrames: val,
        batch: o.batch,
        maxStepsPerEpoch: o.maxSteps,
        runs: role === 'students' ? (o.count ?? STUDENT_COUNT) : 1,
        backend: backend ?? null,
      },
      { faceChoice: '--backbone face' },
    );
  } finally {
    p.close();
  }
}

/** Says the estimate on stderr (stdout stays the result, JSON with --json). */
function sayEstimate(dir: string, role: 'teacher' | 'students', o: TrainOpts & { count?: number }): void {
  const line = fromScratchEstimate(dir, role, o);
  if (line) process.stderr.write(`${line}\n`);
}

export function registerEngineCommands(program: Command): void {
  const trainCmd = program.command('train').description('train a teacher or students (runs in a worker process)');
  trainOptions(
    trainCmd
      .command('teacher')
      .description('train the multitask teacher on the ground-truth labels (Eq. 4)')
      .argument('<dir>', 'project folder')
      .option('--resume <job>', 'resume an interrupted, cancelled or failed teacher run (CNN or CNN-RNN) from its last checkpoint, by its job id', jobIdArg)
      .option('--features-from <id>', 'cnn-rnn: the CNN teacher/student whose features the GRUs read (default: the best CNN student)')
      .option('--json', 'print the result as JSON'),
  ).action(async (dir: string, o: TrainOpts & { resume?: number; json?: boolean }) => {
    let r;
    if (o.resume !== undefined) {
      refuseWithResume({ ...o }, o.resume);
      r = requireDone(await resumeRun(dir, o.resume, TEACHER_RUNS, acceptKinds(o.resume, 'teacher', o.modelType), { quiet: o.json }));
    } else if (o.modelType === 'cnn-rnn') {
      const params: JobParamsInput<'train.rnn-teacher'> = rnnParams(o);
      if (o.featuresFrom !== undefined) params.featuresFrom = modelRef(o.featuresFrom);
      r = await runJobResult(dir, 'train.rnn-teacher', params, { quiet: o.json });
    } else {
      refuseRnnOnly(o);
      // The backbone is recorded in the job's params even when it is the default (the job list names it).
      const params = { backbone: DEFAULT_BACKBONE, ...trainParams(o) };
      refuseInconsistent(params);
      sayEstimate(dir, 'teacher', o);
      r = await runJobResult(dir, 'train.teacher', params, { quiet: o.json });
    }
    out(o.json ? JSON.stringify(r, null, 2) : `teacher #${r.modelId} (${r.name}) ready\n${formatEvaluation(r.val)}`);
  });
  trainOptions(
    trainCmd
      .command('students')
      .description('train N students on ground truth + corrections + the teacher\'s soft labels (Eq. 7), then their ensemble')
      .argument('<dir>', 'project folder')
      .option('--teacher <id>', 'teacher model id (required unless --resume)')
      .option('--count <n>', 'number of students (5)', num)
      .option('--lambda <x>', 'weight of the ground truth where it exists (0.6), or per task: au=0.8,expr=0.6,va=0.5', perTaskArg(parseLambda))
      .option('--temperature <t>', 'distillation temperature (1.5), or per task: expr=1.5,va=2 (the AU term has none)', perTaskArg(parseTemperature))
      .option('--bagging', "each student trains on a bootstrap resample of each task's pool (its own seed)")
      .option('--resume <job>', 'resume an interrupted, cancelled or failed students run (CNN or CNN-RNN) from its checkpoints, by its job id', jobIdArg)
      .option('--json', 'print the result as JSON'),
  ).action(async (dir: string, o: TrainOpts & { teacher?: string; count?: number; lambda?: Lambda; temperature?: Temperature; resume?: number; json?: boolean }) => {
    let r;
    if (o.resume !== undefined) {
      const jobId = o.resume;
      refuseWithResume({ ...o }, jobId);
      const kindOk = acceptKinds(jobId, 'students', o.modelType);
      const job = await resumeRun(
        dir,
        jobId,
        STUDENT_RUNS,
        (kind, params) => {
          kindOk(kind);
          if (o.teacher !== undefined && String(params.teacher) !== o.teacher) throw usage(`job #${jobId} trained students of teacher ${String(params.teacher)}, not ${o.teacher}`);
        },
        { quiet: o.json },
      );
      r = requireDone(job);
    } else {
      if (o.teacher === undefined) throw usage("required option '--teacher <id>' not specified (or --resume JOB_ID to continue a run)");
      const student = { teacher: modelRef(o.teacher), count: o.count, lambda: o.lambda, temperature: o.temperature };
      const teacher = teacherOf(dir, o.teacher);
      if ((o.modelType ?? teacher.arch) === 'cnn-rnn') {
        r = await runJobResult(dir, 'train.rnn-students', { ...rnnParams(o), ...student }, { quiet: o.json });
      } else {
        refuseRnnOnly(o);
        // The job params hold what was given; the backbone, input size and freezing left out are the teacher's (the job resolves them the same way).
        const params = trainParams(o);
        const model = studentModelSettings({ ...(teacher.backbone ? { backbone: teacher.backbone } : {}), ...teacher.config }, params);
        refuseInconsistent({ ...params, ...model });
        sayEstimate(dir, 'students', { ...o, ...model });
        r = await runJobResult(dir, 'train.students', { ...params, ...student }, { quiet: o.json });
      }
    }
    out(o.json ? JSON.stringify(r, null, 2) : `students ${r.students.map((s) => `#${s.modelId}`).join(', ')}; ensemble #${r.ensembleId}\n${formatEvaluation(r.ensembleVal)}`);
  });

  program
    .command('soft-labels')
    .description("store a model's outputs (soft labels) for every frame of the chosen datasets")
    .argument('<dir>', 'project folder')
    .requiredOption('--model <id>', 'model id, or teacher/ensemble for the newest')
    .option('--datasets <a,b>', 'datasets (default: all)', list)
    .action(async (dir: string, o: { model: string; datasets?: string[] }) => {
      const r = await runJobResult(dir, 'soft-labels', { model: modelRef(o.model), datasets: o.datasets ?? [] });
      out(`soft labels of model #${r.modelId} for ${r.frames} frames (${(r.frames / Math.max(r.seconds, 1e-9)).toFixed(0)} frames/s)`);
    });

  program
    .command('evaluate')
    .description('ABAW metrics of a model on a dataset and split')
    .argument('<dir>', 'project folder')
    .requiredOption('--model <id>', 'model id, or ensemble (the newest ensemble) / teacher')
    .option('--dataset <name>', 'dataset (default: all)')
    .addOption(new Option('--split <split>', 'split').choices([...SPLITS]).default('val'))
    .option('--json', 'print one JSON document')
    .action(async (dir: string, o: { model: string; dataset?: string; split: Split; json?: boolean }) => {
      const params: JobParamsInput<'evaluate'> = { model: modelRef(o.model), split: o.split };
      if (o.dataset) params.dataset = o.dataset;
      const r = await runJobResult(dir, 'evaluate', params, { quiet: o.json });
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
