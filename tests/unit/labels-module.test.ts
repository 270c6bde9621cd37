// The label module (src/node/labels): one precedence rule (a human row wins over the imported one,
// a cleared human row = no label) seen the same by every reader — the row reader (labelsInRange),
// the columnar readers (loadSamples, the review's columns), the counts behind `info` — the one AU
// projection, and the merged importer's human rows written with history: one undoable action per
// media item, undone and redone like a review edit.
import { afterEach, describe, expect, it } from 'vitest';
import { runImport } from '../../src/node/importers/index';
import { labelCountsByMedia, labelsInRange } from '../../src/node/labels/labels';
import { auRecord, auValue, inForce, modelAusInto, packModelAus, takesSlot } from '../../src/node/labels/layers';
import { loadSamples } from '../../src/node/labels/samples';
import { loadLabelColumns } from '../../src/node/review/columns';
import { frameHistory, listActions, redo, undo } from '../../src/node/review/undo';
import { fixture, type Fixture } from './import-helpers';

let fx: Fixture;
afterEach(() => fx?.cleanup());

const COLS = 'dataset,media,frame,file,timestamp,subject,split,AU1,AU2,AU4,AU6,AU12,AU15,AU20,AU25,AU26,expression,valence,arousal,au_source,expr_source,va_source';
const file = (name: string, policy: string, rows: string[]) => fx.write(name, [`# affect-workbench merged-labels v1 policy=${policy} model=none`, COLS, ...rows].join('\n') + '\n');

describe('precedence and projection (layers.ts)', () => {
  it('a human row takes the slot in any order; an imported row only where no human row is', () => {
    expect(takesSlot(true, false)).toBe(true);
    expect(takesSlot(true, true)).toBe(true);
    expect(takesSlot(false, false)).toBe(true);
    expect(takesSlot(false, true)).toBe(false);
    const cleared: { v: number | null } = { v: null };
    expect(inForce(cleared, { v: 1 })).toBe(cleared);
    expect(inForce(null, { v: 1 })).toEqual({ v: 1 });
    expect(inForce(null, null)).toBeNull();
  });

  it('projects AU bit sets (number or bigint) onto 1 / 0 / -1', () => {
    const mask = (1n << 1n) | (1n << 12n) | (1n << 60n);
    const bits = (1n << 12n) | (1n << 60n);
    expect([auValue(mask, bits, 1), auValue(mask, bits, 12), auValue(mask, bits, 2), auValue(mask, bits, 60)]).toEqual([0, 1, -1, 1]);
    expect([auValue(Number(mask & 0xffffn), Number(bits & 0xffffn), 12), auValue(2 ** 1 + 2 ** 12, 2 ** 12, 1)]).toEqual([1, 0]);
    expect(auRecord(mask, bits)).toEqual({ AU1: 0, AU12: 1, AU60: 1 });
    const out = new Int8Array(8);
    modelAusInto(packModelAus(mask), packModelAus(bits), out); // model AUs 1, 2, 4, 6, 12, 15, 20, 25
    expect([...out]).toEqual([0, -1, -1, -1, 1, -1, -1, -1]);
  });
});

describe('one rule, every reader; merged human rows with history and undo', () => {
  it('human over imported, cleared = no label, the same in rows, columns, samples and counts; the import is one undoable action per media', async () => {
    fx = fixture();
    const p = fx.project;
    // ground truth on frames 0..2 of two media items
    const gt = file('gt.csv', 'gt', [
      'DS,v1,0,,,,train,1,0,,,1,,,,,Happiness,0.5,0.5,imported,imported,imported',
      'DS,v1,1,,,,train,1,1,,,0,,,,,Sadness,,,imported,imported,',
      'DS,v1,2,,,,train,,,,,,,,,,Fear,,,,imported,',
      'DS,v2,0,,,,val,,,,,,,,,,Neutral,,,,imported,',
    ]);
    await runImport(p, 'merged', [gt], {});
    expect(listActions(p.db, 1, 10)).toEqual([]); // imported labels: no history

    // corrections (policy human: says nothing about ground truth, which stays beneath)
    const human = file('fix.csv', 'human', [
      'DS,v1,0,,,,train,,,,,,,,,,Anger,,,,human,',
      'DS,v1,1,,,,train,,,,,,,,,,,,,cleared,cleared,',
      'DS,v2,0,,,,val,,,,,,,,,,,-0.5,0.25,,,human',
    ]);
    await runImport(p, 'merged', [human], { annotator: 'ann' });
    const [v1, v2] = p.db.prepare(`SELECT id FROM media ORDER BY name`).pluck().all() as number[];

    const inForceNow = () => {
      const rows = labelsInRange(p.db, v1, 0, 2);
      const s = loadSamples(p.db, { usableOnly: false });
      const c = loadLabelColumns(p.db, v1);
      const counts = labelCountsByMedia(p.db).get(v1);
      return { rows, s, c, counts };
    };
    let r = inForceNow();
    expect(r.rows.map((f) => [f.expr?.value ?? null, f.expr?.provenance ?? null])).toEqual([[1, 'human'], [null, null], [3, 'imported']]);
    expect(r.rows.map((f) => f.au?.value ?? null)).toEqual([{ AU1: 1, AU2: 0, AU12: 1 }, null, null]);
    const row = (idx: number) => [...r.s.idx.subarray(0, r.s.n)].findIndex((x, i) => x === idx && r.s.mediaId[i] === v1);
    expect([row(0), row(1), row(2)].map((i) => r.s.expr[i])).toEqual([1, -1, 3]);
    expect([...r.s.au.subarray(row(1) * 8, row(1) * 8 + 8)]).toEqual(new Array(8).fill(-1)); // cleared AU
    expect([...r.s.au.subarray(row(0) * 8, row(0) * 8 + 3)]).toEqual([1, 0, -1]); // imported AU1 1, AU2 0, AU4 unlabelled
    expect([...r.c.expr.subarray(0, 3)]).toEqual([1, -1, 3]);
    expect([...r.c.au.subarray(8, 16)]).toEqual(new Array(8).fill(-1));
    expect(r.counts).toEqual({ au: 1, expr: 2, va: 1 });
    const v2row = [...r.s.mediaId.subarray(0, r.s.n)].indexOf(v2);
    expect([r.s.expr[v2row], r.s.valence[v2row], r.s.arousal[v2row]]).toEqual([0, -0.5, 0.25]);

    // history: one action per media item changed, one entry per changed (frame, task)
    const a1 = listActions(p.db, v1, 10);
    const a2 = listActions(p.db, v2, 10);
    expect(a1.map((a) => [a.name, a.from, a.to, a.changes, a.undone])).toEqual([['Import fix.csv', 0, 1, 3, false]]);
    expect(a2.map((a) => [a.name, a.changes])).toEqual([['Import fix.csv', 1]]);
    const h = frameHistory(p.db, v1, 1, 10);
    expect(h.map((e) => [e.task, e.before, e.undone]).sort()).toEqual([['au', null, false], ['expr', null, false]]); // no human row before
    expect(h.every((e) => e.task !== 'face' && e.after !== null && e.after.au === null)).toBe(true);

    // the same file again changes nothing and records nothing
    await runImport(p, 'merged', [human], { annotator: 'ann' });
    expect(listActions(p.db, v1, 10)).toHaveLength(1);

    // undo: the imported labels are back in force everywhere; redo: the corrections again
    expect(undo(p.db, v1, 'ann').action?.name).toBe('Import fix.csv');
    r = inForceNow();
    expect(r.rows.map((f) => [f.expr?.value ?? null, f.expr?.provenance ?? null])).toEqual([[4, 'imported'], [5, 'imported'], [3, 'imported']]);
    expect([row(0), row(1), row(2)].map((i) => r.s.expr[i])).toEqual([4, 5, 3]);
    expect(r.counts).toEqual({ au: 2, expr: 3, va: 1 });
    expect(labelCountsByMedia(p.db).get(v2)).toEqual({ au: 0, expr: 1, va: 1 }); // other media untouched by this undo
    redo(p.db, v1, 'ann');
    r = inForceNow();
    expect([row(0), row(1), row(2)].map((i) => r.s.expr[i])).toEqual([1, -1, 3]);
    expect(undo(p.db, v2, 'ann').action?.changes).toBe(1);
    expect(labelCountsByMedia(p.db).get(v2)).toEqual({ au: 0, expr: 1, va: 0 });
  });
});
