// The CLI's CNN-RNN flags: `train teacher --model-type cnn-rnn --features-from ID` runs the
// train.rnn-teacher job in a worker process; `train students` follows its teacher's architecture.
import path from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { registerEngineCommands } from '../../src/cli/commands/engine';
import { trainTeacher } from '../../src/ml/engine/pipeline';
import { getModel } from '../../src/node/db/models';
import { Project } from '../../src/node/project';
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
    await expect(cli(['train', 'teacher', dir, '--window', '8'])).rejects.toThrow(/--window needs --model-type cnn-rnn/);
    await expect(cli(['train', 'teacher', dir, '--features-from', '1'])).rejects.toThrow(/--features-from needs --model-type cnn-rnn/);
    await expect(cli(['train', 'students', dir, '--teacher', String(cnnId), '--hidden', '8'])).rejects.toThrow(/--hidden needs --model-type cnn-rnn/);
  });
});
