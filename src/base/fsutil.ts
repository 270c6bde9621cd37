// File helpers shared by every writer: atomic replacement and containment checks.
//
// Atomic output, the one rule for every file or folder this app puts in place of another (exports,
// models and checkpoints, settings, the demo dataset):
//   1. Write into a temporary sibling of the target (same folder, so the rename stays on one file
//      system) whose name no other writer uses, `.<name>.<pid>-<host>-<random>.aw-tmp`, created
//      exclusively (O_EXCL for a file, mkdir for a folder): a writer never truncates another's.
//   2. fsync it (every file and folder of a temporary folder), rename it over the target, fsync the
//      parent folder where the platform allows. Callers report success only after that.
//   3. A killed run leaves its temporary behind; the next new temporary in that folder removes it
//      (tempFate: the name says it is ours, and its process is dead on this host, or it is older
//      than STALE_TEMP_MS: no run takes that long, and a pid that old may have been reused).
//      Folders moved aside while a folder target is replaced (`.aw-old`) are swept the same way.
// Two writers of one target: with `replace` each commit is one rename, so the last one wins and the
// target is always one whole output; without it a commit refuses (AppError 'conflict') a target
// that appeared while the writer ran, so the later writer gets a clean refusal.
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AppError } from '../shared/result';
import { pidAlive } from './processes';

/** Suffix of a temporary being written, and of an old folder moved aside while being replaced. */
export const TEMP_SUFFIX = '.aw-tmp';
export const OLD_SUFFIX = '.aw-old';
/** A temporary this old is stale whoever wrote it (24 hours). */
export const STALE_TEMP_MS = 24 * 60 * 60 * 1000;
/** The target's name is kept in the temporary's name up to this many bytes (file names end at 255). */
const NAME_BYTES = 120;

/** This machine, in temporary names: the pid check only means something on the host that wrote it. */
export const HOST_TAG = createHash('sha1').update(os.hostname()).digest('hex').slice(0, 6);

const TEMP_NAME = /^\.(.*)\.(\d+)-([0-9a-f]{6})-([0-9a-f]{8})\.aw-(tmp|old)$/;

export interface TempName {
  /** The target's name (possibly shortened). */
  target: string;
  pid: number;
  host: string;
  kind: 'tmp' | 'old';
}

function shortName(name: string): string {
  let s = name;
  while (Buffer.byteLength(s) > NAME_BYTES) s = [...s].slice(0, -1).join('');
  return s;
}

/** A fresh temporary name beside `target` (not yet created). */
export function tempPath(target: string, kind: 'tmp' | 'old' = 'tmp'): string {
  const name = `.${shortName(path.basename(target))}.${process.pid}-${HOST_TAG}-${randomBytes(4).toString('hex')}.aw-${kind}`;
  return path.join(path.dirname(target), name);
}

/** What a temporary's name says about it, or null when the name is not one of ours. */
export function parseTempName(name: string): TempName | null {
  const m = TEMP_NAME.exec(name);
  return m ? { target: m[1], pid: Number(m[2]), host: m[3], kind: m[5] as 'tmp' | 'old' } : null;
}

/**
 * What to do with an entry found beside a target:
 *   not-ours  not a temporary of this app: never touched;
 *   expired   older than STALE_TEMP_MS: removed, whoever wrote it;
 *   dead      written on this host by a process that no longer runs: removed;
 *   live      its writer may still be running (here, or on another host sharing the folder): kept.
 */
export type TempFate = 'not-ours' | 'expired' | 'dead' | 'live';

export function tempFate(name: string, ageMs: number, alive: (pid: number) => boolean, host = HOST_TAG): TempFate {
  const t = parseTempName(name);
  if (!t) return 'not-ours';
  if (ageMs > STALE_TEMP_MS) return 'expired';
  if (t.host === host && !alive(t.pid)) return 'dead';
  return 'live';
}

/** Removes the stale temporaries in `dir` (see tempFate); returns their names. Never throws. */
export function sweepStaleTemps(dir: string, now = Date.now()): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    if (!name.endsWith(TEMP_SUFFIX) && !name.endsWith(OLD_SUFFIX)) continue;
    const full = path.join(dir, name);
    try {
      const fate = tempFate(name, now - fs.lstatSync(full).mtimeMs, pidAlive);
      if (fate !== 'dead' && fate !== 'expired') continue;
      fs.rmSync(full, { recursive: true, force: true });
      removed.push(name);
    } catch {
      /* gone meanwhile (another sweeper), or not ours to remove: leave it */
    }
  }
  return removed;
}

const retryName = (e: unknown) => (e as NodeJS.ErrnoException).code === 'EEXIST';

/** Sweeps `target`'s folder, then creates a new temporary file beside it exclusively; returns its path and descriptor. */
export function createTempFile(target: string): { path: string; fd: number } {
  sweepStaleTemps(path.dirname(target));
  for (let i = 0; ; i++) {
    const p = tempPath(target);
    try {
      return { path: p, fd: fs.openSync(p, 'wx') };
    } catch (e) {
      if (!retryName(e) || i >= 4) throw e;
    }
  }
}

/** Sweeps `target`'s folder, then creates a new temporary folder beside it (mkdir fails on an existing name). */
export function createTempDir(target: string): string {
  sweepStaleTemps(path.dirname(target));
  for (let i = 0; ; i++) {
    const p = tempPath(target);
    try {
      fs.mkdirSync(p);
      return p;
    } catch (e) {
      if (!retryName(e) || i >= 4) throw e;
    }
  }
}

const NO_DIR_SYNC = new Set(['EISDIR', 'EPERM', 'EACCES', 'EINVAL', 'EBADF', 'ENOTSUP', 'EOPNOTSUPP']);

/** fsyncs a folder, so a rename inside it survives a power loss; a no-op where folders cannot be synced (Windows). */
export function syncDir(dir: string): void {
  let fd: number;
  try {
    fd = fs.openSync(dir, 'r');
  } catch (e) {
    if (NO_DIR_SYNC.has((e as NodeJS.ErrnoException).code ?? '')) return;
    throw e;
  }
  try {
    fs.fsyncSync(fd);
  } catch (e) {
    if (!NO_DIR_SYNC.has((e as NodeJS.ErrnoException).code ?? '')) throw e;
  } finally {
    fs.closeSync(fd);
  }
}

/** fsyncs every folder under `dir` (its files are synced by their writers). */
function syncTree(dir: string): void {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) syncTree(path.join(dir, e.name));
  syncDir(dir);
}

export interface CommitOptions {
  /** Replace an existing target (the last commit wins); otherwise a target that exists is refused. */
  replace: boolean;
  /** The refusal when `replace` is false and the target exists. */
  conflict?: (target: string) => AppError;
}

const defaultConflict = (target: string) =>
  new AppError('conflict', `${target} was created by another writer while this one ran; it was left as it is.`);

const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EMLINK', 'EXDEV']);

/**
 * Puts a finished (closed, fsynced) temporary file in place of `target` and fsyncs the folder. On
 * failure the temporary is left for the caller to remove.
 */
export function commitFile(tmp: string, target: string, o: CommitOptions): void {
  if (o.replace) fs.renameSync(tmp, target);
  else {
    // link() fails on an existing name: the check and the commit are one step
    try {
      fs.linkSync(tmp, target);
      fs.rmSync(tmp, { force: true });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? '';
      if (code === 'EEXIST') throw (o.conflict ?? defaultConflict)(target);
      if (!NO_HARD_LINKS.has(code)) throw e;
      if (fs.existsSync(target)) throw (o.conflict ?? defaultConflict)(target);
      fs.renameSync(tmp, target);
    }
  }
  syncDir(path.dirname(target));
}

const RENAME_BLOCKED = new Set(['ENOTEMPTY', 'EEXIST', 'EPERM', 'EACCES', 'EISDIR']);

/**
 * Puts a finished temporary folder in place of `target`: an empty folder there is filled (it is
 * replaced); a non-empty one is moved aside and removed when `replace`, else refused. Repeats when
 * another writer commits in between, so the last commit wins. On failure the temporary is left for
 * the caller to remove, and an old folder already moved aside is put back.
 */
export function commitFolder(tmp: string, target: string, o: CommitOptions): void {
  syncTree(tmp);
  const aside: string[] = [];
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        fs.renameSync(tmp, target);
        break;
      } catch (e) {
        if (!RENAME_BLOCKED.has((e as NodeJS.ErrnoException).code ?? '') || attempt >= 8) throw e;
        let st: fs.Stats;
        try {
          st = fs.statSync(target);
        } catch {
          continue; // moved away meanwhile: try again
        }
        if (!st.isDirectory()) throw e;
        if (fs.readdirSync(target).length === 0) {
          try {
            fs.rmdirSync(target); // an empty folder may always be filled (Windows cannot rename over it)
          } catch {
            /* filled or removed meanwhile: the next attempt sees which */
          }
          continue;
        }
        if (!o.replace) throw (o.conflict ?? defaultConflict)(target);
        const old = tempPath(target, 'old');
        try {
          fs.renameSync(target, old);
          aside.push(old);
        } catch (e2) {
          if ((e2 as NodeJS.ErrnoException).code !== 'ENOENT') throw e2;
        }
      }
    }
    syncDir(path.dirname(target));
  } catch (e) {
    if (aside.length && !fs.existsSync(target)) {
      try {
        fs.renameSync(aside.shift()!, target);
      } catch {
        /* leave it to the sweeper's age limit rather than lose it now */
      }
    }
    throw e;
  } finally {
    for (const old of aside) fs.rmSync(old, { recursive: true, force: true });
  }
}

/** Writes a file atomically (see above). Readers see the old or the new file, never a part. */
export function writeFileAtomic(file: string, data: string | Uint8Array, o: CommitOptions = { replace: true }): void {
  const tmp = createTempFile(file);
  try {
    try {
      const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
      let off = 0;
      while (off < buf.length) off += fs.writeSync(tmp.fd, buf, off, buf.length - off);
      fs.fsyncSync(tmp.fd);
    } finally {
      fs.closeSync(tmp.fd);
    }
    commitFile(tmp.path, file, o);
  } catch (e) {
    fs.rmSync(tmp.path, { force: true });
    throw e;
  }
}

/** writeFileAtomic with the write and fsync off the event loop (large model weights). */
export async function writeFileAtomicAsync(file: string, data: string | Uint8Array, o: CommitOptions = { replace: true }): Promise<void> {
  const tmp = createTempFile(file);
  fs.closeSync(tmp.fd);
  try {
    const handle = await fsp.open(tmp.path, 'r+');
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    commitFile(tmp.path, file, o);
  } catch (e) {
    await fsp.rm(tmp.path, { force: true });
    throw e;
  }
}

/**
 * Resolves `rel` against `root` and refuses anything that ends up outside it (`..`, absolute paths,
 * symlinks pointing out). Used by the media protocol and the browser-mode server.
 */
export function resolveInside(root: string, rel: string): string {
  if (rel.includes('\0')) throw new AppError('forbidden', 'Path contains a NUL byte');
  const rootReal = fs.realpathSync(root);
  const candidate = path.resolve(rootReal, rel);
  let real = candidate;
  try {
    real = fs.realpathSync(candidate);
  } catch {
    /* missing file: check the lexical path */
  }
  const inside = (p: string) => p === rootReal || p.startsWith(rootReal + path.sep);
  if (!inside(candidate) || !inside(real)) throw new AppError('forbidden', `Path escapes the project: ${rel}`);
  return real;
}
