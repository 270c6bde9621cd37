// Directory listing that survives file names which are not valid UTF-8 (possible on Linux, where a
// name is any byte string). Node's string API would turn such a name into U+FFFD and then fail to
// open it; we read names as bytes, and a name that does not decode is reported by the caller
// (it cannot be stored in the project's TEXT columns) instead of producing a confusing ENOENT.
import fs from 'node:fs';
import path from 'node:path';

export interface DirEntry {
  name: string;
  /** Absolute path. */
  path: string;
  isDir: boolean;
  isFile: boolean;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Decodes a file name, or returns null when it is not valid UTF-8. */
export function decodeName(bytes: Uint8Array): string | null {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return null;
  }
}

/** A printable form of a byte name: valid UTF-8 as is, other bytes as \xNN. */
export function showBytes(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  while (i < bytes.length) {
    // take the longest valid UTF-8 run starting at i (at most 4 bytes per character)
    let taken = false;
    for (let len = 1; len <= 4 && i + len <= bytes.length; len++) {
      const s = decodeName(bytes.subarray(i, i + len));
      if (s !== null) {
        out += s;
        i += len;
        taken = true;
        break;
      }
    }
    if (!taken) {
      out += `\\x${bytes[i].toString(16).padStart(2, '0')}`;
      i++;
    }
  }
  return out;
}

/**
 * Lists `dir` sorted by name (code-unit order: deterministic on every platform, so frame indices
 * of image datasets are stable across re-imports). Entries whose names are not UTF-8 go to
 * `onBadName` with a printable form of the name; symlinks are followed.
 */
export function listDir(dir: string, onBadName: (shown: string) => void): DirEntry[] {
  const raw = fs.readdirSync(dir, { withFileTypes: true, encoding: 'buffer' });
  const out: DirEntry[] = [];
  for (const d of raw) {
    const bytes = d.name as unknown as Buffer;
    const name = decodeName(bytes);
    if (name === null) {
      onBadName(showBytes(bytes));
      continue;
    }
    const full = path.join(dir, name);
    let isDir = d.isDirectory();
    let isFile = d.isFile();
    if (d.isSymbolicLink()) {
      try {
        const st = fs.statSync(full);
        isDir = st.isDirectory();
        isFile = st.isFile();
      } catch {
        continue; // dangling link
      }
    }
    out.push({ name, path: full, isDir, isFile });
  }
  out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return out;
}

/** `p` relative to `root` with '/' separators, for messages and stored frame paths. */
export function relPath(root: string, p: string): string {
  const r = path.relative(root, p);
  return (r === '' ? path.basename(p) : r).split(path.sep).join('/');
}

export function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

export function isFile(p: string): boolean {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

/** How a path is stored in the project: relative to the project folder when inside it, else absolute. */
export function storedPath(projectDir: string, p: string): string {
  const abs = path.resolve(p);
  const rel = path.relative(projectDir, abs);
  if (rel && !rel.startsWith('..') && !path.isAbsolute(rel)) return rel.split(path.sep).join('/');
  return abs;
}
