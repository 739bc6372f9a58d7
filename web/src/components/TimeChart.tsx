// A small time-series chart on uPlot (lazy-loaded with the pages that use it).
import { useEffect, useRef } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";

export interface ChartSeries {
  label: string;
  color: string;
  points: Array<[number, number | null]>;
  dash?: number[];
  width?: number;
}

export interface TimeChartProps {
  series: ChartSeries[];
  xLabel: string;
  yLabel: string;
  ariaLabel: string;
  height?: number;
  /** x is epoch seconds (dates on the axis) rather than seconds into the audio. */
  dates?: boolean;
  /** A vertical line (e.g. the playback position), in x units. */
  marker?: number | null;
  testId?: string;
}

/** One x axis for every series: the sorted union of their x values, gaps where a series has none. */
export function align(series: ChartSeries[]): uPlot.AlignedData {
  const xs = [...new Set(series.flatMap((s) => s.points.map((p) => p[0])))].sort((a, b) => a - b);
  const index = new Map(xs.map((x, i) => [x, i]));
  const ys = series.map((s) => {
    const column: (number | null)[] = new Array(xs.length).fill(null);
    for (const [x, y] of s.points) column[index.get(x)!] = y;
    return column;
  });
  return [xs, ...ys] as uPlot.AlignedData;
}

export default function TimeChart(props: TimeChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const marker = useRef<number | null>(null);
  marker.current = props.marker ?? null;

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const height = props.height ?? 220;
    const options: uPlot.Options = {
      width: Math.max(280, el.clientWidth),
      height,
      scales: { x: { time: !!props.dates } },
      axes: [
        { label: props.xLabel, stroke: "#555", grid: { stroke: "#eee" } },
        { label: props.yLabel, stroke: "#555", grid: { stroke: "#eee" }, size: 50 },
      ],
      series: [
        { label: props.xLabel },
        ...props.series.map((s) => ({
          label: s.label,
          stroke: s.color,
          width: s.width ?? 2,
          dash: s.dash,
          spanGaps: false,
          points: { show: !!props.dates },
        })),
      ],
      legend: { show: true },
      cursor: { drag: { x: false, y: false } },
      hooks: {
        draw: [
          (u) => {
            const at = marker.current;
            if (at === null || at === undefined) return;
            const x = u.valToPos(at, "x", true);
            const ctx = u.ctx;
            ctx.save();
            ctx.strokeStyle = "#e8590c";
            ctx.lineWidth = 2 * devicePixelRatio;
            ctx.beginPath();
            ctx.moveTo(x, u.bbox.top);
            ctx.lineTo(x, u.bbox.top + u.bbox.height);
            ctx.stroke();
            ctx.restore();
          },
        ],
      },
    };
    const chart = new uPlot(options, align(props.series), el);
    plot.current = chart;
    const observer = new ResizeObserver(() => chart.setSize({ width: Math.max(280, el.clientWidth), height }));
    observer.observe(el);
    return () => {
      observer.disconnect();
      chart.destroy();
      plot.current = null;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [props.series, props.dates, props.xLabel, props.yLabel, props.height]);

  useEffect(() => {
    plot.current?.redraw(false);
  }, [props.marker]);

  return (
    <figure className="chart" data-testid={props.testId}>
      <div ref={box} role="img" aria-label={props.ariaLabel} />
    </figure>
  );
}
