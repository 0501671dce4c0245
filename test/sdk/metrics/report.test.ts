/**
 * A window becomes a report: context keys leave only as contextHash (HMAC-SHA-256 keyed by the flag's
 * salt, first 16 hex digits), the window is clamped to what the server accepts, and a report given up
 * on is tallied into drops.
 */
import { createHmac } from 'node:crypto';
import { MetricsReportSchema } from '@switchyard/sdk/schema';
import { describe, expect, it } from 'vitest';
import { contextHash } from '../../../sdk/src/metrics/context-hash.ts';
import { buildReport, givenUp } from '../../../sdk/src/metrics/report.ts';
import { MetricsWindow, noDrops } from '../../../sdk/src/metrics/window.ts';
import { CONTEXT_HASH_PATTERN, METRICS_LIMITS } from '../../../sdk/src/model/index.ts';

const sdk = { name: '@switchyard/sdk', version: '0.1.0', instanceId: 'instance', mode: 'polling' as const, snapshotVersion: null };

describe('contextHash', () => {
  it('is the first 16 hex digits of HMAC-SHA-256 keyed by the salt over the UTF-8 key', () => {
    for (const [salt, key] of [
      ['checkout-salt', 'user-1'],
      ['', 'ünïcödé-ключ-🔑'],
      ['s', 'x'.repeat(1024)],
    ] as const) {
      const hash = contextHash(salt, key);
      expect(hash).toMatch(CONTEXT_HASH_PATTERN);
      expect(hash).toBe(createHmac('sha256', salt).update(Buffer.from(key, 'utf8')).digest('hex').slice(0, 16));
    }
    expect(contextHash('salt-a', 'user-1')).not.toBe(contextHash('salt-b', 'user-1'));
  });
});

describe('buildReport', () => {
  it('hashes contexts with their flag salt, alike in exposures and metrics, and sends no raw key', () => {
    const window = new MetricsWindow(1_000);
    window.expose('checkout', 'salt-1', 0, 'alice@private.example');
    window.expose('checkout', 'salt-1', 1, 'bob@private.example');
    window.attribute('checkout', 'salt-1', 0, 'purchase', 'alice@private.example', 12.5);
    window.expose('search', 'salt-2', 0, 'alice@private.example');
    window.countEvent('purchase', 12.5);
    window.countEvaluations('checkout', 0, 1);

    const report = buildReport(window, sdk, 11_000, noDrops());
    expect(MetricsReportSchema.parse(report)).toEqual(report);
    expect(report.guarded).toEqual([
      {
        flag: 'checkout',
        variation: 0,
        exposures: [contextHash('salt-1', 'alice@private.example')],
        metrics: [
          {
            key: 'purchase',
            count: 1,
            valueCount: 1,
            sum: 12.5,
            sumSquares: 156.25,
            contexts: [contextHash('salt-1', 'alice@private.example')],
          },
        ],
      },
      { flag: 'checkout', variation: 1, exposures: [contextHash('salt-1', 'bob@private.example')], metrics: [] },
      { flag: 'search', variation: 0, exposures: [contextHash('salt-2', 'alice@private.example')], metrics: [] },
    ]);
    expect(JSON.stringify(report)).not.toMatch(/alice|bob|private/);
    expect(report.reportId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(report.window).toEqual({ start: 1_000, end: 11_000 });
  });

  it('hashes with the newest salt of a flag recreated under the same key', () => {
    const window = new MetricsWindow(0);
    window.expose('checkout', 'old-salt', 0, 'a');
    window.expose('checkout', 'new-salt', 0, 'b');
    const [entry] = buildReport(window, sdk, 1, noDrops()).guarded;
    expect(entry!.exposures.sort()).toEqual([contextHash('new-salt', 'a'), contextHash('new-salt', 'b')].sort());
  });

  it('clamps the window to at most 24 hours and never ending before it starts', () => {
    const day = METRICS_LIMITS.maxWindowMs;
    const long = buildReport(new MetricsWindow(0), sdk, 3 * day, noDrops());
    expect(long.window).toEqual({ start: 2 * day, end: 3 * day });
    const backwards = buildReport(new MetricsWindow(5_000), sdk, 4_000, noDrops());
    expect(backwards.window).toEqual({ start: 5_000, end: 5_000 });
    expect(MetricsReportSchema.safeParse(long).success && MetricsReportSchema.safeParse(backwards).success).toBe(true);
  });

  it('adds what earlier reports given up on held to its drops; giving it up tallies everything it holds, and itself', () => {
    const window = new MetricsWindow(0);
    window.countEvaluations('a', 0, 4);
    window.countEvaluations('a', 'WRONG_TYPE', 1);
    window.countEvent('purchase', 1);
    window.countEvent('purchase', undefined);
    window.dropEvent();
    window.expose('a', 's', 0, 'c1');
    window.attribute('a', 's', 0, 'purchase', 'c1', 1);
    window.attribute('a', 's', 0, 'purchase', 'c2', 1);
    const report = buildReport(window, sdk, 10, { evaluations: 7, events: 2, contexts: 3, reports: 1 });
    expect(report.dropped).toEqual({ evaluations: 7, events: 3, contexts: 3, reports: 1 });
    expect(givenUp(report)).toEqual({ evaluations: 12, events: 5, contexts: 6, reports: 2 });
  });
});
