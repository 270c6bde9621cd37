// The jobs panel's one clock: the list's Time column and the detail's elapsed time read the same
// `now`, ticking once a second while a job runs (without it each view re-read Date.now() whenever
// it happened to re-render: the detail on every progress event, the list only on state changes, so
// the list lagged). Stopped when nothing runs: finished jobs' times do not depend on it.
import { useEffect, useState } from 'react';

export const CLOCK_TICK_MS = 1000;

export function useJobsClock(ticking: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!ticking) return;
    setNow(Date.now());
    const t = setInterval(() => setNow(Date.now()), CLOCK_TICK_MS);
    return () => clearInterval(t);
  }, [ticking]);
  return now;
}
