// Request bodies with a size limit, and the refusal of a body that is too large in a way the client
// actually sees: a 413 answer written at once, the rest of the body read and discarded (bounded),
// then the connection closed. Destroying the request instead resets the connection while the client
// is still sending, and the client gets ECONNRESET, not the 413.
import type http from 'node:http';

export type BodyResult = { kind: 'ok'; body: Buffer } | { kind: 'too-large' } | { kind: 'aborted' };

/** The declared Content-Length, or null when absent (chunked) or not a plain decimal number. */
export function declaredLength(req: http.IncomingMessage): number | null {
  const v = req.headers['content-length'];
  return typeof v === 'string' && /^\d+$/.test(v.trim()) ? Number(v.trim()) : null;
}

/**
 * Reads the body, at most `max` bytes. Past the limit it answers 'too-large' and stops keeping the
 * data (the request keeps flowing, so `refuseBody` can drain it); a client that goes away answers
 * 'aborted'. Never rejects.
 */
export function readBodyLimited(req: http.IncomingMessage, max: number): Promise<BodyResult> {
  return new Promise((resolve) => {
    if (req.readableEnded) return resolve({ kind: 'ok', body: Buffer.alloc(0) });
    if (req.destroyed) return resolve({ kind: 'aborted' });
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (r: BodyResult) => {
      if (done) return;
      done = true;
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onGone);
      req.off('close', onGone);
      resolve(r);
    };
    const onData = (c: Buffer) => {
      size += c.length;
      if (size > max) {
        chunks.length = 0;
        finish({ kind: 'too-large' });
        return;
      }
      chunks.push(c);
    };
    const onEnd = () => finish({ kind: 'ok', body: Buffer.concat(chunks) });
    const onGone = () => finish({ kind: 'aborted' });
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onGone);
    req.on('close', onGone);
  });
}

export interface DrainLimits {
  /** Most bytes read and discarded after the answer before the connection is cut. */
  maxBytes: number;
  /** Most time spent draining before the connection is cut. */
  maxMs: number;
}

export const DEFAULT_DRAIN: DrainLimits = { maxBytes: 64 * 1024 * 1024, maxMs: 10_000 };

/**
 * Answers `status` with a JSON body and `Connection: close` at once, then reads and discards what
 * is left of the request body (within `limits`) before ending the response, so the client has
 * finished sending when the connection closes and reads the answer instead of a reset.
 */
export function refuseBody(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  status: number,
  payload: unknown,
  limits: DrainLimits = DEFAULT_DRAIN,
): void {
  const data = Buffer.from(JSON.stringify(payload), 'utf8');
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(data.length),
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    Connection: 'close',
  });
  res.write(data);
  let drained = 0;
  let done = false;
  const finish = () => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    req.off('data', onData);
    req.off('end', finish);
    req.off('close', finish);
    if (!res.writableEnded) res.end();
    // Cut short (limit reached): close now rather than wait for a client that keeps sending.
    if (!req.complete) res.socket?.destroy();
  };
  const onData = (c: Buffer) => {
    drained += c.length;
    if (drained > limits.maxBytes) finish();
  };
  const timer = setTimeout(finish, limits.maxMs);
  timer.unref();
  req.on('data', onData);
  req.on('end', finish);
  req.on('close', finish);
  if (req.readableEnded || req.destroyed) finish();
  else req.resume();
}
