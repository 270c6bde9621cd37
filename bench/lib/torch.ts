// PyTorch on CPU as the benches' reference: finding it (or installing Debian's python3-torch), the
// architecture descriptions of our backbones for bench/lib/torch_models.py, and running a job there.
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { FACE_CHANNELS, RESNET_SPECS, type ResNetSpec } from '../../src/ml/models';

export interface TorchInfo {
  python: string;
  version: string;
  /** torch.get_num_threads(): PyTorch's default intra-op thread count here. */
  threads: number;
  /** 'found' or 'installed' (by this run, with apt-get). */
  source: 'found' | 'installed';
  /** When this run installed it: seconds and apt's own sizes ("Need to get …", "After this operation, …"). */
  install?: { seconds: number; download?: string; disk?: string };
}

export type TorchStatus = { ok: true; info: TorchInfo } | { ok: false; why: string };

/** Debian's python3-torch lives under /usr/bin/python3, which a pyenv python3 earlier on PATH shadows. */
export function pythonCandidates(env: NodeJS.ProcessEnv = process.env): string[] {
  return [...new Set([env.AW_PYTHON, 'python3', '/usr/bin/python3'].filter((p): p is string => !!p))];
}

const PROBE = 'import json, torch; print(json.dumps({"version": torch.__version__, "threads": torch.get_num_threads()}))';

/** The first python that imports torch, with its version and default thread count; null if none. */
export function findTorch(): Omit<TorchInfo, 'source'> | null {
  for (const python of pythonCandidates()) {
    const r = spawnSync(python, ['-c', PROBE], { encoding: 'utf8', timeout: 120_000 });
    if (r.status !== 0) continue;
    try {
      const p = JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as { version: string; threads: number };
      return { python: resolveCommand(python), version: p.version, threads: p.threads };
    } catch {
      continue;
    }
  }
  return null;
}

function resolveCommand(cmd: string): string {
  if (cmd.includes('/')) return cmd;
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : cmd;
}

function onPath(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/** apt's size lines, e.g. { download: '19.3 MB/138 MB', disk: '663 MB' }. */
export function aptSizes(log: string): { download?: string; disk?: string } {
  const download = /Need to get (\S+(?: \w?B)?(?:\/\S+ \w?B)?) of archives/.exec(log)?.[1];
  const disk = /After this operation, (\S+ \w?B) of additional disk space/.exec(log)?.[1];
  return { ...(download ? { download } : {}), ...(disk ? { disk } : {}) };
}

/**
 * PyTorch as found, or installed now with `apt-get install -y python3-torch` (Debian's build) when
 * `install` and apt-get can run here (root, or sudo without a password). Never throws: the reason
 * it is unavailable goes into the table instead.
 */
export function ensureTorch(opts: { install: boolean; log?: (s: string) => void }): TorchStatus {
  const log = opts.log ?? ((s: string) => console.error(s));
  const found = findTorch();
  if (found) return { ok: true, info: { ...found, source: 'found' } };
  const none = `no python3 with torch (tried ${pythonCandidates().join(', ')})`;
  if (!opts.install) return { ok: false, why: `${none}; --no-install given` };
  if (!onPath('apt-get')) return { ok: false, why: `${none} and no apt-get here: install PyTorch and set AW_PYTHON to its python` };
  const root = process.getuid?.() === 0;
  const sudo = !root && spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore' }).status === 0;
  if (!root && !sudo) return { ok: false, why: `${none}; apt-get needs root (run: sudo apt-get install -y python3-torch)` };
  const apt = (args: string[]) =>
    spawnSync(sudo ? 'sudo' : 'apt-get', sudo ? ['apt-get', ...args] : args, {
      encoding: 'utf8',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      timeout: 30 * 60_000,
      maxBuffer: 64 * 2 ** 20,
    });
  log('PyTorch not found: apt-get install -y python3-torch (Debian’s build; a few minutes, ~700 MB on disk) …');
  const t0 = performance.now();
  let r = apt(['install', '-y', 'python3-torch']);
  if (r.status !== 0 && /Unable to locate package/.test(r.stderr ?? '')) {
    apt(['update']);
    r = apt(['install', '-y', 'python3-torch']);
  }
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) {
    const last = (r.stderr || r.stdout || String(r.error ?? '')).trim().split('\n').pop();
    return { ok: false, why: `${none}; apt-get install python3-torch failed: ${last}` };
  }
  const after = findTorch();
  if (!after) return { ok: false, why: `${none}; python3-torch installed but no python here imports torch` };
  return { ok: true, info: { ...after, source: 'installed', install: { seconds, ...aptSizes(r.stdout ?? '') } } };
}

// ---- architectures ------------------------------------------------------------------------------

export type TorchArch =
  | {
      kind: 'resnet';
      stem: { filters: number; kernel: number; stride: number; maxpool?: boolean };
      block: 'basic' | 'bottleneck';
      stages: { filters: number; blocks: number; stride: number }[];
      shared_va?: boolean;
      bn_eps?: number;
    }
  | { kind: 'face'; channels: number[] };

export function resnetArch(spec: ResNetSpec): TorchArch {
  return { kind: 'resnet', stem: { ...spec.stem }, block: spec.block, stages: spec.stages.map((s) => ({ ...s })) };
}

/** Our backbone `name`'s layout, read from src/ml/models (one home for the shapes). */
export function archOf(name: 'small' | 'resnet18' | 'resnet50' | 'face'): TorchArch {
  return name === 'face' ? { kind: 'face', channels: [...FACE_CHANNELS] } : resnetArch(RESNET_SPECS[name]);
}

export type TorchMode = 'train' | 'infer' | 'frozen';

export interface TorchJob {
  batch: number;
  size: number;
  steps: number;
  /** More steps (up to 50) until the timed ones took this long. */
  min_seconds?: number;
  warmup?: number;
  /** 'cpu' (default) or 'cuda' (a CUDA build of PyTorch, e.g. to compare with tfjs-node-gpu). */
  device?: string;
  /** Also each training row's top operators (torch.profiler, self CPU time). */
  profile?: boolean;
  /** torch.set_num_threads (absent: PyTorch's default). */
  threads?: number;
  models: { name: string; arch: TorchArch; modes: TorchMode[] }[];
}

export interface TorchRow {
  name: string;
  trainMs?: number;
  trainCpuMs?: number;
  inferMs?: number;
  inferCpuMs?: number;
  profile?: { op: string; ms: number; share: number }[];
}

export interface TorchResult {
  version: string;
  threads: number;
  rows: TorchRow[];
}

/** Runs `job` in bench/lib/torch_models.py with `python`; the result, or why it failed. */
export function runTorch(python: string, job: TorchJob, timeoutMs = 20 * 60_000): TorchResult | string {
  const script = path.join(import.meta.dirname, 'torch_models.py');
  const r = spawnSync(python, [script, JSON.stringify(job)], { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 16 * 2 ** 20 });
  const m = /^RESULT (.*)$/m.exec(r.stdout ?? '');
  if (m) return JSON.parse(m[1]) as TorchResult;
  if (r.error) return `failed: ${r.error.message}`;
  return `failed (exit ${r.status}): ${(r.stderr ?? '').trim().split('\n').pop()}`;
}

/** "PyTorch 1.13.1 (/usr/bin/python3, 2 threads, installed in 95 s, 663 MB)" */
export function describeTorch(t: TorchStatus): string {
  if (!t.ok) return `PyTorch unavailable: ${t.why}`;
  const i = t.info;
  const how = i.install ? `, installed by this run in ${i.install.seconds.toFixed(0)} s${i.install.disk ? `, ${i.install.disk} on disk` : ''}` : '';
  return `PyTorch ${i.version} on CPU (${i.python}, ${i.threads} thread${i.threads === 1 ? '' : 's'} = its default on ${os.availableParallelism()} cores${how})`;
}
