/**
 * A reporting window keeps what it counts within bounds (distinct entries, contexts, bytes) and counts
 * whatever does not fit as dropped, so the report built from it is always one the server accepts.
 */
import { MetricsReportSchema } from '@switchyard/sdk/schema';
import { describe, expect, it } from 'vitest';
import { buildReport } from '../../../sdk/src/metrics/report.ts';
import { MetricsWindow, noDrops } from '../../../sdk/src/metrics/window.ts';
import { METRICS_LIMITS } from '../../../sdk/src/model/index.ts';

const sdk = { name: '@switchyard/sdk', version: '0.1.0', instanceId: 'instance', mode: 'streaming' as const, snapshotVersion: 1 };
const reportOf = (window: MetricsWindow) => buildReport(window, sdk, window.start + 1000, noDrops());

describe('MetricsWindow', () => {
  it('is empty until something is counted or dropped', () => {
    const window = new MetricsWindow(0);
    expect(window.isEmpty).toBe(true);
    window.dropEvent();
    expect(window.isEmpty).toBe(false);
  });

  it('adds up evaluations per flag and outcome, and drops keys or variations the report cannot carry', () => {
    const window = new MetricsWindow(0);
    window.countEvaluations('a', 0, 2);
    window.countEvaluations('a', 0, 3);
    window.countEvaluations('a', 'WRONG_TYPE', 1);
    window.countEvaluations('', 'FLAG_NOT_FOUND', 4);
    window.countEvaluations('x'.repeat(101), 'FLAG_NOT_FOUND', 5);
    window.countEvaluations('a', 100, 6);
    expect(reportOf(window).evaluations).toEqual([
      { flag: 'a', variation: 0, count: 5 },
      { flag: 'a', error: 'WRONG_TYPE', count: 1 },
    ]);
    expect(window.dropped.evaluations).toBe(15);
  });

  it('counts evaluations of more than 20,000 distinct (flag, outcome) entries as dropped', () => {
    const window = new MetricsWindow(0);
    for (let i = 0; i < 20_010; i++) window.countEvaluations(`f${i}`, 0, 2);
    window.countEvaluations('f0', 0, 1);
    const report = reportOf(window);
    expect(report.evaluations).toHaveLength(METRICS_LIMITS.maxEvaluationEntries);
    expect(report.dropped.evaluations).toBe(20);
    expect(MetricsReportSchema.safeParse(report).success).toBe(true);
  });

  it('stops at the report size limit: 20,000 entries of 100-character keys would not fit in 2 MiB', () => {
    const window = new MetricsWindow(0);
    let made = 0;
    for (let i = 0; i < 20_000; i++) {
      for (const outcome of [0, 'USER_NOT_SPECIFIED'] as const) {
        window.countEvaluations(`${String(i).padStart(6, '0')}${'k'.repeat(94)}`, outcome, 100_000_000_000);
        made += 100_000_000_000;
      }
    }
    const report = reportOf(window);
    const bytes = Buffer.byteLength(JSON.stringify(report));
    expect(bytes).toBeLessThanOrEqual(METRICS_LIMITS.maxReportBytes);
    expect(report.evaluations.length).toBeLessThan(20_000);
    expect(report.evaluations.reduce((n, e) => n + e.count, 0) + report.dropped.evaluations).toBe(made);
    expect(MetricsReportSchema.safeParse(report).success).toBe(true);
  });

  it('keeps at most 1,000 event keys, and counts a value that would overflow the sums as no value', () => {
    const window = new MetricsWindow(0);
    for (let i = 0; i < 1_005; i++) window.countEvent(`event-${i}`, 1);
    expect(window.countEvent('event-0', 1e200)).toBe(true);
    expect(window.countEvent('event-1', -1e300)).toBe(true);
    expect(window.countEvent('one-too-many', 1)).toBe(false);
    const report = reportOf(window);
    expect(report.events).toHaveLength(1_000);
    expect(report.events[0]).toEqual({ key: 'event-0', count: 2, valueCount: 1, sum: 1, sumSquares: 1 });
    expect(report.events[1]).toEqual({ key: 'event-1', count: 2, valueCount: 1, sum: 1, sumSquares: 1 });
    expect(report.dropped.events).toBe(6);
    expect(MetricsReportSchema.safeParse(report).success).toBe(true);
  });

  it('keeps each context once per set, at most 10,000 distinct contexts and no key longer than 1,024 characters', () => {
    const window = new MetricsWindow(0);
    for (let i = 0; i < 10_000; i++) window.expose('a', 'salt', 0, `c${i}`);
    window.expose('a', 'salt', 0, 'c1');
    window.expose('a', 'salt', 1, 'c1');
    window.expose('b', 'salt', 0, 'c2');
    window.attribute('a', 'salt', 0, 'purchase', 'c3', 2);
    window.expose('a', 'salt', 0, 'new-context');
    window.attribute('a', 'salt', 0, 'purchase', 'another-new-context', 2);
    window.expose('c', 'salt', 0, 'x'.repeat(1025));
    const report = reportOf(window);
    const hashes = report.guarded.reduce((n, g) => n + g.exposures.length + g.metrics.reduce((m, x) => m + x.contexts.length, 0), 0);
    expect(hashes).toBe(10_003);
    expect(report.dropped.contexts).toBe(3);
    expect(report.guarded.find((g) => g.flag === 'a' && g.variation === 0)!.metrics).toEqual([
      { key: 'purchase', count: 2, valueCount: 2, sum: 4, sumSquares: 8, contexts: [expect.stringMatching(/^[0-9a-f]{16}$/)] },
    ]);
  });

  it('keeps at most 50,000 context hashes, 1,000 guarded entries and 20 metrics per entry', () => {
    const window = new MetricsWindow(0);
    for (let v = 0; v < 6; v++) for (let i = 0; i < 9_000; i++) window.expose('a', 'salt', v, `c${i}`);
    for (let f = 0; f < 1_001; f++) window.expose(`flag-${f}`, 'salt', 0, 'c1');
    for (let m = 0; m < 21; m++) window.attribute('a', 'salt', 0, `metric-${m}`, 'c1', undefined);
    const report = reportOf(window);
    expect(report.guarded).toHaveLength(METRICS_LIMITS.maxGuardedEntries);
    expect(report.guarded.find((g) => g.flag === 'a' && g.variation === 0)!.metrics).toHaveLength(20);
    const hashes = report.guarded.reduce((n, g) => n + g.exposures.length + g.metrics.reduce((m, x) => m + x.contexts.length, 0), 0);
    expect(hashes).toBe(METRICS_LIMITS.maxContextHashes);
    // Past 50,000 hashes: 4,000 exposures of `a`; one flag-i each (994 with an entry, 7 without); 21 metric contexts.
    expect(report.dropped.contexts).toBe(4_000 + 1_001 + 21);
    expect(MetricsReportSchema.safeParse(report).success).toBe(true);
  });
});
