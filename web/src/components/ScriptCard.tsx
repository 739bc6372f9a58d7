import { Link } from "react-router";
import type { Script } from "../api/types";

export function ScriptCard({ script }: { script: Script }) {
  return (
    <Link to={`/scripts/${script.id}`} className="card" data-testid="script-card">
      {script.thumbnail_url ? (
        <img src={script.thumbnail_url} alt="" loading="lazy" className="thumb" />
      ) : (
        <div className="thumb placeholder" aria-hidden="true">
          {script.title.slice(0, 1)}
        </div>
      )}
      <div className="card-body">
        <strong>{script.title}</strong>
        <span className="muted">{script.work_title}</span>
        <span className="meta">
          {script.actors.map((a) => a.name).join(", ")}
          {script.category && <> · {script.category}</>} · {script.token_count} lines · {script.take_count} takes
        </span>
      </div>
    </Link>
  );
}
