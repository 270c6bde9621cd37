// Browser mode: the contract over HTTP + WebSocket on 127.0.0.1, serving the built renderer.
// Security: bound to loopback only; a random per-launch token, exchanged once (GET /?token=…) for an
// HttpOnly SameSite=Strict cookie and also accepted as a Bearer header; the Host header must name
// this server (no DNS rebinding); POSTs must be JSON and same-origin; WebSocket upgrades check the
// Origin; every payload is validated by the contract; files are served only from the renderer
// folder, the media registered in the open project, and (GET /exports/<name>, as attachments) the
// files of the open project's exports folder, named by file name only (exports.ts).
// Robustness: every request part is parsed by functions that never throw (request-parts.ts); every
// handler, the upgrade path included, answers an error instead of throwing (guards.ts); a body over
// the limit gets a 413 the client really receives (body.ts). Nothing a request carries may end the process.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { pipeline } from 'node:stream';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { dispatch } from '../../shared/dispatch';
import { AppError, err } from '../../shared/result';
import type { Backend } from '../app/backend';
import { resolveInside } from '../../base/fsutil';
import { serveFileWithRanges } from './ranges';
import { mediaFileFor } from '../app/media-files';
import { CONTENT_TYPES, contentTypeOf } from '../app/content-types';
import { declaredLength, readBodyLimited, refuseBody } from './body';
import { answerOnSocket, guardUpgrade, onClientError } from './guards';
import { exportFileFor, exportNameOf, sendExport } from './exports';
import { EXPORTS_URL_PREFIX } from '../../shared/export-options';
import { cookieValues, headerValue, isJsonContentType, localRedirect, parseRequestTarget, safeDecode } from './request-parts';

export const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; " +
  "media-src 'self' blob:; connect-src 'self' ws://127.0.0.1:* ws://localhost:*; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";


export interface ServerOptions {
  port?: number;
  /** Folder of the built renderer (out/renderer). */
  rendererDir: string;
  /** Fixed token (tests); random otherwise. */
  token?: string;
  maxBodyBytes?: number;
}

export interface RunningServer {
  url: string;
  /** URL to open in a browser: carries the token once. */
  launchUrl: string;
  token: string;
  port: number;
  close(): Promise<void>;
}

/**
 * The session cookie's name, per port: browsers send cookies to every port of a host, so two
 * browser-mode servers on one machine would otherwise overwrite each other's session.
 */
export function sessionCookieName(port: number): string {
  return `aw_token_${port}`;
}

const noop = (): void => {};

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const data = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
  res.end(data);
}

export async function startServer(backend: Backend, opts: ServerOptions): Promise<RunningServer> {
  const token = opts.token ?? crypto.randomBytes(24).toString('hex');
  const maxBody = opts.maxBodyBytes ?? 10 * 1024 * 1024;
  let port = opts.port ?? 0;
  const allowedHosts = () => new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
  const allowedOrigins = () => new Set([`http://127.0.0.1:${port}`, `http://localhost:${port}`]);

  const authorised = (req: http.IncomingMessage): boolean => {
    const auth = headerValue(req.headers.authorization);
    if (auth?.startsWith('Bearer ') && safeEqual(auth.slice(7), token)) return true;
    // Every cookie of this port's name is tried: another local app (cookies ignore the port) may have set one too.
    return cookieValues(req.headers.cookie, sessionCookieName(port)).some((c) => safeEqual(c, token));
  };
  const hostAllowed = (req: http.IncomingMessage): boolean => {
    const host = headerValue(req.headers.host);
    return !!host && allowedHosts().has(host);
  };
  /** No Origin header (same-origin GET, non-browser client) or exactly this server's origin. */
  const originAllowed = (req: http.IncomingMessage): boolean => {
    const origin = headerValue(req.headers.origin);
    return origin === undefined || allowedOrigins().has(origin);
  };

  const server = http.createServer((req, res) => {
    // Errors on a request or response stream are handled where they matter (the body reader, the
    // file pipelines); these listeners only keep a stray one from becoming an uncaught exception.
    req.on('error', noop);
    res.on('error', noop);
    handle(req, res)
      .catch((e: unknown) => {
        if (!res.headersSent) sendJson(res, 500, err('internal', e instanceof Error ? e.message : String(e)));
        else res.destroy();
      })
      .catch(() => res.destroy());
  });
  server.on('clientError', onClientError);

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (!hostAllowed(req)) {
      sendJson(res, 421, err('forbidden', 'Unexpected Host header'));
      return;
    }
    const url = parseRequestTarget(req.url, allowedHosts());
    if (!url) {
      sendJson(res, 400, err('invalid-input', 'Malformed request URL'));
      return;
    }

    // Token exchange: /?token=… sets the cookie and redirects to the clean URL.
    const qtoken = url.searchParams.get('token');
    if (qtoken !== null) {
      if (!safeEqual(qtoken, token)) {
        sendJson(res, 401, err('unauthorised', 'Wrong token: open the URL printed by `affect-workbench serve`.'));
        return;
      }
      url.searchParams.delete('token');
      res.writeHead(303, {
        'Set-Cookie': `${sessionCookieName(port)}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`,
        Location: localRedirect(url),
      });
      res.end();
      return;
    }

    if (url.pathname.startsWith('/api/')) {
      if (!authorised(req)) return sendJson(res, 401, err('unauthorised', 'Missing or wrong session token'));
      if (req.method !== 'POST') return sendJson(res, 405, err('method-not-allowed', 'Use POST'));
      if (!originAllowed(req)) return sendJson(res, 403, err('forbidden', 'Cross-origin call refused'));
      if (!isJsonContentType(req.headers['content-type']))
        return sendJson(res, 415, err('invalid-input', 'Content-Type must be application/json'));
      const method = safeDecode(url.pathname.slice('/api/'.length));
      if (method === null) return sendJson(res, 400, err('invalid-input', 'Malformed method name in the URL'));
      const tooLarge = err('invalid-input', `Request body larger than ${maxBody} bytes`);
      if ((declaredLength(req) ?? 0) > maxBody) return refuseBody(req, res, 413, tooLarge);
      const body = await readBodyLimited(req, maxBody);
      if (body.kind === 'too-large') return refuseBody(req, res, 413, tooLarge);
      if (body.kind === 'aborted') return void res.destroy();
      let payload: unknown;
      try {
        payload = body.body.length ? JSON.parse(body.body.toString('utf8')) : {};
      } catch (e) {
        return sendJson(res, 400, err('invalid-input', `Request body is not valid JSON: ${(e as Error).message}`));
      }
      sendJson(res, 200, await dispatch(backend.handlers, method, payload));
      return;
    }

    if (url.pathname.startsWith('/media/')) {
      if (!authorised(req)) return sendJson(res, 401, err('unauthorised', 'Missing or wrong session token'));
      if (req.method !== 'GET' && req.method !== 'HEAD') return sendJson(res, 405, err('method-not-allowed', 'GET only'));
      try {
        const file = mediaFileFor(backend.requireProject(), url.pathname.slice('/media/'.length));
        await serveFileWithRanges(req, res, file, CONTENT_TYPES);
      } catch (e) {
        const code = e instanceof AppError ? e.code : 'internal';
        const status = code === 'not-found' || code === 'no-project' ? 404 : code === 'forbidden' ? 403 : 500;
        sendJson(res, status, err(code, (e as Error).message));
      }
      return;
    }

    if (url.pathname.startsWith(EXPORTS_URL_PREFIX)) {
      if (!authorised(req)) return sendJson(res, 401, err('unauthorised', 'Missing or wrong session token'));
      if (req.method !== 'GET' && req.method !== 'HEAD') return sendJson(res, 405, err('method-not-allowed', 'GET only'));
      if (!originAllowed(req)) return sendJson(res, 403, err('forbidden', 'Cross-origin request refused'));
      try {
        const name = exportNameOf(url.pathname.slice(EXPORTS_URL_PREFIX.length));
        await sendExport(req, res, exportFileFor(backend.requireProject().dir, name), name);
      } catch (e) {
        if (res.headersSent) return void res.destroy();
        const code = e instanceof AppError ? e.code : 'internal';
        const status = code === 'not-found' || code === 'no-project' ? 404 : code === 'invalid-input' ? 400 : 500;
        sendJson(res, status, err(code, status === 500 ? 'The export could not be read' : (e as Error).message));
      }
      return;
    }

    if (req.method !== 'GET' && req.method !== 'HEAD') return sendJson(res, 405, err('method-not-allowed', 'GET only'));
    serveStatic(req, url.pathname, res);
  }

  function serveStatic(req: http.IncomingMessage, pathname: string, res: http.ServerResponse): void {
    const decoded = safeDecode(pathname === '/' ? '/index.html' : pathname);
    if (decoded === null) {
      sendJson(res, 400, err('invalid-input', 'Malformed percent-encoding in the URL'));
      return;
    }
    let file: string;
    try {
      const rel = decoded.replace(/^\/+/, '');
      file = resolveInside(opts.rendererDir, rel);
    } catch {
      sendJson(res, 404, err('not-found', 'Not found'));
      return;
    }
    if (!fs.existsSync(file) || !fs.statSync(file).isFile()) {
      if (!fs.existsSync(path.join(opts.rendererDir, 'index.html'))) {
        res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
        res.end(`The renderer is not built (${opts.rendererDir} is missing). Run \`npm run build\` first.\n`);
        return;
      }
      sendJson(res, 404, err('not-found', `Not found: ${pathname}`));
      return;
    }
    const ext = path.extname(file);
    const headers: http.OutgoingHttpHeaders = {
      'Content-Type': contentTypeOf(ext),
      'X-Content-Type-Options': 'nosniff',
      'Cache-Control': ext === '.html' ? 'no-store' : 'no-cache',
    };
    if (ext === '.html') {
      headers['Content-Security-Policy'] = CSP;
      headers['X-Frame-Options'] = 'DENY';
      headers['Referrer-Policy'] = 'no-referrer';
    }
    res.writeHead(200, headers);
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    // pipeline, not pipe: a read error (file removed, unreadable) destroys the response instead of
    // being an 'error' event without a listener.
    pipeline(fs.createReadStream(file), res, noop);
  }

  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  const sockets = new Set<WebSocket>();
  function upgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    if (!hostAllowed(req)) return answerOnSocket(socket, 421);
    const url = parseRequestTarget(req.url, allowedHosts());
    if (!url) return answerOnSocket(socket, 400);
    if (!originAllowed(req)) return answerOnSocket(socket, 403);
    if (!authorised(req)) return answerOnSocket(socket, 401);
    if (url.pathname !== '/events') return answerOnSocket(socket, 404);
    // ws answers a handshake it cannot accept (method, key, version) with a 4xx itself.
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
      // A malformed or oversized frame is an 'error' on the WebSocket: drop that client, keep the server.
      ws.on('error', () => ws.terminate());
      ws.on('message', () => {
        /* events flow one way; clients call methods over HTTP */
      });
    });
  }
  server.on(
    'upgrade',
    guardUpgrade(upgrade, (e) => console.error('affect-workbench: upgrade failed:', e)),
  );
  const unsubscribe = backend.subscribe((msg) => {
    const data = JSON.stringify(msg);
    for (const ws of sockets) {
      try {
        if (ws.readyState === ws.OPEN) ws.send(data);
      } catch {
        ws.terminate();
      }
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  // After listening, a server error (e.g. EMFILE on accept) is reported, not thrown.
  server.on('error', (e) => console.error('affect-workbench: server error:', e));
  port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}/`;
  return {
    url,
    launchUrl: `${url}?token=${token}`,
    token,
    port,
    close: async () => {
      unsubscribe();
      for (const ws of sockets) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
