// Browser mode's download of exports (GET /exports/<name>, src/node/server/exports.ts): the session
// token is required like /api and /media, only regular files directly in the open project's exports
// folder are served — by name, never by path: no `..`, no encoded separators, no hidden files (the
// export's temporaries), no symlink out, no folders — and the bytes are the file's, as an attachment.
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Backend } from '../../src/node/app/backend';
import { dispatch } from '../../src/shared/dispatch';
import { contentDisposition, exportNameOf } from '../../src/node/server/exports';
import { sessionCookieName, startServer, type RunningServer } from '../../src/node/server/server';
import { addDataset, addMedia, putExpr } from './export-fixture';
import { tempDir } from './helpers';
import { crashWatch } from './crash-watch';

const TOKEN = 'f00dfeedf00dfeedf00dfeedf00dfeedf00dfeedf00dfeed';
const tmp = tempDir('aw-server-exports-');
const rendererDir = path.join(tmp.dir, 'renderer');
const projDir = path.join(tmp.dir, 'proj');
const exportsDir = path.join(projDir, 'exports');
let backend: Backend;
let server: RunningServer;
const watch = crashWatch();

beforeAll(async () => {
  watch.start();
  process.env.AW_HOME = path.join(tmp.dir, 'home');
  fs.mkdirSync(rendererDir);
  fs.writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>t</title>');
  backend = new Backend({ transport: 'http' });
  server = await startServer(backend, { rendererDir, token: TOKEN });
});
afterEach(() => expect(watch.crashes.splice(0), 'uncaught exceptions / unhandled rejections').toEqual([]));
afterAll(async () => {
  watch.stop();
  await server.close();
  await backend.close();
  tmp.cleanup();
});

const base = () => `http://127.0.0.1:${server.port}`;
const cookie = () => `${sessionCookieName(server.port)}=${TOKEN}`;
const get = (p: string, headers: Record<string, string> = { Cookie: cookie() }, method = 'GET') => fetch(`${base()}${p}`, { method, headers, redirect: 'manual' });

/** A raw request line (fetch normalises `..` and some encodings away before sending). */
function raw(target: string, extra = `Cookie: ${cookie()}\r\n`): Promise<number | null> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const s = net.connect(server.port, '127.0.0.1');
    s.on('data', (d) => chunks.push(d));
    s.on('error', () => {});
    s.on('close', () => {
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(Buffer.concat(chunks).toString('latin1'));
      resolve(m ? Number(m[1]) : null);
    });
    s.write(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\n${extra}Connection: close\r\n\r\n`);
  });
}

describe('GET /exports/<name>', () => {
  it('answers 404 while no project is open', async () => {
    expect((await get('/exports/x.csv')).status).toBe(404);
  });

  it('serves an export written by data.export, with the exact bytes, as an attachment; the sidecar too', async () => {
    backend.openProject(projDir, true, 'P');
    const p = backend.requireProject();
    const ids = addMedia(p, addDataset(p, 'DS é'), 'clip, "1"', 5);
    ids.forEach((id, i) => putExpr(p, id, i % 7));
    const r = await dispatch(backend.handlers, 'data.export', { format: 'csv', out: 'exports/labels ü.csv', options: { model: 'none' } });
    expect(r.ok).toBe(true);
    await backend.jobs.waitIdle();
    const file = path.join(exportsDir, 'labels ü.csv');
    const bytes = fs.readFileSync(file);
    expect(bytes.toString('utf8').split('\n')[0]).toMatch(/^dataset,media,frame,/);

    const res = await get(`/exports/${encodeURIComponent('labels ü.csv')}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="labels _.csv"; filename*=UTF-8''labels%20%C3%BC.csv`);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(Buffer.from(await res.arrayBuffer()).equals(bytes)).toBe(true);

    const side = await get(`/exports/${encodeURIComponent('labels ü.csv.json')}`);
    expect(side.status).toBe(200);
    expect(side.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await side.json()).toMatchObject({ format: 'affect-workbench merged-labels', file: 'labels ü.csv', policy: 'gt+human', rows: 5 });

    // HEAD: the headers, no body
    const head = await get(`/exports/${encodeURIComponent('labels ü.csv')}`, { Cookie: cookie() }, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(bytes.length));
    expect((await head.arrayBuffer()).byteLength).toBe(0);

    // a binary file with every byte value comes back unchanged; an empty file is served empty
    const all = crypto.randomBytes(70_000);
    fs.writeFileSync(path.join(exportsDir, 'blob.bin'), all);
    const blob = await get('/exports/blob.bin');
    expect(blob.headers.get('content-type')).toBe('application/octet-stream');
    expect(Buffer.from(await blob.arrayBuffer()).equals(all)).toBe(true);
    fs.writeFileSync(path.join(exportsDir, 'empty.csv'), '');
    const empty = await get('/exports/empty.csv');
    expect(empty.status).toBe(200);
    expect((await empty.arrayBuffer()).byteLength).toBe(0);
  });

  it('needs the session token (cookie or Bearer), GET or HEAD only, and this origin', async () => {
    expect((await get('/exports/blob.bin', {})).status).toBe(401);
    expect((await get('/exports/blob.bin', { Cookie: `${sessionCookieName(server.port)}=wrong` })).status).toBe(401);
    expect((await get('/exports/blob.bin', { Cookie: `${sessionCookieName(server.port + 1)}=${TOKEN}` })).status).toBe(401);
    expect((await get('/exports/blob.bin', { Authorization: `Bearer ${TOKEN}` })).status).toBe(200);
    expect((await get('/exports/blob.bin?token=wrong', {})).status).toBe(401);
    expect((await fetch(`${base()}/exports/blob.bin`, { method: 'POST', headers: { Cookie: cookie() } })).status).toBe(405);
    expect((await fetch(`${base()}/exports/blob.bin`, { method: 'DELETE', headers: { Cookie: cookie() } })).status).toBe(405);
    expect((await get('/exports/blob.bin', { Cookie: cookie(), Origin: 'http://evil.example' })).status).toBe(403);
    expect((await get('/exports/blob.bin', { Cookie: cookie(), Origin: base() })).status).toBe(200);
    expect(await raw('/exports/blob.bin')).toBe(200);
  });

  it('serves nothing outside the exports folder: no .., no encoded separators, no hidden files, no symlinks out, no folders', async () => {
    const secret = path.join(projDir, 'secret.txt');
    fs.writeFileSync(secret, 'project file');
    fs.writeFileSync(path.join(tmp.dir, 'outside.txt'), 'outside');
    fs.writeFileSync(path.join(exportsDir, '.labels.csv.123-host-abc.aw-tmp'), 'temporary');
    fs.mkdirSync(path.join(exportsDir, 'affwild2'), { recursive: true });
    fs.writeFileSync(path.join(exportsDir, 'affwild2', 'a.txt'), 'inside a folder');
    fs.symlinkSync(path.join(tmp.dir, 'outside.txt'), path.join(exportsDir, 'link-out.txt'));
    fs.symlinkSync(projDir, path.join(exportsDir, 'link-dir'));
    fs.symlinkSync(path.join(exportsDir, 'blob.bin'), path.join(exportsDir, 'link-in.bin'));
    const refused = [
      '/exports/../secret.txt',
      '/exports/%2e%2e/secret.txt',
      '/exports/%2e%2e%2fsecret.txt',
      '/exports/..%2fsecret.txt',
      '/exports/..%5csecret.txt',
      '/exports/',
      '/exports/.',
      '/exports//etc/passwd',
      `/exports/${encodeURIComponent(secret)}`,
      '/exports/%2fetc%2fpasswd',
      '/exports/.labels.csv.123-host-abc.aw-tmp',
      '/exports/affwild2',
      '/exports/affwild2/a.txt',
      '/exports/affwild2%2fa.txt',
      '/exports/link-out.txt',
      '/exports/link-dir',
      '/exports/link-dir%2fsecret.txt',
      '/exports/link-dir/secret.txt',
      '/exports/nothing.csv',
      '/exports/a%00b',
      '/exports/a%0d%0aSet-Cookie:%20x=y',
      `/exports/${'x'.repeat(300)}`,
    ];
    for (const t of refused) {
      const status = await raw(t);
      expect([400, 404], `${t} → ${status}`).toContain(status);
    }
    // dot segments are resolved by the URL parser before routing: /exports/.. is the renderer's page
    for (const t of ['/exports/..', '/exports/%2e%2e']) expect(await raw(t), t).toBe(200);
    expect(await (await get('/exports/..')).text()).toContain('<title>t</title>');
    // malformed percent-encoding is a 400, not a crash
    expect(await raw('/exports/%E0%A4%A')).toBe(400);
    // a symlink that stays inside the folder is the file it names
    const inside = await get('/exports/link-in.bin');
    expect(inside.status).toBe(200);
    expect(Buffer.from(await inside.arrayBuffer()).equals(fs.readFileSync(path.join(exportsDir, 'blob.bin')))).toBe(true);
  });

  it('serves only the open project: another project, or none, does not see the files', async () => {
    const other = path.join(tmp.dir, 'other');
    backend.openProject(other, true, 'Other');
    expect((await get('/exports/blob.bin')).status).toBe(404);
    backend.closeProject();
    expect((await get('/exports/blob.bin')).status).toBe(404);
    backend.openProject(projDir, false);
    expect((await get('/exports/blob.bin')).status).toBe(200);
  });
});

describe('exportNameOf and contentDisposition', () => {
  it('accept one plain file name and quote it safely', () => {
    expect(exportNameOf('labels%20%C3%BC.csv')).toBe('labels ü.csv');
    for (const bad of ['', '.', '..', '.hidden', 'a%2Fb', 'a%5Cb', '%00', 'a%0Ab']) expect(() => exportNameOf(bad), bad).toThrow();
    expect(contentDisposition('a"b\\c%d.csv')).toBe(`attachment; filename="a_b_c_d.csv"; filename*=UTF-8''a%22b%5Cc%25d.csv`);
    expect(contentDisposition("it's (1).csv")).toBe(`attachment; filename="it's (1).csv"; filename*=UTF-8''it%27s%20%281%29.csv`);
  });
});
