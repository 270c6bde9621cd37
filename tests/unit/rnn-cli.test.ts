// The CLI's CNN-RNN flags: `train teacher --model-type cnn-rnn --features-from ID` runs the
// train.rnn-teacher job in a worker process; `train students` follows its teacher's architecture.
// `--resume JOB_ID` continues a run by its job id (as runs.resume and the dashboard do).
import path from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { registerEngineCommands } from '../../src/cli/commands/engine';
import { trainTeacher } from '../../src/node/training/engine/pipeline';
import { createModel, getModel, setModelStatus } from '../../src/node/store/models';
import { Project } from '../../src/node/store/project';
import { buildEngineFixture } from './engine-fixture';
import { tempDir } from './helpers';

const tmp = tempDir('aw-rnn-cli-');
const dir = path.join(tmp.dir, 'proj');
let cnnId = 0;

beforeAll(async () => {
  (await buildEngineFixture(dir, { videos: 3, frames: 20 })).close();
  const quiet = { progress() {}, log() {}, checkpoint: async () => {} };
  cnnId = (await trainTeacher(dir, { backbone: 'small', inputSize: 32, epochs: 1, maxStepsPerEpoch: 2, batch: 8 }, quiet)).modelId;
}, 60_000);
afterAll(() => tmp.cleanup());

async function cli(args: string[]): Promise<string> {
  const program = new Command('affect-workbench').exitOverride();
  registerEngineCommands(program);
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => ((out += String(s)), true));
  try {
    await program.parseAsync(['node', 'affect-workbench', ...args]);
  } finally {
    spy.mockRestore();
  }
  return out;
}

describe('affect-workbench train --model-type cnn-rnn', () => {
  it('trains a CNN-RNN teacher, then students of it, in worker processes', async () => {
    const t = JSON.parse(await cli(['train', 'teacher', dir, '--model-type', 'cnn-rnn', '--features-from', String(cnnId), '--epochs', '1', '--batch', '4', '--window', '8', '--stride', '4', '--json'])) as {
      modelId: number;
      featuresFrom: number;
    };
    expect(t.featuresFrom).toBe(cnnId);
    const p = Project.open(dir);
    const m = getModel(p.db, t.modelId)!;
    p.close();
    expect(m).toMatchObject({ arch: 'cnn-rnn', kind: 'teacher', status: 'ready' });
    expect(m.config).toMatchObject({ window: 8, trainStride: 4, evalStride: 8, epochs: 1, batch: 4 });
    await cli(['soft-labels', dir, '--model', String(t.modelId)]);
    // No --model-type: the teacher is a CNN-RNN, so are its students.
    const s = JSON.parse(await cli(['train', 'students', dir, '--teacher', String(t.modelId), '--count', '1', '--epochs', '1', '--batch', '4', '--json'])) as {
      students: { modelId: number }[];
      ensembleId: number;
    };
    const q = Project.open(dir);
    expect(getModel(q.db, s.students[0].modelId)).toMatchObject({ arch: 'cnn-rnn', kind: 'student', parentId: t.modelId });
    expect(getModel(q.db, s.ensembleId)).toMatchObject({ arch: 'cnn-rnn', kind: 'ensemble' });
    q.close();
  }, 60_000);

  it('refuses options of the other architecture', async () => {
    await expect(cli(['train', 'teacher', dir, '--model-type', 'cnn-rnn', '--backbone', 'small'])).rejects.toThrow(/--backbone does not apply to --model-type cnn-rnn/);
    await expect(cli(['train', 'teacher', dir, '--model-type', 'cnn-rnn', '--no-augment'])).rejects.toThrow(/--no-augment does not apply/);
    await expect(cli(['train', 'teacher', dir, '--model-type', 'cnn-rnn', '--tta', 'flip'])).rejects.toThrow(/--tta does not apply/);
    await expect(cli(['train', 'teacher', dir, '--tta', 'mirror'])).rejects.toThrow(/'--tta <mode>' argument 'mirror' is invalid\. Allowed choices are none, flip/);
    await expect(cli(['train', 'teacher', dir, '--window', '8'])).rejects.toThrow(/--window needs --model-type cnn-rnn/);
    await expect(cli(['train', 'teacher', dir, '--features-from', '1'])).rejects.toThrow(/--features-from needs --model-type cnn-rnn/);
    await expect(cli(['train', 'students', dir, '--teacher', String(cnnId), '--hidden', '8'])).rejects.toThrow(/--hidden needs --model-type cnn-rnn/);
  });

  it('resumes a run by its job id (train teacher --resume JOB_ID), not by a model id, refusing what does not go with it', async () => {
    const cfg = { backbone: 'small', inputSize: 32, epochs: 1, maxStepsPerEpoch: 2, batch: 8 };
    const p = Project.open(dir);
    const model = createModel(p.db, { kind: 'teacher', backbone: 'small', config: cfg }).id;
    setModelStatus(p.db, model, 'failed');
    const ins = p.db.prepare(`INSERT INTO runs(kind, params, status, model_id, created_at) VALUES (?, ?, ?, ?, 'now')`);
    // Job and model ids apart, so that one taken for the other shows.
    if (((p.db.prepare('SELECT COALESCE(MAX(id), 0) FROM runs').pluck().get() as number) + 1) === model) ins.run('probe', '{}', 'done', null);
    const job = Number(ins.run('train.teacher', JSON.stringify(cfg), 'interrupted', model).lastInsertRowid);
    p.close();
    expect(job).not.toBe(model);

    await expect(cli(['train', 'teacher', dir, '--resume', String(job), '--epochs', '2'])).rejects.toThrow(/--epochs does not go with --resume: job #\d+ continues with the settings/);
    await expect(cli(['train', 'students', dir, '--resume', String(job)])).rejects.toThrow(`resume it with \`train teacher DIR --resume ${job}\``);
    await expect(cli(['train', 'teacher', dir, '--model-type', 'cnn-rnn', '--resume', String(job)])).rejects.toThrow(/leave out --model-type/);
    await expect(cli(['train', 'teacher', dir, '--resume', '9999'])).rejects.toThrow(/No job with id 9999/);

    const r = JSON.parse(await cli(['train', 'teacher', dir, '--resume', String(job), '--json'])) as { modelId: number };
    expect(r.modelId).toBe(model);
    const q = Project.open(dir);
    expect(getModel(q.db, model)!.status).toBe('ready');
    const resumed = q.db.prepare(`SELECT params FROM runs WHERE kind = 'train.teacher' ORDER BY id DESC LIMIT 1`).pluck().get() as string;
    expect(JSON.parse(resumed)).toMatchObject({ resume: model, resumeOf: job });
    q.close();
    await expect(cli(['train', 'teacher', dir, '--resume', String(job)])).rejects.toThrow(/has finished training/);
  }, 60_000);
});
