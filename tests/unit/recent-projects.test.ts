// A vanished project leaves the recent list (issue 16 item 12): entries whose folder (or its
// project.sqlite) is gone are dropped when the list is read, and opening one that vanished since the
// list was shown answers a clear error and removes it; a folder that is merely unreadable stays.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { Backend } from '../../src/node/app/backend';
import { configDir, forgetProject, projectGone, readRecent } from '../../src/node/app/config';
import { dispatch } from '../../src/shared/dispatch';
import { tempDir } from './helpers';

const tmp = tempDir('aw-recent-');
afterAll(() => tmp.cleanup());
let n = 0;
beforeEach(() => {
  process.env.AW_HOME = path.join(tmp.dir, `home-${++n}`);
});

const recentFile = () => path.join(configDir(), 'recent.json');
const dirsOf = (r: { ok: boolean; value?: unknown }) => (r.ok ? (r.value as { dir: string }[]).map((x) => x.dir) : null);
const stored = () => (JSON.parse(fs.readFileSync(recentFile(), 'utf8')) as { projects: { dir: string }[] }).projects.map((p) => p.dir);

async function makeProjects(backend: Backend, names: string[]): Promise<string[]> {
  const dirs = names.map((x) => path.join(tmp.dir, `${n}-${x}`));
  for (const d of dirs) {
    const r = await dispatch(backend.handlers, 'project.create', { dir: d, name: path.basename(d) });
    expect(r.ok).toBe(true);
  }
  backend.closeProject();
  return dirs;
}

describe('recent projects', () => {
  it('drops a project whose folder was deleted when the list is read, and from the file', async () => {
    const backend = new Backend({ transport: 'inprocess' });
    try {
      const [a, b, c] = await makeProjects(backend, ['a', 'b', 'c']);
      expect(readRecent().map((r) => r.dir)).toEqual([c, b, a]);
      fs.rmSync(b, { recursive: true, force: true });
      // a folder left without its database is not a project any more either
      fs.rmSync(path.join(a, 'project.sqlite'));
      const r = await dispatch(backend.handlers, 'project.recent', {});
      expect(dirsOf(r)).toEqual([c]);
      expect(stored()).toEqual([c]);
    } finally {
      await backend.close();
    }
  });

  it('opening a project that vanished after the list was read: a clear error, and the entry is removed', async () => {
    const backend = new Backend({ transport: 'inprocess' });
    try {
      const [a, b] = await makeProjects(backend, ['a', 'b']);
      const before = await dispatch(backend.handlers, 'project.recent', {});
      expect(dirsOf(before)).toEqual([b, a]);
      fs.rmSync(a, { recursive: true, force: true });
      expect(stored()).toEqual([b, a]); // the file still lists it: the open below must remove it
      const r = await dispatch(backend.handlers, 'project.open', { dir: a });
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.error.code).toBe('not-found');
        expect(r.error.message).toMatch(/is gone .*removed from the recent projects/);
      }
      expect(stored()).toEqual([b]);
      const after = await dispatch(backend.handlers, 'project.recent', {});
      expect(dirsOf(after)).toEqual([b]);
      // the other project still opens and stays first
      expect((await dispatch(backend.handlers, 'project.open', { dir: b })).ok).toBe(true);
      expect(stored()).toEqual([b]);
    } finally {
      await backend.close();
    }
  });

  it('a folder that is not (and never was) in the list: the usual error, nothing written', async () => {
    const backend = new Backend({ transport: 'inprocess' });
    try {
      const [a] = await makeProjects(backend, ['a']);
      const r = await dispatch(backend.handlers, 'project.open', { dir: path.join(tmp.dir, 'never') });
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.message).toMatch(/No project in/);
      expect(stored()).toEqual([a]);
    } finally {
      await backend.close();
    }
  });

  it('projectGone: only a missing folder or database counts; forgetProject removes by path', () => {
    const dir = path.join(tmp.dir, 'plain');
    fs.mkdirSync(dir, { recursive: true });
    expect(projectGone(dir)).toBe(true); // no project.sqlite
    fs.writeFileSync(path.join(dir, 'project.sqlite'), '');
    expect(projectGone(dir)).toBe(false);
    expect(projectGone(path.join(tmp.dir, 'missing'))).toBe(true);
    const file = path.join(tmp.dir, 'a-file');
    fs.writeFileSync(file, 'x');
    expect(projectGone(file)).toBe(true); // ENOTDIR
    if (process.getuid?.() !== 0) {
      // unreadable (permissions): not known to be gone, kept
      const locked = path.join(tmp.dir, 'locked');
      fs.mkdirSync(locked);
      fs.writeFileSync(path.join(locked, 'project.sqlite'), '');
      fs.chmodSync(locked, 0o000);
      try {
        expect(projectGone(locked)).toBe(false);
      } finally {
        fs.chmodSync(locked, 0o755);
      }
    }
    expect(forgetProject(path.join(tmp.dir, 'not-listed'))).toBe(false);
  });
});
