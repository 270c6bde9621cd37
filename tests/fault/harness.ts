// Fault injection with real processes and a real SQLite file: the built CLI (or its worker, or a
// second process streaming label edits) is killed with SIGKILL at seeded random moments during
// import, training, soft labels, export and edits. After every kill:
//   - PRAGMA integrity_check is ok;
//   - no dataset is partial (a dataset the import was writing is absent, or whole);
//   - no committed edit is lost (every edit the editor process saw acknowledged is in the project);
//   - the export's target is absent or whole (byte-identical to a reference export);
//   - no run is left 'running' once its owner is gone, and no model is left 'training';
//   - the next operation succeeds.
// tests/unit/fault-injection.test.ts runs a short round in `npm test`; bench/fault-injection.ts the
// full one (≥ 100 kills). Both use the BUILT command line (`npm run build` first; checked).
import Database from 'better-sqlite3';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mulberry32 } from '../../src/shared/random';
import { tsxLoaderUrl } from '../../src/node/app/dev-runtime';
import { pidAlive } from '../../src/base/processes';

export const ROOT = path.resolve(import.meta.dirname, '..', '..');
const BIN = path.join(ROOT, 'bin', 'affect-workbench.js');
const EDITOR = path.join(ROOT, 'tests', 'fault', 'edit-writer.ts');

export type Scenario = 'import' | 'train-cli' | 'train-worker' | 'soft-labels' | 'export' | 'edits';
export const SCENARIOS: Scenario[] = ['import', 'train-cli', 'train-worker', 'soft-labels', 'export', 'edits'];

export interface FaultOptions {
  seed: number;
  /** Kills per scenario. */
  kills: Partial<Record<Scenario, number>>;
  /** Label lines of the import tree (bigger: longer imports). */
  importLines?: number;
  log?: (line: string) => void;
}

export interface FaultReport {
  seed: number;
  kills: Record<Scenario, number>;
  /** Kills that landed while the process was still working (the rest found it already finished). */
  midWork: Record<Scenario, number>;
  checks: Record<string, number>;
  failures: string[];
  seconds: number;
}

/** The project's seeded PRNG, so a run is repeatable from its seed. */
export const prng = mulberry32;

/** The built CLI must be newer than every source file, or the suite would test old code. */
export function assertFreshBuild(): void {
  const cli = path.join(ROOT, 'out', 'main', 'cli.js');
  if (!fs.existsSync(cli)) throw new Error('out/main/cli.js is missing: run `npm run build` first (npm test does).');
  const built = fs.statSync(cli).mtimeMs;
  const newer: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(ts|tsx)$/.test(e.name) && !p.includes(`${path.sep}renderer${path.sep}`) && fs.statSync(p).mtimeMs > built) newer.push(path.relative(ROOT, p));
    }
  };
  walk(path.join(ROOT, 'src'));
  const addon = path.join(ROOT, 'out', 'native', 'aw_conv.node');
  if (fs.existsSync(addon) && fs.statSync(path.join(ROOT, 'src', 'native', 'aw_conv.c')).mtimeMs > fs.statSync(addon).mtimeMs) newer.push('src/native/aw_conv.c');
  if (newer.length) throw new Error(`the build is older than ${newer.slice(0, 3).join(', ')}${newer.length > 3 ? ', …' : ''}: run \`npm run build\` first.`);
}


interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function cliSync(env: NodeJS.ProcessEnv, ...args: string[]): Run {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env, timeout: 300_000 });
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

function mustCli(env: NodeJS.ProcessEnv, ...args: string[]): string {
  const r = cliSync(env, ...args);
  if (r.code !== 0) throw new Error(`affect-workbench ${args.join(' ')} exited ${r.code ?? r.signal}: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  return r.stdout;
}

/** Direct children of a process (Linux /proc). */
function childrenOf(pid: number): number[] {
  try {
    return fs
      .readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

async function waitGone(pid: number, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (!pidAlive(pid)) return true;
    await sleep(50);
  }
  return !pidAlive(pid);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

/** Starts `cmd`, kills it with SIGKILL after `delayMs` (or the target `pick` returns), reports whether it was still working. */
async function killDuring(child: ChildProcess, delayMs: number, target: () => number | null = () => child.pid ?? null): Promise<{ midWork: boolean; victim: number | null; orphans: number[] }> {
  const done = exited(child);
  const winner = await Promise.race([done.then(() => 'exited' as const), sleep(delayMs).then(() => 'timer' as const)]);
  if (winner === 'exited') return { midWork: false, victim: null, orphans: [] };
  const victim = target();
  if (victim === null) {
    await done;
    return { midWork: false, victim: null, orphans: [] };
  }
  const orphans = victim === child.pid ? childrenOf(victim) : [];
  try {
    process.kill(victim, 'SIGKILL');
  } catch {
    /* already gone */
  }
  if (victim === child.pid) await done;
  return { midWork: true, victim, orphans };
}

/** An Aff-Wild2-style label tree (AU / EXPR / VA sets), deterministic. */
export function writeLabelTree(root: string, lines: number, rand: () => number): void {
  const perVideo = 2000;
  const videos = Math.max(2, Math.ceil(lines / perVideo / 2));
  for (let v = 0; v < videos; v++) {
    const split = v % 5 === 4 ? 'Validation_Set' : 'Train_Set';
    const tasks = v % 2 === 0 ? ['EXPR', 'VA'] : ['AU', 'EXPR'];
    for (const t of tasks) {
      const out = [t === 'AU' ? 'AU1,AU2,AU4,AU6,AU12,AU15,AU20,AU25' : t === 'EXPR' ? 'Neutral,Anger,Disgust,Fear,Happiness,Sadness,Surprise' : 'valence,arousal'];
      for (let f = 0; f < perVideo; f++) {
        if (t === 'AU') out.push(Array.from({ length: 8 }, () => (rand() < 0.3 ? '1' : '0')).join(','));
        else if (t === 'EXPR') out.push(String(Math.floor(rand() * 7)));
        else out.push(`${(rand() * 2 - 1).toFixed(3)},${(rand() * 2 - 1).toFixed(3)}`);
      }
      const dir = path.join(root, `${t}_Set`, split);
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, `clip${v}.txt`), out.join('\n') + '\n');
    }
  }
}

interface DatasetView {
  name: string;
  frames: number;
  labels: { au: number; expr: number; va: number };
}

function datasets(env: NodeJS.ProcessEnv, project: string): DatasetView[] {
  return (JSON.parse(mustCli(env, 'info', project, '--json')) as { datasets: DatasetView[] }).datasets;
}

function sha(file: string): string {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

export async function runFaultInjection(o: FaultOptions): Promise<FaultReport> {
  assertFreshBuild();
  const t0 = Date.now();
  const log = o.log ?? (() => {});
  const rand = prng(o.seed);
  const between = (a: number, b: number) => a + (b - a) * rand();
  const kills = Object.fromEntries(SCENARIOS.map((s) => [s, 0])) as Record<Scenario, number>;
  const midWork = Object.fromEntries(SCENARIOS.map((s) => [s, 0])) as Record<Scenario, number>;
  const checks: Record<string, number> = {};
  const failures: string[] = [];
  const check = (name: string, ok: boolean, detail: string | (() => string)) => {
    checks[name] = (checks[name] ?? 0) + (ok ? 1 : 0);
    if (!ok) failures.push(`${name}: ${typeof detail === 'string' ? detail : detail()}`);
  };

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'aw-fault-'));
  const env = { ...process.env, AW_HOME: path.join(tmp, 'aw-home') };
  fs.mkdirSync(env.AW_HOME);
  const project = path.join(tmp, 'project');
  try {
    // The project: rendered faces with partial labels and cached crops (training, soft labels) …
    const { buildEngineFixture } = await import('../unit/engine-fixture');
    (await buildEngineFixture(project, { videos: 6, frames: 60 })).close();
    // … a label tree for imports, imported once whole as the reference of what "whole" is …
    const ann = path.join(tmp, 'ann');
    writeLabelTree(ann, o.importLines ?? 60_000, rand);
    mustCli(env, 'import', 'affwild2', project, ann, '--dataset', 'reference', '--downsample', 'au=1,expr=1,va=1');
    const reference = datasets(env, project).find((d) => d.name === 'reference')!;
    // … a ready teacher (for soft labels), and a reference export (what a whole output is).
    const QUICK = ['--backbone', 'small', '--input-size', '32', '--batch', '8', '--datasets', 'synth'];
    mustCli(env, 'train', 'teacher', project, ...QUICK, '--epochs', '1', '--max-steps', '2');
    const teacher = (JSON.parse(mustCli(env, 'models', project, '--json')) as { id: number; kind: string; status: string }[]).find((m) => m.kind === 'teacher' && m.status === 'ready')!;
    const mediaId = (new Database(path.join(project, 'project.sqlite'), { readonly: true }).prepare('SELECT MIN(id) AS id FROM media').get() as { id: number }).id;
    log(`setup: ${reference.frames.toLocaleString('en')} frames per import, teacher #${teacher.id}, ${((Date.now() - t0) / 1000).toFixed(1)} s`);

    /** Checks every kill is followed by: a sound file, no partial dataset, no stuck run or model, a next operation that works. */
    const afterKill = async (what: string, orphans: number[]) => {
      for (const pid of orphans) check('orphan worker stopped', await waitGone(pid, 60_000), `${what}: worker ${pid} still running 60 s after its parent was killed`);
      const db = new Database(path.join(project, 'project.sqlite'), { readonly: true, timeout: 10_000 });
      try {
        const ic = db.pragma('integrity_check', { simple: true });
        check('integrity_check ok', ic === 'ok', `${what}: ${String(ic)}`);
      } finally {
        db.close();
      }
      // The next operation (info opens the project, migrates, reads every dataset) succeeds.
      const r = cliSync(env, 'info', project, '--json');
      check('next operation succeeds', r.code === 0, `${what}: info exited ${r.code}: ${r.stderr.trim()}`);
      if (r.code !== 0) return;
      const info = JSON.parse(r.stdout) as { datasets: DatasetView[]; models: { id: number; name: string; status: string }[] };
      for (const d of info.datasets.filter((x) => x.name.startsWith('imp-'))) {
        const whole = d.frames === reference.frames && d.labels.au === reference.labels.au && d.labels.expr === reference.labels.expr && d.labels.va === reference.labels.va;
        check('no partial dataset', whole, `${what}: dataset ${d.name} has ${d.frames} frames, labels ${JSON.stringify(d.labels)} (whole: ${reference.frames}, ${JSON.stringify(reference.labels)})`);
      }
      // Runs: opening the project sweeps jobs whose owner is gone; none may stay running or queued.
      const { Backend } = await import('../../src/node/app/backend');
      const backend = new Backend({ transport: 'inprocess' });
      try {
        backend.openProject(project, false);
        const stuck = backend.jobs.list().filter((j) => j.status === 'running' || j.status === 'queued');
        check('no run left running', stuck.length === 0, `${what}: ${stuck.map((j) => `#${j.id} ${j.kind} ${j.status}`).join(', ')}`);
      } finally {
        await backend.close();
      }
      const training = (JSON.parse(mustCli(env, 'models', project, '--json')) as { id: number; status: string }[]).filter((m) => m.status === 'training');
      check('no model left training', training.length === 0, `${what}: models ${training.map((m) => m.id).join(', ')} still 'training'`);
    };

    const workerOf = (child: ChildProcess) => () => {
      const kids = child.pid ? childrenOf(child.pid) : [];
      return kids.length ? kids[kids.length - 1] : null;
    };
    const start = (...args: string[]) => spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });

    for (let k = 0; k < (o.kills.import ?? 0); k++) {
      const name = `imp-${k}`;
      const child = start('import', 'affwild2', project, ann, '--dataset', name, '--downsample', 'au=1,expr=1,va=1');
      const r = await killDuring(child, between(30, 1500));
      kills.import++;
      if (r.midWork) midWork.import++;
      await afterKill(`import kill ${k}`, r.orphans);
    }

    for (const [scenario, victim] of [
      ['train-cli', 'cli'],
      ['train-worker', 'worker'],
    ] as const) {
      for (let k = 0; k < (o.kills[scenario] ?? 0); k++) {
        const child = start('train', 'teacher', project, ...QUICK, '--epochs', '6', '--max-steps', '6');
        const r = await killDuring(child, between(300, 5000), victim === 'cli' ? () => child.pid ?? null : workerOf(child));
        if (victim === 'worker') await exited(child);
        kills[scenario]++;
        if (r.midWork) midWork[scenario]++;
        await afterKill(`${scenario} kill ${k}`, r.orphans);
      }
    }

    for (let k = 0; k < (o.kills['soft-labels'] ?? 0); k++) {
      const child = start('soft-labels', project, '--model', String(teacher.id));
      const byWorker = rand() < 0.5;
      const r = await killDuring(child, between(200, 2500), byWorker ? workerOf(child) : () => child.pid ?? null);
      if (byWorker) await exited(child);
      kills['soft-labels']++;
      if (r.midWork) midWork['soft-labels']++;
      await afterKill(`soft-labels kill ${k} (${byWorker ? 'worker' : 'cli'})`, r.orphans);
    }
    if (o.kills['soft-labels']) {
      // The next run completes: every frame of the chosen datasets gets its soft label.
      const r = cliSync(env, 'soft-labels', project, '--model', String(teacher.id));
      check('next operation succeeds', r.code === 0, `soft-labels after kills: ${r.stderr.trim()}`);
    }

    // The reference export: what a whole output is, with the project as the export kills find it.
    const outDir = path.join(tmp, 'exports');
    fs.mkdirSync(outDir);
    const refCsv = path.join(tmp, 'reference.csv');
    mustCli(env, 'export', 'csv', project, refCsv, '--model', 'none');
    const refSha = sha(refCsv);
    const target = path.join(outDir, 'labels.csv');
    for (let k = 0; k < (o.kills.export ?? 0); k++) {
      const child = start('export', 'csv', project, target, '--model', 'none', '--force');
      const r = await killDuring(child, between(30, 700));
      kills.export++;
      if (r.midWork) midWork.export++;
      check('output absent or whole', !fs.existsSync(target) || sha(target) === refSha, () => `export kill ${k}: ${target} exists and differs from the reference (${fs.statSync(target).size} bytes)`);
      await afterKill(`export kill ${k}`, r.orphans);
    }
    if (o.kills.export) {
      const r = cliSync(env, 'export', 'csv', project, target, '--model', 'none', '--force');
      check('next operation succeeds', r.code === 0 && sha(target) === refSha, `export after kills: exit ${r.code}: ${r.stderr.trim()}`);
      const leftovers = fs.readdirSync(outDir).filter((f) => f.startsWith('.'));
      check('no stale temporaries', leftovers.length === 0, `after the next export: ${leftovers.join(', ')}`);
    }

    for (let k = 0; k < (o.kills.edits ?? 0); k++) {
      const editor = spawn(process.execPath, ['--import', tsxLoaderUrl(), EDITOR, project, String(mediaId), String(o.seed + k)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      editor.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      // Kill once it is editing (its start loads the TypeScript sources), at a random moment.
      const ready = Date.now();
      while (!out.includes('ready') && Date.now() - ready < 30_000 && editor.exitCode === null) await sleep(20);
      const r = await killDuring(editor, between(20, 1500));
      kills.edits++;
      if (r.midWork) midWork.edits++;
      const acked = [...out.matchAll(/^ack (\d+)$/gm)].map((m) => Number(m[1]));
      const db = new Database(path.join(project, 'project.sqlite'), { readonly: true, timeout: 10_000 });
      try {
        const have = new Set((db.prepare('SELECT id FROM actions').all() as { id: number }[]).map((a) => a.id));
        const lost = acked.filter((id) => !have.has(id));
        check('no committed edit lost', lost.length === 0, `edits kill ${k}: acknowledged actions ${lost.join(', ')} are missing`);
      } finally {
        db.close();
      }
      await afterKill(`edits kill ${k}`, r.orphans);
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return { seed: o.seed, kills, midWork, checks, failures, seconds: (Date.now() - t0) / 1000 };
}

export function formatReport(r: FaultReport): string {
  const total = Object.values(r.kills).reduce((a, b) => a + b, 0);
  const lines = [
    `fault injection, seed ${r.seed}: ${total} kills in ${r.seconds.toFixed(0)} s`,
    ...SCENARIOS.filter((s) => r.kills[s]).map((s) => `  ${s.padEnd(13)} ${String(r.kills[s]).padStart(3)} kills (${r.midWork[s]} mid-work)`),
    'checks passed:',
    ...Object.entries(r.checks).map(([k, v]) => `  ${k.padEnd(26)} ${v}`),
    r.failures.length ? `FAILURES (${r.failures.length}):\n  ${r.failures.join('\n  ')}` : 'no failures',
  ];
  return lines.join('\n');
}
