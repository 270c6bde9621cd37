// The live loss curve of a training job as plain data: step-wise running means of the task losses
// from job.progress events, bounded in memory. Pure (no DOM, no API), so it is unit-tested.

export const LOSS_KEYS = ['loss', 'au', 'expr', 'v', 'a'] as const;
export type LossKey = (typeof LOSS_KEYS)[number];

/** Step-wise running means of the training losses; x is the job's step counter. */
export interface LossSeries {
  x: number[];
  y: Record<LossKey, (number | null)[]>;
}

/** Points kept per curve; beyond it every other point is dropped (the shape stays, memory does not grow). */
export const MAX_POINTS = 1500;

/** Appends one progress event's losses; pure on the series (exported for tests). */
export function appendLoss(s: LossSeries, done: number, metrics: Record<string, number>): LossSeries {
  const last = s.x.length ? s.x[s.x.length - 1] : -Infinity;
  // A new stage restarting the counter (e.g. the next student) continues after the last point.
  const x = done > last ? done : last + 1;
  let next: LossSeries = {
    x: [...s.x, x],
    y: Object.fromEntries(LOSS_KEYS.map((k) => [k, [...s.y[k], Number.isFinite(metrics[k]) ? metrics[k] : null]])) as LossSeries['y'],
  };
  if (next.x.length > MAX_POINTS) {
    const keep = (_: unknown, i: number) => i % 2 === 1 || i === next.x.length - 1;
    next = { x: next.x.filter(keep), y: Object.fromEntries(LOSS_KEYS.map((k) => [k, next.y[k].filter(keep)])) as LossSeries['y'] };
  }
  return next;
}

/** What a uPlot legend value function reads of its chart (structurally: the chart's data). */
export interface LegendChart {
  data: readonly ArrayLike<number | null | undefined>[];
}

/**
 * A chart legend's value for a series (uPlot's `series[i].value`): with the cursor on the chart the
 * value at the cursor, else the series' newest value, so the legend always says something useful;
 * '' where the series has no value (a task without loss at that step), never uPlot's "--"
 * placeholder. `digits`: decimals, or null for the x series' whole numbers (step, epoch).
 */
export function legendValue(digits: number | null) {
  return (u: LegendChart, v: number | null, sidx: number, idx: number | null | undefined): string => {
    let x: number | null | undefined = v;
    if (idx === null || idx === undefined) {
      const d = u.data[sidx] ?? [];
      x = null;
      for (let i = d.length - 1; i >= 0; i--) {
        const y = d[i];
        if (y !== null && y !== undefined) {
          x = y;
          break;
        }
      }
    }
    if (x === null || x === undefined || !Number.isFinite(x)) return '';
    return digits === null ? String(x) : x.toFixed(digits);
  };
}
