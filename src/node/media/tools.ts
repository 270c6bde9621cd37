// The ffmpeg/ffprobe binaries and a child-process runner that streams stdout line by line, so a
// probe of a long video (hundreds of thousands of packets) never holds its whole output as text.
import { spawn } from 'node:child_process';
import { AppError } from '../../shared/result';

/** The ffmpeg binary: $AFFECT_FFMPEG, else $FFMPEG_PATH, else `ffmpeg` on the PATH. */
export function ffmpegPath(): string {
  return process.env.AFFECT_FFMPEG || process.env.FFMPEG_PATH || 'ffmpeg';
}

/** The ffprobe binary: $AFFECT_FFPROBE, else $FFPROBE_PATH, else `ffprobe` on the PATH. */
export function ffprobePath(): string {
  return process.env.AFFECT_FFPROBE || process.env.FFPROBE_PATH || 'ffprobe';
}

export interface RunOptions {
  /** Called for each complete stdout line (without the newline). */
  onLine?: (line: string) => void;
  /** Aborting kills the process; the promise then rejects with code 'cancelled'. */
  signal?: AbortSignal;
}

/** Runs a tool to completion; rejects with the tail of stderr when it exits non-zero. */
export function runTool(cmd: string, args: string[], opts: RunOptions = {}): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let pending = '';
    const onAbort = () => proc.kill('SIGKILL');
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    proc.stdout.setEncoding('utf8');
    proc.stdout.on('data', (chunk: string) => {
      if (!opts.onLine) {
        stdout += chunk;
        return;
      }
      pending += chunk;
      let nl = pending.indexOf('\n');
      while (nl >= 0) {
        opts.onLine(pending.slice(0, nl).replace(/\r$/, ''));
        pending = pending.slice(nl + 1);
        nl = pending.indexOf('\n');
      }
    });
    proc.stderr.setEncoding('utf8');
    proc.stderr.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-8000);
    });
    proc.on('error', (e) => {
      opts.signal?.removeEventListener('abort', onAbort);
      reject(new AppError('tool-missing', `Cannot run ${cmd}: ${e.message}. Install ffmpeg or set AFFECT_FFMPEG/AFFECT_FFPROBE.`));
    });
    proc.on('close', (code) => {
      opts.signal?.removeEventListener('abort', onAbort);
      if (pending && opts.onLine) opts.onLine(pending);
      if (opts.signal?.aborted) reject(new AppError('cancelled', `${cmd} was cancelled`));
      else if (code === 0) resolve({ stdout, stderr });
      else reject(new AppError('tool-failed', `${cmd} ${args.filter((a) => !a.startsWith('-')).slice(-1)[0] ?? ''} failed (exit ${code}): ${lastLines(stderr)}`));
    });
  });
}

function lastLines(s: string, n = 4): string {
  return s.trim().split('\n').slice(-n).join(' | ');
}

/** Parses "num/den" (or a plain number) into a number; null for 0/0, N/A and the like. */
export function parseRational(s: string | undefined | null): number | null {
  if (!s) return null;
  const m = /^(-?\d+)(?:\/(\d+))?$/.exec(s.trim());
  if (!m) {
    const v = Number(s);
    return Number.isFinite(v) ? v : null;
  }
  const num = Number(m[1]);
  const den = m[2] === undefined ? 1 : Number(m[2]);
  if (den === 0 || num === 0) return null;
  return num / den;
}
