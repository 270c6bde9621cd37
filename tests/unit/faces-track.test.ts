// The tracking policy with scripted detectors: when SSD runs, what tracked boxes become, when a
// frame is 'none'. The real detectors are exercised in faces-pipeline.test.ts.
import { describe, expect, it } from 'vitest';
import type * as TF from '@tensorflow/tfjs';
import type { FaceBox, FaceModels, Region } from '../../src/node/media/faceapi';
import { applyCalibration, calibrate, FaceTracker, iou, pickFace, searchRegion } from '../../src/node/media/face-track';

/** Detectors driven by a per-frame script: which faces SSD and the tiny detector would see. */
function scripted(script: { ssd: FaceBox[]; tiny: FaceBox[] }[]) {
  let frame = -1;
  const calls: string[] = [];
  const inside = (b: FaceBox, r?: Region) => !r || (b.x >= r.x && b.y >= r.y && b.x + b.w <= r.x + r.w && b.y + b.h <= r.y + r.h);
  const models = {
    async ssd() {
      calls.push(`${frame}:ssd`);
      return script[frame].ssd;
    },
    async tiny(_f: unknown, _s: number, inputSize: number, region?: Region) {
      calls.push(`${frame}:tiny${region ? '-region' : `-full${inputSize}`}`);
      return script[frame].tiny.filter((b) => inside(b, region));
    },
  } as unknown as FaceModels;
  const tracker = new FaceTracker(models, { redetectEvery: 4 });
  const frameTensor = {} as TF.Tensor3D;
  return {
    calls,
    next: async () => {
      frame++;
      return tracker.next(frameTensor);
    },
  };
}

const ssdBox: FaceBox = { x: 100, y: 50, w: 60, h: 80, score: 0.99 };
const tinyBox: FaceBox = { x: 90, y: 70, w: 90, h: 75, score: 0.8 };

describe('box helpers', () => {
  it('calibration maps the tiny box of a frame onto its SSD box, and moves with it', () => {
    const c = calibrate(tinyBox, ssdBox);
    const mapped = applyCalibration(c, tinyBox);
    expect(mapped.x).toBeCloseTo(100, 10);
    expect(mapped.y).toBeCloseTo(50, 10);
    expect(mapped.w).toBeCloseTo(60, 10);
    expect(mapped.h).toBeCloseTo(80, 10);
    const moved = applyCalibration(c, { ...tinyBox, x: 110, y: 60 });
    expect(moved.x).toBeCloseTo(120, 10);
    expect(moved.y).toBeCloseTo(40, 10);
  });
  it('iou, search region and face choice', () => {
    expect(iou({ x: 0, y: 0, w: 2, h: 2 }, { x: 1, y: 0, w: 2, h: 2 })).toBeCloseTo(2 / 6, 12);
    expect(searchRegion({ x: 10, y: 20, w: 30, h: 40 })).toEqual({ x: -15, y: 0, w: 80, h: 80 });
    const small = { x: 0, y: 0, w: 10, h: 10, score: 1 };
    const big = { x: 50, y: 50, w: 30, h: 30, score: 0.6 };
    expect(pickFace([small, big], null)).toBe(big);
    expect(pickFace([small, big], { x: 1, y: 1, w: 10, h: 10 })).toBe(small);
    expect(pickFace([], null)).toBeNull();
  });
});

describe('FaceTracker', () => {
  it('runs SSD first and every redetectEvery frames, tracks with the tiny detector between', async () => {
    const s = scripted(Array.from({ length: 9 }, () => ({ ssd: [ssdBox], tiny: [tinyBox] })));
    const got = [];
    for (let i = 0; i < 9; i++) got.push(await s.next());
    expect(got.map((g) => g?.detector)).toEqual(['ssd', 'tiny', 'tiny', 'tiny', 'ssd', 'tiny', 'tiny', 'tiny', 'ssd']);
    // Tracked boxes are tiny boxes mapped through the calibration made on the SSD frame: here the SSD box itself.
    expect(got[1]?.x).toBeCloseTo(ssdBox.x, 10);
    expect(got[1]?.h).toBeCloseTo(ssdBox.h, 10);
    expect(got[1]?.score).toBe(tinyBox.score);
    expect(s.calls.slice(0, 3)).toEqual(['0:ssd', '0:tiny-region', '1:tiny-region']);
  });

  it('asks SSD when tracking loses the face; no face → none, then cheap whole-frame checks until SSD is due', async () => {
    const face = { ssd: [ssdBox], tiny: [tinyBox] };
    const empty = { ssd: [], tiny: [] };
    const s = scripted([face, face, empty, empty, empty, empty, empty, empty, face, face]);
    const got = [];
    for (let i = 0; i < 10; i++) got.push(await s.next());
    expect(got.map((g) => g?.detector ?? 'none')).toEqual(['ssd', 'tiny', 'none', 'none', 'none', 'none', 'none', 'none', 'ssd', 'tiny']);
    expect(s.calls).toEqual([
      '0:ssd', '0:tiny-region', '1:tiny-region',
      '2:tiny-region', '2:ssd', // lost → SSD confirms: none
      '3:tiny-full320', '4:tiny-full320', '5:tiny-full320',
      '6:ssd', // due again (every 4 frames)
      '7:tiny-full320',
      '8:tiny-full320', '8:ssd', '8:tiny-region', // the tiny detector sees a face → SSD decides
      '9:tiny-region',
    ]);
  });

  it('lets SSD overrule a tiny-detector false alarm', async () => {
    const s = scripted([{ ssd: [], tiny: [] }, { ssd: [], tiny: [tinyBox] }]);
    expect(await s.next()).toBeNull();
    expect(await s.next()).toBeNull();
    expect(s.calls).toEqual(['0:ssd', '1:tiny-full320', '1:ssd']);
  });
});
