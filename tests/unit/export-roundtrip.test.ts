// Round trips. Merged CSV and JSON Lines read back (readMerged*) give every frame, label and source
// of the project, checked against the database's own effective-label reader (labelsInRange); they go
// through the merged importer (runImport 'merged') into a fresh project, whose export is the same
// file byte for byte and whose label rows are the source's, layer, provenance and model included.
// Aff-Wild2 files go through the real importer (runImport 'affwild2') into a fresh project, whose
// export reproduces every label value and the same files byte for byte.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labelsInRange } from '../../src/node/labels/labels';
import { runExport, type ExportOptions } from '../../src/node/export';
import { readMergedCsv, readMergedJsonl, type MergedHeader, type MergedRecord } from '../../src/node/export/read-merged';
import { runImport } from '../../src/node/importers';
import { Project } from '../../src/node/store/project';
import { addDataset, addMedia, addModel, putAu, putExpr, putSoft, putVa, softRecord } from './export-fixture';
import { dumpContent } from './import-helpers';
import { tempDir } from './helpers';

let tmp: { dir: string; cleanup: () => void };
let p: Project;
let ens: number;

beforeAll(() => {
  tmp = tempDir('aw-export-rt-');
  p = Project.create(path.join(tmp.dir, 'src'));
  const teacher = addModel(p, 'teacher');
  ens = addModel(p, 'ensemble', { thresholds: [0.2, 0.8, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5] });
  // Dataset 1: two videos, 12-AU labels with partial masks, every kind of source.
  const d1 = addDataset(p, 'Aff-Wild2, "α"');
  const v1 = addMedia(p, d1, 'vidéo 1', 40, { subject: 'Ａlice, "x"', timestamps: Array.from({ length: 40 }, (_, i) => i * 0.0333667 + 0.001) });
  const v2 = addMedia(p, d1, 'v2_left', 25, { split: 'val' });
  p.db.transaction(() => {
    v1.forEach((id, i) => {
      if (i % 3 === 0) putAu(p, id, { 1: (i % 2) as 0 | 1, 2: 0, 4: 1, 6: 0, 7: 1, 10: 0, 12: 1, 15: 0, 23: 1, 24: 0, 25: 1, 26: (i % 5 === 0 ? 1 : 0) as 0 | 1 });
      else if (i % 7 === 1) putAu(p, id, { 4: 1, 12: 0 }); // a partial AU label
      if (i % 4 === 0) putExpr(p, id, i % 7);
      if (i % 9 === 0) putExpr(p, id, null, { layer: 'human' }); // cleared
      else if (i % 6 === 0) putExpr(p, id, (i + 3) % 7, { layer: 'human' });
      if (i % 5 === 2) putVa(p, id, [Math.sin(i) * 0.9, Math.cos(i) / 3]);
      if (i % 10 === 2) putVa(p, id, [-1, 1], { layer: 'human', provenance: 'accepted', modelId: teacher });
      if (i % 11 === 3) putAu(p, id, { 1: 1, 2: 1 }, { layer: 'human', provenance: 'accepted', modelId: ens });
      if (i % 2 === 1) putSoft(p, ens, id, softRecord([0.3, 0.7, 0.5, 0.1, 0.9, 0.2, 0.6, 0.4], i % 7, i % 20, (i * 3) % 20));
    });
    v2.forEach((id, i) => {
      if (i > 3) putVa(p, id, [(i - 12) / 13, 0.5]);
      if (i === 0) putVa(p, id, null, { layer: 'human' });
    });
  })();
  // Dataset 2: an image dataset with file names, no timestamps, a different AU set.
  const d2 = addDataset(p, 'ExpW');
  const imgs = addMedia(p, d2, 'images', 6, { kind: 'images', timestamps: null, split: 'test', files: (i) => `faces/${i}, "ü".jpg`, subject: null });
  imgs.forEach((id, i) => putExpr(p, id, i));
  putAu(p, imgs[2], { 1: 1, 9: 0 });
  // the crafted conflicts exist (human rows over imported ones)
  expect(p.db.prepare(`SELECT COUNT(*) FROM labels WHERE layer = 'human'`).pluck().get()).toBeGreaterThan(5);
});
afterAll(() => {
  p.close();
  tmp.cleanup();
});

async function collect(gen: AsyncGenerator<MergedRecord>): Promise<MergedRecord[]> {
  const out: MergedRecord[] = [];
  for await (const r of gen) out.push(r);
  return out;
}

const auMap = (v: Record<string, 0 | 1>) => new Map(Object.entries(v).map(([k, x]) => [Number(k.slice(2)), x]));

/** The expected records from the database's own effective-label reader (gt + human). */
function expected(db: Project['db']): MergedRecord[] {
  const media = db
    .prepare(`SELECT m.id, m.name, m.timestamps, d.name AS dataset FROM media m JOIN datasets d ON d.id = m.dataset_id ORDER BY d.name, m.name`)
    .all() as { id: number; name: string; timestamps: Buffer | null; dataset: string }[];
  const out: MergedRecord[] = [];
  for (const m of media) {
    const frames = db.prepare('SELECT id, idx, path, subject, split FROM frames WHERE media_id = ? ORDER BY idx').all(m.id) as {
      id: number; idx: number; path: string | null; subject: string | null; split: string;
    }[];
    const labels = labelsInRange(db, m.id, 0, 1e9);
    frames.forEach((f, k) => {
      const l = labels[k];
      expect(l.frame).toBe(f.idx);
      const human = (task: string) =>
        db.prepare(`SELECT provenance, model_id FROM labels WHERE frame_id = ? AND task = ? AND layer = 'human'`).get(f.id, task) as { provenance: string; model_id: number | null } | undefined;
      const src = (task: string, present: boolean, prov: string | undefined): string | null => {
        const h = human(task);
        if (h) return present ? (h.provenance === 'accepted' ? `accepted:${h.model_id}` : 'human') : 'cleared';
        return present ? (expect(prov).toBe('imported'), 'imported') : null;
      };
      out.push({
        dataset: m.dataset,
        media: m.name,
        frame: f.idx,
        file: f.path,
        timestamp: m.timestamps ? m.timestamps.readDoubleLE(f.idx * 8) : null,
        subject: f.subject,
        split: f.split,
        au: l.au ? auMap(l.au.value) : null,
        auSource: src('au', !!l.au, l.au?.provenance),
        expr: l.expr ? l.expr.value : null,
        exprSource: src('expr', !!l.expr, l.expr?.provenance),
        valence: l.va ? l.va.valence : null,
        arousal: l.va ? l.va.arousal : null,
        vaSource: src('va', !!l.va, l.va?.provenance),
        annotations: [],
        groundTruth: null,
      });
    });
  }
  return out;
}

describe('merged CSV and JSON Lines read back', () => {
  it('reproduce every frame, label and source of the project (gt+human), identically in both formats', async () => {
    const want = expected(p.db);
    expect(want.length).toBe(40 + 25 + 6);
    for (const fmt of ['csv', 'jsonl'] as const) {
      const out = path.join(tmp.dir, `merged.${fmt}`);
      const s = await runExport(p, fmt, out, { policy: 'gt+human' });
      expect(s.rows).toBe(want.length);
      let header: MergedHeader | undefined;
      const got = await collect((fmt === 'csv' ? readMergedCsv : readMergedJsonl)(out, (h) => (header = h)));
      expect(header).toMatchObject({ version: 1, policy: 'gt+human', model: null });
      expect(got).toEqual(want);
    }
  });

  it('model fills read back as model:<id> with the thresholded AUs, argmax expression and V/A expectation', async () => {
    const out = path.join(tmp.dir, 'filled.csv');
    await runExport(p, 'csv', out, {});
    const got = await collect(readMergedCsv(out));
    const base = expected(p.db);
    const fills = got.filter((r) => r.auSource === `model:${ens}`);
    expect(fills.length).toBeGreaterThan(5);
    for (const r of fills) {
      // 0.3>=0.2, 0.7<0.8, 0.5>=0.5, 0.1, 0.9, 0.2, 0.6, 0.4; AUs the model lacks stay unlabelled
      expect(r.au).toEqual(new Map([[1, 1], [2, 0], [4, 1], [6, 0], [12, 1], [15, 0], [20, 1], [25, 0]]));
      expect(r.expr).toBe(r.exprSource === `model:${ens}` ? r.frame % 7 : r.expr);
      if (r.vaSource === `model:${ens}`) expect(r.valence).toBeCloseTo(-0.95 + 0.1 * (r.frame % 20), 9);
    }
    // everything that is not a fill is exactly the gt+human record
    got.forEach((r, i) => {
      const b = base[i];
      if (r.auSource !== `model:${ens}`) expect([r.au, r.auSource]).toEqual([b.au, b.auSource]);
      if (r.exprSource !== `model:${ens}`) expect([r.expr, r.exprSource]).toEqual([b.expr, b.exprSource]);
      if (r.vaSource !== `model:${ens}`) expect([r.valence, r.arousal, r.vaSource]).toEqual([b.valence, b.arousal, b.vaSource]);
    });
  });

  it('refuses a file from a newer format version', async () => {
    const f = path.join(tmp.dir, 'newer.csv');
    fs.writeFileSync(f, '# affect-workbench merged-labels v2 policy=gt model=none\ndataset\n');
    await expect(collect(readMergedCsv(f))).rejects.toThrow(/v2; this workbench reads up to v1/);
  });
});

/**
 * The label rows in force under gt+human, as stored: every human row, and the imported rows no human
 * row hides (an export cannot show those), with dataset, media and frame instead of ids.
 */
function labelRows(db: Project['db']): unknown[] {
  return db
    .prepare(
      `SELECT d.name AS dataset, m.name AS media, f.idx, l.task, l.layer, l.au_mask, l.au_bits, l.expr, l.valence, l.arousal, l.provenance, l.model_id
       FROM labels l JOIN frames f ON f.id = l.frame_id JOIN media m ON m.id = f.media_id JOIN datasets d ON d.id = m.dataset_id
       WHERE l.layer = 'human' OR NOT EXISTS (SELECT 1 FROM labels h WHERE h.frame_id = l.frame_id AND h.task = l.task AND h.layer = 'human')
       ORDER BY 1, 2, 3, 4, 5`,
    )
    .safeIntegers(true)
    .all();
}

function frameRows(db: Project['db']): unknown[] {
  return db
    .prepare(
      `SELECT d.name AS dataset, m.name AS media, m.timestamps, f.idx, f.path, f.subject, f.split
       FROM frames f JOIN media m ON m.id = f.media_id JOIN datasets d ON d.id = m.dataset_id ORDER BY 1, 2, 4`,
    )
    .all();
}

describe('merged CSV / JSON Lines → merged importer → export', () => {
  for (const fmt of ['csv', 'jsonl'] as const) {
    it(`${fmt}: reproduces every label, source and frame attribute, the same file byte for byte; re-import changes nothing`, async () => {
      const out1 = path.join(tmp.dir, `rt1.${fmt}`);
      await runExport(p, fmt, out1, { policy: 'gt+human' });
      const q = Project.create(path.join(tmp.dir, `rt-${fmt}`));
      try {
        // the same models (ids are per project): accepted:<id> keeps its model
        addModel(q, 'teacher');
        addModel(q, 'ensemble');
        const s = await runImport(q, 'merged', [out1]);
        expect(s).toMatchObject({ rowsRead: 71, framesCreated: 71, frames: 71, media: 3, skipped: {} });
        expect(s.dataset).toBe('Aff-Wild2, "α", ExpW');
        const imported = (task: string) =>
          p.db
            .prepare(`SELECT COUNT(*) FROM labels l WHERE l.task = ? AND l.layer = 'imported'
                      AND NOT EXISTS (SELECT 1 FROM labels h WHERE h.frame_id = l.frame_id AND h.task = l.task AND h.layer = 'human')`)
            .pluck()
            .get(task);
        expect(s.labels).toEqual({ au: imported('au'), expr: imported('expr'), va: imported('va') });

        expect(labelRows(q.db)).toEqual(labelRows(p.db));
        expect(frameRows(q.db)).toEqual(frameRows(p.db));
        const out2 = path.join(tmp.dir, `rt2.${fmt}`);
        await runExport(q, fmt, out2, { policy: 'gt+human' });
        expect(fs.readFileSync(out2, 'utf8')).toBe(fs.readFileSync(out1, 'utf8'));

        // idempotent: the same file again changes no row (updated_at aside)
        const before = dumpContent(q);
        await runImport(q, 'merged', [out1]);
        expect(dumpContent(q)).toBe(before);
      } finally {
        q.close();
      }
    });
  }

  it('importing a project its own export changes nothing (imported labels under human ones stay)', async () => {
    const before = dumpContent(p);
    const out = path.join(tmp.dir, 'self.csv');
    await runExport(p, 'csv', out, { policy: 'gt+human' });
    const s = await runImport(p, 'merged', [out]);
    expect(s.framesCreated).toBe(0);
    expect(dumpContent(p)).toBe(before);
  });

  it('model fills are counted, not imported; accepted:<id> of a model the project lacks becomes accepted', async () => {
    const out = path.join(tmp.dir, 'fills.jsonl');
    await runExport(p, 'jsonl', out, {});
    const recs = await collect(readMergedJsonl(out));
    const fills = recs.reduce((n, r) => n + [r.auSource, r.exprSource, r.vaSource].filter((x) => x === `model:${ens}`).length, 0);
    expect(fills).toBeGreaterThan(20);
    const q = Project.create(path.join(tmp.dir, 'rt-fills'));
    try {
      const s = await runImport(q, 'merged', [out]);
      expect(s.skipped).toEqual({ 'model-fill': fills });
      expect(s.warnings.join('\n')).toMatch(/gaps filled from a model/);
      const back = path.join(tmp.dir, 'fills-back.csv');
      await runExport(q, 'csv', back, { policy: 'gt+human' });
      const want = expected(p.db).map((r) => {
        const strip = (x: string | null) => (x?.startsWith('accepted:') ? 'accepted' : x);
        return { ...r, auSource: strip(r.auSource), exprSource: strip(r.exprSource), vaSource: strip(r.vaSource) };
      });
      expect(want.some((r) => r.vaSource === 'accepted')).toBe(true);
      expect(await collect(readMergedCsv(back))).toEqual(want);
      expect(q.db.prepare(`SELECT COUNT(*) FROM labels WHERE provenance = 'accepted' AND model_id IS NULL`).pluck().get()).toBeGreaterThan(0);
    } finally {
      q.close();
    }
  });
});

describe('Aff-Wild2 export → importer → export', () => {
  for (const options of [{ policy: 'gt+human' }, {}] as ExportOptions[]) {
    it(`reproduces every label value and the same files (policy ${options.policy ?? 'default, with model fills'})`, async () => {
      const tag = options.policy ? 'h' : 'm';
      const out1 = path.join(tmp.dir, `aw1-${tag}`);
      const s1 = await runExport(p, 'affwild2', out1, options);
      const q = Project.create(path.join(tmp.dir, `dst-${tag}`));
      try {
        for (const ds of fs.readdirSync(out1).sort()) {
          const name = ds === 'ExpW' ? 'ExpW' : 'Aff-Wild2, "α"';
          expect(ds).toBe(name === 'ExpW' ? 'ExpW' : 'Aff-Wild2, _α_'); // the folder is a safe file name
          await runImport(q, 'affwild2', [path.join(out1, ds)], { dataset: name });
        }
        // the files of the re-imported project are the same bytes
        const out2 = path.join(tmp.dir, `aw2-${tag}`);
        const s2 = await runExport(q, 'affwild2', out2, { policy: 'gt' });
        const rel = (s: { files: string[] }, root: string) => s.files.map((f) => path.relative(root, f)).sort();
        expect(rel(s2, out2)).toEqual(rel(s1, out1));
        for (const f of rel(s1, out1)) expect(fs.readFileSync(path.join(out2, f), 'utf8'), f).toBe(fs.readFileSync(path.join(out1, f), 'utf8'));

        // and frame by frame, every label value (the format has no sources: they come back as imported)
        const c1 = path.join(tmp.dir, `c1-${tag}.csv`);
        const c2 = path.join(tmp.dir, `c2-${tag}.csv`);
        await runExport(p, 'csv', c1, { ...options, labelledOnly: true });
        await runExport(q, 'csv', c2, { model: 'none', labelledOnly: true });
        const a = await collect(readMergedCsv(c1));
        const b = await collect(readMergedCsv(c2));
        expect(b.length).toBe(a.length);
        a.forEach((r, i) => {
          const k = b[i];
          expect([k.dataset, k.media, k.frame, k.split]).toEqual([r.dataset, r.media, r.frame, r.split]);
          expect([k.au, k.expr, k.valence, k.arousal]).toEqual([r.au, r.expr, r.valence, r.arousal]);
          expect([k.auSource, k.exprSource, k.vaSource]).toEqual([r.au && 'imported', r.expr !== null ? 'imported' : null, r.valence !== null ? 'imported' : null]);
        });
      } finally {
        q.close();
      }
    });
  }
});
