import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { runImport } from '../../src/node/importers/index';
import { auSet, dump, dumpContent, fakePort, fixture, frames, labels, type Fixture } from './import-helpers';

let fx: Fixture;
afterEach(() => fx?.cleanup());

function disfa(f: Fixture): void {
  f.write('ActionUnit_Labels/SN001/SN001_au1.txt', '1,0\n2,3\n3,1\n');
  f.write('ActionUnit_Labels/SN001/SN001_au12.txt', '1,2\n2,0\n3,5\n');
  f.write('ActionUnit_Labels/SN002/SN002_au1.txt', '1,5\n2,0\n');
  f.write('ActionUnit_Labels/SN002/SN002_au12.txt', '1,0\n2,0\n');
}

const auRows = (f: Fixture) => labels(f.project, 'au').map((l) => [l.media, l.idx, l.au_mask, l.au_bits]);

describe('disfa importer', () => {
  it('binarises intensities at the default threshold 2, merges the AU files per frame, records the threshold', async () => {
    fx = fixture();
    disfa(fx);
    const s = await runImport(fx.project, 'disfa', [fx.path('ActionUnit_Labels')], { split: 'train' });
    const both = auSet(1, 12);
    expect(auRows(fx)).toEqual([
      ['SN001', 0, both, auSet(12)], // au1 0, au12 2 (≥ 2)
      ['SN001', 1, both, auSet(1)], // au1 3, au12 0
      ['SN001', 2, both, auSet(12)], // au1 1 (< 2), au12 5
      ['SN002', 0, both, auSet(1)],
      ['SN002', 1, both, 0n],
    ]);
    expect(frames(fx.project).map((f) => [f.media, f.idx, f.subject, f.split])).toEqual([
      ['SN001', 0, 'SN001', 'train'],
      ['SN001', 1, 'SN001', 'train'],
      ['SN001', 2, 'SN001', 'train'],
      ['SN002', 0, 'SN002', 'train'],
      ['SN002', 1, 'SN002', 'train'],
    ]);
    expect(s).toMatchObject({ rowsRead: 10, frames: 5, labels: { au: 5, expr: 0, va: 0 } });
    const settings = JSON.parse(fx.project.db.prepare('SELECT settings FROM datasets').pluck().get() as string);
    expect(settings).toMatchObject({ auThreshold: 2, binarise: 'intensity >= 2' });
  });

  it('--au-threshold 3 changes the binarisation, and re-import replaces the imported labels', async () => {
    fx = fixture();
    disfa(fx);
    await runImport(fx.project, 'disfa', [fx.path('ActionUnit_Labels')], {});
    await runImport(fx.project, 'disfa', [fx.path('ActionUnit_Labels')], { auThreshold: 3 });
    expect(auRows(fx).map((r) => r[3])).toEqual([0n, auSet(1), auSet(12), auSet(1), 0n]);
    expect(JSON.parse(fx.project.db.prepare('SELECT settings FROM datasets').pluck().get() as string).auThreshold).toBe(3);
    const again = dumpContent(fx.project);
    await runImport(fx.project, 'disfa', [fx.path('ActionUnit_Labels')], {}); // keeps the dataset's threshold 3
    expect(dumpContent(fx.project)).toBe(again);
  });

  it('finds DISFA videos by subject (LeftVideoSN001_comp.avi) and checks their length', async () => {
    fx = fixture();
    disfa(fx);
    fx.write('videos/LeftVideoSN001_comp.avi', 'frames=3');
    fx.write('videos/RightVideoSN001_comp.avi', 'frames=3');
    fx.write('videos/LeftVideoSN002_comp.avi', 'frames=3');
    const run = (o: Record<string, unknown> = {}) =>
      runImport(fx.project, 'disfa', [fx.path('ActionUnit_Labels')], { videos: fx.path('videos'), ...o }, undefined, { port: fakePort });
    await expect(run()).rejects.toThrow('the AU files of SN002 cover 2 frames but video LeftVideoSN002_comp.avi has 3');
    await run({ allowLengthMismatch: true });
    const media = fx.project.db.prepare('SELECT name, kind, path, frame_count FROM media ORDER BY name').all() as { name: string; path: string }[];
    expect(media.map((m) => [m.name, m.path.split('/').at(-1)])).toEqual([
      ['SN001', 'LeftVideoSN001_comp.avi'],
      ['SN002', 'LeftVideoSN002_comp.avi'],
    ]);
    expect(frames(fx.project, 'SN002')).toHaveLength(3);
  });

  it('a gap in an AU file leaves that AU unlabelled on those frames, with a warning', async () => {
    fx = fixture();
    fx.write('L/SN003_au1.txt', '1,3\n3,3\n');
    fx.write('L/SN003_au2.txt', '1,0\n2,0\n3,0\n');
    const s = await runImport(fx.project, 'disfa', [fx.path('L')], {});
    expect(auRows(fx)).toEqual([
      ['SN003', 0, auSet(1, 2), auSet(1)],
      ['SN003', 1, auSet(2), 0n],
      ['SN003', 2, auSet(1, 2), auSet(1)],
    ]);
    expect(s.warnings.some((w) => w.includes('L/SN003_au1.txt: 1 frames between 1 and 3 have no line'))).toBe(true);
  });

  describe('bad input names file and line; the project is unchanged', () => {
    const cases: [string, string, string][] = [
      ['1,0\n2,3,1\n3,1\n', 'wrong column count', 'ActionUnit_Labels/SN001/SN001_au1.txt line 2: expected a line "frame,intensity" with a 1-based frame number and an intensity 0..5, got "2,3,1"'],
      ['1,0\n2,7\n3,1\n', 'intensity out of range', 'SN001_au1.txt line 2: expected a line "frame,intensity"'],
      ['1,0\n0,1\n', 'frame 0', 'SN001_au1.txt line 2: expected a line "frame,intensity"'],
      ['1,0\n2,1\n2,1\n', 'duplicate frame', 'SN001_au1.txt line 3: expected a frame number not given before (frame 2 repeats), got "2,1"'],
    ];
    for (const [text, what, msg] of cases) {
      it(what, async () => {
        fx = fixture();
        disfa(fx);
        await runImport(fx.project, 'disfa', [fx.path('ActionUnit_Labels')], {});
        const before = dump(fx.project);
        fx.write('ActionUnit_Labels/SN001/SN001_au1.txt', text);
        await expect(runImport(fx.project, 'disfa', [fx.path('ActionUnit_Labels')], {})).rejects.toThrow(msg);
        expect(dump(fx.project)).toBe(before);
      });
    }

    it('a duplicate AU file for one subject', async () => {
      fx = fixture();
      disfa(fx);
      fx.write('ActionUnit_Labels/extra/SN001_au1.txt', '1,0\n');
      await expect(runImport(fx.project, 'disfa', [fx.path('ActionUnit_Labels')], {})).rejects.toThrow('duplicate AU1 file for subject SN001');
    });

    it('a non-UTF-8 file name is skipped and reported', async () => {
      fx = fixture();
      disfa(fx);
      fs.writeFileSync(Buffer.concat([Buffer.from(fx.path('ActionUnit_Labels', 'SN002') + '/SN002_au'), Buffer.from([0xc3, 0x28]), Buffer.from('.txt')]), '1,1\n');
      const s = await runImport(fx.project, 'disfa', [fx.path('ActionUnit_Labels')], {});
      expect(s.skipped['non-utf8-name']).toBe(1);
      expect(s.labels.au).toBe(5);
    });
  });
});
