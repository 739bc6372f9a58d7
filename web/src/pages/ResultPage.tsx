import { useEffect } from "react";
import { Link, useLocation, useParams } from "react-router";
import { useQuery } from "@tanstack/react-query";
import { api } from "../api/client";
import type { AnalysisResult, AudioAccess, Token } from "../api/types";
import { ResultView } from "../components/ResultView";
import { ErrorBox, Loading } from "../components/States";
import { useUser } from "../lib/auth";
import { when } from "../lib/format";
import { markResultRendered } from "../lib/timing";

export function ResultPage() {
  const jobId = useParams().jobId ?? "";
  const user = useUser();
  const location = useLocation();
  const localTake = (location.state as { takeUrl?: string } | null)?.takeUrl ?? null;
  const result = useQuery({
    queryKey: ["result", jobId],
    queryFn: ({ signal }) => api<AnalysisResult>(`/api/tokens/analysis-result/${encodeURIComponent(jobId)}`, { signal }),
    enabled: !!user,
    refetchInterval: (q) => (q.state.data?.status === "processing" ? 1500 : false),
  });
  const tokenId = result.data?.token_id;
  const token = useQuery({
    queryKey: ["token", tokenId],
    queryFn: ({ signal }) => api<Token>(`/api/tokens/${tokenId}`, { auth: false, signal }),
    enabled: !!tokenId,
  });
  const takeId = result.data?.take_id;
  const takeAudio = useQuery({
    queryKey: ["take-audio", takeId],
    queryFn: ({ signal }) => api<AudioAccess>(`/api/mypage/takes/${encodeURIComponent(takeId!)}/audio`, { signal }),
    enabled: !!takeId && !localTake,
    staleTime: 60_000,
  });
  const completed = result.data?.status === "completed";
  useEffect(() => {
    if (completed) markResultRendered();
  }, [completed]);

  if (!user)
    return (
      <div className="page">
        <p>
          <Link to={`/signin?next=${encodeURIComponent(location.pathname)}`}>Sign in</Link> to see this result.
        </p>
      </div>
    );
  if (result.isPending) return <Loading label="Loading your result…" />;
  if (result.isError) return <ErrorBox error={result.error} onRetry={() => void result.refetch()} />;
  const r = result.data;
  const t = token.data;
  return (
    <div className="page">
      <p className="crumbs">
        <Link to="/">Catalog</Link>
        {t && (
          <>
            {" "}
            › <Link to={`/scripts/${t.script_id}`}>{t.script_title}</Link> › <Link to={`/lines/${t.id}`}>line {t.position}</Link>
          </>
        )}{" "}
        › result
      </p>
      <h1>Your take</h1>
      {t && <p className="quote">“{t.text}”</p>}
      <p className="small muted">{when(r.completed_at ?? r.created_at)}</p>
      {r.status === "processing" && (
        <div className="progress-block" aria-live="polite">
          <label htmlFor="p">Still analysing… {r.progress}%</label>
          <progress id="p" max={100} value={r.progress} />
        </div>
      )}
      {r.status === "failed" && (
        <div className="error" role="alert">
          <p>We couldn't analyse this take: {r.error?.message || r.error?.reason || "unknown error"}.</p>
        </div>
      )}
      {r.status === "completed" && (
        <ResultView
          result={r}
          actorAudio={t?.reference_audio_url ?? null}
          takeAudio={localTake ?? takeAudio.data?.url ?? null}
        />
      )}
      <p className="row wrap">
        {t && (
          <Link to={`/lines/${t.id}`} className="button primary">
            Record again
          </Link>
        )}
        <Link to="/me" className="button">
          My page
        </Link>
      </p>
    </div>
  );
}
