// Progress to a stream that is not a terminal (a log file, CI): the CLI's one throttle
// (src/cli/progress.ts) — a line when a stage starts, then at most one every 10 s or every 5 % (never
// two within a second), and the final line — used by run-job.ts and the demo's bars.
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { progressLines, progressThrottle } from '../../src/cli/progress';
import { runJob } from '../../src/cli/run-job';
import { Project } from '../../src/node/store/project';
import { tempDir } from './helpers';

function fakeStream() {
  const lines: string[] = [];
  return { lines, stream: { isTTY: false, write: (s: string) => lines.push(...s.split('\n').filter(Boolean)) } };
}

/** A clock the test moves. */
function fakeClock() {
  let t = 1_000_000;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('progressThrottle', () => {
  it('lets through the first report of a stage, every 5 % (not within a second), every 10 s, and the final one once', () => {
    const clock = fakeClock();
    const pass = progressThrottle({ now: clock.now });
    expect(pass(1, 100, 'epoch 1/2')).toBe(true);
    clock.advance(500);
    expect(pass(2, 100, 'epoch 1/2')).toBe(false);
    clock.advance(600);
    expect(pass(3, 100, 'epoch 1/2')).toBe(false); // 1.1 s, 2 % since the last line
    expect(pass(6, 100, 'epoch 1/2')).toBe(true); // 5 %
    clock.advance(300);
    expect(pass(20, 100, 'epoch 1/2')).toBe(false); // 14 % but 0.3 s after the last line
    clock.advance(10_000);
    expect(pass(21, 100, 'epoch 1/2')).toBe(true); // 10 s
    expect(pass(100, 100, 'epoch 1/2')).toBe(true); // final, at once
    expect(pass(100, 100, 'epoch 1/2')).toBe(false); // not twice
    expect(pass(1, 100, 'epoch 2/2')).toBe(true); // a new stage
  });
});

describe('progressLines on a non-terminal stream', () => {
  it('a long run of fast batches writes about one line per 5 %, with the final line, not one per batch', () => {
    const clock = fakeClock();
    const { lines, stream } = fakeStream();
    const p = progressLines(stream, 'train.teacher', { now: clock.now });
    for (let i = 1; i <= 1000; i++) {
      clock.advance(200); // 1,000 batches of 0.2 s
      p.update(i, 1000, 'epoch 1/1', 'loss 1.000');
    }
    expect(lines.length).toBeLessThanOrEqual(22);
    expect(lines.length).toBeGreaterThanOrEqual(20);
    expect(lines[0]).toBe('epoch 1/1: 1/1000 (0%) loss 1.000');
    expect(lines.at(-1)).toBe('epoch 1/1: 1000/1000 (100%) loss 1.000');
  });
  it('slow batches: at most one line every 10 s', () => {
    const clock = fakeClock();
    const { lines, stream } = fakeStream();
    const p = progressLines(stream, 'x', { now: clock.now });
    for (let i = 1; i <= 600; i++) {
      clock.advance(1_000); // 600 batches of 1 s: 5 % is 30 s, so the 10 s rule speaks
      p.update(i, 600, 'epoch 1/1');
    }
    expect(lines.length).toBeGreaterThanOrEqual(59);
    expect(lines.length).toBeLessThanOrEqual(62);
  });
  it('a burst (thousands of reports within a second) writes the first and the final line only; a stage without one falls back to the label', () => {
    const clock = fakeClock();
    const { lines, stream } = fakeStream();
    const p = progressLines(stream, 'rendering', { now: clock.now });
    for (let i = 1; i <= 5000; i++) p.update(i, 5000, null);
    expect(lines).toEqual(['rendering: 1/5000 (0%)', 'rendering: 5000/5000 (100%)']);
  });
});

describe('run-job: a job’s progress on a non-terminal stream', () => {
  const tmp = tempDir('aw-progress-');
  afterAll(() => tmp.cleanup());
  it('writes throttled lines, not one per progress event, ending with the final one', async () => {
    const dir = path.join(tmp.dir, 'p');
    Project.create(dir).close();
    const { lines, stream } = fakeStream();
    const job = await runJob(dir, 'test.sleep', { steps: 120, ms: 2 }, { stream });
    expect(job.status).toBe('done');
    const progress = lines.filter((l) => l.startsWith('sleeping: '));
    expect(progress.length).toBeGreaterThanOrEqual(2);
    expect(progress.length).toBeLessThan(20);
    expect(progress.at(-1)).toMatch(/^sleeping: 120\/120 \(100%\)/);
  }, 60_000);
});
