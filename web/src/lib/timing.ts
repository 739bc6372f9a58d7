// From the last recorded sample (Stop) to the result on screen: marked here, read by the browser tests.
interface Timings {
  stoppedAt: number | null;
  latencies: number[]; // milliseconds, one per result rendered after a stop
  progress: number[]; // every progress value the live stream delivered
}

declare global {
  interface Window {
    __yousyncTimings?: Timings;
  }
}

function timings(): Timings {
  window.__yousyncTimings ??= { stoppedAt: null, latencies: [], progress: [] };
  return window.__yousyncTimings;
}

export function markStopped(): void {
  timings().stoppedAt = performance.now();
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
