// The JSON API (/api/v1) with the user's bearer token, and its errors as readable messages.

const API = "/api/v1";
const TOKEN_KEY = "fast-genai.token";

export class ApiError extends Error {
  constructor(status, code, message, hint, retryAfter) {
    super(message);
    this.status = status;
    this.code = code;
    this.hint = hint;
    this.retryAfter = retryAfter;
  }

  /** One sentence for a person: what happened, and what to do about it. */
  get readable() {
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

function sentence(text) {
  return /[.!?)]$/.test(text) ? text : `${text}.`;
}

export const auth = {
  get token() {
    return sessionStorage.getItem(TOKEN_KEY);
  },
  set token(value) {
    if (value) sessionStorage.setItem(TOKEN_KEY, value);
    else sessionStorage.removeItem(TOKEN_KEY);
  },
  onExpired: () => {},
};

/** The error of a failed response, from the server's {"error": {code, message, hint}} body. */
export async function errorOf(response) {
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  const error = body && typeof body === "object" ? body.error ?? {} : {};
  const detail = body && typeof body.detail === "string" ? body.detail : null;
  const message = String(error.message || detail || response.statusText || `HTTP ${response.status}`);
  const retry = response.headers.get("Retry-After");
  return new ApiError(response.status, String(error.code || "error"), message, error.hint || null, retry);
}

export async function request(method, path, { json, form, signal, query } = {}) {
  const headers = {};
  if (auth.token) headers.Authorization = `Bearer ${auth.token}`;
  let body;
  if (json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(json);
  } else if (form !== undefined) {
    body = new URLSearchParams(form);
  }
  const url = new URL(API + path, window.location.origin);
  for (const [key, value] of Object.entries(query || {})) {
    if (value !== undefined && value !== null && value !== "") url.searchParams.set(key, value);
  }
  let response;
  try {
    response = await fetch(url, { method, headers, body, signal });
  } catch (exc) {
    if (exc.name === "AbortError") throw exc;
    throw new ApiError(0, "network", "the server could not be reached", null, null);
  }
  if (response.status === 401 && auth.token) auth.onExpired();
  return response;
}

export async function call(method, path, options) {
  const response = await request(method, path, options);
  if (!response.ok) throw await errorOf(response);
  return response.status === 204 ? null : response.json();
}

export async function login(email, password) {
  const result = await call("POST", "/auth/jwt/login", { form: { username: email, password } });
  auth.token = result.access_token;
}

export async function register(email, password) {
  await call("POST", "/auth/register", { json: { email, password } });
  await login(email, password);
}

export async function logout() {
  try {
    await call("POST", "/auth/jwt/logout");
  } catch {
    // the token is dropped either way
  }
  auth.token = null;
}
