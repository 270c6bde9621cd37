// Learning quality on real faces (issue 17): the paper's partial-label setting and its Table 2.
//
//   npm run bench -- learning [--per-class N] [--seeds 1,2,3] [--students 3] [--epochs 3]
//                             [--train JSON] [--teacher-train JSON] [--student-train JSON]
//                             [--keep DIR] [--fresh] [--fer DIR] [--ckplus DIR] [--json]
//   (or npx tsx bench/learning.ts …)
//
// The set (development data under ../shared/data, never committed; bench/lib/real-faces.ts):
// - `fer2013`: FER2013's training images (expression only; all, or the first --per-class N per
//   class), per class in file order i % 10 < 7 train, 7 val, 8–9 test (bench/algorithm.ts's rule);
// - `ckplus`: the CK+ faces with 8 AU labels (AU only), imported through the CSV manifest importer
//   from a manifest derived in the keep folder: CK+'s `val` subjects are our `test` split (reported),
//   one in five of its `train` subjects (sorted ids) our `val` split, the rest `train`.
// Built once into --keep DIR (default under the system's temp folder, per --per-class) and reused:
// a later run deletes the models but KEEPS the feature cache, so teacher and students train at
// heads speed; --fresh rebuilds.
//
// Per seed: teacher → soft labels → N students → ensemble through the worker jobs the CLI runs
// (src/cli/run-job.ts), face backbone frozen, --epochs for teacher and students, AU thresholds
// tuned on our val split (auThresholds 'tuned'; the 0.5 figures are reported too). --train merges
// any TrainConfig field (src/shared/train-config.ts) into both jobs' params, --teacher-train and
// --student-train into one side (applied last), so every learning switch is measured without
// editing this file, e.g. --train '{"lambda":0.8,"temperature":2}'.
//
// Reported per model (teacher, student k, ensemble), through the evaluate job:
// - FAU@0.5 and FAU tuned: 0.5·F1 + 0.5·Acc over the 8 AUs on the CK+ test faces, at 0.5 and at
//   the model's thresholds tuned on our val split (n/a when the config does not tune them);
// - EXPR score (0.67·F1 + 0.33·Acc) and accuracy on the FER2013 test split;
// - cross-task: the predicted expression (argmax of the model's stored records, which the
//   soft-labels job writes and review and export read) of the CK+ test faces, which carry no
//   expression label, against the expression their AU labels imply by the EMFACS prototypes of
//   bench/lib/emfacs.ts (faces with exactly one matching prototype only).
// Then the mean and standard deviation over seeds, the paper's two claims checked on the means,
// and each stage's wall time with the feature cache's counters.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Project } from '../src/node/store/project';
import { importAndPrepare } from '../src/node/importers/service';
import { deleteModel, getModel, listModels } from '../src/node/store/models';
import { loadSamples } from '../src/node/labels/samples';
import { getSoftLabels } from '../src/node/store/softlabels';
import { requireDone, runJob } from '../src/cli/run-job';
import { useSourceWorker } from '../src/node/app/dev-runtime';
import { StudentParams, TeacherParams, TrainConfig } from '../src/shared/train-config';
import { resultCell } from '../src/shared/table2';
import { exprMetrics } from '../src/shared/metrics';
import { exprArgmax } from '../src/shared/softlabels';
import { SOFT_LABEL_WIDTH } from '../src/shared/labels';
import type { JobResult } from '../src/shared/jobs-contract';
import { emitResult } from './lib/result';
import { Stages, stageTable, type StageTime } from './lib/stages';
import { CKPLUS_DIR, CKPLUS_VAL_EVERY, deriveCkplusManifest, FER_DIR, ferSplitTree } from './lib/real-faces';
import { EMFACS_RULES, emfacsLabels, ruleText } from './lib/emfacs';

useSourceWorker(); // jobs start their worker from the TypeScript sources

const args = process.argv.slice(2);
function opt(name: string, def: string): string {
  const i = args.indexOf(name);
  if (i < 0) return def;
  if (i + 1 >= args.length) fail(`${name} needs a value`);
  return args[i + 1];
}
function fail(message: string): never {
  console.error(`bench/learning.ts: ${message}`);
  process.exit(2);
}
function count(name: string, def: string, min: number): number {
  const v = Number(opt(name, def));
  if (!Number.isInteger(v) || v < min) fail(`${name} takes an integer ≥ ${min}, not "${opt(name, def)}"`);
  return v;
}
/** A JSON object of TrainConfig fields; an unknown field is refused (a typo must not pass silently). */
function trainJson(name: string): Record<string, unknown> {
  const s = opt(name, '');
  if (s === '') return {};
  let v: unknown;
  try {
    v = JSON.parse(s);
  } catch (e) {
    fail(`${name} is not JSON (${(e as Error).message}): ${s}`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(`${name} takes a JSON object of TrainConfig fields, e.g. '{"lambda":0.8}'`);
  const unknown = Object.keys(v).filter((k) => !(k in TrainConfig.shape));
  if (unknown.length) fail(`${name}: ${unknown.join(', ')} ${unknown.length > 1 ? 'are not TrainConfig fields' : 'is not a TrainConfig field'} (fields: ${Object.keys(TrainConfig.shape).join(', ')})`);
  return v as Record<string, unknown>;
}

const VALUED = ['--fer', '--ckplus', '--per-class', '--seeds', '--students', '--epochs', '--train', '--teacher-train', '--student-train', '--keep'];
for (let i = 0; i < args.length; i++) {
  if (VALUED.includes(args[i])) i++;
  else if (args[i] !== '--fresh' && args[i] !== '--json') fail(`unknown option "${args[i]}" (options: ${VALUED.join(', ')}, --fresh, --json)`);
}
const ferDir = path.resolve(opt('--fer', FER_DIR));
const ckDir = path.resolve(opt('--ckplus', CKPLUS_DIR));
const perClass = count('--per-class', '0', 0);
const seeds = opt('--seeds', '1').split(',').map((x) => {
  const v = Number(x);
  if (x.trim() === '' || !Number.isInteger(v) || v < 0) fail(`--seeds takes integers ≥ 0 separated by commas, not "${opt('--seeds', '1')}"`);
  return v;
});
const students = count('--students', '3', 1);
const epochs = count('--epochs', '3', 1);
const train = trainJson('--train');
const teacherTrain = trainJson('--teacher-train');
const studentTrain = trainJson('--student-train');
const keep = path.resolve(opt('--keep', path.join(os.tmpdir(), `aw-bench-learning-${perClass || 'all'}`)));
const fresh = args.includes('--fresh');
if (!fs.existsSync(ferDir)) fail(`FER2013 images not found at ${ferDir} (pass --fer DIR)`);
if (!fs.existsSync(path.join(ckDir, 'labels.csv'))) fail(`CK+ manifest not found at ${path.join(ckDir, 'labels.csv')} (pass --ckplus DIR)`);

const teacherInput = (seed: number) => ({ backbone: 'face', freezeBackbone: true, epochs, seed, auThresholds: 'tuned', ...train, ...teacherTrain });
/** Students take the teacher's backbone, input size and freezing unless --train/--student-train says otherwise. */
const studentInput = (seed: number, teacher: number) => ({ epochs, seed, auThresholds: 'tuned', ...train, ...studentTrain, teacher, count: students });
// Both jobs' params are validated before anything is built: a bad value fails here, not after the import.
for (const [what, r] of [
  ['teacher', TeacherParams.safeParse(teacherInput(seeds[0]))],
  ['student', StudentParams.safeParse(studentInput(seeds[0], 1))],
] as const) {
  if (!r.success) fail(`the ${what} params are invalid: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
}
const teacherParams = (seed: number) => TeacherParams.parse(teacherInput(seed));
const studentParams = (seed: number, teacher: number) => StudentParams.parse(studentInput(seed, teacher));

// ---------------------------------------------------------------------------------------------
// The project: built once per data and split rule, then reused with its feature cache

const dir = path.join(keep, 'project');
const stampFile = path.join(keep, 'bench-learning.json');
const stamp = JSON.stringify({ ferDir, ckDir, perClass, ferRule: 'i%10<7 train, 7 val, 8-9 test', ckplusValEvery: CKPLUS_VAL_EVERY });
const build = new Stages();
const reuse = !fresh && fs.existsSync(path.join(dir, 'project.sqlite')) && fs.existsSync(stampFile) && fs.readFileSync(stampFile, 'utf8') === stamp;
let ferCounts: Record<string, number>;
let manifest: ReturnType<typeof deriveCkplusManifest>;
if (!reuse) {
  if (fs.existsSync(keep)) console.log(`${fresh ? '--fresh' : 'another data set or split rule'}: rebuilding ${keep}`);
  fs.rmSync(keep, { recursive: true, force: true });
  fs.mkdirSync(keep, { recursive: true });
  ferCounts = ferSplitTree(ferDir, path.join(keep, 'fer'), perClass);
  manifest = deriveCkplusManifest(ckDir, path.join(keep, 'ckplus.csv'));
  const p = Project.create(dir, 'Learning benchmark (FER2013 expression + CK+ AU)');
  try {
    await build.run('import fer2013', () => importAndPrepare(p, 'images', [path.join(keep, 'fer')], { dataset: 'fer2013' }));
    await build.run('import ckplus (csv)', () => importAndPrepare(p, 'csv', [manifest.file], { dataset: 'ckplus' }));
  } finally {
    p.close();
  }
  fs.writeFileSync(stampFile, stamp);
} else {
  ferCounts = { train: 0, val: 0, test: 0 };
  for (const split of Object.keys(ferCounts)) for (const cls of fs.readdirSync(path.join(keep, 'fer', split))) ferCounts[split] += fs.readdirSync(path.join(keep, 'fer', split, cls)).length;
  manifest = deriveCkplusManifest(ckDir, path.join(keep, 'ckplus.csv'));
  const p = Project.open(dir);
  try {
    // The store's deleteModel, not deleteModelChecked: that one also drops the backbone features no
    // model owns any more, and this bench keeps them so that every run trains at heads speed.
    for (const m of listModels(p.db).sort((a, b) => b.id - a.id)) deleteModel(p.db, dir, m.id);
  } finally {
    p.close();
  }
  console.log(`reusing ${keep} (models deleted, feature cache kept; --fresh rebuilds)`);
}
console.log(
  `fer2013: ${ferCounts.train} train / ${ferCounts.val} val / ${ferCounts.test} test faces (expression only); ` +
    `ckplus: ${manifest.faces.train} / ${manifest.faces.val} / ${manifest.faces.test} faces of ${manifest.subjects.train.length} / ${manifest.subjects.val.length} / ${manifest.subjects.test.length} subjects (AU only)`,
);

// ---------------------------------------------------------------------------------------------
// One seed: Algorithm 1, every model evaluated

type Evaluation = JobResult<'evaluate'>;
interface Row {
  model: string;
  id: number;
  /** CK+ test: AU score at 0.5 and at the thresholds tuned on our val split (null: not tuned). */
  fau05: number | null;
  fauTuned: number | null;
  /** FER2013 test. */
  exprScore: number | null;
  exprF1: number | null;
  exprAcc: number | null;
  /** CK+ test faces with an EMFACS-derived expression: accuracy of the predicted expression. */
  cross: number | null;
}
const COLS = [
  ['fau05', 'FAU@0.5'],
  ['fauTuned', 'FAU tuned'],
  ['exprScore', 'EXPR score'],
  ['exprAcc', 'EXPR acc'],
  ['cross', 'cross-task acc'],
] as const;
type Col = (typeof COLS)[number][0];

interface SeedRun {
  seed: number;
  rows: Row[];
  stages: StageTime[];
  seconds: number;
  n: { ckplusTest: number; ferTest: number; crossTask: number };
  crossCounts: Record<string, number>;
  teacherConfig: Record<string, unknown>;
  studentConfig: Record<string, unknown>;
}

async function runSeed(seed: number): Promise<SeedRun> {
  console.log(`\n— seed ${seed} —`);
  const st = new Stages();
  const t0 = Date.now();
  const teacher = await st.run('teacher', async (o) => requireDone(await runJob(dir, 'train.teacher', teacherParams(seed), o)));
  await st.run('soft labels', async (o) => requireDone(await runJob(dir, 'soft-labels', { model: teacher.modelId }, o)));
  const set = await st.run(`${students} students + ensemble`, async (o) => requireDone(await runJob(dir, 'train.students', studentParams(seed, teacher.modelId), o)));
  const models = [
    { model: 'teacher', id: teacher.modelId },
    ...set.students.map((s, k) => ({ model: `student ${k}`, id: s.modelId })),
    { model: 'ensemble', id: set.ensembleId },
  ];
  const evals = await st.run(`evaluate ${models.length} models`, async (o) => {
    const out: { ck: Evaluation; fer: Evaluation }[] = [];
    for (const m of models) {
      const ck = requireDone(await runJob(dir, 'evaluate', { model: m.id, dataset: 'ckplus', split: 'test' }, o));
      const fer = requireDone(await runJob(dir, 'evaluate', { model: m.id, dataset: 'fer2013', split: 'test' }, o));
      out.push({ ck, fer });
    }
    return out;
  });
  // The ensemble's records of the CK+ faces, stored as the soft-labels job stores them for review and
  // export (its members' records of the test faces are stored by their evaluation, the teacher's by
  // its soft labels): every model's predictions are then read back the same way.
  await st.run('cross-task records', async (o) => requireDone(await runJob(dir, 'soft-labels', { model: set.ensembleId, datasets: ['ckplus'] }, o)));

  const p = Project.open(dir);
  let cross: { acc: number | null; n: number; counts: Record<string, number> }[];
  let configs: [Record<string, unknown>, Record<string, unknown>];
  try {
    const s = loadSamples(p.db, { datasets: ['ckplus'], splits: ['test'] });
    const derived = emfacsLabels(s.au, s.n);
    const rows = Array.from({ length: s.n }, (_, i) => i).filter((i) => derived.expr[i] >= 0);
    cross = models.map((m) => {
      const recs = getSoftLabels(p.db, m.id, rows.map((i) => s.frameId[i]));
      const pred = rows.map((i) => {
        const r = recs.get(s.frameId[i]);
        if (!r || r.length !== SOFT_LABEL_WIDTH) throw new Error(`${m.model} (#${m.id}) has no stored record for CK+ frame ${s.frameId[i]}`);
        return exprArgmax(r);
      });
      const e = exprMetrics(pred, rows.map((i) => derived.expr[i]));
      return { acc: e?.acc ?? null, n: rows.length, counts: derived.counts };
    });
    configs = [getModel(p.db, teacher.modelId)!.config, getModel(p.db, set.students[0].modelId)!.config];
  } finally {
    p.close();
  }
  const rows: Row[] = models.map((m, k) => ({
    ...m,
    fau05: resultCell(evals[k].ck, 'au'),
    fauTuned: resultCell(evals[k].ck, 'au', true),
    exprScore: resultCell(evals[k].fer, 'expr'),
    exprF1: evals[k].fer.expr?.f1 ?? null,
    exprAcc: evals[k].fer.expr?.acc ?? null,
    cross: cross[k].acc,
  }));
  const seconds = (Date.now() - t0) / 1000;
  const n = { ckplusTest: evals[0].ck.n.au, ferTest: evals[0].fer.n.expr, crossTask: cross[0].n };
  console.log(`\nseed ${seed}: CK+ test ${n.ckplusTest} faces (AU), FER2013 test ${n.ferTest} faces (expression), cross-task ${n.crossTask} CK+ test faces; ${seconds.toFixed(0)} s`);
  printTable(rows.map((r) => [r.model, ...COLS.map(([c]) => fmt(r[c]))]));
  return { seed, rows, stages: st.list, seconds, n, crossCounts: cross[0].counts, teacherConfig: configs[0], studentConfig: configs[1] };
}

const fmt = (v: number | null) => (v === null ? 'n/a' : v.toFixed(4));
function printTable(rows: string[][]): void {
  const head = ['model', ...COLS.map(([, h]) => h)];
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => `  ${r.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join('  ')}`;
  console.log(line(head));
  for (const r of rows) console.log(line(r));
}

{
  const t = teacherParams(seeds[0]);
  const st = studentParams(seeds[0], 1);
  const overrides = Object.entries({ '--train': train, '--teacher-train': teacherTrain, '--student-train': studentTrain }).filter(([, v]) => Object.keys(v).length);
  console.log(
    `\nteacher → soft labels → ${students} students → ensemble: ${t.backbone} backbone${t.freezeBackbone ? ' frozen' : ' fine-tuned'}, ${epochs} epochs, ` +
      `lr ${t.lr}, batch ${t.batch}, students' λ ${st.lambda}, T ${st.temperature}, AU thresholds ${t.auThresholds}` +
      (overrides.length ? `; ${overrides.map(([k, v]) => `${k} ${JSON.stringify(v)}`).join(', ')}` : ''),
  );
}
const total = Date.now();
const runs: SeedRun[] = [];
for (const seed of seeds) runs.push(await runSeed(seed));

// ---------------------------------------------------------------------------------------------
// Over the seeds: mean, standard deviation, the paper's claims

const names = runs[0].rows.map((r) => r.model);
/** Mean and sample standard deviation (n − 1) of the non-null values; sd null under two values. */
function spread(vals: (number | null)[]): { mean: number | null; sd: number | null; n: number } {
  const v = vals.filter((x): x is number => x !== null);
  if (v.length === 0) return { mean: null, sd: null, n: 0 };
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const sd = v.length < 2 ? null : Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length - 1));
  return { mean, sd, n: v.length };
}
const summary = names.map((model) => ({
  model,
  ...Object.fromEntries(COLS.map(([c]) => [c, spread(runs.map((r) => r.rows.find((x) => x.model === model)![c]))])),
})) as ({ model: string } & Record<Col, ReturnType<typeof spread>>)[];

console.log(`\nMean ± standard deviation over seeds ${seeds.join(', ')} (${students} students, ${epochs} epochs${Object.keys(train).length ? `, --train ${JSON.stringify(train)}` : ''})`);
printTable(summary.map((s) => [s.model, ...COLS.map(([c]) => (s[c].mean === null ? 'n/a' : `${s[c].mean!.toFixed(4)}${s[c].sd === null ? '' : ` ±${s[c].sd!.toFixed(4)}`}`))]));

// The labelled tasks: AU on the CK+ test subjects (at 0.5, the paper's figure), expression on FER2013 test.
const TASKS = [
  ['AU', 'fau05'],
  ['EXPR', 'exprScore'],
] as const;
const meanOf = (model: string, c: Col) => summary.find((s) => s.model === model)![c].mean;
const studentNames = names.filter((n) => n.startsWith('student'));
const claim1 = TASKS.map(([task, c]) => {
  const t = meanOf('teacher', c);
  const per = studentNames.map((s) => ({ model: s, value: meanOf(s, c), holds: t !== null && (meanOf(s, c) ?? -Infinity) >= t }));
  return { task, teacher: t, students: per, holds: per.every((x) => x.holds) };
});
const claim2 = TASKS.map(([task, c]) => {
  const best = studentNames.map((s) => ({ model: s, value: meanOf(s, c) })).reduce((a, b) => ((b.value ?? -Infinity) > (a.value ?? -Infinity) ? b : a));
  const e = meanOf('ensemble', c);
  return { task, ensemble: e, bestStudent: best, holds: e !== null && best.value !== null && e >= best.value };
});
const yes = (b: boolean) => (b ? 'yes' : 'no');
console.log(`\nClaims on the seed means (AU = FAU@0.5 on CK+ test, EXPR = EXPR score on FER2013 test):`);
console.log(`  every student ≥ teacher on every labelled task: ${yes(claim1.every((c) => c.holds))}`);
for (const c of claim1) console.log(`    ${c.task}: teacher ${fmt(c.teacher)}; ${c.students.map((s) => `${s.model} ${fmt(s.value)} ${s.holds ? '≥' : '<'}`).join(', ')}`);
console.log(`  ensemble ≥ best student: ${yes(claim2.every((c) => c.holds))}`);
for (const c of claim2) console.log(`    ${c.task}: ensemble ${fmt(c.ensemble)} ${c.holds ? '≥' : '<'} best student (${c.bestStudent.model}) ${fmt(c.bestStudent.value)}`);
console.log(
  `\nCross-task: predicted expression of the CK+ test faces (no expression label) against EMFACS prototypes from their AU labels, ` +
    `faces with exactly one matching prototype: ${runs[0].n.crossTask} of ${runs[0].n.ckplusTest} (${Object.entries(runs[0].crossCounts).map(([e, n]) => `${e} ${n}`).join(', ')}). Rules: ${EMFACS_RULES.map(ruleText).join('; ')}.`,
);

const seconds = (Date.now() - total) / 1000;
console.log(`\nWall time (${os.availableParallelism()} cores)`);
const stageRows: StageTime[] = [...build.list, ...runs.flatMap((r) => r.stages.map((s) => ({ ...s, stage: `seed ${r.seed}: ${s.stage}` })))];
for (const l of stageTable(stageRows, 40)) console.log(l);
console.log(`  ${'total (training and evaluation)'.padEnd(40)} ${seconds.toFixed(1).padStart(8)}`);

emitResult({
  seconds,
  seeds,
  options: { perClass: perClass || null, students, epochs, train, teacherTrain, studentTrain, keep, reused: reuse },
  params: { teacher: teacherParams(seeds[0]), students: { ...studentParams(seeds[0], 1), teacher: null } },
  config: { teacher: runs[0].teacherConfig, student: runs[0].studentConfig },
  data: {
    fer2013: ferCounts,
    ckplus: { faces: manifest.faces, subjects: Object.fromEntries(Object.entries(manifest.subjects).map(([k, v]) => [k, v.length])), valEvery: CKPLUS_VAL_EVERY },
  },
  crossTask: { rules: EMFACS_RULES.map(ruleText), faces: runs[0].n.crossTask, perExpression: runs[0].crossCounts },
  perSeed: runs.map((r) => ({ seed: r.seed, rows: r.rows, n: r.n, seconds: r.seconds, stages: r.stages })),
  summary,
  claims: { studentsAtLeastTeacher: claim1, ensembleAtLeastBestStudent: claim2 },
  build: build.list,
});
