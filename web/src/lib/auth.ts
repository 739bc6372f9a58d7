import { useEffect, useState, useSyncExternalStore } from "react";
import { session } from "../api/session";
import type { User } from "../api/types";

let lastReason: string | null = null;
session.subscribe((_user, reason) => {
  lastReason = reason;
});

/** The signed-in user (null when signed out), re-rendering on sign-in, refresh and sign-out. */
export function useUser(): User | null {
  return useSyncExternalStore(
    (notify) => session.subscribe(() => notify()),
    () => session.user(),
    () => null,
  );
}

/** True after the session ended by itself (the refresh token was refused): say so once. */
export function useSessionExpired(): [boolean, () => void] {
  const [expired, setExpired] = useState(lastReason === "expired");
  useEffect(
    () =>
      session.subscribe((_user, reason) => {
        if (reason === "expired") setExpired(true);
        if (reason === "signin") setExpired(false);
      }),
    [],
  );
  return [expired, () => setExpired(false)];
}
