// The summary bench's shaping (bench/lib/summary.ts): given measurements, the ratios, the
// bench-results.json object and the table rows. No timing here.
import { describe, expect, it } from 'vitest';
import { backboneResult, benchResults, fmt, formatSummary, imagesPerSecond, medianRows, rateRatio, rateResult, tableRows, timeRatio, type OursModels, type SummaryInput, type TorchModels } from '../../bench/lib/summary';
import { parseResult, resultLine, withoutResultLines } from '../../bench/lib/result';
import { aptSizes, pythonCandidates } from '../../bench/lib/torch';

function input(over: Partial<SummaryInput> = {}): SummaryInput {
  return {
    date: '2025-01-01T00:00:00.000Z',
    machine: { cores: 2, cpu: 'AMD EPYC', node: 'v20.19.0', loadStart: 4, loadEnd: 6 },
    batch: 32,
    size: 112,
    backbones: ['small', 'resnet18', 'face', 'face-frozen'],
    ours: {
      backend: 'wasm (SIMD, 1 thread), native conv kernels (OpenBLAS 0.3.21, Haswell kernels)',
      threads: 1,
      nativeThreads: 2,
      rows: {
        small: { trainMs: 320, trainCpuMs: 300, inferMs: 40, inferCpuMs: 40 },
        resnet18: { trainMs: 12_800, trainCpuMs: 12_000, inferMs: 2_780, inferCpuMs: 2_700 },
        face: { trainMs: 1_180, trainCpuMs: 1_100, inferMs: 144, inferCpuMs: 140 },
        'face-frozen': { trainMs: 157, trainCpuMs: 150 },
      },
    },
    torch: {
      device: 'cpu',
      version: '1.13.1',
      python: '/usr/bin/python3',
      threads: 1,
      source: 'found',
      rows: {
        small: { trainMs: 160, trainCpuMs: 200, inferMs: 40, inferCpuMs: 20 },
        resnet18: { trainMs: 550, trainCpuMs: 500, inferMs: 200, inferCpuMs: 180 },
        face: { trainMs: 590, trainCpuMs: 550, inferMs: 288, inferCpuMs: 280 },
        'face-frozen': { trainMs: 157, trainCpuMs: 150 },
      },
    },
    algorithm: {
      seconds: 95.04,
      faces: 700,
      perClass: 100,
      epochs: 1,
      students: 3,
      stages: [
        { stage: 'teacher', seconds: 30, features: '490 computed, 0 read' },
        { stage: 'soft labels', seconds: 5, features: '0 computed, 700 read' },
      ],
    },
    faces: { framesPerSecond: 28.16, threads: 2, oneThreadFramesPerSecond: 21.94, frames: 472, video: 'clip.mp4' },
    import: { rows: 270_000, seconds: 2.5, limitSeconds: 5, limit: 'bare insert' },
    export: { rows: 100_000, seconds: 1, limitSeconds: 0.8, limit: 'bare select' },
    ...over,
  };
}

describe('bench summary: numbers', () => {
  it('images per second from ms per batch, and ratios ours / reference', () => {
    expect(imagesPerSecond(320, 32)).toBe(100);
    expect(imagesPerSecond(undefined, 32)).toBeNull();
    expect(imagesPerSecond(0, 32)).toBeNull();
    expect(rateRatio(100, 200)).toBe(0.5);
    expect(rateRatio(2, 3)).toBe(0.67);
    expect(rateRatio(null, 3)).toBeNull();
    expect(rateRatio(1, 0)).toBeNull();
    // From times: a rate is 1 / time, so reference time / our time.
    expect(timeRatio(300, 200)).toBe(0.67);
    expect(timeRatio(undefined, 200)).toBeNull();
  });

  it('a backbone row: images/s both sides, wall and CPU ratios', () => {
    const b = backboneResult('small', 32, 112, { trainMs: 320, trainCpuMs: 300, inferMs: 40, inferCpuMs: 40 }, { trainMs: 160, trainCpuMs: 200, inferMs: 40, inferCpuMs: 20 });
    expect(b).toEqual({
      backbone: 'small',
      batch: 32,
      input: 112,
      train_ips: 100,
      infer_ips: 800,
      pytorch_train_ips: 200,
      pytorch_infer_ips: 800,
      train_ratio: 0.5,
      infer_ratio: 1,
      train_ratio_cpu: 0.67,
      infer_ratio_cpu: 0.5,
    });
  });

  it('a missing side leaves its figures and the ratios null', () => {
    const b = backboneResult('face-frozen', 32, 112, { trainMs: 160 }, undefined);
    expect(b.train_ips).toBe(200);
    expect(b.pytorch_train_ips).toBeNull();
    expect(b.train_ratio).toBeNull();
    expect(b.infer_ips).toBeNull();
  });

  it('rates against the bare limit', () => {
    expect(rateResult({ rows: 270_000, seconds: 2.5, limitSeconds: 5, limit: 'x' })).toEqual({ rows: 270_000, rows_per_s: 108_000, limit_rows_per_s: 54_000, ratio: 2, limit: 'x' });
  });

  it('number format: grouped thousands, 1 decimal under 100, 2 under 1', () => {
    expect(fmt(108_000)).toBe('108,000');
    expect(fmt(56.74)).toBe('56.7');
    expect(fmt(0.456)).toBe('0.46');
    expect(fmt(null)).toBe('—');
  });
});

describe('bench summary: bench-results.json and the table', () => {
  it('the JSON holds every backbone in order with the ratios, and the other parts', () => {
    const r = benchResults(input());
    expect(r.backbones.map((b) => b.backbone)).toEqual(['small', 'resnet18', 'face', 'face-frozen']);
    expect(r.backbones[1]).toMatchObject({ train_ips: 2.5, pytorch_train_ips: 58.2, train_ratio: 0.04, infer_ratio: 0.07 });
    expect(r.backbones[2]).toMatchObject({ train_ratio: 0.5, infer_ratio: 2 });
    expect(r.backbones[3]).toMatchObject({ train_ratio: 1, infer_ips: null, infer_ratio: null });
    expect(r.ours).toEqual({ backend: 'wasm (SIMD, 1 thread), native conv kernels (OpenBLAS 0.3.21, Haswell kernels)', threads: 1, native_threads: 2, rounds: 1 });
    expect(r.pytorch).toEqual({ device: 'cpu', version: '1.13.1', python: '/usr/bin/python3', threads: 1, source: 'found' });
    expect(r.algorithm).toMatchObject({ seconds: 95, faces: 700, epochs: 1, students: 3 });
    expect(r.faces).toEqual({ frames_per_s: 28.2, threads: 2, one_thread_frames_per_s: 21.9, frames: 472, video: 'clip.mp4' });
    expect(r.import).toMatchObject({ rows_per_s: 108_000, limit_rows_per_s: 54_000, ratio: 2 });
    expect(r.export).toMatchObject({ rows_per_s: 100_000, limit_rows_per_s: 125_000, ratio: 0.8 });
    // Plain data: survives JSON as is.
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
  });

  it('the table: train and inference rows per backbone (train only when frozen), then the pipeline rows', () => {
    const rows = tableRows(benchResults(input()));
    expect(rows.map((r) => r.what)).toEqual([
      'small: train img/s',
      'small: inference img/s',
      'resnet18: train img/s',
      'resnet18: inference img/s',
      'face (fine-tuned): train img/s',
      'face (fine-tuned): inference img/s',
      'face frozen (features + heads step): train img/s',
      'Algorithm 1 end to end, s (700 faces, 1 epoch, 3 students)',
      'faces frames/s (decode + detect + landmarks + align + store), 2 face threads',
      'import label rows/s',
      'export rows/s (default CSV)',
    ]);
    expect(rows[0]).toMatchObject({ ours: '100', reference: '200', ratio: '0.50 (CPU 0.67)' });
    expect(rows[9]).toMatchObject({ ours: '108,000', reference: '54,000 (bare)', ratio: '2.00', note: '270,000 label rows' });
    expect(rows[7].note).toBe('teacher 30.0, soft labels 5.0');
    expect(rows[8]).toMatchObject({ ours: '28.2', reference: '21.9 (our 1 thread)', ratio: '1.29' });
  });

  it('PyTorch unavailable: its reason in every model row and the header, our figures still there', () => {
    const r = benchResults(input({ torch: { error: 'no apt-get here' } }));
    expect(r.pytorch).toEqual({ error: 'no apt-get here' });
    expect(r.backbones[0]).toMatchObject({ train_ips: 100, pytorch_train_ips: null, train_ratio: null });
    const rows = tableRows(r);
    expect(rows[0]).toMatchObject({ ours: '100', reference: '—', ratio: '—', note: 'no apt-get here' });
    expect(formatSummary(r)).toContain('reference: PyTorch unavailable: no apt-get here');
  });

  it('a failed part is a row saying why; a part not run has no row', () => {
    const r = benchResults(input({ faces: { error: 'bench/faces.ts: exit 2: No video' }, import: undefined, export: undefined, algorithm: undefined }));
    expect(r.import).toBeNull();
    const rows = tableRows(r);
    expect(rows.filter((x) => x.what.startsWith('faces'))).toEqual([{ what: 'faces frames/s', ours: '—', reference: '', ratio: '', note: 'bench/faces.ts: exit 2: No video' }]);
    expect(rows.some((x) => x.what.startsWith('import') || x.what.startsWith('Algorithm'))).toBe(false);
  });

  it('without the models part: no backbone rows, no backend lines, null in the JSON', () => {
    const r = benchResults(input({ backbones: [], ours: undefined, torch: undefined }));
    expect(r.ours).toBeNull();
    expect(r.pytorch).toBeNull();
    expect(r.backbones).toEqual([]);
    const text = formatSummary(r);
    expect(text).not.toMatch(/^ours:|^reference:|^models:/m);
    expect(tableRows(r)[0].what).toMatch(/^Algorithm 1/);
  });

  it('the printed table: header lines, then aligned Markdown rows of equal width', () => {
    const text = formatSummary(benchResults(input({ torch: { ...(input().torch as object), source: 'installed', install: { seconds: 145, disk: '663 MB' } } as SummaryInput['torch'] })));
    const lines = text.split('\n');
    expect(lines[0]).toContain('2 cores');
    expect(lines[1]).toBe('ours: wasm (SIMD, 1 thread), native conv kernels (OpenBLAS 0.3.21, Haswell kernels), 1 thread; native convolutions over 2 threads');
    expect(lines[2]).toContain('installed by this run (apt-get install -y python3-torch) in 145 s, 663 MB on disk');
    const table = lines.filter((l) => l.startsWith('|'));
    expect(table).toHaveLength(2 + 11);
    expect(new Set(table.map((l) => l.length)).size).toBe(1);
    expect(lines.slice(-2)).toEqual(['import limit: bare insert', 'export limit: bare select']);
  });
});

describe('bench helpers', () => {
  it('result lines round-trip and are left out of what is shown', () => {
    const text = `report\n${resultLine({ a: 1 })}\nmore\n${resultLine({ a: 2 })}\n`;
    expect(parseResult(text)).toEqual({ a: 2 });
    expect(parseResult('nothing')).toBeUndefined();
    expect(withoutResultLines(text)).toBe('report\nmore\n');
  });

  it("apt's sizes; python candidates with AW_PYTHON first, Debian's python last", () => {
    const log = 'Need to get 19.3 MB/138 MB of archives.\nAfter this operation, 663 MB of additional disk space will be used.\n';
    expect(aptSizes(log)).toEqual({ download: '19.3 MB/138 MB', disk: '663 MB' });
    expect(aptSizes('')).toEqual({});
    expect(pythonCandidates({ AW_PYTHON: '/opt/py/bin/python' })).toEqual(['/opt/py/bin/python', 'python3', '/usr/bin/python3']);
    expect(pythonCandidates({})).toEqual(['python3', '/usr/bin/python3']);
  });
});

describe('the data-parallel row', () => {
  it('compares data-parallel training with one thread and with PyTorch at its default and at the same thread count', () => {
    const r = benchResults(input({ parallel: { backbone: 'small', threads: 2, oneThread: 100, dataParallel: 170, torch: { '1': 340, '2': 680 } } }));
    expect(r.parallel).toEqual({
      backbone: 'small',
      threads: 2,
      one_thread_ips: 100,
      data_parallel_ips: 170,
      speedup: 1.7,
      pytorch_threads: 1,
      pytorch_default_ips: 340,
      pytorch_same_threads_ips: 680,
      ratio_vs_default: 0.5,
      ratio_vs_same_threads: 0.25,
    });
    const row = tableRows(r).find((x) => x.what.includes('data-parallel'))!;
    expect(row).toMatchObject({ what: 'small fine-tuned, data-parallel over 2 threads: train img/s', ours: '170', reference: '340 (1 thread)', ratio: '0.50' });
    expect(row.note).toBe('1.70× our 1 thread (100); PyTorch at 2 threads 680, ratio 0.25');
    expect(benchResults(input()).parallel).toBeNull();
  });
});

describe('bench summary: rounds', () => {
  it('medians each field over the rounds, and gives each round its own training ratio', () => {
    const ours = [{ small: { trainMs: 60, inferMs: 20 } }, { small: { trainMs: 80, inferMs: 22 } }, { small: { trainMs: 56 } }];
    const torch = [{ small: { trainMs: 30 } }, { small: { trainMs: 90 } }, { small: { trainMs: 66 } }];
    expect(medianRows(ours)).toEqual({ small: { trainMs: 60, inferMs: 21 } });
    const base = input();
    const r = benchResults({
      ...base,
      ours: { ...(base.ours as OursModels), rows: medianRows(ours), rounds: ours },
      torch: { ...(base.torch as TorchModels), rows: medianRows(torch), rounds: torch },
    });
    expect(r.ours).toMatchObject({ rounds: 3 });
    expect(r.pytorch).not.toHaveProperty('rounds');
    expect(r.backbones[0]).toMatchObject({ train_ratio: 1.1, train_ratio_rounds: [0.5, 1.13, 1.18] });
    expect(r.backbones[1].train_ratio_rounds).toBeUndefined(); // no rounds for resnet18 in these inputs
    expect(tableRows(r)[0].note).toBe('rounds: 0.50, 1.13, 1.18');
    expect(formatSummary(r)).toMatch(/3 rounds, ours and PyTorch alternately, each figure the median/);
  });
});
