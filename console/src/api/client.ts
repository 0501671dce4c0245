// The one place the console talks HTTP: same-origin fetches to the public admin API, authenticated by
// the HttpOnly session cookie. The CSRF token lives only in this module's memory; it is read again
// with GET /api/session after every page load, never stored in the browser.

export type ErrorBody = {
  error: string;
  message: string;
  details?: { path: string; message: string }[];
  currentVersion?: number;
};

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: { path: string; message: string }[];

  constructor(status: number, body: Partial<ErrorBody>) {
    super(body.message ?? `The server answered ${status}`);
    this.status = status;
    this.code = body.error ?? 'http_error';
    this.details = body.details ?? [];
  }
}

let csrfToken: string | null = null;
let unauthorizedListener: (() => void) | null = null;

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** Called when an API answer says the session is gone (401), so the app can show the sign-in page. */
export function onUnauthorized(listener: (() => void) | null): void {
  unauthorizedListener = listener;
}

export type Query = Record<string, string | number | boolean | readonly string[] | undefined>;

export type RequestOptions = {
  query?: Query;
  body?: unknown;
  /** The version read, sent as If-Match: a stale one is refused with 412. */
  ifMatch?: number;
  /** The version held, sent as If-None-Match: a 304 (nothing changed) resolves to undefined. */
  ifNoneMatch?: number;
  /** A 401 here is an answer, not a lost session (the session routes themselves). */
  expectUnauthorized?: boolean;
  signal?: AbortSignal;
};

export function queryString(query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value === undefined || value === '') continue;
    if (Array.isArray(value)) for (const item of value) params.append(name, item);
    else params.append(name, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

export async function request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && method !== 'HEAD' && csrfToken) headers['x-csrf-token'] = csrfToken;
  if (options.ifMatch !== undefined) headers['if-match'] = `"${options.ifMatch}"`;
  if (options.ifNoneMatch !== undefined) headers['if-none-match'] = `"${options.ifNoneMatch}"`;

  const response = await fetch(`/api${path}${queryString(options.query)}`, {
    method,
    headers,
    credentials: 'same-origin',
    body: options.body === undefined ? null : JSON.stringify(options.body),
    signal: options.signal ?? null,
  });
  if (response.status === 204 || response.status === 304) return undefined as T;
  const body: unknown = await response.json().catch(() => ({}));
  if (!response.ok) {
    if (response.status === 401 && !options.expectUnauthorized) unauthorizedListener?.();
    throw new ApiError(response.status, body as Partial<ErrorBody>);
  }
  return body as T;
}

/** A message fit to show: the server's own, or a plain one for a network failure. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) {
    const detail = error.details.map((d) => (d.path ? `${d.path}: ${d.message}` : d.message)).join('; ');
    return detail ? `${error.message} (${detail})` : error.message;
  }
  if (error instanceof DOMException && error.name === 'AbortError') return 'Cancelled';
  return 'The server could not be reached. Check your connection and try again.';
}
