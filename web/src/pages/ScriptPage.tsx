import { Link, useParams } from "react-router";
import { useQuery } from "@tanstack/react-query";
import { api } from "../api/client";
import type { ScriptDetail } from "../api/types";
import { Empty, ErrorBox, Loading } from "../components/States";
import { seconds } from "../lib/format";

export function ScriptPage() {
  const scriptId = Number(useParams().scriptId);
  const query = useQuery({
    queryKey: ["script", scriptId],
    queryFn: ({ signal }) => api<ScriptDetail>(`/api/scripts/${scriptId}`, { auth: false, signal }),
  });
  if (query.isPending) return <Loading label="Loading the scene…" />;
  if (query.isError) return <ErrorBox error={query.error} onRetry={() => void query.refetch()} />;
  const script = query.data;
  return (
    <div className="page">
      <p className="crumbs">
        <Link to="/">Catalog</Link> › {script.work_title}
      </p>
      <h1>{script.title}</h1>
      <p className="muted">
        {script.work_title} · {script.actors.map((a, i) => (
          <span key={a.id}>
            {i > 0 && ", "}
            <Link to={`/actors/${a.id}`}>{a.name}</Link>
          </span>
        ))}{" "}
        · {script.category} · {script.language}
      </p>
      <h2>Lines</h2>
      {script.tokens.length === 0 ? (
        <Empty>This scene has no lines yet.</Empty>
      ) : (
        <ol className="lines" aria-label="Lines of the scene">
          {script.tokens.map((t) => (
            <li key={t.id}>
              <Link to={`/lines/${t.id}`} className="line" data-testid="line-link">
                <span className="speaker">{t.actor?.name ?? "—"}</span>
                <span className="text">{t.text}</span>
                {t.translation && <span className="translation">{t.translation}</span>}
                <span className="meta">
                  {seconds(t.reference_duration_seconds)} · {t.take_count} takes
                </span>
              </Link>
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}
