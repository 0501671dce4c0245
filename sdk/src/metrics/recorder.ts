/**
 * A client's side of the counting: it prepares the client's rules with counters (the engine counts
 * each evaluation in them, ../engine/counters.ts), harvests those counts into the current window when
 * the rules are replaced or a report is due, records guarded-release exposures, and counts track().
 */
import { harvestCounts, recountAsError } from '../engine/counters.ts';
import { servedVariation } from '../engine/evaluate.ts';
import { prepareCountedSnapshot, preparePatched, prepareSnapshot, prepareSnapshotFrom } from '../engine/prepare/snapshot.ts';
import { EvaluationCounters, type ExposureListener, type PreparedFlag, type PreparedSnapshot } from '../engine/prepared.ts';
import {
  type Context,
  EVENT_KEY_PATTERN,
  type FlagDefinition,
  METRICS_LIMITS,
  type MetricsErrorKind,
  type Snapshot,
} from '../model/index.ts';
import { CLIENT_METRICS_BOUNDS } from './bounds.ts';
import { MetricsWindow } from './window.ts';

function contextKeyOf(context: Context): string | undefined {
  const key = typeof context === 'object' && context !== null ? context.key : undefined;
  return typeof key === 'string' && key !== '' ? key : undefined;
}

function isEventKey(key: unknown): key is string {
  return typeof key === 'string' && key.length <= METRICS_LIMITS.maxEventKeyLength && EVENT_KEY_PATTERN.test(key);
}

/** Event key -> the flags of `snapshot` whose guarded release measures it. */
function guardedFlagsByEvent(snapshot: PreparedSnapshot): Map<string, PreparedFlag[]> {
  const index = new Map<string, PreparedFlag[]>();
  for (const flag of snapshot.flags.values()) {
    for (const key of flag.guardedMetrics) {
      const flags = index.get(key);
      if (flags) flags.push(flag);
      else index.set(key, [flag]);
    }
  }
  return index;
}

export class MetricsRecorder {
  private window: MetricsWindow;
  private current: PreparedSnapshot | undefined;
  private guardedByEvent = new Map<string, PreparedFlag[]>();
  private enabled = true;
  private readonly onExposure: ExposureListener = (flag, variation, contextKey) => {
    if (this.enabled) this.window.expose(flag.key, flag.salt, variation, contextKey);
  };

  constructor(now: number) {
    this.window = new MetricsWindow(now);
  }

  /** Prepares rules whose evaluations are counted (once disabled, rules that count nothing). */
  prepare(snapshot: Snapshot): PreparedSnapshot {
    if (!this.enabled) return prepareSnapshot(snapshot);
    return prepareCountedSnapshot(snapshot, this.newCounters());
  }

  /**
   * As prepare(next), reusing the prepared flags `next` has unchanged, counts included: adopt() then
   * harvests `previous`, so what they counted before goes to the window once and later counts stay for
   * the next harvest.
   */
  prepareFrom(next: Snapshot, previous: { snapshot: Snapshot; prepared: PreparedSnapshot }): PreparedSnapshot {
    return prepareSnapshotFrom(next, previous, this.enabled ? this.newCounters() : null);
  }

  /** As prepareFrom, for a patch of flags only (see preparePatched); counts of the flags kept stay with them likewise. */
  preparePatched(
    previous: PreparedSnapshot,
    version: number,
    changes: ReadonlyMap<string, FlagDefinition | null>,
  ): PreparedSnapshot | undefined {
    return preparePatched(previous, version, changes, this.enabled ? this.newCounters() : null);
  }

  /** `next` replaces `previous` as the rules evaluations use: what was counted in `previous` goes to the window. */
  adopt(next: PreparedSnapshot, previous: PreparedSnapshot | undefined): void {
    if (previous) this.harvest(previous);
    this.current = next;
    this.guardedByEvent = guardedFlagsByEvent(next);
  }

  /** An evaluation the engine never saw: before any rules (CLIENT_NOT_READY) or failing in the client (EXCEPTION). */
  countClientError(flagKey: string, kind: MetricsErrorKind): void {
    if (this.enabled) this.window.countEvaluations(flagKey, kind, 1);
  }

  /** The evaluation just counted as serving `variation` gave the caller its default: the value had another JSON type. */
  countWrongType(prepared: PreparedSnapshot, flagKey: string, variation: number): void {
    try {
      recountAsError(prepared, flagKey, variation, 'WRONG_TYPE');
    } catch {
      // counting is best effort; the caller's answer is what matters
    }
  }

  /**
   * Counts a track() call, and attributes it to the variation each guarded flag measuring `eventKey`
   * serves `context` (evaluated here, not counted as an evaluation). An invalid key or a context without
   * a key is counted as a dropped event; a value that is not a finite number as no value.
   */
  track(eventKey: string, context: Context, value: unknown): void {
    if (!this.enabled) return;
    const contextKey = contextKeyOf(context);
    if (!isEventKey(eventKey) || contextKey === undefined) {
      this.window.dropEvent();
      return;
    }
    const numeric = typeof value === 'number' && Number.isFinite(value) ? value : undefined;
    if (!this.window.countEvent(eventKey, numeric)) return;
    const flags = this.guardedByEvent.get(eventKey);
    if (flags === undefined || this.current === undefined) return;
    for (const flag of flags) {
      const variation = servedVariation(this.current, flag, context);
      if (variation !== null) this.window.attribute(flag.key, flag.salt, variation, eventKey, contextKey, numeric);
    }
  }

  /** Ends the current window at `now` (taking in what the rules in use counted) and starts the next. */
  takeWindow(now: number): MetricsWindow {
    if (this.current) this.harvest(this.current);
    const closed = this.window;
    this.window = new MetricsWindow(now);
    return closed;
  }

  /** Stops counting for good (the server refused the key): counts are still reset, then discarded. */
  disable(): void {
    this.enabled = false;
    this.window = new MetricsWindow(0);
  }

  private newCounters(): EvaluationCounters {
    return new EvaluationCounters(this.onExposure, CLIENT_METRICS_BOUNDS.maxUnknownFlagKeys);
  }

  private harvest(prepared: PreparedSnapshot): void {
    if (!this.enabled) {
      harvestCounts(prepared, () => undefined);
      return;
    }
    const window = this.window;
    window.dropped.evaluations += harvestCounts(prepared, (flagKey, outcome, count) => window.countEvaluations(flagKey, outcome, count));
  }
}
