// Valence and arousal of one evaluation: prediction against label per frame (a stored, evenly
// spaced sample of the labelled frames), with the identity line a perfect model would sit on.
// uPlot draws the points on canvas; the CCC in the title is the exact one over every frame.
import { useMemo } from 'react';
import type uPlot from 'uplot';
import type { EvaluationRow, VaPoints } from '../../../shared/training-contract';
import { Chart } from '../training/Chart';
import { scatterData } from './scatter-data';

function Scatter({ name, ccc, labels, preds, colour }: { name: string; ccc: number | null; labels: (number | null)[]; preds: number[]; colour: string }) {
  const data = useMemo(() => scatterData(labels, preds), [labels, preds]);
  const options: Omit<uPlot.Options, 'width' | 'height'> = {
    title: `${name}: prediction vs. label (CCC ${ccc === null ? '–' : ccc.toFixed(3)})`,
    scales: { x: { time: false, range: [-1, 1] }, y: { range: [-1, 1] } },
    axes: [
      { label: `${name} label`, size: 34 },
      { label: 'prediction', size: 44 },
    ],
    series: [
      { label: 'label' },
      { label: 'prediction', stroke: colour, fill: colour, paths: () => null, points: { show: true, size: 5, stroke: colour, fill: colour, width: 0 } },
      { label: 'identity', stroke: '#9aa3b2', width: 1, dash: [4, 4], spanGaps: true, points: { show: false } },
    ],
    cursor: { drag: { x: false, y: false } },
  };
  return <Chart testid={`scatter-${name.toLowerCase()}`} shape={`scatter-${name}`} options={options} data={data} points={data[0].length - 2} height={240} />;
}

export function VaScatter({ row, points }: { row: EvaluationRow; points: VaPoints | null }) {
  if (!row.result.valence && !row.result.arousal) return <p className="empty">No valence/arousal labels in this split.</p>;
  if (!points) return <p className="empty">Loading the valence/arousal sample…</p>;
  if (points.total === 0) return <p className="empty">This evaluation stored no per-frame sample (evaluate the model again to draw it).</p>;
  return (
    <div>
      <div className="chart-grid">
        <Scatter name="Valence" ccc={row.result.valence?.ccc ?? null} labels={points.labelValence} preds={points.valence} colour="rgba(21, 128, 61, 0.55)" />
        <Scatter name="Arousal" ccc={row.result.arousal?.ccc ?? null} labels={points.labelArousal} preds={points.arousal} colour="rgba(147, 51, 234, 0.55)" />
      </div>
      <p className="panel-hint">
        {points.valence.length < points.total ? `${points.valence.length} of ${points.total} labelled frames, evenly spaced.` : `All ${points.total} labelled frames.`}
      </p>
    </div>
  );
}
