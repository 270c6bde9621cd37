// Bounded, seeded fuzz of the browser-mode server (issue 12): a few thousand malformed HTTP requests
// and WebSocket upgrades over raw sockets: garbage methods, URLs (`[`, `%`, `%zz`, very long paths),
// headers, cookies, the session token in broken forms, bodies of random sizes with wrong lengths or
// broken chunking, upgrades with bad keys and versions, sockets half-closed or reset mid-request.
//
// Afterwards: the server is still up and answers an authorised client (API call and WebSocket);
// nothing was thrown outside a request (uncaughtException / unhandledRejection spies); no answer
// was a 5xx; and the security rule held for every connection that did not carry the exact token:
// no API call, media file or WebSocket succeeded (no 2xx other than a public renderer file, no 101,
// no 3xx, no Set-Cookie), and no byte of a file outside the renderer was sent. The renderer's own
// static files (index.html, app.js) are public by design: they hold no secret, and the app they
// load can do nothing without the token.
//
// Same seed, same requests: a failure can be replayed by its index (printed with the request).
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { Backend } from '../../src/node/app/backend';
import { sessionCookieName, startServer, type RunningServer } from '../../src/node/server/server';
import { mulberry32, type Rng } from '../../src/shared/random';
import { tempDir } from './helpers';
import { crashWatch } from './crash-watch';

const SEED = 0x12c0ffee;
const COUNT = 3000;
const CONCURRENCY = 16;
/** Longest a socket is kept; most close at once (the server answers and closes, or we half-close). */
const SOCKET_TIMEOUT_MS = 600;
/** No new request is started after this (all COUNT are sent well before it on a loaded 2-core machine). */
const BUDGET_MS = 15_000;
const MAX_BODY = 16 * 1024;
const TOKEN = 'f00dfacecafe1234beef5678abcd9012deadbeef3456aaaa';
const INDEX_HTML = '<!doctype html><title>public-index</title>';
const APP_JS = 'console.log("public-app")';
const SECRET = 'TOPSECRET-OUTSIDE-RENDERER';
const MEDIA_MARK = 'MEDIA-BYTES-PRIVATE';

const tmp = tempDir('aw-fuzz-');
const rendererDir = path.join(tmp.dir, 'renderer');
let backend: Backend;
let server: RunningServer;
const watch = crashWatch();
const crashes = watch.crashes;

beforeAll(async () => {
  watch.start();
  process.env.AW_HOME = path.join(tmp.dir, 'home');
  fs.mkdirSync(rendererDir);
  fs.writeFileSync(path.join(rendererDir, 'index.html'), INDEX_HTML);
  fs.writeFileSync(path.join(rendererDir, 'app.js'), APP_JS);
  fs.writeFileSync(path.join(tmp.dir, 'secret.txt'), SECRET);
  backend = new Backend({ transport: 'http' });
  // An open project with one video, so that authorised /media/ requests reach the range code.
  const p = backend.openProject(path.join(tmp.dir, 'project'), true);
  fs.writeFileSync(p.path('media', 'clip.mp4'), Buffer.concat([Buffer.from(MEDIA_MARK), Buffer.alloc(2000, 1)]));
  const now = new Date().toISOString();
  p.db.prepare(`INSERT INTO datasets(name, source_format, created_at) VALUES ('d','t',?)`).run(now);
  p.db.prepare(`INSERT INTO media(dataset_id, name, kind, path, created_at) VALUES (1,'c','video','media/clip.mp4',?)`).run(now);
  server = await startServer(backend, { rendererDir, token: TOKEN, maxBodyBytes: MAX_BODY });
});
afterAll(async () => {
  watch.stop();
  await server?.close();
  await backend?.close();
  tmp.cleanup();
});

// ---------------------------------------------------------------------------------------------
// Generation

interface Case {
  index: number;
  bytes: Buffer;
  upgrade: boolean;
  /** The connection carries the exact session token in a form the server must accept. */
  authorised: boolean;
  end: 'wait' | 'half-close' | 'reset';
  resetAt: number;
  resetAfterMs: number;
}

function generator(rng: Rng, port: number) {
  const int = (n: number) => Math.floor(rng() * n);
  const chance = (p: number) => rng() < p;
  const pick = <T>(a: readonly T[]): T => a[int(a.length)];
  const PRINTABLE = ' !"#$%&\'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~';
  const ascii = (n: number) => Array.from({ length: n }, () => PRINTABLE[int(PRINTABLE.length)]).join('');
  const bytes = (n: number) => {
    const b = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) b[i] = int(256);
    return b;
  };
  const hostOk = `127.0.0.1:${port}`;

  /** The token in forms that must NOT authorise (no whitespace-only changes: header values are trimmed). */
  const brokenToken = (): string => {
    const i = int(TOKEN.length);
    const flipped = TOKEN.slice(0, i) + (TOKEN[i] === 'a' ? 'b' : 'a') + TOKEN.slice(i + 1);
    return pick([
      TOKEN.slice(1),
      TOKEN.slice(0, -1),
      `${TOKEN}x`,
      TOKEN.toUpperCase(),
      flipped,
      `"${TOKEN}"`,
      `${TOKEN}%`,
      `${TOKEN.slice(0, -2)}%zz`,
      '',
      TOKEN.slice(0, 24),
      TOKEN + TOKEN,
      `Bearer ${TOKEN}`,
      `${TOKEN}\u00e9`,
      ascii(48),
    ]);
  };

  const safeMethods = ['app.info', 'project.info', 'jobs.list', 'project.recent', 'labels.range', 'nope.nothing', 'app.info.', 'App.Info'];
  const target = (): string => {
    const q = () => (chance(0.3) ? `?${pick(['x=1', 'a=%', 'b=%zz', '&&=', ascii(int(20)).replace(/[\s#]/g, '_'), `token=${brokenToken()}`])}` : '');
    switch (int(16)) {
      case 0:
      case 1:
      case 2:
        return `/api/${pick(safeMethods)}${q()}`;
      case 3:
        return `/api/${pick(['%zz', '%', '%E0%A4%A', 'app%2einfo', 'app.info%00', '..%2fapp.info', '', '%2e%2e/app.info', `${'x'.repeat(int(3000))}`])}`;
      case 4:
        return `/api/../api/${pick(safeMethods)}`;
      case 5:
      case 6:
        return pick(['/events', '/events?x=1', '/Events', '/events/', '//events', '/events%00', '/%65vents', '/events#x']);
      case 7:
        return pick(['/', '/index.html', '/app.js', '/missing.js', '/%zz', '/%', '/%E0%A4%A', '/../secret.txt', '/%2e%2e/secret.txt', '/..%2fsecret.txt', '/%2e%2e%2fsecret.txt', '/..\\secret.txt']);
      case 8:
        return pick(['/media/1', '/media/1/frames/0', '/media/2', '/media/%zz', '/media/../api/app.info', '/media/..%2f..%2fsecret.txt', '/media/1?x']);
      case 9:
        return `/?token=${brokenToken()}`;
      case 10:
        return pick(['http://[bad/events', 'http://[bad/', '[', '%', '%zz', '*', 'http://evil.example/api/app.info', `http://${hostOk}/api/app.info`, `http://${hostOk}/events`, 'https://x/', 'ftp://a/b', '//evil.example/', '/\\evil.example/']);
      case 11:
        return `/${'a/'.repeat(int(12_000))}`; // up to 24 KB: past Node's header limit
      case 12:
        return `/${ascii(1 + int(200)).replace(/[\s]/g, '%20')}`;
      case 13:
        return `/${bytes(1 + int(40)).toString('latin1')}`; // control characters and high bytes
      case 14:
        return `/${encodeURIComponent(ascii(int(60)))}${q()}`;
      default:
        return `${pick(['/', '/api/', '/events', '/media/'])}${ascii(int(30)).replace(/\s/g, '')}${q()}`;
    }
  };

  const cookieHeader = (): { value: string; valid: boolean } => {
    const parts: string[] = [];
    for (let n = int(5); n > 0; n--) {
      const name = chance(0.8) ? pick(['other_app', 'sid', 'x', '_ga', 'aw_token2', 'AW_TOKEN', ascii(1 + int(8)).replace(/[;=\s]/g, '_')]) : '';
      parts.push(`${name}=${pick(['100%', '%zz', '%E0%A4%A', '%', '', '"q"', ascii(int(40)).replace(/;/g, ','), 'v'.repeat(int(6000))])}`);
    }
    let valid = false;
    const mode = int(10);
    if (mode < 3) {
      parts.splice(int(parts.length + 1), 0, `${sessionCookieName(server.port)}=${TOKEN}`);
      valid = true;
    } else if (mode < 7) {
      // A broken token under our name, or the real token under another server's name (cookies ignore ports).
      const entry = chance(0.5) ? `${sessionCookieName(server.port)}=${brokenToken()}` : `${pick(['aw_token', sessionCookieName(server.port + 1)])}=${TOKEN}`;
      parts.splice(int(parts.length + 1), 0, entry);
    }
    return { value: chance(0.1) ? ascii(int(100)) : parts.join(pick(['; ', ';', ' ; ', ';;'])), valid: valid };
  };

  return (index: number): Case => {
    // How broken this request is: clean (only the target and the token vary), mild, or wild.
    const noise = pick([0, 0, 0, 0.15, 0.15, 0.15, 0.6]);
    const odd = () => chance(noise);
    const upgrade = chance(0.3);
    let t = upgrade && !odd() && chance(0.6) ? pick(['/events', `/events?x=${int(9)}`]) : target();
    const method = !odd()
      ? upgrade
        ? pick(['GET', 'GET', 'GET', 'POST', 'HEAD'])
        : t.includes('/api/') && chance(0.8)
          ? 'POST'
          : pick(['GET', 'POST', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', 'PATCH'])
      : pick(['get', 'FOO', 'CONNECT', 'TRACE', 'G ET', '', ascii(1 + int(10)), 'PRI']);
    const version = !odd() ? 'HTTP/1.1' : pick(['HTTP/1.0', 'HTTP/2.0', 'HTTP/1.1x', 'http/1.1', '', 'HTTP/9.9']);
    let authorised = false;
    const lines: string[] = [];

    // Host: usually right, sometimes wrong, missing or doubled.
    const h = odd() ? int(20) : 0;
    if (h < 16) lines.push(`Host: ${chance(0.8) ? hostOk : `localhost:${port}`}`);
    else if (h === 16) lines.push('Host: evil.example');
    else if (h === 17) lines.push(`Host: ${hostOk}`, `Host: ${hostOk}`);
    else if (h === 18) lines.push(`Host: ${ascii(int(30))}`);

    // Origin: usually absent.
    const o = odd() ? 7 + int(3) : int(8);
    if (o === 7) lines.push(`Origin: http://${hostOk}`);
    else if (o === 8) lines.push(pick(['Origin: http://evil.example', 'Origin: null', 'Origin: ', `Origin: ${ascii(20)}`]));
    else if (o === 9) lines.push(`Origin: http://${hostOk}`, `Origin: http://${hostOk}`);

    // The token: exact (a minority), broken, or absent.
    const a = int(20);
    if (a < 3) {
      lines.push(`Authorization: Bearer ${TOKEN}`);
      authorised = true;
    } else if (a < 9) {
      lines.push(
        pick([
          `Authorization: Bearer ${brokenToken()}`,
          `Authorization: bearer ${TOKEN}`,
          `Authorization: Basic ${Buffer.from(`u:${TOKEN}`).toString('base64')}`,
          `Authorization: ${TOKEN}`,
          'Authorization: Bearer',
          `Authorization: Bearer${TOKEN}`,
        ]),
      );
    }
    if (chance(0.5)) {
      const c = cookieHeader();
      lines.push(`Cookie: ${c.value}`);
      authorised ||= c.valid;
    }
    if (chance(0.04) && !t.includes('?') && t.startsWith('/')) {
      t += `?token=${TOKEN}`; // the exact token exchange
      authorised = true;
    }

    if (!upgrade || odd())
      if (!odd())
        lines.push(`Content-Type: ${pick(['application/json', 'application/json', 'application/json; charset=utf-8', 'Application/JSON', 'application/jsonp', 'text/plain', 'application/json-patch+json'])}`);
      else if (chance(0.5)) lines.push(`Content-Type: ${ascii(int(40))}`);

    if (upgrade) {
      lines.push(`Connection: ${pick(['Upgrade', 'upgrade', 'keep-alive, Upgrade'])}`);
      lines.push(`Upgrade: ${pick(['websocket', 'websocket', 'WebSocket', 'h2c', ascii(int(12)).replace(/[\s,]/g, '') || 'x'])}`);
      const k = odd() ? int(8) : 0;
      if (k < 5) lines.push(`Sec-WebSocket-Key: ${bytes(16).toString('base64')}`);
      else if (k === 5) lines.push(`Sec-WebSocket-Key: ${pick(['short', '', '====', ascii(24)])}`);
      else if (k === 6) lines.push(`Sec-WebSocket-Key: ${bytes(16).toString('base64')}`, `Sec-WebSocket-Key: ${bytes(16).toString('base64')}`);
      const v = odd() ? int(8) : 0;
      if (v < 5) lines.push('Sec-WebSocket-Version: 13');
      else if (v < 7) lines.push(`Sec-WebSocket-Version: ${pick(['8', '7', 'abc', '13, 13', '', '-1'])}`);
      if (odd()) lines.push(`Sec-WebSocket-Extensions: ${pick(['permessage-deflate', 'x; y=%', ascii(20)])}`);
    } else if (chance(0.8)) {
      lines.push(`Connection: ${odd() ? pick(['upgrade', ascii(8)]) : pick(['close', 'close', 'close', 'keep-alive'])}`);
    }

    // Random extra headers; odd ones have invalid names or values.
    for (let n = int(4); n > 0; n--) {
      const name = odd() ? pick(['Expect', ascii(1 + int(12)), `Bad Name${int(9)}`, 'X:Colon', '']) : pick(['X-Foo', 'Accept', 'Range', 'If-None-Match', 'Accept-Language']);
      const value = odd()
        ? pick([bytes(int(20)).toString('latin1'), 'z'.repeat(int(20_000)), ascii(int(200))])
        : pick([ascii(int(60)).trim() || 'v', 'bytes=0-5', 'bytes=5000-', 'bytes=-1', 'bytes=a-b', '*/*']);
      lines.push(`${name}: ${value}`);
    }

    // Body and its framing.
    const size = pick([0, 0, int(200), int(200), int(8000), 8000 + int(56_000), 8000 + int(56_000)]);
    const body = !odd() ? Buffer.from(`{${' '.repeat(Math.max(0, size - 2))}}`.slice(0, size)) : bytes(size);
    const framing = !odd() ? pick(['exact', 'exact', 'exact', 'chunked'] as const) : pick(['none', 'short', 'long', 'garbage', 'chunked-bad', 'both', 'dup'] as const);
    let payload: Buffer = body;
    if (framing === 'exact' && (size > 0 || chance(0.5))) lines.push(`Content-Length: ${size}`);
    else if (framing === 'short') lines.push(`Content-Length: ${int(size + 1)}`);
    else if (framing === 'long') lines.push(`Content-Length: ${size + 1 + int(pick([10, 100_000, 1e9]))}`);
    else if (framing === 'garbage') lines.push(`Content-Length: ${pick(['abc', '-1', '1e3', '0x10', '99999999999999999999999', `${size}, ${size}`, ''])}`);
    else if (framing === 'dup') lines.push(`Content-Length: ${size}`, `Content-Length: ${size + 1}`);
    else if (framing === 'both') lines.push(`Content-Length: ${size}`, 'Transfer-Encoding: chunked');
    else if (framing === 'chunked' || framing === 'chunked-bad') {
      lines.push(`Transfer-Encoding: ${framing === 'chunked' ? 'chunked' : pick(['chunked', 'gzip, chunked', 'chunked, gzip', 'identity'])}`);
      const parts: Buffer[] = [];
      for (let off = 0; off < size; ) {
        const n = Math.min(size - off, 1 + int(20_000));
        const sizeLine = framing === 'chunked' ? n.toString(16) : pick([n.toString(16), 'zz', `${n.toString(16)};ext=${ascii(5)}`, '-1', (n + 3).toString(16)]);
        parts.push(Buffer.from(`${sizeLine}\r\n`), body.subarray(off, off + n), Buffer.from('\r\n'));
        off += n;
      }
      if (framing === 'chunked' || chance(0.5)) parts.push(Buffer.from('0\r\n\r\n'));
      payload = Buffer.concat(parts);
    }

    // Shuffle header order a little, and sometimes use bare LF line ends.
    if (chance(0.3)) lines.reverse();
    const eol = odd() && chance(0.2) ? '\n' : '\r\n';
    const head = `${method} ${t} ${version}`.trimEnd() + eol + lines.map((l) => l + eol).join('') + eol;
    const data = Buffer.concat([Buffer.from(head, 'latin1'), payload]);
    // 'wait' only where the framing is right (a wrong length would keep the server waiting for the rest).
    const end = chance(0.1) ? 'reset' : framing === 'exact' || framing === 'chunked' ? pick(['wait', 'wait', 'half-close'] as const) : 'half-close';
    return { index, bytes: data, upgrade, authorised, end, resetAt: int(data.length + 1), resetAfterMs: int(30) };
  };
}

// ---------------------------------------------------------------------------------------------
// Sending

interface Answer {
  status: number;
  headers: string;
}
interface Outcome {
  answers: Answer[];
  text: string;
  reset: boolean;
  timedOut: boolean;
}

function send(port: number, c: Case): Promise<Outcome> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let reset = false;
    let timedOut = false;
    let idle: NodeJS.Timeout | undefined;
    const s = net.connect(port, '127.0.0.1');
    s.setNoDelay(true);
    const hard = setTimeout(() => {
      timedOut = true;
      s.destroy();
    }, SOCKET_TIMEOUT_MS);
    s.on('data', (d) => {
      chunks.push(d);
      if (c.end === 'wait') {
        // Keep-alive answers leave the socket open: stop once the server has been quiet a moment.
        clearTimeout(idle);
        idle = setTimeout(() => s.destroy(), 60);
      }
    });
    s.on('error', () => (reset = true));
    s.on('close', () => {
      clearTimeout(hard);
      clearTimeout(idle);
      const text = Buffer.concat(chunks).toString('latin1');
      const answers: Answer[] = [];
      for (const m of text.matchAll(/HTTP\/1\.[01] (\d{3})[^\r\n]*\r\n([\s\S]*?)\r\n\r\n/g)) answers.push({ status: Number(m[1]), headers: m[2] });
      resolve({ answers, text, reset, timedOut });
    });
    s.on('connect', () => {
      if (c.end === 'reset') {
        s.write(c.bytes.subarray(0, c.resetAt));
        setTimeout(() => s.resetAndDestroy(), c.resetAfterMs);
        return;
      }
      s.write(c.bytes);
      if (c.end === 'half-close') s.end();
    });
  });
}

// ---------------------------------------------------------------------------------------------

describe('fuzzing the browser-mode server', () => {
  it(`survives ${COUNT} malformed requests (seed ${SEED}) and never lets one without the token through`, async () => {
    const gen = generator(mulberry32(SEED), server.port);
    const cases = Array.from({ length: COUNT }, (_, i) => gen(i));
    const started = Date.now();
    const deadline = started + BUDGET_MS;
    const byClass: Record<string, number> = {};
    const byStatus: Record<number, number> = {};
    const violations: string[] = [];
    let sent = 0;
    let resets = 0;
    let timeouts = 0;
    let silent = 0;
    let ownResets = 0;
    let authorisedSent = 0;
    let authorised2xx = 0;
    let upgradesSent = 0;
    let next = 0;

    const describeCase = (c: Case) => `#${c.index} ${JSON.stringify(c.bytes.subarray(0, 300).toString('latin1'))}`;
    const check = (c: Case, o: Outcome) => {
      if (o.reset) resets++;
      if (o.timedOut) timeouts++;
      if (c.end === 'reset') ownResets++;
      else if (o.answers.length === 0) silent++;
      for (const a of o.answers) {
        byStatus[a.status] = (byStatus[a.status] ?? 0) + 1;
        const cls = `${Math.floor(a.status / 100)}xx`;
        byClass[cls] = (byClass[cls] ?? 0) + 1;
        if (a.status >= 500) violations.push(`5xx (${a.status}) for ${describeCase(c)}`);
        if (c.authorised) {
          if (a.status >= 200 && a.status < 300) authorised2xx++;
          continue;
        }
        const type = /^content-type:\s*([^\r\n]*)/im.exec(a.headers)?.[1] ?? '';
        if (a.status === 101) violations.push(`101 without the token for ${describeCase(c)}`);
        else if (a.status >= 200 && a.status < 300 && !/^text\/(html|javascript)\b/.test(type))
          violations.push(`${a.status} (${type}) without the token for ${describeCase(c)}`);
        else if (a.status >= 300 && a.status < 400) violations.push(`${a.status} without the token for ${describeCase(c)}`);
        if (/^set-cookie:/im.test(a.headers)) violations.push(`Set-Cookie without the token for ${describeCase(c)}`);
      }
      if (o.text.includes(SECRET)) violations.push(`a file outside the renderer was served for ${describeCase(c)}`);
      if (!c.authorised && o.text.includes(MEDIA_MARK)) violations.push(`media served without the token for ${describeCase(c)}`);
    };

    const worker = async () => {
      while (next < cases.length && Date.now() < deadline) {
        const c = cases[next++];
        sent++;
        if (c.authorised) authorisedSent++;
        if (c.upgrade) upgradesSent++;
        check(c, await send(server.port, c));
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const seconds = (Date.now() - started) / 1000;
    if (sent < COUNT) console.log(`server fuzz: time budget reached after ${sent} of ${COUNT} requests`);

    console.log(
      [
        `server fuzz (seed ${SEED}): ${sent} requests sent in ${seconds.toFixed(1)} s (${upgradesSent} upgrades, ${authorisedSent} with the exact token)`,
        `  answers by class: ${JSON.stringify(byClass)}`,
        `  answers by status: ${JSON.stringify(byStatus)}`,
        `  reset by us mid-request: ${ownResets}; reset by the server: ${resets}; closed without an answer: ${silent}; cut by our ${SOCKET_TIMEOUT_MS} ms timeout: ${timeouts}`,
        `  2xx with the exact token: ${authorised2xx}; violations: ${violations.length}`,
      ].join('\n'),
    );

    expect(violations.slice(0, 10)).toEqual([]);
    expect(crashes, 'uncaught exceptions / unhandled rejections during the fuzz').toEqual([]);
    // Bounded and still meaningful: everything was sent, and the fuzz reached the handlers.
    expect(sent).toBeGreaterThanOrEqual(Math.min(COUNT, 1000));
    expect(authorised2xx).toBeGreaterThan(10);
    for (const status of [101, 400, 401, 413, 415, 421]) expect(byStatus[status] ?? 0, `status ${status} seen`).toBeGreaterThan(0);

    // The server is still up and serves a real, authorised client.
    const info = await fetch(`${server.url}api/app.info`, { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${TOKEN}` }, body: '{}' });
    expect(info.status).toBe(200);
    expect(((await info.json()) as { ok: boolean }).ok).toBe(true);
    const exchange = await fetch(`${server.url}?token=${TOKEN}`, { redirect: 'manual' });
    expect(exchange.status).toBe(303);
    const cookie = (exchange.headers.get('set-cookie') ?? '').split(';')[0];
    expect(cookie).toBe(`${sessionCookieName(server.port)}=${TOKEN}`);
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/events`, { headers: { Cookie: cookie } });
    await new Promise((r, j) => (ws.once('open', r), ws.once('error', j)));
    const event = new Promise<string>((r) => ws.once('message', (d) => r(String(d))));
    const close = await fetch(`${server.url}api/project.close`, { method: 'POST', headers: { 'Content-Type': 'application/json', Cookie: cookie }, body: '{}' });
    expect(close.status).toBe(200);
    expect(JSON.parse(await event).event).toBe('project.changed');
    ws.close();
    expect(crashes).toEqual([]);
  });
});
