// From the last recorded sample (Stop) to the result on screen: marked here, read by the browser tests.
interface Timings {
  stoppedAt: number | null;
  latencies: number[]; // milliseconds, one per result rendered after a stop
  progress: number[]; // every progress value the live stream delivered
  steps: [string, number][]; // milestones after the last stop (ms since it)
}

declare global {
  interface Window {
    __yousyncTimings?: Timings;
  }
}

function timings(): Timings {
  window.__yousyncTimings ??= { stoppedAt: null, latencies: [], progress: [], steps: [] };
  return window.__yousyncTimings;
}

export function markStopped(): void {
  const t = timings();
  t.stoppedAt = performance.now();
  t.steps = [];
}

/** A milestone between the stop and the result (upload sent, accepted, first event, completed). */
export function markStep(name: string): void {
  const t = timings();
  if (t.stoppedAt !== null) t.steps.push([name, Math.round(performance.now() - t.stoppedAt)]);
}

export function markResultRendered(): void {
  const t = timings();
  if (t.stoppedAt === null) return;
  t.latencies.push(performance.now() - t.stoppedAt);
  t.stoppedAt = null;
}

export function recordProgress(value: number): void {
  timings().progress.push(value);
}
