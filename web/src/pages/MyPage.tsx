import { useMemo, useState } from "react";
import { Link } from "react-router";
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "../api/client";
import type { AudioAccess, Bookmark, Overview, Take, TakeList } from "../api/types";
import { Chart } from "../components/Chart";
import type { ChartSeries } from "../lib/chartData";
import { Empty, ErrorBox, Loading, errorText } from "../components/States";
import { useUser } from "../lib/auth";
import { band, score, seconds, when } from "../lib/format";

const DIMENSIONS: { key: "overall" | "pronunciation" | "intonation" | "expressiveness" | "timing"; label: string; color: string }[] = [
  { key: "overall", label: "Overall", color: "#212529" },
  { key: "pronunciation", label: "Pronunciation", color: "#3b5bdb" },
  { key: "intonation", label: "Intonation", color: "#e8590c" },
  { key: "expressiveness", label: "Expressiveness", color: "#2b8a3e" },
  { key: "timing", label: "Timing", color: "#ae3ec9" },
];

/** Monday 00:00 UTC of the week of `iso`, in epoch seconds. */
export function weekStart(iso: string): number {
  const d = new Date(iso);
  const day = (d.getUTCDay() + 6) % 7;
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() - day) / 1000;
}

/** Average of each score dimension per week, from the takes' scores. */
export function weeklySeries(takes: Take[]): ChartSeries[] {
  const weeks = new Map<number, Take[]>();
  for (const take of takes) {
    if (!take.scores || !take.created_at) continue;
    const w = weekStart(take.created_at);
    weeks.set(w, [...(weeks.get(w) ?? []), take]);
  }
  const xs = [...weeks.keys()].sort((a, b) => a - b);
  return DIMENSIONS.map((d) => ({
    label: d.label,
    color: d.color,
    points: xs.map((x) => {
      const list = weeks.get(x)!;
      return [x, list.reduce((sum, t) => sum + (t.scores![d.key] ?? 0), 0) / list.length] as [number, number];
    }),
  }));
}

export function MyPage() {
  const user = useUser();
  if (!user)
    return (
      <div className="page">
        <p>
          <Link to="/signin?next=/me">Sign in</Link> to see your takes and progress.
        </p>
      </div>
    );
  return (
    <div className="page">
      <h1>My page</h1>
      <Stats />
      <Progress />
      <Takes />
      <Bookmarks />
    </div>
  );
}

function Stats() {
  const overview = useQuery({
    queryKey: ["me", "overview"],
    queryFn: ({ signal }) => api<Overview>("/api/mypage/overview", { signal }),
  });
  if (overview.isPending) return <Loading />;
  if (overview.isError) return <ErrorBox error={overview.error} onRetry={() => void overview.refetch()} />;
  const o = overview.data;
  return (
    <dl className="stats">
      <div>
        <dt>Takes</dt>
        <dd>{o.total_takes}</dd>
      </div>
      <div>
        <dt>Lines practised</dt>
        <dd>{o.distinct_tokens}</dd>
      </div>
      <div>
        <dt>Scenes</dt>
        <dd>{o.distinct_scripts}</dd>
      </div>
      {DIMENSIONS.map((d) => (
        <div key={d.key}>
          <dt>{d.label}</dt>
          <dd>
            {score(o[d.key].average)} <span className="small muted">average</span>
          </dd>
          <dd className="best">best {score(o[d.key].best)}</dd>
        </div>
      ))}
    </dl>
  );
}

function Progress() {
  const takes = useQuery({
    queryKey: ["me", "takes", "chart"],
    queryFn: ({ signal }) => api<TakeList>("/api/mypage/takes?page_size=100", { signal }),
  });
  const series = useMemo(() => weeklySeries(takes.data?.takes ?? []), [takes.data]);
  return (
    <section aria-labelledby="progress-h">
      <h2 id="progress-h">Progress by week</h2>
      {takes.isPending ? (
        <Loading />
      ) : takes.isError ? (
        <ErrorBox error={takes.error} />
      ) : series[0].points.length === 0 ? (
        <Empty>Your weekly averages appear here once a take is scored.</Empty>
      ) : (
        <Chart
          series={series}
          dates
          xLabel="week"
          yLabel="score"
          ariaLabel="Your average score per dimension, week by week"
          testId="progress-chart"
          height={220}
        />
      )}
    </section>
  );
}

function Takes() {
  const queryClient = useQueryClient();
  const takes = useInfiniteQuery({
    queryKey: ["me", "takes"],
    queryFn: ({ pageParam, signal }) =>
      api<TakeList>(`/api/mypage/takes?page_size=20${pageParam ? `&page_token=${encodeURIComponent(pageParam)}` : ""}`, {
        signal,
      }),
    initialPageParam: "",
    getNextPageParam: (last) => last.next_page_token || undefined,
  });
  const remove = useMutation({
    mutationFn: (id: string) => api(`/api/mypage/takes/${encodeURIComponent(id)}`, { method: "DELETE" }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["me"] }),
  });
  const list = takes.data?.pages.flatMap((p) => p.takes) ?? [];
  return (
    <section aria-labelledby="takes-h">
      <h2 id="takes-h">My takes</h2>
      {remove.isError && <ErrorBox error={remove.error} />}
      {takes.isPending ? (
        <Loading />
      ) : takes.isError ? (
        <ErrorBox error={takes.error} onRetry={() => void takes.refetch()} />
      ) : list.length === 0 ? (
        <Empty>
          No takes yet. <Link to="/">Pick a line</Link> and record yourself.
        </Empty>
      ) : (
        <ul className="takes" data-testid="takes">
          {list.map((t) => (
            <TakeRow key={t.id} take={t} onDelete={() => remove.mutate(t.id)} deleting={remove.isPending && remove.variables === t.id} />
          ))}
        </ul>
      )}
      {takes.hasNextPage && (
        <div className="more">
          <button type="button" onClick={() => void takes.fetchNextPage()} disabled={takes.isFetchingNextPage}>
            Older takes
          </button>
        </div>
      )}
    </section>
  );
}

function TakeRow({ take, onDelete, deleting }: { take: Take; onDelete: () => void; deleting: boolean }) {
  const [audio, setAudio] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [confirming, setConfirming] = useState(false);
  const play = async () => {
    setError(null);
    try {
      setAudio((await api<AudioAccess>(`/api/mypage/takes/${encodeURIComponent(take.id)}/audio`)).url);
    } catch (e) {
      setError(e);
    }
  };
  return (
    <li className="take-row" data-testid="take-row">
      <div className="take-head">
        <Link to={`/results/${take.job_id}`} className="take-text">
          “{take.token_text}”
        </Link>
        <span className="small muted">
          {take.script_title} · {when(take.created_at)}
          {take.duration_seconds > 0 && <> · {seconds(take.duration_seconds)}</>}
        </span>
      </div>
      <TakeScores take={take} />
      <div className="row wrap">
        {audio ? (
          <audio src={audio} controls autoPlay aria-label={`Take of “${take.token_text}”`} />
        ) : (
          <button type="button" onClick={() => void play()}>
            ▶ Play
          </button>
        )}
        <Link to={`/lines/${take.token_id}`} className="button">
          Record again
        </Link>
        {confirming ? (
          <>
            <button type="button" className="danger" onClick={onDelete} disabled={deleting}>
              {deleting ? "Deleting…" : "Yes, delete"}
            </button>
            <button type="button" onClick={() => setConfirming(false)}>
              Keep
            </button>
          </>
        ) : (
          <button type="button" onClick={() => setConfirming(true)} aria-label={`Delete the take of “${take.token_text}”`}>
            Delete
          </button>
        )}
      </div>
      {error !== null && (
        <p className="error" role="alert">
          {errorText(error)}
        </p>
      )}
    </li>
  );
}

/** A take's score chips: every dimension on 100, completeness (a 0–1 share) shown on 100 too. */
export function TakeScores({ take }: { take: Take }) {
  const s = take.scores;
  return (
    <div className="take-scores">
      {take.status === "processing" ? (
        <span className="muted">analysing…</span>
      ) : take.status === "failed" ? (
        <span className="muted">couldn't be analysed</span>
      ) : take.verdict === "rerecord" ? (
        <span className="muted">re-record asked</span>
      ) : s ? (
        <>
          {DIMENSIONS.map((d) => (
            <span key={d.key} className={`pill ${band(s[d.key])}`} title={d.label}>
              {d.label} {score(s[d.key])}
            </span>
          ))}
          {typeof s.completeness === "number" && (
            <span
              className={`pill ${band(s.completeness * 100)}`}
              title="Completeness: the share of the line's words you said"
              data-testid="take-completeness"
            >
              Completeness {score(s.completeness * 100)}
            </span>
          )}
        </>
      ) : null}
    </div>
  );
}

function Bookmarks() {
  const bookmarks = useQuery({
    queryKey: ["me", "bookmarks"],
    queryFn: ({ signal }) => api<Bookmark[]>("/api/mypage/bookmarks", { signal }),
  });
  return (
    <section aria-labelledby="bookmarks-h">
      <h2 id="bookmarks-h">Bookmarks</h2>
      {bookmarks.isPending ? (
        <Loading />
      ) : bookmarks.isError ? (
        <ErrorBox error={bookmarks.error} />
      ) : bookmarks.data.length === 0 ? (
        <Empty>Bookmark a line to find it here.</Empty>
      ) : (
        <ul className="list" data-testid="bookmarks">
          {bookmarks.data.map((b) => (
            <li key={b.token_id}>
              <Link to={`/lines/${b.token_id}`}>“{b.token?.text ?? `line ${b.token_id}`}”</Link>
              {b.script && <span className="muted small"> · {b.script.title}</span>}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
