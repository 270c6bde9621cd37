// Output files: the exact Aff-Wild2 text layout, atomic replacement, and interrupted exports that
// leave nothing under the target name.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Project } from '../../src/node/store/project';
import { ExportAborted, runExport } from '../../src/node/export';
import { parseTempName } from '../../src/base/fsutil';
import { addDataset, addMedia, putAu, putExpr, putVa } from './export-fixture';
import { tempDir } from './helpers';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});
function setup(): { dir: string; p: Project } {
  const t = tempDir('aw-export-files-');
  const p = Project.create(path.join(t.dir, 'proj'));
  cleanups.push(() => {
    p.close();
    t.cleanup();
  });
  return { dir: t.dir, p };
}
const read = (f: string) => fs.readFileSync(f, 'utf8');

describe('Aff-Wild2 export', () => {
  it('writes one file per video and task with a header and one line per frame, -1 / -5 where unlabelled', async () => {
    const { dir, p } = setup();
    const ds = addDataset(p, 'aff');
    const v1 = addMedia(p, ds, 'v1', 4);
    p.db.prepare(`UPDATE media SET frame_count = 5 WHERE name = 'v1'`).run(); // a trailing frame with no row
    putAu(p, v1[0], { 1: 1, 2: 0, 4: 1, 6: 0, 12: 1, 15: 0, 20: 0, 25: 1, 26: 1 });
    putAu(p, v1[1], { 1: 1 });
    putExpr(p, v1[2], 3);
    putExpr(p, v1[3], 5);
    putExpr(p, v1[3], 0, { layer: 'human' });
    putVa(p, v1[0], [0.125, -0.5]);
    putVa(p, v1[3], [0.1 + 0.2, -1]);
    const v2 = addMedia(p, ds, 'a/b: "v2"', 2, { split: 'val' });
    putExpr(p, v2[1], 6);
    const out = path.join(dir, 'aff-out');
    const s = await runExport(p, 'affwild2', out, { model: 'none' });
    const rel = s.files.map((f) => path.relative(out, f).split(path.sep).join('/')).sort();
    expect(rel).toEqual(['AU_Set/Train_Set/v1.txt', 'EXPR_Set/Train_Set/v1.txt', 'EXPR_Set/Validation_Set/a_b_ _v2_.txt', 'VA_Set/Train_Set/v1.txt']);
    expect(read(path.join(out, 'AU_Set/Train_Set/v1.txt'))).toBe(
      ['AU1,AU2,AU4,AU6,AU12,AU15,AU20,AU25,AU26', '1,0,1,0,1,0,0,1,1', '1,-1,-1,-1,-1,-1,-1,-1,-1', ...Array(3).fill('-1,-1,-1,-1,-1,-1,-1,-1,-1')].join('\n') + '\n',
    );
    expect(read(path.join(out, 'EXPR_Set/Train_Set/v1.txt'))).toBe('Neutral,Anger,Disgust,Fear,Happiness,Sadness,Surprise\n-1\n-1\n3\n0\n-1\n');
    expect(read(path.join(out, 'VA_Set/Train_Set/v1.txt'))).toBe('valence,arousal\n0.125,-0.5\n-5,-5\n-5,-5\n0.30000000000000004,-1\n-5,-5\n');
    expect(read(path.join(out, 'EXPR_Set/Validation_Set/a_b_ _v2_.txt'))).toBe('Neutral,Anger,Disgust,Fear,Happiness,Sadness,Surprise\n-1\n6\n');
    expect(s.rows).toBe(6);
    // nothing else in the folder, no temporary left beside it
    expect(fs.readdirSync(dir).sort()).toEqual(['aff-out', 'proj']);
  });

  it('gives each dataset its own folder when several are exported, and refuses a non-empty target', async () => {
    const { dir, p } = setup();
    putExpr(p, addMedia(p, addDataset(p, 'one'), 'v', 1)[0], 1);
    putVa(p, addMedia(p, addDataset(p, 'two'), 'v', 1, { split: 'test' })[0], [0, 0]);
    const out = path.join(dir, 'multi');
    const s = await runExport(p, 'affwild2', out, { model: 'none' });
    expect(s.files.map((f) => path.relative(out, f).split(path.sep).join('/')).sort()).toEqual(['one/EXPR_Set/Train_Set/v.txt', 'two/VA_Set/Test_Set/v.txt']);
    await expect(runExport(p, 'affwild2', out, { model: 'none' })).rejects.toThrow(/already exists/);
    const again = await runExport(p, 'affwild2', out, { model: 'none', datasets: ['two'], overwrite: true });
    expect(again.files.map((f) => path.relative(out, f).split(path.sep).join('/'))).toEqual(['VA_Set/Test_Set/v.txt']);
    expect(fs.existsSync(path.join(out, 'one'))).toBe(false);
    expect(fs.readdirSync(dir).sort()).toEqual(['multi', 'proj']);
  });

  it('keeps dataset folders apart when their names only differ in characters a file name cannot hold', async () => {
    const { dir, p } = setup();
    const a = addDataset(p, 'x/y');
    const b = addDataset(p, 'x_y');
    putExpr(p, addMedia(p, a, 'v', 1)[0], 1);
    putExpr(p, addMedia(p, b, 'v', 1)[0], 2);
    const out = path.join(dir, 'o');
    const s = await runExport(p, 'affwild2', out, { model: 'none' });
    expect(s.files.map((f) => path.relative(out, f).split(path.sep).join('/')).sort()).toEqual(['x_y-2/EXPR_Set/Train_Set/v.txt', 'x_y/EXPR_Set/Train_Set/v.txt']);
    expect(read(path.join(out, 'x_y-2/EXPR_Set/Train_Set/v.txt')).split('\n')[1]).toBe('2');
  });
});

describe('interrupted exports', () => {
  function big(): { dir: string; p: Project } {
    const s = setup();
    const ds = addDataset(s.p, 'big');
    s.p.db.transaction(() => {
      const ids = addMedia(s.p, ds, 'long', 20_000);
      const ins = s.p.db.prepare(`INSERT INTO labels(frame_id, task, layer, expr, provenance, updated_at) VALUES (?, 'expr', 'imported', ?, 'imported', 'now')`);
      for (const id of ids) ins.run(id, id % 7);
    })();
    return s;
  }
  const listing = (dir: string) => fs.readdirSync(dir).sort();

  for (const format of ['csv', 'jsonl', 'affwild2'] as const) {
    it(`${format}: a throwing progress callback leaves no file and no temporary`, async () => {
      const { dir, p } = big();
      const out = path.join(dir, `out.${format}`);
      let calls = 0;
      await expect(
        runExport(p, format, out, { model: 'none' }, (done, total) => {
          expect(total).toBe(20_000);
          // mid-way the output exists only as a temporary sibling of its own (pid, host, random part)
          const [tmp, proj] = listing(dir);
          expect(proj).toBe('proj');
          expect(parseTempName(tmp)).toMatchObject({ target: `out.${format}`, pid: process.pid, kind: 'tmp' });
          if (++calls === 2) throw new Error(`stop at ${done}`);
        }),
      ).rejects.toThrow('stop at 8192');
      expect(listing(dir)).toEqual(['proj']);
    });
  }

  it('an AbortSignal fired from a timer mid-way cancels; an existing target keeps its old content', async () => {
    const { dir, p } = big();
    const out = path.join(dir, 'labels.csv');
    fs.writeFileSync(out, 'old content\n');
    const ac = new AbortController();
    let seen = 0;
    const run = runExport(p, 'csv', out, { model: 'none', overwrite: true }, (done) => (seen = done), ac.signal);
    setTimeout(() => ac.abort(), 0);
    await expect(run).rejects.toBeInstanceOf(ExportAborted);
    expect(seen).toBeGreaterThan(0);
    expect(seen).toBeLessThan(20_000);
    expect(read(out)).toBe('old content\n');
    expect(listing(dir)).toEqual(['labels.csv', 'proj']);
    // and the same export without the abort replaces it whole
    const s = await runExport(p, 'csv', out, { model: 'none', overwrite: true });
    expect(s.rows).toBe(20_000);
    expect(read(out).split('\n').length).toBe(1 + 20_000 + 1); // the header row, the rows, the final newline
    expect(listing(dir)).toEqual(['labels.csv', 'labels.csv.json', 'proj']);
  });

  it('refuses to replace a file unless asked, and a folder given as a CSV target', async () => {
    const { dir, p } = setup();
    const out = path.join(dir, 'x.csv');
    fs.writeFileSync(out, 'keep');
    await expect(runExport(p, 'csv', out, {})).rejects.toThrow(/already exists/);
    await expect(runExport(p, 'csv', dir, { overwrite: true })).rejects.toThrow(/is a folder/);
    expect(read(out)).toBe('keep');
  });
});
