// The CSV manifest's annotator column (issue 15): rows naming an annotator go to that annotator's
// layer, rows of several annotators for the same image share one frame, the resolved human labels
// follow under the default (consensus) policy; a duplicate (image, annotator) is an error naming both
// lines and leaves the project as it was; a blank annotator cell is ground truth as before. Real
// SQLite project, real PNG files, the real importer.
import fs from 'node:fs';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { runImport } from '../../src/node/importers/index';
import { annotationRows } from './annotator-fixture';
import { auSet, count, dump, dumpContent, fixture, frames, labels, type Fixture } from './import-helpers';

let fx: Fixture;
afterEach(() => fx?.cleanup());

const HEADER = 'path,subject,split,AU1,AU12,expression,valence,arousal,annotator';

async function images(f: Fixture): Promise<void> {
  fs.mkdirSync(f.path('data/img'), { recursive: true });
  await sharp({ create: { width: 40, height: 40, channels: 3, background: { r: 200, g: 30, b: 40 } } }).png().toFile(f.path('data/img/a.png'));
  await sharp({ create: { width: 40, height: 40, channels: 3, background: { r: 10, g: 200, b: 60 } } }).png().toFile(f.path('data/img/b.png'));
}

const csv = (f: Fixture, rows: string[], header = HEADER) => f.write('data/faces.csv', [header, ...rows].join('\n') + '\n');
const run = (f: Fixture) => runImport(f.project, 'csv', [f.path('data/faces.csv')], {});

/** The resolved human rows of `labels`: frame index, task, values, how they were merged. */
function resolved(f: Fixture): unknown[] {
  return f.project.db
    .prepare(
      `SELECT f.idx, l.task, l.au_mask, l.au_bits, l.expr, l.valence, l.arousal, l.author, l.merged_from
       FROM labels l JOIN frames f ON f.id = l.frame_id WHERE l.layer = 'human' ORDER BY f.idx, l.task`,
    )
    .safeIntegers(true)
    .raw()
    .all();
}

describe('csv importer: annotator column', () => {
  it('two annotators and ground truth for the same images: one frame per image, each layer, the consensus', async () => {
    fx = fixture();
    await images(fx);
    csv(fx, [
      'img/a.png,s1,train,1,0,happy,0.5,0.2,', // ground truth
      'img/a.png,s9,test,1,1,happy,0.4,0.0,ann', // another subject / split: the first row's frame keeps its own
      'img/b.png,s2,val,,,sad,,,bob', // an annotator's row first: it makes the frame, without imported labels
      'img/a.png,,,0,1,happy,,,bob',
      'img/b.png,,,,,fear,,,ann',
      'img/b.png,,,,,neutral,,,', // ground truth after the annotators' rows of its image
    ]);
    const s = await run(fx);
    expect(frames(fx.project).map((f) => [f.idx, f.path, f.subject, f.split])).toEqual([
      [0, 'img/a.png', 's1', 'train'],
      [1, 'img/b.png', 's2', 'val'],
    ]);
    expect(s).toMatchObject({ rowsRead: 6, frames: 2, crops: 2 });
    expect(labels(fx.project).map((l) => [l.idx, l.task, l.au_mask, l.au_bits, l.expr, l.valence, l.arousal])).toEqual([
      [0, 'au', auSet(1, 12), auSet(1), null, null, null],
      [0, 'expr', null, null, 4n, null, null],
      [0, 'va', null, null, null, 0.5, 0.2],
      [1, 'expr', null, null, 0n, null, null],
    ]);
    const layer = annotationRows(fx.project.db).map((a) => [a.frame, a.annotator, a.role, a.task, a.au, a.expr, a.va, a.provenance]);
    expect(layer).toEqual([
      [0, 'ann', 'annotator', 'au', { 1: 1, 12: 1 }, null, null, 'imported'],
      [0, 'bob', 'annotator', 'au', { 1: 0, 12: 1 }, null, null, 'imported'],
      [0, 'ann', 'annotator', 'expr', null, 4, null, 'imported'],
      [0, 'bob', 'annotator', 'expr', null, 4, null, 'imported'],
      [0, 'ann', 'annotator', 'va', null, null, [0.4, 0], 'imported'],
      [1, 'ann', 'annotator', 'expr', null, 3, null, 'imported'],
      [1, 'bob', 'annotator', 'expr', null, 5, null, 'imported'],
    ]);
    // consensus: AU1 tied (1 vs 0) stays unlabelled, AU12 agreed on; agreeing expression by majority;
    // valence/arousal from ann alone; b's expressions disagree (fear vs sadness): a tie, no resolved row
    expect(resolved(fx)).toEqual([
      [0n, 'au', auSet(12), auSet(12), null, null, null, null, 'majority'],
      [0n, 'expr', null, null, 4n, null, null, null, 'majority'],
      [0n, 'va', null, null, null, 0.4, 0, 'ann', 'single'],
    ]);
    // one undoable action per media item and annotator
    const actions = fx.project.db.prepare('SELECT name, author, frame_from, frame_to FROM actions ORDER BY author').raw().all();
    expect(actions).toEqual([
      ['Import faces.csv', 'ann', 0, 1],
      ['Import faces.csv', 'bob', 0, 1],
    ]);
    expect(count(fx.project, 'label_history')).toBe(7);

    // re-import: nothing changes, no new action
    const before = dumpContent(fx.project);
    await run(fx);
    expect(dumpContent(fx.project)).toBe(before);
  });

  it('the same image twice for one annotator is an error naming both lines; the project is as it was', async () => {
    fx = fixture();
    await images(fx);
    csv(fx, ['img/a.png,s1,train,,,happy,,,']);
    await run(fx);
    const before = dump(fx.project);
    csv(fx, ['img/a.png,s1,train,,,happy,,,', 'img/a.png,,,,,sad,,,ann', 'img/b.png,,,,,,,,ann', 'img/a.png,,,,,fear,,,ann']);
    await expect(run(fx)).rejects.toThrow('faces.csv line 5: duplicate entry for image img/a.png by annotator "ann" (first at faces.csv line 3)');
    expect(dump(fx.project)).toBe(before);
    csv(fx, ['img/a.png,,,,,sad,,,ann', 'img/a.png,s1,train,,,happy,,,', 'img/a.png,s1,train,,,happy,,, ']);
    await expect(run(fx)).rejects.toThrow('faces.csv line 4: duplicate entry for image img/a.png (first at faces.csv line 3)');
    csv(fx, ['img/a.png,,,,,sad,,,' + 'x'.repeat(121)]);
    await expect(run(fx)).rejects.toThrow(/^faces\.csv line 2: expected an annotator name of 1 to 120 characters without control characters/);
    expect(dump(fx.project)).toBe(before);
  });

  it('--skip-missing: annotator rows of a missing or unreadable image are skipped with it', async () => {
    fx = fixture();
    await images(fx);
    fx.write('data/img/bad.png', 'not an image');
    csv(fx, ['img/bad.png,,,,,happy,,,ann', 'img/nope.png,,,,,happy,,,ann', 'img/a.png,,,,,sad,,,ann', 'img/bad.png,,,,,fear,,,bob', 'img/nope.png,,,,,fear,,,']);
    const s = await runImport(fx.project, 'csv', [fx.path('data/faces.csv')], { skipMissing: true });
    expect(s.skipped).toEqual({ 'missing-image': 2, 'unreadable-image': 1 });
    expect(frames(fx.project).map((f) => f.path)).toEqual(['img/a.png']);
    expect(annotationRows(fx.project.db).map((a) => [a.frame, a.annotator, a.task, a.expr])).toEqual([[0, 'ann', 'expr', 5]]);
    expect(labels(fx.project)).toEqual([]);
  });

  it('a blank annotator cell imports exactly like a file without the column', async () => {
    const rows = ['img/a.png,s1,train,1,0,happy,0.5,0.2', 'img/b.png,s2,val,,,3,,'];
    const contents = (f: Fixture) => ({ frames: frames(f.project), labels: labels(f.project), annotations: count(f.project, 'annotations'), actions: count(f.project, 'actions') });
    fx = fixture();
    await images(fx);
    csv(fx, rows, HEADER.replace(',annotator', ''));
    const s1 = await run(fx);
    const without = contents(fx);
    fx.cleanup();
    fx = fixture();
    await images(fx);
    csv(fx, rows.map((r) => `${r}, `));
    const s2 = await run(fx);
    expect(contents(fx)).toEqual(without);
    expect(without).toMatchObject({ annotations: 0, actions: 0 });
    expect(without.labels).toHaveLength(4);
    expect({ ...s2, seconds: 0 }).toEqual({ ...s1, seconds: 0 });
  });
});
