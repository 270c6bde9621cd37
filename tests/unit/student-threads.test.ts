// Students side by side in learning threads (src/ml/threads/train-runs.ts, src/ml/algorithm.ts):
// the same students, trained one after another in the job's own thread (AW_THREADS=1) and two at a
// time in learning threads (AW_THREADS=2: all three at once), come out with bit-identical weights, the same
// thresholds, validation figures and epochs (losses, scores), and the same ensemble. The log says which
// ran where. A fine-tuned backbone reads crops, so its students stay in the job's thread.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildEngineFixture } from './engine-fixture';
import { tempDir } from './helpers';
import { generateSoftLabels, trainStudents, trainTeacher } from '../../src/node/training/engine/pipeline';
import type { EngineHooks } from '../../src/node/training/engine/context';
import { threadsAtOnce } from '../../src/ml/threads/train-runs';

const tmp = tempDir('aw-student-threads-');
const dir = path.join(tmp.dir, 'proj');
let logs: string[] = [];
const hooks: EngineHooks = { progress() {}, log: (l) => void logs.push(l), checkpoint: async () => {} };
const STUDENTS = { count: 3, epochs: 2, maxStepsPerEpoch: 3, batch: 8 };
let teacherId = 0;
const saved = process.env.AW_THREADS;

beforeAll(async () => {
  (await buildEngineFixture(dir, { videos: 3, frames: 12 })).close();
  teacherId = (await trainTeacher(dir, { backbone: 'face', freezeBackbone: true, epochs: 1, maxStepsPerEpoch: 2, batch: 8 }, hooks)).modelId;
  await generateSoftLabels(dir, { model: teacherId }, hooks);
}, 180_000);
afterEach(() => {
  if (saved === undefined) delete process.env.AW_THREADS;
  else process.env.AW_THREADS = saved;
});
afterAll(() => tmp.cleanup());

async function studentsWith(threads: number, params: Record<string, unknown> = {}) {
  process.env.AW_THREADS = String(threads);
  logs = [];
  const r = await trainStudents(dir, { teacher: teacherId, ...STUDENTS, ...params }, hooks);
  const weights = r.students.map((s) => fs.readFileSync(path.join(dir, 'models', String(s.modelId), 'weights.bin')));
  // Each epoch's line (loss, validation scores, best so far) without its speed; threaded lines carry their student's name.
  const epochs = logs
    .flatMap((l) => {
      const m = /(epoch \d+\/\d+: loss .*) \([\d.]+ samples\/s\)$/.exec(l);
      return m ? [m[1]] : [];
    })
    .sort();
  return { r, weights, epochs, logs };
}

describe('students in learning threads', () => {
  it('train the same students as one thread does, bit for bit', async () => {
    const one = await studentsWith(1);
    const two = await studentsWith(2);
    expect(one.logs.some((l) => /\(learning thread \d+\)/.test(l))).toBe(false);
    // 3 students on 2 cores: all 3 at once (threadsAtOnce), one thread each.
    expect(two.logs.filter((l) => /^student \d\/3: .*\(learning thread [123]\)$/.test(l))).toHaveLength(3);
    expect(two.weights.map((w) => w.length)).toEqual(one.weights.map((w) => w.length));
    two.weights.forEach((w, k) => expect(w.equals(one.weights[k])).toBe(true));
    expect(one.weights[0].equals(one.weights[1])).toBe(false); // the students differ (their seeds)
    expect(two.r.students.map((s) => [s.thresholds, s.val])).toEqual(one.r.students.map((s) => [s.thresholds, s.val]));
    expect(two.r.ensembleVal).toEqual(one.r.ensembleVal);
    expect(one.epochs).toHaveLength(6);
    expect(two.epochs).toEqual(one.epochs);
  }, 180_000);

  it('run all students at once up to twice the cores, else in equally full rounds', () => {
    const at = (runs: number, threads: number) => threadsAtOnce(runs, threads);
    expect([at(3, 2), at(4, 2), at(5, 2), at(8, 2), at(9, 2), at(2, 2)]).toEqual([3, 4, 3, 4, 3, 2]);
    expect([at(3, 1), at(1, 4), at(5, 4)]).toEqual([1, 1, 5]);
  });

  it('a cancel ends the threads and is what the job reports; the students can then be trained', async () => {
    process.env.AW_THREADS = '2';
    let calls = 0;
    const cancelling: EngineHooks = {
      progress() {},
      log() {},
      checkpoint: async () => {
        if (++calls > 3) throw new Error('cancelled by the test');
      },
    };
    await expect(trainStudents(dir, { teacher: teacherId, ...STUDENTS }, cancelling)).rejects.toThrow('cancelled by the test');
    const again = await studentsWith(2);
    expect(again.r.students).toHaveLength(3);
  }, 180_000);

  it('a fine-tuned backbone trains its students in the job thread', async () => {
    const ft = await studentsWith(2, { count: 2, freezeBackbone: false, backbone: 'small', inputSize: 32, epochs: 1, maxStepsPerEpoch: 1 });
    expect(ft.r.students).toHaveLength(2);
    expect(ft.logs.some((l) => /\(learning thread \d+\)/.test(l))).toBe(false);
  }, 180_000);
});
