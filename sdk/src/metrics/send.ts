/** One `POST /sdk/metrics` and what its answer means for the report. */

export type SendOutcome =
  /** 2xx: stored (or already stored under this reportId). */
  | { kind: 'accepted' }
  /** 400, 413, 422: the server will never take this report; it is given up. */
  | { kind: 'refused'; error: Error }
  /** 401, 403: the key is not accepted; sending stops. */
  | { kind: 'unauthorized'; error: Error }
  /** Anything else (5xx, 404, 429, network, timeout): the report is kept and sent again later. */
  | { kind: 'failed'; error: Error };

export type SendTarget = { url: URL; sdkKey: string; fetch: typeof globalThis.fetch };

/** The `message` of a Switchyard error answer, for the application's 'error' event. */
async function serverMessage(res: Response): Promise<string> {
  try {
    const body: unknown = await res.json();
    const message = typeof body === 'object' && body !== null ? (body as { message?: unknown }).message : undefined;
    return typeof message === 'string' ? `: ${message.slice(0, 300)}` : '';
  } catch {
    return '';
  }
}

export async function sendReport(target: SendTarget, body: string, signal: AbortSignal): Promise<SendOutcome> {
  try {
    const res = await target.fetch(target.url, {
      method: 'POST',
      headers: { Authorization: `Bearer ${target.sdkKey}`, 'Content-Type': 'application/json' },
      body,
      signal,
    });
    if (res.ok) {
      await res.body?.cancel();
      return { kind: 'accepted' };
    }
    const said = await serverMessage(res);
    if (res.status === 400 || res.status === 413 || res.status === 422) {
      return {
        kind: 'refused',
        error: new Error(`POST /sdk/metrics refused a report (HTTP ${res.status}${said}); its counts are reported as dropped`),
      };
    }
    if (res.status === 401 || res.status === 403) {
      return {
        kind: 'unauthorized',
        error: new Error(`POST /sdk/metrics refused the SDK key (HTTP ${res.status}${said}); metrics are no longer sent`),
      };
    }
    return { kind: 'failed', error: new Error(`POST /sdk/metrics answered HTTP ${res.status}${said}; the report is kept and sent again`) };
  } catch (err) {
    const why = signal.aborted ? 'no answer in time' : (err as Error).message;
    return { kind: 'failed', error: new Error(`POST /sdk/metrics failed (${why}); the report is kept and sent again`, { cause: err }) };
  }
}
