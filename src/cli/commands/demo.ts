// `affect-workbench demo` (= `npm run demo`): the flags, terminal progress and printing of the demo
// pipeline (src/node/demo/run.ts: generate synthetic partially-labelled videos, import them, face
// crops, teacher, soft labels, students, ensemble, evaluation), then the stored Table 2s — against
// the labels present in the test split and against the complete truth — as the Results tab shows them.
import type { Command } from 'commander';
import path from 'node:path';
import cliProgress from 'cli-progress';
import { requireDone, runJob } from '../run-job';
import type { DemoOptions, DemoStage } from '../../node/demo/run';
import { formatTable2 } from '../format-engine';
import { progressLines } from '../progress';

const out = (s: string) => process.stdout.write(s.endsWith('\n') ? s : `${s}\n`);

function bar(label: string) {
  if (!process.stderr.isTTY) {
    // Not a terminal: the CLI's one throttle for progress lines (../progress.ts).
    const lines = progressLines(process.stderr, label);
    return { update: (d: number, t: number) => lines.update(d, t, label), stop: () => {} };
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

/** Runs the demo (src/node/demo/run.ts) with progress bars on stderr, then prints Table 2 and the claims. */
export async function runDemo(o: DemoOptions): Promise<void> {
  const { runDemoPipeline } = await import('../../node/demo/run');
  let current: { stage: DemoStage; bar: ReturnType<typeof bar> } | null = null;
  const endBar = () => {
    current?.bar.stop();
    current = null;
  };
  const r = await runDemoPipeline(o, {
    log: (line) => {
      endBar();
      out(line);
    },
    progress: (stage, done, total) => {
      if (current?.stage !== stage) {
        endBar();
        current = { stage, bar: bar(`  ${stage}`) };
      }
      current.bar.update(done, total);
    },
    runJob: async (dir, kind, params, opts) => requireDone(await runJob(dir, kind, params, opts)),
  });
  endBar();
  // The stored evaluations, as the Results tab (Training → Results) shows them: ABAW metrics, one table per reference.
  for (const t of r.tables) out(`\n${formatTable2(t)}`);
  out('\nPaper claims on the test videos against the complete truth (students ≥ teacher; ensemble ≥ best student):');
  for (const c of r.claims) out(`  ${c.task.padEnd(8)} students ≥ teacher: ${c.studentsBeatTeacher}   ensemble ≥ best student: ${c.ensembleBeatsBest ?? '–'}`);
  out(`done in ${r.seconds.toFixed(0)} s. Look at it (Training → Results shows these tables): npx affect-workbench serve ${path.relative(process.cwd(), r.dir) || '.'}`);
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
    .action((o: DemoOptions) => runDemo(o));
}
