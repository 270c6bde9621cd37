// The summary's shaping, pure: measurements in, the bench-results.json object and the printed table
// out (tests/unit/bench-summary.test.ts). The measuring is bench/summary.ts's.

/** Milliseconds per batch (medians), wall clock and process CPU. */
export interface StepFigures {
  trainMs?: number;
  trainCpuMs?: number;
  inferMs?: number;
  inferCpuMs?: number;
}

export type Failed = { error: string };
export const failed = (x: unknown): x is Failed => typeof x === 'object' && x !== null && 'error' in x;

export interface Machine {
  cores: number;
  cpu: string;
  node: string;
  /** 1-minute load average when the run started and ended (other jobs on the machine). */
  loadStart: number;
  loadEnd: number;
}

export interface OursModels {
  /** e.g. "wasm (SIMD, 1 thread), native conv kernels (OpenBLAS 0.3.21, Haswell kernels)". */
  backend: string;
  threads: number | null;
  /** Threads of each native convolution (null: no native kernels). */
  nativeThreads?: number | null;
  /** Per backbone, the medians over the rounds (`rounds`: each round's own medians, in order). */
  rows: Record<string, StepFigures>;
  rounds?: Record<string, StepFigures>[];
}

export interface TorchModels {
  /** 'cpu', or 'cuda' when asked for. */
  device: string;
  version: string;
  python: string;
  threads: number;
  source: 'found' | 'installed';
  install?: { seconds: number; download?: string; disk?: string };
  rows: Record<string, StepFigures>;
  rounds?: Record<string, StepFigures>[];
}

export interface AlgorithmFigures {
  seconds: number;
  /** Faces in the set (train + val + test). */
  faces: number;
  perClass: number | null;
  epochs: number;
  students: number;
  stages: { stage: string; seconds: number; features: string }[];
}

export interface RateVsLimit {
  /** Rows counted (label rows for import, exported frames for export). */
  rows: number;
  seconds: number;
  /** The same rows through a bare better-sqlite3 prepared statement, same run. */
  limitSeconds: number;
  /** What the limit does, for the note. */
  limit: string;
}

/** What bench/faces.ts reports. */
export interface FacesFigures {
  framesPerSecond: number;
  threads: number;
  oneThreadFramesPerSecond: number;
  frames: number;
  video: string;
}

export interface SummaryInput {
  date: string;
  machine: Machine;
  batch: number;
  size: number;
  /** The backbones compared (in order): small, resnet18, face, face-frozen. */
  backbones: readonly string[];
  /** Absent when the models part was not run (then `backbones` is empty). */
  ours?: OursModels | Failed;
  torch?: TorchModels | Failed;
  algorithm?: AlgorithmFigures | Failed;
  /** bench/faces.ts: the pipeline in `threads` face threads, and in one thread in the same run. */
  faces?: FacesFigures | Failed;
  import?: RateVsLimit | Failed;
  export?: RateVsLimit | Failed;
  /** bench/data-parallel.ts: one model's training split over `threads` replicas, against 1 thread and PyTorch (by its thread count). */
  parallel?: ParallelFigures | Failed;
}

export interface ParallelFigures {
  backbone: string;
  threads: number;
  oneThread: number;
  dataParallel: number;
  /** PyTorch train images/s by thread count (its default and `threads`). */
  torch: Record<string, number>;
}

const round = (x: number, digits: number): number => Number(x.toFixed(digits));

/** Images per second of a batch of `batch` taking `ms`; null without a time. */
export function imagesPerSecond(ms: number | undefined, batch: number): number | null {
  return ms != null && ms > 0 && Number.isFinite(ms) ? round((batch * 1000) / ms, 1) : null;
}

/** ours / reference for rates (higher is better), 2 decimals; null when either is missing. */
export function rateRatio(ours: number | null | undefined, reference: number | null | undefined): number | null {
  return ours != null && reference != null && ours > 0 && reference > 0 ? round(ours / reference, 2) : null;
}

/** The same ratio from times (a rate is 1/time): reference time / our time. */
export function timeRatio(oursMs: number | undefined, referenceMs: number | undefined): number | null {
  return oursMs != null && referenceMs != null && oursMs > 0 && referenceMs > 0 ? round(referenceMs / oursMs, 2) : null;
}

/**
 * Each backbone's figures over several rounds (ours and PyTorch alternate, so that both see the
 * machine's slow and fast spells): per field, the median of the rounds that have it.
 */
export function medianRows(rounds: readonly Record<string, StepFigures>[]): Record<string, StepFigures> {
  const out: Record<string, StepFigures> = {};
  const names = [...new Set(rounds.flatMap((r) => Object.keys(r)))];
  for (const name of names) {
    const row: StepFigures = {};
    for (const key of ['trainMs', 'trainCpuMs', 'inferMs', 'inferCpuMs'] as const) {
      const xs = rounds.map((r) => r[name]?.[key]).filter((x): x is number => x != null).sort((a, b) => a - b);
      if (xs.length) row[key] = xs.length % 2 ? xs[xs.length >> 1] : (xs[xs.length / 2 - 1] + xs[xs.length / 2]) / 2;
    }
    out[name] = row;
  }
  return out;
}

export interface BackboneResult {
  backbone: string;
  batch: number;
  input: number;
  train_ips: number | null;
  infer_ips: number | null;
  pytorch_train_ips: number | null;
  pytorch_infer_ips: number | null;
  /** ours / PyTorch, images per second (wall clock). */
  train_ratio: number | null;
  infer_ratio: number | null;
  /** ours / PyTorch from process CPU time per batch (steadier on a shared machine; both single-threaded here). */
  train_ratio_cpu: number | null;
  infer_ratio_cpu: number | null;
  /** The training ratio of each round (ours and PyTorch measured one after the other), when there were several. */
  train_ratio_rounds?: number[];
}

export function backboneResult(
  name: string,
  batch: number,
  size: number,
  ours: StepFigures | undefined,
  torch: StepFigures | undefined,
  rounds?: { ours: readonly Record<string, StepFigures>[]; torch: readonly Record<string, StepFigures>[] },
): BackboneResult {
  const o = ours ?? {};
  const t = torch ?? {};
  const train = imagesPerSecond(o.trainMs, batch);
  const infer = imagesPerSecond(o.inferMs, batch);
  const ptTrain = imagesPerSecond(t.trainMs, batch);
  const ptInfer = imagesPerSecond(t.inferMs, batch);
  return {
    backbone: name,
    batch,
    input: size,
    train_ips: train,
    infer_ips: infer,
    pytorch_train_ips: ptTrain,
    pytorch_infer_ips: ptInfer,
    train_ratio: rateRatio(train, ptTrain),
    infer_ratio: rateRatio(infer, ptInfer),
    train_ratio_cpu: timeRatio(o.trainCpuMs, t.trainCpuMs),
    infer_ratio_cpu: timeRatio(o.inferCpuMs, t.inferCpuMs),
    ...roundRatios(name, rounds),
  };
}

function roundRatios(name: string, rounds?: { ours: readonly Record<string, StepFigures>[]; torch: readonly Record<string, StepFigures>[] }): { train_ratio_rounds?: number[] } {
  if (!rounds || Math.min(rounds.ours.length, rounds.torch.length) < 2) return {};
  const ratios = rounds.ours.map((o, i) => timeRatio(o[name]?.trainMs, rounds.torch[i]?.[name]?.trainMs)).filter((x): x is number => x != null);
  return ratios.length > 1 ? { train_ratio_rounds: ratios } : {};
}

export interface RateResult {
  rows: number;
  rows_per_s: number;
  limit_rows_per_s: number;
  /** ours / bare better-sqlite3. */
  ratio: number | null;
  limit: string;
}

export function rateResult(r: RateVsLimit): RateResult {
  const ours = Math.round(r.rows / r.seconds);
  const limit = Math.round(r.rows / r.limitSeconds);
  return { rows: r.rows, rows_per_s: ours, limit_rows_per_s: limit, ratio: rateRatio(ours, limit), limit: r.limit };
}

/** bench-results.json. */
export interface BenchResults {
  date: string;
  machine: Machine;
  /** rounds: how many times ours and PyTorch were measured, alternately (each figure the median). */
  ours: { backend: string; threads: number | null; native_threads: number | null; rounds: number } | Failed | null;
  pytorch: Omit<TorchModels, 'rows' | 'rounds'> | Failed | null;
  backbones: BackboneResult[];
  algorithm: (Omit<AlgorithmFigures, 'seconds'> & { seconds: number }) | Failed | null;
  faces: { frames_per_s: number; threads: number; one_thread_frames_per_s: number; frames: number; video: string } | Failed | null;
  import: RateResult | Failed | null;
  export: RateResult | Failed | null;
  parallel: ParallelResult | Failed | null;
}

export interface ParallelResult {
  backbone: string;
  threads: number;
  one_thread_ips: number;
  data_parallel_ips: number;
  speedup: number;
  /** PyTorch at its default thread count (`pytorch_threads`), and at `threads`. */
  pytorch_threads: number | null;
  pytorch_default_ips: number | null;
  pytorch_same_threads_ips: number | null;
  ratio_vs_default: number | null;
  ratio_vs_same_threads: number | null;
}

/** The data-parallel figures with PyTorch's default thread count being `torchDefault`. */
export function parallelResult(p: ParallelFigures, torchDefault: number | null): ParallelResult {
  const at = (t: number | null) => (t == null ? null : (p.torch[String(t)] ?? null));
  return {
    backbone: p.backbone,
    threads: p.threads,
    one_thread_ips: round(p.oneThread, 1),
    data_parallel_ips: round(p.dataParallel, 1),
    speedup: round(p.dataParallel / p.oneThread, 2),
    pytorch_threads: torchDefault,
    pytorch_default_ips: at(torchDefault),
    pytorch_same_threads_ips: at(p.threads),
    ratio_vs_default: rateRatio(p.dataParallel, at(torchDefault)),
    ratio_vs_same_threads: rateRatio(p.dataParallel, at(p.threads)),
  };
}

export function benchResults(m: SummaryInput): BenchResults {
  const oursRows = m.ours && !failed(m.ours) ? m.ours.rows : {};
  const torchRows = m.torch && !failed(m.torch) ? m.torch.rows : {};
  const opt = <T, U>(x: T | Failed | undefined, f: (v: T) => U): U | Failed | null => (x === undefined ? null : failed(x) ? x : f(x));
  return {
    date: m.date,
    machine: m.machine,
    ours: opt(m.ours, (o) => ({ backend: o.backend, threads: o.threads, native_threads: o.nativeThreads ?? null, rounds: o.rounds?.length ?? 1 })),
    pytorch: opt(m.torch, ({ rows: _rows, rounds: _rounds, ...rest }) => rest),
    backbones: m.backbones.map((b) => {
      const rounds = m.ours && !failed(m.ours) && m.torch && !failed(m.torch) && m.ours.rounds && m.torch.rounds ? { ours: m.ours.rounds, torch: m.torch.rounds } : undefined;
      return backboneResult(b, m.batch, m.size, oursRows[b], torchRows[b], rounds);
    }),
    algorithm: opt(m.algorithm, (a) => ({ ...a, seconds: round(a.seconds, 1) })),
    faces: opt(m.faces, (f) => ({ frames_per_s: round(f.framesPerSecond, 1), threads: f.threads, one_thread_frames_per_s: round(f.oneThreadFramesPerSecond, 1), frames: f.frames, video: f.video })),
    import: opt(m.import, rateResult),
    export: opt(m.export, rateResult),
    parallel: opt(m.parallel, (p) => parallelResult(p, m.torch && !failed(m.torch) ? m.torch.threads : null)),
  };
}

// ---- the table ------------------------------------------------------------------------------------

export interface TableRow {
  what: string;
  ours: string;
  reference: string;
  ratio: string;
  note: string;
}

const BACKBONE_LABELS: Record<string, string> = {
  small: 'small',
  resnet18: 'resnet18',
  face: 'face (fine-tuned)',
  'face-frozen': 'face frozen (features + heads step)',
};

/** 1,234 / 56.7 / 0.89: thousands grouped, one decimal under 100, two under 1. */
export function fmt(x: number | null): string {
  if (x == null) return '—';
  if (Math.abs(x) >= 100) return Math.round(x).toLocaleString('en-US');
  return x.toFixed(Math.abs(x) < 1 ? 2 : 1);
}

const ratioText = (wall: number | null, cpu: number | null): string =>
  wall == null ? '—' : cpu == null ? `${wall.toFixed(2)}` : `${wall.toFixed(2)} (CPU ${cpu.toFixed(2)})`;

export function tableRows(r: BenchResults): TableRow[] {
  const rows: TableRow[] = [];
  const torchNote = failed(r.pytorch) ? r.pytorch.error : '';
  const oursNote = failed(r.ours) ? r.ours.error : '';
  for (const b of r.backbones) {
    const label = BACKBONE_LABELS[b.backbone] ?? b.backbone;
    const note = [oursNote, torchNote].filter(Boolean).join('; ');
    const spread = b.train_ratio_rounds ? `rounds: ${b.train_ratio_rounds.map((x) => x.toFixed(2)).join(', ')}` : '';
    rows.push({ what: `${label}: train img/s`, ours: fmt(b.train_ips), reference: fmt(b.pytorch_train_ips), ratio: ratioText(b.train_ratio, b.train_ratio_cpu), note: [note, spread].filter(Boolean).join('; ') });
    if (b.backbone !== 'face-frozen') {
      rows.push({ what: `${label}: inference img/s`, ours: fmt(b.infer_ips), reference: fmt(b.pytorch_infer_ips), ratio: ratioText(b.infer_ratio, b.infer_ratio_cpu), note });
    }
  }
  if (r.parallel) {
    const p = r.parallel;
    rows.push(
      failed(p)
        ? { what: 'data-parallel training', ours: '—', reference: '', ratio: '', note: p.error }
        : {
            what: `${p.backbone} fine-tuned, data-parallel over ${p.threads} threads: train img/s`,
            ours: fmt(p.data_parallel_ips),
            reference: p.pytorch_default_ips == null ? '—' : `${fmt(p.pytorch_default_ips)} (${p.pytorch_threads} thread${p.pytorch_threads === 1 ? '' : 's'})`,
            ratio: p.ratio_vs_default == null ? '—' : p.ratio_vs_default.toFixed(2),
            note:
              `${p.speedup.toFixed(2)}× our 1 thread (${fmt(p.one_thread_ips)})` +
              (p.pytorch_same_threads_ips != null && p.pytorch_threads !== p.threads ? `; PyTorch at ${p.threads} threads ${fmt(p.pytorch_same_threads_ips)}, ratio ${p.ratio_vs_same_threads?.toFixed(2)}` : ''),
          },
    );
  }
  if (r.algorithm) {
    const a = r.algorithm;
    rows.push(
      failed(a)
        ? { what: 'Algorithm 1 end to end', ours: '—', reference: '', ratio: '', note: a.error }
        : {
            what: `Algorithm 1 end to end, s (${a.faces.toLocaleString('en-US')} faces, ${a.epochs} epoch${a.epochs === 1 ? '' : 's'}, ${a.students} students)`,
            ours: fmt(a.seconds),
            reference: '≤ 600 (target, full set)',
            ratio: '',
            note: a.stages.map((s) => `${s.stage} ${fmt(s.seconds)}`).join(', '),
          },
    );
  }
  if (r.faces) {
    const f = r.faces;
    rows.push(
      failed(f)
        ? { what: 'faces frames/s', ours: '—', reference: '', ratio: '', note: f.error }
        : {
            what: `faces frames/s (decode + detect + landmarks + align + store), ${f.threads} face thread${f.threads === 1 ? '' : 's'}`,
            ours: fmt(f.frames_per_s),
            reference: `${fmt(f.one_thread_frames_per_s)} (our 1 thread)`,
            ratio: f.one_thread_frames_per_s > 0 ? (f.frames_per_s / f.one_thread_frames_per_s).toFixed(2) : '—',
            note: `${f.frames} frames of ${f.video}, the threads' start included`,
          },
    );
  }
  for (const [what, x, unit] of [
    ['import label rows/s', r.import, 'label rows'],
    ['export rows/s (default CSV)', r.export, 'frames'],
  ] as const) {
    if (!x) continue;
    rows.push(
      failed(x)
        ? { what, ours: '—', reference: '', ratio: '', note: x.error }
        : { what, ours: fmt(x.rows_per_s), reference: `${fmt(x.limit_rows_per_s)} (bare)`, ratio: x.ratio == null ? '—' : x.ratio.toFixed(2), note: `${x.rows.toLocaleString('en-US')} ${unit}` },
    );
  }
  return rows;
}

/** What each "(bare)" limit is, under the table. */
export function limitNotes(r: BenchResults): string[] {
  const notes: string[] = [];
  if (r.import && !failed(r.import)) notes.push(`import limit: ${r.import.limit}`);
  if (r.export && !failed(r.export)) notes.push(`export limit: ${r.export.limit}`);
  return notes;
}

/** The header lines and the table (Markdown, padded for a terminal). */
export function formatSummary(r: BenchResults): string {
  const head: string[] = [];
  const m = r.machine;
  head.push(`machine: ${m.cores} cores (${m.cpu}), node ${m.node}; load average ${m.loadStart.toFixed(1)} at start, ${m.loadEnd.toFixed(1)} at end`);
  if (r.ours) {
    head.push(
      failed(r.ours)
        ? `ours: failed: ${r.ours.error}`
        : `ours: ${r.ours.backend}${r.ours.threads != null ? `, ${r.ours.threads} thread${r.ours.threads === 1 ? '' : 's'}` : ''}` +
            (r.ours.native_threads != null ? `; native convolutions over ${r.ours.native_threads} thread${r.ours.native_threads === 1 ? '' : 's'}` : '') +
            (r.ours.rounds > 1 ? `; ${r.ours.rounds} rounds, ours and PyTorch alternately, each figure the median` : ''),
    );
  }
  if (failed(r.pytorch)) head.push(`reference: PyTorch unavailable: ${r.pytorch.error}`);
  else if (r.pytorch) {
    const p = r.pytorch;
    const inst = p.install ? `; installed by this run (apt-get install -y python3-torch) in ${p.install.seconds.toFixed(0)} s${p.install.disk ? `, ${p.install.disk} on disk` : ''}` : '';
    head.push(`reference: PyTorch ${p.version} on ${p.device === 'cpu' ? 'CPU' : p.device}, ${p.python}, ${p.threads} thread${p.threads === 1 ? '' : 's'} (its default)${inst}`);
  }
  const b = r.backbones[0];
  if (b) head.push(`models: batch ${b.batch}, ${b.input}×${b.input}, same layouts both sides, random weights; ratio = ours / reference (wall clock; CPU: from process CPU time)`);
  const rows = tableRows(r);
  const cols: (keyof TableRow)[] = ['what', 'ours', 'reference', 'ratio', 'note'];
  const title: TableRow = { what: 'measure', ours: 'ours', reference: 'reference', ratio: 'ratio', note: 'note' };
  const width = cols.map((c) => Math.max(3, ...[title, ...rows].map((row) => row[c].length)));
  const right = (c: keyof TableRow) => c === 'ours' || c === 'reference' || c === 'ratio';
  const line = (row: TableRow) => `| ${cols.map((c, i) => (right(c) ? row[c].padStart(width[i]) : row[c].padEnd(width[i]))).join(' | ')} |`;
  const rule = `|${cols.map((c, i) => (right(c) ? `${'-'.repeat(width[i] + 1)}:` : '-'.repeat(width[i] + 2))).join('|')}|`;
  return [...head, '', line(title), rule, ...rows.map(line), '', ...limitNotes(r)].join('\n').trimEnd();
}
