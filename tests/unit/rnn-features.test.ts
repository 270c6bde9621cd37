// The per-frame feature cache (cache/features.sqlite): float16 coding, reads and writes, and
// keys kept while a model uses them, and a version-1 file's rows dropped.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultFeatureModel, resolveFeatureModel } from '../../src/node/training/engine/features';
import { createModel, setModelStatus } from '../../src/node/store/models';
import { Project } from '../../src/node/store/project';
import Database from 'better-sqlite3';
import { FEATURE_FILE, FeatureCache } from '../../src/node/store/feature-cache';
import { fromHalf, toHalf } from '../../src/shared/float16';
import { mulberry32 } from '../../src/shared/random';
import { tempDir } from './helpers';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

function open(): FeatureCache {
  const t = tempDir('aw-rnn-features-');
  const c = FeatureCache.open(t.dir);
  cleanups.push(() => {
    c.close();
    t.cleanup();
  });
  return c;
}

describe('float16', () => {
  it('codes known values exactly (IEEE 754 half)', () => {
    expect(toHalf(1)).toBe(0x3c00);
    expect(toHalf(-2)).toBe(0xc000);
    expect(toHalf(0.5)).toBe(0x3800);
    expect(toHalf(65504)).toBe(0x7bff);
    expect(toHalf(1e6)).toBe(0x7bff); // saturates: features stay finite
    expect(toHalf(-1e6)).toBe(0xfbff);
    expect(toHalf(2 ** -24)).toBe(0x0001); // smallest subnormal
    expect(toHalf(2 ** -26)).toBe(0); // below half of it: 0
    expect(toHalf(0.1)).toBe(0x2e66);
    expect(toHalf(1 + 2 ** -11)).toBe(0x3c00); // a tie rounds to even
    expect(toHalf(1 + 3 * 2 ** -11)).toBe(0x3c02);
    expect(fromHalf(0x3c00)).toBe(1);
    expect(fromHalf(0x0001)).toBe(2 ** -24);
    expect(fromHalf(0x7bff)).toBe(65504);
    expect(fromHalf(0xc000)).toBe(-2);
  });

  it('round-trips within half an ulp (relative 2^-11) over the normal range', () => {
    const rng = mulberry32(1);
    for (let i = 0; i < 20000; i++) {
      const v = (rng() - 0.5) * 2 ** Math.floor(rng() * 30 - 14);
      const back = fromHalf(toHalf(v));
      if (Math.abs(v) >= 2 ** -14) expect(Math.abs(back - v)).toBeLessThanOrEqual(Math.abs(v) * 2 ** -11 + 1e-12);
      else expect(Math.abs(back - v)).toBeLessThanOrEqual(2 ** -25);
    }
  });
});

describe('FeatureCache', () => {
  it('stores and reads rows per (key, frame); reports missing frames', () => {
    const c = open();
    c.source('backbone:a', 3, 'float32');
    c.source('heads:b', 2); // float16
    expect(c.missing('backbone:a', [1, 2, 3])).toEqual([1, 2, 3]);
    c.put('backbone:a', [1, 3], Float32Array.of(0.1, 0.2, 0.3, 4, 5, 6));
    c.put('heads:b', [1], Float32Array.of(0.1, -1000.5));
    expect(c.missing('backbone:a', [1, 2, 3])).toEqual([2]);
    expect(Array.from(c.read('backbone:a', [3, 1]))).toEqual(Array.from(Float32Array.of(4, 5, 6, 0.1, 0.2, 0.3)));
    const h = c.read('heads:b', [1]);
    expect(h[0]).toBeCloseTo(0.1, 3);
    expect(h[1]).toBe(-1000.5);
    // Into a given buffer at an offset (the trainer fills padded window batches this way).
    const buf = new Float32Array(8).fill(-7);
    c.read('backbone:a', [1], buf, 2);
    expect(Array.from(buf)).toEqual([-7, -7, ...Array.from(Float32Array.of(0.1, 0.2, 0.3)), -7, -7, -7]);
    expect(() => c.read('backbone:a', [2])).toThrow(/no cached features under backbone:a for frame 2/);
    expect(() => c.put('backbone:a', [1], Float32Array.of(1, 2))).toThrow(/2 values for 1 frames × 3/);
  });

  it('drops a key’s rows when its width or dtype changes, and survives reopening', () => {
    const t = tempDir('aw-rnn-features-');
    cleanups.push(t.cleanup);
    let c = FeatureCache.open(t.dir);
    c.source('k', 2);
    c.put('k', [10, 11], Float32Array.of(1, 2, 3, 4));
    c.close();
    c = FeatureCache.open(t.dir);
    c.source('k', 2);
    expect(c.missing('k', [10, 11])).toEqual([]);
    c.source('k', 3);
    expect(c.missing('k', [10, 11])).toEqual([10, 11]);
    c.put('k', [10], Float32Array.of(1, 2, 3));
    c.source('k', 3, 'float32');
    expect(c.missing('k', [10])).toEqual([10]);
    expect(() => c.missing('other', [10])).toThrow(/not declared/);
    c.close();
  });

  it('keeps a key while any model that used it remains; drops frames’ rows', () => {
    const c = open();
    c.source('backbone:shared', 1, 'float32', 1);
    c.source('backbone:shared', 1, 'float32', 2);
    c.source('heads:one', 1, 'float32', 1);
    c.put('backbone:shared', [1, 2], Float32Array.of(1, 2));
    c.put('heads:one', [1, 2], Float32Array.of(3, 4));
    expect(c.keysOf(1)).toEqual(['backbone:shared', 'heads:one']);
    c.deleteFrames([2]);
    expect(c.missing('backbone:shared', [1, 2])).toEqual([2]);
    c.deleteModel(1);
    // Model 2 still uses the shared backbone rows; model 1's head embeddings are gone.
    expect(c.missing('backbone:shared', [1])).toEqual([]);
    expect(() => c.missing('heads:one', [1])).toThrow(/not declared/);
    c.deleteModel(2);
    expect(() => c.missing('backbone:shared', [1])).toThrow(/not declared/);
    expect(c.db.prepare('SELECT COUNT(*) FROM features').pluck().get()).toBe(0);
  });

  it('drops the rows of a version-1 file (keyed by model id) when it opens one', () => {
    const t = tempDir('aw-rnn-features-');
    cleanups.push(t.cleanup);
    fs.mkdirSync(path.join(t.dir, 'cache'));
    const old = new Database(path.join(t.dir, FEATURE_FILE));
    old.exec(`CREATE TABLE sources(model_id INTEGER PRIMARY KEY, fingerprint TEXT, dim INTEGER, dtype TEXT, created_at TEXT);
      CREATE TABLE features(model_id INTEGER, frame_id INTEGER, data BLOB, PRIMARY KEY (model_id, frame_id)) WITHOUT ROWID;
      INSERT INTO features VALUES (1, 1, x'00'); PRAGMA user_version = 1;`);
    old.close();
    const c = FeatureCache.open(t.dir);
    expect(c.db.prepare('SELECT COUNT(*) FROM features').pluck().get()).toBe(0);
    c.source('k', 1, 'float32');
    c.put('k', [1], Float32Array.of(5));
    expect(Array.from(c.read('k', [1]))).toEqual([5]);
    c.close();
  });
});

describe('defaultFeatureModel', () => {
  it('takes the best CNN student by its last validation scores, else the newest, else a teacher', async () => {
    const t = tempDir('aw-rnn-default-');
    cleanups.push(t.cleanup);
    const p = Project.create(t.dir);
    cleanups.push(() => p.close());
    const add = (kind: 'teacher' | 'student' | 'ensemble', val: Record<string, number | null> | null, arch: 'cnn' | 'cnn-rnn' = 'cnn') => {
      const m = createModel(p.db, { kind, arch, config: {} });
      setModelStatus(p.db, m.id, 'ready');
      const d = path.join(t.dir, 'models', String(m.id));
      fs.mkdirSync(d, { recursive: true });
      const meta = { config: { backbone: 'small', inputSize: 32, freezeBackbone: false, seed: 0 }, featureDim: 4, history: val ? [{ val: { au: 0, expr: 0, valence: 0, arousal: 0 } }, { val }] : [] };
      fs.writeFileSync(path.join(d, 'model.json'), JSON.stringify({ format: 'affect-workbench-model', version: 1, meta }));
      return m.id;
    };
    await expect(defaultFeatureModel(p.db, t.dir)).rejects.toThrow(/no trained CNN model/);
    const teacher = add('teacher', { au: 0.9, expr: 0.9, valence: 0.9, arousal: 0.9 });
    expect((await defaultFeatureModel(p.db, t.dir)).id).toBe(teacher);
    const s1 = add('student', null);
    expect((await defaultFeatureModel(p.db, t.dir)).id).toBe(s1); // a student, even without scores
    const s2 = add('student', { au: 0.5, expr: 0.4, valence: 0.3, arousal: null });
    const s3 = add('student', { au: 0.5, expr: 0.4, valence: 0.2, arousal: 0.05 });
    add('student', { au: 0.9, expr: 0.9, valence: 0.9, arousal: 0.9 }, 'cnn-rnn'); // not a CNN
    add('ensemble', null);
    expect((await defaultFeatureModel(p.db, t.dir)).id).toBe(s2); // 1.2 > 1.15
    expect((await resolveFeatureModel(p.db, t.dir, s3)).id).toBe(s3);
    await expect(resolveFeatureModel(p.db, t.dir, 99)).rejects.toThrow(/no model with id 99/);
  });
});
