// The two charts of a training job: live training losses per task over steps (running means of the
// epoch, from job.progress), and validation scores per epoch (from the run's recorded epochs).
import { useMemo } from 'react';
import type uPlot from 'uplot';
import type { EpochRow } from '../../../shared/training-contract';
import { Chart } from './Chart';
import { LOSS_KEYS, type LossSeries } from './live';
import { legendValue } from './series';

const COLOURS = { loss: '#1b2230', au: '#2563c9', expr: '#c2410c', v: '#15803d', a: '#9333ea' } as const;
const LABELS = { loss: 'total (8·AU + EXPR + V + A)', au: 'AU', expr: 'EXPR', v: 'V', a: 'A' } as const;

// Legends show the value at the cursor, else the newest one, else nothing (never uPlot's "--").
const fmt = (digits: number) => legendValue(digits);
const X_VALUE = legendValue(null);

export function LossChart({ series }: { series: LossSeries }) {
  const data = useMemo(() => [series.x, ...LOSS_KEYS.map((k) => series.y[k])] as uPlot.AlignedData, [series]);
  const options: Omit<uPlot.Options, 'width' | 'height'> = {
    title: 'Training loss per task (running mean of the epoch)',
    scales: { x: { time: false }, total: { auto: true } },
    axes: [
      { label: 'step', size: 34 },
      { label: 'task loss', size: 48 },
      { scale: 'total', side: 1, label: 'total', size: 48, grid: { show: false } },
    ],
    series: [
      { label: 'step', value: X_VALUE },
      ...LOSS_KEYS.map((k) => ({
        label: LABELS[k],
        stroke: COLOURS[k],
        width: k === 'loss' ? 2 : 1.5,
        scale: k === 'loss' ? 'total' : 'y',
        dash: k === 'loss' ? [6, 4] : undefined,
        spanGaps: true,
        // uPlot shows the points while they are sparse (the first steps), the line alone after.
        value: fmt(3),
      })),
    ],
    legend: { live: true },
  };
  return <Chart testid="loss-chart" shape="loss" options={options} data={data} points={series.x.length} />;
}

export function EpochChart({ epochs }: { epochs: EpochRow[] }) {
  const data = useMemo(
    () =>
      [
        epochs.map((_, i) => i + 1),
        epochs.map((e) => e.val?.au ?? null),
        epochs.map((e) => e.val?.expr ?? null),
        epochs.map((e) => e.val?.valence ?? null),
        epochs.map((e) => e.val?.arousal ?? null),
        epochs.map((e) => e.train.loss ?? null),
      ] as uPlot.AlignedData,
    [epochs],
  );
  const val = (label: string, stroke: string) => ({ label, stroke, width: 2, spanGaps: true, points: { show: true, size: 6 }, value: fmt(3) });
  const options: Omit<uPlot.Options, 'width' | 'height'> = {
    title: 'Validation per epoch (AU, EXPR: ABAW score; V, A: CCC)',
    scales: { x: { time: false }, y: { range: (_u, min, max) => [Math.min(-0.2, min ?? 0), Math.max(1, max ?? 1)] }, loss: { auto: true } },
    axes: [
      { label: 'epoch', size: 34, incrs: [1, 2, 5, 10, 20, 50] },
      { label: 'score', size: 48 },
      { scale: 'loss', side: 1, label: 'train loss', size: 48, grid: { show: false } },
    ],
    series: [
      { label: 'epoch', value: X_VALUE },
      val('AU', COLOURS.au),
      val('EXPR', COLOURS.expr),
      val('V', COLOURS.v),
      val('A', COLOURS.a),
      { label: 'train loss', stroke: '#8a93a3', width: 1.5, dash: [4, 4], scale: 'loss', spanGaps: true, points: { show: true, size: 4 }, value: fmt(3) },
    ],
  };
  return <Chart testid="epoch-chart" shape="epochs" options={options} data={data} points={epochs.length} />;
}
