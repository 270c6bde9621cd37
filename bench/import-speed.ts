// Label import speed: generates an Aff-Wild2-style annotation tree (AU_Set / EXPR_Set / VA_Set with
// Train_Set / Validation_Set, ~2 M label lines by default) in a temp folder, imports it label-only
// into a fresh project and prints label rows/s and peak RSS. Target: ≥ 300,000 rows/s with memory
// flat in the file size (run with --lines 500000 and --lines 4000000 to compare the peaks).
// Then the limit, same run: the same frames and label rows re-inserted by a bare better-sqlite3
// prepared INSERT (bench/lib/sqlite-limit.ts), and our rate as a ratio of it.
//   npx tsx bench/import-speed.ts [--lines N] [--frames-per-video N] [--keep] [--json]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runImport } from '../src/node/importers/index';
import { Project } from '../src/node/store/project';
import { bareInsert } from './lib/sqlite-limit';
import { emitResult } from './lib/result';

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}

const targetLines = arg('lines', 2_000_000);
const perVideo = arg('frames-per-video', 5000);
const keep = process.argv.includes('--keep');

/** Deterministic pseudo-random numbers (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const AU_HEADER = 'AU1,AU2,AU4,AU6,AU12,AU15,AU20,AU25';
const EXPR_HEADER = 'Neutral,Anger,Disgust,Fear,Happiness,Sadness,Surprise';

/** Writes the tree; video v has AU labels when v % 3 != 2, EXPR when v % 2 == 0, VA when v % 4 == 0 (~10 % "no label" lines). */
function generate(root: string): { lines: number; bytes: number; videos: number } {
  const r = rng(2020);
  let lines = 0;
  let bytes = 0;
  let v = 0;
  const tasks = (i: number) => [i % 3 !== 2 ? 'AU' : '', i % 2 === 0 ? 'EXPR' : '', i % 4 === 0 ? 'VA' : ''].filter(Boolean);
  while (lines < targetLines) {
    const split = v % 5 === 4 ? 'Validation_Set' : 'Train_Set';
    for (const t of tasks(v)) {
      const out: string[] = [t === 'AU' ? AU_HEADER : t === 'EXPR' ? EXPR_HEADER : 'valence,arousal'];
      for (let f = 0; f < perVideo; f++) {
        const none = r() < 0.1;
        if (t === 'AU') out.push(none ? '-1,-1,-1,-1,-1,-1,-1,-1' : Array.from({ length: 8 }, () => (r() < 0.3 ? '1' : '0')).join(','));
        else if (t === 'EXPR') out.push(none ? '-1' : String(Math.floor(r() * 7)));
        else out.push(none ? '-5,-5' : `${(r() * 2 - 1).toFixed(4)},${(r() * 2 - 1).toFixed(4)}`);
      }
      const text = out.join('\n') + '\n';
      const dir = path.join(root, `${t}_Set`, split);
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, `video${v}.txt`), text);
      lines += perVideo;
      bytes += text.length;
    }
    v++;
  }
  return { lines, bytes, videos: v };
}

async function main(): Promise<void> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'aw-bench-import-'));
  try {
    const ann = path.join(tmp, 'annotations');
    const t0 = performance.now();
    const g = generate(ann);
    console.log(`generated ${g.lines.toLocaleString('en')} label lines (${(g.bytes / 1e6).toFixed(0)} MB, ${g.videos} videos) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const project = Project.create(path.join(tmp, 'project'));
    if (global.gc) global.gc();
    const rssBefore = process.memoryUsage().rss;
    let peak = rssBefore;
    const sample = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
    const cpu0 = process.cpuUsage();
    const t1 = performance.now();
    const s = await runImport(project, 'affwild2', [ann], {}, () => (peak = Math.max(peak, process.memoryUsage().rss)));
    const secs = (performance.now() - t1) / 1000;
    const cpu = process.cpuUsage(cpu0);
    clearInterval(sample);
    peak = Math.max(peak, process.memoryUsage().rss);
    const labelRows = s.labels.au + s.labels.expr + s.labels.va;
    const mb = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;
    console.log(`imported ${s.rowsRead.toLocaleString('en')} label lines → ${labelRows.toLocaleString('en')} label rows + ${s.framesCreated.toLocaleString('en')} frames in ${secs.toFixed(2)} s (CPU ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s)`);
    const cpuSecs = (cpu.user + cpu.system) / 1e6;
    console.log(`  ${Math.round(s.rowsRead / secs).toLocaleString('en')} label lines/s, ${Math.round(labelRows / secs).toLocaleString('en')} label rows/s written (wall clock)`);
    console.log(`  ${Math.round(s.rowsRead / cpuSecs).toLocaleString('en')} label lines per CPU-second (the figure a busy machine cannot distort)`);
    console.log(`  RSS before ${mb(rssBefore)}, peak during import ${mb(peak)} (+${mb(peak - rssBefore)}); label files ${mb(g.bytes)}`);
    const bare = Project.create(path.join(tmp, 'bare'));
    const limit = bareInsert(project.db, bare.db);
    bare.close();
    project.close();
    if (limit.labelRows !== labelRows) throw new Error(`the bare insert wrote ${limit.labelRows} label rows, the import ${labelRows}`);
    const ours = labelRows / secs;
    const bareRate = labelRows / limit.seconds;
    console.log(
      `limit: the same ${limit.frames.toLocaleString('en')} frames + ${labelRows.toLocaleString('en')} label rows by a bare prepared INSERT in one transaction: ` +
        `${limit.seconds.toFixed(2)} s = ${Math.round(bareRate).toLocaleString('en')} label rows/s; ours / bare = ${(ours / bareRate).toFixed(2)}`,
    );
    emitResult({ lines: s.rowsRead, labelRows, frames: s.framesCreated, seconds: secs, cpuSeconds: cpuSecs, limitSeconds: limit.seconds });
  } finally {
    if (keep) console.log(`kept ${tmp}`);
    else fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
