// `train teacher` without --backbone trains the pretrained face backbone; a backbone from random
// weights is trained when named, after the CLI prints its time estimate (no prompt: headless
// servers run the CLI too). Real runs in worker processes on a tiny project, one step each.
import path from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { fromScratchEstimate, registerEngineCommands } from '../../src/cli/commands/engine';
import { getModel } from '../../src/node/store/models';
import { Project } from '../../src/node/store/project';
import { buildEngineFixture } from './engine-fixture';
import { tempDir } from './helpers';

const tmp = tempDir('aw-train-cli-');
const dir = path.join(tmp.dir, 'proj');

beforeAll(async () => {
  (await buildEngineFixture(dir, { videos: 3, frames: 12 })).close();
}, 60_000);
afterAll(() => tmp.cleanup());

async function cli(args: string[]): Promise<{ out: string; err: string }> {
  const program = new Command('affect-workbench').exitOverride();
  registerEngineCommands(program);
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => ((out += String(s)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => ((err += String(s)), true));
  try {
    await program.parseAsync(['node', 'affect-workbench', ...args]);
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
  return { out, err };
}

const backboneOf = (id: number) => {
  const p = Project.open(dir);
  try {
    return getModel(p.db, id)?.backbone;
  } finally {
    p.close();
  }
};

describe('affect-workbench train teacher: the backbone', () => {
  it('prints the estimate before training a backbone from random weights, then trains it', async () => {
    // The fixture: 2 train videos × 12 frames, one task each; 1 val video of 12 frames with all
    // three tasks. project.info counts labels over all splits (60) and frames per split (24 of 36
    // train): the estimate's 60 × 24/36 = 40 frames per epoch (the true 24 is what an estimate from
    // those counts cannot see: the val frames carry more labels than the train frames).
    expect(fromScratchEstimate(dir, 'teacher', { backbone: 'resnet18' })).toMatch(
      /^resnet18 from random weights: about 2\.5 images\/s on the wasm CPU backend → about .+ for 8 epochs of 40 frames; the pretrained face backbone \(--backbone face\) trains at about 27 images\/s → /,
    );
    expect(fromScratchEstimate(dir, 'teacher', {})).toBeNull();
    expect(fromScratchEstimate(dir, 'teacher', { backbone: 'face', freezeBackbone: true })).toBeNull();

    const { out, err } = await cli([
      'train', 'teacher', dir, '--backbone', 'small', '--input-size', '32', '--batch', '8', '--epochs', '1', '--max-steps', '1',
      // the paper-vs-here options by name, recorded in the model's config
      '--batching', 'proportional', '--au-thresholds', 'tuned', '--va-balance', 'cells', '--student-task-weights', 'teacher',
      '--tta', 'flip',
    ]);
    const lines = err.split('\n');
    // The estimate is the first thing said, before the job's own lines; one step of 8 frames.
    expect(lines[0]).toMatch(/^small from random weights: about 220 images\/s on the wasm CPU backend → under a minute for 1 epoch of 8 frames; the pretrained face backbone \(--backbone face\) trains at about 27 images\/s → under a minute$/);
    expect(err).toMatch(/teacher \S+: small \(from random weights\), 1 epochs/);
    const id = Number(/teacher #(\d+)/.exec(out)?.[1]);
    expect(backboneOf(id)).toBe('small');
    const p = Project.open(dir);
    try {
      expect(getModel(p.db, id)?.config).toMatchObject({ batching: 'proportional', auThresholds: 'tuned', studentTaskWeights: 'teacher', balance: { vaMode: 'cells' }, tta: 'flip' });
    } finally {
      p.close();
    }
  }, 120_000);

  it('trains the pretrained face backbone at 112 px when none is named, without an estimate line', async () => {
    const { out, err } = await cli(['train', 'teacher', dir, '--batch', '4', '--epochs', '1', '--max-steps', '1']);
    expect(err).not.toMatch(/from random weights/);
    expect(err).toMatch(/teacher \S+: face \(pretrained\), 1 epochs/);
    const id = Number(/teacher #(\d+)/.exec(out)?.[1]);
    expect(backboneOf(id)).toBe('face');
    const p = Project.open(dir);
    try {
      // The job records the backbone it ran (the jobs list names it).
      const params = JSON.parse(p.db.prepare(`SELECT params FROM runs WHERE kind = 'train.teacher' ORDER BY id DESC LIMIT 1`).pluck().get() as string) as { backbone: string };
      expect(params.backbone).toBe('face');
      expect((getModel(p.db, id)?.config as { inputSize: number }).inputSize).toBe(112);
    } finally {
      p.close();
    }
    // The newest job's backend is what the next estimate is for.
    expect(fromScratchEstimate(dir, 'students', { backbone: 'resnet18', count: 2, epochs: 1 })).toMatch(/about 2\.5 images\/s (on this machine’s wasm backend|measured on wasm; tfjs-node\S* is faster, so at most this) → .+ for 2 runs × 1 epoch of 40 frames/);
  }, 180_000);
});
