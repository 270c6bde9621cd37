// The browser-mode server must survive whatever a request carries (issue 12): garbage cookies,
// malformed URLs, odd content types, oversized bodies, broken WebSocket frames, sockets reset
// mid-request. Each case names the bug it pins; an exception anywhere must not reach the process.
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { Backend } from '../../src/node/app/backend';
import { refuseBody } from '../../src/node/server/body';
import { answerOnSocket, guardUpgrade, onClientError } from '../../src/node/server/guards';
import { cookieValues, headerValue, isJsonContentType, localRedirect, parseRequestTarget, safeDecode } from '../../src/node/server/request-parts';
import { sessionCookieName, startServer, type RunningServer } from '../../src/node/server/server';
import { tempDir } from './helpers';
import { crashWatch } from './crash-watch';

const MAX_BODY = 64 * 1024;
const TOKEN = 'a1b2c3d4e5f6a1b2c3d4e5f6a1b2c3d4e5f6a1b2c3d4e5f6';
const tmp = tempDir('aw-hardening-');
const rendererDir = path.join(tmp.dir, 'renderer');
let backend: Backend;
let server: RunningServer;

// Anything thrown outside a request's own promise chain lands here; vitest sees it too, but the
// assertion after each test names the case that caused it.
const watch = crashWatch();
const crashes = watch.crashes;

beforeAll(async () => {
  watch.start();
  process.env.AW_HOME = path.join(tmp.dir, 'home');
  fs.mkdirSync(rendererDir);
  fs.writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>t</title>');
  backend = new Backend({ transport: 'http' });
  server = await startServer(backend, { rendererDir, token: TOKEN, maxBodyBytes: MAX_BODY });
});
afterEach(() => {
  const seen = crashes.splice(0);
  expect(seen, 'uncaught exceptions / unhandled rejections').toEqual([]);
});
afterAll(async () => {
  watch.stop();
  await server.close();
  await backend.close();
  tmp.cleanup();
});

const host = () => `127.0.0.1:${server.port}`;
const WS_KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
const upgradeHeaders = (extra = '') =>
  `Host: ${host()}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${WS_KEY}\r\n${extra}\r\n`;

interface RawReply {
  status: number | null;
  text: string;
  reset: boolean;
}

/** Sends bytes over a raw socket and collects the answer until the server closes (or `waitMs`). */
function rawSend(port: number, data: string | Buffer, opts: { waitMs?: number; resetAfterMs?: number } = {}): Promise<RawReply> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let reset = false;
    const s = net.connect(port, '127.0.0.1');
    const done = () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('latin1');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      resolve({ status: m ? Number(m[1]) : null, text, reset });
    };
    const timer = setTimeout(() => s.destroy(), opts.waitMs ?? 3000);
    s.on('data', (d) => chunks.push(d));
    s.on('error', () => (reset = true));
    s.on('close', done);
    s.write(data);
    if (opts.resetAfterMs !== undefined) setTimeout(() => s.resetAndDestroy(), opts.resetAfterMs);
  });
}

async function api(method: string, headers: Record<string, string>, body = '{}') {
  const res = await fetch(`${server.url}api/${method}`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body });
  const text = await res.text();
  return { status: res.status, text, json: (() => { try { return JSON.parse(text) as { ok: boolean; error?: { code: string } }; } catch { return null; } })() };
}

const bearer = { Authorization: `Bearer ${TOKEN}` };

/** A WebSocket to /events with these headers: 'open', 'refused', or 'no answer' within 3 s. */
function wsAttempt(headers: Record<string, string>): Promise<'open' | 'refused' | 'no answer'> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://${host()}/events`, { headers, handshakeTimeout: 3000 });
    ws.once('open', () => {
      ws.close();
      resolve('open');
    });
    ws.once('error', () => resolve('refused'));
  });
}

async function stillServing(): Promise<void> {
  const r = await api('app.info', bearer);
  expect(r.status).toBe(200);
  expect(r.json?.ok).toBe(true);
}

describe('request parts are parsed without ever throwing', () => {
  it('cookies: garbage is skipped, every value of the name is kept', () => {
    expect(cookieValues(`other_app=100%; aw_token=${TOKEN}`, 'aw_token')).toEqual([TOKEN]);
    expect(cookieValues('aw_token=%zz; aw_token=%E0%A4%A; x=%', 'aw_token')).toEqual([]);
    expect(cookieValues('aw_token=a%20b; aw_token=c', 'aw_token')).toEqual(['a b', 'c']);
    expect(cookieValues(['a=1', 'aw_token=t'], 'aw_token')).toEqual(['t']);
    expect(cookieValues(';;=;aw_token;  aw_token = v ;', 'aw_token')).toEqual(['v']);
    expect(cookieValues(undefined, 'aw_token')).toEqual([]);
  });

  it('content type: exactly application/json, parameters and case aside', () => {
    for (const ok of ['application/json', 'Application/JSON', ' application/json ; charset=utf-8', 'application/json;charset=UTF-8'])
      expect(isJsonContentType(ok), ok).toBe(true);
    for (const bad of ['application/jsonp', 'application/json-patch+json', 'application/jsonx; charset=utf-8', 'text/plain; application/json', 'text/plain', '', 'application/ json'])
      expect(isJsonContentType(bad), bad).toBe(false);
    expect(isJsonContentType(undefined)).toBe(false);
    expect(isJsonContentType(['application/json', 'application/json'])).toBe(false);
  });

  it('request targets: malformed ones answer null; //host stays a path; absolute-form only for this server', () => {
    const hosts = new Set(['127.0.0.1:1234', 'localhost:1234']);
    for (const bad of ['http://[bad/events', '[', '%', '*', '', undefined, 'https://127.0.0.1:1234/', 'http://evil.example/api/x', 'http://u:p@127.0.0.1:1234/', 'events'])
      expect(parseRequestTarget(bad, hosts), String(bad)).toBeNull();
    expect(parseRequestTarget('/a/%zz?x=%', hosts)?.pathname).toBe('/a/%zz');
    expect(parseRequestTarget('//evil.example/x', hosts)?.pathname).toBe('//evil.example/x');
    expect(parseRequestTarget('http://127.0.0.1:1234/api/app.info', hosts)?.pathname).toBe('/api/app.info');
    expect(localRedirect(new URL('http://h//evil.example/?a=1'))).toBe('/evil.example/?a=1');
    expect(localRedirect(new URL('http://h/\\evil.example/'))).toBe('/evil.example/');
    expect(safeDecode('%zz')).toBeNull();
    expect(safeDecode('a%20b')).toBe('a b');
    expect(headerValue(['a', 'b'])).toBe('a, b');
  });
});

describe('guards', () => {
  it('an exception in an upgrade handler becomes a 500 on the socket, not a crash', async () => {
    const errors: unknown[] = [];
    const s = http.createServer();
    s.on(
      'upgrade',
      guardUpgrade(
        () => {
          throw new Error('boom');
        },
        (e) => errors.push(e),
      ),
    );
    s.on('clientError', onClientError);
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    const port = (s.address() as net.AddressInfo).port;
    const r = await rawSend(port, `GET /events HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n`);
    expect(r.status).toBe(500);
    expect(errors).toHaveLength(1);
    const bad = await rawSend(port, 'GARBAGE\x00\x01 / HTTP/1.1\r\n\r\n');
    expect(bad.status).toBe(400);
    const big = await rawSend(port, `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expect(big.status).toBe(431);
    await new Promise<void>((r) => s.close(() => r()));
  });

  it('answerOnSocket tolerates a socket that is already gone', () => {
    const s = new net.Socket();
    s.destroy();
    expect(() => answerOnSocket(s, 400)).not.toThrow();
  });
});

describe('bug 1: a cookie that is not valid percent-encoding', () => {
  const cookie = () => `other_app=100%; ${sessionCookieName(server.port)}=${TOKEN}`;

  it('is ignored by API calls: the valid aw_token still works (was a 500)', async () => {
    const r = await api('app.info', { Cookie: cookie() });
    expect(r.status).toBe(200);
    expect(r.json?.ok).toBe(true);
    const only = await api('app.info', { Cookie: `other_app=100%; ${sessionCookieName(server.port)}=%zz` });
    expect(only.status).toBe(401);
  });

  it('is ignored by the /events upgrade (the URIError ended the process)', async () => {
    expect(await wsAttempt({ Cookie: cookie() })).toBe('open');
    expect(await wsAttempt({ Cookie: `other_app=100%; ${sessionCookieName(server.port)}=%E0%A4%A` })).toBe('refused');
    const raw = await rawSend(server.port, `GET /events HTTP/1.1\r\n${upgradeHeaders('Cookie: x=%\r\n')}`);
    expect(raw.status).toBe(401);
    await stillServing();
  });
});

describe('bug 2: malformed request URLs answer 400', () => {
  it('a raw upgrade to http://[bad/events (the TypeError ended the process)', async () => {
    const r = await rawSend(server.port, `GET http://[bad/events HTTP/1.1\r\n${upgradeHeaders(`Cookie: ${sessionCookieName(server.port)}=${TOKEN}\r\n`)}`);
    expect(r.status).toBe(400);
    await stillServing();
  });

  it('plain requests with garbage URLs, bad method names and bad static paths (were 500 or 404)', async () => {
    const get = (target: string, extra = '') => rawSend(server.port, `GET ${target} HTTP/1.1\r\nHost: ${host()}\r\nConnection: close\r\n${extra}\r\n`);
    expect((await get('http://[bad/')).status).toBe(400);
    expect((await get('http://evil.example/')).status).toBe(400);
    expect((await get('/%E0%A4%A')).status).toBe(400);
    expect((await get('/%zz')).status).toBe(400);
    const post = (target: string) =>
      rawSend(
        server.port,
        `POST ${target} HTTP/1.1\r\nHost: ${host()}\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`,
      );
    expect((await post('/api/%zz')).status).toBe(400);
    expect((await post('/api/app%2')).status).toBe(400);
    // Absolute-form naming this server is still served.
    const abs = await post(`http://${host()}/api/app.info`);
    expect(abs.status).toBe(200);
    expect(abs.text).toContain('"ok":true');
    await stillServing();
  });

  // A guard for the new parsing (a path that starts with // is now kept as a path), not a reported bug.
  it('the token exchange never redirects to another host', async () => {
    for (const target of [`//evil.example/?token=${TOKEN}`, `/\\evil.example/?token=${TOKEN}`, `///evil.example/?token=${TOKEN}`]) {
      const r = await rawSend(server.port, `GET ${target} HTTP/1.1\r\nHost: ${host()}\r\nConnection: close\r\n\r\n`);
      expect(r.status, target).toBe(303);
      const location = /\r\nLocation: ([^\r\n]*)/i.exec(r.text)?.[1] ?? '';
      expect(location, target).toMatch(/^\/(?![/\\])/);
    }
  });
});

describe('bug 3: the JSON content-type check is exact', () => {
  it('refuses look-alikes with 415 and accepts parameters and any case', async () => {
    for (const ct of ['application/jsonp', 'application/json-patch+json', 'text/plain; application/json', 'application/jsonx;charset=utf-8']) {
      const r = await api('app.info', { ...bearer, 'Content-Type': ct });
      expect(r.status, ct).toBe(415);
    }
    for (const ct of ['application/json; charset=utf-8', 'Application/JSON', ' application/json ;charset=UTF-8']) {
      const r = await api('app.info', { ...bearer, 'Content-Type': ct });
      expect(r.status, ct).toBe(200);
    }
  });
});

describe('bug 4: a body over maxBodyBytes gets a 413 the client receives', () => {
  const big = Buffer.alloc(1024 * 1024, 0x20); // 1 MiB of JSON whitespace

  function nodeRequest(chunked: boolean): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string> = { ...bearer, 'Content-Type': 'application/json', Host: host() };
      if (!chunked) headers['Content-Length'] = String(big.length);
      const req = http.request({ host: '127.0.0.1', port: server.port, path: '/api/app.info', method: 'POST', headers, agent: false }, (res) => {
        let b = '';
        res.on('data', (d) => (b += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: b }));
        res.on('error', reject);
      });
      req.on('error', reject);
      if (chunked) {
        // Several chunks, as a streaming client would send them.
        for (let off = 0; off < big.length; off += 64 * 1024) req.write(big.subarray(off, off + 64 * 1024));
        req.end();
      } else req.end(big);
    });
  }

  it('with Content-Length (was a connection reset)', async () => {
    for (let i = 0; i < 3; i++) {
      const r = await nodeRequest(false);
      expect(r.status).toBe(413);
      expect(JSON.parse(r.body).error.code).toBe('invalid-input');
    }
  });

  it('with chunked encoding (was a connection reset)', async () => {
    for (let i = 0; i < 3; i++) {
      const r = await nodeRequest(true);
      expect(r.status).toBe(413);
      expect(JSON.parse(r.body).error.message).toMatch(/larger than 65536 bytes/);
    }
  });

  it('with fetch, and a body of exactly the limit is still accepted', async () => {
    const r = await api('app.info', bearer, big.toString());
    expect(r.status).toBe(413);
    const exact = await api('app.info', bearer, `{}${' '.repeat(MAX_BODY - 2)}`);
    expect(exact.status).toBe(200);
    await stillServing();
  });

  it('draining after the 413 is bounded in bytes and in time', async () => {
    const s = http.createServer((req, res) => refuseBody(req, res, 413, { too: 'large' }, { maxBytes: 256 * 1024, maxMs: 300 }));
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    const port = (s.address() as net.AddressInfo).port;
    /** A client that never stops sending: `chunk` bytes every `everyMs`. */
    const endless = (chunk: number, everyMs: number) =>
      new Promise<{ status: number | null; ms: number }>((resolve) => {
        const t0 = Date.now();
        let text = '';
        const c = net.connect(port, '127.0.0.1');
        c.on('data', (d) => (text += d.toString('latin1')));
        c.on('error', () => {});
        const pump = setInterval(() => c.writable && c.write(Buffer.alloc(chunk, 0x20)), everyMs);
        c.on('close', () => {
          clearInterval(pump);
          resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0) || null, ms: Date.now() - t0 });
        });
        c.write(`POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 999999999\r\n\r\n`);
      });
    const fast = await endless(64 * 1024, 1); // cut by maxBytes
    expect(fast.status).toBe(413);
    expect(fast.ms).toBeLessThan(3000);
    const slow = await endless(10, 20); // cut by maxMs
    expect(slow.status).toBe(413);
    expect(slow.ms).toBeGreaterThanOrEqual(250);
    expect(slow.ms).toBeLessThan(3000);
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  });

  it('a client that stops sending half-way is let go (no hang, no crash)', async () => {
    const head = `POST /api/app.info HTTP/1.1\r\nHost: ${host()}\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Type: application/json\r\n`;
    const declared = await rawSend(server.port, `${head}Content-Length: 999999999\r\n\r\n${' '.repeat(1000)}`, { resetAfterMs: 50 });
    expect(declared.status === 413 || declared.reset).toBe(true);
    const chunked = await rawSend(server.port, `${head}Transfer-Encoding: chunked\r\n\r\n10000\r\n${' '.repeat(0x10000)}\r\n10000\r\n${' '.repeat(100)}`, { resetAfterMs: 50 });
    expect(chunked.status === 413 || chunked.reset).toBe(true);
    await stillServing();
  });
});

describe('bug 5: errors on sockets and in handlers never end the process', () => {
  it('a malformed WebSocket frame from an authorised client drops that client only', async () => {
    const ws = new WebSocket(`ws://${host()}/events`, { headers: bearer });
    await new Promise((r, j) => (ws.once('open', r), ws.once('error', j)));
    const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
    ws.on('error', () => {});
    // An unmasked frame with RSV bits set: invalid from a client.
    (ws as unknown as { _socket: net.Socket })._socket.write(Buffer.from([0xf1, 0x05, 0x68, 0x65, 0x6c, 0x6c, 0x6f]));
    expect(await closed).toBeGreaterThan(0);
    const big = new WebSocket(`ws://${host()}/events`, { headers: bearer });
    await new Promise((r, j) => (big.once('open', r), big.once('error', j)));
    const bigClosed = new Promise<number>((r) => big.once('close', (code) => r(code)));
    big.on('error', () => {});
    big.send(Buffer.alloc(200 * 1024)); // over maxPayload
    expect(await bigClosed).toBe(1009);
    await stillServing();
  });

  it('sockets reset mid-request, mid-body and mid-upgrade', async () => {
    const parts = [
      `GET /events HTTP/1.1\r\nHost: ${host()}\r\nConnection: Upgrade\r\nUpg`,
      `POST /api/app.info HTTP/1.1\r\nHost: ${host()}\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"a":`,
      `GET /events HTTP/1.1\r\n${upgradeHeaders(`Authorization: Bearer ${TOKEN}\r\n`)}`,
      `GET / HTTP/1.1\r\nHost: ${host()}\r\n\r\n`,
    ];
    await Promise.all(parts.flatMap((p) => [0, 5, 20].map((ms) => rawSend(server.port, p, { resetAfterMs: ms }))));
    await stillServing();
  });

  it('handshakes ws cannot accept, foreign hosts and origins, wrong paths: 4xx, never 101', async () => {
    const auth = `Authorization: Bearer ${TOKEN}\r\n`;
    const cases: [string, number][] = [
      [`GET /events HTTP/1.1\r\nHost: ${host()}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: short\r\n${auth}\r\n`, 400],
      [`GET /events HTTP/1.1\r\nHost: ${host()}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 7\r\nSec-WebSocket-Key: ${WS_KEY}\r\n${auth}\r\n`, 400],
      [`POST /events HTTP/1.1\r\n${upgradeHeaders(auth)}`, 405],
      [`GET /events HTTP/1.1\r\nHost: evil.example\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n${auth}\r\n`, 421],
      [`GET /events HTTP/1.1\r\n${upgradeHeaders(`${auth}Origin: http://evil.example\r\n`)}`, 403],
      [`GET /events HTTP/1.1\r\n${upgradeHeaders(`${auth}Origin: http://${host()}\r\nOrigin: http://${host()}\r\n`)}`, 403],
      [`GET /other HTTP/1.1\r\n${upgradeHeaders(auth)}`, 404],
      [`GET /events HTTP/1.1\r\n${upgradeHeaders(`Authorization: Bearer ${TOKEN}x\r\n`)}`, 401],
    ];
    for (const [req, status] of cases) expect((await rawSend(server.port, req)).status, req).toBe(status);
    await stillServing();
  });

  it('requests the HTTP parser refuses get a 4xx', async () => {
    expect((await rawSend(server.port, '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03')).status).toBe(400);
    expect((await rawSend(server.port, `GET / HTTP/1.1\r\nHost: ${host()}\r\nX: ${'b'.repeat(20_000)}\r\n\r\n`)).status).toBe(431);
    expect((await rawSend(server.port, `POST /api/app.info HTTP/1.1\r\nHost: ${host()}\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}`)).status).toBe(400);
    await stillServing();
  });
});

describe('a server in its own process stays up after every reported request', () => {
  let child: ChildProcess | undefined;
  afterAll(() => {
    child?.kill();
  });

  it('survives the crash requests of bugs 1, 2 and 5 (each ended the process before)', async () => {
    const here = path.dirname(fileURLToPath(import.meta.url));
    const src = (p: string) => JSON.stringify(path.resolve(here, '..', '..', 'src', p));
    const script = path.join(tmp.dir, 'child-server.mts');
    const token = crypto.randomBytes(24).toString('hex');
    fs.writeFileSync(
      script,
      [
        `import { Backend } from ${src('node/app/backend.ts')};`,
        `import { startServer } from ${src('node/server/server.ts')};`,
        `const s = await startServer(new Backend({ transport: 'http' }), { rendererDir: process.argv[2], token: process.argv[3] });`,
        `process.stdout.write(JSON.stringify({ port: s.port }) + '\\n');`,
      ].join('\n'),
    );
    const c = spawn(process.execPath, ['--import', 'tsx', script, rendererDir, token], {
      cwd: path.resolve(here, '..', '..'),
      env: { ...process.env, AW_HOME: path.join(tmp.dir, 'child-home') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = c;
    let stderr = '';
    c.stderr?.on('data', (d) => (stderr += d));
    const port = await new Promise<number>((resolve, reject) => {
      let out = '';
      c.stdout?.on('data', (d) => {
        out += d;
        const m = /\{"port":(\d+)\}/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      c.once('exit', (code) => reject(new Error(`child exited (${code}): ${stderr}`)));
    });
    const h = `127.0.0.1:${port}`;
    const up = `Host: ${h}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${WS_KEY}\r\n`;
    const alive = () => c.exitCode === null && c.signalCode === null;
    const requests = [
      `GET /events HTTP/1.1\r\n${up}Cookie: other_app=100%; ${sessionCookieName(port)}=${token}\r\n\r\n`,
      `GET http://[bad/events HTTP/1.1\r\n${up}\r\n`,
      `GET http://[bad/ HTTP/1.1\r\nHost: ${h}\r\nConnection: close\r\n\r\n`,
    ];
    for (const r of requests) {
      await rawSend(port, r, { waitMs: 500 });
      await new Promise((res) => setTimeout(res, 100));
      expect(alive(), `${r}\n${stderr}`).toBe(true);
    }
    // An invalid frame from an authorised WebSocket.
    const ws = new WebSocket(`ws://${h}/events`, { headers: { Authorization: `Bearer ${token}` } });
    await new Promise((r, j) => (ws.once('open', r), ws.once('error', j)));
    ws.on('error', () => {});
    const closed = new Promise((r) => ws.once('close', r));
    (ws as unknown as { _socket: net.Socket })._socket.write(Buffer.from([0xf1, 0x00]));
    await closed;
    await new Promise((res) => setTimeout(res, 100));
    expect(alive(), stderr).toBe(true);
    const res = await fetch(`http://${h}/api/app.info`, { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` }, body: '{}' });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { ok: boolean }).ok).toBe(true);
  });
});

describe('two browser-mode servers on one machine', () => {
  it('keep separate sessions: each sets and reads a cookie of its own port (cookies ignore ports)', async () => {
    const backend2 = new Backend({ transport: 'http' });
    const other = await startServer(backend2, { rendererDir, token: 'b'.repeat(48) });
    try {
      const cookieOf = async (s: RunningServer) => (await fetch(s.launchUrl, { redirect: 'manual' })).headers.get('set-cookie')!.split(';')[0];
      const [a, b] = [await cookieOf(server), await cookieOf(other)];
      expect(a.split('=')[0]).not.toBe(b.split('=')[0]);
      // The browser sends both cookies to both servers: each finds its own and is authorised.
      const both = `${a}; ${b}`;
      for (const s of [server, other]) {
        const r = await fetch(new URL('/api/app.info', s.url), { method: 'POST', headers: { 'Content-Type': 'application/json', Cookie: both }, body: '{}' });
        expect(r.status).toBe(200);
      }
      // One server's session does not open the other.
      const r = await fetch(new URL('/api/app.info', other.url), { method: 'POST', headers: { 'Content-Type': 'application/json', Cookie: a }, body: '{}' });
      expect(r.status).toBe(401);
    } finally {
      await other.close();
      await backend2.close();
    }
  });
});

describe('media requests', () => {
  it('answer 404 with no project open (was 500) and 405 to anything but GET/HEAD', async () => {
    const auth = { Authorization: `Bearer ${TOKEN}` };
    const none = await fetch(new URL('/media/1', server.url), { headers: auth });
    expect(none.status).toBe(404);
    expect(((await none.json()) as { error: { code: string } }).error.code).toBe('no-project');
    for (const method of ['PUT', 'POST', 'DELETE']) expect((await fetch(new URL('/media/1', server.url), { method, headers: auth })).status, method).toBe(405);
  });
});
