// The built bundles themselves (run `npm run build` first; `npm test` does): the sandboxed preload
// is one CommonJS script that requires only 'electron' and exposes exactly window.api; the main,
// worker and CLI bundles run no TypeScript at run time (no tsx anywhere in them).
import fs from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const OUT = path.join(ROOT, 'out');

function built(rel: string): string {
  const file = path.join(OUT, rel);
  if (!fs.existsSync(file)) throw new Error(`${file} is missing: run \`npm run build\` before the unit tests (npm test does).`);
  return fs.readFileSync(file, 'utf8');
}

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? filesUnder(path.join(dir, d.name)) : [path.join(dir, d.name)]));
}

describe('built preload (sandboxed renderer)', () => {
  const code = built('preload/index.cjs');

  it('is a classic script: no import or export statements, no dynamic import()', () => {
    // vm.Script compiles as a CommonJS-style script: an import/export statement is a SyntaxError.
    expect(() => new vm.Script(code, { filename: 'index.cjs' })).not.toThrow();
    expect(code).not.toMatch(/\bimport\s*\(/);
  });

  it('requires only electron', () => {
    const calls = [...code.matchAll(/\brequire\s*\(/g)].length;
    const literal = [...code.matchAll(/\brequire\s*\(\s*(['"])([^'"]+)\1\s*\)/g)].map((m) => m[2]);
    expect(literal).toEqual(['electron']);
    expect(calls).toBe(literal.length);
  });

  it('runs with nothing but a stand-in electron and exposes exactly window.api = {call, on}', async () => {
    const exposed: Record<string, unknown> = {};
    const invoked: unknown[][] = [];
    const listeners = new Map<string, ((...a: unknown[]) => void)[]>();
    const electron = {
      contextBridge: { exposeInMainWorld: (key: string, value: unknown) => (exposed[key] = value) },
      ipcRenderer: {
        invoke: async (...args: unknown[]) => {
          invoked.push(args);
          return { ok: true, value: 'pong' };
        },
        on: (ch: string, l: (...a: unknown[]) => void) => listeners.set(ch, [...(listeners.get(ch) ?? []), l]),
        removeListener: (ch: string, l: (...a: unknown[]) => void) => listeners.set(ch, (listeners.get(ch) ?? []).filter((x) => x !== l)),
      },
    };
    const required: string[] = [];
    const sandboxRequire = (id: string) => {
      required.push(id);
      if (id !== 'electron') throw new Error(`a sandboxed preload cannot require ${id}`);
      return electron;
    };
    const module = { exports: {} };
    vm.runInNewContext(code, { require: sandboxRequire, module, exports: module.exports, console }, { filename: 'index.cjs' });
    expect(required).toEqual(['electron']);
    expect(Object.keys(exposed)).toEqual(['api']);
    const api = exposed.api as { call: (m: string, p: unknown) => Promise<unknown>; on: (e: string, l: (p: unknown) => void) => () => void };
    expect(Object.keys(api).sort()).toEqual(['call', 'on']);

    // A contract method goes to the main process; an unknown one is refused without IPC.
    await expect(api.call('app.info', {})).resolves.toEqual({ ok: true, value: 'pong' });
    expect(invoked).toEqual([['aw:call', 'app.info', {}]]);
    await expect(api.call('fs.readFile', { path: '/etc/passwd' })).resolves.toMatchObject({ ok: false, error: { code: 'unknown-method' } });
    expect(invoked).toHaveLength(1);

    // Events: a known event is delivered to its listener only; an unknown event name throws.
    const seen: unknown[] = [];
    const off = api.on('project.changed', (p) => seen.push(p));
    for (const l of listeners.get('aw:event') ?? []) {
      l({}, { event: 'job.log', payload: { jobId: 1, level: 'info', line: 'x' } });
      l({}, { event: 'project.changed', payload: { project: null } });
    }
    expect(seen).toEqual([{ project: null }]);
    off();
    expect(listeners.get('aw:event')).toEqual([]);
    expect(() => api.on('shell.exec', () => {})).toThrow(/Unknown event/);
  });
});

describe('built main, worker and CLI bundles', () => {
  it('exist, with the entry points the app and the command need', () => {
    for (const f of ['main/index.js', 'main/worker.js', 'main/cli.js', 'renderer/index.html']) expect(fs.existsSync(path.join(OUT, f)), f).toBe(true);
  });

  it('contain no tsx reference (nothing is transpiled at run time)', () => {
    const offenders = filesUnder(path.join(OUT, 'main')).filter((f) => /\btsx\b/.test(fs.readFileSync(f, 'utf8')));
    expect(offenders).toEqual([]);
  });

  it('the main process loads the CommonJS preload and the renderer from the app scheme, not file://', () => {
    const main = built('main/index.js');
    expect(main).toContain('index.cjs');
    expect(main).not.toContain('index.mjs');
    expect(main).not.toMatch(/loadFile\(/);
  });
});
