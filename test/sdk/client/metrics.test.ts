/**
 * What the SDK client counts and reports: every evaluation per flag and variation or error kind,
 * track() calls per event key, and for flags under a guarded release the exposures and events of each
 * variation as context hashes, never raw keys or attributes. Reports go to a real HTTP server that
 * validates each with the shared schema; the reporting interval is driven by fake setInterval only.
 */
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createClient, type FlagsClient } from '../../../sdk/src/client/index.ts';
import type { ClientOptions } from '../../../sdk/src/client/types.ts';
import { evaluate, prepareSnapshot } from '../../../sdk/src/engine/index.ts';
import { CONTEXT_HASH_PATTERN, type FlagDefinition, type MetricsReport } from '../../../sdk/src/model/index.ts';
import { silentLogger } from '../../helpers/silent-logger.ts';
import { evaluationCounts, MetricsServer, totals } from '../metrics/metrics-server.ts';
import { booleanFlag, snapshotOf } from './protocol-server.ts';

const INTERVAL_MS = 1000;
const sdkPackage = JSON.parse(readFileSync(new URL('../../../sdk/package.json', import.meta.url), 'utf8')) as { version: string };

const checkout: FlagDefinition = {
  ...booleanFlag('new-checkout', true),
  salt: 'checkout-salt',
  fallthrough: {
    rollout: {
      variations: [
        { variation: 0, weight: 50_000 },
        { variation: 1, weight: 50_000 },
      ],
    },
  },
  guardedMetrics: ['purchase', 'latency-ms'],
};
const copy: FlagDefinition = { ...booleanFlag('checkout-copy', true), kind: 'string', variations: ['Buy now', 'Order'] };
const theme: FlagDefinition = { ...booleanFlag('theme', true), kind: 'json', variations: ['plain', { color: 'teal' }] };
const broken: FlagDefinition = { ...booleanFlag('broken', true), fallthrough: { variation: 9 } };
const rules = snapshotOf(5, [checkout, copy, theme, broken]);
const plain = prepareSnapshot(rules);
const served = (flagKey: string, key: string) => evaluate(plain, flagKey, { key }, null).variationIndex!;
const hash = (salt: string, key: string) => createHmac('sha256', salt).update(key, 'utf8').digest('hex').slice(0, 16);

let server: MetricsServer;
const clients: FlagsClient[] = [];

beforeEach(async () => {
  vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
  server = await MetricsServer.start(rules);
});

afterEach(async () => {
  server.answer = 'store';
  await Promise.all(clients.splice(0).map((c) => c.close()));
  vi.useRealTimers();
  expect(server.invalid).toEqual([]);
  await server.close();
});

function client(options: Partial<ClientOptions> = {}): FlagsClient {
  const c = createClient({
    url: server.url,
    sdkKey: 'sdk-key',
    streaming: false,
    pollIntervalMs: 60_000,
    metricsIntervalMs: INTERVAL_MS,
    logger: silentLogger,
    ...options,
  });
  clients.push(c);
  return c;
}

/** One reporting interval passes; resolves with the report it stored. */
async function nextReport(): Promise<MetricsReport> {
  const before = server.stored.size;
  vi.advanceTimersByTime(INTERVAL_MS);
  await server.waitFor(() => server.stored.size > before);
  return server.reports.at(-1)!;
}

describe('evaluation counting', () => {
  it('counts every evaluation per flag and variation or error kind, whatever method made it', async () => {
    const flags = client();
    const user = { key: 'user-1', email: 'ana@example.com' };
    flags.isEnabled('new-checkout', user);
    flags.variation('checkout-copy', user, 'Buy now');
    expect(await flags.ready()).toBe(true);

    flags.variation('checkout-copy', user, 'Buy now');
    flags.variationDetail('checkout-copy', user, 'Buy now');
    flags.variation('checkout-copy', user, 7);
    flags.isEnabled('checkout-copy', user);
    flags.evaluate('theme', user);
    flags.variation('theme', user, 'plain');
    flags.isEnabled('broken', user);
    flags.isEnabled('missing', user);
    flags.evaluate('missing', user);
    flags.isEnabled('new-checkout', {});
    flags.isEnabled('new-checkout', user);
    flags.allFlags(user);

    const report = await nextReport();
    expect(evaluationCounts([report])).toEqual({
      'new-checkout/CLIENT_NOT_READY': 1,
      'checkout-copy/CLIENT_NOT_READY': 1,
      'checkout-copy/1': 3,
      'checkout-copy/WRONG_TYPE': 2,
      'theme/1': 2,
      'theme/WRONG_TYPE': 1,
      'broken/MALFORMED_FLAG': 2,
      'missing/FLAG_NOT_FOUND': 2,
      'new-checkout/USER_NOT_SPECIFIED': 1,
      [`new-checkout/${served('new-checkout', 'user-1')}`]: 2,
    });
    expect(report.sdk).toEqual({
      name: '@switchyard/sdk',
      version: sdkPackage.version,
      instanceId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      mode: 'polling',
      snapshotVersion: 5,
    });
    expect(report.window.end).toBeGreaterThanOrEqual(report.window.start);
    expect(report.dropped).toEqual({ evaluations: 0, events: 0, contexts: 0, reports: 0 });
    expect(server.posts[0]!.authorization).toBe('Bearer sdk-key');
  });

  it('each report counts what came after the previous one, and a new client is a new instance', async () => {
    const flags = client();
    await flags.ready();
    flags.isEnabled('checkout-copy', { key: 'a' });
    const first = await nextReport();
    flags.isEnabled('checkout-copy', { key: 'a' });
    flags.isEnabled('checkout-copy', { key: 'b' });
    const second = await nextReport();

    expect(evaluationCounts([first])).toEqual({ 'checkout-copy/WRONG_TYPE': 1 });
    expect(evaluationCounts([second])).toEqual({ 'checkout-copy/WRONG_TYPE': 2 });
    expect(second.window.start).toBe(first.window.end);
    expect(second.reportId).not.toBe(first.reportId);
    expect(second.sdk.instanceId).toBe(first.sdk.instanceId);

    const other = client();
    await other.ready();
    other.isEnabled('broken', { key: 'a' });
    const third = await nextReport();
    expect(third.sdk.instanceId).not.toBe(first.sdk.instanceId);
    expect(evaluationCounts([third])).toEqual({ 'broken/MALFORMED_FLAG': 1 });
  });

  it('keeps counting across rule updates: counts of replaced rules are carried into the report', async () => {
    const flags = client({ pollIntervalMs: 20 });
    await flags.ready();
    for (let i = 0; i < 3; i++) flags.variation('checkout-copy', { key: `u${i}` }, '');
    server.snapshot = snapshotOf(6, [checkout, { ...copy, fallthrough: { variation: 0 }, version: 2 }]);
    await server.waitFor(() => flags.version === 6);
    for (let i = 0; i < 2; i++) flags.variation('checkout-copy', { key: `u${i}` }, '');
    flags.isEnabled('theme', { key: 'u0' });

    const report = await nextReport();
    expect(evaluationCounts([report])).toEqual({ 'checkout-copy/1': 3, 'checkout-copy/0': 2, 'theme/FLAG_NOT_FOUND': 1 });
    expect(report.sdk.snapshotVersion).toBe(6);
  });

  it('reports nothing when nothing was counted', async () => {
    const flags = client();
    await flags.ready();
    vi.advanceTimersByTime(INTERVAL_MS * 3);
    flags.isEnabled('checkout-copy', { key: 'a' });
    await nextReport();
    expect(server.posts).toHaveLength(1);
  });

  it('counts at most 1,000 unknown flag keys per window; evaluations of more, and of invalid keys, are counted as dropped', async () => {
    const flags = client();
    await flags.ready();
    for (let i = 0; i < 1200; i++) flags.isEnabled(`unknown-${i}`, { key: 'a' });
    flags.isEnabled('x'.repeat(101), { key: 'a' });
    const report = await nextReport();
    expect(report.evaluations).toHaveLength(1000);
    expect(totals([report])).toMatchObject({ evaluations: 1000, droppedEvaluations: 201 });
  });
});

describe('track()', () => {
  it('counts calls per event key with their values; invalid keys and contexts without a key are dropped', async () => {
    const flags = client();
    await flags.ready();
    const ana = { key: 'ana' };
    expect(flags.track('signup', ana, 20)).toBeUndefined();
    flags.track('signup', { key: 'bo' });
    flags.track('signup', ana, Number.NaN);
    flags.track('signup', ana, -4);
    flags.track('page.view:home', ana, Number.POSITIVE_INFINITY);
    flags.track('not valid!', ana, 1);
    flags.track('x'.repeat(101), ana);
    flags.track('signup', {}, 1);
    flags.track('signup', { key: '' });
    flags.track(42 as never, ana);

    const report = await nextReport();
    expect(report.events).toEqual([
      { key: 'signup', count: 4, valueCount: 2, sum: 16, sumSquares: 416 },
      { key: 'page.view:home', count: 1, valueCount: 0, sum: 0, sumSquares: 0 },
    ]);
    expect(report.dropped.events).toBe(5);
    expect(report.guarded).toEqual([]);
  });

  it('attributes events of a guarded flag to the variation each context is served, exactly, as context hashes', async () => {
    const flags = client();
    await flags.ready();
    const contexts = Array.from({ length: 200 }, (_, i) => ({ key: `user-${i}`, email: `person-${i}@private.example` }));
    type Expected = {
      exposures: Set<string>;
      metrics: Map<string, { count: number; valueCount: number; sum: number; sumSquares: number; contexts: Set<string> }>;
    };
    const expected = new Map<number, Expected>();
    const at = (variation: number) => {
      let e = expected.get(variation);
      if (!e) expected.set(variation, (e = { exposures: new Set(), metrics: new Map() }));
      return e;
    };
    const tracked = (variation: number, metric: string, key: string, value?: number) => {
      const metrics = at(variation).metrics;
      let m = metrics.get(metric);
      if (!m) metrics.set(metric, (m = { count: 0, valueCount: 0, sum: 0, sumSquares: 0, contexts: new Set() }));
      m.count++;
      if (value !== undefined) {
        m.valueCount++;
        m.sum += value;
        m.sumSquares += value * value;
      }
      m.contexts.add(hash('checkout-salt', key));
    };

    contexts.forEach((context, i) => {
      const variation = served('new-checkout', context.key);
      flags.isEnabled('new-checkout', context);
      if (i % 2 === 0) flags.variation('new-checkout', context, false);
      at(variation).exposures.add(hash('checkout-salt', context.key));
      if (i % 3 === 0) {
        flags.track('purchase', context, i);
        tracked(variation, 'purchase', context.key, i);
      }
      if (i % 5 === 0) {
        flags.track('latency-ms', context, 1.5);
        flags.track('latency-ms', context);
        tracked(variation, 'latency-ms', context.key, 1.5);
        tracked(variation, 'latency-ms', context.key);
      }
      flags.track('unguarded', context, 1);
    });
    // A context that tracks without having been evaluated is attributed too (and not exposed).
    const late = { key: 'late-user' };
    flags.track('purchase', late, 3);
    tracked(served('new-checkout', late.key), 'purchase', late.key, 3);

    const report = await nextReport();
    const counts = evaluationCounts([report]);
    expect((counts['new-checkout/0'] ?? 0) + (counts['new-checkout/1'] ?? 0)).toBe(300);
    expect(Object.keys(counts).every((k) => k.startsWith('new-checkout/'))).toBe(true);
    expect(report.events.find((e) => e.key === 'unguarded')).toEqual({
      key: 'unguarded',
      count: 200,
      valueCount: 200,
      sum: 200,
      sumSquares: 200,
    });

    const sorted = (xs: Iterable<string>) => [...xs].sort();
    expect(report.guarded.map((g) => [g.flag, g.variation]).sort()).toEqual([...expected.keys()].map((v) => ['new-checkout', v]).sort());
    for (const g of report.guarded) {
      const e = expected.get(g.variation)!;
      expect(sorted(g.exposures)).toEqual(sorted(e.exposures));
      expect(g.exposures.every((h) => CONTEXT_HASH_PATTERN.test(h))).toBe(true);
      expect(g.metrics.map((m) => ({ ...m, contexts: sorted(m.contexts) })).sort((a, b) => a.key.localeCompare(b.key))).toEqual(
        [...e.metrics].map(([key, m]) => ({ key, ...m, contexts: sorted(m.contexts) })).sort((a, b) => a.key.localeCompare(b.key)),
      );
    }
    const body = server.posts.at(-1)!.body;
    expect(body).not.toMatch(/user-\d|late-user|private\.example|person-/);
  });

  it('keeps at most 10,000 distinct contexts of guarded flags per window, counting the rest as dropped', async () => {
    const flags = client();
    await flags.ready();
    for (let i = 0; i < 10_300; i++) flags.isEnabled('new-checkout', { key: `c-${i}` });
    for (let i = 0; i < 10; i++) flags.track('purchase', { key: `c-${10_200 + i}` });
    flags.track('purchase', { key: 'c-1' });

    const report = await nextReport();
    const exposures = report.guarded.reduce((n, g) => n + g.exposures.length, 0);
    const metricContexts = report.guarded.reduce((n, g) => n + g.metrics.reduce((m, x) => m + x.contexts.length, 0), 0);
    expect(exposures).toBe(10_000);
    expect(metricContexts).toBe(1);
    expect(report.dropped.contexts).toBe(310);
    expect(totals([report])).toMatchObject({ evaluations: 10_300, droppedEvaluations: 0, events: 11 });
  });
});

describe('turning metrics off', () => {
  it('sendMetrics: false counts nothing, starts no timer and sends nothing', async () => {
    const flags = client({ sendMetrics: false });
    await flags.ready();
    flags.isEnabled('new-checkout', { key: 'a' });
    flags.track('purchase', { key: 'a' }, 1);
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(INTERVAL_MS * 5);
    await flags.close();
    expect(server.posts).toEqual([]);
  });

  it('a client without a url (bootstrap only) has nowhere to send and sends nothing', async () => {
    const flags = createClient({ bootstrap: rules, logger: silentLogger });
    clients.push(flags);
    flags.isEnabled('new-checkout', { key: 'a' });
    flags.track('purchase', { key: 'a' });
    expect(vi.getTimerCount()).toBe(0);
    await flags.close();
    expect(server.posts).toEqual([]);
  });
});

describe('close()', () => {
  it('sends what was counted since the last report, with the status the client had before closing', async () => {
    const flags = client();
    await flags.ready();
    flags.isEnabled('new-checkout', { key: 'a' });
    flags.track('purchase', { key: 'a' });
    await flags.close();
    expect(server.reports).toHaveLength(1);
    expect(server.reports[0]).toMatchObject({ sdk: { mode: 'polling' }, events: [{ key: 'purchase', count: 1 }] });
    flags.track('purchase', { key: 'a' });
    flags.isEnabled('new-checkout', { key: 'a' });
    vi.advanceTimersByTime(INTERVAL_MS * 3);
    expect(server.posts).toHaveLength(1);
  });
});
