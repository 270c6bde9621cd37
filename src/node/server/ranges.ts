// HTTP Range support (RFC 7233, single range). Chromium seeks in a <video> only when the server
// answers Range requests with 206 Partial Content; without it currentTime stays 0 (DESIGN.md §5).
// Shared by the browser-mode server and the Electron media protocol.
import fs from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import { pipeline } from 'node:stream';

export interface RangePlan {
  status: 200 | 206 | 416;
  start: number;
  end: number; // inclusive
  headers: Record<string, string>;
}

/** Plans the answer to a request for a file of `size` bytes with an optional Range header. */
export function planRange(size: number, rangeHeader: string | undefined | null, contentType: string): RangePlan {
  const base = { 'Accept-Ranges': 'bytes', 'Content-Type': contentType, 'Cache-Control': 'no-cache' };
  if (!rangeHeader) {
    return { status: 200, start: 0, end: size - 1, headers: { ...base, 'Content-Length': String(size) } };
  }
  const m = /^bytes=(\d*)-(\d*)$/.exec(rangeHeader.trim());
  let start: number;
  let end: number;
  if (!m || (m[1] === '' && m[2] === '')) {
    return { status: 416, start: 0, end: -1, headers: { ...base, 'Content-Range': `bytes */${size}` } };
  }
  if (m[1] === '') {
    // suffix range: the last N bytes
    const n = Number(m[2]);
    start = Math.max(0, size - n);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start >= size || start > end) {
    return { status: 416, start: 0, end: -1, headers: { ...base, 'Content-Range': `bytes */${size}` } };
  }
  return {
    status: 206,
    start,
    end,
    headers: { ...base, 'Content-Range': `bytes ${start}-${end}/${size}`, 'Content-Length': String(end - start + 1) },
  };
}

export async function serveFileWithRanges(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  file: string,
  types: Record<string, string>,
): Promise<void> {
  const stat = await fs.promises.stat(file);
  const type = types[path.extname(file).toLowerCase()] ?? mediaType(file);
  const plan = planRange(stat.size, req.headers.range, type);
  res.writeHead(plan.status, { ...plan.headers, 'X-Content-Type-Options': 'nosniff' });
  if (plan.status === 416 || req.method === 'HEAD') {
    res.end();
    return;
  }
  // pipeline, not pipe: a read error (file removed or unreadable) destroys the response instead of
  // being an 'error' event without a listener, which would end the process.
  pipeline(fs.createReadStream(file, { start: plan.start, end: plan.end }), res, () => {});
}

export function mediaType(file: string): string {
  const ext = path.extname(file).toLowerCase();
  return (
    {
      '.mp4': 'video/mp4',
      '.m4v': 'video/mp4',
      '.webm': 'video/webm',
      '.mkv': 'video/x-matroska',
      '.mov': 'video/quicktime',
      '.avi': 'video/x-msvideo',
      '.jpg': 'image/jpeg',
      '.jpeg': 'image/jpeg',
      '.png': 'image/png',
      '.bmp': 'image/bmp',
      '.webp': 'image/webp',
    }[ext] ?? 'application/octet-stream'
  );
}
