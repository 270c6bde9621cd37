// How a bench hands its figures to the summary (bench/summary.ts): run with `--json`, it prints
// its human-readable report as usual and, last, one line `BENCH_RESULT {json}`; the summary runs
// it as a child process (a fresh backend and heap per bench) and reads that line back.
import { spawn } from 'node:child_process';
import path from 'node:path';

const TAG = 'BENCH_RESULT ';

/** Whether this bench was asked for its machine-readable result. */
export function wantsJson(argv: readonly string[] = process.argv): boolean {
  return argv.includes('--json');
}

/** The result line of `payload` (what a bench's own child processes print to it, always). */
export function resultLine(payload: unknown): string {
  return TAG + JSON.stringify(payload);
}

/** Prints the result line when `--json` was given. */
export function emitResult(payload: unknown): void {
  if (wantsJson()) console.log(resultLine(payload));
}

/** `text` without its result lines (to show a child's report). */
export function withoutResultLines(text: string): string {
  return text
    .split('\n')
    .filter((l) => !l.startsWith(TAG))
    .join('\n');
}

/** The payload of the last result line of `stdout`, or undefined. */
export function parseResult(stdout: string): unknown {
  const line = stdout
    .split('\n')
    .reverse()
    .find((l) => l.startsWith(TAG));
  return line === undefined ? undefined : JSON.parse(line.slice(TAG.length));
}

export interface ChildRun<T> {
  result?: T;
  /** Why there is no result (exit status and the last line of output). */
  error?: string;
  seconds: number;
}

/**
 * Runs bench/NAME.ts with `args --json` through tsx, its output shown on stderr as it comes (indented,
 * the result line left out), and returns its result. Never throws: a failed bench is a row saying so.
 */
export function runBench<T>(name: string, args: string[], opts: { timeoutMs?: number } = {}): Promise<ChildRun<T>> {
  const root = path.resolve(import.meta.dirname, '..', '..');
  const t0 = performance.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'bench', `${name}.ts`), ...args, '--json'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let tail = '';
    let pending = '';
    const show = (chunk: string, keep: boolean) => {
      if (keep) out += chunk;
      pending += chunk;
      const lines = pending.split(/\r|\n/);
      pending = lines.pop() ?? '';
      for (const l of lines) {
        // tfjs-node's kernels registering again after its native part failed to load: noise.
        if (l.startsWith(TAG) || l.trim() === '' || /^The kernel '.*' for backend '.*' is already registered/.test(l)) continue;
        process.stderr.write(`  ${name} | ${l}\n`);
        tail = l;
      }
    };
    child.stdout.setEncoding('utf8').on('data', (c: string) => show(c, true));
    child.stderr.setEncoding('utf8').on('data', (c: string) => show(c, false));
    let timedOut = false;
    const timer = opts.timeoutMs
      ? setTimeout(() => {
          timedOut = true;
          child.kill('SIGTERM');
        }, opts.timeoutMs)
      : undefined;
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      const seconds = (performance.now() - t0) / 1000;
      let result: T | undefined;
      try {
        result = parseResult(out) as T | undefined;
      } catch (e) {
        resolve({ error: `unreadable result: ${(e as Error).message}`, seconds });
        return;
      }
      if (result !== undefined && code === 0) resolve({ result, seconds });
      else resolve({ error: `${signal ? `killed (${signal}${timedOut ? ', over its time limit' : ''})` : `exit ${code}`}: ${tail.trim()}`, seconds });
    });
  });
}
