// Pure pieces of the jobs panel and the dashboard: the live loss series, job titles and progress
// text, Table 2 cells, row names, one table per reference with its caption and counts, the scatter data.
import { describe, expect, it } from 'vitest';
import type { JobSummary } from '../../src/shared/contract';
import type { EvaluationRow } from '../../src/shared/training-contract';
import { appendLoss, legendValue, MAX_POINTS, type LossSeries } from '../../src/renderer/src/training/series';
import { elapsedAt, jobTitle, progressOf } from '../../src/renderer/src/training/job-format';
import {
  auF1Cells,
  cell,
  commonCounts,
  countsText,
  exprF1Cells,
  groupTables,
  NO_SUPPORT,
  preferredResults,
  rowLabels,
  scoreText,
  tableCaption,
} from '../../src/renderer/src/dashboard/table2-data';
import { auMetrics, exprMetrics } from '../../src/shared/metrics';
import { AU_NAMES, EXPRESSIONS } from '../../src/shared/labels';
import { scatterData } from '../../src/renderer/src/dashboard/scatter-data';

const empty = (): LossSeries => ({ x: [], y: { loss: [], au: [], expr: [], v: [], a: [] } });

describe('live loss series', () => {
  it('appends one point per event, continues x when a stage restarts its counter, nulls missing tasks', () => {
    let s = appendLoss(empty(), 1, { loss: 9, au: 1, expr: 2, v: 0.5, a: 0.5 });
    s = appendLoss(s, 2, { loss: 8, au: 0.9 });
    s = appendLoss(s, 1, { loss: 7, au: 0.8, expr: 1, v: 0.4, a: 0.4 }); // next student: counter restarted
    expect(s.x).toEqual([1, 2, 3]);
    expect(s.y.loss).toEqual([9, 8, 7]);
    expect(s.y.expr).toEqual([2, null, 1]);
  });
  it(`stays within ${MAX_POINTS} points, keeping the newest`, () => {
    let s = empty();
    for (let i = 1; i <= MAX_POINTS + 1; i++) s = appendLoss(s, i, { loss: i });
    expect(s.x.length).toBe(Math.floor((MAX_POINTS + 1) / 2) + 1);
    expect(s.x.at(-1)).toBe(MAX_POINTS + 1);
    expect(s.y.loss.at(-1)).toBe(MAX_POINTS + 1);
    expect(s.x.every((v, i) => i === 0 || v > s.x[i - 1])).toBe(true);
  });
});

const job = (o: Partial<JobSummary>): JobSummary => ({
  id: 1,
  kind: 'train.teacher',
  status: 'running',
  params: {},
  progress: 0.25,
  stage: 'epoch 1/8',
  error: null,
  result: null,
  backend: 'wasm',
  startedAt: null,
  finishedAt: null,
  ...o,
});

describe('job formatting', () => {
  it('titles jobs from their params', () => {
    expect(jobTitle(job({ params: { backbone: 'small' } }))).toBe('Teacher · small');
    expect(jobTitle(job({ params: { resume: 3 } }))).toBe('Teacher (resume #3)');
    expect(jobTitle(job({ kind: 'train.students', params: { teacher: 1, count: 2 } }))).toBe('Students ×2 of #1');
    expect(jobTitle(job({ kind: 'evaluate', params: { model: 4, split: 'test' } }))).toBe('Evaluate #4 · all / test');
  });
  it('reads progress, ETA and throughput (steps/s and images/s from the batch) from the live event', () => {
    const p = { jobId: 1, kind: 'train.teacher', done: 30, total: 120, stage: 'epoch 2/8', rate: 2.5, etaSeconds: 36, metrics: { loss: 3 } };
    const v = progressOf(job({ params: { batch: 16 } }), p);
    expect(v.frac).toBe(0.25);
    expect(v.text).toBe('25% · epoch 2/8 · 36 s left');
    expect(v.rate).toBe('2.50 steps/s · 40 images/s');
    // A finished job shows its stored fraction and stage, no ETA.
    const done = progressOf(job({ status: 'done', progress: 1, stage: 'epoch 8/8' }), p);
    expect([done.text, done.rate]).toEqual(['100% · epoch 8/8', null]);
  });
});

const row = (id: number, kind: EvaluationRow['kind'], au: number | null, v: number | null, arch: EvaluationRow['arch'] = 'cnn'): EvaluationRow => ({
  id,
  modelId: id,
  name: `m${id}`,
  kind,
  arch,
  parentId: null,
  runId: null,
  at: '',
  reference: 'labels',
  measuredOn: 'labelled',
  result: {
    model: { id, name: `m${id}`, kind },
    dataset: null,
    split: 'val',
    n: { au: 1, expr: 0, va: 1 },
    au: au === null ? null : { f1: au, acc: au, score: au, threshold: [], perAU: {} },
    auAtHalf: au === null ? null : { f1: 0, acc: 0, score: au / 2, threshold: [], perAU: {} },
    expr: null,
    valence: v === null ? null : { ccc: v },
    arousal: null,
  },
});

describe('Table 2', () => {
  it('names rows like the paper and reads each column, AU at 0.5 unless tuned figures are allowed', () => {
    // `row` is a report from before issue 18 on the val split: `au` at tuned thresholds, `auAtHalf` at 0.5.
    const rows = [row(1, 'teacher', 0.5, 0.3), row(2, 'student', 0.6, null), row(3, 'student', null, 0.1), row(4, 'ensemble', 0.7, 0.2)];
    expect(rowLabels(rows)).toEqual(['Teacher', 'Student0', 'Student1', 'Student Ensemble']);
    // Issue 18: the AU column is the 0.5 figure; thresholds tuned on val are never shown for val.
    expect(rows.map((r) => cell(r, 'au'))).toEqual([0.25, 0.3, null, 0.35]);
    expect(cell(rows[0], 'au', true)).toBeNull();
    expect(rows.map((r) => cell(r, 'valence'))).toEqual([0.3, null, 0.1, 0.2]);
    expect(cell(rows[0], 'expr')).toBeNull();
  });

  it('shows AU at tuned thresholds only for a split other than the one they were tuned on', () => {
    const au = (score: number, threshold: number) => ({ f1: score, acc: score, score, threshold: new Array<number>(8).fill(threshold), perAU: {} });
    const onTest = (r: EvaluationRow, result: Partial<EvaluationRow['result']>): EvaluationRow => ({ ...r, result: { ...r.result, split: 'test', ...result } });
    const base = row(1, 'teacher', null, null);
    // A new report of a model tuned on val, evaluated on test: both figures.
    const tunedOnVal = onTest(base, { au: au(0.4, 0.5), auAtHalf: au(0.4, 0.5), auTuned: au(0.6, 0.3), auThresholdsTunedOn: 'val' });
    expect([cell(tunedOnVal, 'au'), cell(tunedOnVal, 'au', true)]).toEqual([0.4, 0.6]);
    // A model with 0.5 thresholds ('half'): no tuned figure.
    const half = onTest(base, { au: au(0.4, 0.5), auAtHalf: au(0.4, 0.5), auTuned: null, auThresholdsTunedOn: null });
    expect([cell(half, 'au'), cell(half, 'au', true)]).toEqual([0.4, null]);
    // An old report on test: its `au` used thresholds tuned on val, so it is the tuned figure there.
    const old = onTest(base, { au: au(0.6, 0.3), auAtHalf: au(0.4, 0.5) });
    expect([cell(old, 'au'), cell(old, 'au', true)]).toEqual([0.4, 0.6]);
    const oldHalf = onTest(base, { au: au(0.4, 0.5), auAtHalf: au(0.4, 0.5) });
    expect(cell(oldHalf, 'au', true)).toBeNull();
  });
});

describe('Table 2 per reference (issue 16)', () => {
  const as = (r: EvaluationRow, reference: EvaluationRow['reference'], measuredOn: EvaluationRow['measuredOn'], n = r.result.n): EvaluationRow => ({
    ...r,
    reference,
    measuredOn,
    result: { ...r.result, n, reference, measuredOn },
  });
  it('splits the rows into one table per reference: the labels first, then the complete truth on every frame, then on the unlabelled tasks', () => {
    const t = row(1, 'teacher', 0.5, 0.3);
    const e = row(2, 'ensemble', 0.6, 0.2);
    const rows = [as(t, 'complete-truth', 'unlabelled'), as(t, 'complete-truth', 'all'), t, as(e, 'complete-truth', 'all'), e];
    expect(groupTables(rows).map((g) => [g.reference, g.measuredOn, g.rows.map((r) => r.modelId)])).toEqual([
      ['labels', 'labelled', [1, 2]],
      ['complete-truth', 'all', [1, 2]],
      ['complete-truth', 'unlabelled', [1]],
    ]);
    expect(groupTables([])).toEqual([]);
  });

  it('captions each table with what it is measured against, the dataset and split, and the frames per task', () => {
    expect(tableCaption({ reference: 'labels', measuredOn: 'labelled', dataset: 'demo', split: 'test' })).toBe(
      'Measured against the ground truth present in the split — demo / test split, each task on the frames labelled for it.',
    );
    expect(tableCaption({ reference: 'complete-truth', measuredOn: 'all', dataset: 'demo', split: 'test' })).toBe(
      "Measured against the demo's complete truth — demo / test split, every task on every frame.",
    );
    expect(tableCaption({ reference: 'complete-truth', measuredOn: 'unlabelled', dataset: '', split: 'train' })).toBe(
      "Measured against the demo's complete truth — all datasets / train split, each task on the frames that had no label for it (label completion).",
    );
    const a = as(row(1, 'teacher', 0.5, 0.3), 'labels', 'labelled', { au: 1200, expr: 400, va: 0 });
    const b = as(row(2, 'student', 0.5, 0.3), 'labels', 'labelled', { au: 1200, expr: 400, va: 0 });
    expect(countsText(commonCounts([a, b]))).toBe('Frames with a label in the reference: AU 1,200, EXPR 400, VA 0.');
    // Rows evaluated when the labels were different: the counts are per row.
    const c = as(row(3, 'student', 0.5, 0.3), 'labels', 'labelled', { au: 1100, expr: 400, va: 0 });
    expect(commonCounts([a, c])).toBeNull();
    expect(countsText(null)).toMatch(/differ between rows/);
  });

  it('opens the results where evaluations are when nothing is evaluated where it points (the demo: its test split)', () => {
    const demo = [
      { dataset: 'demo', split: 'test' as const, models: 5 },
      { dataset: 'demo', split: 'train' as const, models: 5 },
    ];
    expect(preferredResults(demo, { dataset: '', split: 'val' })).toEqual({ dataset: 'demo', split: 'test' });
    expect(preferredResults(demo, { dataset: 'demo', split: 'train' })).toBeNull();
    expect(preferredResults([{ dataset: '', split: 'val' }], { dataset: '', split: 'val' })).toBeNull();
    expect(preferredResults([], { dataset: '', split: 'val' })).toBeNull();
  });
});

describe('scatter data', () => {
  it('keeps labelled frames sorted by label, with the identity line from corner to corner', () => {
    expect(scatterData([0.5, null, -0.2, 0.1], [0.4, 0.9, -0.1, 0])).toEqual([
      [-1, -0.2, 0.1, 0.5, 1],
      [null, -0.1, 0, 0.4, null],
      [-1, null, null, null, 1],
    ]);
  });
});

describe('breakdowns: "n/a" where the split has no frame with the label', () => {
  it('per AU: an AU no frame labels is absent from the report and shows n/a with the reason; a labelled AU keeps its F1', () => {
    // AU 0 labelled on every frame, AU 1 on none (partial labels), the others labelled but never active.
    const labels = [0, 1, 2, 3].map((i) => AU_NAMES.map((_, k) => (k === 0 ? i % 2 : k === 1 ? NaN : 0)));
    const probs = [0, 1, 2, 3].map((i) => AU_NAMES.map((_, k) => (k === 0 ? i % 2 : 0.1)));
    const au = auMetrics(probs, labels)!;
    expect(au.perAU[AU_NAMES[1]]).toBeUndefined();
    const cells = auF1Cells(au, AU_NAMES);
    expect(cells[0]).toEqual({ text: '1.000', value: 1, title: 'threshold 0.50' });
    expect(cells[1]).toEqual({ text: 'n/a', value: null, title: NO_SUPPORT });
    expect(NO_SUPPORT).toBe('no frames with this label in the split');
    // Labelled, never active, never predicted: F1 0 by scikit-learn's rule (and in the mean), so shown.
    expect(cells[2].text).toBe('0.000');
  });
  it('per class: a class with no true frame shows n/a, also when it was predicted (F1 0 in the report)', () => {
    // Truth: classes 0 and 1 only; class 2 predicted once (present in the report with F1 0).
    const e = exprMetrics([0, 1, 2, 1], [0, 1, 1, 1])!;
    expect(e.perClass[EXPRESSIONS[2]]).toBe(0);
    const cells = exprF1Cells(e, EXPRESSIONS);
    expect(cells.map((c) => c.text)).toEqual(['1.000', '0.800', 'n/a', 'n/a', 'n/a', 'n/a', 'n/a']);
    expect(cells[2]).toEqual({ text: 'n/a', value: null, title: NO_SUPPORT });
  });
  it('Table 2: a task without labels in the split is n/a', () => {
    expect([scoreText(null), scoreText(0.12345)]).toEqual(['n/a', '0.1235']);
  });
});

describe('jobs panel: one clock, legends without placeholders', () => {
  it('the list and the detail read the elapsed time from the same clock', () => {
    const started = '2024-05-01T10:00:00.000Z';
    const now = Date.parse(started) + 65_000;
    const running = job({ startedAt: started });
    expect(elapsedAt(running, now)).toBe('1 min 05 s');
    expect(elapsedAt(running, now + 1_000)).toBe('1 min 06 s');
    // A finished job: its own end, whatever the clock says.
    expect(elapsedAt(job({ status: 'done', startedAt: started, finishedAt: '2024-05-01T10:00:12.000Z' }), now)).toBe('12 s');
    expect(elapsedAt(job({ status: 'queued' }), now)).toBe('–');
  });
  it('legend values: at the cursor, else the newest value, else nothing (never uPlot\'s "--")', () => {
    const chart = { data: [[1, 2, 3], [0.5, 0.25, null], [null, null, null]] };
    const v3 = legendValue(3);
    expect(v3(chart, 0.5, 1, 0)).toBe('0.500');
    expect(v3(chart, null, 1, 2)).toBe(''); // no value at that step
    expect(v3(chart, null, 1, null)).toBe('0.250'); // no cursor: the newest
    expect(v3(chart, null, 2, null)).toBe(''); // a series without values
    expect(legendValue(null)(chart, null, 0, null)).toBe('3');
    expect(legendValue(null)({ data: [[]] }, null, 0, null)).toBe('');
  });
});
