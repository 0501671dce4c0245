import { createBackoff } from './backoff.ts';
import { createEmitter } from './emitter.ts';
import { sameValue } from './equal.ts';
import { keepLive } from './live-updates.ts';
import { fetchBulk } from './ofrep.ts';
import { pick } from './pick.ts';
import { readValues, storageKey, writeValues } from './storage.ts';
import type { EvaluationContext, EventSourceClass, FlagChange, FlagValue, StorageLike, SwitchyardWebOptions } from './types.ts';

export type SwitchyardWeb = {
  /** The values the client was created with (`options.bootstrap`): what the server rendered. */
  readonly bootstrap: Readonly<Record<string, FlagValue>>;
  readonly context: EvaluationContext;
  /** The flag's value when it is a boolean, else `defaultValue`. */
  isEnabled(key: string, defaultValue?: boolean): boolean;
  /** The flag's value when it has the type of `defaultValue` (any value for a null default), else `defaultValue`. */
  variation<T>(key: string, defaultValue: T): T;
  allFlags(): Record<string, FlagValue>;
  /** Calls `listener` after values changed (all changes at once); returns the function that stops it. */
  on(event: 'change', listener: (changes: FlagChange[]) => void): () => void;
  /** `change:<flag key>`: calls `listener` when that flag's value changed. */
  on(event: `change:${string}`, listener: (change: FlagChange) => void): () => void;
  /** Switches to another user: serves their stored values at once when there are some, then fetches theirs. Resolves like `ready`. */
  identify(context: EvaluationContext): Promise<boolean>;
  /** Resolves true once values came from Switchyard; false when the first request failed or after `timeoutMs`. Never rejects. */
  ready(timeoutMs?: number): Promise<boolean>;
  /** Stops requests, the event stream and retries, and forgets the listeners. */
  close(): void;
};

type BrowserGlobals = { window?: unknown; localStorage?: StorageLike; EventSource?: EventSourceClass };

function defaultStorage(browser: BrowserGlobals): StorageLike | null {
  try {
    return browser.window ? (browser.localStorage ?? null) : null; // reading localStorage throws where storage is blocked
  } catch {
    return null;
  }
}

/**
 * Evaluates every client-side flag for one user in one OFREP bulk request and keeps the values current
 * over the answer's event stream. It never throws: failures go to `options.onError`. Outside a browser
 * (server-side rendering) it only serves `bootstrap`, unless `options.fetch` is given.
 */
export function createClient(given: SwitchyardWebOptions): SwitchyardWeb {
  const options = { ...given, clientKey: String(given?.clientKey ?? ''), baseUrl: String(given?.baseUrl ?? '') };
  const browser = globalThis as unknown as BrowserGlobals;
  const report = (error: unknown) => {
    try {
      if (options.onError) options.onError(error);
      else console.warn('[switchyard]', error);
    } catch {}
  };
  const emitter = createEmitter(report);
  const fetcher = options.fetch ?? (browser.window && typeof fetch === 'function' ? fetch.bind(globalThis) : undefined);
  const storage = options.storage === undefined ? defaultStorage(browser) : options.storage;
  const openStream = options.stream === false ? undefined : (options.EventSource ?? browser.EventSource);
  const aborter = new AbortController();
  const retry = createBackoff();
  const bootstrap = { ...options.bootstrap };

  let context: EvaluationContext = { ...options.context };
  let values = new Map<string, FlagValue>();
  let etag: string | null = null;
  let generation = 0;
  let inFlight: Promise<boolean> | null = null;
  let again = false;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let live: { close(): void } | null = null;
  let liveUrl = '';
  let closed = false;

  const apply = (next: Record<string, FlagValue>) => {
    const changes: FlagChange[] = [];
    const kept = new Map<string, FlagValue>();
    for (const [key, value] of Object.entries(next)) {
      const previous = values.get(key);
      // An unchanged value keeps its object, so React sees the same snapshot and does not re-render.
      if (values.has(key) && sameValue(previous, value)) kept.set(key, previous!);
      else {
        kept.set(key, value);
        changes.push({ key, value, previous });
      }
    }
    for (const [key, previous] of values) if (!kept.has(key)) changes.push({ key, value: undefined, previous });
    values = kept;
    for (const change of changes) emitter.emit(`change:${change.key}`, change);
    if (changes.length > 0) emitter.emit('change', changes);
  };

  const fetchOnce = async (): Promise<boolean> => {
    const asked = generation;
    const result = await fetchBulk(fetcher!, options.baseUrl, options.clientKey, context, etag, aborter.signal);
    if (closed || asked !== generation) return false;
    if (result.status === 'failed') {
      report(result.error);
      if (!result.final) retryTimer = setTimeout(refresh, retry.next());
      else if (live) {
        // The key (or the context) is refused: reconnecting would be refused too.
        live.close();
        live = null;
        liveUrl = '';
      }
      return false;
    }
    retry.reset();
    if (result.status === 'not-modified') return true;
    etag = result.etag;
    apply(result.values);
    writeValues(storage, storageKey(options.clientKey, context), result.values, report);
    if (openStream && result.stream && result.stream.url !== liveUrl) {
      live?.close();
      liveUrl = result.stream.url;
      live = keepLive(openStream, result.stream, refresh, report);
    }
    return true;
  };

  // One request at a time; asks made meanwhile are answered by one more request after it.
  function refresh(): Promise<boolean> {
    if (inFlight) {
      again = true;
      return inFlight;
    }
    const run = async () => {
      let fresh = false;
      do {
        again = false;
        clearTimeout(retryTimer);
        try {
          fresh = await fetchOnce();
        } catch (error) {
          report(error);
          fresh = false;
        }
      } while (again && !closed);
      inFlight = null;
      return fresh;
    };
    return (inFlight = run());
  }

  values = new Map(Object.entries(options.bootstrap ?? readValues(storage, storageKey(options.clientKey, context), report) ?? {}));
  const first: Promise<boolean> = fetcher ? refresh() : Promise.resolve(false);

  return {
    bootstrap,
    get context() {
      return context;
    },
    isEnabled(key, defaultValue = false) {
      return pick(values.get(key), defaultValue);
    },
    variation<T>(key: string, defaultValue: T): T {
      return pick(values.get(key), defaultValue);
    },
    allFlags() {
      return Object.fromEntries(values);
    },
    on(event: string, listener: (payload: never) => void) {
      return emitter.on(event, listener);
    },
    identify(next) {
      if (closed || !fetcher) return Promise.resolve(false);
      generation++;
      context = { ...next };
      etag = null;
      const known = readValues(storage, storageKey(options.clientKey, context), report);
      if (known) apply(known);
      return refresh();
    },
    ready(timeoutMs = options.readyTimeoutMs ?? 3000) {
      return Promise.race([first, new Promise<boolean>((resolve) => setTimeout(resolve, timeoutMs, false))]);
    },
    close() {
      closed = true;
      aborter.abort();
      clearTimeout(retryTimer);
      live?.close();
      emitter.clear();
    },
  };
}
