// Browser mode's downloads of exports: GET /exports/<name> serves one file of the open project's
// exports folder (`<project>/exports`, where the browser-mode export dialog writes) as an attachment.
// A URL names a file by its name only — one path segment, no folders, no hidden files (an export's
// temporaries are `.…aw-tmp`), no `..`, no separators even percent-encoded — and the resolved file
// must lie inside the exports folder after symlinks (resolveInside). The caller checks the session
// token, the Host and the Origin like every other route.
import fs from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import { pipeline } from 'node:stream';
import { resolveInside } from '../../base/fsutil';
import { EXPORTS_FOLDER } from '../../shared/export-options';
import { AppError } from '../../shared/result';
import { safeDecode } from './request-parts';

const MAX_NAME_BYTES = 255;

const TYPES: Readonly<Record<string, string>> = {
  '.csv': 'text/csv; charset=utf-8',
  '.jsonl': 'application/x-ndjson; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

/** The file name a URL tail names, or an AppError ('invalid-input' for a malformed one, 'not-found' for a refused one). */
export function exportNameOf(rawTail: string): string {
  const name = safeDecode(rawTail);
  if (name === null) throw new AppError('invalid-input', 'Malformed percent-encoding in the URL');
  if (
    name === '' ||
    name.startsWith('.') ||
    /[/\\\u0000-\u001f\u007f]/.test(name) ||
    Buffer.byteLength(name) > MAX_NAME_BYTES
  ) {
    throw new AppError('not-found', 'Not an export: give the name of a file in the project\'s exports folder');
  }
  return name;
}

/** Absolute path of the export `name` of the project in `projectDir`; 'not-found' unless it is a regular file inside its exports folder. */
export function exportFileFor(projectDir: string, name: string): string {
  const dir = path.join(projectDir, EXPORTS_FOLDER);
  let file: string;
  try {
    file = resolveInside(dir, name);
  } catch (e) {
    if (e instanceof AppError && e.code === 'forbidden') throw new AppError('not-found', `No export named ${name}`);
    throw new AppError('not-found', `No exports folder in this project (${dir})`);
  }
  if (path.dirname(file) !== fs.realpathSync(dir)) throw new AppError('not-found', `No export named ${name}`);
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch {
    throw new AppError('not-found', `No export named ${name}`);
  }
  if (!st.isFile()) throw new AppError('not-found', `${name} is not a file (a folder export cannot be downloaded as one file)`);
  return file;
}

/** `attachment` with an ASCII fallback name and the exact UTF-8 name (RFC 6266 / 5987). */
export function contentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`;
}

/** Sends `file` whole as an attachment named `name` (GET; HEAD: the headers only). */
export async function sendExport(req: http.IncomingMessage, res: http.ServerResponse, file: string, name: string): Promise<void> {
  const handle = await fs.promises.open(file, 'r');
  let owned = true;
  try {
    const st = await handle.stat();
    if (!st.isFile()) throw new AppError('not-found', `No export named ${name}`);
    res.writeHead(200, {
      'Content-Type': TYPES[path.extname(name).toLowerCase()] ?? 'application/octet-stream',
      'Content-Length': String(st.size),
      'Content-Disposition': contentDisposition(name),
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
      'Content-Security-Policy': "default-src 'none'; sandbox",
    });
    if (req.method === 'HEAD' || st.size === 0) {
      res.end();
      return;
    }
    // The stream reads from the descriptor opened above (the file checked is the file sent) and
    // closes it; pipeline destroys the response on a read error.
    owned = false;
    pipeline(handle.createReadStream({ start: 0, end: st.size - 1 }), res, () => {});
  } finally {
    if (owned) await handle.close();
  }
}
