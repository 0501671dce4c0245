/**
 * Polls `GET /sdk/snapshot` with `If-None-Match` (304: nothing new). One request at a time; the next
 * starts `intervalMs` after the previous one ended.
 */
import type { Snapshot } from '../model/index.ts';
import { isSnapshot } from './messages.ts';
import { StreamError, serverReason } from './stream.ts';

/** A poll that has not been answered by then is abandoned (the next one starts an interval later). */
const REQUEST_TIMEOUT_MS = 10_000;

type PollerOptions = {
  url: string;
  sdkKey: string;
  intervalMs: number;
  fetch: typeof globalThis.fetch;
  version(): number | undefined;
  onSnapshot(snapshot: Snapshot): void;
  /** 304: the client's version is current. */
  onCurrent(): void;
  onFailure(error: Error): void;
  /** 401/403: the key is not accepted; polling stops. */
  onRejected(error: Error): void;
};

/** The `message` of a Switchyard error answer (`{ error, message, details }`), when there is one. */
async function errorMessageOf(res: Response): Promise<string | undefined> {
  try {
    const body: unknown = await res.json();
    const message = typeof body === 'object' && body !== null ? (body as { message?: unknown }).message : undefined;
    return typeof message === 'string' ? serverReason(message) : undefined;
  } catch {
    return undefined;
  }
}

export class Poller {
  private timer: NodeJS.Timeout | undefined;
  private inFlight: AbortController | undefined;
  private running = false;
  private rejected = false;
  /** Bumped by stop(), so a request that outlives a stop/start cannot start a second chain of polls. */
  private generation = 0;

  constructor(private readonly options: PollerOptions) {}

  /** Starts polling now (no-op when already running). */
  start(): void {
    if (this.running || this.rejected) return;
    this.running = true;
    void this.poll();
  }

  stop(): void {
    this.running = false;
    this.generation++;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.inFlight?.abort();
    this.inFlight = undefined;
  }

  private async poll(): Promise<void> {
    this.timer = undefined;
    const generation = this.generation;
    const live = () => this.running && generation === this.generation;
    const abort = new AbortController();
    this.inFlight = abort;
    const timeout = setTimeout(() => abort.abort(), REQUEST_TIMEOUT_MS);
    try {
      const headers: Record<string, string> = { Authorization: `Bearer ${this.options.sdkKey}`, Accept: 'application/json' };
      const version = this.options.version();
      if (version !== undefined) headers['If-None-Match'] = `"${version}"`;
      const url = new URL('sdk/snapshot', this.options.url.endsWith('/') ? this.options.url : `${this.options.url}/`);
      const res = await this.options.fetch(url, { headers, signal: abort.signal });
      if (!live()) return;
      if (res.status === 304) {
        this.options.onCurrent();
      } else if (res.status === 401 || res.status === 403) {
        const reason = await errorMessageOf(res);
        if (!live()) return;
        this.rejected = true;
        this.stop();
        const said = reason ? ` (${reason})` : '';
        this.options.onRejected(new StreamError(`the SDK key was refused by the server${said}; polling stopped`, res.status, reason));
        return;
      } else if (res.ok) {
        const body: unknown = await res.json();
        if (!live()) return;
        if (isSnapshot(body)) this.options.onSnapshot(body);
        else this.options.onFailure(new Error('GET /sdk/snapshot answered something that is not a snapshot'));
      } else {
        await res.body?.cancel();
        this.options.onFailure(new Error(`GET /sdk/snapshot answered HTTP ${res.status}`));
      }
    } catch (err) {
      if (live()) this.options.onFailure(new Error(`GET /sdk/snapshot failed: ${(err as Error).message}`, { cause: err }));
    } finally {
      clearTimeout(timeout);
      if (this.inFlight === abort) this.inFlight = undefined;
    }
    if (live()) this.timer = setTimeout(() => void this.poll(), this.options.intervalMs);
  }
}
