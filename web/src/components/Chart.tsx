import { lazy, Suspense } from "react";
import type { TimeChartProps } from "./TimeChart";
import { Loading } from "./States";

const TimeChart = lazy(() => import("./TimeChart"));

/** The chart, loaded on first use (uPlot stays out of the first load). */
export function Chart(props: TimeChartProps) {
  return (
    <Suspense fallback={<Loading label="Drawing the chart…" />}>
      <TimeChart {...props} />
    </Suspense>
  );
}
