/**
 * A closed window becomes a MetricsReport: raw context keys are hashed here (and only here), with the
 * salt of their flag, so what is queued and sent never holds a raw key or any context attribute.
 */
import { randomUUID } from 'node:crypto';
import {
  type DroppedCounts,
  type EvaluationCount,
  type GuardedVariationSummary,
  METRICS_LIMITS,
  type MetricsReport,
  type SdkIdentity,
} from '../model/index.ts';
import { contextHash } from './context-hash.ts';
import { addDrops, type MetricsWindow, noDrops } from './window.ts';

function evaluationCounts(window: MetricsWindow): EvaluationCount[] {
  const counts: EvaluationCount[] = [];
  for (const [flag, byOutcome] of window.evaluations) {
    for (const [outcome, count] of byOutcome) {
      counts.push(typeof outcome === 'number' ? { flag, variation: outcome, count } : { flag, error: outcome, count });
    }
  }
  return counts;
}

function guardedSummaries(window: MetricsWindow): GuardedVariationSummary[] {
  const summaries: GuardedVariationSummary[] = [];
  for (const [flag, { salt, variations }] of window.guarded) {
    const hashes = new Map<string, string>();
    const hashAll = (keys: Set<string>) =>
      [...keys].map((key) => {
        let hash = hashes.get(key);
        if (hash === undefined) hashes.set(key, (hash = contextHash(salt, key)));
        return hash;
      });
    for (const [variation, served] of variations) {
      summaries.push({
        flag,
        variation,
        exposures: hashAll(served.exposures),
        metrics: [...served.metrics].map(([key, m]) => ({
          key,
          count: m.count,
          valueCount: m.valueCount,
          sum: m.sum,
          sumSquares: m.sumSquares,
          contexts: hashAll(m.contexts),
        })),
      });
    }
  }
  return summaries;
}

/**
 * The report of `window`, ending at `end`, with `carried` (what earlier reports given up on held) added
 * to its drops. The window is clamped to what the server accepts: never longer than maxWindowMs, never
 * ending before it starts (the clock may step back).
 */
export function buildReport(window: MetricsWindow, sdk: SdkIdentity, end: number, carried: DroppedCounts): MetricsReport {
  const start = Math.max(window.start, end - METRICS_LIMITS.maxWindowMs);
  const dropped = noDrops();
  addDrops(dropped, window.dropped);
  addDrops(dropped, carried);
  return {
    reportId: randomUUID(),
    sdk,
    window: { start, end: Math.max(start, end) },
    evaluations: evaluationCounts(window),
    events: [...window.events].map(([key, t]) => ({ key, count: t.count, valueCount: t.valueCount, sum: t.sum, sumSquares: t.sumSquares })),
    guarded: guardedSummaries(window),
    dropped,
  };
}

/** What giving up on `report` adds to the next report's drops: everything it counted, its own drops, and itself. */
export function givenUp(report: MetricsReport): DroppedCounts {
  const tally = { ...report.dropped };
  for (const e of report.evaluations) tally.evaluations += e.count;
  for (const e of report.events) tally.events += e.count;
  for (const g of report.guarded) {
    tally.contexts += g.exposures.length;
    for (const m of g.metrics) tally.contexts += m.contexts.length;
  }
  tally.reports += 1;
  return tally;
}
