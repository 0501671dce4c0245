import type { EvaluationContext, FlagValue } from './types.ts';

/** An OFREP bulk answer's event stream entry (ADR-0008); only `type: 'sse'` is used. */
type EventStream = { type?: unknown; url?: unknown; endpoint?: { origin?: unknown; requestUri?: unknown }; inactivityDelaySec?: unknown };

export type BulkResult =
  | { status: 'ok'; values: Record<string, FlagValue>; etag: string | null; stream: LiveStream | null }
  | { status: 'not-modified' }
  /** `final`: retrying cannot help (the key or the request was refused). */
  | { status: 'failed'; final: boolean; error: Error };

export type LiveStream = { url: string; inactivityDelayMs: number };

const REQUEST_TIMEOUT_MS = 10_000;

/** The values of an OFREP bulk answer: flags answered with an error or with no value are left out, so defaults apply. */
export function flagValues(answer: unknown): Record<string, FlagValue> {
  const values: Record<string, FlagValue> = {};
  const flags = (answer as { flags?: unknown } | null)?.flags;
  if (!Array.isArray(flags)) return values;
  for (const flag of flags) {
    if (flag && typeof flag.key === 'string' && flag.errorCode === undefined && flag.value !== undefined) values[flag.key] = flag.value;
  }
  return values;
}

function liveStream(answer: unknown, baseUrl: string): LiveStream | null {
  const streams = (answer as { eventStreams?: unknown } | null)?.eventStreams;
  if (!Array.isArray(streams)) return null;
  for (const stream of streams as EventStream[]) {
    if (stream?.type !== 'sse') continue;
    const { url, endpoint } = stream;
    const href =
      typeof url === 'string'
        ? new URL(url, baseUrl).href
        : typeof endpoint?.requestUri === 'string'
          ? new URL(endpoint.requestUri, typeof endpoint.origin === 'string' ? endpoint.origin : baseUrl).href
          : null;
    if (href === null) continue;
    const delay = stream.inactivityDelaySec;
    return { url: href, inactivityDelayMs: (typeof delay === 'number' && delay > 0 ? delay : 120) * 1000 };
  }
  return null;
}

/** POST /ofrep/v1/evaluate/flags: every client-side flag for `context`, or 304 when `etag` still matches. */
export async function fetchBulk(
  fetcher: typeof fetch,
  baseUrl: string,
  clientKey: string,
  context: EvaluationContext,
  etag: string | null,
  signal: AbortSignal,
): Promise<BulkResult> {
  const timeout = new AbortController();
  const abort = () => timeout.abort();
  const timer = setTimeout(abort, REQUEST_TIMEOUT_MS);
  signal.addEventListener('abort', abort);
  try {
    const headers: Record<string, string> = { authorization: `Bearer ${clientKey}`, 'content-type': 'application/json' };
    if (etag !== null) headers['if-none-match'] = etag;
    const response = await fetcher(`${baseUrl.replace(/\/+$/, '')}/ofrep/v1/evaluate/flags`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ context }),
      signal: timeout.signal,
    });
    if (response.status === 304) return { status: 'not-modified' };
    if (!response.ok) {
      const final = response.status === 400 || response.status === 401 || response.status === 403;
      return { status: 'failed', final, error: new Error(`Switchyard answered ${response.status} to the flags request`) };
    }
    const answer: unknown = await response.json();
    return { status: 'ok', values: flagValues(answer), etag: response.headers.get('etag'), stream: liveStream(answer, baseUrl) };
  } catch (error) {
    return { status: 'failed', final: false, error: error instanceof Error ? error : new Error(String(error)) };
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', abort);
  }
}
