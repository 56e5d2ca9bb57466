// The API client: the token (sessionStorage only), the cluster, problem answers.

const TOKEN_KEY = "osiris.token";

export class AuthRequired extends Error {
  constructor(refused) {
    super(refused ? "the token was refused" : "a token is needed");
    this.refused = refused;
  }
}

export class Forbidden extends Error {}

export class Problem extends Error {
  constructor(status, body) {
    super((body && (body.detail || body.title)) || `the API answered ${status}`);
    this.status = status;
    this.body = body || {};
  }

  get type() {
    return String(this.body.type || "");
  }
}

export function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function setToken(value) {
  sessionStorage.setItem(TOKEN_KEY, value);
}

export function forgetToken() {
  sessionStorage.removeItem(TOKEN_KEY);
}

// The cluster the page is about: ?cluster= when given, else the function's default.
export function currentCluster() {
  return new URLSearchParams(location.search).get("cluster") || "";
}

// An API path with the page's cluster added (links of list items carry it already).
export function withCluster(path, cluster = currentCluster()) {
  if (!cluster || /[?&]cluster=/.test(path)) return path;
  return path + (path.includes("?") ? "&" : "?") + "cluster=" + encodeURIComponent(cluster);
}

async function problemOf(response) {
  try {
    return await response.json();
  } catch {
    return null;
  }
}

// fetch() of an API path with the token; throws AuthRequired, Forbidden or Problem.
export async function request(path, options = {}) {
  const headers = new Headers(options.headers || {});
  const sent = token();
  if (sent) headers.set("Authorization", `Bearer ${sent}`);
  const response = await fetch(withCluster(path), {
    ...options,
    headers,
    credentials: "omit",
    cache: "no-cache",
  });
  if (response.ok) return response;
  const body = await problemOf(response);
  if (response.status === 401) {
    if (sent) forgetToken();
    throw new AuthRequired(Boolean(sent));
  }
  if (response.status === 403) throw new Forbidden(body && body.detail);
  throw new Problem(response.status, body);
}

export async function getJson(path) {
  const response = await request(path, { headers: { Accept: "application/json" } });
  return response.json();
}
