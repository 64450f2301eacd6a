// The JSON API (/api/v1) with the user's bearer token, and its errors as readable sentences.

export const API = "/api/v1";
const TOKEN_KEY = "fast-genai.token";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly hint: string | null = null,
    readonly retryAfter: string | null = null,
  ) {
    super(message);
    this.name = "ApiError";
  }

  /** One sentence for a person: what happened, and what to do about it. */
  get readable(): string {
    let text = this.message;
    if (this.status === 429) {
      text = `Limit reached: ${this.message}`;
      if (this.retryAfter) text = `${sentence(text)} Try again in ${this.retryAfter} s.`;
    } else if (this.status === 424) {
      text = `The server cannot answer yet: ${this.message}`;
    } else if (this.status >= 500 || this.status === 0) {
      text = `The server failed: ${this.message}`;
    }
    return this.hint ? `${text} (${this.hint})` : text;
  }
}

function sentence(text: string): string {
  return /[.!?)]$/.test(text) ? text : `${text}.`;
}

/** A person-readable sentence for any error (internal ids such as `pyd_ai_…` are dropped). */
export function readable(error: unknown): string {
  if (error instanceof ApiError) return error.readable;
  const text = error instanceof Error ? error.message : String(error);
  return text.replace(/\s*\(?\bpyd_ai_[A-Za-z0-9_]+\)?/g, "").trim() || "Something went wrong.";
}

export const auth = {
  get token(): string | null {
    return sessionStorage.getItem(TOKEN_KEY);
  },
  set token(value: string | null) {
    if (value) sessionStorage.setItem(TOKEN_KEY, value);
    else sessionStorage.removeItem(TOKEN_KEY);
  },
  onExpired: (): void => {},
};

interface ErrorBody {
  error?: { code?: string; message?: string; hint?: string };
  detail?: unknown;
}

/** The error of a failed response, from the server's {"error": {code, message, hint}} body. */
export async function errorOf(response: Response): Promise<ApiError> {
  let body: ErrorBody | null = null;
  try {
    body = (await response.json()) as ErrorBody;
  } catch {
    body = null;
  }
  const error = body && typeof body === "object" ? (body.error ?? {}) : {};
  const detail = body && typeof body.detail === "string" ? body.detail : null;
  const message = String(error.message || detail || response.statusText || `HTTP ${response.status}`);
  return new ApiError(
    response.status,
    String(error.code || "error"),
    message,
    error.hint ?? null,
    response.headers.get("Retry-After"),
  );
}

export function authHeaders(): Record<string, string> {
  const token = auth.token;
  return token ? { Authorization: `Bearer ${token}` } : {};
}

/**
 * `fetch` with the token, whose failed responses become ApiErrors: the chat transport uses it
 * too, so a 429 or 424 before the stream reads as a sentence, not as a raw body.
 */
export async function apiFetch(input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  for (const [key, value] of Object.entries(authHeaders())) headers.set(key, value);
  let response: Response;
  try {
    response = await fetch(input, { ...init, headers });
  } catch (exc) {
    if (exc instanceof DOMException && exc.name === "AbortError") throw exc;
    throw new ApiError(0, "network", "the server could not be reached");
  }
  if (response.status === 401 && auth.token) auth.onExpired();
  if (!response.ok) throw await errorOf(response);
  return response;
}

type Query = Record<string, string | number | null | undefined>;

export async function call<T>(
  method: string,
  path: string,
  options: { json?: unknown; form?: Record<string, string>; query?: Query; keepalive?: boolean } = {},
): Promise<T> {
  const headers: Record<string, string> = {};
  let body: BodyInit | undefined;
  if (options.json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(options.json);
  } else if (options.form !== undefined) {
    body = new URLSearchParams(options.form);
  }
  const response = await apiFetch(url(path, options.query), {
    method, headers, body, keepalive: options.keepalive ?? false,
  });
  return (response.status === 204 ? null : await response.json()) as T;
}

export function url(path: string, query: Query = {}): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== "") search.set(key, String(value));
  }
  const tail = search.toString();
  return `${API}${path}${tail ? `?${tail}` : ""}`;
}

export async function login(email: string, password: string): Promise<void> {
  const result = await call<{ access_token: string }>("POST", "/auth/jwt/login", {
    form: { username: email, password },
  });
  auth.token = result.access_token;
}

export async function register(email: string, password: string): Promise<void> {
  await call("POST", "/auth/register", { json: { email, password } });
  await login(email, password);
}

export async function logout(): Promise<void> {
  try {
    await call("POST", "/auth/jwt/logout");
  } catch {
    // the token is dropped either way
  }
  auth.token = null;
}

export interface Conversation {
  id: string;
  title: string;
  workspace: string;
  status: string;
  error: string | null;
  created_at: string;
  updated_at: string;
}

export interface PendingApproval {
  id: string;
  tool: string;
  tool_call_id: string;
  arguments: Record<string, unknown>;
  status: string;
}

export interface ConversationDetail extends Conversation {
  messages: unknown[];
  pending_approvals: PendingApproval[];
}

export interface Workspace {
  name: string;
  default?: boolean;
}
