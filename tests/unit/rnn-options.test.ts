// The CNN-RNN's paper options and their earlier behaviour (issue 18, item 8): what a new job and a
// stored model resolve to; the heads' 128-d embeddings the GRUs read by default; the GRU widths a
// trainer builds; and where a student's soft labels come from ('own-windows': the teacher run on
// the student's batch; 'stored': the teacher's stored records).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '../../src/ml/backend';
import { buildModel, disposeNet, forward, HEAD_HIDDEN } from '../../src/ml/models';
import {
  RNN_LEGACY,
  RNN_STUDENT_EPOCHS,
  RNN_TEACHER_EPOCHS,
  resolveRnnConfig,
  resolveStoredRnnConfig,
  RnnStudentParams,
  RnnTeacherParams,
  type ResolvedRnnConfig,
} from '../../src/ml/rnn/config';
import { extractHeadEmbeddings, HEAD_EMBEDDING_DIM, type FeatureSource } from '../../src/ml/rnn/features';
import { buildRnnNet, disposeRnnNet, rnnPredict, type RnnNet, type RnnNetConfigInput } from '../../src/ml/rnn/model';
import { windowTeacherHeads } from '../../src/ml/rnn/losses';
import { rnnTrainer, type RnnTrainInput } from '../../src/ml/rnn/trainer';
import type { TrainHooks } from '../../src/ml/train/arch';
import { NUM_AUS, SOFT_LABEL_WIDTH } from '../../src/shared/labels';
import { mulberry32 } from '../../src/shared/random';
import { unlabelledSamples, type SampleSet } from '../../src/shared/samples';
import { tempDir } from './helpers';

const tmp = tempDir('aw-rnn-options-');
beforeAll(async () => {
  await initBackend();
});
afterAll(() => tmp.cleanup());

describe('configuration', () => {
  it('a new job gets the paper’s options: head embeddings, ReLU after the GRUs, own-window targets, teacher 8 epochs', () => {
    expect(RNN_TEACHER_EPOCHS).toBe(8);
    const t = resolveRnnConfig({ featuresFrom: 4 }, 'teacher');
    expect(t).toMatchObject({ rnnInput: 'head-embedding', reluAfterGru: true, studentTargets: 'own-windows', epochs: 8 });
    expect(resolveRnnConfig({ featuresFrom: 4 }, 'student')).toMatchObject({ studentTargets: 'own-windows', epochs: RNN_STUDENT_EPOCHS });
    // Today's behaviour stays available by name.
    const old = resolveRnnConfig({ featuresFrom: 4, rnnInput: 'backbone', reluAfterGru: false, studentTargets: 'stored', epochs: 3 }, 'teacher');
    expect(old).toMatchObject({ rnnInput: 'backbone', reluAfterGru: false, studentTargets: 'stored', epochs: 3 });
    expect(() => RnnTeacherParams.parse({ rnnInput: 'pixels' })).toThrow();
    expect(() => RnnStudentParams.parse({ teacher: 1, studentTargets: 'mean' })).toThrow();
    // Students read what their teacher's GRUs read: the students job takes no rnnInput.
    expect('rnnInput' in RnnStudentParams.parse({ teacher: 1, rnnInput: 'backbone' })).toBe(false);
  });

  it('a stored configuration without the fields is read as it was trained (RNN_LEGACY), explicit fields are kept', () => {
    // What the first implementation stored (its resolved config, plus the engine's extra keys).
    const stored = { featuresFrom: 4, window: 32, trainStride: 16, evalStride: 32, hidden: 64, batch: 32, epochs: 3, lr: 1e-4, seed: 0, backend: 'wasm' };
    expect(resolveStoredRnnConfig(stored, 'teacher')).toMatchObject({ rnnInput: 'backbone', reluAfterGru: false, studentTargets: 'stored', epochs: 3 });
    expect(resolveStoredRnnConfig(stored, 'student')).toMatchObject({ rnnInput: RNN_LEGACY.rnnInput, studentTargets: RNN_LEGACY.studentTargets });
    // A teacher config without epochs ran the then default, 3.
    const { epochs: _e, ...noEpochs } = stored;
    expect(resolveStoredRnnConfig(noEpochs, 'teacher').epochs).toBe(RNN_LEGACY.teacherEpochs);
    // A config stored now carries every field and reads back unchanged.
    const now = resolveRnnConfig({ featuresFrom: 4 }, 'teacher');
    expect(resolveStoredRnnConfig({ ...now }, 'teacher')).toEqual(now);
  });
});

describe('head embeddings', () => {
  it('are the 128-d inputs of each head’s last FC (after BN → FC128 → ReLU → BN), in inference mode', async () => {
    const net = await buildModel({ backbone: 'small', inputSize: 32, seed: 3 });
    const rng = mulberry32(2);
    const x = tf.tensor4d(Float32Array.from({ length: 3 * 32 * 32 * 3 }, () => rng()), [3, 32, 32, 3]);
    const emb = extractHeadEmbeddings(net, x);
    expect(emb.shape).toEqual([3, HEAD_EMBEDDING_DIM]);
    expect(HEAD_EMBEDDING_DIM).toBe(3 * HEAD_HIDDEN);
    // The heads' last layers applied to the embeddings give the model's own outputs.
    const out = forward(net.model, x);
    const slice = (g: number) => tf.slice(emb, [0, g * HEAD_HIDDEN], [3, HEAD_HIDDEN]);
    const last = (name: string, g: number) => net.model.getLayer(name).apply(slice(g)) as tf.Tensor2D;
    const pairs: [tf.Tensor2D, tf.Tensor2D][] = [
      [last('au', 0), out.au],
      [last('expr', 1), out.expr],
      [last('v', 2), out.v],
      [last('a', 2), out.a],
    ];
    for (const [a, b] of pairs) expect(tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]).toBeLessThan(1e-4);
    // Inference mode: a frame's embedding does not depend on its batch.
    const one = extractHeadEmbeddings(net, tf.slice(x, [1, 0, 0, 0], [1, 32, 32, 3]));
    expect(tf.max(tf.abs(tf.sub(one, tf.slice(emb, [1, 0], [1, HEAD_EMBEDDING_DIM])))).dataSync()[0]).toBeLessThan(1e-5);
    tf.dispose([x, emb, one, ...Object.values(out), ...pairs.flat()]);
    disposeNet(net);
  });
});

// ---------------------------------------------------------------------------------------------
// The trainer adapter on synthetic features: 2 videos of 10 frames, partial labels.

function samples(): SampleSet {
  const n = 20;
  const s: SampleSet = {
    ...unlabelledSamples(n),
    frameId: Int32Array.from({ length: n }, (_, i) => 100 + i),
    mediaId: Int32Array.from({ length: n }, (_, i) => (i < 10 ? 1 : 2)),
    idx: Int32Array.from({ length: n }, (_, i) => i % 10),
  };
  for (let i = 0; i < n; i += 3) s.expr[i] = i % 7;
  for (let i = 1; i < n; i += 4) s.au.set([1, 0, 1, 0, 0, 1, 0, 1], i * NUM_AUS);
  for (let i = 2; i < n; i += 5) [s.valence[i], s.arousal[i]] = [0.2, -0.3];
  return s;
}

function featureSource(s: SampleSet, dim: number): FeatureSource {
  const rng = mulberry32(dim);
  const rows = new Map<number, Float32Array>();
  for (let i = 0; i < s.n; i++) rows.set(s.frameId[i], Float32Array.from({ length: dim }, () => 2 * rng() - 1));
  return {
    modelId: 1,
    dim,
    read(ids, out, offset = 0) {
      const dst = out ?? new Float32Array(ids.length * dim);
      for (let k = 0; k < ids.length; k++) dst.set(rows.get(ids[k])!, offset + k * dim);
      return dst;
    },
  };
}

const hooks: TrainHooks = { progress() {}, log() {}, checkpoint: async () => {}, epochDone() {} };

function input(cfg: ResolvedRnnConfig, role: 'teacher' | 'student', features: FeatureSource, extra: Partial<RnnTrainInput> = {}): RnnTrainInput {
  const s = samples();
  return { config: cfg, role, train: s, val: s, modelDir: tmp.dir, features, isSequence: () => true, ...extra };
}

function netFor(cfg: ResolvedRnnConfig, dim: number, seed: number): RnnNet {
  const c: RnnNetConfigInput = { featureDim: cfg.rnnInput === 'head-embedding' ? dim / 3 : dim, hidden: cfg.hidden, window: cfg.window, seed, rnnInput: cfg.rnnInput, reluAfterGru: cfg.reluAfterGru };
  return buildRnnNet(c);
}

const small = { window: 8, hidden: 4, batch: 3, featuresFrom: 1 };

describe('the trainer adapter', () => {
  it('builds GRUs that take one 128-d head embedding each (head-embedding) or the whole features (backbone)', async () => {
    const paper = resolveRnnConfig(small, 'teacher');
    const a = await rnnTrainer.build(input(paper, 'teacher', featureSource(samples(), HEAD_EMBEDDING_DIM)));
    expect(a.config).toMatchObject({ featureDim: 128, rnnInput: 'head-embedding', reluAfterGru: true });
    for (const g of ['au', 'expr', 'va']) expect(a.weights.get(`${g}/fwd/kernel`)!.shape).toEqual([128, 12]);
    const legacy = resolveRnnConfig({ ...small, rnnInput: 'backbone', reluAfterGru: false }, 'teacher');
    const b = await rnnTrainer.build(input(legacy, 'teacher', featureSource(samples(), 40)));
    expect(b.config).toMatchObject({ featureDim: 40, rnnInput: 'backbone', reluAfterGru: false });
    expect(b.weights.get('va/bwd/kernel')!.shape).toEqual([40, 12]);
    // A checkpoint whose GRUs read the other kind is refused.
    await expect(rnnTrainer.prepare(b, input(paper, 'teacher', featureSource(samples(), 40)), hooks)).rejects.toThrow(/read backbone inputs, the configuration says head-embedding/);
    disposeRnnNet(a);
    disposeRnnNet(b);
  });

  it('own-windows: a student’s soft labels are the teacher run on the student’s own batch, no stored records needed', async () => {
    const cfg = resolveRnnConfig(small, 'student');
    const features = featureSource(samples(), 12);
    const teacher = netFor(cfg, 12, 7);
    const student = netFor(cfg, 12, 8);
    let loads = 0;
    const run = await rnnTrainer.prepare(student, input(cfg, 'student', features, { teacherNet: async () => (loads++, teacher) }), hooks);
    expect(loads).toBe(1);
    const plan = run.epoch(0);
    for (let k = 0; k < Math.ceil(plan.items / cfg.batch); k++) {
      const b = await plan.batch(k);
      const want = rnnPredict(teacher, b.x, b.lengths);
      for (const h of ['au', 'expr', 'v', 'a'] as const) expect(Array.from(b.teacher![h].dataSync())).toEqual(Array.from(want[h].dataSync()));
      const loss = run.loss(b);
      expect(Number.isFinite(loss.total.dataSync()[0])).toBe(true);
      tf.dispose([...Object.values(want), ...Object.values(loss)]);
      run.disposeBatch(b);
    }
    // Without the teacher, or with one that reads other inputs, the student is refused.
    await expect(rnnTrainer.prepare(student, input(cfg, 'student', features), hooks)).rejects.toThrow(/own-windows need the teacher/);
    const other = netFor(resolveRnnConfig({ ...small, rnnInput: 'backbone' }, 'teacher'), 12, 9);
    await expect(rnnTrainer.prepare(student, input(cfg, 'student', features, { teacherNet: async () => other }), hooks)).rejects.toThrow(/teacher's GRUs read backbone inputs/);
    [teacher, student, other].forEach(disposeRnnNet);
  });

  it('stored: a student’s soft labels are the teacher’s stored records of the frames', async () => {
    const cfg = resolveRnnConfig({ ...small, studentTargets: 'stored' }, 'student');
    const s = samples();
    const features = featureSource(s, 12);
    const student = netFor(cfg, 12, 8);
    await expect(rnnTrainer.prepare(student, input(cfg, 'student', features), hooks)).rejects.toThrow(/have no soft labels of the teacher/);
    const rng = mulberry32(5);
    const records = new Map<number, Float32Array>();
    for (let i = 0; i < s.n; i++) records.set(s.frameId[i], Float32Array.from({ length: SOFT_LABEL_WIDTH }, () => rng() - 1));
    const teacherNet = async () => {
      throw new Error('the stored path must not load the teacher');
    };
    const run = await rnnTrainer.prepare(student, input(cfg, 'student', features, { teacherRecords: records, teacherNet }), hooks);
    const b = await run.epoch(0).batch(0);
    // The batch's frames, window by window, padded steps zero.
    const order: (Float32Array | null)[] = [];
    const T = cfg.window;
    // Recover each step's frame from its features (unique random rows).
    const x = b.x.arraySync();
    x.forEach((w, k) =>
      w.forEach((row, t) => {
        if (t >= b.lengths[k]) return order.push(null);
        const i = Array.from({ length: s.n }, (_, r) => r).find((r) => features.read([s.frameId[r]]).every((v, j) => v === row[j]))!;
        order.push(records.get(s.frameId[i])!);
      }),
    );
    expect(order).toHaveLength(b.lengths.length * T);
    const want = windowTeacherHeads(order);
    for (const h of ['au', 'expr', 'v', 'a'] as const) expect(Array.from(b.teacher![h].dataSync())).toEqual(Array.from(want[h].dataSync()));
    tf.dispose(Object.values(want));
    run.disposeBatch(b);
    disposeRnnNet(student);
  });
});
