import { useEffect, useState } from "react";
import { Link, NavLink, Outlet, isRouteErrorResponse, useNavigate, useNavigation, useRouteError } from "react-router";
import { useQueryClient } from "@tanstack/react-query";
import { session } from "../api/session";
import { useSessionExpired, useUser } from "../lib/auth";

function useOnline(): boolean {
  const [online, setOnline] = useState(typeof navigator === "undefined" ? true : navigator.onLine);
  useEffect(() => {
    const up = () => setOnline(true);
    const down = () => setOnline(false);
    window.addEventListener("online", up);
    window.addEventListener("offline", down);
    return () => {
      window.removeEventListener("online", up);
      window.removeEventListener("offline", down);
    };
  }, []);
  return online;
}

export function Layout() {
  const user = useUser();
  const navigation = useNavigation();
  const online = useOnline();
  const [expired, dismissExpired] = useSessionExpired();
  const navigate = useNavigate();
  const queryClient = useQueryClient();

  const signOut = async () => {
    await session.signOut();
    queryClient.removeQueries({ queryKey: ["me"] });
    navigate("/");
  };

  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <Link to="/" className="brand" aria-label="YouSync home">
          <svg viewBox="0 0 32 32" width="26" height="26" aria-hidden="true">
            <rect width="32" height="32" rx="6" fill="currentColor" />
            <path d="M6 20c3-8 5-8 7 0s4 8 7 0 4-8 6 0" stroke="#fff" strokeWidth="3" fill="none" strokeLinecap="round" />
          </svg>
          YouSync
        </Link>
        <nav aria-label="Main">
          <NavLink to="/" end>
            Catalog
          </NavLink>
          {user && <NavLink to="/me">My page</NavLink>}
        </nav>
        <div className="who">
          {user ? (
            <>
              <span className="name" title={user.email} data-testid="user-name">
                {user.display_name || user.email}
              </span>
              <button type="button" className="link" onClick={() => void signOut()}>
                Sign out
              </button>
            </>
          ) : (
            <Link to="/signin" className="button small">
              Sign in
            </Link>
          )}
        </div>
      </header>
      {navigation.state === "loading" && <div className="route-progress" role="progressbar" aria-label="Loading page" />}
      {!online && (
        <div className="banner warn" role="status">
          You're offline. What you recorded stays here; send it when you're back online.
        </div>
      )}
      {expired && (
        <div className="banner warn" role="alert">
          Your session has expired. <Link to="/signin" onClick={dismissExpired}>Sign in again</Link> to keep going.
          <button type="button" className="link" onClick={dismissExpired} aria-label="Dismiss">
            ×
          </button>
        </div>
      )}
      <main id="main" tabIndex={-1}>
        <Outlet />
      </main>
      <footer className="foot">
        YouSync · <a href="/docs">API docs</a>
      </footer>
    </>
  );
}

export function RouteError({ notFound = false }: { notFound?: boolean }) {
  const error = useRouteError();
  const missing = notFound || (isRouteErrorResponse(error) && error.status === 404);
  return (
    <main id="main" className="page">
      <h1>{missing ? "Page not found" : "Something went wrong"}</h1>
      <p>
        {missing
          ? "There is no page at this address."
          : "This page failed to load. If you just went offline, reconnect and reload."}
      </p>
      <p>
        <Link to="/">Back to the catalog</Link>
      </p>
    </main>
  );
}
