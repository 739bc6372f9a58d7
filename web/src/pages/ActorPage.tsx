import { useParams } from "react-router";
import { useQuery } from "@tanstack/react-query";
import { api } from "../api/client";
import type { Actor } from "../api/types";
import { ErrorBox, Loading } from "../components/States";
import { ScriptGrid } from "./CatalogPage";

export function ActorPage() {
  const actorId = Number(useParams().actorId);
  const actor = useQuery({
    queryKey: ["actor", actorId],
    queryFn: ({ signal }) => api<Actor>(`/api/actors/${actorId}`, { auth: false, signal }),
  });
  if (actor.isPending) return <Loading />;
  if (actor.isError) return <ErrorBox error={actor.error} />;
  return (
    <div className="page">
      <h1>{actor.data.name}</h1>
      {actor.data.aliases.length > 0 && <p className="muted">Also known as {actor.data.aliases.join(", ")}</p>}
      <h2>Scenes</h2>
      <ScriptGrid path={`/api/actors/${actorId}/scripts?order=popular`} queryKey={["scripts", "actor", actorId]} />
    </div>
  );
}
