// The demo pipeline (src/node/demo/run.ts) at toy size with real jobs: generate → import → faces →
// teacher → soft labels → students → ensemble → evaluations against the labels (the evaluate job)
// and against the complete truth, stored with what they are measured against and their frame
// counts, and printed (src/cli/format-engine.ts formatTable2) with the figures the Results tab shows;
// its hooks see each step's heading, the in-process progress and every job; a folder that is not a
// demo project is refused.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Backend } from '../../src/node/app/backend';
import { inProcessClient } from '../../src/node/app/inprocess';
import { prepareDemoDir, runDemoPipeline, type DemoStage } from '../../src/node/demo/run';
import { Project } from '../../src/node/store/project';
import { formatTable2 } from '../../src/cli/format-engine';
import { cell, COLUMNS, groupTables, scoreText } from '../../src/renderer/src/dashboard/table2-data';
import { unwrap } from '../../src/shared/result';
import { tempDir } from './helpers';

const tmp = tempDir('aw-demo-run-');
afterAll(() => tmp.cleanup());

async function runJob(dir: string, kind: Parameters<Backend['jobs']['start']>[0], params: Record<string, unknown>): Promise<unknown> {
  const b = new Backend({ transport: 'inprocess' });
  try {
    b.openProject(dir, false);
    const id = b.jobs.start(kind, params);
    await b.jobs.waitIdle();
    const j = b.jobs.get(id)!;
    if (j.status !== 'done') throw new Error(`${kind}: ${j.status} ${j.error ?? ''}`);
    return j.result;
  } finally {
    await b.close();
  }
}

describe('runDemoPipeline', () => {
  it('runs every step and returns Table 2 for the teacher, the students and the ensemble', async () => {
    const dir = path.join(tmp.dir, 'demo');
    const lines: string[] = [];
    const stages: DemoStage[] = [];
    const jobs: string[] = [];
    const r = await runDemoPipeline(
      { dir, seed: 3, videos: 5, frames: 12, students: 1, backbone: 'small', inputSize: 32, teacherEpochs: 1, studentEpochs: 1, lr: 1e-3, batch: 8, maxSteps: 1 },
      {
        log: (l) => lines.push(l),
        progress: (stage) => {
          if (stages.at(-1) !== stage) stages.push(stage);
        },
        runJob: (d, kind, params) => {
          expect(d).toBe(dir);
          jobs.push(kind);
          return runJob(d, kind, params);
        },
      },
    );
    expect(lines.filter((l) => /^\d\/6 /.test(l)).map((l) => l.slice(0, 3))).toEqual(['1/6', '2/6', '3/6', '4/6', '5/6', '6/6']);
    expect(lines[1]).toBe('    5 videos, 60 frames; each video labelled for some tasks only (partial labels)');
    expect(stages).toEqual(['rendering', 'importing']);
    expect(jobs).toEqual(['faces', 'train.teacher', 'soft-labels', 'train.students', 'soft-labels', 'soft-labels', 'evaluate', 'evaluate', 'evaluate']);
    expect(r.dir).toBe(dir);
    expect(r.source).toBe(path.join(dir, 'media', 'demo-source'));
    expect(r.claims.map((c) => c.task)).toHaveLength(4);

    // Three stored tables: the test split against its labels and against the complete truth, the
    // training split against the complete truth where its labels lacked the task.
    expect(r.tables.map((t) => [t.dataset, t.split, t.reference, t.measuredOn])).toEqual([
      ['demo', 'test', 'labels', 'labelled'],
      ['demo', 'test', 'complete-truth', 'all'],
      ['demo', 'train', 'complete-truth', 'unlabelled'],
    ]);
    for (const t of r.tables) expect(t.rows.map((row) => row.kind)).toEqual(['teacher', 'student', 'ensemble']);

    // Frame counts per task: what the reference labels on the frames measured on.
    const p = Project.open(dir);
    expect(p.meta('demo')).toBe('1');
    const frames = (split: string) => p.db.prepare(`SELECT COUNT(*) FROM frames WHERE split = ?`).pluck().get(split) as number;
    const labelled = (split: string, task: string) =>
      p.db.prepare(`SELECT COUNT(DISTINCT f.id) FROM frames f JOIN labels l ON l.frame_id = f.id WHERE f.split = ? AND l.task = ?`).pluck().get(split, task) as number;
    const [labels, truth, completion] = r.tables.map((t) => t.rows[0].result.n);
    expect(labels).toEqual({ au: labelled('test', 'au'), expr: labelled('test', 'expr'), va: labelled('test', 'va') });
    expect(truth).toEqual({ au: frames('test'), expr: frames('test'), va: frames('test') });
    expect(completion).toEqual({ au: frames('train') - labelled('train', 'au'), expr: frames('train') - labelled('train', 'expr'), va: frames('train') - labelled('train', 'va') });
    // Partial labels: the test split's labels cover fewer frames than its complete truth.
    expect(labels.au + labels.expr + labels.va).toBeLessThan(3 * frames('test'));
    p.close();
    // The stored reports say what they were measured against, like the rows' columns.
    for (const t of r.tables) for (const row of t.rows) expect([row.result.reference, row.result.measuredOn, row.result.dataset, row.result.split]).toEqual([t.reference, t.measuredOn, 'demo', t.split]);

    // What the Results tab gets over the contract is what the demo printed, figure for figure.
    const b = new Backend({ transport: 'inprocess' });
    b.openProject(dir, false);
    const c = inProcessClient(b);
    const ui = [];
    for (const split of ['test', 'train'] as const) {
      const table = unwrap(await c.call('evaluations.table', { dataset: 'demo', split }));
      ui.push(...groupTables(table.rows).map((g) => ({ ...g, split })));
    }
    await b.close();
    expect(ui.map((g) => [g.split, g.reference, g.measuredOn, g.rows.map((row) => row.id)])).toEqual(r.tables.map((t) => [t.split, t.reference, t.measuredOn, t.rows.map((row) => row.id)]));
    for (const [i, t] of r.tables.entries()) {
      const printed = formatTable2(t).split('\n');
      expect(printed[0]).toMatch(t.reference === 'labels' ? /^Measured against the ground truth present in the split — demo \/ test split/ : /^Measured against the demo's complete truth — demo \/ (test|train) split/);
      const n = t.rows[0].result.n;
      expect(printed[1]).toBe(`  Frames with a label in the reference: AU ${n.au}, EXPR ${n.expr}, VA ${n.va}.`);
      const body = printed.slice(3);
      expect(body).toHaveLength(ui[i].rows.length);
      ui[i].rows.forEach((row, k) => {
        const figures = body[k].trim().split(/\s+/).slice(-COLUMNS.length);
        expect(figures).toEqual(COLUMNS.map((col) => scoreText(cell(row, col.key))));
      });
    }
  }, 180_000); // ~30 s on a quiet machine, 70 s on a loaded one: nine worker jobs

  it('replaces an earlier demo project or an empty folder, refuses anything else unless forced', () => {
    const other = path.join(tmp.dir, 'other');
    fs.mkdirSync(other);
    prepareDemoDir(other); // empty: fine
    expect(fs.existsSync(other)).toBe(false);
    fs.mkdirSync(other);
    fs.writeFileSync(path.join(other, 'thesis.txt'), 'x');
    expect(() => prepareDemoDir(other)).toThrow(/is not a demo project/);
    expect(fs.existsSync(path.join(other, 'thesis.txt'))).toBe(true);
    prepareDemoDir(other, true);
    expect(fs.existsSync(other)).toBe(false);
  });
});
