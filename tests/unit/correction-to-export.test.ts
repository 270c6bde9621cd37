// A human correction's whole path, through the API the app uses (in-process transport, real SQLite
// files, real worker jobs): labels.edit on one frame → teacher → soft labels → students (whose
// training samples carry the corrected label) → data.export, whose CSV row of that frame has the
// corrected value with source `human`.
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Backend } from '../../src/node/app/backend';
import { inProcessClient } from '../../src/node/app/inprocess';
import { loadSamples } from '../../src/node/labels/samples';
import type { Project } from '../../src/node/store/project';
import type { ApiClient } from '../../src/shared/client';
import type { Input, JobKind, JobSummary, MethodName, Output } from '../../src/shared/contract';
import { EXPRESSIONS } from '../../src/shared/labels';
import { unwrap } from '../../src/shared/result';
import { buildEngineFixture } from './engine-fixture';
import { tempDir } from './helpers';

const tmp = tempDir('aw-correction-');
const small = { backbone: 'small', inputSize: 32, batch: 16, lr: 1e-3, epochs: 1, maxStepsPerEpoch: 2 };
let backend: Backend;
let client: ApiClient;
let project: Project;
const logs = new Map<number, string[]>();

async function call<M extends MethodName>(m: M, input: Input<M>): Promise<Output<M>> {
  return unwrap(await client.call(m, input)) as Output<M>;
}

/** Starts a job through the API and waits for it; its summary and log lines. */
async function job(kind: JobKind, params: Record<string, unknown>): Promise<JobSummary & { log: string[] }> {
  const { jobId } = await call('jobs.start', { kind, params });
  await backend.jobs.waitIdle();
  const summary = (await call('jobs.list', {})).find((j) => j.id === jobId)!;
  expect(summary.status, `${kind}: ${summary.error ?? ''}`).toBe('done');
  return { ...summary, log: logs.get(jobId) ?? [] };
}

beforeAll(async () => {
  // Videos: 0 train AU-only, 1 train EXPR-only, 2 val with every task (engine-fixture.ts).
  (await buildEngineFixture(path.join(tmp.dir, 'project'), { videos: 3, frames: 20 })).close();
  backend = new Backend({ transport: 'inprocess' });
  backend.subscribe((m) => {
    if (m.event !== 'job.log') return;
    const p = m.payload as { jobId: number; line: string };
    logs.set(p.jobId, [...(logs.get(p.jobId) ?? []), p.line]);
  });
  client = inProcessClient(backend);
  await call('project.open', { dir: path.join(tmp.dir, 'project') });
  project = backend.requireProject();
});
afterAll(async () => {
  await backend.close();
  tmp.cleanup();
});

describe('a correction from labels.edit to the export', () => {
  it('reaches the students’ training samples and the exported CSV as a human label', async () => {
    const db = project.db;
    const media = db.prepare(`SELECT id, name FROM media ORDER BY id`).all() as { id: number; name: string }[];
    const exprVideo = media[1];
    const FRAME = 7;
    const frameId = db.prepare('SELECT id FROM frames WHERE media_id = ? AND idx = ?').pluck().get(exprVideo.id, FRAME) as number;
    const sampleExpr = (fid: number) => {
      const s = loadSamples(db, { splits: ['train'] });
      const i = s.frameId.indexOf(fid);
      expect(i, `frame ${fid} among the training samples`).toBeGreaterThanOrEqual(0);
      return s.expr[i];
    };
    const imported = sampleExpr(frameId);
    expect(imported).toBeGreaterThanOrEqual(0);
    const corrected = (imported + 3) % EXPRESSIONS.length;

    // The correction, as the review screen makes it.
    const edit = await call('labels.edit', { mediaId: exprVideo.id, name: `Expression: ${EXPRESSIONS[corrected]}`, frames: [FRAME], author: 'tester', change: { kind: 'expr', value: corrected } });
    expect(edit.action).toMatchObject({ from: FRAME, to: FRAME, changes: 1 });
    const [shown] = await call('labels.range', { mediaId: exprVideo.id, from: FRAME, to: FRAME });
    expect(shown.expr).toEqual({ value: corrected, provenance: 'human' });
    expect(sampleExpr(frameId)).toBe(corrected);

    // Algorithm 1 after the correction: teacher → soft labels → students.
    const teacher = await job('train.teacher', small);
    const teacherId = (teacher.result as { modelId: number }).modelId;
    await job('soft-labels', { model: teacherId });
    // What the students job loads (src/node/training/engine/pipeline.ts trainingSets: the train split
    // of every dataset), read on the same database right before it starts.
    const trainSet = loadSamples(db, { splits: ['train'] });
    const row = trainSet.frameId.indexOf(frameId);
    expect(trainSet.expr[row]).toBe(corrected);
    // The neighbours keep their imported labels.
    const neighbour = db.prepare('SELECT id FROM frames WHERE media_id = ? AND idx = ?').pluck().get(exprVideo.id, FRAME + 1) as number;
    expect(trainSet.expr[trainSet.frameId.indexOf(neighbour)]).toBe(db.prepare(`SELECT expr FROM labels WHERE frame_id = ? AND task = 'expr'`).pluck().get(neighbour));
    const students = await job('train.students', { ...small, teacher: teacherId, count: 1 });
    expect(students.log).toContain(`training frames: ${trainSet.n}; validation frames: 20`);
    expect((students.result as { students: unknown[] }).students).toHaveLength(1);

    // The export (a worker job), labels merged gt + human + the ensemble's fills.
    const { jobId } = await call('data.export', { format: 'csv', out: 'exports/labels.csv', options: { policy: 'gt+human+model', model: 'ensemble' } });
    await backend.jobs.waitIdle();
    expect((await call('jobs.list', {})).find((j) => j.id === jobId)).toMatchObject({ kind: 'export', status: 'done' });
    const csv = fs.readFileSync(path.join(project.dir, 'exports', 'labels.csv'), 'utf8');
    const rows = parse(csv, { columns: true, comment: '#', skip_empty_lines: true }) as Record<string, string>[];
    const at = (idx: number) => rows.find((r) => r.media === exprVideo.name && r.frame === String(idx))!;
    expect(at(FRAME)).toMatchObject({ split: 'train', expression: EXPRESSIONS[corrected], expr_source: 'human' });
    expect(at(FRAME + 1)).toMatchObject({ expr_source: 'imported' });
    expect(at(FRAME + 1).expression).toBe(EXPRESSIONS[trainSet.expr[trainSet.frameId.indexOf(neighbour)]]);
  }, 120_000);
});
