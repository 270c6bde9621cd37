// Export throughput and memory: builds an Aff-Wild2-sized project straight through SQL inserts
// (videos of 5,000 frames, each labelled for one task, every 5th for two, 2 % human corrections —
// each the majority of two annotators' layers — an ensemble with a soft label on every frame), then runs each export in a fresh child process and
// prints rows/s (wall clock, and per CPU-second of the process: the figure that other load on the
// machine does not distort) and the child's peak RSS. The target (issue 6): >= 200,000 rows/s for
// the default CSV (gaps filled from the ensemble); on a shared machine compare rows per CPU-second.
// Then the limit, in a fresh process too: the same frames, labels and soft labels read by a bare
// better-sqlite3 prepared SELECT (bench/lib/sqlite-limit.ts), and each case's rate as a ratio of it.
//   Run: npx tsx bench/export-speed.ts [--frames 1500000] [--dir /tmp/aw-export-bench] [--keep]
//        [--repeat N] (each case N times)  [--case K] (only case K, 0-based)  [--json]
// The project is rebuilt when --frames changes; with --keep it stays for the next run.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeSoftLabel } from '../src/shared/softlabels';
import { runExport, type ExportFormat, type ExportOptions } from '../src/node/export';
import { Project } from '../src/node/store/project';
import { SOFT_LABEL_WIDTH } from '../src/shared/labels';
import { bareSelect } from './lib/sqlite-limit';
import { emitResult, parseResult, resultLine, withoutResultLines } from './lib/result';

const FRAMES_PER_VIDEO = 5000;

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function build(dir: string, frames: number): void {
  const marker = path.join(dir, 'bench.json');
  const built = fs.existsSync(marker) ? (JSON.parse(fs.readFileSync(marker, 'utf8')) as { frames?: number; annotators?: number }) : {};
  if (built.frames === frames && built.annotators === 1) return;
  fs.rmSync(dir, { recursive: true, force: true });
  const t0 = performance.now();
  const p = Project.create(dir, 'export bench');
  const db = p.db;
  db.pragma('synchronous = OFF');
  const now = new Date().toISOString();
  const ds = Number(db.prepare(`INSERT INTO datasets(name, source_format, created_at) VALUES ('Aff-Wild2 (bench)', 'affwild2', ?)`).run(now).lastInsertRowid);
  const ens = Number(
    db.prepare(`INSERT INTO models(name, kind, arch, status, thresholds, created_at) VALUES ('ensemble', 'ensemble', 'cnn', 'ready', '[0.4,0.4,0.5,0.5,0.5,0.5,0.6,0.6]', ?)`).run(now)
      .lastInsertRowid,
  );
  const media = db.prepare(`INSERT INTO media(dataset_id, name, kind, path, fps, frame_count, timestamps, created_at) VALUES (?, ?, 'video', ?, 30, ?, ?, ?)`);
  const frame = db.prepare('INSERT INTO frames(media_id, idx, subject, split) VALUES (?, ?, ?, ?)');
  const label = db.prepare(
    `INSERT INTO labels(frame_id, task, layer, au_mask, au_bits, expr, valence, arousal, provenance, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const resolved = db.prepare(
    `INSERT INTO labels(frame_id, task, layer, expr, provenance, updated_at, merged_from) VALUES (?, 'expr', 'human', 4, 'human', ?, 'majority')`,
  );
  const annotation = db.prepare(`INSERT INTO annotations(frame_id, task, annotator, expr, provenance, updated_at) VALUES (?, 'expr', ?, 4, 'human', ?)`);
  const soft = db.prepare('INSERT INTO soft_labels(model_id, frame_id, data) VALUES (?, ?, ?)');
  // A few distinct soft-label records, reused (encoding is not what is measured).
  const records = Array.from({ length: 16 }, (_, k) => encodeSoftLabel(Array.from({ length: SOFT_LABEL_WIDTH }, (_, i) => Math.sin(i * 7 + k) * 3)));
  const AU8 = [1, 2, 4, 6, 12, 15, 20, 25];
  const mask = AU8.reduce((m, n) => m | (1n << BigInt(n)), 0n);
  const videos = Math.ceil(frames / FRAMES_PER_VIDEO);
  let made = 0;
  for (let v = 0; v < videos; v++) {
    db.transaction(() => {
      const n = Math.min(FRAMES_PER_VIDEO, frames - made);
      const ts = Buffer.from(new Float64Array(Array.from({ length: n }, (_, i) => i / 30)).buffer);
      const mid = Number(media.run(ds, `video_${v}`, `videos/video_${v}.mp4`, n, ts, now).lastInsertRowid);
      const split = v % 10 === 9 ? 'val' : 'train';
      const tasks = [['au', 'expr', 'va'][v % 3]];
      if (v % 5 === 0) tasks.push(['au', 'expr', 'va'][(v + 1) % 3]);
      for (let i = 0; i < n; i++) {
        const fid = Number(frame.run(mid, i, `subject_${v % 97}`, split).lastInsertRowid);
        for (const t of tasks) {
          if (t === 'au') label.run(fid, 'au', 'imported', mask, BigInt(i * 2654435761) & mask, null, null, null, 'imported', now);
          else if (t === 'expr') label.run(fid, 'expr', 'imported', null, null, (i >> 6) % 7, null, null, 'imported', now);
          else label.run(fid, 'va', 'imported', null, null, null, Math.sin(i / 50), Math.cos(i / 70), 'imported', now);
        }
        if (i % 50 === 7) {
          resolved.run(fid, now);
          annotation.run(fid, 'ann', now);
          annotation.run(fid, 'bob', now);
        }
        soft.run(ens, fid, records[i & 15]);
      }
      made += n;
    })();
  }
  p.close();
  fs.writeFileSync(marker, JSON.stringify({ frames, annotators: 1 }));
  console.log(`built ${frames.toLocaleString()} frames in ${((performance.now() - t0) / 1000).toFixed(1)} s (${(fs.statSync(path.join(dir, 'project.sqlite')).size / 2 ** 20).toFixed(0)} MiB)`);
}

interface Case {
  name: string;
  format: ExportFormat;
  options: ExportOptions;
}
const CASES: Case[] = [
  { name: 'csv gt+human', format: 'csv', options: { model: 'none' } },
  { name: 'csv gt+human+ensemble (default)', format: 'csv', options: {} },
  { name: 'csv + probabilities', format: 'csv', options: { probabilities: true } },
  { name: 'jsonl (default)', format: 'jsonl', options: {} },
  { name: 'affwild2 (default)', format: 'affwild2', options: {} },
  { name: 'csv + annotator columns (wide)', format: 'csv', options: { annotators: 'wide' } },
  { name: 'csv, annotator policy latest', format: 'csv', options: { annotatorPolicy: 'latest' } },
];

async function child(dir: string, k: number): Promise<void> {
  const c = CASES[k];
  const out = path.join(dir, `out-${k}.${c.format === 'affwild2' ? 'd' : c.format}`);
  const p = Project.open(dir);
  const rssBefore = process.memoryUsage().rss;
  let peak = rssBefore;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const s = await runExport(p, c.format, out, { ...c.options, overwrite: true }, () => {
    peak = Math.max(peak, process.memoryUsage().rss);
  });
  const secs = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuSecs = (cpu.user + cpu.system) / 1e6;
  const bytes = s.files.reduce((a, f) => a + fs.statSync(f).size, 0);
  const maxRss = process.resourceUsage().maxRSS * 1024;
  p.close();
  fs.rmSync(out, { recursive: true, force: true });
  console.log(resultLine({ name: c.name, rows: s.rows, seconds: secs, cpuSeconds: cpuSecs }));
  console.log(
    `${c.name.padEnd(34)} ${s.rows.toLocaleString().padStart(10)} rows  ${secs.toFixed(2).padStart(6)} s  ${Math.round(s.rows / secs).toLocaleString().padStart(9)} rows/s  ` +
      `(${Math.round(s.rows / cpuSecs).toLocaleString().padStart(9)} rows per CPU-s)  ` +
      `peak RSS ${(Math.max(peak, maxRss) / 2 ** 20).toFixed(0)} MiB (at start ${(rssBefore / 2 ** 20).toFixed(0)})  ${(bytes / 2 ** 20).toFixed(0)} MiB in ${s.files.length} file(s)`,
  );
}

/** The limit: the rows the default export reads, by a bare SELECT (the newest ready ensemble's soft labels). */
function bareChild(dir: string): void {
  const p = Project.open(dir);
  const model = p.db.prepare(`SELECT id FROM models WHERE kind = 'ensemble' AND status = 'ready' ORDER BY id DESC LIMIT 1`).pluck().get() as number | undefined;
  const cpu0 = process.cpuUsage();
  const r = bareSelect(p.db, model ?? null);
  const cpu = process.cpuUsage(cpu0);
  p.close();
  const cpuSecs = (cpu.user + cpu.system) / 1e6;
  console.log(resultLine({ name: 'bare select', rows: r.frames, seconds: r.seconds, cpuSeconds: cpuSecs }));
  console.log(
    `${'limit: bare prepared SELECT'.padEnd(34)} ${r.frames.toLocaleString().padStart(10)} rows  ${r.seconds.toFixed(2).padStart(6)} s  ` +
      `${Math.round(r.frames / r.seconds).toLocaleString().padStart(9)} rows/s  (${Math.round(r.frames / cpuSecs).toLocaleString().padStart(9)} rows per CPU-s)  frames ⋈ labels + soft labels, nothing written`,
  );
}

interface CaseResult {
  name: string;
  rows: number;
  seconds: number;
  cpuSeconds: number;
}

/** Runs one child (a case number or 'bare'), its report shown, its result returned. */
function runChild(self: string, dir: string, which: string): CaseResult {
  const r = spawnSync(process.execPath, [...process.execArgv, self, '--dir', dir, '--child', which], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
  process.stdout.write(withoutResultLines(r.stdout ?? ''));
  const result = parseResult(r.stdout ?? '') as CaseResult | undefined;
  if (r.status !== 0 || !result) throw new Error(`export child ${which} failed`);
  return result;
}

async function main(): Promise<void> {
  const dir = arg('dir') ?? path.join(os.tmpdir(), 'aw-export-bench');
  const k = arg('child');
  if (k === 'bare') return bareChild(dir);
  if (k !== undefined) return child(dir, Number(k));
  const frames = Number(arg('frames') ?? 1_500_000);
  build(dir, frames);
  console.log(`node ${process.version}, ${os.cpus().length} cores; each export in a fresh process`);
  const self = fileURLToPath(import.meta.url);
  const repeat = Number(arg('repeat') ?? 1);
  const only = arg('case');
  const cases: CaseResult[] = [];
  for (let i = 0; i < CASES.length; i++) {
    if (only !== undefined && Number(only) !== i) continue;
    for (let k = 0; k < repeat; k++) cases.push(runChild(self, dir, String(i)));
  }
  const bare = runChild(self, dir, 'bare');
  for (const c of cases) {
    console.log(`  ${c.name.padEnd(32)} ours / bare = ${(c.rows / c.seconds / (bare.rows / bare.seconds)).toFixed(2)} (wall), ${(c.rows / c.cpuSeconds / (bare.rows / bare.cpuSeconds)).toFixed(2)} (CPU)`);
  }
  emitResult({ frames, cases, bare });
  if (!process.argv.includes('--keep')) fs.rmSync(dir, { recursive: true, force: true });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
