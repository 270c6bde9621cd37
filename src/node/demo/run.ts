// The demo pipeline on the embedded synthetic dataset, in one function: generate synthetic
// partially-labelled videos, import them, face crops, teacher, soft labels, students, ensemble,
// evaluation — the evaluate job against the labels present in the test split, and the paper's
// Table 2 against the complete truth the labels only partly reveal, both stored so the Results
// tab shows them. `affect-workbench demo` (src/cli/commands/demo.ts) runs it with terminal progress
// bars and prints the stored tables; bench/rnn.ts builds on it.
import fs from 'node:fs';
import path from 'node:path';
import type { JobKind } from '../../shared/contract';
import { formatSummary } from '../importers/index';
import { importAndPrepare } from '../importers/service';
import { listModels } from '../store/models';
import { Project } from '../store/project';
import { generateDemoDataset } from './generate';
import { loadTruth, paperClaims, storeTruthEvaluations, TRUTH_VIEWS, truthEvaluations } from './truth-table';
import type { Db } from '../store/database';
import { evaluationTable } from '../training/evaluations';
import { groupTables, type Table2Group } from '../../shared/table2';
import type { Split } from '../../shared/labels';
import { isPretrained } from '../../shared/train-estimate';
import type { TrainBackbone } from '../../shared/train-config';

export interface DemoOptions {
  dir: string;
  seed: number;
  videos?: number;
  frames?: number;
  students: number;
  backbone: TrainBackbone;
  inputSize: number;
  teacherEpochs: number;
  studentEpochs: number;
  lr: number;
  batch: number;
  maxSteps?: number;
  freezeBackbone?: boolean;
  /** Replace a folder at `dir` that is not an earlier demo project. */
  force?: boolean;
}

/** The steps that run in this process and report progress: rendering the videos, importing them. */
export type DemoStage = 'rendering' | 'importing';

export interface DemoHooks {
  /** One line for the user: each step's heading and summary. */
  log(line: string): void;
  /** Progress of an in-process step (a new stage starts after the previous one's last log line). */
  progress?(stage: DemoStage, done: number, total: number): void;
  /**
   * Runs a job on the project in `dir` in a worker process and returns its result, throwing when
   * the job did not finish (the CLI's runJob + requireDone: progress bars, Ctrl+C cancels).
   * `quiet`: the job's progress and logs need not be shown.
   */
  runJob(dir: string, kind: JobKind, params: Record<string, unknown>, opts?: { quiet?: boolean }): Promise<unknown>;
}

/** One stored Table 2 of the demo: its dataset and split, what it is measured against, its rows (what the Results tab shows). */
export interface DemoTable extends Table2Group {
  dataset: string;
  split: Split;
}

export interface DemoResult {
  /** The project folder (absolute). */
  dir: string;
  /** The generated dataset inside it. */
  source: string;
  /**
   * The stored tables, read back as the Results tab reads them: the test split against its labels
   * (the evaluate job) and against the complete truth (every task on every frame), then the
   * training split against the complete truth on the tasks its frames had no label for.
   */
  tables: DemoTable[];
  /** The paper's claims checked on the test videos against the complete truth. */
  claims: ReturnType<typeof paperClaims>;
  seconds: number;
}

/** The demo dataset's name in its project. */
export const DEMO_DATASET = 'demo';

/** The demo project's stored Table 2s (test split, then train), as evaluations.table answers them and the Results tab groups them. */
export function demoTables(db: Db): DemoTable[] {
  return (['test', 'train'] as const).flatMap((split) => groupTables(evaluationTable(db, DEMO_DATASET, split)).map((g) => ({ dataset: DEMO_DATASET, split, ...g })));
}

/** Refuses to overwrite anything but an earlier demo project. */
export function prepareDemoDir(dir: string, force?: boolean): void {
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

/**
 * Steps 1–3 of the demo into the project at `dir`: the synthetic videos rendered into its
 * media/demo-source, imported as dataset `demo`, and their face crops. Returns the source folder.
 * Also used by bench/algorithm.ts, whose fixed set is FER2013 plus the demo.
 */
export async function addDemoDataset(dir: string, o: Pick<DemoOptions, 'seed' | 'videos' | 'frames'>, hooks: DemoHooks, steps = ['', '', '']): Promise<string> {
  const log = (k: number, line: string) => hooks.log(steps[k] ? `${steps[k]} ${line}` : line);
  const project = Project.open(dir);
  try {
    const source = project.path('media', 'demo-source');
    log(0, `generating the synthetic demo dataset (seed ${o.seed}) into ${source}`);
    const manifest = await generateDemoDataset(source, {
      seed: o.seed,
      videos: o.videos,
      framesPerVideo: o.frames,
      onProgress: (d, t) => hooks.progress?.('rendering', d, t),
    });
    hooks.log(`    ${manifest.videos.length} videos, ${manifest.videos.reduce((a, v) => a + v.frames, 0)} frames; each video labelled for some tasks only (partial labels)`);
    log(1, 'importing the Aff-Wild2-format labels and videos');
    const imp = await importAndPrepare(
      project,
      'affwild2',
      [path.join(source, 'annotations')],
      { dataset: DEMO_DATASET, videos: path.join(source, 'videos'), manifest: path.join(source, 'demo.json'), allowLengthMismatch: false },
      (d, t) => hooks.progress?.('importing', d, t),
    );
    hooks.log(formatSummary(imp.summary).replace(/^/gm, '    '));
    project.close();
    log(2, 'face crops (the demo videos are face-centred, like Aff-Wild2 cropped_aligned)');
    await hooks.runJob(dir, 'faces', { mediaIds: imp.needFaces, mode: 'aligned' });
    return source;
  } finally {
    project.close(); // idempotent
  }
}

export async function runDemoPipeline(o: DemoOptions, hooks: DemoHooks): Promise<DemoResult> {
  const t0 = Date.now();
  const log = hooks.log;
  const dir = path.resolve(o.dir);
  prepareDemoDir(dir, o.force);
  const project = Project.create(dir, 'Affect Workbench demo');
  project.db.prepare(`INSERT OR REPLACE INTO meta(key, value) VALUES ('demo', '1')`).run();
  project.close();
  const source = await addDemoDataset(dir, o, hooks, ['1/6', '2/6', '3/6']);

  // Only a pretrained backbone can be frozen (a frozen random backbone learns nothing: refused by the config checks).
  const frozen = o.freezeBackbone !== false && isPretrained(o.backbone);
  const train = {
    backbone: o.backbone,
    inputSize: o.inputSize,
    lr: o.lr,
    batch: o.batch,
    seed: o.seed,
    freezeBackbone: frozen,
    ...(o.maxSteps ? { maxStepsPerEpoch: o.maxSteps } : {}),
  };
  log(`4/6 teacher: ${o.backbone} backbone${frozen ? ' (frozen: heads trained on cached features)' : ''} at ${o.inputSize}px, ${o.teacherEpochs} epochs (Eq. 4 on the partial labels)`);
  const teacher = (await hooks.runJob(dir, 'train.teacher', { ...train, epochs: o.teacherEpochs })) as { modelId: number };
  await hooks.runJob(dir, 'soft-labels', { model: teacher.modelId });

  log(`5/6 ${o.students} students on ground truth + the teacher's soft labels (Eq. 7, λ 0.6, T 1.5), then their ensemble`);
  const st = (await hooks.runJob(dir, 'train.students', { ...train, teacher: teacher.modelId, count: o.students, epochs: o.studentEpochs })) as {
    students: { modelId: number }[];
    ensembleId: number;
  };
  const trained = [...st.students.map((x) => x.modelId), st.ensembleId];
  for (const s of trained) await hooks.runJob(dir, 'soft-labels', { model: s }, { quiet: true });

  log('6/6 evaluation: against the labels present in the test split (the evaluate job), and against the complete truth they only partly reveal');
  for (const m of [teacher.modelId, ...trained]) await hooks.runJob(dir, 'evaluate', { model: m, dataset: DEMO_DATASET, split: 'test' }, { quiet: true });
  const p = Project.open(dir);
  try {
    const frames = loadTruth(p.db, DEMO_DATASET, source);
    const models = listModels(p.db);
    for (const view of Object.values(TRUTH_VIEWS)) storeTruthEvaluations(p.db, truthEvaluations(p.db, frames, DEMO_DATASET, view, models));
    const tables = demoTables(p.db);
    const truthTest = tables.find((t) => t.split === 'test' && t.reference === 'complete-truth');
    return { dir, source, tables, claims: paperClaims(truthTest?.rows ?? []), seconds: (Date.now() - t0) / 1000 };
  } finally {
    p.close();
  }
}
