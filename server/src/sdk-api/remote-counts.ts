import { createHmac, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type DroppedCounts,
  type EvaluationCount,
  type GuardedVariationSummary,
  METRICS_LIMITS,
  type MetricsErrorKind,
  type MetricsReport,
} from '@switchyard/sdk/model';
import { NotFoundError } from '../errors/index.ts';
import type { ServedFlags } from '../snapshots/eval-cache.ts';

/** Stores a report as if an SDK had sent it (the ingest path of POST /sdk/metrics). */
export type SubmitReport = (environmentId: string, report: MetricsReport) => Promise<unknown>;

type Log = { warn(details: object, message: string): void };

/** Counts of one flag: per variation index, and per error kind. */
type FlagTally = { variations: number[]; errors: Map<string, number> | null };

/** What one environment's remote evaluations served since the last report. */
type Window = {
  start: number;
  snapshotVersion: number;
  flags: Map<string, FlagTally>;
  /** Distinct (flag, variation or error) entries, bounded by METRICS_LIMITS.maxEvaluationEntries. */
  entries: number;
  /**
   * Guarded flag -> variation -> context key -> its contextHash. Keyed by the raw key (which never leaves
   * the process) so that a context evaluated again in the window costs a lookup, not another HMAC.
   */
  exposures: Map<string, Map<number, Map<string, string>>>;
  guardedEntries: number;
  hashes: number;
  dropped: DroppedCounts;
};

const SERVER_VERSION: string = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version;
/** Reports kept for another try while the database is unreachable (per replica); the oldest are given up beyond. */
const MAX_UNSENT_REPORTS = 100;
/** How long close() waits for the last reports to be stored. */
const CLOSE_WAIT_MS = 3_000;

const noDrops = (): DroppedCounts => ({ evaluations: 0, events: 0, contexts: 0, reports: 0 });

/**
 * The server's own counts of the remote evaluations it answered (POST /sdk/evaluate), kept in memory
 * per environment and sent every interval as an ordinary metrics report (mode `server`), through the
 * same inbox as the SDKs' reports: idempotent by report id, folded the same way. A report that could
 * not be stored is tried again with the same id; memory is bounded as in the SDK, and what does not
 * fit is reported as dropped.
 */
export class RemoteEvaluationCounts {
  private windows = new Map<string, Window>();
  private unsent: { environmentId: string; report: MetricsReport }[] = [];
  /** Drops of reports given up on, to be told in the environment's next report. */
  private readonly carriedDrops = new Map<string, DroppedCounts>();
  private readonly timer: NodeJS.Timeout;
  private flushing: Promise<void> | null = null;

  constructor(private readonly deps: { instanceId: string; submit: SubmitReport; flushIntervalMs: number; log: Log }) {
    this.timer = setInterval(() => void this.flush(), deps.flushIntervalMs);
    this.timer.unref();
  }

  /**
   * Counts one answer: each flag's variation or error kind, and for flags under a guarded release
   * (`guarded`: flag key -> salt), the context's exposure to the variation it was served.
   */
  count(
    environmentId: string,
    snapshotVersion: number,
    served: ServedFlags,
    guarded: ReadonlyMap<string, string>,
    contextKey: string,
  ): void {
    let window = this.windows.get(environmentId);
    if (!window) this.windows.set(environmentId, (window = newWindow()));
    window.snapshotVersion = snapshotVersion;
    const { flags, outcomes } = served;
    for (let i = 0; i < flags.length; i++) {
      const flag = flags[i]!;
      const outcome = outcomes[i]!;
      tally(window, flag, outcome);
      if (guarded.size > 0 && typeof outcome === 'number') {
        const salt = guarded.get(flag);
        if (salt !== undefined) expose(window, flag, outcome, salt, contextKey);
      }
    }
  }

  /** Sends what was counted (and what is still unsent); one flush at a time. */
  flush(): Promise<void> {
    this.flushing ??= this.sendAll().finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }

  /** Stops the timer and sends what was counted, waiting a bounded time for the database. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flushing;
    await Promise.race([this.flush(), sleep(CLOSE_WAIT_MS, undefined, { ref: false })]);
  }

  private async sendAll(): Promise<void> {
    const end = Date.now();
    for (const [environmentId, window] of this.windows)
      this.unsent.push({ environmentId, report: this.reportOf(environmentId, window, end) });
    this.windows = new Map();
    while (this.unsent.length > MAX_UNSENT_REPORTS) this.giveUp(this.unsent.shift()!);
    const pending = this.unsent;
    this.unsent = [];
    for (const [i, item] of pending.entries()) {
      try {
        await this.deps.submit(item.environmentId, item.report);
      } catch (error) {
        if (error instanceof NotFoundError) continue; // the environment was deleted: nobody is left to read these counts
        this.unsent.push(...pending.slice(i));
        this.deps.log.warn({ err: error }, 'could not store the counts of remote evaluations; they are sent again later');
        return;
      }
    }
  }

  private reportOf(environmentId: string, window: Window, end: number): MetricsReport {
    const evaluations: EvaluationCount[] = [];
    for (const [flag, { variations, errors }] of window.flags) {
      variations.forEach((count, variation) => {
        if (count) evaluations.push({ flag, variation, count });
      });
      for (const [error, count] of errors ?? []) evaluations.push({ flag, error: error as MetricsErrorKind, count });
    }
    const guarded: GuardedVariationSummary[] = [];
    for (const [flag, byVariation] of window.exposures) {
      for (const [variation, contexts] of byVariation) guarded.push({ flag, variation, exposures: [...contexts.values()], metrics: [] });
    }
    const carried = this.carriedDrops.get(environmentId);
    this.carriedDrops.delete(environmentId);
    const dropped = window.dropped;
    return {
      reportId: randomUUID(),
      sdk: {
        name: '@switchyard/server',
        version: SERVER_VERSION,
        instanceId: this.deps.instanceId,
        mode: 'server',
        snapshotVersion: window.snapshotVersion,
      },
      window: { start: window.start, end },
      evaluations,
      events: [],
      guarded,
      dropped: carried
        ? {
            evaluations: dropped.evaluations + carried.evaluations,
            events: 0,
            contexts: dropped.contexts + carried.contexts,
            reports: dropped.reports + carried.reports,
          }
        : dropped,
    };
  }

  /** A report that cannot be kept any longer: its counts become drops in the environment's next report. */
  private giveUp({ environmentId, report }: { environmentId: string; report: MetricsReport }): void {
    const carried = this.carriedDrops.get(environmentId) ?? noDrops();
    carried.reports += 1;
    carried.evaluations += report.evaluations.reduce((sum, e) => sum + e.count, 0);
    carried.contexts += report.guarded.reduce((sum, g) => sum + g.exposures.length, 0);
    this.carriedDrops.set(environmentId, carried);
  }
}

function newWindow(): Window {
  return {
    start: Date.now(),
    snapshotVersion: 0,
    flags: new Map(),
    entries: 0,
    exposures: new Map(),
    guardedEntries: 0,
    hashes: 0,
    dropped: noDrops(),
  };
}

function tally(window: Window, flag: string, outcome: number | string): void {
  let counts = window.flags.get(flag);
  if (typeof outcome === 'number') {
    if (counts?.variations[outcome]) {
      counts.variations[outcome]++;
      return;
    }
    if (!hasRoomForEntry(window)) return;
    if (!counts) window.flags.set(flag, (counts = { variations: [], errors: null }));
    counts.variations[outcome] = 1;
    return;
  }
  const errors = counts?.errors;
  const count = errors?.get(outcome);
  if (errors && count !== undefined) {
    errors.set(outcome, count + 1);
    return;
  }
  if (!hasRoomForEntry(window)) return;
  if (!counts) window.flags.set(flag, (counts = { variations: [], errors: null }));
  (counts.errors ??= new Map()).set(outcome, 1);
}

function hasRoomForEntry(window: Window): boolean {
  if (window.entries >= METRICS_LIMITS.maxEvaluationEntries) {
    window.dropped.evaluations++;
    return false;
  }
  window.entries++;
  return true;
}

function expose(window: Window, flag: string, variation: number, salt: string, contextKey: string): void {
  let byVariation = window.exposures.get(flag);
  let contexts = byVariation?.get(variation);
  if (contexts?.has(contextKey)) return;
  if (window.hashes >= METRICS_LIMITS.maxContextHashes || (!contexts && window.guardedEntries >= METRICS_LIMITS.maxGuardedEntries)) {
    window.dropped.contexts++;
    return;
  }
  if (!byVariation) window.exposures.set(flag, (byVariation = new Map()));
  if (!contexts) {
    byVariation.set(variation, (contexts = new Map()));
    window.guardedEntries++;
  }
  // contextHash as the SDK computes it: HMAC-SHA-256 keyed by the flag's salt, its first 16 hex digits.
  contexts.set(contextKey, createHmac('sha256', salt).update(contextKey).digest('hex').slice(0, 16));
  window.hashes++;
}
