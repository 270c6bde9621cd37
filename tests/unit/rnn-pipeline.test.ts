// The CNN-RNN end to end on a small project with real rendered face sequences: a tiny CNN teacher
// gives the features; the RNN teacher, its soft labels, two RNN students and their ensemble;
// evaluation; resume after an interruption; image datasets left out of training. The paper's
// options by default (head embeddings, ReLU after the GRUs, students distilled on their own
// windows), the first implementation's by name, and a model stored before those options existed.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEngineFixture, epochRows } from './engine-fixture';
import { tempDir } from './helpers';
import { evaluateModel, generateSoftLabels, trainTeacher } from '../../src/node/training/engine/pipeline';
import { trainRnnStudents, trainRnnTeacher } from '../../src/node/training/engine/rnn-pipeline';
import { FeatureCache, headEmbeddingKey } from '../../src/node/store/feature-cache';
import { getModel } from '../../src/node/store/models';
import { rnnEngine } from '../../src/node/training/engine/archs';
import { Project } from '../../src/node/store/project';
import { openCropCache } from '../../src/node/store/crop-cache';
import { renderFace, NEUTRAL_STYLE } from '../../src/node/demo/face';
import { demoVideoContent } from '../../src/node/demo/generate';
import { decodeSoftLabel } from '../../src/shared/softlabels';
import type { EngineHooks } from '../../src/node/training/engine/context';

const tmp = tempDir('aw-rnn-pipeline-');
const dir = path.join(tmp.dir, 'proj');
let cnnId = 0;
let logs: string[] = [];
const hooks: EngineHooks = { progress() {}, log: (l) => void logs.push(l), checkpoint: async () => {} };
const FAST = { epochs: 2, lr: 3e-3, batch: 4 };

/** 3 stills in an image dataset (kind 'images'): no sequences. */
async function addStills(): Promise<number[]> {
  const p = Project.open(dir);
  const cache = openCropCache(p.dir);
  const now = new Date().toISOString();
  const db = p.db;
  const ds = Number(db.prepare(`INSERT INTO datasets(name, source_format, created_at) VALUES ('stills', 'test', ?)`).run(now).lastInsertRowid);
  const media = Number(db.prepare(`INSERT INTO media(dataset_id, name, kind, path, frame_count, created_at) VALUES (?, 'stills', 'images', 'stills', 3, ?)`).run(ds, now).lastInsertRowid);
  const c = demoVideoContent(3, 0, 3);
  const ids: number[] = [];
  for (let f = 0; f < 3; f++) {
    const fid = Number(db.prepare(`INSERT INTO frames(media_id, idx, split, face) VALUES (?, ?, 'train', 'ok')`).run(media, f).lastInsertRowid);
    db.prepare(`INSERT INTO labels(frame_id, task, layer, expr, provenance, updated_at) VALUES (?, 'expr', 'imported', ?, 'imported', ?)`).run(fid, f, now);
    await cache.putCrops([{ frameId: fid, rgb: renderFace(c.identity, c.track[f].intensities, NEUTRAL_STYLE, 112) }]);
    ids.push(fid);
  }
  cache.close();
  p.close();
  return ids;
}

let stills: number[] = [];
beforeAll(async () => {
  (await buildEngineFixture(dir, { videos: 6, frames: 40 })).close();
  stills = await addStills();
  const r = await trainTeacher(dir, { backbone: 'small', inputSize: 32, epochs: 1, maxStepsPerEpoch: 3, batch: 8 }, hooks);
  cnnId = r.modelId;
}, 60_000);
afterAll(() => tmp.cleanup());

function db<T>(fn: (p: Project) => T): T {
  const p = Project.open(dir);
  try {
    return fn(p);
  } finally {
    p.close();
  }
}

describe('CNN-RNN pipeline', () => {
  let teacherId = 0;

  it('trains a teacher on cached features of the best CNN (video media only)', async () => {
    logs = [];
    const r = await trainRnnTeacher(dir, FAST, hooks);
    teacherId = r.modelId;
    expect(r.featuresFrom).toBe(cnnId); // no CNN students yet: the CNN teacher
    const m = db((p) => getModel(p.db, r.modelId))!;
    expect(m).toMatchObject({ kind: 'teacher', arch: 'cnn-rnn', status: 'ready', backbone: 'small', name: `rnn-teacher-${r.modelId}` });
    expect(m.config).toMatchObject({ featuresFrom: cnnId, window: 32, trainStride: 16, evalStride: 32, hidden: 64, epochs: 2 });
    // The paper's options, recorded with the model and in its file.
    expect(m.config).toMatchObject({ rnnInput: 'head-embedding', reluAfterGru: true, studentTargets: 'own-windows' });
    expect(modelJson(r.modelId).config).toMatchObject({ featureDim: 128, rnnInput: 'head-embedding', reluAfterGru: true });
    expect(m.thresholds).toHaveLength(8);
    expect(logs.join('\n')).toMatch(/3 training frames of image datasets are left out/);
    expect(logs.join('\n')).toMatch(/training frames: 160; validation frames: 80/);
    expect(logs.join('\n')).toMatch(/head embeddings of teacher-\d+ \(small\), ReLU after the GRUs/);
    expect(logs.join('\n')).toMatch(/computing teacher-\d+'s head embeddings for 240 frames/);
    // Validation metrics for every task (the fixture's val videos carry every label).
    expect(r.val?.au?.score).toBeGreaterThan(0);
    expect(r.val?.expr?.score).toBeGreaterThan(0);
    expect(Number.isFinite(r.val?.valence?.ccc)).toBe(true);
    expect(fs.existsSync(path.join(dir, 'models', String(r.modelId), 'model.json'))).toBe(true);
    expect(fs.existsSync(path.join(dir, 'models', String(r.modelId), 'checkpoint', 'checkpoint.json'))).toBe(true);
    // The head embeddings (3 × 128) of the 240 video frames are cached; a second run computes none.
    const cache = FeatureCache.open(dir);
    const key = headEmbeddingKey(fingerprint(cnnId));
    cache.source(key, 384);
    expect(cache.keysOf(cnnId)).toContain(key);
    const all = videoFrames();
    expect(all).toHaveLength(240);
    expect(cache.missing(key, all)).toEqual([]);
    cache.close();
  });

  it('soft labels cover every frame, stills included (one-frame sequences)', async () => {
    const r = await generateSoftLabels(dir, { model: teacherId }, hooks);
    expect(r.frames).toBe(243);
    const rows = db((p) => p.db.prepare('SELECT frame_id, data FROM soft_labels WHERE model_id = ?').all(teacherId) as { frame_id: number; data: Buffer }[]);
    expect(rows).toHaveLength(243);
    for (const row of rows) expect(decodeSoftLabel(row.data).every(Number.isFinite)).toBe(true);
    expect(rows.map((x) => x.frame_id)).toEqual(expect.arrayContaining(stills));
    // Evaluation reads the stored records back: the same scores as the training run's validation.
    const ev = await evaluateModel(dir, { model: teacherId }, hooks);
    expect(ev.n.au).toBe(80);
    expect(Number.isFinite(ev.au!.score)).toBe(true);
  });

  it('trains students on the soft labels and ensembles them, keeping every student’s curve', async () => {
    // A run row, as the worker's job has: the epoch records are written under it.
    const runId = db((p) =>
      Number(p.db.prepare(`INSERT INTO runs(kind, status, created_at) VALUES ('train.rnn-students', 'running', ?)`).run(new Date().toISOString()).lastInsertRowid),
    );
    const r = await trainRnnStudents(dir, { teacher: teacherId, count: 2, epochs: 2, lr: 3e-3, batch: 4 }, { ...hooks, runId });
    expect(r.students).toHaveLength(2);
    const [s0, s1] = r.students.map((s) => db((p) => getModel(p.db, s.modelId))!);
    // 2 students × 2 epochs: every student's curve is kept, numbered one after the other.
    expect(db((p) => epochRows(p, runId))).toEqual([
      { epoch: 1, modelId: s0.id, studentEpoch: 1 },
      { epoch: 2, modelId: s0.id, studentEpoch: 2 },
      { epoch: 3, modelId: s1.id, studentEpoch: 1 },
      { epoch: 4, modelId: s1.id, studentEpoch: 2 },
    ]);
    expect(s0).toMatchObject({ kind: 'student', arch: 'cnn-rnn', parentId: teacherId, status: 'ready' });
    expect(s0.config.seed).not.toBe(s1.config.seed);
    expect(s0.config.featuresFrom).toBe(cnnId);
    // Students read what their teacher's GRUs read, and learn from the teacher run on their own windows.
    expect(s0.config).toMatchObject({ rnnInput: 'head-embedding', reluAfterGru: true, studentTargets: 'own-windows' });
    const w0 = fs.readFileSync(path.join(dir, 'models', String(s0.id), 'weights.bin'));
    const w1 = fs.readFileSync(path.join(dir, 'models', String(s1.id), 'weights.bin'));
    expect(w0.equals(w1)).toBe(false);
    const ens = db((p) => getModel(p.db, r.ensembleId))!;
    expect(ens).toMatchObject({ kind: 'ensemble', arch: 'cnn-rnn', members: [s0.id, s1.id], status: 'ready' });
    expect(r.ensembleVal?.expr?.score).toBeGreaterThan(0);
    const ev = await evaluateModel(dir, { model: r.ensembleId }, hooks);
    expect(ev.expr!.score).toBeCloseTo(r.ensembleVal!.expr!.score, 6);
    expect(ev.au!.score).toBeCloseTo(r.ensembleVal!.au!.score, 6);
  });

  it('refuses students on stored soft labels the teacher has not made, and features from a non-CNN model', async () => {
    logs = [];
    const t = await trainRnnTeacher(dir, { ...FAST, epochs: 1, featuresFrom: cnnId }, hooks);
    expect(logs.join('\n')).not.toMatch(/computing .* features/); // all cached by the first run
    await expect(trainRnnStudents(dir, { teacher: t.modelId, count: 1, epochs: 1, studentTargets: 'stored' }, hooks)).rejects.toThrow(/soft labels for 0 of 160 training frames: run "soft-labels --model/);
    // Students on their own windows (the default) run the teacher as they train: no stored soft labels needed.
    const own = await trainRnnStudents(dir, { teacher: t.modelId, count: 1, epochs: 1, maxStepsPerEpoch: 1 }, hooks);
    expect(own.students).toHaveLength(1);
    await expect(trainRnnTeacher(dir, { ...FAST, featuresFrom: teacherId }, hooks)).rejects.toThrow(/is a cnn-rnn model; features come from a CNN/);
  });

  let legacyId = 0;
  it('keeps the first implementation by name: backbone features, no ReLU, students on stored soft labels', async () => {
    logs = [];
    const t = await trainRnnTeacher(dir, { ...FAST, epochs: 1, featuresFrom: cnnId, rnnInput: 'backbone', reluAfterGru: false }, hooks);
    legacyId = t.modelId;
    expect(logs.join('\n')).toMatch(/teacher-\d+: backbone features: 240 frames, 240 computed, 0 read from the feature cache/);
    expect(logs.join('\n')).toMatch(/backbone features of teacher-\d+ \(small\), windows 32/);
    expect(modelJson(t.modelId).config).toMatchObject({ featureDim: dimOf(cnnId), rnnInput: 'backbone', reluAfterGru: false });
    // Both kinds of the CNN's outputs stay cached side by side.
    const cache = FeatureCache.open(dir);
    const backbone = modelJson(cnnId).meta.backboneKey;
    expect(backbone).toMatch(/^backbone:[0-9a-f]{64}$/);
    cache.source(backbone, dimOf(cnnId));
    cache.source(headEmbeddingKey(fingerprint(cnnId)), 384);
    expect(cache.missing(backbone, videoFrames())).toEqual([]);
    expect(cache.missing(headEmbeddingKey(fingerprint(cnnId)), videoFrames())).toEqual([]);
    expect(cache.keysOf(cnnId)).toEqual([backbone, headEmbeddingKey(fingerprint(cnnId))].sort());
    cache.close();
    await generateSoftLabels(dir, { model: t.modelId }, hooks);
    const r = await trainRnnStudents(dir, { teacher: t.modelId, count: 1, epochs: 1, lr: 3e-3, batch: 4, studentTargets: 'stored', reluAfterGru: false }, hooks);
    const s = db((p) => getModel(p.db, r.students[0].modelId))!;
    expect(s.config).toMatchObject({ rnnInput: 'backbone', reluAfterGru: false, studentTargets: 'stored' });
    expect(modelJson(s.id).config).toMatchObject({ rnnInput: 'backbone', reluAfterGru: false });
  });

  it('a model stored before the options existed is read as it was trained and predicts exactly as before', async () => {
    const before = softLabels(legacyId);
    expect(before.size).toBe(243);
    // What the first implementation stored: no rnnInput / reluAfterGru / studentTargets, in the
    // database or the model file.
    db((p) => {
      const m = getModel(p.db, legacyId)!;
      const { rnnInput: _i, reluAfterGru: _r, studentTargets: _s, ...old } = m.config;
      p.db.prepare('UPDATE models SET config = ? WHERE id = ?').run(JSON.stringify(old), legacyId);
      p.db.prepare('DELETE FROM soft_labels WHERE model_id = ?').run(legacyId);
    });
    const file = path.join(dir, 'models', String(legacyId), 'model.json');
    const json = modelJson(legacyId);
    delete json.config.rnnInput;
    delete json.config.reluAfterGru;
    fs.writeFileSync(file, JSON.stringify(json));
    const m = db((p) => getModel(p.db, legacyId))!;
    expect(m.config.rnnInput).toBeUndefined();
    expect(rnnEngine.config(m, 'teacher')).toMatchObject({ rnnInput: 'backbone', reluAfterGru: false, studentTargets: 'stored', epochs: 1 });
    await generateSoftLabels(dir, { model: legacyId }, hooks);
    expect(softLabels(legacyId)).toEqual(before);
    // New students of that old teacher read its backbone features and get today's other defaults.
    const r = await trainRnnStudents(dir, { teacher: legacyId, count: 1, epochs: 1, lr: 3e-3, batch: 4 }, hooks);
    const s = db((p) => getModel(p.db, r.students[0].modelId))!;
    expect(s.config).toMatchObject({ rnnInput: 'backbone', reluAfterGru: true, studentTargets: 'own-windows' });
  });

  it('resumes an interrupted teacher and ends where an uninterrupted run ends', async () => {
    const full = await trainRnnTeacher(dir, { ...FAST, featuresFrom: cnnId, seed: 3 }, hooks);
    let stop = false;
    const interrupting: EngineHooks = {
      ...hooks,
      progress: (_d, _t, stage) => {
        if (stage === 'epoch 2/2') stop = true;
      },
      checkpoint: async () => {
        if (stop) throw new Error('cancelled');
      },
    };
    let id = 0;
    await expect(
      trainRnnTeacher(dir, { ...FAST, featuresFrom: cnnId, seed: 3 }, { ...interrupting, meta: (m) => void (id = m.modelId ?? id) }),
    ).rejects.toThrow(/cancelled/);
    expect(db((p) => getModel(p.db, id))!.status).toBe('training');
    logs = [];
    const r = await trainRnnTeacher(dir, { resume: id }, hooks);
    expect(r.resumedFrom).toBe(1);
    expect(logs.join('\n')).toMatch(/resuming from the checkpoint after epoch 1/);
    const a = fs.readFileSync(path.join(dir, 'models', String(full.modelId), 'weights.bin'));
    const b = fs.readFileSync(path.join(dir, 'models', String(id), 'weights.bin'));
    expect(b.equals(a)).toBe(true);
    await expect(trainRnnTeacher(dir, { resume: id }, hooks)).rejects.toThrow(/nothing to resume/);
  });
});

function modelJson(id: number): { weightsSha256: string; config: Record<string, unknown>; meta: { featureDim: number; backboneKey: string } } {
  return JSON.parse(fs.readFileSync(path.join(dir, 'models', String(id), 'model.json'), 'utf8')) as ReturnType<typeof modelJson>;
}
function fingerprint(id: number): string {
  return modelJson(id).weightsSha256;
}
function dimOf(id: number): number {
  return modelJson(id).meta.featureDim;
}
function videoFrames(): number[] {
  return db((p) => p.db.prepare(`SELECT f.id FROM frames f JOIN media m ON m.id = f.media_id WHERE m.kind = 'sequence'`).pluck().all() as number[]);
}
function softLabels(id: number): Map<number, string> {
  const rows = db((p) => p.db.prepare('SELECT frame_id, data FROM soft_labels WHERE model_id = ? ORDER BY frame_id').all(id) as { frame_id: number; data: Buffer }[]);
  return new Map(rows.map((r) => [r.frame_id, r.data.toString('hex')]));
}
