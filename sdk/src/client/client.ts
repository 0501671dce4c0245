/**
 * The SDK client: keeps the environment's rules current (stream, polling fallback, bootstrap, on-disk
 * copy) and evaluates flags locally, synchronously, without ever throwing.
 */
import { randomUUID } from 'node:crypto';
import { allFlags as allFlagDetails, evaluate as evaluateFlag, isEnabled as isFlagEnabled } from '../engine/index.ts';
import { MetricsRecorder } from '../metrics/recorder.ts';
import { MetricsReporter } from '../metrics/reporter.ts';
import { SDK_NAME, SDK_VERSION } from '../metrics/sdk-identity.ts';
import type { SdkIdentity, ServerMessage, Snapshot } from '../model/index.ts';
import { enableLinearRegexpFallback } from '../runtime/linear-regexp.ts';
import { Backoff } from './backoff.ts';
import { ClientEmitter } from './emitter.ts';
import { isSnapshot } from './messages.ts';
import { keyFingerprint, readBootstrapFile, readPersisted, SnapshotWriter } from './persistence.ts';
import { Poller } from './poller.ts';
import { RuleSet } from './rules.ts';
import { StreamConnection } from './stream.ts';
import type { ClientEvaluationDetail, ClientEvents, ClientLogger, ClientOptions, ClientReason, ClientStatus, Context } from './types.ts';

const NOT_READY: ClientReason = Object.freeze({ kind: 'ERROR', errorKind: 'CLIENT_NOT_READY' });
const EXCEPTION: ClientReason = Object.freeze({ kind: 'ERROR', errorKind: 'EXCEPTION' });
const WRONG_TYPE: ClientReason = Object.freeze({ kind: 'ERROR', errorKind: 'WRONG_TYPE' });

/** Warnings and errors go to the console (only when nobody listens to 'error'); debug and info are dropped. */
const consoleLogger: ClientLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: (message, ...rest) => console.warn(message, ...rest),
  error: (message, ...rest) => console.error(message, ...rest),
};

/** Where metrics reports go: `sdk/metrics` under the server's URL (http(s) even when `url` was given as ws(s)). */
function metricsUrl(url: string): URL {
  const base = new URL(url.endsWith('/') ? url : `${url}/`);
  if (base.protocol === 'ws:') base.protocol = 'http:';
  else if (base.protocol === 'wss:') base.protocol = 'https:';
  return new URL('sdk/metrics', base);
}

function atLeast(value: number | undefined, fallback: number, min: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? Math.max(min, value) : fallback;
}

/** Whether `value` has the same JSON type as `defaultValue` (null/undefined defaults accept anything). */
function sameType(value: unknown, defaultValue: unknown): boolean {
  if (defaultValue === null || defaultValue === undefined) return true;
  if (typeof defaultValue !== 'object') return typeof value === typeof defaultValue;
  return typeof value === 'object' && value !== null;
}

export class FlagsClient {
  private readonly rules: RuleSet;
  private readonly emitter: ClientEmitter;
  private readonly logger: ClientLogger;
  private readonly stream: StreamConnection | undefined;
  private readonly poller: Poller | undefined;
  private readonly writer: SnapshotWriter | undefined;
  /** Present when the client sends metrics (`sendMetrics`). */
  private readonly metrics: MetricsRecorder | undefined;
  private readonly reporter: MetricsReporter | undefined;
  private readonly instanceId = randomUUID();
  private currentStatus: ClientStatus;
  /** What the status was when close() was called (reported as the mode of the last metrics report). */
  private statusBeforeClose: Exclude<ClientStatus, 'closed'> = 'offline';
  private isReady = false;
  private rejected = false;
  private pollOk = false;
  private resyncRequested = false;
  /**
   * Whether the rules held came from this key's server (now or in a persisted copy), so their version
   * may be sent to resume. A bootstrap's version is not sent: the bootstrap might come from another
   * environment, whose version number means nothing here.
   */
  private resumable = false;
  private readonly readyWaiters = new Set<(ready: boolean) => void>();
  private readonly readyTimeoutMs: number;

  constructor(options: ClientOptions) {
    // Here rather than in createClient, so that every way of building a client (the OpenFeature
    // provider builds one itself) runs `matches` patterns protected.
    enableLinearRegexpFallback();
    if (typeof options !== 'object' || options === null) throw new TypeError('createClient: options are required');
    this.logger = options.logger ?? consoleLogger;
    this.emitter = new ClientEmitter(this.logger);
    this.readyTimeoutMs = options.readyTimeoutMs ?? 5000;
    const url = options.url;
    if (url !== undefined) {
      if (typeof url !== 'string' || !URL.canParse(url) || !/^(https?|wss?):$/.test(new URL(url).protocol)) {
        throw new TypeError('createClient: `url` must be an absolute http(s) URL');
      }
      if (typeof options.sdkKey !== 'string' || options.sdkKey === '') throw new TypeError('createClient: `sdkKey` is required with `url`');
    }
    const fingerprint = keyFingerprint(options.sdkKey);
    this.metrics = url !== undefined && options.sendMetrics !== false ? new MetricsRecorder(Date.now()) : undefined;
    this.rules = new RuleSet(this.metrics);

    this.loadInitialRules(options, fingerprint);
    if (options.persistPath) {
      this.writer = new SnapshotWriter(options.persistPath, fingerprint, options.persistDebounceMs ?? 1000, (err) => this.fail(err));
    }

    this.currentStatus = url === undefined ? 'offline' : 'connecting';
    if (url === undefined || options.sdkKey === undefined) return;
    const sdkKey = options.sdkKey;
    const version = () => (this.resumable ? this.rules.version : undefined);

    const fetchImpl = options.fetch ?? globalThis.fetch;
    this.poller = new Poller({
      url,
      sdkKey,
      intervalMs: atLeast(options.pollIntervalMs, 30_000, 10),
      fetch: fetchImpl,
      version,
      onSnapshot: (snapshot) => {
        this.pollOk = true;
        this.accept(snapshot, true);
        this.markReady();
        this.updateStatus();
      },
      onCurrent: () => {
        this.pollOk = true;
        this.markReady();
        this.updateStatus();
      },
      onFailure: (err) => {
        this.pollOk = false;
        this.updateStatus(true);
        this.fail(err);
      },
      onRejected: (err) => this.reject(err),
    });
    if (this.metrics) {
      this.reporter = new MetricsReporter({
        target: { url: metricsUrl(url), sdkKey, fetch: fetchImpl },
        intervalMs: atLeast(options.metricsIntervalMs, 10_000, 10),
        recorder: this.metrics,
        identity: () => this.identity(),
        onError: (err) => this.fail(err),
      });
      this.reporter.start();
    }

    if (options.streaming === false) {
      this.poller.start();
      return;
    }
    const reconnect = options.reconnect ?? {};
    this.stream = new StreamConnection({
      url,
      sdkKey,
      heartbeatMs: atLeast(options.heartbeatMs, 15_000, 10),
      backoff: new Backoff(atLeast(reconnect.initialDelayMs, 250, 1), atLeast(reconnect.maxDelayMs, 30_000, 1)),
      stableAfterMs: atLeast(reconnect.stableAfterMs, 10_000, 0),
      WebSocket: options.WebSocket,
      version,
      onOpen: () => {
        this.resyncRequested = false;
        this.updateStatus();
      },
      onMessage: (message) => this.onStreamMessage(message),
      onDown: (err) => {
        this.poller?.start();
        this.updateStatus(true);
        this.fail(err);
      },
      onRejected: (err) => this.reject(err),
    });
    this.stream.start();
  }

  /** The version of the rules in use, or undefined when there are none. */
  get version(): number | undefined {
    return this.rules.version;
  }

  get status(): ClientStatus {
    return this.currentStatus;
  }

  /** True once the server refused or revoked the key: the client stopped connecting and serves its last rules. */
  get keyRejected(): boolean {
    return this.rejected;
  }

  /**
   * Resolves true once the client has the server's current rules (or was bootstrapped), false when that
   * did not happen within `timeoutMs` (default `readyTimeoutMs`), the key was refused, or the client
   * was closed. Never rejects. Rules loaded from `persistPath` are served meanwhile but do not count.
   */
  ready(timeoutMs: number = this.readyTimeoutMs): Promise<boolean> {
    if (this.isReady) return Promise.resolve(true);
    if (this.currentStatus === 'closed' || this.rejected || !this.poller) return Promise.resolve(false);
    return new Promise((resolve) => {
      const done = (ready: boolean) => {
        clearTimeout(timer);
        this.readyWaiters.delete(done);
        resolve(ready);
      };
      const timer = setTimeout(() => done(false), Math.max(0, Number(timeoutMs) || 0));
      this.readyWaiters.add(done);
    });
  }

  on<E extends keyof ClientEvents>(event: E, listener: ClientEvents[E]): this {
    this.emitter.on(event, listener);
    return this;
  }

  off<E extends keyof ClientEvents>(event: E, listener: ClientEvents[E]): this {
    this.emitter.off(event, listener);
    return this;
  }

  /** The flag's value, variation index and reason. Errors give `defaultValue` (or null) with an ERROR reason. */
  evaluate<T = unknown>(flagKey: string, context: Context, defaultValue?: T): ClientEvaluationDetail<T | null> {
    const fallback = defaultValue === undefined ? null : defaultValue;
    try {
      const prepared = this.rules.prepared;
      if (prepared) return evaluateFlag<T | null>(prepared, flagKey, context, fallback);
      this.metrics?.countClientError(flagKey, 'CLIENT_NOT_READY');
      return { value: fallback, variationIndex: null, reason: NOT_READY };
    } catch {
      this.metrics?.countClientError(flagKey, 'EXCEPTION');
      return { value: fallback, variationIndex: null, reason: EXCEPTION };
    }
  }

  /** Like evaluate, but a value of another JSON type than `defaultValue` gives the default with reason ERROR/WRONG_TYPE. */
  variationDetail<T>(flagKey: string, context: Context, defaultValue: T): ClientEvaluationDetail<T> {
    const detail = this.evaluate(flagKey, context, defaultValue);
    if (detail.reason.kind === 'ERROR') return { ...detail, value: defaultValue };
    if (!sameType(detail.value, defaultValue)) {
      const prepared = this.rules.prepared;
      if (this.metrics && prepared && detail.variationIndex !== null) this.metrics.countWrongType(prepared, flagKey, detail.variationIndex);
      return { value: defaultValue, variationIndex: null, reason: WRONG_TYPE };
    }
    return detail as ClientEvaluationDetail<T>;
  }

  /** The flag's value, or `defaultValue` when the flag is unknown, cannot be evaluated, or has another type. */
  variation<T>(flagKey: string, context: Context, defaultValue: T): T {
    return this.variationDetail(flagKey, context, defaultValue).value;
  }

  /** True only when the flag evaluates to the boolean `true`. */
  isEnabled(flagKey: string, context: Context): boolean {
    try {
      const prepared = this.rules.prepared;
      if (prepared !== undefined) return isFlagEnabled(prepared, flagKey, context);
      this.metrics?.countClientError(flagKey, 'CLIENT_NOT_READY');
      return false;
    } catch {
      this.metrics?.countClientError(flagKey, 'EXCEPTION');
      return false;
    }
  }

  /** Values of every flag for `context` (flags that cannot be evaluated are null); {} before any rules. */
  allFlags(context: Context): Record<string, unknown> {
    try {
      const prepared = this.rules.prepared;
      if (!prepared) return {};
      return Object.fromEntries(Object.entries(allFlagDetails(prepared, context)).map(([key, detail]) => [key, detail.value]));
    } catch {
      return {};
    }
  }

  /**
   * Records a custom event (e.g. a conversion, or a latency with its `value`) for `context`: counted per
   * event key and, for flags under a guarded release measuring this key, attributed to the variation the
   * flag serves `context`. Synchronous; never throws. An invalid key (EVENT_KEY_PATTERN, at most 100
   * characters) or a context without a key is counted as dropped; a value that is not a finite number is
   * ignored (the event still counts). Does nothing when the client does not send metrics.
   */
  track(eventKey: string, context: Context, value?: number): void {
    try {
      if (this.currentStatus !== 'closed') this.metrics?.track(eventKey, context, value);
    } catch {
      // track() never throws; a failure here only loses this event
    }
  }

  /**
   * Stops the stream, polling and timers, sends a last metrics report (waiting at most 2 s), writes the
   * pending on-disk copy, and resolves pending ready() calls with false.
   */
  async close(): Promise<void> {
    if (this.currentStatus === 'closed') return;
    this.stream?.stop();
    this.poller?.stop();
    this.statusBeforeClose = this.currentStatus;
    this.setStatus('closed');
    for (const waiter of [...this.readyWaiters]) waiter(false);
    await Promise.all([this.writer?.flush(), this.reporter?.close()]);
    this.emitter.clear();
  }

  /** Who the metrics reports say they come from, as of now. */
  private identity(): SdkIdentity {
    const version = this.rules.version;
    return {
      name: SDK_NAME,
      version: SDK_VERSION,
      instanceId: this.instanceId,
      mode: this.currentStatus === 'closed' ? this.statusBeforeClose : this.currentStatus,
      snapshotVersion: version !== undefined && Number.isSafeInteger(version) && version >= 0 ? version : null,
    };
  }

  private loadInitialRules(options: ClientOptions, fingerprint: string | null): void {
    let bootstrap: Snapshot | undefined;
    const source = options.bootstrap;
    try {
      if (source && 'file' in source && typeof source.file === 'string') {
        bootstrap = readBootstrapFile(source.file);
      } else if (source !== undefined) {
        if (!isSnapshot(source)) throw new Error('the bootstrap object is not a snapshot');
        bootstrap = source;
      }
    } catch (err) {
      this.failLater(new Error(`bootstrap ignored: ${(err as Error).message}`, { cause: err }));
    }
    let persisted: Snapshot | undefined;
    if (options.persistPath) {
      try {
        persisted = readPersisted(options.persistPath, fingerprint);
      } catch (err) {
        this.failLater(new Error(`on-disk snapshot ignored: ${(err as Error).message}`, { cause: err }));
      }
    }
    const usePersisted = persisted !== undefined && (!bootstrap || persisted.version > bootstrap.version);
    const initial = usePersisted ? persisted : bootstrap;
    if (initial) this.accept(initial, usePersisted);
    if (bootstrap) this.isReady = true;
  }

  private onStreamMessage(message: ServerMessage): void {
    if (message.type === 'snapshot') {
      this.resyncRequested = false;
      this.accept(message.snapshot, true);
      this.streamSynced();
    } else if (message.type === 'patch') {
      const outcome = this.rules.applyPatch(message);
      if (outcome.kind === 'gap') {
        if (!this.resyncRequested) this.stream?.send({ type: 'resync' });
        this.resyncRequested = true;
        return;
      }
      if (outcome.kind === 'applied') this.changed(outcome.changed);
      this.streamSynced();
    }
  }

  /** The stream delivered current rules: polling is no longer needed. */
  private streamSynced(): void {
    this.poller?.stop();
    this.pollOk = false;
    this.markReady();
    this.updateStatus();
  }

  private accept(snapshot: Snapshot, fromServer: boolean): void {
    let changed: string[];
    try {
      changed = this.rules.replace(snapshot);
    } catch (err) {
      this.fail(new Error(`snapshot ${snapshot.version} could not be prepared: ${(err as Error).message}`, { cause: err }));
      return;
    }
    this.resumable = fromServer;
    this.changed(changed);
  }

  private changed(keys: string[]): void {
    const snapshot = this.rules.snapshot;
    if (snapshot && this.writer && this.currentStatus !== 'closed') this.writer.schedule(snapshot);
    if (keys.length > 0) this.emitter.emit('change', keys);
  }

  private markReady(): void {
    if (this.isReady || !this.rules.snapshot) return;
    this.isReady = true;
    for (const waiter of [...this.readyWaiters]) waiter(true);
    this.emitter.emit('ready');
  }

  private reject(err: Error): void {
    this.rejected = true;
    this.stream?.stop();
    this.poller?.stop();
    for (const waiter of [...this.readyWaiters]) waiter(false);
    this.updateStatus();
    this.fail(err);
  }

  /** `failed`: an attempt just failed, so 'connecting' is over even if nothing worked yet. */
  private updateStatus(failed = false): void {
    if (this.currentStatus === 'closed') return;
    let next: ClientStatus;
    if (this.rejected) next = 'offline';
    else if (this.stream?.isOpen) next = 'streaming';
    else if (this.pollOk) next = 'polling';
    else if (this.currentStatus === 'connecting' && !failed) next = 'connecting';
    else next = 'offline';
    this.setStatus(next);
  }

  private setStatus(next: ClientStatus): void {
    if (next === this.currentStatus) return;
    this.currentStatus = next;
    this.emitter.emit('status', next);
  }

  private fail(err: Error): void {
    if (this.currentStatus !== 'closed') this.emitter.emit('error', err);
  }

  /** For problems found in the constructor, reported once the caller had a chance to attach listeners. */
  private failLater(err: Error): void {
    setImmediate(() => this.fail(err));
  }
}

/** Creates a client and starts fetching the rules. Throws only for invalid options (a bad `url`, a missing `sdkKey`). */
export function createClient(options: ClientOptions): FlagsClient {
  return new FlagsClient(options);
}
