// Imports that share the project database with other writers, with real processes and a real
// SQLite file: each import below runs the real import code in its own child process
// (`node --import tsx <script>`), like the CLI and the worker job do.
//   1. Two imports at once: both succeed (the small one while the large one is still writing), and
//      a third import of a dataset being imported gives one readable refusal ('busy'), not a raw
//      SqliteError; no partial dataset anywhere.
//   2. An import killed with SIGKILL mid-way: integrity_check ok, its staged rows are hidden (no
//      dataset appears), and the next import removes them (the stale rule) and succeeds.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { runImport } from '../../src/node/importers/index';
import { Project } from '../../src/node/store/project';
import { tempDir } from './helpers';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** An Aff-Wild2 label tree of about `lines` lines (videos of `perVideo` frames, AU/EXPR/VA files). */
function affWildTree(root: string, lines: number, perVideo = 5000): { lines: number; au: number; expr: number; va: number } {
  const out = { lines: 0, au: 0, expr: 0, va: 0 };
  for (let v = 0; out.lines < lines; v++) {
    const split = v % 5 === 4 ? 'Validation_Set' : 'Train_Set';
    for (const task of ['AU', 'EXPR', 'VA'] as const) {
      if ((task === 'EXPR' && v % 2) || (task === 'VA' && v % 3)) continue;
      const rows = [task === 'AU' ? 'AU1,AU2,AU4,AU6,AU12,AU15,AU20,AU25' : task === 'EXPR' ? 'Neutral,Anger,Disgust,Fear,Happiness,Sadness,Surprise' : 'valence,arousal'];
      for (let f = 0; f < perVideo; f++) {
        if (task === 'AU') rows.push(((f + v) % 7 === 0 ? '1,0,0,1,0,0,1,0' : '0,1,0,0,1,0,0,1'));
        else if (task === 'EXPR') rows.push(String((f + v) % 7));
        else rows.push(`${(((f % 200) - 100) / 100).toFixed(2)},${(((f % 50) - 25) / 25).toFixed(2)}`);
      }
      out[task === 'AU' ? 'au' : task === 'EXPR' ? 'expr' : 'va'] += perVideo;
      const dir = path.join(root, `${task}_Set`, split);
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, `video${v}.txt`), rows.join('\n') + '\n');
      out.lines += perVideo;
    }
  }
  return out;
}

interface ChildEvent {
  event: 'progress' | 'held' | 'done' | 'error';
  done?: number;
  total?: number;
  stage?: string;
  /** When the parent received it (performance.now()). */
  at?: number;
  code?: string | null;
  name?: string;
  message?: string;
  summary?: { dataset: string; labels: { au: number; expr: number; va: number }; frames: number };
}

interface ImportChild {
  proc: ChildProcess;
  events: ChildEvent[];
  stderr: () => string;
  /** Resolves with the first event matching `pred` (rejects when the child exits first). */
  waitFor: (pred: (e: ChildEvent) => boolean) => Promise<ChildEvent>;
  /** Resolves when the child has exited: its last event and exit status. */
  exited: Promise<{ last: ChildEvent | undefined; code: number | null; signal: NodeJS.Signals | null; at: number }>;
}

/**
 * The child: opens the project, runs the real runImport, reports progress and the outcome as JSON
 * lines. With a hold (`<fraction> <release file>` after the dataset) it stops once, at the first
 * labels progress past the fraction where no transaction is open (a chunk was just committed), says
 * { event: 'held' } and waits until the release file exists: the test then acts while the import
 * is certainly running, whatever the machine's speed.
 */
function writeChildScript(dir: string): string {
  const file = path.join(dir, 'import-child.mjs');
  const url = (rel: string) => pathToFileURL(path.join(ROOT, rel)).href;
  fs.writeFileSync(
    file,
    `import fs from 'node:fs';
import { Project } from ${JSON.stringify(url('src/node/store/project.ts'))};
import { runImport } from ${JSON.stringify(url('src/node/importers/index.ts'))};
const [dir, format, source, dataset, holdAt, release] = process.argv.slice(2);
const say = (o) => process.stdout.write(JSON.stringify(o) + '\\n');
const p = Project.open(dir);
let last = 0;
let held = holdAt === undefined;
const pause = new Int32Array(new SharedArrayBuffer(4));
try {
  const s = await runImport(p, format, [source], { dataset }, (done, total, stage) => {
    const now = Date.now();
    if (now - last >= 100) { last = now; say({ event: 'progress', done, total, stage }); }
    if (!held && stage === 'labels' && done > 0 && done / total >= Number(holdAt) && !p.db.inTransaction) {
      held = true;
      say({ event: 'held', done, total, stage });
      while (!fs.existsSync(release)) Atomics.wait(pause, 0, 0, 20);
    }
  });
  say({ event: 'done', summary: s });
} catch (e) {
  say({ event: 'error', code: e.code ?? null, name: e.name, message: e.message });
  process.exitCode = 1;
} finally {
  p.close();
}
`,
  );
  return file;
}

const children: ChildProcess[] = [];

/** Starts an import child; with `hold`, it stops once past `hold.at` of its labels until `hold.release` exists. */
function startImport(script: string, projectDir: string, source: string, dataset: string, hold?: { at: number; release: string }): ImportChild {
  const args = [script, projectDir, 'affwild2', source, dataset, ...(hold ? [String(hold.at), hold.release] : [])];
  const proc = spawn(process.execPath, ['--import', 'tsx', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(proc);
  const events: ChildEvent[] = [];
  const waiters: { pred: (e: ChildEvent) => boolean; resolve: (e: ChildEvent) => void; reject: (e: Error) => void }[] = [];
  let out = '';
  let err = '';
  proc.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
    let nl: number;
    while ((nl = out.indexOf('\n')) >= 0) {
      const line = out.slice(0, nl);
      out = out.slice(nl + 1);
      if (!line.startsWith('{')) continue;
      const e = { ...(JSON.parse(line) as ChildEvent), at: performance.now() };
      events.push(e);
      for (const w of [...waiters]) {
        if (w.pred(e)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(e);
        }
      }
    }
  });
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<{ last: ChildEvent | undefined; code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) => {
    proc.on('exit', (code, signal) => {
      for (const w of waiters.splice(0)) w.reject(new Error(`import child exited (${code ?? signal}) before the awaited event; stderr: ${err.slice(-2000)}`));
      resolve({ last: events.at(-1), code, signal, at: performance.now() });
    });
  });
  return {
    proc,
    events,
    stderr: () => err,
    exited,
    waitFor: (pred) => {
      const seen = events.find(pred);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => waiters.push({ pred, resolve, reject }));
    },
  };
}

function integrity(p: Project): string {
  return p.db.pragma('integrity_check', { simple: true }) as string;
}

let tmp: ReturnType<typeof tempDir> | null = null;
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  tmp?.cleanup();
  tmp = null;
});

describe('imports share the database with other writers (real processes, real SQLite file)', () => {
  it('two imports at once both succeed; a third of a dataset being imported is refused in one readable line', async () => {
    tmp = tempDir('aw-import-conc-');
    const dir = path.join(tmp.dir, 'project');
    Project.create(dir).close();
    const big = affWildTree(path.join(tmp.dir, 'big'), 900_000);
    const small = affWildTree(path.join(tmp.dir, 'small'), 30_000);
    const script = writeChildScript(tmp.dir);

    // the large import is held early in its labels (between chunks) while the others run: on a
    // fast machine it would otherwise finish before the third one starts
    const release = path.join(tmp.dir, 'release-big');
    const a = startImport(script, dir, path.join(tmp.dir, 'big'), 'Big', { at: 0, release });
    await a.waitFor((e) => e.event === 'held');
    const b = startImport(script, dir, path.join(tmp.dir, 'small'), 'Small');
    const bEnd = await b.exited;
    // the small import is not held up behind the large one…
    expect(bEnd.last, b.stderr()).toMatchObject({ event: 'done', summary: { dataset: 'Small', labels: { au: small.au, expr: small.expr, va: small.va } } });

    // the same dataset again while it is being imported: a clean refusal, nothing half-written
    const c = startImport(script, dir, path.join(tmp.dir, 'small'), 'Big');
    const cEnd = await c.exited;
    expect(cEnd.last).toMatchObject({ event: 'error', code: 'busy' });
    expect(cEnd.last?.message).toMatch(/^Dataset "Big" is being imported right now by an import of dataset "Big" \(affwild2, process \d+, started .*\); wait for it to finish, then import again\. Nothing was changed\.$/);
    expect(c.stderr()).not.toMatch(/SqliteError|at .*\.ts:\d+/);

    fs.writeFileSync(release, '');
    const aEnd = await a.exited;
    expect(aEnd.last, a.stderr()).toMatchObject({ event: 'done', summary: { dataset: 'Big', labels: { au: big.au, expr: big.expr, va: big.va } } });
    // …and the large one went on writing its labels after the small one had finished
    expect(a.events.filter((e) => e.event === 'progress' && e.stage === 'labels' && e.at! > bEnd.at).length).toBeGreaterThan(0);

    const p = Project.open(dir);
    try {
      expect(integrity(p)).toBe('ok');
      expect(p.db.prepare('SELECT name, state FROM datasets ORDER BY name').all()).toEqual([
        { name: 'Big', state: 'ready' },
        { name: 'Small', state: 'ready' },
      ]);
      const labels = p.db
        .prepare(`SELECT d.name, COUNT(*) AS n FROM datasets d JOIN media m ON m.dataset_id = d.id JOIN frames f ON f.media_id = m.id JOIN labels l ON l.frame_id = f.id GROUP BY d.name ORDER BY d.name`)
        .all();
      expect(labels).toEqual([
        { name: 'Big', n: big.au + big.expr + big.va },
        { name: 'Small', n: small.au + small.expr + small.va },
      ]);
      expect(p.db.prepare('SELECT COUNT(*) FROM imports').pluck().get()).toBe(0);
    } finally {
      p.close();
    }
  }, 240_000);

  it('bad input found halfway, or a cancel, leaves the project as it was although chunks had been committed', async () => {
    tmp = tempDir('aw-import-fail-');
    const p = Project.create(path.join(tmp.dir, 'project'));
    try {
      const first = affWildTree(path.join(tmp.dir, 'ok'), 20_000);
      await runImport(p, 'affwild2', [path.join(tmp.dir, 'ok')], { dataset: 'Kept' });
      const before = p.db.prepare('SELECT (SELECT COUNT(*) FROM datasets), (SELECT COUNT(*) FROM frames), (SELECT COUNT(*) FROM labels)').raw().get();
      expect(before).toEqual([1, expect.any(Number), first.au + first.expr + first.va]);

      affWildTree(path.join(tmp.dir, 'bad'), 300_000);
      const last = fs.readdirSync(path.join(tmp.dir, 'bad', 'AU_Set', 'Train_Set')).sort((a, b) => parseInt(a.slice(5)) - parseInt(b.slice(5))).at(-1)!;
      fs.appendFileSync(path.join(tmp.dir, 'bad', 'AU_Set', 'Train_Set', last), '0,1,2,0,0,0,0,0\n');
      // a reader on another connection sees staged rows while the import runs (chunks are committed)…
      let sawStaged = 0;
      const other = Project.open(path.join(tmp.dir, 'project'));
      const peek = setInterval(() => {
        sawStaged = Math.max(sawStaged, other.db.prepare(`SELECT COUNT(*) FROM datasets d JOIN media m ON m.dataset_id = d.id JOIN frames f ON f.media_id = m.id WHERE d.state = 'staging'`).pluck().get() as number);
      }, 20);
      await expect(runImport(p, 'affwild2', [path.join(tmp.dir, 'bad')], { dataset: 'Bad' })).rejects.toMatchObject({ code: 'invalid-input', message: expect.stringContaining(`AU_Set/Train_Set/${last} line 5002`) });
      clearInterval(peek);
      other.close();
      expect(sawStaged).toBeGreaterThan(0);
      // …and after the failure nothing of it is left
      const after = () => p.db.prepare('SELECT (SELECT COUNT(*) FROM datasets), (SELECT COUNT(*) FROM frames), (SELECT COUNT(*) FROM labels)').raw().get();
      expect(after()).toEqual(before);
      expect(p.db.prepare('SELECT COUNT(*) FROM imports').pluck().get()).toBe(0);

      const abort = new AbortController();
      const cancelled = runImport(p, 'affwild2', [path.join(tmp.dir, 'bad')], { dataset: 'Cancelled' }, (done, total) => {
        if (done / total > 0.3) abort.abort();
      }, { signal: abort.signal });
      await expect(cancelled).rejects.toMatchObject({ code: 'cancelled' });
      expect(after()).toEqual(before);
      expect(p.db.prepare('SELECT COUNT(*) FROM imports').pluck().get()).toBe(0);
      expect(integrity(p)).toBe('ok');
    } finally {
      p.close();
    }
  }, 240_000);

  it('an import killed with SIGKILL mid-way leaves no visible dataset; the next import removes its staged rows and succeeds', async () => {
    tmp = tempDir('aw-import-kill-');
    const dir = path.join(tmp.dir, 'project');
    Project.create(dir).close();
    affWildTree(path.join(tmp.dir, 'big'), 600_000);
    const small = affWildTree(path.join(tmp.dir, 'small'), 10_000);
    const script = writeChildScript(tmp.dir);

    // held a quarter of the way through its labels (never released), so the kill lands mid-import
    const a = startImport(script, dir, path.join(tmp.dir, 'big'), 'Killed', { at: 0.25, release: path.join(tmp.dir, 'never') });
    await a.waitFor((e) => e.event === 'held');
    a.proc.kill('SIGKILL');
    const end = await a.exited;
    expect(end.signal).toBe('SIGKILL');

    let p = Project.open(dir);
    try {
      expect(integrity(p)).toBe('ok');
      // nothing is visible: readers list 'ready' datasets only, and there is none
      expect(p.db.prepare(`SELECT COUNT(*) FROM datasets WHERE state = 'ready'`).pluck().get()).toBe(0);
      expect(p.db.prepare(`SELECT COUNT(*) FROM datasets WHERE name = 'Killed'`).pluck().get()).toBe(0);
      // …but the killed import had committed chunks: hidden staged rows, owned by a dead process
      const staged = p.db
        .prepare(`SELECT COUNT(*) FROM datasets d JOIN media m ON m.dataset_id = d.id JOIN frames f ON f.media_id = m.id WHERE d.state = 'staging'`)
        .pluck()
        .get() as number;
      expect(staged).toBeGreaterThan(0);
      expect(p.db.prepare('SELECT dataset, pid FROM imports').all()).toEqual([{ dataset: 'Killed', pid: a.proc.pid }]);

      // the next import (another dataset) applies the stale rule first, then imports
      const s = await runImport(p, 'affwild2', [path.join(tmp.dir, 'small')], { dataset: 'Next' });
      expect(s.labels).toEqual({ au: small.au, expr: small.expr, va: small.va });
      expect(p.db.prepare('SELECT name, state FROM datasets').all()).toEqual([{ name: 'Next', state: 'ready' }]);
      expect(p.db.prepare('SELECT COUNT(*) FROM frames').pluck().get()).toBe(s.frames);
      expect(p.db.prepare('SELECT COUNT(*) FROM labels').pluck().get()).toBe(small.au + small.expr + small.va);
      expect(p.db.prepare('SELECT COUNT(*) FROM imports').pluck().get()).toBe(0);
      expect(integrity(p)).toBe('ok');
      expect(p.db.pragma('foreign_key_check')).toEqual([]);
    } finally {
      p.close();
    }

    // and the killed dataset imports cleanly afterwards (a fresh child process)
    const again = startImport(script, dir, path.join(tmp.dir, 'small'), 'Killed');
    expect((await again.exited).last, again.stderr()).toMatchObject({ event: 'done', summary: { dataset: 'Killed' } });
    p = Project.open(dir);
    try {
      expect(p.db.prepare('SELECT name FROM datasets ORDER BY name').pluck().all()).toEqual(['Killed', 'Next']);
    } finally {
      p.close();
    }
  }, 240_000);
});
