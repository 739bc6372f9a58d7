import type uPlot from "uplot";

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

