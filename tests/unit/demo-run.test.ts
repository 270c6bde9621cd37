// The demo pipeline (src/node/demo/run.ts) at toy size with real jobs: generate → import → faces →
// teacher → soft labels → students → ensemble → the truth tables; its hooks see each step's heading,
// the in-process progress and every job; a folder that is not a demo project is refused.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Backend } from '../../src/node/app/backend';
import { prepareDemoDir, runDemoPipeline, type DemoStage } from '../../src/node/demo/run';
import { Project } from '../../src/node/store/project';
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
    expect(jobs).toEqual(['faces', 'train.teacher', 'soft-labels', 'train.students', 'soft-labels', 'soft-labels']);
    expect(r.dir).toBe(dir);
    expect(r.source).toBe(path.join(dir, 'media', 'demo-source'));
    expect(r.test.map((row) => row.kind)).toEqual(['teacher', 'student', 'ensemble']);
    expect(r.test[0].n.expr).toBeGreaterThan(0);
    expect(r.claims.map((c) => c.task)).toHaveLength(4);
    const p = Project.open(dir);
    expect(p.meta('demo')).toBe('1');
    p.close();
  }, 120_000);

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
