// The export's soft-label fast path (soft-chunks.ts, model-outputs.ts) against the reference decoder:
// chunks fetched by frame id (consecutive ids, more than one chunk), by frame index (ids not in
// index order, frames without a record, float16 and float32 records mixed), float16 records read
// through the half-float table. Every frame's filled labels and probabilities must be those of its
// own record.
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeSoftLabel, encodeSoftLabel, softLabelProbabilities } from '../../src/shared/softlabels';
import { runExport } from '../../src/node/export';
import { Project } from '../../src/node/store/project';
import { EXPRESSIONS, MODEL_AUS, SOFT_LABEL_WIDTH } from '../../src/shared/labels';
import { addDataset, addModel } from './export-fixture';
import { tempDir } from './helpers';

let tmp: { dir: string; cleanup: () => void };
let p: Project;
let model: number;
/** media name → frame index → record (undefined = none) */
const records = new Map<string, (Uint8Array | undefined)[]>();

function values(seed: number): number[] {
  return Array.from({ length: SOFT_LABEL_WIDTH }, (_, i) => Math.sin(seed * 12.9898 + i * 78.233) * 3);
}

function addMediaWith(ds: number, name: string, n: number, order: 'asc' | 'desc', record: (i: number) => Uint8Array | undefined): void {
  const media = Number(p.db.prepare(`INSERT INTO media(dataset_id, name, kind, path, frame_count, created_at) VALUES (?, ?, 'video', 'x.mp4', ?, 'T')`).run(ds, name, n).lastInsertRowid);
  const ins = p.db.prepare(`INSERT INTO frames(media_id, idx, split) VALUES (?, ?, 'train')`);
  const soft = p.db.prepare('INSERT INTO soft_labels(model_id, frame_id, data) VALUES (?, ?, ?)');
  const recs: (Uint8Array | undefined)[] = [];
  const idxs = Array.from({ length: n }, (_, i) => (order === 'asc' ? i : n - 1 - i));
  for (const i of idxs) {
    const id = Number(ins.run(media, i).lastInsertRowid);
    const r = record(i);
    recs[i] = r;
    if (r) soft.run(model, id, r);
  }
  records.set(name, recs);
}

beforeAll(() => {
  tmp = tempDir('aw-export-soft-');
  p = Project.create(path.join(tmp.dir, 'p'));
  model = addModel(p, 'ensemble', { thresholds: [0.3, 0.4, 0.5, 0.6, 0.7, 0.5, 0.5, 0.45] });
  const ds = addDataset(p, 'D');
  p.db.transaction(() => {
    addMediaWith(ds, 'a-consecutive', 2500, 'asc', (i) => encodeSoftLabel(values(i)));
    addMediaWith(ds, 'b-reversed', 300, 'desc', (i) => encodeSoftLabel(values(10_000 + i)));
    addMediaWith(ds, 'c-float16', 200, 'asc', (i) => encodeSoftLabel(values(20_000 + i), 'float16'));
    addMediaWith(ds, 'd-mixed', 1100, 'asc', (i) => (i % 3 === 1 ? undefined : encodeSoftLabel(values(30_000 + i), i % 5 === 0 ? 'float16' : 'float32')));
  })();
});
afterAll(() => {
  p.close();
  tmp.cleanup();
});

describe('soft labels on the export path', () => {
  it('fills and probabilities of every frame come from its own record, whatever way its chunk was read', async () => {
    const out = path.join(tmp.dir, 'out.csv');
    const s = await runExport(p, 'csv', out, { probabilities: true });
    expect(s.rows).toBe(2500 + 300 + 200 + 1100);
    const rows = parse(fs.readFileSync(out, 'utf8'), { columns: true, comment: '#' }) as Record<string, string>[];
    const thresholds = [0.3, 0.4, 0.5, 0.6, 0.7, 0.5, 0.5, 0.45];
    let filled = 0;
    for (const r of rows) {
      const rec = records.get(r.media)![Number(r.frame)];
      if (!rec) {
        expect([r.au_source, r.expr_source, r.va_source, r.p_AU1, r.p_valence], `${r.media} ${r.frame}`).toEqual(['', '', '', '', '']);
        continue;
      }
      filled++;
      const ref = softLabelProbabilities(decodeSoftLabel(rec));
      const at = `${r.media} frame ${r.frame}`;
      expect(r.au_source, at).toBe(`model:${model}`);
      MODEL_AUS.forEach((n, k) => {
        expect(Number(r[`p_AU${n}`]), at).toBeCloseTo(ref.au[k], 5);
        // decisions away from the threshold (a float32 logit against the threshold's logit is exact there)
        if (Math.abs(ref.au[k] - thresholds[k]) > 1e-6) expect(r[`AU${n}`], `${at} AU${n}`).toBe(ref.au[k] >= thresholds[k] ? '1' : '0');
      });
      EXPRESSIONS.forEach((e, k) => expect(Number(r[`p_${e}`]), at).toBeCloseTo(ref.expr[k], 5));
      expect(r.expression, at).toBe(EXPRESSIONS[ref.expr.indexOf(Math.max(...ref.expr))]);
      expect(Number(r.valence), at).toBeCloseTo(ref.valence, 5);
      expect(Number(r.arousal), at).toBeCloseTo(ref.arousal, 5);
      expect(r.p_valence, at).toBe(r.valence);
    }
    expect(filled).toBe(2500 + 300 + 200 + 1100 - 367);
    // the reversed media's rows are in frame order
    expect(rows.filter((r) => r.media === 'b-reversed').map((r) => Number(r.frame))).toEqual(Array.from({ length: 300 }, (_, i) => i));
  });

  it('refuses a record of another format version with a message', async () => {
    const bad = encodeSoftLabel(values(1));
    bad[0] = 9;
    const frame = p.db.prepare(`SELECT f.id FROM frames f JOIN media m ON m.id = f.media_id WHERE m.name = 'c-float16' AND f.idx = 5`).pluck().get() as number;
    const old = p.db.prepare('SELECT data FROM soft_labels WHERE model_id = ? AND frame_id = ?').pluck().get(model, frame) as Buffer;
    p.db.prepare('UPDATE soft_labels SET data = ? WHERE model_id = ? AND frame_id = ?').run(bad, model, frame);
    try {
      await expect(runExport(p, 'csv', path.join(tmp.dir, 'bad.csv'), { datasets: ['D'] })).rejects.toThrow(/soft-label format version 9/);
      expect(fs.existsSync(path.join(tmp.dir, 'bad.csv'))).toBe(false);
    } finally {
      p.db.prepare('UPDATE soft_labels SET data = ? WHERE model_id = ? AND frame_id = ?').run(old, model, frame);
    }
  });
});
