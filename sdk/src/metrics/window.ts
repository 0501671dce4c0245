/**
 * What one client counted in one reporting window, in memory, bounded: evaluations per (flag,
 * variation or error), track() calls per event key, and for flags under a guarded release the raw
 * context keys exposed to each variation and the events they tracked. What does not fit is counted in
 * `dropped`, never silently lost. The bounds keep the report it becomes within the schema's limits
 * (METRICS_LIMITS, body size included) and the memory within a few megabytes.
 */
import { type DroppedCounts, LIMITS, METRICS_LIMITS, type MetricsErrorKind } from '../model/index.ts';
import { CLIENT_METRICS_BOUNDS } from './bounds.ts';

type Totals = { count: number; valueCount: number; sum: number; sumSquares: number };
type GuardedMetric = Totals & { contexts: Set<string> };
type GuardedVariation = { exposures: Set<string>; metrics: Map<string, GuardedMetric> };
type GuardedFlag = { salt: string; variations: Map<number, GuardedVariation> };

// Upper bounds of each piece's size in the report's JSON (counts have at most 16 digits, sums at most
// 24 characters), so that a window that fits its byte budget always makes a report the server accepts.
const REPORT_FRAME_BYTES = 1024;
const EVALUATION_ENTRY_BYTES = 72;
const EVENT_ENTRY_BYTES = 140;
const GUARDED_ENTRY_BYTES = 64;
const GUARDED_METRIC_BYTES = 160;
const CONTEXT_HASH_BYTES = 19;

const jsonBytes = (key: string) => Buffer.byteLength(JSON.stringify(key));
const isFlagKey = (key: unknown): key is string => typeof key === 'string' && key.length > 0 && key.length <= LIMITS.maxKeyLength;

export function noDrops(): DroppedCounts {
  return { evaluations: 0, events: 0, contexts: 0, reports: 0 };
}

export function addDrops(into: DroppedCounts, more: DroppedCounts): void {
  into.evaluations += more.evaluations;
  into.events += more.events;
  into.contexts += more.contexts;
  into.reports += more.reports;
}

/** Adds one occurrence; a value whose sum or square would overflow is counted as no value. */
function add(totals: Totals, value: number | undefined): void {
  totals.count++;
  if (value === undefined) return;
  const sum = totals.sum + value;
  const sumSquares = totals.sumSquares + value * value;
  if (!Number.isFinite(sum) || !Number.isFinite(sumSquares)) return;
  totals.valueCount++;
  totals.sum = sum;
  totals.sumSquares = sumSquares;
}

export class MetricsWindow {
  readonly evaluations = new Map<string, Map<number | MetricsErrorKind, number>>();
  readonly events = new Map<string, Totals>();
  readonly guarded = new Map<string, GuardedFlag>();
  readonly dropped: DroppedCounts = noDrops();
  /** Distinct raw context keys in the guarded sets. */
  private readonly contexts = new Set<string>();
  /** Entries of all guarded sets together: the context hashes of the report. */
  private contextHashes = 0;
  private evaluationEntries = 0;
  private guardedEntries = 0;
  /** An upper bound of the report's size in bytes. */
  private bytes = REPORT_FRAME_BYTES;

  constructor(readonly start: number) {}

  /** Nothing counted and nothing dropped. */
  get isEmpty(): boolean {
    const d = this.dropped;
    return (
      this.evaluations.size === 0 &&
      this.events.size === 0 &&
      this.guarded.size === 0 &&
      d.evaluations === 0 &&
      d.events === 0 &&
      d.contexts === 0 &&
      d.reports === 0
    );
  }

  countEvaluations(flagKey: string, outcome: number | MetricsErrorKind, count: number): void {
    if (!isFlagKey(flagKey) || (typeof outcome === 'number' && !(outcome >= 0 && outcome < LIMITS.maxVariations))) {
      this.dropped.evaluations += count;
      return;
    }
    let byOutcome = this.evaluations.get(flagKey);
    const known = byOutcome?.get(outcome);
    if (known !== undefined) {
      byOutcome!.set(outcome, known + count);
      return;
    }
    if (this.evaluationEntries >= METRICS_LIMITS.maxEvaluationEntries || !this.take(jsonBytes(flagKey) + EVALUATION_ENTRY_BYTES)) {
      this.dropped.evaluations += count;
      return;
    }
    if (!byOutcome) this.evaluations.set(flagKey, (byOutcome = new Map()));
    byOutcome.set(outcome, count);
    this.evaluationEntries++;
  }

  /** Counts a track() call of a valid key. False when the key could not be kept (then counted as a dropped event). */
  countEvent(key: string, value: number | undefined): boolean {
    let totals = this.events.get(key);
    if (!totals) {
      if (this.events.size >= METRICS_LIMITS.maxEventKeys || !this.take(jsonBytes(key) + EVENT_ENTRY_BYTES)) {
        this.dropped.events++;
        return false;
      }
      this.events.set(key, (totals = { count: 0, valueCount: 0, sum: 0, sumSquares: 0 }));
    }
    add(totals, value);
    return true;
  }

  dropEvent(): void {
    this.dropped.events++;
  }

  /** A counted evaluation of a guarded flag served `variation` to `contextKey`. */
  expose(flagKey: string, salt: string, variation: number, contextKey: string): void {
    const served = this.guardedVariation(flagKey, salt, variation);
    if (served) this.remember(served.exposures, contextKey);
    else this.dropped.contexts++;
  }

  /** A track() of `metricKey` by a context that a guarded flag serves `variation`. */
  attribute(flagKey: string, salt: string, variation: number, metricKey: string, contextKey: string, value: number | undefined): void {
    const served = this.guardedVariation(flagKey, salt, variation);
    let metric = served?.metrics.get(metricKey);
    if (served && !metric) {
      if (served.metrics.size < METRICS_LIMITS.maxGuardedMetrics && this.take(jsonBytes(metricKey) + GUARDED_METRIC_BYTES)) {
        served.metrics.set(metricKey, (metric = { count: 0, valueCount: 0, sum: 0, sumSquares: 0, contexts: new Set() }));
      }
    }
    if (!metric) {
      this.dropped.contexts++;
      return;
    }
    add(metric, value);
    this.remember(metric.contexts, contextKey);
  }

  private guardedVariation(flagKey: string, salt: string, variation: number): GuardedVariation | undefined {
    let flag = this.guarded.get(flagKey);
    let served = flag?.variations.get(variation);
    if (served) {
      // A flag deleted and created again under the same key has a new salt: hash with the newest.
      flag!.salt = salt;
      return served;
    }
    if (!isFlagKey(flagKey) || !(variation >= 0 && variation < LIMITS.maxVariations)) return undefined;
    if (this.guardedEntries >= METRICS_LIMITS.maxGuardedEntries || !this.take(jsonBytes(flagKey) + GUARDED_ENTRY_BYTES)) return undefined;
    if (!flag) this.guarded.set(flagKey, (flag = { salt, variations: new Map() }));
    flag.salt = salt;
    flag.variations.set(variation, (served = { exposures: new Set(), metrics: new Map() }));
    this.guardedEntries++;
    return served;
  }

  /** Adds a context key to one guarded set, within the bounds on distinct keys, hashes and bytes. */
  private remember(set: Set<string>, contextKey: string): void {
    if (set.has(contextKey)) return;
    const known = this.contexts.has(contextKey);
    if (
      contextKey.length > LIMITS.maxContextKeyLength ||
      (!known && this.contexts.size >= CLIENT_METRICS_BOUNDS.maxContexts) ||
      this.contextHashes >= METRICS_LIMITS.maxContextHashes ||
      !this.take(CONTEXT_HASH_BYTES)
    ) {
      this.dropped.contexts++;
      return;
    }
    if (!known) this.contexts.add(contextKey);
    set.add(contextKey);
    this.contextHashes++;
  }

  /** Reserves `bytes` of the report's size; false when they would take it past the limit. */
  private take(bytes: number): boolean {
    if (this.bytes + bytes > METRICS_LIMITS.maxReportBytes) return false;
    this.bytes += bytes;
    return true;
  }
}
