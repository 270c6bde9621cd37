// Many annotators (issue 15): what an annotator's layer costs an edit. Each label write goes to the
// annotator's row in `annotations` and re-materialises the resolved human row of its (frame, task)
// (src/node/labels), so one edit writes about twice the rows the one-layer writer wrote. Measures,
// on a media item of --frames frames (default 10,000), the labels.edit of the whole range by 1, 2
// and 3 annotators in turn (the k-th resolves over k layers), an undo, and a policy switch that
// re-materialises every resolved row; wall clock and CPU time of this process (the figure that other
// load on the machine does not distort). Target: an edit of 10,000 frames stays interactive (< 1 s).
//   Run: npx tsx bench/annotators.ts [--frames 10000] [--repeat 3] [--json]
import { reviewFixture } from '../tests/unit/review-fixture';
import { emitResult } from './lib/result';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

async function timed<T>(fn: () => Promise<T>): Promise<{ wallMs: number; cpuMs: number; out: T }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const out = await fn();
  const wallMs = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { wallMs, cpuMs: (c.user + c.system) / 1000, out };
}

async function main(): Promise<void> {
  const frames = arg('frames', 10_000);
  const repeat = arg('repeat', 3);
  const rows: { case: string; wallMs: number; cpuMs: number }[] = [];
  for (let r = 0; r < repeat; r++) {
    const fx = await reviewFixture(frames, { softLabels: false });
    try {
      const m = fx.mediaId;
      const to = frames - 1;
      const cases: [string, () => Promise<unknown>][] = [
        ['edit expr, 1st annotator', () => fx.call('labels.edit', { mediaId: m, name: 'A', from: 0, to, author: 'alice', change: { kind: 'expr', value: 4 } })],
        ['edit expr, 2nd annotator', () => fx.call('labels.edit', { mediaId: m, name: 'B', from: 0, to, author: 'bob', change: { kind: 'expr', value: 2 } })],
        ['edit AU6, 3rd annotator', () => fx.call('labels.edit', { mediaId: m, name: 'C', from: 0, to, author: 'carol', change: { kind: 'au', values: { AU6: 1 } } })],
        ['undo (2nd annotator)', () => fx.call('labels.undo', { mediaId: m, author: 'bob' })],
        ['policy switch (all rows)', () => fx.call('annotators.policy', { set: 'latest' })],
      ];
      for (const [name, fn] of cases) {
        const t = await timed(fn);
        rows.push({ case: name, wallMs: t.wallMs, cpuMs: t.cpuMs });
      }
    } finally {
      await fx.close();
    }
  }
  const names = [...new Set(rows.map((r) => r.case))];
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  console.log(`annotator layers, ${frames.toLocaleString('en-US')} frames, median of ${repeat}:`);
  const result: Record<string, { wallMs: number; cpuMs: number }> = {};
  for (const n of names) {
    const mine = rows.filter((r) => r.case === n);
    result[n] = { wallMs: median(mine.map((r) => r.wallMs)), cpuMs: median(mine.map((r) => r.cpuMs)) };
    console.log(`  ${n.padEnd(28)} ${result[n].wallMs.toFixed(0).padStart(6)} ms wall  ${result[n].cpuMs.toFixed(0).padStart(6)} ms CPU`);
  }
  emitResult({ frames, repeat, cases: result });
}

void main();
