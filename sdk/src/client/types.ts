import type { Context, EvaluationDetail, Reason, Snapshot } from '../model/index.ts';

/** Where the client gets its rules from right now. */
export type ClientStatus = 'connecting' | 'streaming' | 'polling' | 'offline' | 'closed';

/** Anything with these four methods (console, pino, a Fastify logger) can be the client's logger. */
export type ClientLogger = {
  debug(message: string, ...rest: unknown[]): void;
  info(message: string, ...rest: unknown[]): void;
  warn(message: string, ...rest: unknown[]): void;
  error(message: string, ...rest: unknown[]): void;
};

/** The subset of the `ws` WebSocket class the client uses (so another implementation can be passed in). */
export type WebSocketConstructor = new (
  url: string,
  options: { headers: Record<string, string>; handshakeTimeout?: number },
) => import('ws').WebSocket;

export type ClientOptions = {
  /** Base URL of the Switchyard server, e.g. `https://flags.internal:8080`. Omit to run offline from `bootstrap`. */
  url?: string;
  /** The environment's server SDK key. Sent only in the `Authorization` header. */
  sdkKey?: string;
  /** How long `ready()` waits for the first snapshot before resolving `false`. Default 5000. */
  readyTimeoutMs?: number;
  /** Use the websocket stream (default true). When false the client only polls. */
  streaming?: boolean;
  /** Interval of `GET /sdk/snapshot` polls while the stream is down (or always, without streaming). Default 30000. */
  pollIntervalMs?: number;
  /** Rules to start with: a snapshot object, or a JSON file holding one (or a file written by `persistPath`). */
  bootstrap?: Snapshot | { file: string };
  /** File where the latest snapshot is kept (written atomically, debounced) and loaded from at start. */
  persistPath?: string;
  /** The server's heartbeat interval; the client reconnects after hearing nothing for 2 intervals + 5 s. Default 15000. */
  heartbeatMs?: number;
  /**
   * Reconnection backoff: full jitter over `initialDelayMs * 2^n`, capped at `maxDelayMs`;
   * reset once a connection stayed up `stableAfterMs`.
   */
  reconnect?: { initialDelayMs?: number; maxDelayMs?: number; stableAfterMs?: number };
  /** Debounce of `persistPath` writes. Default 1000. */
  persistDebounceMs?: number;
  /**
   * Count evaluations (per flag and variation or error) and `track()` calls, and send them to the server
   * (`POST /sdk/metrics`) every `metricsIntervalMs` and on `close()`. Default true when `url` is set;
   * false counts and sends nothing. Never sends context attributes or raw context keys.
   */
  sendMetrics?: boolean;
  /** Interval of metrics reports. Default 10000 (minimum 10). */
  metricsIntervalMs?: number;
  logger?: ClientLogger;
  fetch?: typeof globalThis.fetch;
  WebSocket?: WebSocketConstructor;
};

/**
 * The engine's reasons plus one of the client's own: `{ kind: 'ERROR', errorKind: 'CLIENT_NOT_READY' }`
 * when the client has no rules at all yet (no snapshot received, bootstrapped or persisted).
 */
export type ClientReason = Reason | { kind: 'ERROR'; errorKind: 'CLIENT_NOT_READY' };

export type ClientEvaluationDetail<T> = Omit<EvaluationDetail<T>, 'reason'> & { reason: ClientReason };

export type ClientEvents = {
  /** Keys of the flags whose definition (or a segment or prerequisite they use) changed. */
  change: (keys: string[]) => void;
  error: (error: Error) => void;
  /** The first snapshot (or a confirmation that the bootstrapped/persisted one is current) is in. */
  ready: () => void;
  /** `status` changed. */
  status: (status: ClientStatus) => void;
};

export type { Context, Snapshot };
