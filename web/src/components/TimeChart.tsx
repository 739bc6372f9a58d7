// A small time-series chart on uPlot (lazy-loaded with the pages that use it).
import { useEffect, useRef } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { align, CHART_HEIGHT, dateRange, type ChartSeries } from "../lib/chartData";

export type { ChartSeries };

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

export default function TimeChart(props: TimeChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const marker = useRef<number | null>(null);
  marker.current = props.marker ?? null;

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const height = props.height ?? CHART_HEIGHT;
    const options: uPlot.Options = {
      width: Math.max(280, el.clientWidth),
      height,
      scales: {
        x: {
          time: !!props.dates,
          // Dates: from the data itself (uPlot widens a single time point to 1000 days before calling this).
          range: props.dates
            ? (u) => {
                const xs = u.data[0];
                return dateRange(xs[0], xs[xs.length - 1]);
              }
            : (_u, min, max) => [Math.min(0, min), max],
        },
      },
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
      legend: { show: props.series.length > 1 },
      cursor: { drag: { x: false, y: false } },
      hooks: {
        // The drawn x range, readable by tests (the axis labels are on the canvas).
        setScale: [
          (u, key) => {
            if (key !== "x") return;
            el.dataset.xMin = String(u.scales.x.min);
            el.dataset.xMax = String(u.scales.x.max);
          },
        ],
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
    el.dataset.xMin = String(chart.scales.x.min);
    el.dataset.xMax = String(chart.scales.x.max);
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
