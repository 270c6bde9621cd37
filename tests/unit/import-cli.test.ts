import { Command } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseDownsample, registerImportCommand, toImportOptions } from '../../src/cli/commands/import';
import { Project } from '../../src/node/store/project';
import { fixture, frames, type Fixture } from './import-helpers';
import { makeFrameCodedVideo } from '../../src/node/demo/framecode';

let fx: Fixture;
afterEach(() => {
  fx?.cleanup();
  vi.restoreAllMocks();
});

/** Runs `affect-workbench import …` in-process; returns what it printed. */
async function cli(args: string[]): Promise<string> {
  const program = new Command('affect-workbench').exitOverride();
  registerImportCommand(program);
  let out = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => {
    out += String(s);
    return true;
  });
  try {
    await program.parseAsync(['node', 'affect-workbench', 'import', ...args]);
  } finally {
    vi.restoreAllMocks();
  }
  return out;
}

describe('import command', () => {
  it('imports Aff-Wild2 labels and prints the summary (text and JSON)', async () => {
    fx = fixture();
    fx.write('ann/EXPR_Set/Train_Set/v1.txt', 'Neutral,Anger,Disgust,Fear,Happiness,Sadness,Surprise\n1\n-1\n2\n');
    fx.project.close();
    const text = await cli(['affwild2', fx.path('project'), fx.path('ann'), '--dataset', 'AW2', '--downsample', 'expr=4']);
    expect(text).toContain('Imported affwild2 into dataset "AW2"');
    expect(text).toMatch(/labels\s+AU 0 {2}EXPR 2 {2}VA 0/);
    const json = JSON.parse(await cli(['affwild2', fx.path('project'), fx.path('ann'), '--dataset', 'AW2', '--json']));
    expect(json).toMatchObject({ dataset: 'AW2', rowsRead: 3, framesCreated: 0, labels: { expr: 2 } });
    const p = Project.open(fx.path('project'));
    expect(JSON.parse(p.db.prepare('SELECT settings FROM datasets').pluck().get() as string).downsample).toEqual({ au: 1, expr: 4, va: 5 });
    p.close();
    fx.project = Project.open(fx.path('project'));
  });

  it('bad input surfaces as an error naming file and line; unknown formats and options are refused', async () => {
    fx = fixture();
    fx.write('ann/EXPR_Set/Train_Set/v1.txt', 'Neutral,Anger,Disgust,Fear,Happiness,Sadness,Surprise\n1\n9\n');
    await expect(cli(['affwild2', fx.path('project'), fx.path('ann')])).rejects.toThrow('EXPR_Set/Train_Set/v1.txt line 3: expected one integer in -1..6, got "9"');
    await expect(cli(['fer', fx.path('project'), fx.path('ann')])).rejects.toThrow('Unknown import format "fer"');
    await expect(cli(['affwild2', fx.path('project'), fx.path('ann'), '--split', 'dev'])).rejects.toThrow('Invalid import options: split');
    expect(() => parseDownsample('expr=0')).toThrow('--downsample');
    expect(toImportOptions({ auThreshold: '3', skipMissing: true })).toEqual({ auThreshold: 3, skipMissing: true });
  });

  it('`import video` registers real videos through the wired media pipeline (per-frame timestamps, proxy for HEVC)', async () => {
    fx = fixture();
    await makeFrameCodedVideo(fx.path('vids/a.mp4'), { frames: 4, codec: 'h264', width: 64, height: 48 });
    await makeFrameCodedVideo(fx.path('vids/b.mp4'), { frames: 2, codec: 'hevc', width: 64, height: 48 });
    fx.write('vids/readme.txt', 'x');
    const out = await cli(['video', fx.path('project'), fx.path('vids'), '--split', 'test', '--faces', 'none']);
    expect(out).toContain('frames         6');
    expect(out).toContain('made 1 playable proxies');
    fx.project.close();
    fx.project = Project.open(fx.path('project'));
    expect(frames(fx.project).map((f) => `${f.media}:${f.idx}`)).toEqual(['a:0', 'a:1', 'a:2', 'a:3', 'b:0', 'b:1']);
    const media = fx.project.db.prepare('SELECT name, proxy_path AS proxy, fps_rational AS fps FROM media ORDER BY name').all() as { name: string; proxy: string | null; fps: string }[];
    expect(media.map((m) => [m.name, m.proxy !== null, m.fps])).toEqual([
      ['a', false, '24000/1001'],
      ['b', true, '24000/1001'],
    ]);
  });
});
