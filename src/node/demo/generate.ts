// The embedded demo dataset: synthetic face videos with Aff-Wild2-format PARTIAL labels (each
// video labelled for one task, a few for two) plus the complete per-frame truth kept aside, so
// `npm run demo` works on a fresh machine and benchmarks can measure what students learn about
// tasks a frame had no label for. Everything is a function of the seed.

import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { MODEL_AUS, SPLITS, type Split, type Task } from '../../shared/labels';
import { writeFileAtomicAsync } from '../../base/fsutil';
import { affectTrack, auActive, randomTemperament, TRUTH_AUS, type FrameAffect } from './affect';
import { auFileText, exprFileText, vaFileText } from './affwild-format';
import { renderFace, type FrameStyle } from './face';
import { RawVideoEncoder } from './ffmpeg';
import { randomIdentity, type Identity } from './identity';
import { styleTrack } from './nuisance';
import { deriveSeed, mulberry32, type Rng } from './prng';

export const DEMO_FORMAT = 'affect-workbench-demo';
export const DEMO_VERSION = 1;

/** Defaults sized so the whole demo pipeline trains in minutes on 2 CPU cores (3,200 frames). */
export const DEMO_DEFAULTS = { seed: 2020, videos: 16, framesPerVideo: 200, size: 112 } as const;

/** Frame rates of the demo videos, deliberately non-integer (NTSC-style). */
export const DEMO_FPS = ['30000/1001', '24000/1001'] as const;

export interface DemoOptions {
  seed?: number;
  videos?: number;
  framesPerVideo?: number;
  /** Side of the square face crop in pixels (even; 112 = the model input). */
  size?: number;
  /** AU columns of the AU_Set files; default the paper's 8 (ABAW 2020 layout). */
  auColumns?: readonly number[];
  onProgress?: (done: number, total: number) => void;
  /** Checked between frames; aborting stops ffmpeg and rejects with the signal's reason. */
  signal?: AbortSignal;
}

export interface DemoVideo {
  name: string;
  /** Paths relative to the dataset folder, '/'-separated. */
  file: string;
  fps: string;
  fpsValue: number;
  frames: number;
  width: number;
  height: number;
  split: Split;
  /** Tasks with ground truth in the annotation files (on most, not all, frames). */
  tasks: Task[];
  labels: Partial<Record<Task, string>>;
  /** Frames with a label, per labelled task. */
  labelledFrames: Partial<Record<Task, number>>;
  truth: string;
}

export interface DemoManifest {
  format: typeof DEMO_FORMAT;
  version: number;
  seed: number;
  size: number;
  framesPerVideo: number;
  auColumns: number[];
  /** AUs (FACS numbers) in the truth files. */
  truthAus: number[];
  videos: DemoVideo[];
}

const TRAIN_TASKS: Task[][] = [['au'], ['expr'], ['va'], ['au', 'expr'], ['au'], ['expr'], ['va'], ['expr', 'va'], ['au'], ['va'], ['au', 'va'], ['expr']];
const EVAL_TASKS: Task[][] = [['au', 'va'], ['expr'], ['au'], ['expr', 'va'], ['va'], ['au', 'expr']];

/** Splits by video (about 60/20/20, at least one training video) and the labelled tasks of each. */
export function planSplits(n: number, rng: Rng): { split: Split; tasks: Task[] }[] {
  const nTest = n >= 3 ? Math.max(1, Math.round(n * 0.2)) : 0;
  const nVal = n >= 3 ? Math.max(1, Math.round(n * 0.2)) : n === 2 ? 1 : 0;
  const splits: Split[] = [...Array<Split>(n - nVal - nTest).fill('train'), ...Array<Split>(nVal).fill('val'), ...Array<Split>(nTest).fill('test')];
  for (let i = splits.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [splits[i], splits[j]] = [splits[j], splits[i]];
  }
  const seen: Record<Split, number> = { train: 0, val: 0, test: 0 };
  return splits.map((split) => {
    const cycle = split === 'train' ? TRAIN_TASKS : EVAL_TASKS;
    return { split, tasks: [...cycle[seen[split]++ % cycle.length]] };
  });
}

/** Which frames of a task are labelled: all, except now and then a gap (face lost, annotator skipped). */
function labelMask(rng: Rng, frames: number): boolean[] {
  const mask = Array<boolean>(frames).fill(true);
  if (rng.chance(0.5)) {
    const len = Math.max(1, Math.round(frames * rng.range(0.03, 0.1)));
    const start = rng.int(0, Math.max(0, frames - len));
    for (let f = start; f < start + len; f++) mask[f] = false;
  }
  return mask;
}

export function truthCsv(track: readonly FrameAffect[]): string {
  const header = ['frame', ...TRUTH_AUS.map((n) => `AU${n}`), 'expression', 'valence', 'arousal'].join(',');
  const lines = track.map((a, f) => [f, ...TRUTH_AUS.map((n) => auActive(a, n)), a.expression, a.valence, a.arousal].join(','));
  return [header, ...lines].join('\n') + '\n';
}

export interface DemoVideoContent {
  name: string;
  fps: string;
  fpsValue: number;
  identity: Identity;
  track: FrameAffect[];
  styles: FrameStyle[];
}

/** Everything one demo video is made of; a pure function of (seed, index, frames). */
export function demoVideoContent(seed: number, v: number, frames: number): DemoVideoContent {
  const fps = DEMO_FPS[v % DEMO_FPS.length];
  const [num, den] = fps.split('/').map(Number);
  const fpsValue = num / den;
  return {
    name: `demo${String(v + 1).padStart(2, '0')}`,
    fps,
    fpsValue,
    identity: randomIdentity(mulberry32(deriveSeed(seed, v, 1))),
    track: affectTrack(mulberry32(deriveSeed(seed, v, 2)), frames, fpsValue, randomTemperament(mulberry32(deriveSeed(seed, v, 3)))),
    styles: styleTrack(mulberry32(deriveSeed(seed, v, 4)), frames, fpsValue, deriveSeed(seed, v, 5)),
  };
}

/**
 * Writes the demo dataset under `outDir`:
 *   videos/<name>.mp4                         H.264 yuv420p, fps 30000/1001 or 24000/1001
 *   annotations/{AU,EXPR,VA}_Set/<name>.txt   Aff-Wild2 format, only for the video's tasks
 *   truth/<name>.csv                          every frame: all truth AUs, expression, valence, arousal
 *   demo.json                                 the manifest (written last)
 */
export async function generateDemoDataset(outDir: string, opts: DemoOptions = {}): Promise<DemoManifest> {
  const seed = opts.seed ?? DEMO_DEFAULTS.seed;
  const n = opts.videos ?? DEMO_DEFAULTS.videos;
  const frames = opts.framesPerVideo ?? DEMO_DEFAULTS.framesPerVideo;
  const size = opts.size ?? DEMO_DEFAULTS.size;
  const auColumns = [...(opts.auColumns ?? MODEL_AUS)];
  if (!Number.isInteger(n) || n < 1) throw new Error(`videos must be a positive integer, got ${n}`);
  if (!Number.isInteger(frames) || frames < 1) throw new Error(`framesPerVideo must be a positive integer, got ${frames}`);
  if (!Number.isInteger(size) || size < 16 || size % 2 !== 0) throw new Error(`size must be an even integer >= 16, got ${size}`);
  const unknown = auColumns.filter((a) => !(TRUTH_AUS as readonly number[]).includes(a));
  if (unknown.length) throw new Error(`the demo has no truth for AU ${unknown.join(', ')}`);

  for (const dir of ['videos', 'annotations/AU_Set', 'annotations/EXPR_Set', 'annotations/VA_Set', 'truth']) {
    await mkdir(path.join(outDir, dir), { recursive: true });
  }
  const plan = planSplits(n, mulberry32(deriveSeed(seed, 0xd1)));
  const videos: DemoVideo[] = [];
  const total = n * frames;
  let done = 0;
  for (let v = 0; v < n; v++) {
    const { name, fps, fpsValue, identity, track, styles } = demoVideoContent(seed, v, frames);
    const file = `videos/${name}.mp4`;
    const enc = new RawVideoEncoder(path.join(outDir, file), { width: size, height: size, fps, codec: 'h264', gop: 30 });
    try {
      for (let f = 0; f < frames; f++) {
        opts.signal?.throwIfAborted();
        await enc.write(renderFace(identity, track[f].intensities, styles[f], size));
        opts.onProgress?.(++done, total);
      }
      await enc.end();
    } catch (e) {
      enc.abort();
      throw e;
    }

    const { split, tasks } = plan[v];
    const labels: Partial<Record<Task, string>> = {};
    const labelledFrames: Partial<Record<Task, number>> = {};
    const maskRng = mulberry32(deriveSeed(seed, v, 6));
    for (const task of tasks) {
      const mask = labelMask(maskRng, frames);
      labelledFrames[task] = mask.filter(Boolean).length;
      const setDir = { au: 'AU_Set', expr: 'EXPR_Set', va: 'VA_Set' }[task];
      const rel = `annotations/${setDir}/${name}.txt`;
      const text =
        task === 'au'
          ? auFileText(auColumns, track.map((a, f) => (mask[f] ? auColumns.map((n) => auActive(a, n)) : null)))
          : task === 'expr'
            ? exprFileText(track.map((a, f) => (mask[f] ? a.expression : null)))
            : vaFileText(track.map((a, f) => (mask[f] ? ([a.valence, a.arousal] as const) : null)));
      await writeFileAtomicAsync(path.join(outDir, rel), text);
      labels[task] = rel;
    }
    const truth = `truth/${name}.csv`;
    await writeFileAtomicAsync(path.join(outDir, truth), truthCsv(track));
    videos.push({ name, file, fps, fpsValue, frames, width: size, height: size, split, tasks, labels, labelledFrames, truth });
  }
  const manifest: DemoManifest = {
    format: DEMO_FORMAT,
    version: DEMO_VERSION,
    seed,
    size,
    framesPerVideo: frames,
    auColumns,
    truthAus: [...TRUTH_AUS],
    videos,
  };
  await writeFileAtomicAsync(path.join(outDir, 'demo.json'), JSON.stringify(manifest, null, 2) + '\n');
  return manifest;
}

/** Videos of one split, in manifest order. */
export function videosOf(manifest: DemoManifest, split: Split): DemoVideo[] {
  if (!SPLITS.includes(split)) throw new Error(`unknown split ${split}`);
  return manifest.videos.filter((v) => v.split === split);
}
