// The signed-in session: kept in localStorage, refreshed silently before the access token expires
// (the refresh token is rotated on every use), one refresh at a time.
import type { Session, User } from "./types";

const KEY = "yousync.session";
const EARLY_MS = 60_000; // refresh this long before expiry (or at 80% of a shorter lifetime)

interface Stored {
  access_token: string;
  refresh_token: string;
  expires_at: number; // epoch ms
  user: User;
}

type Listener = (user: User | null, reason: "signin" | "refresh" | "signout" | "expired") => void;

class SessionStore {
  private stored: Stored | null = null;
  private listeners = new Set<Listener>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  private refreshing: Promise<boolean> | null = null;

  constructor() {
    try {
      const raw = typeof localStorage === "undefined" ? null : localStorage.getItem(KEY);
      this.stored = raw ? (JSON.parse(raw) as Stored) : null;
    } catch {
      this.stored = null;
    }
    if (this.stored) this.schedule();
    if (typeof window !== "undefined") {
      // Another tab signed in, refreshed or out.
      window.addEventListener("storage", (event) => {
        if (event.key !== KEY) return;
        this.stored = event.newValue ? (JSON.parse(event.newValue) as Stored) : null;
        this.schedule();
        this.emit(this.stored ? "refresh" : "signout");
      });
    }
  }

  current(): Stored | null {
    return this.stored;
  }

  user(): User | null {
    return this.stored?.user ?? null;
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  set(session: Session, reason: "signin" | "refresh" = "signin"): void {
    this.stored = {
      access_token: session.access_token,
      refresh_token: session.refresh_token,
      expires_at: Date.now() + session.expires_in * 1000,
      user: session.user,
    };
    this.save();
    this.schedule();
    this.emit(reason);
  }

  /** A valid access token, refreshing first when it is about to expire; null when signed out. */
  async accessToken(): Promise<string | null> {
    if (!this.stored) return null;
    if (this.stored.expires_at - Date.now() < 5_000) await this.refresh();
    return this.stored?.access_token ?? null;
  }

  refresh(): Promise<boolean> {
    if (!this.stored) return Promise.resolve(false);
    if (this.refreshing) return this.refreshing;
    const refreshToken = this.stored.refresh_token;
    this.refreshing = (async () => {
      try {
        const response = await fetch("/api/auth/refresh", {
          method: "POST",
          headers: { "Content-Type": "application/json", Accept: "application/json" },
          body: JSON.stringify({ refresh_token: refreshToken }),
        });
        if (response.ok) {
          this.set((await response.json()) as Session, "refresh");
          return true;
        }
        if (response.status === 400 || response.status === 401) this.expire();
        return false;
      } catch {
        this.schedule(15_000); // offline: try again soon, keep the session
        return false;
      } finally {
        this.refreshing = null;
      }
    })();
    return this.refreshing;
  }

  /** The refresh token was refused: the session is over. */
  expire(): void {
    if (!this.stored) return;
    this.clear();
    this.emit("expired");
  }

  async signOut(): Promise<void> {
    const refreshToken = this.stored?.refresh_token;
    const accessToken = this.stored?.access_token;
    this.clear();
    this.emit("signout");
    if (refreshToken) {
      try {
        await fetch("/api/auth/logout", {
          method: "POST",
          headers: {
            "Content-Type": "application/json",
            ...(accessToken ? { Authorization: `Bearer ${accessToken}` } : {}),
          },
          body: JSON.stringify({ refresh_token: refreshToken }),
        });
      } catch {
        // signed out locally either way
      }
    }
  }

  private clear(): void {
    this.stored = null;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    try {
      localStorage.removeItem(KEY);
    } catch {
      // storage unavailable
    }
  }

  private save(): void {
    try {
      localStorage.setItem(KEY, JSON.stringify(this.stored));
    } catch {
      // storage unavailable: the session lasts as long as the page
    }
  }

  private schedule(delay?: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (!this.stored) return;
    const left = this.stored.expires_at - Date.now();
    const wait = delay ?? Math.max(1_000, Math.min(left - EARLY_MS, left * 0.8));
    this.timer = setTimeout(() => void this.refresh(), wait);
  }

  private emit(reason: Parameters<Listener>[1]): void {
    for (const listener of this.listeners) listener(this.user(), reason);
  }
}

export const session = new SessionStore();
