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
