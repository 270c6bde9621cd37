// File helpers shared by every writer: atomic replacement and containment checks.
import fs from 'node:fs';
import path from 'node:path';
import { AppError } from '../shared/result';

/** Writes a file atomically: a temporary sibling, fsync, rename. Readers see the old or the new file, never a part. */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
  const fd = fs.openSync(tmp, 'w');
  try {
    fs.writeSync(fd, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  try {
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
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
