// Installs like a tool, runs from anywhere: `npm pack`, the tarball installed into an empty prefix,
// then every verb of a small study run by the installed `affect-workbench` from a folder that is
// neither the source tree nor the install prefix — including the jobs that run in a worker process
// (faces, training, soft labels), which is what broke when workers were started with `--import tsx`.
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const SHARED_VIDEO = path.resolve(ROOT, '..', 'shared', 'data', 'video', 'single_face.mp4');
const FRAMES = 72;

let tmp = '';
let prefix = '';
let work = '';
let bin = '';
let tarballFiles: string[] = [];

function run(cmd: string, args: string[], cwd: string, timeout = 300_000): SpawnSyncReturns<string> {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout, env: { ...process.env, AW_HOME: path.join(tmp, 'aw-home') } });
  if (r.status !== 0) throw new Error(`${path.basename(cmd)} ${args.join(' ')} exited ${r.status ?? r.signal}:\n${r.stdout}\n${r.stderr}`);
  return r;
}
const aw = (...args: string[]) => run(process.execPath, [bin, ...args], work);

/** A face video: the shared single_face.mp4 where ../shared is beside the checkout, else one made from face-api's sample photo. */
function faceVideo(): string {
  if (fs.existsSync(SHARED_VIDEO)) return SHARED_VIDEO;
  const photo = path.join(path.dirname(createRequire(import.meta.url).resolve('@vladmandic/face-api/package.json')), 'demo', 'sample1.jpg');
  const out = path.join(tmp, 'single_face.mp4');
  run('ffmpeg', ['-v', 'error', '-loop', '1', '-i', photo, '-frames:v', String(FRAMES), '-r', '24', '-vf', 'scale=640:-2', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', out], tmp);
  return out;
}

/** Aff-Wild2-style labels (expression and VA per frame) for two copies of the video: one train, one validation. */
function writeLabels(video: string, frames: number): { ann: string; videos: string } {
  const videos = path.join(work, 'videos');
  const ann = path.join(work, 'ann');
  fs.mkdirSync(videos, { recursive: true });
  for (const [split, name] of [['Train_Set', 'train_clip'], ['Validation_Set', 'val_clip']]) {
    fs.copyFileSync(video, path.join(videos, `${name}.mp4`));
    const expr = Array.from({ length: frames }, (_, i) => String(Math.floor(i / 12) % 7));
    const va = Array.from({ length: frames }, (_, i) => `${(((i % 20) - 10) / 10).toFixed(2)},${(((i % 9) - 4) / 5).toFixed(2)}`);
    fs.mkdirSync(path.join(ann, 'EXPR_Set', split), { recursive: true });
    fs.mkdirSync(path.join(ann, 'VA_Set', split), { recursive: true });
    fs.writeFileSync(path.join(ann, 'EXPR_Set', split, `${name}.txt`), ['Neutral,Anger,Disgust,Fear,Happiness,Sadness,Surprise', ...expr].join('\n') + '\n');
    fs.writeFileSync(path.join(ann, 'VA_Set', split, `${name}.txt`), ['valence,arousal', ...va].join('\n') + '\n');
  }
  return { ann, videos };
}

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'aw-pack-'));
  prefix = path.join(tmp, 'prefix');
  work = path.join(tmp, 'lab-data');
  fs.mkdirSync(prefix);
  fs.mkdirSync(work);
  fs.mkdirSync(path.join(tmp, 'aw-home'));
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  // Build, then pack without lifecycle scripts so that stdout is npm's JSON alone (prepack would
  // print the build's output, brackets included, before it).
  run(npm, ['run', 'build'], ROOT);
  const packed = JSON.parse(run(npm, ['pack', '--json', '--ignore-scripts', '--pack-destination', tmp], ROOT).stdout) as { filename: string; files: { path: string }[] }[];
  tarballFiles = packed[0].files.map((f) => f.path);
  run(npm, ['install', '--prefix', prefix, path.join(tmp, packed[0].filename), '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline'], tmp, 600_000);
  bin = path.join(prefix, 'node_modules', 'affect-workbench', 'bin', 'affect-workbench.js');
});

afterAll(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('the packed and installed workbench, used from another folder', () => {
  it('the tarball carries the built program and not the sources or tests', () => {
    for (const f of ['bin/affect-workbench.js', 'out/main/cli.js', 'out/main/worker.js', 'out/main/ml-thread.js', 'out/main/face-thread.js', 'out/main/index.js', 'out/preload/index.cjs', 'out/renderer/index.html', 'out/native/aw_conv.node', 'resources/icon.png'])
      expect(tarballFiles, f).toContain(f);
    expect(tarballFiles.filter((f) => /^(src|tests|bench|\.ci)\//.test(f))).toEqual([]);
    // Nothing from the source tree is needed at run time: the install has no tsx.
    expect(fs.existsSync(path.join(prefix, 'node_modules', 'tsx'))).toBe(false);
  });

  it('init, import video (faces job), labels, train teacher, soft labels, evaluate, export, serve', async () => {
    const video = faceVideo();
    aw('init', 'study');
    // The faces job runs in its worker process and reports per media item on stderr.
    const imported = aw('import', 'video', 'study', video);
    expect(imported.stdout).toMatch(/Imported video into dataset "video"/);
    const faces = /media 1: (\d+) frames \((\d+) with a face/.exec(imported.stderr);
    expect(faces, imported.stderr).not.toBeNull();
    const frames = Number(faces![1]);
    expect(frames).toBeGreaterThan(10);
    expect(Number(faces![2])).toBe(frames);

    const { ann, videos } = writeLabels(video, frames);
    aw('import', 'affwild2', 'study', ann, '--videos', videos, '--downsample', 'expr=1,va=1', '--dataset', 'clips');

    const train = aw('train', 'teacher', 'study', '--backbone', 'small', '--epochs', '1');
    expect(train.stdout + train.stderr).toMatch(/EXPR/);
    // the installed package's native kernels, loaded from its own out/native
    expect(train.stdout + train.stderr).toMatch(new RegExp(`native kernels: ${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/node_modules/affect-workbench/out/native/aw_conv\\.node \\(OpenBLAS`));
    const models = JSON.parse(aw('models', 'study', '--json').stdout) as { id: number; kind: string; status: string }[];
    const teacher = models.find((m) => m.kind === 'teacher')!;
    expect(teacher.status).toBe('ready');

    expect(aw('soft-labels', 'study', '--model', String(teacher.id)).stdout).toMatch(/soft labels/);
    const evaluation = JSON.parse(aw('evaluate', 'study', '--model', String(teacher.id), '--json').stdout) as { split: string; expr: { score: number } };
    expect(evaluation.split).toBe('val');
    expect(evaluation.expr.score).toBeGreaterThanOrEqual(0);

    aw('export', 'csv', 'study', 'labels.csv');
    const csv = fs.readFileSync(path.join(work, 'labels.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toMatch(/^dataset,media,frame,/);
    expect(csv.length).toBeGreaterThanOrEqual(1 + 3 * frames);
    expect(JSON.parse(fs.readFileSync(path.join(work, 'labels.csv.json'), 'utf8'))).toMatchObject({ format: 'affect-workbench merged-labels' });

    // serve: the page answers 200 once the token is handed over, and the API answers with the cookie.
    const server = spawn(process.execPath, [bin, 'serve', 'study'], { cwd: work, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, AW_HOME: path.join(tmp, 'aw-home') } });
    try {
      const launch = await new Promise<string>((resolve, reject) => {
        let out = '';
        const timer = setTimeout(() => reject(new Error(`serve printed no URL: ${out}`)), 30_000);
        server.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /Open: (http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]+)/.exec(out);
          if (m) {
            clearTimeout(timer);
            resolve(m[1]);
          }
        });
        server.on('exit', (code) => reject(new Error(`serve exited ${code}: ${out}`)));
      });
      const exchange = await fetch(launch, { redirect: 'manual' });
      expect(exchange.status).toBe(303);
      const cookie = exchange.headers.get('set-cookie')!.split(';')[0];
      const page = await fetch(new URL('/', launch), { headers: { cookie } });
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<div id="root">');
      const info = await fetch(new URL('/api/app.info', launch), { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: '{}' });
      expect(await info.json()).toMatchObject({ ok: true, value: { project: { name: 'study' } } });
    } finally {
      server.kill('SIGTERM');
    }
  });

  it("a frozen face teacher's students train in the installed learning threads (out/main/ml-thread.js)", () => {
    // The project of the test above. Two learning threads whatever the machine has.
    const saved = process.env.AW_THREADS;
    process.env.AW_THREADS = '2';
    try {
      aw('train', 'teacher', 'study', '--backbone', 'face', '--freeze-backbone', '--epochs', '1');
      const models = JSON.parse(aw('models', 'study', '--json').stdout) as { id: number; kind: string; status: string; backbone: string | null }[];
      const teacher = models.filter((m) => m.kind === 'teacher' && m.backbone === 'face').at(-1)!;
      aw('soft-labels', 'study', '--model', String(teacher.id));
      const students = aw('train', 'students', 'study', '--teacher', String(teacher.id), '--count', '2', '--epochs', '1');
      const said = students.stdout + students.stderr;
      expect(said).toMatch(/learning threads: 2/);
      expect(said.match(/^student [12]\/2: .*\(learning thread [12]\)$/gm), said).toHaveLength(2);
      const after = JSON.parse(aw('models', 'study', '--json').stdout) as { kind: string; status: string }[];
      expect(after.filter((m) => m.kind === 'student' && m.status === 'ready')).toHaveLength(2);
      expect(after.filter((m) => m.kind === 'ensemble' && m.status === 'ready')).toHaveLength(1);
    } finally {
      if (saved === undefined) delete process.env.AW_THREADS;
      else process.env.AW_THREADS = saved;
    }
  });

  it('detects faces in the installed face threads (out/main/face-thread.js)', () => {
    // 240 frames of a face: two threads of 120 (MIN_FRAMES_PER_FACE_THREAD), whatever the machine has.
    const photo = path.join(path.dirname(createRequire(import.meta.url).resolve('@vladmandic/face-api/package.json')), 'demo', 'sample3.jpg');
    const clip = path.join(tmp, 'long_face.mp4');
    run('ffmpeg', ['-v', 'error', '-loop', '1', '-i', photo, '-frames:v', '240', '-r', '24', '-vf', 'scale=640:-2', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', clip], tmp);
    const saved = process.env.AW_THREADS;
    process.env.AW_THREADS = '2';
    try {
      aw('init', 'faces-study');
      const imported = aw('import', 'video', 'faces-study', clip);
      expect(imported.stderr).toMatch(/face models on wasm.*; face threads: 2/);
      expect(imported.stderr).toMatch(/media 1: 240 frames \(240 with a face, 0 without\) at [\d.]+ frames\/s in 2 threads/);
    } finally {
      if (saved === undefined) delete process.env.AW_THREADS;
      else process.env.AW_THREADS = saved;
    }
  });
});
