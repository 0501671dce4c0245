/**
 * A release plan's guard over time: the statistics of the old and the new variation summed step by
 * step from the plan's start, each point judged as the guard judges (guard-verdict.ts), so a chart
 * shows the estimates, the confidence sequence and the threshold as they stood at every step. Pure code.
 */
import { type ArmStatistics, judgeMetric } from './guard-verdict.ts';
import type { GuardHistoryView, ReleaseDefinition } from './schemas.ts';

/** A history holds at most this many points: the step is the smallest of HISTORY_STEPS_MS that fits. */
export const MAX_HISTORY_POINTS = 120;
const HISTORY_STEPS_MS = [1, 5, 10, 30, 60, 300, 900, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 86_400].map((s) => s * 1000);

export function historyStepMs(spanMs: number): number {
  const fits = (step: number) => Math.ceil(spanMs / step) <= MAX_HISTORY_POINTS;
  return HISTORY_STEPS_MS.find(fits) ?? Math.ceil(spanMs / MAX_HISTORY_POINTS / 86_400_000) * 86_400_000;
}

/** Rows counted per step (step k: from origin + k·step to origin + (k+1)·step; step 0 also holds what came before). */
export type HistoryRows = {
  exposed: { step: number; variation: number; contexts: number }[];
  converted: { step: number; variation: number; metricKey: string; contexts: number }[];
  sums: { step: number; variation: number; metricKey: string; valueCount: number; sum: number; sumSquares: number }[];
};

type Timeline = { origin: Date; until: Date; stepMs: number };

export function guardHistoryMetrics(definition: ReleaseDefinition, rows: HistoryRows, timeline: Timeline): GuardHistoryView['metrics'] {
  const { origin, until, stepMs } = timeline;
  const count = Math.max(1, Math.ceil((until.getTime() - origin.getTime()) / stepMs));
  const ends = Array.from({ length: count }, (_, k) => Math.min(origin.getTime() + (k + 1) * stepMs, until.getTime()));
  const upTo = <T extends { step: number }>(list: T[], k: number) => list.filter((row) => Math.min(row.step, count - 1) <= k);

  return (definition.guard?.metrics ?? []).map((metric) => {
    const arm = (variation: number, k: number): ArmStatistics => {
      const sums = upTo(rows.sums, k).filter((r) => r.variation === variation && r.metricKey === metric.key);
      return {
        exposedContexts: total(upTo(rows.exposed, k).filter((r) => r.variation === variation)),
        contextsWithEvent: total(upTo(rows.converted, k).filter((r) => r.variation === variation && r.metricKey === metric.key)),
        valueCount: sums.reduce((n, r) => n + r.valueCount, 0),
        sum: sums.reduce((n, r) => n + r.sum, 0),
        sumSquares: sums.reduce((n, r) => n + r.sumSquares, 0),
      };
    };
    return {
      key: metric.key,
      kind: metric.kind,
      direction: metric.direction,
      points: ends.map((end, k) => {
        const {
          metricKey: _key,
          reason: _reason,
          ...verdict
        } = judgeMetric(metric, arm(definition.controlVariation, k), arm(definition.variation, k));
        return { at: new Date(end).toISOString(), ...verdict };
      }),
    };
  });
}

const total = (rows: { contexts: number }[]) => rows.reduce((n, r) => n + r.contexts, 0);
