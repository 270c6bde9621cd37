// Strict input (src/node/importers/cells.ts and every importer): decimal numbers only, digit-only
// frame indices with a ceiling, cells and lines with a length limit, no NUL, image names that stay
// inside their folder; every error names the file and the line (or JSON key). Real files, real imports.
import fs from 'node:fs';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_CELL_CHARS, MAX_FRAME_INDEX, MAX_LINE_CHARS, parseDecimal, parseIndex, trimCell } from '../../src/node/importers/cells';
import { runImport } from '../../src/node/importers/index';
import { lineChunks } from '../../src/node/importers/lines';
import { loadManifest } from '../../src/node/importers/split';
import { dump, fakePort, fixture, labels, type Fixture } from './import-helpers';

let fx: Fixture;
afterEach(() => fx?.cleanup());

/** The loose spellings Number() takes for a number, and what it makes of them. */
const LOOSE = ['0x1', '-0x2', '0b1', '0o7', '1_0', 'Infinity', '-Infinity', 'NaN', '', ' ', '1e400', '-1e400', '.5', '1.', '1e', '+', '\u00a01', '1\n', '١'];

describe('parseDecimal, parseIndex, trimCell', () => {
  it('accepts decimal numbers only', () => {
    const ok: [string, number][] = [['0', 0], ['1', 1], ['-1', -1], ['+0.5', 0.5], ['-0.25', -0.25], ['007', 7], ['1e-3', 0.001], ['2.5E+1', 25], ['1e-400', 0]];
    for (const [s, v] of ok) expect(parseDecimal(s), s).toBe(v);
    for (const s of [...LOOSE, ' 1 ', '1 ', '\t1']) expect(parseDecimal(s), JSON.stringify(s)).toBeNull();
    expect(parseDecimal('1'.repeat(MAX_CELL_CHARS + 1))).toBeNull();
  });

  it('indices are digits up to a ceiling; cells lose spaces and tabs around them, nothing else', () => {
    expect(parseIndex('00017')).toBe(17);
    expect(parseIndex(String(MAX_FRAME_INDEX))).toBe(MAX_FRAME_INDEX);
    for (const s of [String(MAX_FRAME_INDEX + 1), '-1', '1.0', '1e3', '0x1', '', '9'.repeat(400)]) expect(parseIndex(s), s).toBeNull();
    expect(parseIndex('5', 5)).toBe(5);
    expect(parseIndex('6', 5)).toBeNull();
    expect(trimCell(' \t1 \t')).toBe('1');
    expect(trimCell('\u00a01')).toBe('\u00a01');
    expect(trimCell('a b')).toBe('a b');
  });
});

describe('lineChunks: no NUL, no endless line', () => {
  it('a NUL byte fails with the file and its line', () => {
    fx = fixture();
    const f = fx.write('x.txt', 'head\nok\nbad\u0000here\nlast\n');
    for (const chunk of [1 << 20, 3]) {
      expect(() => [...lineChunks(f, { shown: 'x.txt', chunkBytes: chunk })], `chunk ${chunk}`).toThrow('x.txt line 3: expected text without NUL bytes, got "bad\\u0000here"');
    }
    const g = fx.write('y.txt', 'a\nno newline at the end \u0000');
    expect(() => [...lineChunks(g, { shown: 'y.txt' })]).toThrow(/^y\.txt line 2: expected text without NUL bytes/);
  });

  it('a line longer than MAX_LINE_CHARS fails with the file and its line, without reading it whole', () => {
    fx = fixture();
    const f = fx.write('long.txt', `a\nb\n${'x'.repeat(MAX_LINE_CHARS + 1)}\nc\n`);
    expect(() => [...lineChunks(f, { shown: 'long.txt' })]).toThrow(/^long\.txt line 3: expected a line of at most 1,048,576 characters \(this one has 1,048,577\)/);
    const g = fx.write('huge.txt', `a\n${'y'.repeat(MAX_LINE_CHARS * 5)}`);
    expect(() => [...lineChunks(g, { shown: 'huge.txt' })]).toThrow(/^huge\.txt line 2: expected a line of at most 1,048,576 characters \(this one is longer\)/);
    const ok = fx.write('ok.txt', `${'z'.repeat(MAX_LINE_CHARS)}\n`);
    expect([...lineChunks(ok, 1 << 16)].flatMap((c) => c.lines)).toEqual(['z'.repeat(MAX_LINE_CHARS)]);
  });
});

describe('csv importer', () => {
  const HEADER = 'path,subject,split,expression,valence,arousal';
  async function setup(rows: string[]): Promise<string> {
    fx = fixture();
    fs.mkdirSync(fx.path('data/img'), { recursive: true });
    await sharp({ create: { width: 40, height: 40, channels: 3, background: { r: 200, g: 30, b: 40 } } }).png().toFile(fx.path('data/img/a.png'));
    return fx.write('data/faces.csv', [HEADER, ...rows].join('\n') + '\n');
  }
  const run = (file: string) => runImport(fx.project, 'csv', [file], {});

  for (const s of ['0x1', '-0x2', '0b1', '1_0', 'Infinity', '1e400', '\u00a01']) {
    it(`refuses arousal ${JSON.stringify(s)}, naming the file, line and column`, async () => {
      const file = await setup([`img/a.png,s2,train,,0.5,"${s}"`]);
      await expect(run(file)).rejects.toThrow(`faces.csv line 2: expected arousal as a decimal number in -1..1, got ${JSON.stringify(s)}`);
      expect(labels(fx.project)).toEqual([]);
    });
  }

  it('takes decimal numbers, with spaces or tabs around a cell (the CSV rule)', async () => {
    const file = await setup(['img/a.png,s1,train,,-0.5, 1e-1 ']);
    await run(file);
    expect(labels(fx.project).map((l) => [l.valence, l.arousal])).toEqual([[-0.5, 0.1]]);
  });

  it('refuses a cell over MAX_CELL_CHARS, a 10 MB line and a NUL, and stores nothing', async () => {
    const long = 's'.repeat(MAX_CELL_CHARS + 1);
    let file = await setup([`img/a.png,${long},train,,,`]);
    await expect(run(file)).rejects.toThrow(/^faces\.csv line 2: expected a subject cell of at most 4,096 characters \(this one has 4,097\), got "s+…"$/);
    const before = dump(fx.project);
    fx.write('data/faces.csv', `${HEADER}\nimg/a.png,${'x'.repeat(10 << 20)},train,,,\n`);
    await expect(run(file)).rejects.toThrow(/^faces\.csv line 2: expected a line of at most 1,048,576 characters/);
    file = fx.write('data/faces.csv', `${HEADER}\nimg/a.png,s\u00001,train,,,\n`);
    await expect(run(file)).rejects.toThrow('faces.csv line 2: expected a subject cell without NUL characters, got "s\\u00001"');
    expect(dump(fx.project)).toBe(before);
    expect(fx.project.db.prepare('SELECT COUNT(*) FROM frames').pluck().get()).toBe(0);
  });
});

describe('expw importer', () => {
  const SAMPLE = 'node_modules/@vladmandic/face-api/demo/sample1.jpg';
  function setup(list: string): void {
    fx = fixture();
    fx.write('ExpW/label/label.lst', list);
    fs.mkdirSync(fx.path('ExpW/image/origin'), { recursive: true });
    fs.copyFileSync(SAMPLE, fx.path('ExpW/image/origin/a.jpg'));
  }
  const run = () => runImport(fx.project, 'expw', [fx.path('ExpW/label/label.lst')], {});

  it('refuses an image name that leaves the image folder, naming label.lst and the line', async () => {
    for (const bad of ['../../etc/passwd', '../origin/a.jpg', '/etc/passwd', 'sub/../../a.jpg', 'C:\\Windows\\win.ini', '..\\..\\x.jpg']) {
      setup(`a.jpg 0 100 200 400 500 80.5 3\n${bad} 0 1 2 30 40 80.5 1\n`);
      fx.write('ExpW/etc/passwd', 'root:x:0:0:root:/root:/bin/sh\n'); // there is a file where the name leads
      await expect(run(), bad).rejects.toThrow(`label/label.lst line 2: expected an image name inside the image folder (a relative path without ".."), got ${JSON.stringify(bad)}`);
      fx.cleanup();
    }
    fx = fixture(); // for afterEach
  });

  it('an image that cannot be read names label.lst and the line', async () => {
    setup('a.jpg 0 100 200 400 500 80.5 3\nbad.jpg 0 1 2 30 40 80.5 1\n');
    fx.write('ExpW/image/origin/bad.jpg', 'not an image');
    await expect(run()).rejects.toThrow(/^label\/label\.lst line 2: cannot read the image bad\.jpg/);
  });

  it('refuses a confidence written in hex', async () => {
    setup('a.jpg 0 100 200 400 500 0x50 3\n');
    await expect(run()).rejects.toThrow(/^label\/label\.lst line 1: expected 8 space-separated fields/);
  });
});

describe('affwild2 importer', () => {
  function setup(va: string, au = '1,0,0,0,1,0,0,1\n0,0,0,0,0,0,0,0\n'): void {
    fx = fixture();
    fx.write('ann/VA_Set/Train_Set/v1.txt', `valence,arousal\n${va}`);
    fx.write('ann/AU_Set/Train_Set/v1.txt', `AU1,AU2,AU4,AU6,AU12,AU15,AU20,AU25\n${au}`);
    fx.write('videos/v1.mp4', 'frames=2');
  }
  const run = () => runImport(fx.project, 'affwild2', [fx.path('ann')], { videos: fx.path('videos') }, undefined, { port: fakePort });

  for (const s of ['0x1', 'Infinity', '1e400', '0b1', '1_0']) {
    it(`refuses valence ${s} and an AU value ${s}, naming the file and line`, async () => {
      setup(`0.5,0.5\n${s},0.5\n`);
      await expect(run()).rejects.toThrow(new RegExp(`VA_Set/Train_Set/v1\\.txt line 3: expected two comma-separated numbers in -1\\.\\.1 \\(or -5,-5 for no label\\), got "${s}`));
      setup('0.5,0.5\n0.5,0.5\n', `1,0,0,0,1,0,0,1\n${s},0,0,0,0,0,0,0\n`);
      await expect(run()).rejects.toThrow(new RegExp(`AU_Set/Train_Set/v1\\.txt line 3: expected 8 comma-separated values, each 0, 1 or -1 \\(no label\\), got "${s}`));
    });
  }

  it('still takes "1.0"-style values and spaces around cells', async () => {
    setup(' 0.5 ,-1e-1\n-5,-5\n', '1.0,0,0,0,1,0,0,1\n 0 ,0,0,0,0,0,0,0\n');
    await run();
    expect(labels(fx.project, 'va').map((l) => [l.valence, l.arousal])).toEqual([[0.5, -0.1]]);
    expect(labels(fx.project, 'au').length).toBe(2);
  });
});

describe('disfa and afewva importers', () => {
  it('DISFA: a frame number beyond the ceiling names the file and line', async () => {
    fx = fixture();
    fx.write('ActionUnit_Labels/SN001/SN001_au1.txt', '1,0\n1000000000000000,3\n');
    await expect(runImport(fx.project, 'disfa', [fx.path('ActionUnit_Labels')], {})).rejects.toThrow(
      'ActionUnit_Labels/SN001/SN001_au1.txt line 2: expected a frame number up to 10,000,000, got "1000000000000000"',
    );
  });

  it('AFEW-VA: a frame key beyond the ceiling names the file and key', async () => {
    fx = fixture();
    fx.write('afew/001/001.json', JSON.stringify({ frames: { '00000': { valence: 1, arousal: 1 }, [String(MAX_FRAME_INDEX + 1)]: { valence: 1, arousal: 1 } } }));
    await expect(runImport(fx.project, 'afewva', [fx.path('afew')], {})).rejects.toThrow(`001/001.json frames["${MAX_FRAME_INDEX + 1}"]: expected a frame number up to 10,000,000`);
  });
});

describe('merged-labels importer (CSV and JSON Lines)', () => {
  const HEAD = '# affect-workbench merged-labels v1 policy=gt+human+model model=7';
  const COLS = 'dataset,media,frame,file,timestamp,subject,split,AU1,AU2,AU4,AU6,AU12,AU15,AU20,AU25,AU26,expression,valence,arousal,au_source,expr_source,va_source';
  const META = JSON.stringify({ format: 'affect-workbench merged-labels', version: 1, policy: 'gt', model: null, columns: COLS.split(',') });
  const run = (file: string) => runImport(fx.project, 'merged', [file], {});
  const csv = (row: string) => fx.write('m.csv', [HEAD, COLS, 'DS,v1,0,,,,train,,,,,,,,,,,0.5,0.5,,,imported', row].join('\n') + '\n');
  const jsonl = (row: object | string) =>
    fx.write('m.jsonl', [META, JSON.stringify({ dataset: 'DS', media: 'v1', frame: 0, split: 'train', valence: 0.5, arousal: 0.5, va_source: 'imported' }), typeof row === 'string' ? row : JSON.stringify(row)].join('\n') + '\n');

  it('CSV: refuses loose numbers, loose frame indices, long cells and NUL, naming the file and line', async () => {
    fx = fixture();
    const cases: [string, RegExp | string][] = [
      ['DS,v1,1,,,,train,,,,,,,,,,,0x1,0.5,,,imported', 'm.csv line 4: valence is not a decimal number: "0x1"'],
      ['DS,v1,1,,,,train,,,,,,,,,,,0.5,Infinity,,,imported', 'm.csv line 4: arousal is not a decimal number: "Infinity"'],
      ['DS,v1,1,,0x10,,train,,,,,,,,,,,,,,,', 'm.csv line 4: timestamp is not a decimal number: "0x10"'],
      ['DS,v1,1e3,,,,train,,,,,,,,,,,,,,,', 'm.csv line 4: frame must be an index >= 0, not "1e3"'],
      [`DS,v1,1,,,${'s'.repeat(MAX_CELL_CHARS + 1)},train,,,,,,,,,,,,,,,`, /^m\.csv line 4: expected a subject cell of at most 4,096 characters/],
      ['DS,v1,1,,,s\u00001,train,,,,,,,,,,,,,,,', 'm.csv line 4: expected a subject cell without NUL characters, got "s\\u00001"'],
    ];
    for (const [row, msg] of cases) await expect(run(csv(row)), row.slice(0, 40)).rejects.toThrow(msg);
    expect(fx.project.db.prepare('SELECT COUNT(*) FROM frames').pluck().get()).toBe(0);
  });

  it('JSON Lines: refuses numbers in strings that are not decimal, non-scalar cells and NUL, naming the line and key', async () => {
    fx = fixture();
    const base = { dataset: 'DS', media: 'v1', frame: 1, split: 'train' };
    const cases: [object | string, RegExp | string][] = [
      [{ ...base, valence: '0x1', arousal: 0.5, va_source: 'imported' }, 'm.jsonl line 3: valence is not a decimal number: "0x1"'],
      [{ ...base, frame: '1e3' }, 'm.jsonl line 3: frame must be an index >= 0, not "1e3"'],
      [{ ...base, frame: 1.5 }, 'm.jsonl line 3: frame must be an index >= 0, not "1.5"'],
      ['{"dataset": "DS", "media": "v1", "frame": 1, "split": "train", "valence": 1e400, "arousal": 0, "va_source": "imported"}', 'm.jsonl line 3: valence is not a finite number'],
      [{ ...base, subject: { name: 'x' } }, 'm.jsonl line 3: subject must be a string, a number or empty, not {"name":"x"}'],
      [{ ...base, subject: 's\u00001' }, 'm.jsonl line 3 key "subject": expected a subject cell without NUL characters, got "s\\u00001"'],
      [{ ...base, media: 'm'.repeat(MAX_CELL_CHARS + 1) }, /^m\.jsonl line 3 key "media": expected a media cell of at most 4,096 characters/],
    ];
    for (const [row, msg] of cases) await expect(run(jsonl(row)), JSON.stringify(row).slice(0, 60)).rejects.toThrow(msg);
    const f = fx.write('n.jsonl', `${META.replace('"model":null', '"model":"0x1"')}\n`);
    await expect(run(f)).rejects.toThrow('n.jsonl line 1: model must be a model id or null, not "0x1"');
    const g = fx.write('n.csv', `${HEAD.replace('model=7', 'model=0x7')}\n${COLS}\n`);
    await expect(run(g)).rejects.toThrow('n.csv line 1: model must be a model id or none, not 0x7');
    expect(fx.project.db.prepare('SELECT COUNT(*) FROM frames').pluck().get()).toBe(0);
  });
});

describe('split manifests', () => {
  it('refuse a name with a NUL or over MAX_CELL_CHARS, naming the manifest and line or key', () => {
    fx = fixture();
    expect(() => loadManifest(fx.write('s.csv', 'v1,train\nv\u00002,val\n'))).toThrow('s.csv line 2: expected a name without NUL characters, got "v\\u00002"');
    expect(() => loadManifest(fx.write('s.json', JSON.stringify({ ['n'.repeat(MAX_CELL_CHARS + 1)]: 'train' })))).toThrow(/^s\.json key "n+": expected a name of at most 4,096 characters/);
  });
});
