import { lazy, Suspense } from "react";
import type { TimeChartProps } from "./TimeChart";
import { Loading } from "./States";
import { CHART_HEIGHT, LEGEND_HEIGHT } from "../lib/chartData";

const TimeChart = lazy(() => import("./TimeChart"));

/** The chart, loaded on first use (uPlot stays out of the first load). Its placeholder takes the room the
 *  drawn chart will take, so nothing below it moves when it arrives (a click aimed there would miss). */
export function Chart(props: TimeChartProps) {
  const room = (props.height ?? CHART_HEIGHT) + (props.series.length > 1 ? LEGEND_HEIGHT : 0);
  return (
    <Suspense
      fallback={
        <figure className="chart">
          <div style={{ height: room }}>
            <Loading label="Drawing the chart…" />
          </div>
        </figure>
      }
    >
      <TimeChart {...props} />
    </Suspense>
  );
}
