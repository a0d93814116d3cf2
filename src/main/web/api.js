// The browser's one client of xend's API: JSON in and out, the session cookie (sent by the browser), the CSRF
// token on every request, and xend's error body turned into the Error the user sees. Also the event stream.

// The token the login answered, kept for this origin's tabs: xend takes no request of a login session without it,
// because the cookie alone also reaches other ports of this host. Only xend's own pages can read it (an origin
// includes its port). It is read at each request: a login in another tab replaces the token (and the cookie) for
// every tab.
const TOKEN_KEY = 'vmhost.csrfToken';
let ownToken = null;

function stored() {
  try {
    return localStorage.getItem(TOKEN_KEY);
  } catch {
    return null; // storage turned off: the token lives as long as this page
  }
}

function currentToken() {
  return stored() ?? ownToken;
}

/** A refused or failed request: `message` is xend's own sentence, `status` the HTTP status (0: unreachable). */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** The token the login answered (null at logout); sent as X-CSRF-Token with every request. */
export function setCsrfToken(token) {
  const mine = ownToken;
  ownToken = token;
  try {
    if (token) localStorage.setItem(TOKEN_KEY, token);
    else if (stored() === mine) localStorage.removeItem(TOKEN_KEY); // not another tab's newer login
  } catch {
    // storage turned off: the token lives as long as this page
  }
}

/** The query that gives a WebSocket the token (a browser's WebSocket takes no header): `?csrf=...`, or ''. */
export function socketQuery() {
  const token = currentToken();
  return token ? `?csrf=${encodeURIComponent(token)}` : '';
}

/** `method path` with `body` as JSON; resolves to the parsed answer (null for none). */
export async function api(method, path, body) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const token = currentToken();
  if (token) headers['X-CSRF-Token'] = token;
  let res;
  try {
    res = await fetch(path, {
      method, headers, credentials: 'same-origin', cache: 'no-store',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    throw new ApiError(0, 'UNREACHABLE', `xend cannot be reached (${e.message})`);
  }
  const text = await res.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (!res.ok) {
    const error = json && json.error ? json.error : {};
    throw new ApiError(res.status, error.code || `HTTP_${res.status}`,
      error.message || `${method} ${path}: HTTP ${res.status}`);
  }
  return json;
}

/** Percent-encodes one path segment: `path('domains', name)` → `/api/v1/domains/NAME`. */
export function path(...segments) {
  return '/api/v1/' + segments.map(encodeURIComponent).join('/');
}

/** The close code of a WebSocket whose login or token has ended (or whose user's role changed). */
export const CREDENTIAL_ENDED = 4401;

/**
 * xend's event stream (/api/v1/events/ws), kept open: reconnects after a drop, with a growing pause.
 * `onEvent(event)` gets each event ({time, domain, kind, message}), `onState(open, closeCode)` each change of
 * connection.
 * The stream starts with the newest events of the log, then each new one. Returns a function that closes it.
 */
export function openEvents(onEvent, onState) {
  let socket = null;
  let closed = false;
  let delay = 500;
  let timer = null;
  const connect = () => {
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    socket = new WebSocket(`${scheme}//${location.host}/api/v1/events/ws${socketQuery()}`);
    socket.onopen = () => {
      delay = 500;
      onState(true);
    };
    socket.onmessage = (m) => {
      try {
        onEvent(JSON.parse(m.data));
      } catch (e) {
        console.error('event stream:', e);
      }
    };
    socket.onclose = (e) => {
      onState(false, e.code);
      if (closed) return;
      timer = setTimeout(connect, delay);
      delay = Math.min(delay * 2, 10000);
    };
  };
  connect();
  return () => {
    closed = true;
    clearTimeout(timer);
    if (socket) socket.close();
  };
}
