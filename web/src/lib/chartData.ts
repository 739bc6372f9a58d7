import type uPlot from "uplot";

/** A chart's plot height in px, unless it says otherwise. */
export const CHART_HEIGHT = 220;
/** uPlot's legend under a chart of several series: one row, in px (29.5 measured in Chromium). */
export const LEGEND_HEIGHT = 30;

export interface ChartSeries {
  label: string;
  color: string;
  points: Array<[number, number | null]>;
  dash?: number[];
  width?: number;
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


const DAY = 86_400;

/**
 * The x range of a date chart (epoch seconds) from its data's first and last x: at least two weeks
 * before the last point and a few days after it, so that a single week is a point inside a short axis.
 * uPlot's own range for one time point is min … min + 1000 days (its `86400 / ms` with ms = 1e-3),
 * so this range must be computed from the data, not from the min/max uPlot passes in.
 */
export function dateRange(first: number | null | undefined, last: number | null | undefined): [number, number] {
  if (first == null || last == null || !Number.isFinite(first) || !Number.isFinite(last)) {
    const now = Math.floor(Date.now() / 1000);
    return [now - 14 * DAY, now + 3 * DAY];
  }
  return [Math.min(first, last - 14 * DAY) - DAY, last + 3 * DAY];
}
