// Annotator layers through export and import (issue 15, "Done when": a merged export with
// per-annotator columns round-trips through import). Real SQLite projects, real CSV / JSON Lines
// files: a project with three annotator layers (an adjudicator among them; human, accepted, trace,
// imported and cleared labels; an AU above 53) is exported wide and long, imported into fresh
// projects, and every annotator's layer comes back identical (the long layout with its times), the
// resolved labels too. Also the per-annotator folder layout, --annotator for files without annotator
// columns, and errors that name file and line and leave the project as it was.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerAgreementCommand } from '../../src/cli/commands/agreement';
import { registerExportCommand } from '../../src/cli/commands/export';
import { registerImportCommand } from '../../src/cli/commands/import';
import { runExport, type ExportFormat } from '../../src/node/export';
import { runImport } from '../../src/node/importers/index';
import { Project } from '../../src/node/store/project';
import { addDataset, addMedia, addModel, putAu, putExpr, putVa } from './export-fixture';
import { annotationRows, materialiseAll, putAnnotation } from './annotator-fixture';
import { dumpContent } from './import-helpers';
import { runVerb, tempDir } from './helpers';

let tmp: { dir: string; cleanup: () => void };
let src: Project;
let n = 0;

/** A fresh project with one model (accepted:<id> labels keep their model id: ids are per project). */
function fresh(): Project {
  const p = Project.create(path.join(tmp.dir, `fresh-${n++}`));
  addModel(p, 'teacher');
  return p;
}

/** The resolved human layer and the imported layer, by media name and frame index. */
function labelRows(p: Project): unknown[] {
  return p.db
    .prepare(
      `SELECT m.name AS media, f.idx, l.task, l.layer, l.au_mask, l.au_bits, l.expr, l.valence, l.arousal, l.provenance, l.model_id, l.author, l.merged_from
       FROM labels l JOIN frames f ON f.id = l.frame_id JOIN media m ON m.id = f.media_id ORDER BY m.name, f.idx, l.task, l.layer`,
    )
    .safeIntegers(true)
    .all();
}

beforeAll(() => {
  tmp = tempDir('aw-import-ann-');
  src = Project.create(path.join(tmp.dir, 'src'));
  const teacher = addModel(src, 'teacher');
  const ds = addDataset(src, 'Aff-Wild2');
  const v = addMedia(src, ds, 'video 1', 12, { subject: 's1' });
  const imgs = addMedia(src, addDataset(src, 'ExpW'), 'images', 3, { kind: 'images', timestamps: null, files: (i) => `faces/${i}.jpg` });
  src.db.transaction(() => {
    putExpr(src, v[0], 2);
    putAnnotation(src, v[0], 'ann', 'expr', { expr: 4 }, { at: '2024-02-01T10:00:00.000Z' });
    putAnnotation(src, v[0], 'bob', 'expr', { expr: 4 }, { at: '2024-02-01T11:00:00.000Z' });
    putAnnotation(src, v[1], 'ann', 'va', { va: [0.2, 0.4] }, { provenance: 'trace' });
    putAnnotation(src, v[1], 'bob', 'va', { va: [0.4, -0.1234567890123] });
    putAu(src, v[2], { 1: 1, 2: 0, 12: 0 });
    putAnnotation(src, v[2], 'ann', 'au', { au: { 1: 1, 12: 0, 58: 1 } });
    putAnnotation(src, v[2], 'bob', 'au', { au: { 1: 1, 12: 1 } });
    putAnnotation(src, v[2], 'carol', 'au', { au: { 1: 0, 12: 1 } }, { role: 'adjudicator' });
    putExpr(src, v[3], 5);
    putAnnotation(src, v[3], 'ann', 'expr', { expr: 1 });
    putAnnotation(src, v[3], 'bob', 'expr', { expr: 2 });
    putAnnotation(src, v[4], 'bob', 'expr', { expr: 3 }, { provenance: 'accepted', modelId: teacher });
    putExpr(src, v[5], 6);
    putAnnotation(src, v[5], 'ann', 'expr', { expr: null });
    putAnnotation(src, v[6], 'bob', 'au', { au: { 2: 0 } }, { provenance: 'imported' });
    putAnnotation(src, v[6], 'carol', 'va', { va: [-1, 1] });
    putAnnotation(src, v[6], 'carol', 'va', { va: [0, 0] }, { role: 'adjudicator' });
    putVa(src, v[7], [0.5, 0.5]);
    putAnnotation(src, imgs[1], 'ann', 'expr', { expr: 0 });
    putAnnotation(src, imgs[2], 'bob', 'va', { va: null });
    materialiseAll(src.db);
  })();
});
afterAll(() => {
  src.close();
  tmp.cleanup();
});

describe('round trip: export with annotator layers → import into a fresh project', () => {
  for (const [layout, fmt] of [['wide', 'csv'], ['wide', 'jsonl'], ['long', 'csv'], ['long', 'jsonl']] as const) {
    it(`${layout} ${fmt}: every annotator layer identical${layout === 'long' ? ', times included' : ''}; the resolved layer too`, async () => {
      const out = path.join(tmp.dir, `${layout}.${fmt}`);
      await runExport(src, fmt as ExportFormat, out, { model: 'none', annotators: layout, overwrite: true });
      const p = fresh();
      try {
        const s = await runImport(p, 'merged', [out], { annotator: 'nobody' });
        expect(s.warnings.join('\n')).toMatch(/annotator layers: \d+ labels of 4 annotator layers \(ann, bob, carol, carol \(adjudicator\)\)/);
        const withTime = layout === 'long';
        expect(annotationRows(p.db, { withTime })).toEqual(annotationRows(src.db, { withTime }));
        expect(annotationRows(p.db).some((r) => r.annotator === 'nobody')).toBe(false);
        // the resolved labels are made again from the layers: the same rows (author, merged_from) as the source's
        const resolved = (q: Project) => (labelRows(q) as { layer: string }[]).filter((r) => r.layer === 'human');
        expect(resolved(p).map((r) => ({ ...r, updated_at: undefined }))).toEqual(resolved(src).map((r) => ({ ...r, updated_at: undefined })));
        if (layout === 'wide') {
          // the imported layer exactly (its own columns), where an annotator's label is in force too
          const imported = (q: Project) => (labelRows(q) as { layer: string }[]).filter((r) => r.layer === 'imported').map((r) => ({ ...r, updated_at: undefined }));
          expect(imported(p)).toEqual(imported(src));
          // exporting the copy gives the same file
          const again = path.join(tmp.dir, `again.${fmt}`);
          await runExport(p, fmt as ExportFormat, again, { model: 'none', annotators: layout, overwrite: true });
          expect(fs.readFileSync(again, 'utf8')).toBe(fs.readFileSync(out, 'utf8'));
        }
        // importing it again changes nothing
        const before = dumpContent(p);
        await runImport(p, 'merged', [out], {});
        expect(dumpContent(p)).toBe(before);
      } finally {
        p.close();
      }
    });
  }

  it('each annotator’s import is their own undoable action (history per annotator)', async () => {
    const out = path.join(tmp.dir, 'undo.csv');
    await runExport(src, 'csv', out, { model: 'none', annotators: 'wide', overwrite: true });
    const p = fresh();
    try {
      await runImport(p, 'merged', [out], {});
      const acts = p.db.prepare(`SELECT a.author, m.name FROM actions a JOIN media m ON m.id = a.media_id ORDER BY m.name, a.author`).raw().all();
      expect(acts).toEqual([
        ['ann', 'images'], ['bob', 'images'],
        ['ann', 'video 1'], ['bob', 'video 1'], ['carol', 'video 1'], ['carol', 'video 1'],
      ]);
    } finally {
      p.close();
    }
  });
});

const HEADER = 'dataset,media,frame,file,timestamp,subject,split,AU1,AU2,expression,valence,arousal,au_source,expr_source,va_source';

describe('the wide layout\'s ground-truth columns', () => {
  /** The imported layer as (media, frame, task, value) rows. */
  const importedRows = (q: Project) =>
    q.db
      .prepare(`SELECT m.name, f.idx, l.task, l.au_mask, l.expr, l.valence FROM labels l JOIN frames f ON f.id = l.frame_id JOIN media m ON m.id = f.media_id WHERE l.layer = 'imported' ORDER BY m.name, f.idx, l.task`)
      .raw()
      .all();

  it('set the imported layer exactly (a cell emptied removes that label); a file without them imports as before', async () => {
    const out = path.join(tmp.dir, 'gt.csv');
    await runExport(src, 'csv', out, { model: 'none', annotators: 'wide', overwrite: true });
    const text = fs.readFileSync(out, 'utf8');
    const lines = text.split('\n');
    const cols = lines[0].split(',');
    const at = cols.indexOf('ground_truth:expression');
    expect(at).toBeGreaterThan(0);
    // frame 0: the ground truth (Disgust, imported) is not the label in force (the annotators' majority)
    expect(lines[1].split(',')[at]).toBe('Disgust');
    const p = fresh();
    try {
      await runImport(p, 'merged', [out], {});
      expect(importedRows(p)).toEqual(importedRows(src));
      expect(importedRows(p)).toContainEqual(['video 1', 0, 'expr', null, 2, null]);
      // the same file with frame 0's ground-truth expression emptied: that imported label goes, nothing else changes
      const edited = path.join(tmp.dir, 'gt-edited.csv');
      fs.writeFileSync(edited, [lines[0], lines[1].split(',').map((c, i) => (i === at ? '' : c)).join(','), ...lines.slice(2)].join('\n'));
      fs.copyFileSync(`${out}.json`, `${edited}.json`);
      await runImport(p, 'merged', [edited], {});
      expect(importedRows(p)).toEqual(importedRows(src).filter((r) => !((r as unknown[])[1] === 0 && (r as unknown[])[2] === 'expr' && (r as unknown[])[0] === 'video 1')));
    } finally {
      p.close();
    }
    // an older wide file (no ground-truth columns): the imported layer only where the resolved columns show it, as before
    const old = path.join(tmp.dir, 'gt-old.csv');
    const keep = lines[0].split(',').map((c) => !c.startsWith('ground_truth:'));
    fs.writeFileSync(old, lines.map((l) => (l === '' ? l : l.split(',').filter((_c, i) => keep[i]).join(','))).join('\n'));
    fs.copyFileSync(`${out}.json`, `${old}.json`);
    const q = fresh();
    try {
      await runImport(q, 'merged', [old], {});
      expect(importedRows(q)).not.toContainEqual(['video 1', 0, 'expr', null, 2, null]);
      expect(importedRows(q)).toContainEqual(['video 1', 3, 'expr', null, 5, null]);
      expect(annotationRows(q.db, { withTime: false })).toEqual(annotationRows(src.db, { withTime: false }));
    } finally {
      q.close();
    }
  });
});

describe('per-annotator folder and --annotator', () => {
  it('a folder of <annotator>.csv files: every label of a file goes to its annotator’s layer (imported ones with provenance imported); the imported layer is untouched', async () => {
    const dir = path.join(tmp.dir, 'raters');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'ann.csv'), `${HEADER}\nD,clip,0,,,,train,1,0,Fear,,,,,\nD,clip,1,,,,train,,,,0.5,-0.5,,,human\nD,clip,2,,,,train,,,,,,,cleared,\n`);
    fs.writeFileSync(path.join(dir, 'bob.csv'), `${HEADER}\nD,clip,0,,,,train,,,Anger,,,,human,\nD,clip,3,,,,val,,,Surprise,,,,imported,\n`);
    fs.writeFileSync(path.join(dir, 'bob.csv.json'), JSON.stringify({ format: 'affect-workbench merged-labels', version: 1, policy: 'gt+human', model: null }));
    const p = fresh();
    try {
      await runImport(p, 'merged', [dir], {});
      const rows = annotationRows(p.db, { withTime: false }).map((r) => [r.frame, r.annotator, r.task, r.provenance, r.cleared, r.expr ?? r.va ?? r.au]);
      expect(rows).toEqual([
        [0, 'ann', 'au', 'imported', false, { 1: 1, 2: 0 }],
        [0, 'ann', 'expr', 'imported', false, 3],
        [0, 'bob', 'expr', 'human', false, 1],
        [1, 'ann', 'va', 'human', false, [0.5, -0.5]],
        [2, 'ann', 'expr', 'human', true, null],
        [3, 'bob', 'expr', 'imported', false, 6],
      ]);
      expect(p.db.prepare(`SELECT COUNT(*) FROM labels WHERE layer = 'imported'`).pluck().get()).toBe(0);
      expect(p.db.prepare('SELECT COUNT(*) FROM media').pluck().get()).toBe(1); // both files' rows name the same media item
      expect(p.db.prepare('SELECT COUNT(*) FROM frames').pluck().get()).toBe(4);
      expect(p.db.prepare(`SELECT split FROM frames WHERE idx = 3`).pluck().get()).toBe('val');
    } finally {
      p.close();
    }
  });

  it('a file without annotator columns puts its human labels in the --annotator layer', async () => {
    const f = path.join(tmp.dir, 'plain.csv');
    fs.writeFileSync(f, `${HEADER}\nD,clip,0,,,,train,,,Fear,,,,human,\nD,clip,1,,,,train,,,Anger,,,,imported,\n`);
    const p = fresh();
    try {
      await runImport(p, 'merged', [f], { annotator: 'dora' });
      expect(annotationRows(p.db, { withTime: false }).map((r) => [r.frame, r.annotator, r.provenance, r.expr])).toEqual([[0, 'dora', 'human', 3]]);
      expect(p.db.prepare(`SELECT author FROM labels WHERE layer = 'human'`).pluck().all()).toEqual(['dora']);
    } finally {
      p.close();
    }
  });
});

describe('errors name the file and line; the project is left as it was', () => {
  const LONG = 'dataset,media,frame,file,timestamp,subject,split,annotator,role,task,expression,source';
  const cases: [string, string, RegExp][] = [
    ['dup.csv', `${LONG}\nD,clip,0,,,,train,bob,annotator,expr,Fear,human\nD,clip,1,,,,train,bob,annotator,expr,Fear,human\nD,clip,0,,,,train,bob,,expr,Anger,human\n`, /dup\.csv line 4: expected one row per frame, annotator and task \(frame 0 of media "clip", annotator "bob", task expr is also at line 2\)/],
    ['empty.csv', `${LONG}\nD,clip,0,,,,train,bob,annotator,expr,Fear,human\nD,clip,1,,,,train,,annotator,expr,Fear,human\n`, /empty\.csv line 3: an empty annotator name/],
    ['layout.csv', `${HEADER},bob:mood\nD,clip,0,,,,train,,,,,,,,,x\n`, /layout\.csv line 1: unknown annotator column layout: column "bob:mood"/],
    ['blank.csv', `${HEADER},   :expression\nD,clip,0,,,,train,,,,,,,,,Fear\n`, /blank\.csv line 1: an empty annotator name in column "   :expression"/],
    ['src.csv', `${HEADER},bob:expression,bob:expr_source\nD,clip,0,,,,train,,,,,,,,,,human\n`, /src\.csv line 2: expected the EXPR value of annotator "bob" where its source is human/],
  ];
  for (const [name, text, re] of cases) {
    it(name, async () => {
      const p = fresh();
      try {
        const f = path.join(tmp.dir, name);
        fs.writeFileSync(f, text);
        const before = dumpContent(p);
        await expect(runImport(p, 'merged', [f], {})).rejects.toThrow(re);
        expect(dumpContent(p)).toBe(before);
      } finally {
        p.close();
      }
    });
  }

  it('a per-annotator folder with another file, or a per-annotator file with annotator columns', async () => {
    const p = fresh();
    try {
      const a = path.join(tmp.dir, 'folder-a');
      fs.mkdirSync(a);
      fs.writeFileSync(path.join(a, 'ann.csv'), `${HEADER}\n`);
      fs.writeFileSync(path.join(a, 'notes.txt'), 'x');
      await expect(runImport(p, 'merged', [a], {})).rejects.toThrow(/folder-a: is a per-annotator folder: it may hold only <annotator>\.csv or <annotator>\.jsonl files .* not "notes\.txt"/);
      const b = path.join(tmp.dir, 'folder-b');
      fs.mkdirSync(b);
      fs.writeFileSync(path.join(b, 'ann.csv'), `${HEADER},bob:expression\nD,clip,0,,,,train,,,,,,,,,Fear\n`);
      await expect(runImport(p, 'merged', [b], {})).rejects.toThrow(/folder-b\/ann\.csv: is a per-annotator file \(annotator "ann", from its name\)/);
      const c = path.join(tmp.dir, 'folder-c');
      fs.mkdirSync(c);
      await expect(runImport(p, 'merged', [c], {})).rejects.toThrow(/folder-c: is a per-annotator folder without files/);
      expect(p.db.prepare('SELECT COUNT(*) FROM frames').pluck().get()).toBe(0);
    } finally {
      p.close();
    }
  });
});

describe('the CLI: export --annotators / --annotator-policy, import merged --annotator', () => {
  it('a wide export made by the CLI imports through the CLI with every layer identical; bad names are refused', async () => {
    const out = path.join(tmp.dir, 'cli-wide.csv');
    const summary = JSON.parse(await runVerb(registerExportCommand, ['export', 'csv', src.dir, out, '--model', 'none', '--annotators', 'wide', '--annotator-policy', 'latest', '--json']));
    expect(summary).toMatchObject({ annotators: 'wide', annotatorPolicy: 'latest' });
    const p = fresh();
    const dir = p.dir;
    p.close();
    const text = await runVerb(registerImportCommand, ['import', 'merged', dir, out, '--annotator', 'eve', '--faces', 'none']);
    expect(text).toMatch(/annotator layers: 16 labels of 4 annotator layers/);
    const q = Project.open(dir);
    try {
      expect(annotationRows(q.db, { withTime: false })).toEqual(annotationRows(src.db, { withTime: false }));
    } finally {
      q.close();
    }
    // `agreement --json` of the copy is the source's, figure for figure (ids are per project: compared without them)
    const agreement = async (d: string) => JSON.parse(await runVerb(registerAgreementCommand, ['agreement', d, '--json'])) as unknown;
    const withoutIds = (v: unknown): unknown =>
      Array.isArray(v) ? v.map(withoutIds) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).filter(([k]) => !/^(id|mediaId|datasetId)$/.test(k)).map(([k, x]) => [k, withoutIds(x)])) : v;
    const before = await agreement(src.dir);
    expect(JSON.stringify(before)).toMatch(/"kappa"|"value"/);
    expect(withoutIds(await agreement(dir))).toEqual(withoutIds(before));
    await expect(runVerb(registerExportCommand, ['export', 'csv', src.dir, path.join(tmp.dir, 'x.csv'), '--annotators', 'tall'])).rejects.toThrow(/Unknown annotator layout "tall" \(none, wide, long\)/);
    await expect(runVerb(registerExportCommand, ['export', 'csv', src.dir, path.join(tmp.dir, 'y.csv'), '--annotator-policy', 'annotator:'])).rejects.toThrow(/Unknown annotator policy/);
  });
});
