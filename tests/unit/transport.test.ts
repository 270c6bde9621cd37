import fs from 'node:fs';
import path from 'node:path';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { Backend } from '../../src/node/app/backend';
import { inProcessClient } from '../../src/node/app/inprocess';
import { startServer, type RunningServer } from '../../src/node/server/server';
import type { ApiClient } from '../../src/shared/client';
import type { EventMessage, Input } from '../../src/shared/contract';
import { tempDir } from './helpers';

const tmp = tempDir('aw-transport-');
let inproc: { backend: Backend; client: ApiClient };
let remote: { backend: Backend; server: RunningServer };
const rendererDir = path.join(tmp.dir, 'renderer');

async function post(method: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${remote.server.url}api/${method}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${remote.server.token}`, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as { ok: boolean; value?: unknown; error?: { code: string; message: string } } };
}

/** Raw request (fetch refuses to set Host). */
function raw(pathname: string, headers: Record<string, string>): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: remote.server.port, path: pathname, headers }, (res) => {
      let b = '';
      res.on('data', (d) => (b += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: b, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  process.env.AW_HOME = path.join(tmp.dir, 'home');
  fs.mkdirSync(rendererDir);
  fs.writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>t</title>');
  fs.writeFileSync(path.join(tmp.dir, 'secret.txt'), 'TOPSECRET-CONTENT');
  const b1 = new Backend({ transport: 'inprocess' });
  inproc = { backend: b1, client: inProcessClient(b1) };
  const b2 = new Backend({ transport: 'http' });
  remote = { backend: b2, server: await startServer(b2, { rendererDir }) };
});
afterAll(async () => {
  await remote.server.close();
  await remote.backend.close();
  await inproc.backend.close();
  tmp.cleanup();
});

describe('one contract, several transports', () => {
  it('in-process and HTTP return identical results for the same calls', async () => {
    const calls: [string, unknown][] = [
      ['project.info', {}],
      ['project.create', { dir: 'P', name: 'Same' }],
      ['project.info', {}],
      ['labels.range', { mediaId: 1, from: 0, to: 10 }],
      ['jobs.list', {}],
      ['project.create', { dir: 'P', name: 'Same' }],
      ['project.open', { dir: 'missing-folder' }],
      ['project.close', {}],
      ['dialog.chooseFolder', { title: 'x' }],
    ];
    for (const [method, input] of calls) {
      // Each side works in its own folder; the folder name is normalised out of the comparison.
      const fix = (side: string, v: unknown) => {
        if (!v || typeof v !== 'object' || !('dir' in v)) return v;
        return { ...(v as object), dir: path.join(tmp.dir, side, (v as { dir: string }).dir) };
      };
      const a = await inproc.client.call(method as never, fix('a', input) as never);
      const b = (await post(method, fix('b', input))).body;
      const norm = (r: unknown) =>
        JSON.parse(JSON.stringify(r).replaceAll(path.join(tmp.dir, 'a'), 'X').replaceAll(path.join(tmp.dir, 'b'), 'X').replace(/"(createdAt|openedAt)":"[^"]+"/g, '"$1":"T"'));
      expect(norm(b), method).toEqual(norm(a));
    }
  });

  it('rejects an invalid payload with a clear error naming the field', async () => {
    const a = await inproc.client.call('labels.range', { mediaId: -3, from: 0, to: 'x' } as never);
    const b = (await post('labels.range', { mediaId: -3, from: 0, to: 'x' })).body;
    expect(a).toEqual(b);
    expect(a.ok).toBe(false);
    if (!a.ok) {
      expect(a.error.code).toBe('invalid-input');
      expect(a.error.message).toMatch(/Invalid payload for labels.range: .*mediaId/);
      expect(a.error.message).toMatch(/to:/);
    }
    const extra = await inproc.client.call('project.close', { force: true } as never);
    expect(extra.ok).toBe(false);
    const unknown = (await post('project.destroy', {})).body;
    expect(unknown.error?.code).toBe('unknown-method');
    const notJson = await post('project.info', '{not json');
    expect(notJson.status).toBe(400);
    expect(notJson.body.error?.message).toMatch(/not valid JSON/);
  });

  it('refuses job params that do not fit the kind’s schema, naming the field, before any job exists', async () => {
    const cases: [Input<'jobs.start'>, RegExp][] = [
      [{ kind: 'soft-labels', params: {} }, /^Invalid payload for jobs.start: params\.model: /],
      [{ kind: 'train.teacher', params: { epochs: 0, backbone: 'tiny' } }, /params\.backbone: .*; params\.epochs: /],
      [{ kind: 'evaluate', params: { model: 1, split: 'holdout' } }, /params\.split: /],
      [{ kind: 'faces', params: { mediaIds: [1, 'x'] } }, /params\.mediaIds\.1: /],
      [{ kind: 'import', params: { format: 'csv', sources: [] } }, /params\.sources: /],
    ];
    for (const [payload, message] of cases) {
      const a = await inproc.client.call('jobs.start', payload);
      const b = (await post('jobs.start', payload)).body;
      expect(a).toEqual(b);
      expect(a.ok ? null : a.error.code).toBe('invalid-input');
      expect(a.ok ? null : a.error.message).toMatch(message);
    }
    // The test-only kinds run in the supervisor only; the contract does not offer them.
    // @ts-expect-error not a kind of the contract
    const testKind = await inproc.client.call('jobs.start', { kind: 'test.sleep', params: {} });
    expect(testKind.ok ? null : testKind.error.message).toMatch(/kind: /);
    // The issues name the path inside the payload.
    const r = await inproc.client.call('jobs.start', { kind: 'soft-labels', params: { model: 0 } });
    expect(r.ok ? null : r.error.details).toEqual([{ path: 'params.model', message: expect.any(String) }]);
  });

  it('delivers events to in-process listeners and WebSocket clients alike', async () => {
    const got: string[] = [];
    const off = inproc.client.on('project.changed', (p) => got.push(p.project?.name ?? 'none'));
    await inproc.client.call('project.create', { dir: path.join(tmp.dir, 'a', 'ev'), name: 'Ev' });
    off();
    expect(got).toEqual(['Ev']);

    const ws = new WebSocket(`ws://127.0.0.1:${remote.server.port}/events`, { headers: { Authorization: `Bearer ${remote.server.token}` } });
    await new Promise((r, j) => (ws.once('open', r), ws.once('error', j)));
    const msg = new Promise<EventMessage>((r) => ws.once('message', (d) => r(JSON.parse(String(d)))));
    await post('project.create', { dir: path.join(tmp.dir, 'b', 'ev'), name: 'Ev' });
    const m = await msg;
    expect(m.event).toBe('project.changed');
    ws.close();
  });
});

describe('browser-mode server security', () => {
  it('binds to 127.0.0.1 only', () => {
    expect(remote.server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
  });

  it('refuses API calls without the session token, or with a wrong one', async () => {
    const none = await fetch(`${remote.server.url}api/project.info`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
    expect(none.status).toBe(401);
    const wrong = await post('project.info', {}, { Authorization: 'Bearer nope' });
    expect(wrong.status).toBe(401);
  });

  it('exchanges the launch token for an HttpOnly SameSite cookie, then accepts the cookie', async () => {
    const bad = await raw('/?token=wrong', { Host: `127.0.0.1:${remote.server.port}` });
    expect(bad.status).toBe(401);
    const r = await raw(`/?token=${remote.server.token}`, { Host: `127.0.0.1:${remote.server.port}` });
    expect(r.status).toBe(303);
    expect(r.headers.location).toBe('/');
    const cookie = String(r.headers['set-cookie']);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const res = await fetch(`${remote.server.url}api/app.info`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Cookie: cookie.split(';')[0] },
      body: '{}',
    });
    expect(res.status).toBe(200);
  });

  it('rejects foreign Host headers (DNS rebinding), cross-origin POSTs and non-JSON bodies', async () => {
    const evil = await raw('/', { Host: 'evil.example:80' });
    expect(evil.status).toBe(421);
    const cross = await post('app.info', {}, { Origin: 'http://evil.example' });
    expect(cross.status).toBe(403);
    const form = await fetch(`${remote.server.url}api/app.info`, {
      method: 'POST',
      headers: { 'Content-Type': 'text/plain', Authorization: `Bearer ${remote.server.token}` },
      body: '{}',
    });
    expect(form.status).toBe(415);
  });

  it('refuses WebSocket upgrades without the token or from another origin', async () => {
    const attempt = (headers: Record<string, string>) =>
      new Promise<string>((resolve) => {
        const ws = new WebSocket(`ws://127.0.0.1:${remote.server.port}/events`, { headers });
        ws.once('open', () => (ws.close(), resolve('open')));
        ws.once('error', () => resolve('refused'));
      });
    expect(await attempt({})).toBe('refused');
    expect(await attempt({ Authorization: `Bearer ${remote.server.token}`, Origin: 'http://evil.example' })).toBe('refused');
    expect(await attempt({ Authorization: `Bearer ${remote.server.token}` })).toBe('open');
  });

  it('serves the renderer with a CSP and never a file outside it', async () => {
    const index = await fetch(remote.server.url);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
    for (const p of ['/../secret.txt', '/%2e%2e/secret.txt', '/..%2fsecret.txt', '/%2e%2e%2fsecret.txt']) {
      const r = await raw(p, { Host: `127.0.0.1:${remote.server.port}` });
      expect(r.status, p).toBe(404);
      expect(r.body).not.toContain('TOPSECRET');
    }
  });

  it('serves media only by id of the open project, with HTTP ranges', async () => {
    const b = remote.backend;
    const p = b.openProject(path.join(tmp.dir, 'b', 'media'), true);
    const data = Buffer.alloc(1000, 7);
    data.write('HEADER', 0);
    fs.writeFileSync(p.path('media', 'clip.mp4'), data);
    const now = new Date().toISOString();
    p.db.prepare(`INSERT INTO datasets(name, source_format, created_at) VALUES ('d','t',?)`).run(now);
    p.db.prepare(`INSERT INTO media(dataset_id, name, kind, path, created_at) VALUES (1,'c','video','media/clip.mp4',?)`).run(now);
    p.db.prepare(`INSERT INTO media(dataset_id, name, kind, path, created_at) VALUES (1,'e','video','../../secret.txt',?)`).run(now);
    const auth = { Authorization: `Bearer ${remote.server.token}` };
    const full = await fetch(`${remote.server.url}media/1`, { headers: auth });
    expect(full.status).toBe(200);
    expect(full.headers.get('accept-ranges')).toBe('bytes');
    expect(full.headers.get('content-type')).toBe('video/mp4');
    const part = await fetch(`${remote.server.url}media/1`, { headers: { ...auth, Range: 'bytes=0-5' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe('bytes 0-5/1000');
    expect(await part.text()).toBe('HEADER');
    const beyond = await fetch(`${remote.server.url}media/1`, { headers: { ...auth, Range: 'bytes=5000-' } });
    expect(beyond.status).toBe(416);
    const escape = await fetch(`${remote.server.url}media/2`, { headers: auth });
    expect(escape.status).toBe(403);
    const noauth = await fetch(`${remote.server.url}media/1`);
    expect(noauth.status).toBe(401);
    const byPath = await fetch(`${remote.server.url}media/..%2F..%2Fsecret.txt`, { headers: auth });
    expect(byPath.status).toBe(404);
  });
});
