// Progress on stderr when it is not a terminal (a log file, CI): plain lines, throttled so that a
// long run writes a readable log rather than a line per batch. One rule for every place the CLI
// reports progress (run-job.ts for jobs, commands/demo.ts for the demo's own stages): a line when a
// stage starts, then at most one every PROGRESS_INTERVAL_MS or every PROGRESS_STEP of the stage's
// total (whichever comes first, but never twice within PROGRESS_MIN_GAP_MS), and the stage's final
// line (done = total) always. A terminal gets a live bar instead (cli-progress).

/** Seconds between two lines of a stage whose progress is slow. */
export const PROGRESS_INTERVAL_MS = 10_000;
/** A line whenever the stage advanced this fraction of its total since the last one. */
export const PROGRESS_STEP = 0.05;
/** Never two lines of a stage closer than this (fast stages), except its first and final ones. */
export const PROGRESS_MIN_GAP_MS = 1_000;

export interface ThrottleOptions {
  intervalMs?: number;
  step?: number;
  minGapMs?: number;
  /** The clock (ms), for tests. */
  now?: () => number;
}

/** Whether a progress report becomes a line: a function of (done, total, stage) keeping its own state. */
export type ProgressThrottle = (done: number, total: number, stage: string | null) => boolean;

export function progressThrottle(o: ThrottleOptions = {}): ProgressThrottle {
  const intervalMs = o.intervalMs ?? PROGRESS_INTERVAL_MS;
  const step = o.step ?? PROGRESS_STEP;
  const minGapMs = o.minGapMs ?? PROGRESS_MIN_GAP_MS;
  const now = o.now ?? Date.now;
  let last: { at: number; frac: number; stage: string | null; final: boolean } | null = null;
  return (done, total, stage) => {
    const at = now();
    const frac = total > 0 ? Math.min(1, done / total) : 0;
    const final = total > 0 && done >= total;
    let pass: boolean;
    if (last === null || stage !== last.stage) pass = true;
    else if (final) pass = !last.final;
    else pass = at - last.at >= minGapMs && (at - last.at >= intervalMs || frac - last.frac >= step - 1e-9);
    if (pass) last = { at, frac, stage, final };
    return pass;
  };
}

/** What progress is written to: process.stderr, or a fake in tests. */
export interface ProgressStream {
  isTTY?: boolean;
  write(s: string): unknown;
}

export interface ProgressLines {
  /** Reports progress; writes a line when the throttle lets it through. */
  update(done: number, total: number, stage: string | null, info?: string): void;
}

/** "epoch 2/8: 120/800 (15%) loss 1.234": the throttled plain lines of a non-terminal stream. */
export function progressLines(stream: ProgressStream, fallbackStage: string, o: ThrottleOptions = {}): ProgressLines {
  const pass = progressThrottle(o);
  return {
    update(done, total, stage, info = '') {
      if (!pass(done, total, stage)) return;
      const pct = total > 0 ? ` (${Math.floor((100 * Math.min(done, total)) / total)}%)` : '';
      stream.write(`${stage ?? fallbackStage}: ${done}/${total}${pct}${info ? ` ${info}` : ''}\n`);
    },
  };
}
