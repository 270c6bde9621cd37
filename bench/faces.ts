// Face pipeline speed, end to end: decode (ffmpeg) + detect (SSD-MobileNet, tiny-detector tracking
// between) + 68 landmarks + alignment + crop cache + database, on a real video. Target ≥ 15
// frames/s on 2 cores for ../shared/data/video/WolfgangLanger_Pexels.mp4 (472 frames, 640×360).
// Runs the pipeline twice in one run: in the caller's thread, then in N face threads (the faces
// job's default: the cores), and prints the ratio and how far the two runs' landmarks are apart.
//   npx tsx bench/faces.ts [--video FILE] [--redetect-every 24] [--batch 16] [--threads N]
//                          [--compare N]   also run SSD on every one of the first N frames and report
//                                          how far the tracked landmarks are from those (per IOD)
//                          [--json]            a BENCH_RESULT line for the summary (bench/summary.ts)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeVideoFrames } from '../src/node/media/decode';
import { loadFaceModels } from '../src/node/media/faceapi';
import { runFacePipeline } from '../src/node/media/faces';
import { probeVideo } from '../src/node/media/probe';
import { importVideoMedia } from '../src/node/media/video';
import { Project } from '../src/node/store/project';
import { defaultThreadCount } from '../src/base/threads';
import { useSourceThreads } from '../src/worker/dev-threads';
import { emitResult } from './lib/result';

useSourceThreads();

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : def;
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const video = path.resolve(arg('video', path.join(root, '../shared/data/video/WolfgangLanger_Pexels.mp4')));
const redetectEvery = Number(arg('redetect-every', '24'));
const batchSize = Number(arg('batch', '16'));
const threads = Number(arg('threads', String(defaultThreadCount())));
const compare = Number(arg('compare', '0'));

if (!fs.existsSync(video)) {
  console.error(`No video at ${video} (pass --video FILE)`);
  process.exit(2);
}

async function newProject(tag: string): Promise<{ project: Project; mediaId: number; dir: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `aw-bench-faces-${tag}-`));
  const project = Project.create(dir);
  const ds = Number(project.db.prepare(`INSERT INTO datasets (name, source_format, created_at) VALUES ('bench', 'video', ?)`).run(new Date().toISOString()).lastInsertRowid);
  const { mediaId } = await importVideoMedia(project, ds, video);
  return { project, mediaId, dir };
}

function landmarksOf(project: Project, mediaId: number): Map<number, Float32Array> {
  const rows = project.db
    .prepare('SELECT f.idx, faces.landmarks FROM faces JOIN frames f ON f.id = faces.frame_id WHERE f.media_id = ?')
    .all(mediaId) as { idx: number; landmarks: Buffer }[];
  return new Map(rows.map((r) => [r.idx, new Float32Array(r.landmarks.buffer.slice(r.landmarks.byteOffset, r.landmarks.byteOffset + 544))]));
}

/** Mean point distance between two 68-landmark sets, over the inter-ocular distance of the first. */
function nme(a: Float32Array, b: Float32Array): number {
  const eye = (lm: Float32Array, from: number) => {
    let x = 0;
    let y = 0;
    for (let i = from; i < from + 6; i++) {
      x += lm[2 * i];
      y += lm[2 * i + 1];
    }
    return [x / 6, y / 6];
  };
  const [lx, ly] = eye(a, 36);
  const [rx, ry] = eye(a, 42);
  const iod = Math.hypot(lx - rx, ly - ry);
  let d = 0;
  for (let i = 0; i < 68; i++) d += Math.hypot(a[2 * i] - b[2 * i], a[2 * i + 1] - b[2 * i + 1]);
  return d / 68 / iod;
}

const probe = await probeVideo(video);
console.log(`video      ${path.basename(video)}: ${probe.frameCount} frames, ${probe.width}×${probe.height}, ${probe.fpsRational} fps, ${probe.codec}`);
console.log(`machine    ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);

// Decode alone, for reference.
let t = performance.now();
let n = 0;
for await (const _f of decodeVideoFrames(video, { width: probe.width, height: probe.height, streamIndex: probe.streamIndex })) n++;
const decodeSeconds = (performance.now() - t) / 1000;
console.log(`decode     ${n} frames in ${decodeSeconds.toFixed(2)} s = ${(n / decodeSeconds).toFixed(0)} frames/s (ffmpeg → rgb24 pipe)`);

t = performance.now();
const models = await loadFaceModels();
console.log(`models     loaded in ${((performance.now() - t) / 1000).toFixed(2)} s on ${models.backend.split(';')[0]}`);

const { project, mediaId, dir } = await newProject('track');
const cpu0 = process.cpuUsage();
const r = await runFacePipeline(project, mediaId, { models, redetectEvery, batchSize });
const cpu = process.cpuUsage(cpu0);
console.log(`faces      1 thread: ${r.processed} frames (${r.ok} with a face, ${r.none} without) in ${r.seconds.toFixed(2)} s = ${r.framesPerSecond.toFixed(1)} frames/s`);
console.log(`           SSD on ${r.detectorRuns?.ssd} frames, tiny detector on ${r.detectorRuns?.tinyRegion} regions and ${r.detectorRuns?.tinyFull} whole frames; redetect every ${redetectEvery}, batch ${batchSize}`);
console.log(`           process CPU ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s = ${((cpu.user + cpu.system) / 1e3 / r.processed).toFixed(1)} ms/frame; load average now ${os.loadavg()[0].toFixed(2)}`);

// The same frames in N face threads (the threads' start and model loading included).
const par = await newProject('threads');
const rt = await runFacePipeline(par.project, par.mediaId, { threads, redetectEvery, batchSize, onStart: (s) => console.log(`threads    ${s.threads} face threads on ${s.backend.split(';')[0]}${s.note ? ` (${s.note})` : ''}`) });
const la = landmarksOf(project, mediaId);
const lb = landmarksOf(par.project, par.mediaId);
const apart: number[] = [];
let faceDisagree = 0;
for (let i = 0; i < r.total; i++) {
  const x = la.get(i);
  const y = lb.get(i);
  if (!x || !y) faceDisagree += !!x !== !!y ? 1 : 0;
  else apart.push(nme(x, y));
}
apart.sort((p, q) => p - q);
console.log(`faces      ${rt.threads} threads: ${rt.processed} frames (${rt.ok} with a face) in ${rt.seconds.toFixed(2)} s = ${rt.framesPerSecond.toFixed(1)} frames/s: ${(rt.framesPerSecond / r.framesPerSecond).toFixed(2)}× one thread`);
console.log(`           against one thread: ${apart.filter((d) => d === 0).length} of ${apart.length} frames' landmarks identical, max ${((apart.at(-1) ?? 0) * 100).toFixed(2)} % of IOD apart (each segment starts with SSD); face/no-face disagreements ${faceDisagree}`);
console.log(`RESULT     ${rt.framesPerSecond.toFixed(1)} frames/s end to end in ${rt.threads} threads, ${r.framesPerSecond.toFixed(1)} in one (decode + detect + landmarks + align + store)`);
par.project.close();
fs.rmSync(par.dir, { recursive: true, force: true });

if (compare > 0) {
  const ref = await newProject('ssd');
  const k = Math.ceil(compare / batchSize);
  const rr = await runFacePipeline(ref.project, ref.mediaId, { models, redetectEvery: 1, batchSize, maxBatches: k });
  const a = landmarksOf(ref.project, ref.mediaId);
  const b = landmarksOf(project, mediaId);
  const errs: number[] = [];
  let disagree = 0;
  for (let i = 0; i < rr.processed; i++) {
    const x = a.get(i);
    const y = b.get(i);
    if (!x || !y) {
      if (!!x !== !!y) disagree++;
      continue;
    }
    errs.push(nme(x, y));
  }
  errs.sort((p, q) => p - q);
  const mean = errs.reduce((s, v) => s + v, 0) / Math.max(1, errs.length);
  console.log(`compare    SSD on every frame: ${rr.framesPerSecond.toFixed(1)} frames/s over ${rr.processed} frames`);
  console.log(`           tracked vs SSD-every-frame landmarks: mean ${(mean * 100).toFixed(2)} % of IOD, median ${((errs[errs.length >> 1] ?? 0) * 100).toFixed(2)} %, max ${((errs.at(-1) ?? 0) * 100).toFixed(2)} %; face/no-face disagreements ${disagree}`);
  ref.project.close();
  fs.rmSync(ref.dir, { recursive: true, force: true });
}
project.close();
fs.rmSync(dir, { recursive: true, force: true });
emitResult({ framesPerSecond: rt.framesPerSecond, threads: rt.threads, oneThreadFramesPerSecond: r.framesPerSecond, frames: r.processed, video: path.basename(video), seconds: r.seconds, decodeFramesPerSecond: n / decodeSeconds });
