// The `export` verb: arguments reach runExport, the summary is printed, errors are clear.
import fs from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { registerExportCommand } from '../../src/cli/commands/export';
import { Project } from '../../src/node/store/project';
import { addDataset, addMedia, addModel, putExpr, putSoft, softRecord } from './export-fixture';
import { tempDir } from './helpers';

const cleanups: (() => void)[] = [];
afterEach(() => {
  vi.restoreAllMocks();
  for (const c of cleanups.splice(0)) c();
});

async function cli(args: string[]): Promise<string> {
  const program = new Command('affect-workbench').exitOverride();
  registerExportCommand(program);
  let out = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => ((out += String(s)), true));
  await program.parseAsync(['node', 'affect-workbench', ...args]);
  vi.restoreAllMocks();
  return out;
}

function project(): { dir: string; proj: string } {
  const t = tempDir('aw-export-cli-');
  const proj = path.join(t.dir, 'proj');
  const p = Project.create(proj);
  const a = addMedia(p, addDataset(p, 'A'), 'v', 3);
  const b = addMedia(p, addDataset(p, 'B'), 'w', 2, { split: 'val' });
  putExpr(p, a[0], 2);
  putExpr(p, b[1], 5, { layer: 'human' });
  const ens = addModel(p, 'ensemble');
  putSoft(p, ens, a[1], softRecord([0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9], 3, 0, 19));
  p.close();
  cleanups.push(t.cleanup);
  return { dir: t.dir, proj };
}

describe('affect-workbench export', () => {
  it('exports a CSV with the default policy and prints a summary', async () => {
    const { dir, proj } = project();
    const out = path.join(dir, 'labels ü.csv');
    const text = await cli(['export', 'csv', proj, out]);
    expect(text).toMatch(/^Exported 5 frames to .*labels ü\.csv \(csv, policy gt\+human\+model, model #1\)/);
    const lines = fs.readFileSync(out, 'utf8').trimEnd().split('\n');
    expect(lines[0]).toMatch(/^dataset,media,frame,file,timestamp,subject,split,AU1,/);
    expect(lines.length).toBe(1 + 5);
    expect(JSON.parse(fs.readFileSync(`${out}.json`, 'utf8'))).toMatchObject({ format: 'affect-workbench merged-labels', version: 1, policy: 'gt+human+model', model: 1, rows: 5 });
    expect(lines[2]).toBe('A,v,1,,0.04,,train,1,1,1,1,1,1,1,1,Fear,-0.95,0.95,model:1,model:1,model:1');
  });

  it('passes policy, filters and --json through; refuses to overwrite without --force', async () => {
    const { dir, proj } = project();
    const out = path.join(dir, 'x.jsonl');
    const json = JSON.parse(await cli(['export', 'jsonl', proj, out, '--policy', 'gt+human', '--split', 'val', '--source', 'human,imported', '--json']));
    expect(json).toMatchObject({ format: 'jsonl', rows: 1, policy: 'gt+human', modelId: null, warnings: [] });
    const obj = JSON.parse(fs.readFileSync(out, 'utf8').trimEnd().split('\n')[1]);
    expect(obj).toMatchObject({ dataset: 'B', media: 'w', frame: 1, expression: 'Sadness', expr_source: 'human' });
    await expect(cli(['export', 'jsonl', proj, out])).rejects.toThrow(/already exists/);
    const again = JSON.parse(await cli(['export', 'jsonl', proj, out, '--force', '--dataset', 'A', '--model', 'none', '--labelled-only', '--json']));
    expect(again.rows).toBe(1);
    await expect(cli(['export', 'xml', proj, out])).rejects.toThrow(/Allowed choices are csv, affwild2, jsonl/);
    await expect(cli(['export', 'csv', proj, out, '--split', 'dev'])).rejects.toThrow(/Unknown split "dev"/);
  });
});

describe('ExportRequest (the UI request schema)', () => {
  it('accepts what the CLI accepts and rejects unknown fields and values', async () => {
    const { ExportRequest } = await import('../../src/node/export');
    expect(ExportRequest.parse({ format: 'csv', out: '/tmp/x.csv' })).toEqual({ format: 'csv', out: '/tmp/x.csv', options: {} });
    expect(ExportRequest.parse({ format: 'affwild2', out: 'o', options: { model: 3, splits: ['val'], sources: ['model'] } }).options.model).toBe(3);
    expect(ExportRequest.safeParse({ format: 'xml', out: 'o' }).success).toBe(false);
    expect(ExportRequest.safeParse({ format: 'csv', out: 'o', options: { splits: ['dev'] } }).success).toBe(false);
    expect(ExportRequest.safeParse({ format: 'csv', out: 'o', options: { colour: true } }).success).toBe(false);
  });
});
