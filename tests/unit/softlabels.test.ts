// The soft-label codec (src/shared/softlabels.ts): v1 bytes exactly as the encoder has always
// written them (existing databases must still read), float32/float16 round trips, probabilities
// against hand-computed values, the columnar forms, and the ensemble mean; and the store's SQL.
import { createHash } from 'node:crypto';
import { fromHalf } from '../../src/shared/float16';
import { describe, expect, it } from 'vitest';
import {
  decodeSoftLabel,
  decodeSoftLabels,
  encodeSoftLabel,
  ensembleRecords,
  LogitReader,
  probabilityColumns,
  recordProbabilities,
  sigmoid,
  softLabelProbabilities,
  softmax,
  splitSoftLabel,
} from '../../src/shared/softlabels';
import { getSoftLabels, putSoftLabels } from '../../src/node/store/softlabels';
import { SOFT_LABEL_WIDTH, VA_BIN_CENTRES } from '../../src/shared/labels';
import { fixture } from './import-helpers';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('soft-label codec: bytes', () => {
  const values = Array.from({ length: SOFT_LABEL_WIDTH }, (_, i) => Math.sin(i) * 3);
  it('round-trips float32 exactly and float16 closely, with a version header', () => {
    const b32 = encodeSoftLabel(values);
    expect(b32).toBeInstanceOf(Uint8Array);
    expect([...b32.subarray(0, 4)]).toEqual([1, 1, SOFT_LABEL_WIDTH, 0]);
    expect(b32.length).toBe(4 + 4 * SOFT_LABEL_WIDTH);
    const d32 = decodeSoftLabel(b32);
    expect(d32).toEqual(Float32Array.from(values));
    const b16 = encodeSoftLabel(values, 'float16');
    expect([...b16.subarray(0, 4)]).toEqual([1, 2, SOFT_LABEL_WIDTH, 0]);
    expect(b16.length).toBe(4 + 2 * SOFT_LABEL_WIDTH);
    const d16 = decodeSoftLabel(b16);
    values.forEach((v, i) => expect(Math.abs(d16[i] - v)).toBeLessThan(4e-3));
    // float16 values survive a second round trip unchanged
    expect(decodeSoftLabel(encodeSoftLabel(d16, 'float16'))).toEqual(d16);
  });

  it("writes exactly the bytes of the former Buffer encoder (databases written before still read)", () => {
    // Digests of the float32 bytes src/node/store/softlabels.ts (Buffer.writeFloatLE) wrote for this
    // record before the codec moved to src/shared. float16 now rounds to nearest (src/shared/float16.ts)
    // where the old encoder truncated: old float16 records still decode (checked below).
    const rec = Array.from({ length: SOFT_LABEL_WIDTH }, (_, i) => Math.sin(i * 1.3) * 5 + (i % 7) * 0.125);
    const b32 = encodeSoftLabel(rec);
    const b16 = encodeSoftLabel(rec, 'float16');
    expect(Buffer.from(b32.subarray(0, 12)).toString('hex')).toBe('0101370000000000582b9e40');
    // the first 4 values as the old truncating float16 encoder wrote them decode to the record
    const old16 = Buffer.from('010237000000f144a74120c2', 'hex');
    const oldValues = [0, 1, 2, 3].map((i) => fromHalf(old16.readUInt16LE(4 + 2 * i)));
    oldValues.forEach((v, i) => expect(Math.abs(v - rec[i])).toBeLessThanOrEqual(Math.abs(rec[i]) * 2 ** -10 + 1e-7));
    expect(Buffer.from(b16.subarray(0, 4)).toString('hex')).toBe('01023700');
    expect(sha(b32)).toBe('e8d21a099ef62a406dfa3c3b4fcdbbf5b8c20521a0c01814640f72f7503cf245');
    // float16 values are the nearest half to each value
    const d16 = decodeSoftLabel(b16);
    rec.forEach((v, i) => expect(Math.abs(d16[i] - v)).toBeLessThanOrEqual(Math.abs(v) * 2 ** -11 + 2 ** -25));
    // and a record written by Buffer code decodes identically, aligned or not
    const legacy = Buffer.alloc(4 + 4 * SOFT_LABEL_WIDTH);
    legacy.writeUInt8(1, 0);
    legacy.writeUInt8(1, 1);
    legacy.writeUInt16LE(SOFT_LABEL_WIDTH, 2);
    rec.forEach((v, i) => legacy.writeFloatLE(v, 4 + 4 * i));
    expect(sha(legacy)).toBe(sha(b32));
    const unaligned = Buffer.alloc(legacy.length + 1).subarray(1);
    legacy.copy(unaligned);
    expect(decodeSoftLabel(unaligned)).toEqual(Float32Array.from(rec));
  });

  it('refuses an unknown version and a wrong width', () => {
    const b = encodeSoftLabel(values);
    b[0] = 9;
    expect(() => decodeSoftLabel(b)).toThrow(/version 9/);
    expect(() => new LogitReader().read(b, 0, b.length)).toThrow(/version 9/);
    expect(() => encodeSoftLabel([1, 2, 3])).toThrow(/55 values/);
    expect(() => encodeSoftLabel(values.map((v, i) => (i === 3 ? NaN : v)))).toThrow(/not finite/);
  });

  it('decodes many records into one array, float32 in place and float16 alike', () => {
    const a = encodeSoftLabel(values);
    const b = encodeSoftLabel(values.map((v) => -v), 'float16');
    const { records, has } = decodeSoftLabels([a, null, b]);
    expect([...has]).toEqual([1, 0, 1]);
    expect(records.subarray(0, SOFT_LABEL_WIDTH)).toEqual(decodeSoftLabel(a));
    expect(records.subarray(SOFT_LABEL_WIDTH, 2 * SOFT_LABEL_WIDTH).every((x) => x === 0)).toBe(true);
    expect(records.subarray(2 * SOFT_LABEL_WIDTH)).toEqual(decodeSoftLabel(b));
    const s = splitSoftLabel(decodeSoftLabel(a));
    expect([s.au.length, s.expr.length, s.v.length, s.a.length]).toEqual([8, 7, 20, 20]);
  });
});

describe('soft-label codec: probabilities', () => {
  it('turns logits into probabilities and the VA expectation over bin centres (hand-computed)', () => {
    const v = new Float32Array(SOFT_LABEL_WIDTH);
    v[0] = 0; // AU1 p = 0.5
    v[1] = Math.log(3); // AU2 p = 3/4
    v[8 + 4] = Math.log(2); // Happiness: 2 / (6 + 2) = 0.25, the others 1/8
    v[15 + 19] = 50; // valence bin 19 → 0.95
    v[35 + 0] = Math.log(3); // arousal: bin 0 weight 3, others 1 → 3/22 and 1/22
    const p = softLabelProbabilities(v);
    expect(p.au[0]).toBeCloseTo(0.5, 12);
    expect(p.au[1]).toBeCloseTo(0.75, 7);
    expect(p.expr[4]).toBeCloseTo(0.25, 7);
    expect(p.expr[0]).toBeCloseTo(0.125, 7);
    expect(p.valence).toBeCloseTo(0.95, 5);
    const arousal = (3 * VA_BIN_CENTRES[0] + VA_BIN_CENTRES.slice(1).reduce((a, b) => a + b, 0)) / 22;
    expect(p.arousal).toBeCloseTo(arousal, 7);
    expect(p.aBins[0]).toBeCloseTo(3 / 22, 7);
    expect(sigmoid(Math.log(3))).toBeCloseTo(0.75, 12);
    expect(softmax([0, Math.log(3)])).toEqual([expect.closeTo(0.25, 12), expect.closeTo(0.75, 12)]);
  });

  it('columnar and per-record forms agree', () => {
    const n = 5;
    const recs = Float32Array.from({ length: n * SOFT_LABEL_WIDTH }, (_, i) => Math.cos(i * 0.7) * 4);
    const cols = probabilityColumns(recs);
    const rp = recordProbabilities(recs);
    for (let i = 0; i < n; i++) {
      const one = softLabelProbabilities(recs.subarray(i * SOFT_LABEL_WIDTH, (i + 1) * SOFT_LABEL_WIDTH));
      one.au.forEach((q, k) => expect(cols.au[i * 8 + k]).toBeCloseTo(q, 6));
      one.expr.forEach((q, k) => expect(cols.expr[i * 7 + k]).toBeCloseTo(q, 6));
      expect(cols.v[i]).toBeCloseTo(one.valence, 6);
      expect(cols.a[i]).toBeCloseTo(one.arousal, 6);
      expect(cols.vSd[i]).toBeGreaterThan(0);
      expect(rp.au[i]).toEqual(one.au);
      expect(rp.expr[i]).toEqual(one.expr);
      expect(rp.valence[i]).toBe(Math.fround(one.valence));
    }
  });

  it('ensembleRecords: mean probabilities re-expressed as logits', () => {
    const a = new Float32Array(SOFT_LABEL_WIDTH);
    const b = new Float32Array(SOFT_LABEL_WIDTH);
    a[0] = Math.log(3); // p 0.75
    b[0] = -Math.log(3); // p 0.25 → mean 0.5 → logit 0
    a[8] = 20; // expr class 0 ≈ 1 in a
    b[9] = 20; // class 1 ≈ 1 in b → mean ≈ 0.5 each
    const e = ensembleRecords([a, b]);
    expect(e[0]).toBeCloseTo(0, 6);
    const p = softLabelProbabilities(e);
    expect(p.au[0]).toBeCloseTo(0.5, 6);
    expect(p.expr[0]).toBeCloseTo(0.5, 6);
    expect(p.expr[1]).toBeCloseTo(0.5, 6);
    // one member: the same probabilities back
    const solo = Float32Array.from({ length: 2 * SOFT_LABEL_WIDTH }, (_, i) => Math.sin(i) * 2);
    const back = recordProbabilities(ensembleRecords([solo]));
    const ref = recordProbabilities(solo);
    for (let i = 0; i < 2; i++) {
      ref.au[i].forEach((q, k) => expect(back.au[i][k]).toBeCloseTo(q, 5));
      ref.expr[i].forEach((q, k) => expect(back.expr[i][k]).toBeCloseTo(q, 5));
      expect(back.valence[i]).toBeCloseTo(ref.valence[i], 5);
    }
    // probabilities clamp at 1e-7: log(1e-7) for a class no member gives weight to
    const c = new Float32Array(SOFT_LABEL_WIDTH);
    c[8] = 100;
    expect(ensembleRecords([c])[9]).toBeCloseTo(Math.log(1e-7), 5);
  });
});

describe('soft labels in the database (store/softlabels.ts)', () => {
  it('puts records in batches and gets them back by frame', () => {
    const fx = fixture();
    try {
      const db = fx.project.db;
      const now = new Date().toISOString();
      db.prepare(`INSERT INTO datasets(name, source_format, created_at) VALUES ('d', 'csv', ?)`).run(now);
      db.prepare(`INSERT INTO media(dataset_id, name, kind, path, created_at) VALUES (1, 'm', 'sequence', 'x', ?)`).run(now);
      db.prepare(`INSERT INTO models(name, kind, arch, status, created_at) VALUES ('t', 'teacher', 'cnn', 'ready', ?)`).run(now);
      const n = 2100; // more than one batch
      const ins = db.prepare('INSERT INTO frames(media_id, idx) VALUES (1, ?)');
      const ids = Int32Array.from({ length: n }, (_, i) => Number(ins.run(i).lastInsertRowid));
      const recs = Float32Array.from({ length: n * SOFT_LABEL_WIDTH }, (_, i) => (i % 97) / 10);
      expect(putSoftLabels(db, 1, ids, recs)).toBe(n);
      const got = getSoftLabels(db, 1, [ids[0], ids[n - 1], 999999]);
      expect([...got.keys()]).toEqual([ids[0], ids[n - 1]]);
      expect(got.get(ids[n - 1])).toEqual(recs.subarray((n - 1) * SOFT_LABEL_WIDTH));
      expect(() => putSoftLabels(db, 1, ids, recs.subarray(1))).toThrow(/values/);
    } finally {
      fx.cleanup();
    }
  });
});
