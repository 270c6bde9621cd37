// The scatter plot's data in uPlot's aligned form, as a pure function (unit-tested).
import type uPlot from 'uplot';

/** (label, prediction) pairs that have a label, sorted by label (uPlot wants ascending x), and the identity line. */
export function scatterData(labels: (number | null)[], preds: number[]): uPlot.AlignedData {
  const pairs = labels
    .map((l, i) => [l, preds[i]] as const)
    .filter((p): p is readonly [number, number] => p[0] !== null)
    .sort((a, b) => a[0] - b[0]);
  // The identity line runs corner to corner: two extra x values with no prediction.
  const x = [-1, ...pairs.map((p) => p[0]), 1];
  const pred = [null, ...pairs.map((p) => p[1]), null];
  const identity = x.map((v, i) => (i === 0 || i === x.length - 1 ? v : null));
  return [x, pred, identity];
}
