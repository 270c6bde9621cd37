// Atomic outputs (src/base/fsutil.ts, src/node/export/atomic.ts): temporaries of their own, created
// exclusively; two exports to one target never mix; killed exports leave nothing that outlives the
// next one. The CLI cases run real `affect-workbench export` processes against a real project.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  HOST_TAG,
  STALE_TEMP_MS,
  commitFolder,
  parseTempName,
  sweepStaleTemps,
  tempFate,
  tempPath,
  writeFileAtomic,
  writeFileAtomicAsync,
} from '../../src/base/fsutil';
import { pidAlive } from '../../src/base/processes';
import { AtomicFile, AtomicFolder } from '../../src/node/export/atomic';
import { Project } from '../../src/node/store/project';
import { addDataset, addMedia } from './export-fixture';
import { tempDir } from './helpers';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** Frames of the CLI fixture: enough that an export takes a second or two, so two of them overlap. */
const FRAMES = 200_000;

const cleanups: (() => void)[] = [];
afterEach(() => {
  vi.restoreAllMocks();
  for (const c of cleanups.splice(0)) c();
});
function tmp(): string {
  const t = tempDir('aw-atomic-');
  cleanups.push(t.cleanup);
  return t.dir;
}
const listing = (dir: string) => fs.readdirSync(dir).sort();

/** A pid that certainly ran and has exited (reaped) on this host. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', ''], { stdio: 'ignore' });
  expect(r.status).toBe(0);
  return r.pid!;
}

describe('temporary names and the stale rule', () => {
  it('gives every temporary its own name, recognisable as ours, beside the target', () => {
    const target = path.join('/some/dir', 'labels.csv');
    const a = tempPath(target);
    const b = tempPath(target);
    expect(a).not.toBe(b);
    expect(path.dirname(a)).toBe('/some/dir');
    expect(parseTempName(path.basename(a))).toEqual({ target: 'labels.csv', pid: process.pid, host: HOST_TAG, kind: 'tmp' });
    expect(parseTempName(path.basename(tempPath(target, 'old')))?.kind).toBe('old');
    expect(parseTempName('.labels.csv.tmp')).toBeNull();
    expect(parseTempName('labels.csv')).toBeNull();
    // a very long target name still gives a name a file system accepts
    expect(Buffer.byteLength(path.basename(tempPath(`/d/${'é'.repeat(200)}.csv`)))).toBeLessThan(255);
  });

  it('names the outcome for each entry: not-ours, expired, dead, live', () => {
    const dead = deadPid();
    const alive = (pid: number) => pid === process.pid;
    const mine = path.basename(tempPath('/d/x.csv'));
    const ofDead = mine.replace(`.${process.pid}-`, `.${dead}-`);
    const foreign = mine.replace(`-${HOST_TAG}-`, HOST_TAG === 'abcdef' ? '-fedcba-' : '-abcdef-');
    expect(tempFate('x.csv', 0, alive)).toBe('not-ours');
    expect(tempFate('.x.csv.tmp', STALE_TEMP_MS * 2, alive)).toBe('not-ours');
    expect(tempFate(mine, 1000, alive)).toBe('live');
    expect(tempFate(mine, STALE_TEMP_MS + 1, alive)).toBe('expired');
    expect(tempFate(ofDead, 1000, alive)).toBe('dead');
    expect(tempFate(foreign.replace(`.${process.pid}-`, `.${dead}-`), 1000, alive)).toBe('live'); // another host's pid means nothing here
    expect(tempFate(foreign, STALE_TEMP_MS + 1, alive)).toBe('expired');
    expect(pidAlive(process.pid)).toBe(true);
    expect(pidAlive(dead)).toBe(false);
  });

  it('sweeps the temporaries of dead or expired runs, files and folders, and nothing else', () => {
    const dir = tmp();
    const dead = deadPid();
    const name = (n: string) => path.basename(tempPath(path.join(dir, n)));
    const deadFile = name('a.csv').replace(`.${process.pid}-`, `.${dead}-`);
    const deadFolder = name('aff').replace(`.${process.pid}-`, `.${dead}-`).replace('.aw-tmp', '.aw-old');
    const liveFile = name('b.csv');
    const oldFile = name('c.csv');
    for (const f of [deadFile, liveFile, oldFile, 'keep.csv', '.keep.csv.tmp']) fs.writeFileSync(path.join(dir, f), 'x');
    fs.mkdirSync(path.join(dir, deadFolder, 'AU_Set'), { recursive: true });
    fs.writeFileSync(path.join(dir, deadFolder, 'AU_Set', 'v.txt'), 'x');
    const old = new Date(Date.now() - STALE_TEMP_MS - 60_000);
    fs.utimesSync(path.join(dir, oldFile), old, old);
    expect(sweepStaleTemps(dir).sort()).toEqual([deadFile, deadFolder, oldFile].sort());
    expect(listing(dir)).toEqual(['.keep.csv.tmp', liveFile, 'keep.csv'].sort());
    expect(sweepStaleTemps(path.join(dir, 'missing'))).toEqual([]);
  });
});

describe('atomic files and folders in one process', () => {
  it('writes through an exclusive temporary, fsyncs it before the rename and the folder after', () => {
    const dir = tmp();
    const target = path.join(dir, 'recent.json');
    const calls: string[] = [];
    const fsync = fs.fsyncSync;
    const rename = fs.renameSync;
    vi.spyOn(fs, 'fsyncSync').mockImplementation((fd) => {
      calls.push(`fsync ${fs.fstatSync(fd).isDirectory() ? 'dir' : 'file'}`);
      fsync(fd);
    });
    vi.spyOn(fs, 'renameSync').mockImplementation((a, b) => {
      calls.push('rename');
      rename(a, b);
    });
    writeFileAtomic(target, 'one');
    expect(calls).toEqual(['fsync file', 'rename', 'fsync dir']);
    expect(fs.readFileSync(target, 'utf8')).toBe('one');
    expect(listing(dir)).toEqual(['recent.json']);
  });

  it('two writers of one file use two temporaries; with replace the last commit wins whole', () => {
    const dir = tmp();
    const target = path.join(dir, 'out.csv');
    const a = new AtomicFile(target, true);
    const b = new AtomicFile(target, true);
    expect(a.tmp).not.toBe(b.tmp);
    a.write('a\n'.repeat(1000));
    b.write('b\n'.repeat(10));
    a.commit();
    expect(fs.readFileSync(target, 'utf8')).toBe('a\n'.repeat(1000));
    b.commit();
    expect(fs.readFileSync(target, 'utf8')).toBe('b\n'.repeat(10));
    expect(listing(dir)).toEqual(['out.csv']);
  });

  it('without replace, a target that appeared meanwhile is refused and kept; the temporary goes', () => {
    const dir = tmp();
    const target = path.join(dir, 'out.csv');
    const f = new AtomicFile(target, false);
    f.write('mine\n');
    fs.writeFileSync(target, 'theirs\n');
    expect(() => f.commit()).toThrow(/already exists: another export wrote it while this one ran/);
    f.abort();
    expect(fs.readFileSync(target, 'utf8')).toBe('theirs\n');
    expect(listing(dir)).toEqual(['out.csv']);
  });

  it('folders: an empty target is filled, a full one replaced only when allowed, the last of two replacing commits wins whole', () => {
    const dir = tmp();
    const target = path.join(dir, 'aff');
    fs.mkdirSync(target);
    const build = (tag: string, replace: boolean) => {
      const f = new AtomicFolder(target, replace);
      fs.mkdirSync(f.staging('AU_Set'));
      fs.writeFileSync(f.staging('AU_Set/v.txt'), tag);
      return f;
    };
    build('one', false).commit();
    expect(fs.readFileSync(path.join(target, 'AU_Set/v.txt'), 'utf8')).toBe('one');
    const refused = build('two', false);
    expect(() => refused.commit()).toThrow(/already exists/);
    refused.abort();
    const [x, y] = [build('x', true), build('y', true)];
    x.commit();
    y.commit();
    expect(fs.readFileSync(path.join(target, 'AU_Set/v.txt'), 'utf8')).toBe('y');
    expect(listing(dir)).toEqual(['aff']);
    // a temporary folder whose rename fails is left to the caller, the target untouched
    const t = fs.mkdtempSync(path.join(dir, 'x'));
    expect(() => commitFolder(t, path.join(dir, 'aff', 'AU_Set', 'v.txt', 'deeper'), { replace: true })).toThrow();
    expect(fs.readFileSync(path.join(target, 'AU_Set/v.txt'), 'utf8')).toBe('y');
  });

  it('async writes (model files) to one file at once: both finish, the file is one of them whole', async () => {
    const dir = tmp();
    const target = path.join(dir, 'weights.bin');
    const a = new Uint8Array(4 << 20).fill(1);
    const b = new Uint8Array(3 << 20).fill(2);
    await Promise.all([writeFileAtomicAsync(target, a), writeFileAtomicAsync(target, b)]);
    const got = fs.readFileSync(target);
    expect(got.equals(Buffer.from(a)) || got.equals(Buffer.from(b))).toBe(true);
    expect(listing(dir)).toEqual(['weights.bin']);
  });
});

// ── real CLI processes ──────────────────────────────────────────────────────────────────────────

/** The CLI from the sources under test (src/cli/dev.ts through tsx when present, else bin/). */
function cliCommand(): string[] {
  const dev = path.join(ROOT, 'src', 'cli', 'dev.ts');
  return fs.existsSync(dev) ? ['--import', 'tsx', dev] : [path.join(ROOT, 'bin', 'affect-workbench.js')];
}

interface Run {
  pid: number;
  kill: () => void;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

function cli(args: string[]): Run {
  const child = spawn(process.execPath, [...cliCommand(), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += String(d)));
  child.stderr.on('data', (d) => (stderr += String(d)));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { pid: child.pid!, kill: () => child.kill('SIGKILL'), done };
}

/** Checks `file` is one complete merged export of `frames` rows, in one format; returns which. */
function wholeExport(file: string, frames: number): 'csv' | 'jsonl' {
  const text = fs.readFileSync(file, 'utf8');
  expect(text.includes('\0'), 'NUL bytes in the output').toBe(false);
  expect(text.endsWith('\n')).toBe(true);
  const lines = text.slice(0, -1).split('\n');
  // A CSV starts with its header (the provenance is in the sidecar <file>.json), or with the
  // `# affect-workbench` comment line when --comment-header asked for it.
  const header = lines[0].startsWith('# affect-workbench merged-labels v1') ? 1 : 0;
  if (lines[header].startsWith('dataset,media,frame,')) {
    expect(lines.length).toBe(header + 1 + frames);
    const width = lines[header].split(',').length;
    lines.slice(header + 1).forEach((l, i) => {
      if (l.split(',').length !== width || !l.startsWith(`big,long,${i},`)) throw new Error(`CSV line ${i + header + 2} is not row ${i}: ${l.slice(0, 80)}`);
    });
    return 'csv';
  }
  expect(JSON.parse(lines[0])).toMatchObject({ format: 'affect-workbench merged-labels', version: 1 });
  expect(lines.length).toBe(1 + frames);
  lines.slice(1).forEach((l, i) => {
    const o = JSON.parse(l) as { frame: number; media: string };
    if (o.frame !== i || o.media !== 'long') throw new Error(`JSON line ${i + 2} is not row ${i}`);
  });
  return 'jsonl';
}

const STACK = /\n\s+at .+\(.*:\d+:\d+\)/;

describe('affect-workbench export, real processes', () => {
  let base: string;
  let proj: string;
  let done: () => void;

  beforeAll(() => {
    const t = tempDir('aw-atomic-cli-');
    base = t.dir;
    done = t.cleanup;
    proj = path.join(base, 'proj');
    const p = Project.create(proj);
    const ds = addDataset(p, 'big');
    p.db.transaction(() => {
      const ids = addMedia(p, ds, 'long', FRAMES);
      const ins = p.db.prepare(`INSERT INTO labels(frame_id, task, layer, expr, provenance, updated_at) VALUES (?, 'expr', 'imported', ?, 'imported', 'now')`);
      for (const id of ids) ins.run(id, id % 7);
    })();
    p.close();
  });
  afterAll(() => done());

  function outDir(name: string): string {
    const d = path.join(base, name);
    fs.mkdirSync(d);
    return d;
  }

  it('two exports (jsonl and csv) to one file with --force: both succeed, the last rename wins, the file is one whole format', async () => {
    const dir = outDir('force');
    const out = path.join(dir, 'out.x');
    const a = cli(['export', 'jsonl', proj, out, '--model', 'none', '--force']);
    const b = cli(['export', 'csv', proj, out, '--model', 'none', '--force']);
    const [ra, rb] = await Promise.all([a.done, b.done]);
    for (const r of [ra, rb]) {
      expect(r.stderr).not.toMatch(STACK);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/^Exported 200,000 frames to /);
    }
    wholeExport(out, FRAMES);
    // the CSV export's sidecar stays beside whichever file won the rename
    expect(listing(dir)).toEqual(['out.x', 'out.x.json']);
  }, 120_000);

  it('two exports to one file without --force: one writes it whole, the other is refused cleanly', async () => {
    const dir = outDir('noforce');
    const out = path.join(dir, 'out.x');
    const a = cli(['export', 'jsonl', proj, out, '--model', 'none']);
    const b = cli(['export', 'csv', proj, out, '--model', 'none']);
    const [ra, rb] = await Promise.all([a.done, b.done]);
    for (const r of [ra, rb]) expect(r.stderr).not.toMatch(STACK);
    expect([ra.code, rb.code].sort()).toEqual([0, 1]);
    const [won, lost] = ra.code === 0 ? [ra, rb] : [rb, ra];
    const format = won === ra ? 'jsonl' : 'csv';
    expect(won.stdout).toMatch(new RegExp(`^Exported 200,000 frames to .* \\(${format}, `));
    expect(lost.stdout).toBe('');
    expect(lost.stderr).toMatch(/^error: .*out\.x already exists/i);
    expect(wholeExport(out, FRAMES)).toBe(format);
    // a refused CSV export writes no sidecar
    expect(listing(dir)).toEqual(format === 'csv' ? ['out.x', 'out.x.json'] : ['out.x']);
  }, 120_000);

  /** Starts an export and SIGKILLs it once its temporary holds data; returns the temporary's name. */
  async function killMidway(args: string[], dir: string, target: string): Promise<string> {
    const run = cli(args);
    const started = Date.now();
    let seen: string | null = null;
    while (!seen) {
      for (const n of fs.readdirSync(dir)) {
        if (!n.startsWith(`.${target}.`)) continue;
        const p = path.join(dir, n);
        const st = fs.statSync(p);
        if (st.isFile() ? st.size > 0 : fs.readdirSync(p).length > 0) seen = n;
      }
      if (!seen) {
        if (Date.now() - started > 60_000) throw new Error(`no temporary appeared: ${(await Promise.race([run.done, Promise.resolve(null)]))?.stderr ?? ''}`);
        await new Promise((r) => setTimeout(r, 5));
      }
    }
    run.kill();
    const r = await run.done;
    expect(r.signal, 'the export finished before it could be killed: make the fixture larger').toBe('SIGKILL');
    expect(r.stdout).toBe('');
    return seen;
  }

  it('a SIGKILLed csv export leaves no target; the next export into that folder removes its temporary and succeeds', async () => {
    const dir = outDir('killed-csv');
    const stale = await killMidway(['export', 'csv', proj, path.join(dir, 'labels.csv'), '--model', 'none'], dir, 'labels.csv');
    expect(listing(dir)).toEqual([stale]); // the target is absent, the temporary stays until the next run
    const r = await cli(['export', 'jsonl', proj, path.join(dir, 'labels.jsonl'), '--model', 'none']).done;
    expect(r.code, r.stderr).toBe(0);
    expect(listing(dir)).toEqual(['labels.jsonl']);
    expect(wholeExport(path.join(dir, 'labels.jsonl'), FRAMES)).toBe('jsonl');
  }, 120_000);

  it('a SIGKILLed Aff-Wild2 export leaves its temporary folder only until the next export into that folder', async () => {
    const dir = outDir('killed-aff');
    const stale = await killMidway(['export', 'affwild2', proj, path.join(dir, 'aff'), '--model', 'none'], dir, 'aff');
    expect(listing(dir)).toEqual([stale]);
    const r = await cli(['export', 'affwild2', proj, path.join(dir, 'aff2'), '--model', 'none']).done;
    expect(r.code, r.stderr).toBe(0);
    expect(listing(dir)).toEqual(['aff2']);
    const lines = fs.readFileSync(path.join(dir, 'aff2', 'EXPR_Set', 'Train_Set', 'long.txt'), 'utf8').split('\n');
    expect(lines.length).toBe(1 + FRAMES + 1);
  }, 120_000);
});
