// The console's HTTP client: JSON calls with the access token, one silent refresh on 401, errors a person
// understands, and uploads with progress (XMLHttpRequest: fetch has no upload progress).
import type { Session, UploadAccepted } from "./types";
import { session } from "./session";

export class ApiError extends Error {
  readonly status: number; // 0: the network failed
  readonly code: string;
  readonly detail: string;
  readonly retryAfter: number | null; // seconds (429)

  constructor(status: number, code: string, detail: string, retryAfter: number | null = null) {
    super(humanMessage(status, code, detail, retryAfter));
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.detail = detail;
    this.retryAfter = retryAfter;
  }
}

export function humanMessage(status: number, code: string, detail: string, retryAfter: number | null): string {
  switch (status) {
    case 0:
      return "Can't reach YouSync. Check your connection; we'll keep what you recorded so you can try again.";
    case 401:
      return code === "AUTHENTICATION_REQUIRED"
        ? "Please sign in first."
        : "Your session has expired. Please sign in again.";
    case 403:
      return code === "DEV_SIGN_IN_DISABLED" ? "Sign-in by e-mail is turned off on this server." : "You can't do that.";
    case 404:
      return "We couldn't find that. It may have been deleted.";
    case 413:
      return `That recording is too big to upload${sizeHint(detail)}. Record a shorter take (one line is a few seconds).`;
    case 415:
      return "That file isn't audio we can read. Use WAV, WebM/Opus, Ogg, MP3, M4A or FLAC.";
    case 429:
      return retryAfter !== null
        ? `You're going faster than we can score. Try again in ${Math.max(1, Math.ceil(retryAfter))} s.`
        : "You're going faster than we can score. Try again in a moment.";
    case 502:
    case 503:
    case 504:
      return "YouSync is busy or restarting. Try again in a moment.";
    default:
      if (status >= 500) return "Something went wrong on our side. Try again in a moment.";
      return detail || `Request failed (${status}).`;
  }
}

function sizeHint(detail: string): string {
  const m = /(\d{5,})\s*bytes/.exec(detail);
  return m ? ` (the limit is ${(Number(m[1]) / 1024 / 1024).toFixed(0)} MB)` : "";
}

function retryAfterOf(value: string | null): number | null {
  if (!value) return null;
  const n = Number(value);
  if (Number.isFinite(n)) return n;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, (at - Date.now()) / 1000);
}

async function errorOf(response: Response): Promise<ApiError> {
  let code = "HTTP_" + response.status;
  let detail = "";
  try {
    const body = (await response.json()) as { code?: string; detail?: unknown };
    if (body.code) code = body.code;
    if (typeof body.detail === "string") detail = body.detail;
  } catch {
    // not JSON: keep the status
  }
  return new ApiError(response.status, code, detail, retryAfterOf(response.headers.get("Retry-After")));
}

export interface RequestOptions {
  method?: string;
  body?: unknown;
  auth?: boolean; // send the access token (default: when signed in)
  signal?: AbortSignal;
}

export async function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const send = async (): Promise<Response> => {
    const headers: Record<string, string> = { Accept: "application/json" };
    if (options.body !== undefined) headers["Content-Type"] = "application/json";
    const token = options.auth === false ? null : await session.accessToken();
    if (token) headers.Authorization = `Bearer ${token}`;
    try {
      return await fetch(path, {
        method: options.method ?? "GET",
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal: options.signal,
      });
    } catch (error) {
      if ((error as Error).name === "AbortError") throw error;
      throw new ApiError(0, "NETWORK", String(error));
    }
  };
  let response = await send();
  if (response.status === 401 && options.auth !== false && session.current()) {
    // The token may have expired in a sleeping tab: refresh once and retry.
    if (await session.refresh()) response = await send();
    else session.expire();
  }
  if (!response.ok) throw await errorOf(response);
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

export function signInResult(body: Session): Session {
  session.set(body);
  return body;
}

export interface UploadHandle {
  promise: Promise<UploadAccepted>;
  abort: () => void;
}

/** POST a take as multipart (field `audio_file`), reporting the upload's progress (0-1). */
export function uploadTake(
  tokenId: number,
  file: Blob,
  filename: string,
  onProgress: (fraction: number) => void,
): UploadHandle {
  const xhr = new XMLHttpRequest();
  const idempotencyKey = crypto.randomUUID();
  const promise = (async () => {
    const attempt = async (): Promise<{ status: number; text: string; retryAfter: string | null }> => {
      const token = await session.accessToken();
      return new Promise((resolve, reject) => {
        xhr.open("POST", `/api/tokens/${tokenId}/upload-audio`);
        if (token) xhr.setRequestHeader("Authorization", `Bearer ${token}`);
        xhr.setRequestHeader("Idempotency-Key", idempotencyKey);
        xhr.setRequestHeader("Accept", "application/json");
        xhr.upload.onprogress = (e) => {
          if (e.lengthComputable) onProgress(e.loaded / e.total);
        };
        xhr.onload = () =>
          resolve({ status: xhr.status, text: xhr.responseText, retryAfter: xhr.getResponseHeader("Retry-After") });
        xhr.onerror = () => reject(new ApiError(0, "NETWORK", "upload failed"));
        xhr.onabort = () => reject(new DOMException("aborted", "AbortError"));
        const form = new FormData();
        form.append("audio_file", file, filename);
        xhr.send(form);
      });
    };
    let answer = await attempt();
    if (answer.status === 401 && session.current() && (await session.refresh())) answer = await attempt();
    if (answer.status >= 200 && answer.status < 300) {
      onProgress(1);
      return JSON.parse(answer.text) as UploadAccepted;
    }
    let code = "HTTP_" + answer.status;
    let detail = "";
    try {
      const body = JSON.parse(answer.text) as { code?: string; detail?: unknown };
      code = body.code ?? code;
      detail = typeof body.detail === "string" ? body.detail : "";
    } catch {
      // not JSON
    }
    if (answer.status === 401) session.expire();
    throw new ApiError(answer.status, code, detail, retryAfterOf(answer.retryAfter));
  })();
  return { promise, abort: () => xhr.abort() };
}
