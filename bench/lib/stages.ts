// Wall time of a bench's stages, each one or more worker jobs run through the CLI's runJob, with
// the feature cache's counters read from the jobs' log lines ("backbone features: N computed, M
// read", src/ml/train/backbone-features.ts): a stage that computes features it should have read
// shows at once. Shared by bench/algorithm.ts and bench/learning.ts.
import type { RunJobOptions } from '../../src/cli/run-job';

export interface StageTime {
  stage: string;
  seconds: number;
  /** "N computed, M read" (the form bench/lib/summary.ts shows). */
  features: string;
  computed: number;
  read: number;
}

/** The feature-cache counters of some job log lines, summed. */
export function featureCounts(lines: readonly string[]): { computed: number; read: number } {
  return lines
    .map((l) => /(\d+) computed, (\d+) read/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .reduce((a, m) => ({ computed: a.computed + Number(m[1]), read: a.read + Number(m[2]) }), { computed: 0, read: 0 });
}

/** Stages timed in order; `run` gives its function the runJob options that capture the counters. */
export class Stages {
  readonly list: StageTime[] = [];

  constructor(private readonly print = true) {}

  async run<T>(name: string, fn: (opts: RunJobOptions) => Promise<T>): Promise<T> {
    const lines: string[] = [];
    // Not a terminal: no progress bar; only the feature counters' and the backend's lines are kept.
    const opts: RunJobOptions = {
      stream: { isTTY: false, write: (s: string) => void lines.push(...s.split('\n').filter((l) => /backbone features|compute backend/.test(l))) },
    };
    const t = Date.now();
    const r = await fn(opts);
    const seconds = (Date.now() - t) / 1000;
    const c = featureCounts(lines);
    const s: StageTime = { stage: name, seconds, features: `${c.computed} computed, ${c.read} read`, ...c };
    this.list.push(s);
    if (this.print) console.log(`${name}: ${seconds.toFixed(1)} s; backbone features ${s.features}`);
    return r;
  }
}

/** The stages as a table: name, seconds, counters. */
export function stageTable(stages: readonly StageTime[], width = 28): string[] {
  return [`  ${'stage'.padEnd(width)} ${'seconds'.padStart(8)}  backbone features`, ...stages.map((s) => `  ${s.stage.padEnd(width)} ${s.seconds.toFixed(1).padStart(8)}  ${s.features}`)];
}
