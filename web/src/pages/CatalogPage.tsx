import { useState, type FormEvent } from "react";
import { Link, useSearchParams } from "react-router";
import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { api } from "../api/client";
import type { ActorList, ScriptList } from "../api/types";
import { Empty, ErrorBox, Loading } from "../components/States";
import { ScriptCard } from "../components/ScriptCard";

const TABS = [
  ["popular", "Popular"],
  ["latest", "Latest"],
  ["category", "By category"],
  ["search", "Search"],
  ["actors", "Actors"],
] as const;
type Tab = (typeof TABS)[number][0];
const PAGE = 12;

export function CatalogPage() {
  const [params, setParams] = useSearchParams();
  const tab = (TABS.find(([id]) => id === params.get("tab"))?.[0] ?? "popular") as Tab;
  const select = (next: Tab) => setParams(next === "popular" ? {} : { tab: next });

  return (
    <div className="page">
      <h1>Pick a scene, then a line to dub</h1>
      <div role="tablist" aria-label="Browse the catalog" className="tabs">
        {TABS.map(([id, label]) => (
          <button
            key={id}
            type="button"
            role="tab"
            id={`tab-${id}`}
            aria-selected={tab === id}
            aria-controls="catalog-panel"
            className={tab === id ? "tab active" : "tab"}
            onClick={() => select(id)}
          >
            {label}
          </button>
        ))}
      </div>
      <section id="catalog-panel" role="tabpanel" aria-labelledby={`tab-${tab}`}>
        {tab === "popular" && <ScriptGrid path="/api/scripts/popular" queryKey={["scripts", "popular"]} />}
        {tab === "latest" && <ScriptGrid path="/api/scripts/latest" queryKey={["scripts", "latest"]} />}
        {tab === "category" && <Categories />}
        {tab === "search" && <Search />}
        {tab === "actors" && <Actors />}
      </section>
    </div>
  );
}

function withPage(path: string, token: string): string {
  const sep = path.includes("?") ? "&" : "?";
  return `${path}${sep}page_size=${PAGE}${token ? `&page_token=${encodeURIComponent(token)}` : ""}`;
}

export function ScriptGrid({ path, queryKey, empty }: { path: string; queryKey: unknown[]; empty?: string }) {
  const query = useInfiniteQuery({
    queryKey,
    queryFn: ({ pageParam, signal }) => api<ScriptList>(withPage(path, pageParam), { auth: false, signal }),
    initialPageParam: "",
    getNextPageParam: (last) => last.next_page_token || undefined,
  });
  if (query.isPending) return <Loading label="Loading scenes…" />;
  if (query.isError) return <ErrorBox error={query.error} onRetry={() => void query.refetch()} />;
  const scripts = query.data.pages.flatMap((p) => p.scripts);
  if (scripts.length === 0) return <Empty>{empty ?? "No scenes here yet."}</Empty>;
  return (
    <>
      <ul className="grid" aria-label="Scenes">
        {scripts.map((s) => (
          <li key={s.id}>
            <ScriptCard script={s} />
          </li>
        ))}
      </ul>
      {query.hasNextPage && (
        <div className="more">
          <button type="button" onClick={() => void query.fetchNextPage()} disabled={query.isFetchingNextPage}>
            {query.isFetchingNextPage ? "Loading…" : "More scenes"}
          </button>
        </div>
      )}
    </>
  );
}

function Categories() {
  const [params, setParams] = useSearchParams();
  const all = useQuery({
    queryKey: ["categories"],
    queryFn: ({ signal }) => api<ScriptList>("/api/scripts?page_size=100&order=title", { auth: false, signal }),
    staleTime: 300_000,
  });
  const categories = [...new Set((all.data?.scripts ?? []).map((s) => s.category).filter(Boolean))].sort();
  const current = params.get("category") ?? categories[0] ?? "";
  if (all.isPending) return <Loading label="Loading categories…" />;
  if (all.isError) return <ErrorBox error={all.error} onRetry={() => void all.refetch()} />;
  if (categories.length === 0) return <Empty>No categories yet.</Empty>;
  return (
    <>
      <div className="chips" role="group" aria-label="Categories">
        {categories.map((c) => (
          <button
            key={c}
            type="button"
            aria-pressed={c === current}
            className={c === current ? "chip active" : "chip"}
            onClick={() => setParams({ tab: "category", category: c })}
          >
            {c}
          </button>
        ))}
      </div>
      {current && (
        <ScriptGrid
          path={`/api/scripts/category/${encodeURIComponent(current)}?order=popular`}
          queryKey={["scripts", "category", current]}
        />
      )}
    </>
  );
}

function Search() {
  const [params, setParams] = useSearchParams();
  const q = params.get("q") ?? "";
  const [text, setText] = useState(q);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setParams({ tab: "search", q: text.trim() });
  };
  return (
    <>
      <form className="search" role="search" onSubmit={submit}>
        <label htmlFor="q">Search titles, actors and lines</label>
        <div className="row">
          <input id="q" type="search" value={text} onChange={(e) => setText(e.target.value)} maxLength={200} />
          <button type="submit">Search</button>
        </div>
      </form>
      {q ? (
        <ScriptGrid
          path={`/api/scripts?q=${encodeURIComponent(q)}`}
          queryKey={["scripts", "search", q]}
          empty={`Nothing matches “${q}”.`}
        />
      ) : (
        <Empty>Type a word from a title, an actor's name or a line.</Empty>
      )}
    </>
  );
}

function Actors() {
  const [q, setQ] = useState("");
  const query = useInfiniteQuery({
    queryKey: ["actors", q],
    queryFn: ({ pageParam, signal }) =>
      api<ActorList>(withPage(`/api/actors?q=${encodeURIComponent(q)}`, pageParam), { auth: false, signal }),
    initialPageParam: "",
    getNextPageParam: (last) => last.next_page_token || undefined,
  });
  const actors = query.data?.pages.flatMap((p) => p.actors) ?? [];
  return (
    <>
      <div className="search">
        <label htmlFor="actor-q">Find an actor</label>
        <input id="actor-q" type="search" value={q} onChange={(e) => setQ(e.target.value)} maxLength={200} />
      </div>
      {query.isPending ? (
        <Loading label="Loading actors…" />
      ) : query.isError ? (
        <ErrorBox error={query.error} onRetry={() => void query.refetch()} />
      ) : actors.length === 0 ? (
        <Empty>No actor by that name.</Empty>
      ) : (
        <ul className="list" aria-label="Actors">
          {actors.map((a) => (
            <li key={a.id}>
              <Link to={`/actors/${a.id}`}>{a.name}</Link>
              {a.aliases.length > 0 && <span className="muted"> · {a.aliases.join(", ")}</span>}
            </li>
          ))}
        </ul>
      )}
      {query.hasNextPage && (
        <div className="more">
          <button type="button" onClick={() => void query.fetchNextPage()} disabled={query.isFetchingNextPage}>
            More actors
          </button>
        </div>
      )}
    </>
  );
}
