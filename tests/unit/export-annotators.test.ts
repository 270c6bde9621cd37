// Exports with many annotators (issue 15): the resolved label's source names how several annotators'
// labels made it (adjudicated, majority, mean); the wide layout adds each annotator layer's columns,
// the long layout one row per annotation; another annotator policy than the project's is resolved on
// the fly with the one rule (src/shared/annotators.ts) and leaves the project as it was; the reader
// gives every annotator's label back and refuses malformed annotator columns, naming file and line.
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runExport } from '../../src/node/export';
import { readMergedCsv, readMergedJsonl, type MergedRecord } from '../../src/node/export/read-merged';
import { Project } from '../../src/node/store/project';
import { EXPRESSIONS } from '../../src/shared/labels';
import { addDataset, addMedia, addModel, putExpr } from './export-fixture';
import { tempDir } from './helpers';
import { annotationRows, materialiseAll, putAnnotation, type AnnotationRow } from './annotator-fixture';

const ANN = 'Ann, "A"';
let tmp: { dir: string; cleanup: () => void };
let p: Project;
let ids: number[];
let teacher: number;

beforeAll(() => {
  tmp = tempDir('aw-export-ann-');
  p = Project.create(path.join(tmp.dir, 'proj'));
  teacher = addModel(p, 'teacher');
  const ds = addDataset(p, 'Aff-Wild2');
  ids = addMedia(p, ds, 'clip', 7);
  p.db.transaction(() => {
    putExpr(p, ids[0], 2);
    putAnnotation(p, ids[0], ANN, 'expr', { expr: 4 });
    putAnnotation(p, ids[0], 'bob', 'expr', { expr: 4 });
    putAnnotation(p, ids[1], ANN, 'va', { va: [0.2, 0.4] });
    putAnnotation(p, ids[1], 'bob', 'va', { va: [0.4, 0] });
    putAnnotation(p, ids[2], ANN, 'au', { au: { 1: 1, 12: 0 } });
    putAnnotation(p, ids[2], 'bob', 'au', { au: { 1: 1, 12: 1, 26: 1 } });
    putAnnotation(p, ids[2], 'carol', 'au', { au: { 1: 0, 12: 1 } }, { role: 'adjudicator' });
    putExpr(p, ids[3], 5);
    putAnnotation(p, ids[3], ANN, 'expr', { expr: 1 }, { at: '2024-05-01T00:00:00.000Z' });
    putAnnotation(p, ids[3], 'bob', 'expr', { expr: 2 }, { at: '2024-05-02T00:00:00.000Z' });
    putAnnotation(p, ids[4], 'bob', 'expr', { expr: 3 }, { provenance: 'accepted', modelId: teacher });
    putAnnotation(p, ids[4], ANN, 'va', { va: [-0.5, 0.125] }, { provenance: 'trace' });
    putExpr(p, ids[5], 6);
    putAnnotation(p, ids[5], ANN, 'expr', { expr: null });
    putAnnotation(p, ids[6], 'bob', 'au', { au: { 2: 0 } }, { provenance: 'imported' });
    materialiseAll(p.db);
  })();
});
afterAll(() => {
  p.close();
  tmp.cleanup();
});

const csvRows = (file: string) => parse(fs.readFileSync(file, 'utf8'), { columns: true }) as Record<string, string>[];

describe('the resolved label and its source', () => {
  it('names adjudicated, majority and mean; a tie leaves the imported label in force', async () => {
    const out = path.join(tmp.dir, 'plain.csv');
    const s = await runExport(p, 'csv', out, { model: 'none' });
    expect(s).toMatchObject({ annotatorPolicy: 'consensus', annotators: 'none' });
    const r = csvRows(out);
    expect(Object.keys(r[0]).some((c) => c.includes(':'))).toBe(false);
    expect([r[0].expression, r[0].expr_source]).toEqual([EXPRESSIONS[4], 'majority']);
    expect([r[1].valence, r[1].arousal, r[1].va_source]).toEqual([String((0.2 + 0.4) / 2), String(0.2), 'mean']);
    expect([r[2].AU1, r[2].AU12, r[2].au_source]).toEqual(['0', '1', 'adjudicated']);
    expect([r[3].expression, r[3].expr_source]).toEqual([EXPRESSIONS[5], 'imported']);
    expect([r[4].expr_source, r[4].va_source]).toEqual([`accepted:${teacher}`, 'human']);
    expect([r[5].expression, r[5].expr_source]).toEqual(['', 'cleared']);
    const side = JSON.parse(fs.readFileSync(`${out}.json`, 'utf8')) as Record<string, unknown>;
    expect(side).toMatchObject({ annotatorPolicy: 'consensus', annotators: 'none', annotatorLayers: [] });
    expect(side.tieRule).toMatch(/tie/);
  });

  it('--source filters on the new kinds', async () => {
    const out = path.join(tmp.dir, 'majority.csv');
    const s = await runExport(p, 'csv', out, { model: 'none', sources: ['majority', 'mean'] });
    expect(s.rows).toBe(2);
  });
});

describe('wide layout', () => {
  it('adds each annotator layer: its own AU columns, expression, valence, arousal and three sources', async () => {
    const out = path.join(tmp.dir, 'wide.csv');
    const s = await runExport(p, 'csv', out, { model: 'none', annotators: 'wide' });
    expect(s.annotators).toBe('wide');
    const header = (parse(fs.readFileSync(out, 'utf8'), { to_line: 1 }) as string[][])[0];
    const layerCols = header.filter((c) => c.includes(':'));
    expect(layerCols).toEqual([
      // the imported ground truth first (no imported AU label in this project: no ground_truth:AU<n>)
      'ground_truth:expression', 'ground_truth:valence', 'ground_truth:arousal',
      ...[`${ANN}:AU1`, `${ANN}:AU12`].concat(['expression', 'valence', 'arousal', 'au_source', 'expr_source', 'va_source'].map((c) => `${ANN}:${c}`)),
      ...['AU1', 'AU2', 'AU12', 'AU26', 'expression', 'valence', 'arousal', 'au_source', 'expr_source', 'va_source'].map((c) => `bob:${c}`),
      ...['AU1', 'AU12', 'expression', 'valence', 'arousal', 'au_source', 'expr_source', 'va_source'].map((c) => `carol:adjudicator:${c}`),
    ]);
    const r = csvRows(out);
    expect([r[0][`${ANN}:expression`], r[0]['bob:expression'], r[0]['bob:expr_source'], r[0].expr_source]).toEqual([EXPRESSIONS[4], EXPRESSIONS[4], 'human', 'majority']);
    expect([r[2]['carol:adjudicator:AU1'], r[2]['carol:adjudicator:AU12'], r[2]['carol:adjudicator:au_source'], r[2]['bob:AU26'], r[2][`${ANN}:AU12`]]).toEqual(['0', '1', 'human', '1', '0']);
    expect([r[4]['bob:expr_source'], r[4][`${ANN}:va_source`], r[4][`${ANN}:valence`]]).toEqual([`accepted:${teacher}`, 'trace', '-0.5']);
    expect([r[5][`${ANN}:expression`], r[5][`${ANN}:expr_source`], r[5]['bob:expr_source']]).toEqual(['', 'cleared', '']);
    expect([r[6]['bob:AU2'], r[6]['bob:au_source']]).toEqual(['0', 'imported']);
    // the ground truth where it is not in force (frame 0: the majority is) and where it is (frame 3: a tie)
    expect([r[0]['ground_truth:expression'], r[0].expression, r[3]['ground_truth:expression'], r[3].expr_source]).toEqual([EXPRESSIONS[2], EXPRESSIONS[4], EXPRESSIONS[5], 'imported']);
    expect([r[1]['ground_truth:expression'], r[1]['ground_truth:valence'], r[2]['ground_truth:arousal']]).toEqual(['', '', '']);
    const side = JSON.parse(fs.readFileSync(`${out}.json`, 'utf8')) as { annotatorLayers: unknown; columns: string[] };
    expect(side.annotatorLayers).toEqual([
      { annotator: ANN, role: 'annotator', key: ANN },
      { annotator: 'bob', role: 'annotator', key: 'bob' },
      { annotator: 'carol', role: 'adjudicator', key: 'carol:adjudicator' },
    ]);
    expect(side.columns).toEqual(header);
  });

  it('reads back every annotator label as stored, in CSV and JSON Lines alike', async () => {
    const want = annotationRows(p.db);
    for (const fmt of ['csv', 'jsonl'] as const) {
      const out = path.join(tmp.dir, `wide-rt.${fmt}`);
      await runExport(p, fmt, out, { model: 'none', annotators: 'wide' });
      const recs: MergedRecord[] = [];
      for await (const r of (fmt === 'csv' ? readMergedCsv : readMergedJsonl)(out)) recs.push(r);
      expect(recs.length).toBe(7);
      expect(fromRecords(recs)).toEqual(want.map((w) => ({ ...w, updatedAt: null })));
    }
  });
});

/** The annotator labels of records as rows like the database's (frame = record's frame index). */
function fromRecords(recs: MergedRecord[]): AnnotationRow[] {
  const out: AnnotationRow[] = [];
  for (const r of recs) {
    for (const a of r.annotations) {
      const cleared = a.source === 'cleared';
      const src = a.source ?? 'imported';
      out.push({
        frame: r.frame,
        annotator: a.annotator,
        role: a.role,
        task: a.task,
        au: a.au ? Object.fromEntries([...a.au].map(([n, v]) => [n, v])) : null,
        expr: a.expr,
        va: a.valence === null ? null : [a.valence, a.arousal!],
        provenance: cleared ? 'human' : src.startsWith('accepted') ? 'accepted' : src,
        modelId: src.startsWith('accepted:') ? Number(src.slice(9)) : null,
        cleared,
        updatedAt: a.updatedAt,
      });
    }
  }
  return out.sort((x, y) => x.frame - y.frame || (x.task < y.task ? -1 : x.task > y.task ? 1 : 0) || (x.annotator < y.annotator ? -1 : x.annotator > y.annotator ? 1 : 0) || (x.role < y.role ? -1 : 1));
}

describe('long layout', () => {
  it('one row per annotation with frame identity, annotator, role, task, values, source and time; reads back exactly', async () => {
    const want = annotationRows(p.db);
    for (const fmt of ['csv', 'jsonl'] as const) {
      const out = path.join(tmp.dir, `long.${fmt}`);
      const s = await runExport(p, fmt, out, { model: 'none', annotators: 'long' });
      expect(s.rows).toBe(7); // frames visited; rows below are annotations
      if (fmt === 'csv') {
        const r = csvRows(out);
        expect(r.length).toBe(want.length);
        expect(Object.keys(r[0])).toEqual(['dataset', 'media', 'frame', 'file', 'timestamp', 'subject', 'split', 'annotator', 'role', 'task', 'AU1', 'AU2', 'AU12', 'AU26', 'expression', 'valence', 'arousal', 'source', 'updated_at']);
        const carol = r.find((x) => x.annotator === 'carol')!;
        expect(carol).toMatchObject({ frame: '2', role: 'adjudicator', task: 'au', AU1: '0', AU12: '1', AU2: '', expression: '', source: 'human' });
      } else {
        const lines = fs.readFileSync(out, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
        expect(lines[0]).toMatchObject({ annotators: 'long', annotatorPolicy: 'consensus' });
        expect(lines.length - 1).toBe(want.length);
        expect(lines.find((l) => l.source === 'trace')).toMatchObject({ annotator: ANN, task: 'va', valence: -0.5, arousal: 0.125, expression: null, AU1: null });
      }
      const recs: MergedRecord[] = [];
      for await (const r of (fmt === 'csv' ? readMergedCsv : readMergedJsonl)(out)) recs.push(r);
      expect(fromRecords(recs)).toEqual(want);
    }
  });
});

describe('another annotator policy than the project’s', () => {
  const labelsDump = () => p.db.prepare('SELECT * FROM labels ORDER BY frame_id, task, layer').all();

  it('annotator:<name> exports that layer as the human label, resolved on the fly; the project is unchanged', async () => {
    const before = labelsDump();
    const out = path.join(tmp.dir, 'bob.csv');
    const s = await runExport(p, 'csv', out, { model: 'none', annotatorPolicy: 'annotator:bob' });
    expect(s.annotatorPolicy).toBe('annotator:bob');
    const r = csvRows(out);
    expect([r[0].expression, r[0].expr_source]).toEqual([EXPRESSIONS[4], 'human']);
    expect([r[1].valence, r[1].arousal]).toEqual(['0.4', '0']);
    expect([r[2].AU1, r[2].AU12, r[2].AU26, r[2].au_source]).toEqual(['1', '1', '1', 'human']); // AU26: only bob labelled it
    expect([r[3].expression, r[3].expr_source]).toEqual([EXPRESSIONS[2], 'human']);
    expect([r[5].expression, r[5].expr_source]).toEqual([EXPRESSIONS[6], 'imported']); // bob did not clear it
    expect(JSON.parse(fs.readFileSync(`${out}.json`, 'utf8'))).toMatchObject({ annotatorPolicy: 'annotator:bob' });
    expect(labelsDump()).toEqual(before);
  });

  it('latest: the newer annotator wins the tie; an adjudicator still decides', async () => {
    const out = path.join(tmp.dir, 'latest.csv');
    await runExport(p, 'csv', out, { model: 'none', annotatorPolicy: 'latest' });
    const r = csvRows(out);
    expect([r[3].expression, r[3].expr_source]).toEqual([EXPRESSIONS[2], 'human']);
    expect([r[2].AU1, r[2].au_source]).toEqual(['0', 'adjudicated']);
  });

  it('the project’s own policy named explicitly gives the same file as the default', async () => {
    const a = path.join(tmp.dir, 'c1.csv');
    const b = path.join(tmp.dir, 'c2.csv');
    await runExport(p, 'csv', a, { model: 'none', annotators: 'wide' });
    await runExport(p, 'csv', b, { model: 'none', annotators: 'wide', annotatorPolicy: 'consensus' });
    expect(fs.readFileSync(b, 'utf8')).toBe(fs.readFileSync(a, 'utf8'));
  });
});

describe('validation', () => {
  it('refuses layouts a format cannot hold and unknown policies', async () => {
    await expect(runExport(p, 'affwild2', path.join(tmp.dir, 'aw'), { annotators: 'wide' })).rejects.toThrow(/merged CSV or JSON Lines/);
    await expect(runExport(p, 'csv', path.join(tmp.dir, 'x.csv'), { annotators: 'long', probabilities: true })).rejects.toThrow(/long annotator layout/);
    await expect(runExport(p, 'csv', path.join(tmp.dir, 'y.csv'), { annotatorPolicy: 'loudest' })).rejects.toThrow(/Unknown annotator policy "loudest"/);
  });

  it('the reader names file and line for an unknown annotator column, an empty name, a lone valence column', async () => {
    const base = 'dataset,media,frame,file,timestamp,subject,split,expression,valence,arousal,au_source,expr_source,va_source';
    const cases: [string, RegExp][] = [
      [`${base},bob:loudness`, /bad\.csv line 1: unknown annotator column layout: column "bob:loudness"/],
      [`${base},:expression`, /bad\.csv line 1: an empty annotator name in column ":expression"/],
      [`${base},bob:valence`, /bad\.csv line 1: annotator "bob" has a valence column without its arousal column/],
      [`${base},ground_truth:valence,ground_truth:arousal`, /bad\.csv line 1: missing column ground_truth:expression \(the ground-truth columns are/],
      [`${base},annotator,task,bob:expression`, /bad\.csv line 1: unknown annotator column layout/],
      ['dataset,media,frame,file,timestamp,subject,split,annotator,task,expression\nd,m,0,,,,train,,expr,Fear', /bad\.csv line 2: an empty annotator name/],
      ['dataset,media,frame,file,timestamp,subject,split,annotator,task,expression,valence,arousal\nd,m,0,,,,train,bob,expr,Fear,0.1,0.1', /bad\.csv line 2: a row of task expr holds a value of another task/],
    ];
    for (const [text, re] of cases) {
      const f = path.join(tmp.dir, 'bad.csv');
      fs.writeFileSync(f, `${text}\n`);
      const read = async () => {
        for await (const r of readMergedCsv(f)) void r;
      };
      await expect(read()).rejects.toThrow(re);
    }
  });

  it('ground_truth:… with source columns is an older file\'s annotator of that name; a wide export refuses that name', async () => {
    const f = path.join(tmp.dir, 'old-gt.csv');
    fs.writeFileSync(f, 'dataset,media,frame,file,timestamp,subject,split,expression,valence,arousal,au_source,expr_source,va_source,ground_truth:expression,ground_truth:expr_source\nd,m,0,,,,train,,,,,,,Fear,human\n');
    const recs: MergedRecord[] = [];
    for await (const r of readMergedCsv(f)) recs.push(r);
    expect([recs[0].groundTruth, recs[0].annotations.map((a) => [a.annotator, a.task, a.expr, a.source])]).toEqual([null, [['ground_truth', 'expr', EXPRESSIONS.indexOf('Fear'), 'human']]]);
    const q = Project.create(path.join(tmp.dir, 'gt-name'));
    try {
      const frames = addMedia(q, addDataset(q, 'D'), 'clip', 1);
      q.db.transaction(() => {
        putAnnotation(q, frames[0], 'ground_truth', 'expr', { expr: 1 });
        materialiseAll(q.db);
      })();
      await expect(runExport(q, 'csv', path.join(tmp.dir, 'gt-name.csv'), { model: 'none', annotators: 'wide' })).rejects.toThrow(/Annotator "ground_truth": per-annotator columns of that name would read back as the imported ground truth's columns; use --annotators long/);
      await expect(runExport(q, 'csv', path.join(tmp.dir, 'gt-name-long.csv'), { model: 'none', annotators: 'long' })).resolves.toMatchObject({ rows: 1 });
    } finally {
      q.close();
    }
  });
});
