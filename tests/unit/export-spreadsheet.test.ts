// A merged CSV a spreadsheet opens (issue 16 item 11): the first line is the header row, so
// pandas.read_csv, Excel and R's read.csv see the columns; the provenance the old comment line held
// is in the sidecar `<file>.json`; the comment line comes back with commentHeader / --comment-header;
// the reader (and so the merged importer) reads both forms alike.
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportOptions } from '../../src/cli/commands/export';
import { runExport, sidecarPath } from '../../src/node/export';
import { readMergedCsv, sniffMergedFormat, type MergedHeader, type MergedRecord } from '../../src/node/export/read-merged';
import { Project } from '../../src/node/store/project';
import { addDataset, addMedia, putAu, putExpr, putVa } from './export-fixture';
import { tempDir } from './helpers';

const COLUMNS = [
  'dataset', 'media', 'frame', 'file', 'timestamp', 'subject', 'split',
  'AU1', 'AU2', 'AU4', 'AU6', 'AU12', 'AU15', 'AU20', 'AU25',
  'expression', 'valence', 'arousal', 'au_source', 'expr_source', 'va_source',
];
let tmp: { dir: string; cleanup: () => void };
let project: Project;

beforeAll(() => {
  tmp = tempDir('aw-export-sheet-');
  project = Project.create(path.join(tmp.dir, 'proj'));
  const ids = addMedia(project, addDataset(project, '#1, "quoted"'), 'clip', 4, { subject: 's1' });
  putExpr(project, ids[0], 4);
  putExpr(project, ids[1], 2, { layer: 'human' });
  putVa(project, ids[2], [0.25, -0.5]);
  putAu(project, ids[3], { 1: 1, 12: 0 });
});
afterAll(() => {
  project.close();
  tmp.cleanup();
});

async function read(file: string): Promise<{ header: MergedHeader | null; records: MergedRecord[] }> {
  let header: MergedHeader | null = null;
  const records: MergedRecord[] = [];
  for await (const r of readMergedCsv(file, (h) => (header = h))) records.push(r);
  return { header, records };
}

describe('merged CSV, default: header row first, provenance in the sidecar', () => {
  it('starts with the header row; a pandas-style read (columns from the first line) gives the columns and rows', async () => {
    const out = path.join(tmp.dir, 'labels.csv');
    const s = await runExport(project, 'csv', out, { model: 'none' });
    expect(s.files).toEqual([out, `${out}.json`]);
    const text = fs.readFileSync(out, 'utf8');
    expect(text.split('\n')[0]).toBe(COLUMNS.join(','));
    // csv-parse with columns: true and no comment handling: what pandas.read_csv / read.csv do
    const rows = parse(text, { columns: true }) as Record<string, string>[];
    expect(Object.keys(rows[0])).toEqual(COLUMNS);
    expect(rows).toHaveLength(4);
    expect(rows.map((r) => [r.dataset, r.media, r.frame, r.subject])).toEqual([0, 1, 2, 3].map((i) => ['#1, "quoted"', 'clip', String(i), 's1']));
    expect([rows[0].expression, rows[0].expr_source]).toEqual(['Happiness', 'imported']);
    expect([rows[1].expression, rows[1].expr_source]).toEqual(['Disgust', 'human']);
    expect([rows[2].valence, rows[2].arousal, rows[2].va_source]).toEqual(['0.25', '-0.5', 'imported']);
    expect([rows[3].AU1, rows[3].AU12, rows[3].AU2, rows[3].au_source]).toEqual(['1', '0', '', 'imported']);
  });

  it('writes the provenance to <file>.json: format, version, policy, model, columns, rows, filters', async () => {
    const out = path.join(tmp.dir, 'val.csv');
    await runExport(project, 'csv', out, { model: 'none', policy: 'gt+human', splits: ['train'], labelledOnly: true });
    expect(sidecarPath(out)).toBe(`${out}.json`);
    const meta = JSON.parse(fs.readFileSync(`${out}.json`, 'utf8')) as Record<string, unknown>;
    expect(meta).toMatchObject({
      format: 'affect-workbench merged-labels',
      version: 1,
      file: 'val.csv',
      policy: 'gt+human',
      model: null,
      columns: COLUMNS,
      rows: 4,
      commentHeader: false,
      filters: { datasets: null, splits: ['train'], sources: null, labelledOnly: true },
    });
    expect(Number.isNaN(Date.parse(meta.exportedAt as string))).toBe(false);
    // no temporaries left beside them
    expect(fs.readdirSync(tmp.dir).filter((f) => f.endsWith('.aw-tmp'))).toEqual([]);
  });

  it('commentHeader (--comment-header) restores the comment line before the header row; the sidecar is written too', async () => {
    expect(exportOptions({ commentHeader: true }).commentHeader).toBe(true);
    expect(exportOptions({}).commentHeader).toBeUndefined();
    const out = path.join(tmp.dir, 'commented.csv');
    await runExport(project, 'csv', out, { model: 'none', commentHeader: true });
    const lines = fs.readFileSync(out, 'utf8').split('\n');
    expect(lines[0]).toBe('# affect-workbench merged-labels v1 policy=gt+human model=none');
    expect(lines[1]).toBe(COLUMNS.join(','));
    expect(JSON.parse(fs.readFileSync(`${out}.json`, 'utf8'))).toMatchObject({ commentHeader: true, policy: 'gt+human' });
    const rows = parse(lines.join('\n'), { columns: true, comment: '#', comment_no_infix: true }) as Record<string, string>[];
    expect(rows).toHaveLength(4);
  });

  it('a replaced export replaces its sidecar; a refused one leaves both as they were', async () => {
    const out = path.join(tmp.dir, 'again.csv');
    await runExport(project, 'csv', out, { model: 'none', policy: 'gt' });
    expect(JSON.parse(fs.readFileSync(`${out}.json`, 'utf8'))).toMatchObject({ policy: 'gt' });
    await expect(runExport(project, 'csv', out, { model: 'none', policy: 'gt+human' })).rejects.toThrow(/already exists/);
    expect(JSON.parse(fs.readFileSync(`${out}.json`, 'utf8'))).toMatchObject({ policy: 'gt' });
    await runExport(project, 'csv', out, { model: 'none', policy: 'gt+human', overwrite: true });
    expect(JSON.parse(fs.readFileSync(`${out}.json`, 'utf8'))).toMatchObject({ policy: 'gt+human' });
    // a sidecar left without its CSV does not block a new export
    fs.rmSync(out);
    await runExport(project, 'csv', out, { model: 'none', policy: 'gt' });
    expect(JSON.parse(fs.readFileSync(`${out}.json`, 'utf8'))).toMatchObject({ policy: 'gt' });
  });
});

describe('reading both forms back (the merged importer reads through readMergedCsv)', () => {
  it('gives the same records and provenance for a header-first CSV (sidecar) and a commented one', async () => {
    const a = path.join(tmp.dir, 'read-a.csv');
    const b = path.join(tmp.dir, 'read-b.csv');
    await runExport(project, 'csv', a, { model: 'none', policy: 'gt+human' });
    await runExport(project, 'csv', b, { model: 'none', policy: 'gt+human', commentHeader: true });
    expect(sniffMergedFormat(a)).toBe('csv');
    expect(sniffMergedFormat(b)).toBe('csv');
    const ra = await read(a);
    const rb = await read(b);
    expect(ra.records).toEqual(rb.records);
    expect(ra.records).toHaveLength(4);
    expect(ra.header).toEqual({ version: 1, policy: 'gt+human', model: null, columns: COLUMNS, layout: 'none', groundTruth: false });
    expect(rb.header).toEqual(ra.header);
    // a header-first CSV without a sidecar (hand-made, or moved without it): policy unknown
    fs.rmSync(`${a}.json`);
    const rc = await read(a);
    expect(rc.records).toEqual(ra.records);
    expect(rc.header).toEqual({ version: 1, policy: '', model: null, columns: COLUMNS, layout: 'none', groundTruth: false });
    // with a UTF-8 BOM and CRLF line ends (a spreadsheet saved it)
    const bom = path.join(tmp.dir, 'bom.csv');
    fs.writeFileSync(bom, `\uFEFF${fs.readFileSync(a, 'utf8').replace(/\n/g, '\r\n')}`);
    expect(sniffMergedFormat(bom)).toBe('csv');
    expect((await read(bom)).records).toEqual(ra.records);
  });

  it('refuses a sidecar of a newer version or not ours, and a first line that is no merged header', async () => {
    const out = path.join(tmp.dir, 'side.csv');
    await runExport(project, 'csv', out, { model: 'none' });
    fs.writeFileSync(`${out}.json`, JSON.stringify({ format: 'affect-workbench merged-labels', version: 2, policy: 'gt', model: null }));
    await expect(read(out)).rejects.toThrow(/v2; this workbench reads up to v1/);
    fs.writeFileSync(`${out}.json`, '{"something": "else"}');
    await expect(read(out)).rejects.toThrow(/side\.csv\.json line 1: expected the sidecar/);
    fs.writeFileSync(`${out}.json`, 'not json');
    await expect(read(out)).rejects.toThrow(/side\.csv\.json line 1: not JSON/);
    const other = path.join(tmp.dir, 'other.csv');
    fs.writeFileSync(other, 'a,b,c\n1,2,3\n');
    expect(() => sniffMergedFormat(other)).toThrow(/first line is its header row/);
  });
});
