// File → Export… below the UI: the contract method data.export (checks, then a worker job in a real
// child process) and the worker job 'export' itself (progress, cancel leaving no file).
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Backend } from '../../src/node/app/backend';
import type { FromWorker } from '../../src/node/jobs/protocol';
import { Project } from '../../src/node/store/project';
import { dispatch } from '../../src/shared/dispatch';
import { CancelledError, JobContext } from '../../src/worker/context';
import { exportJob } from '../../src/worker/export-job';
import { addDataset, addMedia, putExpr, putVa } from './export-fixture';
import { tempDir } from './helpers';

const tmp = tempDir('aw-export-job-');
process.env.AW_HOME = path.join(tmp.dir, 'home');
let dir: string;

beforeAll(() => {
  const p = Project.create(path.join(tmp.dir, 'project'));
  dir = p.dir;
  const ds = addDataset(p, 'DS');
  p.db.transaction(() => {
    const small = addMedia(p, ds, 'small', 10);
    small.forEach((id, i) => putExpr(p, id, i % 7));
    const big = addMedia(p, ds, 'big', 30_000);
    big.forEach((id, i) => i % 2 && putVa(p, id, [0.5, -0.5]));
  })();
  p.close();
});
afterAll(() => tmp.cleanup());

describe('data.export', () => {
  it('checks the request at once, then writes the file in a worker job (relative paths: in the project)', async () => {
    const backend = new Backend({ transport: 'inprocess' });
    backend.openProject(dir, false);
    try {
      const r = await dispatch(backend.handlers, 'data.export', { format: 'csv', out: 'exports/labels.csv', options: { datasets: ['DS'], splits: ['train'] } });
      expect(r.ok).toBe(true);
      const jobId = (r as { value: { jobId: number } }).value.jobId;
      await backend.jobs.waitIdle();
      const job = backend.jobs.get(jobId)!;
      expect(job).toMatchObject({ kind: 'export', status: 'done', progress: 1 });
      const out = path.join(dir, 'exports', 'labels.csv');
      expect(job.result).toMatchObject({ format: 'csv', out, rows: 30_010, files: [out, `${out}.json`], policy: 'gt+human' });
      const lines = fs.readFileSync(out, 'utf8').split('\n');
      expect(lines.length).toBe(1 + 30_010 + 1);
      expect(lines[0]).toMatch(/^dataset,media,frame,/);
      expect(lines[1]).toMatch(/^DS,big,0,,0,,train,/);

      // mistakes are answers, not failed jobs
      const again = await dispatch(backend.handlers, 'data.export', { format: 'csv', out, options: {} });
      expect(again).toMatchObject({ ok: false, error: { code: 'conflict' } });
      const policy = await dispatch(backend.handlers, 'data.export', { format: 'csv', out: 'x.csv', options: { policy: 'gt+magic' } });
      expect(policy).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
      const format = await dispatch(backend.handlers, 'data.export', { format: 'xlsx', out: 'x.xlsx' });
      expect(format).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
      expect(backend.jobs.list().length).toBe(1);
    } finally {
      await backend.close();
    }
  });
});

describe('worker job export', () => {
  it('reports progress and stops at cancel without leaving a file', async () => {
    const sent: FromWorker[] = [];
    const ctx = new JobContext(1, dir, (m) => {
      sent.push(m);
      if (m.type === 'progress') ctx.requestCancel();
    });
    const out = path.join(tmp.dir, 'cancelled.jsonl');
    await expect(exportJob({ format: 'jsonl', out, options: {} }, ctx)).rejects.toBeInstanceOf(CancelledError);
    expect(sent.filter((m) => m.type === 'progress').length).toBeGreaterThan(0);
    expect(fs.existsSync(out)).toBe(false);
    expect(fs.readdirSync(tmp.dir).filter((f) => f.includes('cancelled'))).toEqual([]);
  });
});
