// Review edits that meet a busy database are retried, never dropped.
//   - Edits through the browser-mode HTTP API (the real server on 127.0.0.1, as the browser calls it)
//     and undo through the in-process API, while a child process imports a
//     large Aff-Wild2 tree into the same project file: every edit is stored, the p95 latency is
//     printed and bounded, undo and redo succeed mid-import.
//   - writeRetrying: waits for a lock another connection holds without blocking the event loop, and
//     fails with one readable AppError 'busy' after its budget.
//   - The renderer's write queue keeps a write that got 'busy', sends it again, in order.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { BUSY_EDIT_MESSAGE, writeRetrying } from '../../src/node/store/busy';
import { WriteQueue, type WriteQueueState } from '../../src/renderer/src/review/write-queue';
import type { Result } from '../../src/shared/result';
import { reviewFixture, type ReviewFixture } from './review-fixture';
import { startServer } from '../../src/node/server/server';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** An Aff-Wild2 AU + VA label tree of about `lines` lines (videos of 5,000 frames). */
function affWildTree(root: string, lines: number): void {
  let n = 0;
  for (let v = 0; n < lines; v++) {
    for (const task of ['AU', 'VA'] as const) {
      const rows = [task === 'AU' ? 'AU1,AU2,AU4,AU6,AU12,AU15,AU20,AU25' : 'valence,arousal'];
      for (let f = 0; f < 5000; f++) rows.push(task === 'AU' ? ((f + v) % 5 ? '0,1,0,0,1,0,0,1' : '1,0,0,1,0,0,1,0') : `${((f % 200) / 100 - 1).toFixed(2)},0.25`);
      const dir = path.join(root, `${task}_Set`, 'Train_Set');
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, `video${v}.txt`), rows.join('\n') + '\n');
      n += 5000;
    }
  }
}

const children: ChildProcess[] = [];

/** Runs the real runImport in a child process (`node --import tsx`); `started` resolves at its first progress report. */
function importInChild(dir: string, projectDir: string, source: string, dataset: string) {
  const script = path.join(dir, 'import-child.mjs');
  const url = (rel: string) => JSON.stringify(pathToFileURL(path.join(ROOT, rel)).href);
  fs.writeFileSync(
    script,
    `import { Project } from ${url('src/node/store/project.ts')};
import { runImport } from ${url('src/node/importers/index.ts')};
const [dir, source, dataset] = process.argv.slice(2);
const p = Project.open(dir);
let said = false;
try {
  const s = await runImport(p, 'affwild2', [source], { dataset }, (done) => {
    if (!said && done > 0) { said = true; console.log('PROGRESS'); }
  });
  console.log('DONE ' + JSON.stringify({ labels: s.labels, seconds: s.seconds }));
} catch (e) {
  console.log('ERROR ' + JSON.stringify({ code: e.code ?? null, message: e.message }));
  process.exitCode = 1;
} finally {
  p.close();
}
`,
  );
  const proc = spawn(process.execPath, ['--import', 'tsx', script, projectDir, source, dataset], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(proc);
  let out = '';
  let err = '';
  let onProgress: () => void = () => undefined;
  const started = new Promise<void>((resolve) => (onProgress = resolve));
  proc.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
    if (out.includes('PROGRESS')) onProgress();
  });
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<string>((resolve) => proc.on('exit', () => resolve(out)));
  const running = () => proc.exitCode === null && proc.signalCode === null;
  return { proc, started: Promise.race([started, exited.then(() => Promise.reject(new Error(`import ended early: ${out} ${err}`)))]), exited, running, stderr: () => err };
}

const pct = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];

let fx: ReviewFixture | null = null;
afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await fx?.close();
  fx = null;
});

describe('review edits while another process imports into the same project', () => {
  it('every edit is stored during a large import, none waits long behind it (p95 printed)', async () => {
    fx = await reviewFixture(120, { softLabels: false });
    const data = path.join(path.dirname(fx.dir), 'data');
    affWildTree(path.join(data, 'aw'), 1_000_000);
    const child = importInChild(data, fx.dir, path.join(data, 'aw'), 'Large');
    await child.started;

    // The browser's way in: POST /api/labels.edit on the real server, with the session token.
    const server = await startServer(fx.backend, { rendererDir: path.join(ROOT, 'out', 'renderer') });
    const edit = async (body: unknown): Promise<Result<{ action: { id: number } | null }>> =>
      (await (
        await fetch(new URL('/api/labels.edit', server.url), { method: 'POST', headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) })
      ).json()) as Result<{ action: { id: number } | null }>;
    const lat: number[] = [];
    const t0 = performance.now();
    let k = 0;
    let actions = 0;
    while (child.running()) {
      const frame = k % fx.frames;
      const t = performance.now();
      const r = await edit({
        mediaId: fx.mediaId,
        name: 'AU12 toggle',
        frames: [frame],
        change: { kind: 'au', values: { AU12: k % 2 ? 1 : 0 } },
      });
      lat.push(performance.now() - t);
      expect(r, `edit ${k}: ${JSON.stringify(r)}`).toMatchObject({ ok: true });
      if (r.ok && r.value.action) actions++;
      k++;
      await new Promise((resolve) => setTimeout(resolve, 20 + (k % 4) * 10));
    }
    await server.close();
    const importMs = performance.now() - t0;
    const out = await child.exited;
    expect(out, child.stderr()).toMatch(/^DONE /m);
    // every edit that changed a label is in the project file
    const check = new Database(path.join(fx.dir, 'project.sqlite'), { readonly: true });
    expect(check.prepare('SELECT COUNT(*) FROM actions WHERE media_id = ?').pluck().get(fx.mediaId)).toBe(actions);
    check.close();
    console.log(
      `edits during a ${(importMs / 1000).toFixed(1)} s import in another process: ${k} edits, all stored; ` +
        `latency p50 ${pct(lat, 0.5).toFixed(1)} ms, p95 ${pct(lat, 0.95).toFixed(1)} ms, max ${Math.max(...lat).toFixed(1)} ms`,
    );
    expect(k).toBeGreaterThanOrEqual(20);
    // target: ~100 ms + noise behind the import; the bound is generous for a loaded machine
    expect(pct(lat, 0.95)).toBeLessThan(1000);
  }, 240_000);

  it('undo and redo succeed while a child process imports', async () => {
    fx = await reviewFixture(60, { softLabels: false });
    const edit = await fx.call('labels.edit', { mediaId: fx.mediaId, name: 'Expression: Happiness', frames: [5], change: { kind: 'expr', value: 4 } });
    expect(edit.action).not.toBeNull();
    const data = path.join(path.dirname(fx.dir), 'data');
    affWildTree(path.join(data, 'aw'), 600_000);
    const child = importInChild(data, fx.dir, path.join(data, 'aw'), 'Large');
    await child.started;

    let t = performance.now();
    const undo = await fx.client.call('labels.undo', { mediaId: fx.mediaId });
    const undoMs = performance.now() - t;
    expect(undo).toMatchObject({ ok: true, value: { action: { id: edit.action!.id, undone: true }, canRedo: true } });
    const labels = await fx.call('labels.range', { mediaId: fx.mediaId, from: 5, to: 5 });
    expect(labels[0].expr?.provenance).not.toBe('human');
    t = performance.now();
    const redo = await fx.client.call('labels.redo', { mediaId: fx.mediaId });
    const redoMs = performance.now() - t;
    expect(redo).toMatchObject({ ok: true, value: { action: { id: edit.action!.id, undone: false } } });
    expect(child.running(), 'the import was still running').toBe(true);
    console.log(`undo ${undoMs.toFixed(1)} ms, redo ${redoMs.toFixed(1)} ms during an import in another process`);
    expect(undoMs).toBeLessThan(2000);
    expect(redoMs).toBeLessThan(2000);
    expect(await child.exited, child.stderr()).toMatch(/^DONE /m);
  }, 240_000);
});

describe('writeRetrying', () => {
  function openPair(file: string) {
    const other = new Database(file);
    other.pragma('journal_mode = WAL');
    other.exec('CREATE TABLE IF NOT EXISTS t(x INTEGER)');
    const db = new Database(file);
    db.pragma('busy_timeout = 5000');
    return { db, other };
  }

  it('waits for a lock another connection holds, keeping the event loop free, then writes', async () => {
    fx = await reviewFixture(10, { softLabels: false });
    const { db, other } = openPair(path.join(path.dirname(fx.dir), 'pair.sqlite'));
    other.exec('BEGIN IMMEDIATE');
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    setTimeout(() => other.exec('COMMIT'), 300);
    const t0 = performance.now();
    const out = await writeRetrying(db, () => db.prepare('INSERT INTO t VALUES (1)').run().changes);
    const ms = performance.now() - t0;
    clearInterval(timer);
    expect(out).toBe(1);
    expect(ms).toBeGreaterThanOrEqual(250);
    expect(ms).toBeLessThan(1500);
    expect(ticks).toBeGreaterThan(10); // timers ran while the write waited
    expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
    db.close();
    other.close();
  });

  it('after its budget: one readable AppError "busy", nothing written', async () => {
    fx = await reviewFixture(10, { softLabels: false });
    const { db, other } = openPair(path.join(path.dirname(fx.dir), 'pair.sqlite'));
    other.exec('BEGIN IMMEDIATE');
    const err = await writeRetrying(db, () => db.prepare('INSERT INTO t VALUES (1)').run(), { budgetMs: 200 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'AppError', code: 'busy', message: BUSY_EDIT_MESSAGE });
    other.exec('COMMIT');
    expect(db.prepare('SELECT COUNT(*) FROM t').pluck().get()).toBe(0);
    db.close();
    other.close();
  });
});

describe('the review screen keeps edits the backend could not store yet', () => {
  it('re-sends a write answered "busy", in order, and shows it pending until stored', async () => {
    const states: WriteQueueState[] = [];
    const q = new WriteQueue((s) => states.push(s), () => Promise.resolve());
    const sent: string[] = [];
    const stored: string[] = [];
    const failed: string[] = [];
    let busyLeft = 2;
    const write = (name: string, answer: () => Result<string>) =>
      q.push({
        send: async () => {
          sent.push(name);
          return answer();
        },
        stored: (v) => stored.push(v),
        failed: (e) => failed.push(`${name}: ${e.code}`),
      });
    const busy = { ok: false as const, error: { code: 'busy', message: BUSY_EDIT_MESSAGE } };
    await Promise.all([
      write('a', () => (busyLeft-- > 0 ? busy : { ok: true, value: 'a stored' })),
      write('b', () => ({ ok: true, value: 'b stored' })),
      write('c', () => ({ ok: false, error: { code: 'not-found', message: 'No media item' } })),
      write('d', () => ({ ok: true, value: 'd stored' })),
    ]);
    expect(sent).toEqual(['a', 'a', 'a', 'b', 'c', 'd']);
    expect(stored).toEqual(['a stored', 'b stored', 'd stored']);
    expect(failed).toEqual(['c: not-found']);
    expect(states.some((s) => s.waiting && s.pending === 4 && s.message === BUSY_EDIT_MESSAGE)).toBe(true);
    expect(states.at(-1)).toEqual({ pending: 0, waiting: false, message: null });
  });
});
