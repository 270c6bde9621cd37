import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { runImport } from '../../src/node/importers/index';
import { dump, dumpContent, fixture, frames, labels, type Fixture } from './import-helpers';

let fx: Fixture;
afterEach(() => fx?.cleanup());

const lm = [[1.5, 2.5], [3, 4]];
function clip(f: Fixture, name: string, va: Record<string, [number, number]>, images: string[]): void {
  const json = { actor: 'someone', video_id: name, frames: Object.fromEntries(Object.entries(va).map(([k, [v, a]]) => [k, { valence: v, arousal: a, landmarks: lm }])) };
  f.write(`afew/${name}/${name}.json`, JSON.stringify(json));
  for (const i of images) f.write(`afew/${name}/${i}`, 'png');
}

function afew(f: Fixture): void {
  clip(f, '001', { '00000': [5, -10], '00001': [0, 3], '00002': [-7, 10] }, ['00000.png', '00001.png']);
  clip(f, '002', { '00000': [10, 10] }, ['00000.png', '00001.png']);
}

const run = (f: Fixture, o: Record<string, unknown> = {}) => runImport(f.project, 'afewva', [f.path('afew')], o);

describe('afewva importer', () => {
  it('rescales -10..10 to [-1, 1], keeps frames without images or labels, 0-based frame numbers', async () => {
    fx = fixture();
    afew(fx);
    const manifest = fx.write('splits.csv', '001,val\n002,test\n');
    const s = await run(fx, { manifest });
    expect(labels(fx.project, 'va').map((l) => [l.media, l.idx, l.valence, l.arousal])).toEqual([
      ['001', 0, 0.5, -1],
      ['001', 1, 0, 0.3],
      ['001', 2, -0.7, 1],
      ['002', 0, 1, 1],
    ]);
    expect(frames(fx.project).map((f) => [f.media, f.idx, f.path, f.split, f.face])).toEqual([
      ['001', 0, '00000.png', 'val', 'unknown'],
      ['001', 1, '00001.png', 'val', 'unknown'],
      ['001', 2, null, 'val', 'unknown'],
      ['002', 0, '00000.png', 'test', 'unknown'],
      ['002', 1, '00001.png', 'test', 'unknown'],
    ]);
    expect(s).toMatchObject({ rowsRead: 4, media: 2, frames: 5, labels: { au: 0, expr: 0, va: 4 } });
    expect(s.warnings.some((w) => w.includes('001: 1 annotated frames have no image'))).toBe(true);
    expect(fx.project.db.prepare('SELECT name, kind, frame_count FROM media ORDER BY name').all()).toEqual([
      { name: '001', kind: 'sequence', frame_count: 3 },
      { name: '002', kind: 'sequence', frame_count: 2 },
    ]);
  });

  it('re-import is idempotent; one clip folder can be a source', async () => {
    fx = fixture();
    afew(fx);
    await run(fx);
    const first = dumpContent(fx.project);
    await run(fx);
    expect(dumpContent(fx.project)).toBe(first);
    const before = [frames(fx.project), labels(fx.project)];
    const s = await runImport(fx.project, 'afewva', [fx.path('afew', '002')], {});
    expect(s).toMatchObject({ media: 1, frames: 2, framesCreated: 0, labels: { va: 1 } });
    expect([frames(fx.project), labels(fx.project)]).toEqual(before);
  });

  describe('bad input names the file and the key; the project is unchanged', () => {
    const cases: [unknown, string, string][] = [
      [{ frames: { '00000': { valence: 12, arousal: 0 } } }, 'valence out of range', '002/002.json frames["00000"].valence: expected a number in -10..10, got "12"'],
      [{ frames: { '00000': { valence: 1 } } }, 'arousal missing', '002/002.json frames["00000"].arousal: expected a number in -10..10 (missing)'],
      [{ frames: { abc: { valence: 1, arousal: 1 } } }, 'frame key not a number', '002/002.json frames["abc"]: expected a frame number key such as "00017", got "abc"'],
      [{ frames: { '1': { valence: 1, arousal: 1 }, '001': { valence: 1, arousal: 1 } } }, 'duplicate frame', '002/002.json frames["001"]: expected one entry per frame (frame 1 repeats)'],
      [{ video: '002' }, 'no frames object', '002/002.json key "frames": expected an object of per-frame annotations'],
      ['{"frames": {', 'invalid JSON', '002/002.json: is not valid JSON'],
    ];
    for (const [json, what, msg] of cases) {
      it(what, async () => {
        fx = fixture();
        afew(fx);
        await run(fx);
        const before = dump(fx.project);
        fx.write('afew/002/002.json', typeof json === 'string' ? json : JSON.stringify(json));
        await expect(run(fx)).rejects.toThrow(msg);
        expect(dump(fx.project)).toBe(before);
      });
    }

    it('a clip folder whose name is not UTF-8 is skipped and reported', async () => {
      fx = fixture();
      afew(fx);
      fs.mkdirSync(Buffer.concat([Buffer.from(fx.path('afew') + '/0'), Buffer.from([0xfe])]));
      const s = await run(fx);
      expect(s.skipped['non-utf8-name']).toBe(1);
      expect(s.labels.va).toBe(4);
    });
  });
});
