/** A flag's value as OFREP serves it: any JSON value. */
export type FlagValue = boolean | string | number | null | FlagValue[] | { [key: string]: FlagValue };

/** Who the flags are evaluated for. `targetingKey` (or `key`) identifies the user; the rest are attributes. */
export type EvaluationContext = { targetingKey?: string; [attribute: string]: unknown };

/** One flag whose value changed; `value` is undefined when the flag is no longer served (then defaults apply). */
export type FlagChange = { key: string; value: FlagValue | undefined; previous: FlagValue | undefined };

/** The parts of the browser's Storage the client uses (localStorage fits). */
export type StorageLike = {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
};

/** The parts of the browser's EventSource the client uses. */
export type EventSourceLike = {
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  close(): void;
};

export type EventSourceClass = new (url: string) => EventSourceLike;

export type SwitchyardWebOptions = {
  /** Switchyard's origin, e.g. `https://flags.example.com` (OFREP is served under `/ofrep/v1`). */
  baseUrl: string;
  /** The environment's client key (`sy_client_...`): sent as `Authorization: Bearer`, never stored. */
  clientKey: string;
  context?: EvaluationContext;
  /** Values the server rendered the page with: served at once, so the first paint matches the server's. */
  bootstrap?: Record<string, FlagValue>;
  /** Where the last values are kept for the next page load; localStorage by default, null for nowhere. */
  storage?: StorageLike | null;
  /** Live updates over the bulk answer's SSE event stream (default true). */
  stream?: boolean;
  /** How long `ready()` waits by default (ms, default 3000). */
  readyTimeoutMs?: number;
  /** Told about every failure (network, answers, listeners, storage); the client itself never throws. */
  onError?: (error: unknown) => void;
  /** Defaults to the global fetch. Outside a browser the client only serves its bootstrap unless `fetch` is given. */
  fetch?: typeof fetch;
  /** Defaults to the global EventSource. */
  EventSource?: EventSourceClass;
};
