// Browser mode: the contract over HTTP + WebSocket on 127.0.0.1, serving the built renderer.
// Security: bound to loopback only; a random per-launch token, exchanged once (GET /?token=…) for an
// HttpOnly SameSite=Strict cookie and also accepted as a Bearer header; the Host header must name
// this server (no DNS rebinding); POSTs must be JSON and same-origin; WebSocket upgrades check the
// Origin; every payload is validated by the contract; files are served only from the renderer
// folder and the media registered in the open project.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { dispatch } from '../../shared/dispatch';
import { AppError, err } from '../../shared/result';
import type { Backend } from '../backend';
import { resolveInside } from '../fsutil';
import { serveFileWithRanges } from './ranges';
import { mediaFileFor } from '../media-files';

export const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; " +
  "media-src 'self' blob:; connect-src 'self' ws://127.0.0.1:* ws://localhost:*; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
  '.ico': 'image/x-icon',
};

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

const COOKIE = 'aw_token';

function parseCookies(h: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (h ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0) out[part.slice(0, i).trim()] = decodeURIComponent(part.slice(i + 1).trim());
  }
  return out;
}

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
    const auth = req.headers.authorization;
    if (auth?.startsWith('Bearer ') && safeEqual(auth.slice(7), token)) return true;
    const c = parseCookies(req.headers.cookie)[COOKIE];
    return !!c && safeEqual(c, token);
  };

  const server = http.createServer((req, res) => {
    void handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) sendJson(res, 500, err('internal', e instanceof Error ? e.message : String(e)));
      else res.destroy();
    });
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (!req.headers.host || !allowedHosts().has(req.headers.host)) {
      sendJson(res, 421, err('forbidden', 'Unexpected Host header'));
      return;
    }
    const url = new URL(req.url ?? '/', `http://${req.headers.host}`);

    // Token exchange: /?token=… sets the cookie and redirects to the clean URL.
    const qtoken = url.searchParams.get('token');
    if (qtoken !== null) {
      if (!safeEqual(qtoken, token)) {
        sendJson(res, 401, err('unauthorised', 'Wrong token: open the URL printed by `affect-workbench serve`.'));
        return;
      }
      url.searchParams.delete('token');
      res.writeHead(303, {
        'Set-Cookie': `${COOKIE}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`,
        Location: url.pathname + (url.search || '') + (url.hash || ''),
      });
      res.end();
      return;
    }

    if (url.pathname.startsWith('/api/')) {
      if (!authorised(req)) return sendJson(res, 401, err('unauthorised', 'Missing or wrong session token'));
      if (req.method !== 'POST') return sendJson(res, 405, err('method-not-allowed', 'Use POST'));
      const origin = req.headers.origin;
      if (origin && !allowedOrigins().has(origin)) return sendJson(res, 403, err('forbidden', 'Cross-origin call refused'));
      if (!(req.headers['content-type'] ?? '').startsWith('application/json'))
        return sendJson(res, 415, err('invalid-input', 'Content-Type must be application/json'));
      const body = await readBody(req, maxBody).catch((e: Error) => e);
      if (body instanceof Error) return sendJson(res, 413, err('invalid-input', body.message));
      let payload: unknown;
      try {
        payload = body.length ? JSON.parse(body) : {};
      } catch (e) {
        return sendJson(res, 400, err('invalid-input', `Request body is not valid JSON: ${(e as Error).message}`));
      }
      const method = decodeURIComponent(url.pathname.slice('/api/'.length));
      sendJson(res, 200, await dispatch(backend.handlers, method, payload));
      return;
    }

    if (url.pathname.startsWith('/media/')) {
      if (!authorised(req)) return sendJson(res, 401, err('unauthorised', 'Missing or wrong session token'));
      try {
        const file = mediaFileFor(backend.requireProject(), url.pathname.slice('/media/'.length));
        await serveFileWithRanges(req, res, file, TYPES);
      } catch (e) {
        const code = e instanceof AppError ? e.code : 'internal';
        sendJson(res, code === 'not-found' ? 404 : code === 'forbidden' ? 403 : 500, err(code, (e as Error).message));
      }
      return;
    }

    if (req.method !== 'GET' && req.method !== 'HEAD') return sendJson(res, 405, err('method-not-allowed', 'GET only'));
    serveStatic(url.pathname, res);
  }

  function serveStatic(pathname: string, res: http.ServerResponse): void {
    let file: string;
    try {
      const rel = decodeURIComponent(pathname === '/' ? '/index.html' : pathname).replace(/^\/+/, '');
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
      'Content-Type': TYPES[ext] ?? 'application/octet-stream',
      'X-Content-Type-Options': 'nosniff',
      'Cache-Control': ext === '.html' ? 'no-store' : 'no-cache',
    };
    if (ext === '.html') {
      headers['Content-Security-Policy'] = CSP;
      headers['X-Frame-Options'] = 'DENY';
      headers['Referrer-Policy'] = 'no-referrer';
    }
    res.writeHead(200, headers);
    fs.createReadStream(file).pipe(res);
  }

  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  const sockets = new Set<WebSocket>();
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const origin = req.headers.origin;
    const okHost = !!req.headers.host && allowedHosts().has(req.headers.host);
    const okOrigin = !origin || allowedOrigins().has(origin);
    if (url.pathname !== '/events' || !okHost || !okOrigin || !authorised(req)) {
      socket.write('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n');
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
      ws.on('message', () => {
        /* events flow one way; clients call methods over HTTP */
      });
    });
  });
  const unsubscribe = backend.subscribe((msg) => {
    const data = JSON.stringify(msg);
    for (const ws of sockets) if (ws.readyState === ws.OPEN) ws.send(data);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
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

function readBody(req: http.IncomingMessage, max: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > max) {
        reject(new Error(`Request body larger than ${max} bytes`));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
