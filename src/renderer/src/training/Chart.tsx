// A uPlot chart as a React component: created once per set of series, fed new data with setData,
// sized to its container (ResizeObserver). uPlot draws on canvas, so thousands of points stay cheap.
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface ChartProps {
  /** Options without width/height (taken from the container and `height`). */
  options: Omit<uPlot.Options, 'width' | 'height'>;
  data: uPlot.AlignedData;
  height?: number;
  testid: string;
  /** Changes when the series set changes (the chart is then rebuilt). */
  shape: string;
  /** Number of points shown, for tests and screen readers. */
  points: number;
}

export function Chart({ options, data, height = 200, testid, shape, points }: ChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const latest = useRef(data);
  latest.current = data;

  useEffect(() => {
    const el = box.current!;
    const u = new uPlot({ ...options, width: Math.max(200, el.clientWidth), height } as uPlot.Options, latest.current, el);
    plot.current = u;
    const ro = new ResizeObserver(() => u.setSize({ width: Math.max(200, el.clientWidth), height }));
    ro.observe(el);
    return () => {
      ro.disconnect();
      u.destroy();
      plot.current = null;
    };
    // The options object is rebuilt every render; `shape` says when it really changed.
  }, [shape, height]);

  useEffect(() => {
    plot.current?.setData(data);
  }, [data]);

  return <div className="chart" ref={box} data-testid={testid} data-points={points} />;
}
