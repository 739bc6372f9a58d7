// Live analysis progress over EventSource with the job's stream ticket. The browser itself resumes a
// dropped stream with Last-Event-ID; when the stream is closed for good before the end (ticket expired,
// gateway restarted), a fresh ticket is minted and a new stream opened, and the result is read once.
import { api } from "./client";
import type { AnalysisResult, ProgressEvent } from "./types";

export interface WatchCallbacks {
  onEvent: (event: ProgressEvent) => void;
  onConnection: (state: "open" | "reconnecting") => void;
  onDone: (result: AnalysisResult) => void;
  onError: (error: unknown) => void;
}

const MAX_REOPENS = 5;

export function watchJob(jobId: string, progressUrl: string, callbacks: WatchCallbacks): () => void {
  let source: EventSource | null = null;
  let stopped = false;
  let reopens = 0;
  let lastSequence = 0;

  const finish = (result: AnalysisResult) => {
    if (stopped) return;
    stopped = true;
    source?.close();
    callbacks.onDone(result);
  };

  const fail = (error: unknown) => {
    if (stopped) return;
    stopped = true;
    source?.close();
    callbacks.onError(error);
  };

  const readResult = async (): Promise<AnalysisResult | null> => {
    const result = await api<AnalysisResult>(`/api/tokens/analysis-result/${encodeURIComponent(jobId)}`);
    return result.status === "processing" ? null : result;
  };

  const open = (url: string) => {
    source = new EventSource(url);
    source.onopen = () => callbacks.onConnection("open");
    source.onmessage = (message) => {
      let event: ProgressEvent;
      try {
        event = JSON.parse(message.data as string) as ProgressEvent;
      } catch {
        return;
      }
      if (event.sequence < lastSequence) return;
      lastSequence = event.sequence;
      callbacks.onEvent(event);
      if (event.status === "completed" && event.result) finish(event.result);
      else if (event.status !== "processing") void readResult().then((r) => r && finish(r), fail);
    };
    source.onerror = () => {
      if (stopped || !source) return;
      if (source.readyState === EventSource.CONNECTING) {
        callbacks.onConnection("reconnecting"); // the browser retries with Last-Event-ID
        return;
      }
      source.close();
      void reopen();
    };
  };

  const reopen = async () => {
    try {
      const result = await readResult();
      if (result) return finish(result);
      if (++reopens > MAX_REOPENS) throw new Error("the progress stream keeps closing");
      callbacks.onConnection("reconnecting");
      const fresh = await api<{ progress_url: string }>(
        `/api/tokens/analysis-progress/${encodeURIComponent(jobId)}/ticket`,
        { method: "POST" },
      );
      if (!stopped) open(fresh.progress_url);
    } catch (error) {
      fail(error);
    }
  };

  open(progressUrl);
  return () => {
    stopped = true;
    source?.close();
  };
}
