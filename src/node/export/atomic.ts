// Output that appears whole or not at all, by the one atomic-output rule (../fsutil.ts): a streaming
// export writes into a temporary sibling of its target created exclusively under a name of its own
// (`.<name>.<pid>-<host>-<random>.aw-tmp`, in the same folder so the final rename stays on one file
// system), fsyncs it and renames it over the target only on success; on failure or abort the
// temporary is removed, and one a killed export left behind is removed by the next one. Folder
// outputs (one file per video) are built the same way in a temporary sibling folder.
// Two exports to one target: with overwrite the last to finish wins (each output is whole); without
// it the later one is refused ('conflict') and the earlier one's file stays.
import fs from 'node:fs';
import path from 'node:path';
import { AppError } from '../../shared/result';
import { commitFile, commitFolder, createTempDir, createTempFile } from '../../base/fsutil';

const FLUSH_AT = 1 << 16;

/** A buffered append-only file written with synchronous writes (no stream back-pressure to manage). */
export class BufferedFile {
  private fd: number | null;
  private chunks: string[] = [];
  private pending = 0;
  bytes = 0;

  /** Opens `file` exclusively (it must not exist), or adopts `fd`, already open on it. */
  constructor(
    readonly file: string,
    fd?: number,
  ) {
    this.fd = fd ?? fs.openSync(file, 'wx');
  }

  write(s: string): void {
    this.chunks.push(s);
    this.pending += s.length;
    if (this.pending >= FLUSH_AT) this.flush();
  }

  flush(): void {
    if (this.fd === null || this.chunks.length === 0) return;
    const buf = Buffer.from(this.chunks.join(''), 'utf8');
    this.chunks = [];
    this.pending = 0;
    let off = 0;
    while (off < buf.length) off += fs.writeSync(this.fd, buf, off, buf.length - off);
    this.bytes += buf.length;
  }

  /** Flushes, fsyncs and closes. */
  finish(): void {
    if (this.fd === null) throw new Error(`${this.file} is already closed`);
    this.flush();
    fs.fsyncSync(this.fd);
    fs.closeSync(this.fd);
    this.fd = null;
  }

  /** Closes without flushing (after a failure); never throws. */
  close(): void {
    if (this.fd === null) return;
    this.chunks = [];
    try {
      fs.closeSync(this.fd);
    } catch {
      /* already failing */
    }
    this.fd = null;
  }
}

/** Refuses to replace an existing target unless asked to (an empty folder may always be filled). */
export function checkTarget(target: string, kind: 'file' | 'folder', overwrite: boolean): void {
  let st: fs.Stats | undefined;
  try {
    st = fs.statSync(target);
  } catch {
    return;
  }
  if (kind === 'file' && st.isDirectory()) throw new AppError('invalid-input', `${target} is a folder; give a file name for the export.`);
  if (kind === 'folder' && !st.isDirectory()) throw new AppError('invalid-input', `${target} is a file; give a folder for the Aff-Wild2 export.`);
  const empty = kind === 'folder' && fs.readdirSync(target).length === 0;
  if (!empty && !overwrite) throw new AppError('conflict', `${target} already exists; choose another name, or allow replacing it (--force; "replace an existing output" in File → Export…).`);
}

/** checkTarget, then creates the target's parent folder. */
export function prepareTarget(target: string, kind: 'file' | 'folder', overwrite: boolean): void {
  checkTarget(target, kind, overwrite);
  fs.mkdirSync(path.dirname(target), { recursive: true });
}

const replaced = (target: string) =>
  new AppError('conflict', `${target} already exists: another export wrote it while this one ran, and it was left as it is (allow replacing it: --force; "replace an existing output" in File → Export…).`);

/** A file written through a temporary sibling and put in place of `target` on commit. */
export class AtomicFile {
  readonly tmp: string;
  private out: BufferedFile;
  private done = false;

  /** `replace`: the commit may replace a target that exists by then (else it is refused). */
  constructor(
    readonly target: string,
    private readonly replace: boolean,
  ) {
    const t = createTempFile(target);
    this.tmp = t.path;
    this.out = new BufferedFile(t.path, t.fd);
  }

  get bytes(): number {
    return this.out.bytes;
  }

  write(s: string): void {
    this.out.write(s);
  }

  /** Flushes, fsyncs and puts the file in place; the output is complete when this returns. */
  commit(): void {
    this.out.finish();
    commitFile(this.tmp, this.target, { replace: this.replace, conflict: replaced });
    this.done = true;
  }

  /** Removes the temporary; the target is untouched. Safe to call after commit (does nothing). */
  abort(): void {
    if (this.done) return;
    this.out.close();
    fs.rmSync(this.tmp, { force: true });
    this.done = true;
  }
}

/** A folder built in a temporary sibling and put in place of `target` on commit (an empty folder there is filled). */
export class AtomicFolder {
  readonly tmp: string;
  private done = false;

  constructor(
    readonly target: string,
    private readonly replace: boolean,
  ) {
    this.tmp = createTempDir(target);
  }

  /** Path inside the temporary folder of a final relative path. */
  staging(rel: string): string {
    return path.join(this.tmp, rel);
  }

  commit(): void {
    commitFolder(this.tmp, this.target, { replace: this.replace, conflict: replaced });
    this.done = true;
  }

  abort(): void {
    if (this.done) return;
    fs.rmSync(this.tmp, { recursive: true, force: true });
    this.done = true;
  }
}
