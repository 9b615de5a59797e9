// The helpdesk API as the console uses it: JSON over fetch, the session cookie, and the CSRF token
// echoed in X-CSRF-Token on every state-changing request. Errors become ApiError with a message
// an agent can act on; a 401 also tells the app to show the login page.

const UNSAFE_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.name = "ApiError";
    this.status = status;
  }
}

export class Api {
  /** @param {{onUnauthorized: (message: string) => void}} hooks */
  constructor({ onUnauthorized }) {
    this.csrfToken = null;
    this.onUnauthorized = onUnauthorized;
  }

  get(path, query) {
    return this.request("GET", withQuery(path, query));
  }

  post(path, body) {
    return this.request("POST", path, body);
  }

  put(path, body) {
    return this.request("PUT", path, body);
  }

  /** The parsed JSON answer (null for 204); throws ApiError. */
  async request(method, path, body) {
    const headers = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (UNSAFE_METHODS.has(method) && this.csrfToken) headers["X-CSRF-Token"] = this.csrfToken;
    let response;
    try {
      response = await fetch(path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: "same-origin",
        cache: "no-store",
      });
    } catch {
      throw new ApiError(0, "Cannot reach the helpdesk service. Check your connection and try again.");
    }
    if (response.status === 204) return null;
    const payload = await readJson(response);
    if (response.ok) return payload;
    const error = new ApiError(response.status, describeError(response, payload));
    if (response.status === 401 && path !== "/api/auth/login") this.onUnauthorized(error.message);
    throw error;
  }
}

function withQuery(path, query) {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== "") params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

async function readJson(response) {
  try {
    return await response.json();
  } catch {
    return null;
  }
}

/** FastAPI says `detail` as a string, or (validation errors) as a list of {loc, msg}. */
function describeError(response, payload) {
  const detail = payload && payload.detail;
  if (typeof detail === "string" && detail) {
    if (response.status === 429) {
      const wait = response.headers.get("Retry-After");
      return wait && !detail.includes(wait) ? `${detail} (try again in ${wait} s)` : detail;
    }
    return detail;
  }
  if (Array.isArray(detail) && detail.length) {
    return detail
      .map((item) => {
        const field = Array.isArray(item.loc) ? item.loc.filter((part) => part !== "body").join(".") : "";
        return field ? `${field}: ${item.msg}` : String(item.msg);
      })
      .join("; ");
  }
  if (response.status >= 500) return `The helpdesk service failed (HTTP ${response.status}). Try again in a moment.`;
  return `The request failed (HTTP ${response.status}).`;
}
