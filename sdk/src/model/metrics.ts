/**
 * What an SDK reports to `POST /sdk/metrics`: evaluation counts, custom events, the guarded-release
 * exposures and events, and who the SDK is. Counts only: no context attributes ever, and context keys
 * only as `contextHash` digests, and only for flags under a guarded release (where a distinct count of
 * contexts needs them).
 */
import type { ErrorKind } from './evaluation.ts';

/** The client's own error on top of the engine's: evaluated before any rules arrived. */
export type MetricsErrorKind = ErrorKind | 'CLIENT_NOT_READY';

export const METRICS_ERROR_KINDS: readonly MetricsErrorKind[] = Object.freeze([
  'FLAG_NOT_FOUND',
  'MALFORMED_FLAG',
  'USER_NOT_SPECIFIED',
  'WRONG_TYPE',
  'EXCEPTION',
  'CLIENT_NOT_READY',
]);

/**
 * How the reporter gets its rules: a client's status (`streaming`, `polling`, `offline`, `connecting`),
 * `remote` for an SDK that asks the server to evaluate, `server` for the counts the server keeps of the
 * evaluations it made itself (remote evaluation, OFREP).
 */
export const SDK_MODES = Object.freeze(['streaming', 'polling', 'offline', 'connecting', 'remote', 'server'] as const);
export type SdkMode = (typeof SDK_MODES)[number];

export type SdkIdentity = {
  /** e.g. `@switchyard/sdk`. */
  name: string;
  version: string;
  /** Random per SDK instance (per process, per client object). */
  instanceId: string;
  mode: SdkMode;
  /** The version of the rules the instance evaluates with; null before it has any. */
  snapshotVersion: number | null;
};

/** How many times a flag served one variation (`variation`) or failed with one error (`error`) in the window. */
export type EvaluationCount = { flag: string; variation: number; count: number } | { flag: string; error: MetricsErrorKind; count: number };

/**
 * `track()` calls of one event key in the window: all of them (`count`), and of those given a numeric
 * value, how many (`valueCount`), their sum and their sum of squares.
 */
export type EventSummary = { key: string; count: number; valueCount: number; sum: number; sumSquares: number };

/** One metric of a guarded flag, for the contexts served one variation. */
export type GuardedMetricSummary = {
  key: string;
  count: number;
  valueCount: number;
  sum: number;
  sumSquares: number;
  /** `contextHash` of each context that tracked this event at least once in the window. */
  contexts: string[];
};

/** A flag under a guarded release, one variation: who was exposed and what they tracked. */
export type GuardedVariationSummary = {
  flag: string;
  variation: number;
  /** `contextHash` of each context served this variation in the window. */
  exposures: string[];
  metrics: GuardedMetricSummary[];
};

/** What the SDK could not keep (bounded memory, a queue of unsent reports) since its last accepted report. */
export type DroppedCounts = {
  /** Evaluations not counted (too many distinct flag keys in one window) or in reports given up on. */
  evaluations: number;
  /** `track()` calls not counted. */
  events: number;
  /** Guarded exposures and event contexts not recorded (too many distinct contexts in one window). */
  contexts: number;
  /** Whole reports given up on (queue full, too old, refused as invalid). */
  reports: number;
};

export type MetricsReport = {
  /** A UUID, new per report; a retry sends the same report with the same id, and the server keeps each id once. */
  reportId: string;
  sdk: SdkIdentity;
  /** Epoch milliseconds: when counting for this report started and ended. */
  window: { start: number; end: number };
  evaluations: EvaluationCount[];
  events: EventSummary[];
  guarded: GuardedVariationSummary[];
  dropped: DroppedCounts;
};

/** Bounds of one report (the schema refuses more) and of what an SDK keeps in memory. */
export const METRICS_LIMITS = Object.freeze({
  /** Body size of `POST /sdk/metrics`. */
  maxReportBytes: 2 * 1024 * 1024,
  /** Distinct (flag, variation or error) entries per report. */
  maxEvaluationEntries: 20_000,
  /** Distinct event keys per report. */
  maxEventKeys: 1_000,
  /** Length of an event key (as a flag key). */
  maxEventKeyLength: 100,
  /** Guarded (flag, variation) entries per report. */
  maxGuardedEntries: 1_000,
  /** Metrics of one guarded flag. */
  maxGuardedMetrics: 20,
  /** Context hashes across one report (exposures and metric contexts together). */
  maxContextHashes: 50_000,
  /** A window longer than this is refused: an SDK never counts that long without reporting. */
  maxWindowMs: 24 * 60 * 60 * 1000,
});

/** Event keys (`track(eventKey, ...)`) and guarded metric keys. */
export const EVENT_KEY_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]*$/;

/** `contextHash` values: 16 lowercase hex digits (64 bits of an HMAC-SHA-256; see the SDK's metrics/). */
export const CONTEXT_HASH_PATTERN = /^[0-9a-f]{16}$/;
