import { useEffect, useRef, useState, type FormEvent } from "react";
import { useNavigate, useSearchParams } from "react-router";
import { useQuery } from "@tanstack/react-query";
import { api, signInResult } from "../api/client";
import type { ConsoleConfig, Session } from "../api/types";
import { ErrorBox, Loading } from "../components/States";

const GSI = "https://accounts.google.com/gsi/client";

interface Gsi {
  accounts: {
    id: {
      initialize(options: { client_id: string; callback: (r: { credential: string }) => void }): void;
      renderButton(parent: HTMLElement, options: Record<string, unknown>): void;
    };
  };
}

function loadGsi(): Promise<Gsi> {
  const w = window as unknown as { google?: Gsi };
  if (w.google) return Promise.resolve(w.google);
  return new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = GSI;
    script.async = true;
    script.onload = () => (w.google ? resolve(w.google) : reject(new Error("Google sign-in did not load")));
    script.onerror = () => reject(new Error("Google sign-in could not be loaded"));
    document.head.appendChild(script);
  });
}

/** Where to go after signing in: a same-site path only. */
function safeNext(next: string | null): string {
  return next && next.startsWith("/") && !next.startsWith("//") ? next : "/";
}

export function SignInPage() {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const next = safeNext(params.get("next"));
  const config = useQuery({
    queryKey: ["config"],
    queryFn: ({ signal }) => api<ConsoleConfig>("/api/config", { auth: false, signal }),
    staleTime: 300_000,
  });
  const [email, setEmail] = useState("");
  const [name, setName] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const googleDiv = useRef<HTMLDivElement>(null);

  const done = (body: Session) => {
    signInResult(body);
    navigate(next, { replace: true });
  };

  const clientId = config.data?.google_client_id ?? "";
  useEffect(() => {
    if (!clientId || !googleDiv.current) return;
    let cancelled = false;
    loadGsi()
      .then((google) => {
        if (cancelled || !googleDiv.current) return;
        google.accounts.id.initialize({
          client_id: clientId,
          callback: ({ credential }) => {
            api<Session>("/api/auth/google", { method: "POST", body: { id_token: credential }, auth: false }).then(
              done,
              setError,
            );
          },
        });
        google.accounts.id.renderButton(googleDiv.current, { theme: "outline", size: "large", text: "signin_with" });
      })
      .catch(setError);
    return () => {
      cancelled = true;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [clientId]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      done(
        await api<Session>("/api/auth/dev", {
          method: "POST",
          body: { email: email.trim(), display_name: name.trim() },
          auth: false,
        }),
      );
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  if (config.isPending) return <Loading />;
  if (config.isError) return <ErrorBox error={config.error} onRetry={() => void config.refetch()} />;
  const { dev_sign_in } = config.data;
  return (
    <div className="page narrow">
      <h1>Sign in</h1>
      <p className="muted">Signing in keeps your takes, scores and bookmarks.</p>
      {error !== null && <ErrorBox error={error} />}
      {clientId && <div ref={googleDiv} className="google" aria-label="Sign in with Google" />}
      {dev_sign_in && (
        <form className="form" onSubmit={(e) => void submit(e)}>
          <p className="note">This is a local stack: sign in with any e-mail (development sign-in).</p>
          <label htmlFor="email">E-mail</label>
          <input
            id="email"
            type="email"
            required
            autoComplete="email"
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
          <label htmlFor="display-name">Name (optional)</label>
          <input id="display-name" autoComplete="name" value={name} onChange={(e) => setName(e.target.value)} />
          <button type="submit" disabled={busy}>
            {busy ? "Signing in…" : "Sign in"}
          </button>
        </form>
      )}
      {!clientId && !dev_sign_in && (
        <p className="error" role="alert">
          No sign-in method is configured on this server (set a Google client id).
        </p>
      )}
    </div>
  );
}
