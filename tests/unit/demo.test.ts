import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXPRESSIONS, MODEL_AUS, SPLITS, TASKS } from '../../src/shared/labels';
import { auFileText, exprFileText, parseAffWildText, vaFileText } from '../../src/node/demo/affwild-format';
import { demoVideoContent, generateDemoDataset, planSplits, DEMO_DEFAULTS, type DemoManifest } from '../../src/node/demo/generate';
import { renderFace } from '../../src/node/demo/face';
import { mulberry32 } from '../../src/node/demo/prng';

const root = mkdtempSync(path.join(tmpdir(), 'demo-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const OPTS = { seed: 7, videos: 6, framesPerVideo: 30, size: 64 } as const;
const dirA = path.join(root, 'a');
const dirB = path.join(root, 'b');
const dirC = path.join(root, 'c');
let manifest: DemoManifest;
const progress: [number, number][] = [];

beforeAll(async () => {
  manifest = await generateDemoDataset(dirA, { ...OPTS, onProgress: (d, t) => progress.push([d, t]) });
  await generateDemoDataset(dirB, OPTS);
  await generateDemoDataset(dirC, { ...OPTS, seed: 8 });
}, 120_000);

const read = (dir: string, rel: string): string => readFileSync(path.join(dir, rel), 'utf8');

function decodeFrames(file: string, size: number): Buffer[] {
  const r = spawnSync('ffmpeg', ['-v', 'error', '-i', file, '-fps_mode', 'passthrough', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], { maxBuffer: 1 << 27 });
  expect(r.status, String(r.stderr)).toBe(0);
  const n = size * size * 3;
  return Array.from({ length: r.stdout.length / n }, (_, i) => r.stdout.subarray(i * n, (i + 1) * n));
}

function truthRows(dir: string, rel: string): Record<string, number>[] {
  const [head, ...lines] = read(dir, rel).trim().split('\n');
  const cols = head.split(',');
  return lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [cols[i], Number(v)])));
}

describe('demo dataset generator', () => {
  it('writes a manifest describing every video', () => {
    expect(manifest).toMatchObject({ format: 'affect-workbench-demo', version: 1, seed: 7, size: 64, framesPerVideo: 30, auColumns: [...MODEL_AUS] });
    expect(manifest.videos).toHaveLength(6);
    for (const v of manifest.videos) {
      expect(SPLITS).toContain(v.split);
      expect(['30000/1001', '24000/1001']).toContain(v.fps);
      const [n, d] = v.fps.split('/').map(Number);
      expect(v.fpsValue).toBeCloseTo(n / d, 12);
      expect(v.frames).toBe(30);
      expect(v.tasks.length).toBeGreaterThanOrEqual(1);
      expect(v.tasks.length).toBeLessThanOrEqual(2);
      expect(existsSync(path.join(dirA, v.file))).toBe(true);
      expect(existsSync(path.join(dirA, v.truth))).toBe(true);
    }
    expect(JSON.parse(read(dirA, 'demo.json'))).toEqual(manifest);
    expect(manifest.videos.some((v) => v.split === 'train')).toBe(true);
    expect(progress).toHaveLength(6 * 30);
    expect(progress.at(-1)).toEqual([180, 180]);
  });

  it('is deterministic: same seed gives identical files and decoded frames, another seed differs', () => {
    expect(read(dirB, 'demo.json')).toBe(read(dirA, 'demo.json'));
    for (const v of manifest.videos) {
      expect(read(dirB, v.truth)).toBe(read(dirA, v.truth));
      for (const rel of Object.values(v.labels)) expect(read(dirB, rel!)).toBe(read(dirA, rel!));
    }
    const a = decodeFrames(path.join(dirA, manifest.videos[0].file), 64);
    const b = decodeFrames(path.join(dirB, manifest.videos[0].file), 64);
    expect(a).toHaveLength(30);
    a.forEach((f, i) => expect(f.equals(b[i]), `frame ${i}`).toBe(true));
    expect(read(dirC, manifest.videos[0].truth)).not.toBe(read(dirA, manifest.videos[0].truth));
  });

  it('labels each video only for its tasks, in Aff-Wild2 format, consistent with the truth', () => {
    const setOf = { au: 'AU_Set', expr: 'EXPR_Set', va: 'VA_Set' } as const;
    for (const v of manifest.videos) {
      const truth = truthRows(dirA, v.truth);
      expect(truth).toHaveLength(30);
      truth.forEach((t, f) => expect(t.frame).toBe(f));
      for (const task of TASKS) {
        const file = path.join(dirA, 'annotations', setOf[task], `${v.name}.txt`);
        expect(existsSync(file), `${v.name} ${task}`).toBe(v.tasks.includes(task));
        expect(v.labels[task] !== undefined).toBe(v.tasks.includes(task));
        if (!v.tasks.includes(task)) continue;
        const { kind, header, rows } = parseAffWildText(readFileSync(file, 'utf8'));
        expect(kind).toBe(task);
        expect(rows).toHaveLength(30);
        let labelled = 0;
        rows.forEach((r, f) => {
          const t = truth[f];
          if (task === 'au') {
            expect(header).toEqual(MODEL_AUS.map((n) => `AU${n}`));
            if (r.every((x) => x === -1)) return;
            expect(r).toEqual(MODEL_AUS.map((n) => t[`AU${n}`]));
          } else if (task === 'expr') {
            expect(header).toEqual([...EXPRESSIONS]);
            expect(r).toHaveLength(1);
            if (r[0] === -1) return;
            expect(r[0]).toBe(t.expression);
          } else {
            expect(header).toEqual(['valence', 'arousal']);
            if (r[0] === -5) {
              expect(r[1]).toBe(-5);
              return;
            }
            expect(r).toEqual([t.valence, t.arousal]);
          }
          labelled++;
        });
        expect(labelled).toBe(v.labelledFrames[task]);
        expect(labelled).toBeGreaterThan(20);
      }
    }
  });

  it('encodes H.264 yuv420p at the manifest frame rate, and the frames are the rendered faces', () => {
    for (const v of manifest.videos.slice(0, 2)) {
      const r = spawnSync('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-count_frames', '-show_entries', 'stream=codec_name,pix_fmt,width,height,r_frame_rate,nb_read_frames', '-of', 'csv=p=0', path.join(dirA, v.file)], { encoding: 'utf8' });
      expect(r.stdout.trim()).toBe(`h264,64,64,yuv420p,${v.fps},30`);
    }
    const v = manifest.videos[1];
    const content = demoVideoContent(OPTS.seed, 1, OPTS.framesPerVideo);
    const decoded = decodeFrames(path.join(dirA, v.file), 64);
    for (const f of [0, 13, 29]) {
      const rendered = renderFace(content.identity, content.track[f].intensities, content.styles[f], 64);
      let err = 0;
      for (let k = 0; k < rendered.length; k++) err += Math.abs(rendered[k] - decoded[f][k]);
      expect(err / rendered.length, `frame ${f}`).toBeLessThan(6);
    }
  });
});

describe('splits and file format', () => {
  it('plans ~60/20/20 splits where every split labels every task somewhere', () => {
    const plan = planSplits(DEMO_DEFAULTS.videos, mulberry32(1));
    const count = (s: string): number => plan.filter((p) => p.split === s).length;
    expect([count('train'), count('val'), count('test')]).toEqual([10, 3, 3]);
    for (const split of SPLITS) {
      const tasks = new Set(plan.filter((p) => p.split === split).flatMap((p) => p.tasks));
      expect([...tasks].sort()).toEqual(['au', 'expr', 'va']);
    }
    expect(plan.some((p) => p.tasks.length === 2)).toBe(true);
    expect(plan.filter((p) => p.tasks.length === 1).length).toBeGreaterThan(plan.length / 2);
  });

  it('writes Aff-Wild2 text exactly', () => {
    expect(auFileText([1, 2, 4], [[0, 1, 0], null])).toBe('AU1,AU2,AU4\n0,1,0\n-1,-1,-1\n');
    expect(exprFileText([4, null, 0])).toBe('Neutral,Anger,Disgust,Fear,Happiness,Sadness,Surprise\n4\n-1\n0\n');
    expect(vaFileText([[0.25, -0.5], null])).toBe('valence,arousal\n0.25,-0.5\n-5,-5\n');
    expect(parseAffWildText('valence,arousal\r\n0.1,0.2\r\n')).toEqual({ kind: 'va', header: ['valence', 'arousal'], rows: [[0.1, 0.2]] });
    expect(parseAffWildText(exprFileText([3, null])).rows).toEqual([[3], [-1]]);
    expect(() => parseAffWildText('AU1,AU2\n0\n')).toThrow(/line 2/);
    expect(() => parseAffWildText('frame,x\n0,1\n')).toThrow(/header/);
  });

  it('rejects bad options', async () => {
    await expect(generateDemoDataset(path.join(root, 'bad'), { size: 63 })).rejects.toThrow(/size/);
    await expect(generateDemoDataset(path.join(root, 'bad'), { videos: 0 })).rejects.toThrow(/videos/);
    await expect(generateDemoDataset(path.join(root, 'bad'), { auColumns: [1, 9] })).rejects.toThrow(/AU 9/);
  });
});

describe('failure handling', () => {
  it('stops when cancelled and reports a missing ffmpeg', async () => {
    const ctl = new AbortController();
    const run = generateDemoDataset(path.join(root, 'cancel'), {
      ...OPTS,
      signal: ctl.signal,
      onProgress: (d) => {
        if (d === 10) ctl.abort(new Error('cancelled by test'));
      },
    });
    await expect(run).rejects.toThrow('cancelled by test');
    expect(existsSync(path.join(root, 'cancel', 'demo.json'))).toBe(false);

    const saved = process.env.AFFECT_FFMPEG;
    process.env.AFFECT_FFMPEG = path.join(root, 'no-such-ffmpeg');
    try {
      await expect(generateDemoDataset(path.join(root, 'noffmpeg'), { ...OPTS, videos: 1 })).rejects.toThrow(/cannot run ffmpeg/);
    } finally {
      if (saved === undefined) delete process.env.AFFECT_FFMPEG;
      else process.env.AFFECT_FFMPEG = saved;
    }
  });
});
