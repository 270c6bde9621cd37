// The merged-labels importer on hand-written files: layer and provenance per source, errors that name
// the file and line and leave the project untouched, --dataset, existing media reused as they are;
// and the CSV manifest importer reading past a merged export's `#` format line.
import fs from 'node:fs';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { runImport } from '../../src/node/importers/index';
import { addModel } from './export-fixture';
import { auSet, dump, fakePort, fixture, frames, type Fixture } from './import-helpers';

let fx: Fixture;
afterEach(() => fx?.cleanup());

const HEAD = '# affect-workbench merged-labels v1 policy=gt+human+model model=7';
const COLS = 'dataset,media,frame,file,timestamp,subject,split,AU1,AU2,AU4,AU6,AU12,AU15,AU20,AU25,AU26,expression,valence,arousal,au_source,expr_source,va_source';

const merged = (rows: string[], name = 'm.csv') => fx.write(name, [HEAD, COLS, ...rows].join('\n') + '\n');
const run = (file: string, o: Record<string, unknown> = {}) => runImport(fx.project, 'merged', [file], o);

interface Row {
  media: string;
  idx: number;
  task: string;
  layer: string;
  au_mask: bigint | null;
  au_bits: bigint | null;
  expr: bigint | null;
  valence: number | null;
  arousal: number | null;
  provenance: string;
  model_id: bigint | null;
}
function rows(): Row[] {
  return fx.project.db
    .prepare(
      `SELECT m.name AS media, f.idx, l.task, l.layer, l.au_mask, l.au_bits, l.expr, l.valence, l.arousal, l.provenance, l.model_id
       FROM labels l JOIN frames f ON f.id = l.frame_id JOIN media m ON m.id = f.media_id ORDER BY m.name, f.idx, l.task, l.layer`,
    )
    .safeIntegers(true)
    .all()
    .map((r) => ({ ...(r as Row), idx: Number((r as Row).idx) }));
}
const short = (r: Row) => [r.media, r.idx, r.task, r.layer, r.provenance, r.model_id === null ? null : Number(r.model_id)];

describe('merged importer', () => {
  it('puts each source in its layer with its provenance; model fills are counted; timestamps and frames as in the file', async () => {
    fx = fixture();
    const model = addModel(fx.project, 'ensemble'); // id 1: accepted:1 keeps it, accepted:9 does not exist
    const f = merged([
      'DS,v1,0,,0.0,s1,train,1,0,,,1,,,,1,Happiness,0.5,-0.25,imported,human,accepted:1',
      'DS,v1,1,,0.04,s1,train,,,,,,,,,,,,,cleared,model:7,',
      'DS,v1,2,,0.08,s1,val,1,1,0,0,0,0,0,0,,Neutral,,,model:7,accepted:9,',
      'DS,v1,3,,0.12,,test,,,,,,,,,,,0.1,0.2,,,imported',
      'DS,imgs,5,"a, ""b"".jpg",,,train,,,,,,,,,,Anger,,,,imported,',
    ]);
    const s = await run(f);
    expect(s).toMatchObject({ rowsRead: 5, framesCreated: 5, media: 2, dataset: 'DS', labels: { au: 1, expr: 1, va: 1 }, skipped: { 'model-fill': 2 } });
    expect(s.warnings.join('\n')).toContain('human layer: 1 corrections, 2 accepted model labels, 1 cleared labels');
    expect(rows().map(short)).toEqual([
      ['imgs', 5, 'expr', 'imported', 'imported', null],
      ['v1', 0, 'au', 'imported', 'imported', null],
      ['v1', 0, 'expr', 'human', 'human', null],
      ['v1', 0, 'va', 'human', 'accepted', model],
      ['v1', 1, 'au', 'human', 'human', null],
      ['v1', 2, 'expr', 'human', 'accepted', null],
      ['v1', 3, 'va', 'imported', 'imported', null],
    ]);
    const r = rows();
    expect([r[1].au_mask, r[1].au_bits]).toEqual([auSet(1, 2, 12, 26), auSet(1, 12, 26)]); // AU4..AU25 empty = unlabelled
    expect([r[2].expr, r[3].valence, r[3].arousal]).toEqual([4n, 0.5, -0.25]);
    expect([r[4].au_mask, r[4].au_bits, r[4].expr, r[4].valence]).toEqual([null, null, null, null]); // cleared
    expect(frames(fx.project).map((x) => [x.media, x.idx, x.path, x.subject, x.split])).toEqual([
      ['imgs', 5, 'a, "b".jpg', null, 'train'],
      ['v1', 0, null, 's1', 'train'],
      ['v1', 1, null, 's1', 'train'],
      ['v1', 2, null, 's1', 'val'],
      ['v1', 3, null, null, 'test'],
    ]);
    const media = fx.project.db.prepare('SELECT name, kind, frame_count AS n, timestamps FROM media ORDER BY name').all() as { name: string; kind: string; n: number; timestamps: Buffer | null }[];
    expect(media.map((m) => [m.name, m.kind, m.n])).toEqual([['imgs', 'images', 1], ['v1', 'sequence', 4]]);
    expect(Array.from(new Float64Array(new Uint8Array(media[1].timestamps!).buffer))).toEqual([0, 0.04, 0.08, 0.12]);
    expect(media[0].timestamps).toBeNull();
    expect(fx.project.db.prepare('SELECT source_format FROM datasets').pluck().get()).toBe('merged');
  });

  it('errors name the file and line; the project is left exactly as before', async () => {
    fx = fixture();
    await run(merged(['DS,v1,0,,,,train,,,,,,,,,,Fear,,,,imported,']));
    const before = dump(fx.project);
    const cases: [string[], RegExp][] = [
      [['DS,v1,0,,,,train,,,,,,,,,,Joy,,,,imported,'], /^bad\.csv line 3: unknown expression Joy/],
      [['DS,v1,0,,,,train,,,,,,,,,,Fear,,,,imported,', 'DS,v1,1,,,,train,,,,,,,,,,Fear,,,,cleared,'], /^bad\.csv line 4: expected no EXPR value where expr_source is cleared/],
      [['DS,v1,0,,,,train,,,,,,,,,,,,,,human,'], /^bad\.csv line 3: expected the EXPR value where expr_source is human/],
      [['DS,v1,0,,,,train,,,,,,,,,,,,,,,', 'DS,v2,0,,,,train,,,,,,,,,,,,,,,', 'DS,v1,0,,,,train,,,,,,,,,,,,,,,'], /^bad\.csv line 5: expected one row per frame \(frame 0 of media "v1" appears again\)/],
      [['DS,v1,0,,,,train,,,,,,,,,,,0.5,,,,imported'], /^bad\.csv line 3: expected valence and arousal both given or both empty/],
      [['DS,v1,0,,,,train,,,,,,,,,,,1.5,0,,,imported'], /^bad\.csv line 3: expected valence in -1\.\.1, got "1\.5"/],
      [['DS,v1,0,,,,train,,,,,,,,,,,,,,nobody,'], /^bad\.csv line 3: unknown label source "nobody"/],
      [['DS,v1,0,,,,holdout,,,,,,,,,,,,,,,'], /^bad\.csv line 3: expected a split train, val, test, got "holdout"/],
      [['DS,v1,0,,,,train,2,,,,,,,,,,,,imported,,'], /^bad\.csv line 3: AU1 must be 0, 1 or empty, not 2/],
      [['DS,v1,0,,,,train,,,,,,,,,,,,,,,', 'DS,v1,"1,,,,train'], /^bad\.csv line \d+: not valid CSV/],
    ];
    for (const [lines, msg] of cases) {
      await expect(run(merged(lines, 'bad.csv'))).rejects.toThrow(msg);
      expect(dump(fx.project)).toBe(before);
    }
    const j = fx.write('bad.jsonl', [
      JSON.stringify({ format: 'affect-workbench merged-labels', version: 1, policy: 'gt', model: null, columns: COLS.split(',') }),
      JSON.stringify({ dataset: 'DS', media: 'v1', frame: 0, split: 'train', expression: 'Fear', expr_source: 'imported' }),
      '{"dataset": "DS", "media": "v1", "frame": 1,',
    ].join('\n'));
    await expect(run(j)).rejects.toThrow(/^bad\.jsonl line 3: not a JSON object/);
    fx.write('other.csv', 'path,expression\na.png,Fear\n');
    await expect(run(fx.path('other.csv'))).rejects.toThrow(/^other\.csv line 1: expected a merged-labels file/);
    expect(dump(fx.project)).toBe(before);
  });

  it('--dataset puts every row in one dataset; existing media (a probed video) keep their file, kind and timestamps', async () => {
    fx = fixture();
    const video = fx.write('videos/v1.mp4', 'frames=3');
    await runImport(fx.project, 'video', [video], { dataset: 'Study' }, undefined, { port: fakePort });
    const tsBefore = fx.project.db.prepare('SELECT timestamps FROM media').pluck().get() as Buffer;
    const f = merged([
      'A,v1,0,,9,,train,,,,,,,,,,Fear,,,,imported,',
      'A,v1,2,,9,,val,,,,,,,,,,Sadness,,,,human,',
      'B,v2,0,,,,train,,,,,,,,,,Anger,,,,imported,',
    ]);
    const s = await run(f, { dataset: 'Study' });
    expect(s).toMatchObject({ dataset: 'Study', framesCreated: 1, media: 2, frames: 4 });
    const media = fx.project.db.prepare(`SELECT name, kind, frame_count AS n, timestamps, path FROM media ORDER BY name`).all() as { name: string; kind: string; n: number; timestamps: Buffer; path: string }[];
    expect(media.map((m) => [m.name, m.kind, m.n])).toEqual([['v1', 'video', 3], ['v2', 'sequence', 1]]);
    expect(media[0].timestamps.equals(tsBefore)).toBe(true);
    expect(media[0].path).toMatch(/v1\.mp4$/);
    expect(frames(fx.project, 'v1').map((x) => x.split)).toEqual(['train', 'train', 'val']);
    expect(rows().map(short)).toEqual([
      ['v1', 0, 'expr', 'imported', 'imported', null],
      ['v1', 2, 'expr', 'human', 'human', null],
      ['v2', 0, 'expr', 'imported', 'imported', null],
    ]);
    // the same media name from two source datasets cannot share one target dataset
    const clash = merged(['A,v1,0,,,,train,,,,,,,,,,,,,,,', 'B,v1,1,,,,train,,,,,,,,,,,,,,,'], 'clash.csv');
    await expect(run(clash, { dataset: 'Study' })).rejects.toThrow(/^clash\.csv line 4: expected media "v1" from one dataset only/);
  });
});

describe('csv importer and a merged export', () => {
  it('skips the `#` format line; a # inside a field is data', async () => {
    fx = fixture();
    fs.mkdirSync(fx.path('data'), { recursive: true });
    for (const name of ['a.png', 'b#1.png']) {
      await sharp({ create: { width: 40, height: 40, channels: 3, background: { r: 200, g: 40, b: 40 } } }).png().toFile(fx.path('data', name));
    }
    fx.write('data/faces.csv', [HEAD, 'dataset,media,frame,file,subject,split,expression,au_source', 'X,faces,0,a.png,s#2,val,Fear,', 'X,faces,1,b#1.png,,train,Anger,'].join('\n'));
    const s = await runImport(fx.project, 'csv', [fx.path('data/faces.csv')]);
    expect(s).toMatchObject({ rowsRead: 2, labels: { expr: 2 } });
    expect(frames(fx.project).map((x) => [x.idx, x.path, x.subject, x.split])).toEqual([
      [0, 'a.png', 's#2', 'val'],
      [1, 'b#1.png', null, 'train'],
    ]);
  });
});
