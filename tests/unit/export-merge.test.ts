// The merge policy on crafted conflicts (imported vs human vs cleared vs model fill), thresholds,
// model choice, filters, and the merged CSV / JSON Lines text itself.
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Project } from '../../src/node/store/project';
import { runExport, type ExportOptions } from '../../src/node/export';
import { decodeSoftLabel, encodeSoftLabel, softLabelProbabilities } from '../../src/shared/softlabels';
import { arousalOf, auProbability, exprArgmax, exprProbabilities, softLogits, valenceOf } from '../../src/shared/softlabels';
import { SOFT_LABEL_WIDTH } from '../../src/shared/labels';
import { addDataset, addMedia, addModel, putAu, putExpr, putSoft, putVa, softRecord } from './export-fixture';
import { tempDir } from './helpers';

const DS = '#Aff, "Wild" — é';
const MEDIA = 'vidéo, "1"';
const SUBJECT = 'sub,jé';
let tmp: { dir: string; cleanup: () => void };
let project: Project;
let ids: number[];
let m: { teacher: number; oldEns: number; ens: number; training: number };

beforeAll(() => {
  tmp = tempDir('aw-export-merge-');
  project = Project.create(path.join(tmp.dir, 'proj'));
  const p = project;
  const ds = addDataset(p, DS);
  ids = addMedia(p, ds, MEDIA, 6, { subject: SUBJECT });
  const other = addDataset(p, 'plain');
  addMedia(p, other, 'clip', 2, { split: 'val', timestamps: null, kind: 'images', files: (i) => `img/${i}.jpg` });
  m = {
    teacher: addModel(p, 'teacher'),
    oldEns: addModel(p, 'ensemble', { createdAt: '2024-01-01T00:00:00Z' }),
    ens: addModel(p, 'ensemble', { createdAt: '2024-02-01T00:00:00Z', thresholds: [0.3, 0.7, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5] }),
    training: addModel(p, 'ensemble', { createdAt: '2024-03-01T00:00:00Z', status: 'training' }),
  };
  const full = { 1: 1, 2: 0, 4: 1, 6: 0, 12: 1, 15: 0, 20: 0, 25: 1, 26: 1 } as const;
  const soft = softRecord([0.4, 0.6, 0.5, 0.9, 0.1, 0.2, 0.8, 0.49], 6, 15, 4);
  // frame 0: imported everything; the ensemble's soft label must not override it.
  putAu(p, ids[0], full);
  putExpr(p, ids[0], 4);
  putVa(p, ids[0], [0.5, -0.25]);
  putSoft(p, m.ens, ids[0], soft);
  // frame 1: human AU correction over imported; human clearing of an imported expression; VA gap.
  putAu(p, ids[1], { 1: 0, 2: 0, 4: 0, 6: 0, 12: 0, 15: 0, 20: 0, 25: 0 });
  putAu(p, ids[1], { 1: 1, 12: 1 }, { layer: 'human' });
  putExpr(p, ids[1], 1);
  putExpr(p, ids[1], null, { layer: 'human' });
  putSoft(p, m.ens, ids[1], soft);
  // frame 2: nothing imported; an accepted model expression; a human VA; AU gap filled with thresholds.
  putExpr(p, ids[2], 6, { layer: 'human', provenance: 'accepted', modelId: m.teacher });
  putVa(p, ids[2], [0.1, 0.2], { layer: 'human' });
  putSoft(p, m.ens, ids[2], soft);
  // frame 3: nothing at all.
  // frame 4: imported VA at the bounds, cleared by a human; expression gap filled.
  putVa(p, ids[4], [-1, 1]);
  putVa(p, ids[4], null, { layer: 'human' });
  putSoft(p, m.ens, ids[4], soft);
  // frame 5: imported AU only; a soft label of the older ensemble only.
  putAu(p, ids[5], { 1: 1, 2: 1, 4: 1, 6: 1, 12: 1, 15: 1, 20: 1, 25: 1 });
  putSoft(p, m.oldEns, ids[5], softRecord([0.9, 0.1, 0.9, 0.1, 0.9, 0.1, 0.9, 0.55], 0, 10, 10));
});
afterAll(() => {
  project.close();
  tmp.cleanup();
});

type Row = Record<string, string>;
async function csv(opts: ExportOptions = {}, name = 'out.csv'): Promise<{ text: string; rows: Row[]; summary: Awaited<ReturnType<typeof runExport>> }> {
  const out = path.join(tmp.dir, name);
  const summary = await runExport(project, 'csv', out, { overwrite: true, ...opts });
  const text = fs.readFileSync(out, 'utf8');
  const rows = parse(text, { columns: true, comment: '#', comment_no_infix: true }) as Row[];
  return { text, rows, summary };
}
const AUS = ['AU1', 'AU2', 'AU4', 'AU6', 'AU12', 'AU15', 'AU20', 'AU25', 'AU26'];
const auOf = (r: Row) => AUS.map((a) => r[a]).join('');

describe('merged CSV: default policy (gt + human + newest ready ensemble)', () => {
  it('writes the header row first, the provenance to the sidecar, and quotes names with commas, quotes, # and non-ASCII', async () => {
    const { text, rows, summary } = await csv();
    const lines = text.split('\n');
    expect(lines[0]).toBe(
      'dataset,media,frame,file,timestamp,subject,split,AU1,AU2,AU4,AU6,AU12,AU15,AU20,AU25,AU26,expression,valence,arousal,au_source,expr_source,va_source',
    );
    expect(JSON.parse(fs.readFileSync(path.join(tmp.dir, 'out.csv.json'), 'utf8'))).toMatchObject({ policy: 'gt+human+model', model: m.ens });
    expect(lines[1].startsWith('"#Aff, ""Wild"" — é","vidéo, ""1""",0,,0,"sub,jé",train,')).toBe(true);
    expect(summary.modelId).toBe(m.ens);
    expect(summary.aus).toEqual([1, 2, 4, 6, 12, 15, 20, 25, 26]);
    expect(summary.rows).toBe(8);
    expect(rows.map((r) => [r.dataset, r.media, r.frame])).toEqual([
      [DS, MEDIA, '0'], [DS, MEDIA, '1'], [DS, MEDIA, '2'], [DS, MEDIA, '3'], [DS, MEDIA, '4'], [DS, MEDIA, '5'],
      ['plain', 'clip', '0'], ['plain', 'clip', '1'],
    ]);
    expect(rows[1].timestamp).toBe('0.04');
    expect(rows[6]).toMatchObject({ file: 'img/0.jpg', timestamp: '', split: 'val', subject: '' });
  });

  it('resolves every conflict by the policy, fills gaps with thresholds applied, never fills a cleared label', async () => {
    const { rows: r } = await csv();
    // frame 0: imported wins over the model
    expect([auOf(r[0]), r[0].expression, r[0].valence, r[0].arousal]).toEqual(['101010011', 'Happiness', '0.5', '-0.25']);
    expect([r[0].au_source, r[0].expr_source, r[0].va_source]).toEqual(['imported', 'imported', 'imported']);
    // frame 1: human AU replaces the imported one whole (AUs it does not cover stay empty); cleared stays empty
    expect(auOf(r[1])).toBe('11');
    expect([r[1].AU1, r[1].AU2, r[1].AU12]).toEqual(['1', '', '1']);
    expect([r[1].au_source, r[1].expression, r[1].expr_source, r[1].va_source]).toEqual(['human', '', 'cleared', `model:${m.ens}`]);
    expect(Number(r[1].valence)).toBeCloseTo(0.55, 9);
    expect(Number(r[1].arousal)).toBeCloseTo(-0.55, 9);
    // frame 2: AU decisions p >= threshold: 0.4>=0.3, 0.6<0.7, 0.5>=0.5, 0.9, 0.1, 0.2, 0.8, 0.49<0.5
    expect(AUS.map((a) => r[2][a])).toEqual(['1', '0', '1', '1', '0', '0', '1', '0', '']);
    expect([r[2].au_source, r[2].expression, r[2].expr_source]).toEqual([`model:${m.ens}`, 'Surprise', `accepted:${m.teacher}`]);
    expect([r[2].valence, r[2].arousal, r[2].va_source]).toEqual(['0.1', '0.2', 'human']);
    // frame 3: nothing
    expect([auOf(r[3]), r[3].expression, r[3].valence, r[3].au_source, r[3].expr_source, r[3].va_source]).toEqual(['', '', '', '', '', '']);
    // frame 4: VA cleared by a human (not filled), AU and expression filled
    expect([r[4].valence, r[4].va_source, r[4].expression, r[4].expr_source, r[4].au_source]).toEqual(['', 'cleared', 'Surprise', `model:${m.ens}`, `model:${m.ens}`]);
    // frame 5: no soft label of the chosen ensemble: gaps stay gaps
    expect([auOf(r[5]), r[5].au_source, r[5].expression, r[5].expr_source]).toEqual(['11111111', 'imported', '', '']);
  });

  it('gt-only ignores the human layer; gt+human does not fill', async () => {
    const { rows: g, summary } = await csv({ policy: 'gt-only' });
    expect(summary.policy).toBe('gt');
    expect(summary.modelId).toBeNull();
    expect([auOf(g[1]), g[1].au_source, g[1].expression, g[1].expr_source]).toEqual(['00000000', 'imported', 'Anger', 'imported']);
    expect([g[2].expression, g[2].va_source, g[4].valence, g[4].arousal, g[4].va_source]).toEqual(['', '', '-1', '1', 'imported']);
    const { rows: h } = await csv({ policy: 'gt+human' });
    expect([auOf(h[2]), h[2].au_source, h[1].valence, h[1].va_source, h[4].expression]).toEqual(['', '', '', '', '']);
    expect([h[1].au_source, h[1].expr_source, h[2].expr_source]).toEqual(['human', 'cleared', `accepted:${m.teacher}`]);
  });

  it('a named model fills with its own soft labels and default 0.5 thresholds', async () => {
    const { rows: r, summary } = await csv({ model: String(m.oldEns) });
    expect(summary.modelId).toBe(m.oldEns);
    // frame 5 keeps its imported AU; its expression and VA are filled from the older ensemble
    expect([r[5].au_source, r[5].expression, r[5].expr_source, r[5].va_source]).toEqual(['imported', 'Neutral', `model:${m.oldEns}`, `model:${m.oldEns}`]);
    expect(Number(r[5].valence)).toBeCloseTo(0.05, 9);
    // frame 2 has no soft label of that model
    expect(r[2].au_source).toBe('');
  });

  it('--model none and a missing ensemble fall back to gt+human (the latter with a warning)', async () => {
    const none = await csv({ model: 'none' });
    expect(none.summary.policy).toBe('gt+human');
    expect(none.summary.warnings).toEqual([]);
    await expect(csv({ model: 'none', policy: 'gt+human+model' })).rejects.toThrow(/--model none/);
    await expect(csv({ model: '99' })).rejects.toThrow(/No model #99/);
    project.db.prepare(`UPDATE models SET status = 'failed' WHERE kind = 'ensemble'`).run();
    try {
      const r = await csv();
      expect(r.summary.policy).toBe('gt+human');
      expect(r.summary.warnings.join('\n')).toMatch(/no ready ensemble/);
      await expect(csv({ probabilities: true })).rejects.toThrow(/Probability columns need a model/);
    } finally {
      project.db.prepare(`UPDATE models SET status = 'ready' WHERE id IN (?, ?)`).run(m.oldEns, m.ens);
      project.db.prepare(`UPDATE models SET status = 'training' WHERE id = ?`).run(m.training);
    }
  });

  it('adds the model probabilities on request', async () => {
    const { text, rows: r } = await csv({ probabilities: true });
    const header = text.split('\n')[0].split(',');
    expect(header.slice(-17)).toEqual([
      'p_AU1', 'p_AU2', 'p_AU4', 'p_AU6', 'p_AU12', 'p_AU15', 'p_AU20', 'p_AU25',
      'p_Neutral', 'p_Anger', 'p_Disgust', 'p_Fear', 'p_Happiness', 'p_Sadness', 'p_Surprise', 'p_valence', 'p_arousal',
    ]);
    expect([r[0].p_AU1, r[0].p_AU4, r[0].p_AU25, r[0].p_valence, r[0].p_arousal]).toEqual(['0.4', '0.5', '0.49', '0.55', '-0.55']);
    const e = 1 / (1 + 6 * Math.exp(-8));
    expect(Number(r[0].p_Surprise)).toBeCloseTo(e, 6);
    expect([r[3].p_AU1, r[3].p_Neutral, r[3].p_valence]).toEqual(['', '', '']);
  });

  it('filters by dataset, split, source, and labelled frames', async () => {
    expect((await csv({ datasets: ['plain'] })).rows.map((r) => r.media)).toEqual(['clip', 'clip']);
    expect((await csv({ splits: ['val'] })).rows.map((r) => r.dataset)).toEqual(['plain', 'plain']);
    expect((await csv({ sources: ['human'] })).rows.map((r) => r.frame)).toEqual(['1', '2']);
    expect((await csv({ sources: ['accepted', 'cleared'] })).rows.map((r) => r.frame)).toEqual(['1', '2', '4']);
    expect((await csv({ sources: ['model'] })).rows.map((r) => r.frame)).toEqual(['1', '2', '4']);
    expect((await csv({ labelledOnly: true })).rows.map((r) => r.frame)).toEqual(['0', '1', '2', '4', '5']);
    await expect(csv({ datasets: ['nope'] })).rejects.toThrow(/No dataset "nope"/);
  });
});

describe('JSON Lines', () => {
  it('one object per frame with the CSV columns as keys, after a format line', async () => {
    const out = path.join(tmp.dir, 'out.jsonl');
    const s = await runExport(project, 'jsonl', out, { overwrite: true });
    const lines = fs.readFileSync(out, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines[0]).toMatchObject({ format: 'affect-workbench merged-labels', version: 1, policy: 'gt+human+model', model: m.ens });
    expect(lines.length).toBe(1 + s.rows);
    expect(Object.keys(lines[1])).toEqual(lines[0].columns);
    expect(lines[1]).toMatchObject({ dataset: DS, media: MEDIA, frame: 0, file: null, timestamp: 0, subject: SUBJECT, AU26: 1, AU2: 0, expression: 'Happiness', valence: 0.5, arousal: -0.25 });
    expect(lines[2]).toMatchObject({ AU1: 1, AU2: null, expression: null, expr_source: 'cleared', au_source: 'human', va_source: `model:${m.ens}` });
    expect(lines[3]).toMatchObject({ AU2: 0, AU4: 1, expression: 'Surprise', expr_source: `accepted:${m.teacher}`, valence: 0.1 });
    const { rows } = await csv();
    // every cell of the CSV equals the JSON value as text
    rows.forEach((r, i) => {
      for (const [k, v] of Object.entries(r)) expect(lines[i + 1][k] === null ? '' : String(lines[i + 1][k]), k).toBe(v);
    });
  });
});

describe('soft-label reading on the export path', () => {
  it('agrees with softLabelProbabilities for float32 (aligned or not) and float16 records', () => {
    const values = Array.from({ length: SOFT_LABEL_WIDTH }, (_, i) => Math.sin(i * 1.7) * 4);
    const f32 = encodeSoftLabel(values);
    const unaligned = Buffer.alloc(f32.length + 1).subarray(1);
    unaligned.set(f32);
    for (const blob of [f32, unaligned, encodeSoftLabel(values, 'float16')]) {
      const ref = softLabelProbabilities(decodeSoftLabel(blob));
      const l = softLogits(blob);
      ref.au.forEach((q, k) => expect(auProbability(l, k)).toBeCloseTo(q, 12));
      exprProbabilities(l).forEach((q, k) => expect(q).toBeCloseTo(ref.expr[k], 12));
      expect(exprArgmax(l)).toBe(ref.expr.indexOf(Math.max(...ref.expr)));
      expect(valenceOf(l)).toBeCloseTo(ref.valence, 12);
      expect(arousalOf(l)).toBeCloseTo(ref.arousal, 12);
    }
    const bad = encodeSoftLabel(values);
    bad[0] = 7;
    expect(() => softLogits(bad)).toThrow(/version 7/);
  });
});
