import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { ApiError, api, uploadTake } from "../api/client";
import { watchJob } from "../api/progress";
import type { Bookmark, ConsoleConfig, ProgressEvent, Token } from "../api/types";
import { Chart } from "../components/Chart";
import { Recorder, type Recording } from "../components/Recorder";
import { ErrorBox, Loading, errorText } from "../components/States";
import { WordsPlayer } from "../components/WordsPlayer";
import { useUser } from "../lib/auth";
import { seconds } from "../lib/format";
import { markStep, markStopped, recordProgress } from "../lib/timing";

// A recording survives a trip to the sign-in page (kept for this page's lifetime only).
const pending = new Map<number, Recording>();
const AUTO_SEND_KEY = "yousync.autoSend";

const STAGES: Record<string, string> = {
  queued: "Waiting for a free analyzer",
  dispatched: "Handed to an analyzer",
  decoding: "Reading your audio",
  quality_check: "Checking the recording's quality",
  alignment: "Lining your words up with the actor's",
  recognition: "Listening to your words",
  pitch: "Comparing your melody with the actor's",
  scoring: "Scoring",
  done: "Done",
};

export function LinePage() {
  const tokenId = Number(useParams().tokenId);
  const user = useUser();
  const token = useQuery({
    queryKey: ["token", tokenId],
    queryFn: ({ signal }) => api<Token>(`/api/tokens/${tokenId}`, { auth: false, signal }),
  });
  const [playhead, setPlayhead] = useState<number | null>(null);
  const onTime = useCallback((t: number | null) => setPlayhead(t), []);

  useEffect(() => {
    if (user && Number.isFinite(tokenId)) void api(`/api/tokens/${tokenId}/view`, { method: "POST" }).catch(() => undefined);
  }, [tokenId, user]);

  const pitch = useMemo(() => {
    const points = (token.data?.reference_pitch ?? []).map(
      (p) => [p.time_seconds, p.hz ?? null] as [number, number | null],
    );
    return points.length ? [{ label: "Actor (Hz)", color: "#3b5bdb", points }] : [];
  }, [token.data]);

  if (token.isPending) return <Loading label="Loading the line…" />;
  if (token.isError) return <ErrorBox error={token.error} onRetry={() => void token.refetch()} />;
  const t = token.data;
  return (
    <div className="page">
      <p className="crumbs">
        <Link to="/">Catalog</Link> › <Link to={`/scripts/${t.script_id}`}>{t.script_title}</Link> › line {t.position}
      </p>
      <div className="title-row">
        <h1 className="line-title">{t.actor?.name ?? "Line"}</h1>
        {user && <BookmarkToggle tokenId={t.id} />}
      </div>
      {t.translation && <p className="translation">{t.translation}</p>}
      <section aria-labelledby="listen">
        <h2 id="listen">Listen to the actor</h2>
        <WordsPlayer words={t.words} text={t.text} audioUrl={t.reference_audio_url} onTime={onTime} />
        {pitch.length > 0 && (
          <Chart
            series={pitch}
            xLabel="seconds"
            yLabel="Hz"
            ariaLabel="The actor's pitch over the line"
            marker={playhead}
            height={150}
            testId="reference-pitch"
          />
        )}
        <p className="muted small">
          {seconds(t.reference_duration_seconds)} · {t.view_count} views · {t.take_count} takes
        </p>
      </section>
      <section aria-labelledby="record">
        <h2 id="record">Your take</h2>
        {user ? (
          <TakePanel tokenId={t.id} />
        ) : (
          <p>
            <Link to={`/signin?next=${encodeURIComponent(`/lines/${t.id}`)}`} className="button primary">
              Sign in to record
            </Link>
          </p>
        )}
      </section>
    </div>
  );
}

function BookmarkToggle({ tokenId }: { tokenId: number }) {
  const queryClient = useQueryClient();
  const bookmarks = useQuery({
    queryKey: ["me", "bookmarks"],
    queryFn: ({ signal }) => api<Bookmark[]>("/api/mypage/bookmarks", { signal }),
  });
  const marked = !!bookmarks.data?.some((b) => b.token_id === tokenId);
  const toggle = useMutation({
    mutationFn: () =>
      marked
        ? api(`/api/mypage/bookmarks/${tokenId}`, { method: "DELETE" })
        : api("/api/mypage/bookmarks", { method: "POST", body: { token_id: tokenId } }),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ["me"] }),
  });
  return (
    <div className="bookmark">
      <button
        type="button"
        aria-pressed={marked}
        className={marked ? "chip active" : "chip"}
        disabled={bookmarks.isPending || toggle.isPending}
        onClick={() => toggle.mutate()}
      >
        {marked ? "★ Bookmarked" : "☆ Bookmark"}
      </button>
      {toggle.isError && (
        <span className="error inline" role="alert">
          {errorText(toggle.error)}
        </span>
      )}
    </div>
  );
}

type Step =
  | { kind: "ready" }
  | { kind: "uploading"; fraction: number }
  | { kind: "analysing"; event: ProgressEvent | null; reconnecting: boolean }
  | { kind: "error"; error: unknown };

function TakePanel({ tokenId }: { tokenId: number }) {
  const [recording, setRecording] = useState<Recording | null>(() => pending.get(tokenId) ?? null);
  const [step, setStep] = useState<Step>({ kind: "ready" });
  const [autoSend, setAutoSend] = useState(() => localStorage.getItem(AUTO_SEND_KEY) === "1");
  const [waitUntil, setWaitUntil] = useState(0);
  const [now, setNow] = useState(Date.now());
  const stopWatching = useRef<() => void>(() => undefined);
  const abortUpload = useRef<() => void>(() => undefined);
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const config = useQuery({
    queryKey: ["config"],
    queryFn: ({ signal }) => api<ConsoleConfig>("/api/config", { auth: false, signal }),
    staleTime: 300_000,
  });

  useEffect(
    () => () => {
      stopWatching.current();
      abortUpload.current();
    },
    [],
  );
  useEffect(() => {
    if (waitUntil <= Date.now()) return;
    const timer = setInterval(() => setNow(Date.now()), 500);
    return () => clearInterval(timer);
  }, [waitUntil]);

  const busy = step.kind === "uploading" || step.kind === "analysing";
  const waiting = Math.max(0, Math.ceil((waitUntil - now) / 1000));

  const send = async (take: Recording) => {
    const limit = config.data?.max_upload_bytes;
    if (limit && take.blob.size > limit) {
      // Said before sending: the server would answer 413 and close the connection mid-upload.
      setStep({ kind: "error", error: new ApiError(413, "PAYLOAD_TOO_LARGE", `over ${limit} bytes`) });
      return;
    }
    setStep({ kind: "uploading", fraction: 0 });
    markStep("upload-start");
    // While the take is analysed, fetch the result page's code so that it renders at once.
    void import("./ResultPage");
    const upload = uploadTake(tokenId, take.blob, take.filename, (fraction) =>
      setStep((s) => (s.kind === "uploading" ? { kind: "uploading", fraction } : s)),
    );
    abortUpload.current = upload.abort;
    try {
      const accepted = await upload.promise;
      markStep("upload-accepted");
      setStep({ kind: "analysing", event: null, reconnecting: false });
      stopWatching.current = watchJob(accepted.job_id, accepted.progress_url, {
        onEvent: (event) => {
          recordProgress(event.progress);
          markStep(`event-${event.progress}`);
          setStep({ kind: "analysing", event, reconnecting: false });
        },
        onConnection: (state) =>
          setStep((s) => (s.kind === "analysing" ? { ...s, reconnecting: state === "reconnecting" } : s)),
        onDone: (result) => {
          pending.delete(tokenId);
          queryClient.setQueryData(["result", result.job_id], result);
          void queryClient.invalidateQueries({ queryKey: ["me"] });
          navigate(`/results/${result.job_id}`, { state: { takeUrl: take.url } });
        },
        onError: (error) => setStep({ kind: "error", error }),
      });
    } catch (error) {
      if ((error as Error).name === "AbortError") return;
      if (error instanceof ApiError && error.status === 429 && error.retryAfter) {
        setWaitUntil(Date.now() + error.retryAfter * 1000);
        setNow(Date.now());
      }
      setStep({ kind: "error", error });
    }
  };

  const recorded = (take: Recording) => {
    if (recording && recording.url !== take.url) URL.revokeObjectURL(recording.url);
    pending.set(tokenId, take);
    setRecording(take);
    setStep({ kind: "ready" });
    if (autoSend && take.source === "mic") void send(take);
  };

  const discard = () => {
    if (recording) URL.revokeObjectURL(recording.url);
    pending.delete(tokenId);
    setRecording(null);
    setStep({ kind: "ready" });
  };

  return (
    <div className="take-panel">
      {!busy && <Recorder onRecorded={recorded} onStopped={markStopped} disabled={busy} />}
      <label className="check">
        <input
          type="checkbox"
          checked={autoSend}
          onChange={(e) => {
            setAutoSend(e.target.checked);
            localStorage.setItem(AUTO_SEND_KEY, e.target.checked ? "1" : "0");
          }}
        />
        Send for scoring as soon as I stop
      </label>
      {recording && (
        <div className="take" data-testid="take-preview">
          <p>
            {recording.source === "mic" ? "Your recording" : `File: ${recording.filename}`}
            {recording.seconds !== null && <> · {seconds(recording.seconds)}</>}
          </p>
          <audio src={recording.url} controls aria-label="Listen to your take" />
          {!busy && (
            <div className="row wrap">
              <button
                type="button"
                className="primary"
                onClick={() => void send(recording)}
                disabled={waiting > 0}
                data-testid="send"
              >
                {waiting > 0 ? `Send again in ${waiting} s` : "Send for scoring"}
              </button>
              <button type="button" onClick={discard}>
                {recording.source === "mic" ? "Discard (re-record)" : "Remove"}
              </button>
            </div>
          )}
        </div>
      )}
      {step.kind === "uploading" && (
        <div className="progress-block">
          <label htmlFor="upload-progress">Uploading… {Math.round(step.fraction * 100)}%</label>
          <progress id="upload-progress" max={1} value={step.fraction} data-testid="upload-progress" />
          <button type="button" className="link" onClick={() => abortUpload.current()}>
            Cancel
          </button>
        </div>
      )}
      {step.kind === "analysing" && (
        <div className="progress-block" aria-live="polite">
          <label htmlFor="analysis-progress">
            {step.event ? STAGES[step.event.stage.toLowerCase()] ?? step.event.message ?? "Analysing" : "Queued"} ·{" "}
            <span data-testid="progress-value">{step.event?.progress ?? 0}</span>%
          </label>
          <progress id="analysis-progress" max={100} value={step.event?.progress ?? 0} data-testid="analysis-progress" />
          {step.reconnecting && <p className="muted">Connection lost, reconnecting… (no progress is lost)</p>}
        </div>
      )}
      {step.kind === "error" && (
        <div className="error" role="alert" data-testid="error">
          <p>{errorText(step.error)}</p>
          {step.error instanceof ApiError && step.error.status === 401 && (
            <p>
              <Link to={`/signin?next=${encodeURIComponent(`/lines/${tokenId}`)}`}>Sign in again</Link> — your
              recording is kept.
            </p>
          )}
        </div>
      )}
    </div>
  );
}
